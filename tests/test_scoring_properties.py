"""Properties of score sheets on generated packs and indicator sets (hypothesis)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from perfrules.engine.runner import run
from perfrules.engine.scoring import DEFAULT_BANDS, ScoringRules

from helpers import make_pack
from strategies import evaluator_scores, indicator_sets, score_packs

ZERO = Decimal(0)


@st.composite
def packs_and_sets(draw):
    pack, items = draw(score_packs())
    iset = draw(indicator_sets(scores=evaluator_scores(items)))
    return pack, iset


@given(packs_and_sets())
def test_every_item_is_explained_and_bounded(case):
    pack, iset = case
    result = run([pack], iset)
    sheet = result.score
    if sheet is None:  # judgement items with no evaluator scores: no sheet, and it says so
        assert any(x.target == "评分表" for x in result.not_applicable)
        return
    for item in sheet.items:
        assert ZERO <= item.lowest <= item.highest <= item.max
        assert item.max - item.highest == sum((d.points for d in item.deductions), ZERO)
        for d in item.deductions:
            assert d.points > 0 and d.rule and d.reason
    if sheet.incomplete:
        assert sheet.total is None and sheet.grade is None
    else:
        assert sheet.total == sum((i.score for i in sheet.items), ZERO)
        assert ZERO <= sheet.total <= sheet.max
    if sheet.vetoed:
        assert sheet.grade not in ("优", "良")


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_every_total_has_exactly_one_grade(total):
    assert sum(b.holds(total) for b in DEFAULT_BANDS) == 1


def test_grade_boundaries_are_half_open():
    r = ScoringRules()
    assert [r.grade(Decimal(x)) for x in ("0", "59.99", "60", "79.99", "80", "89.99", "90", "100")] == \
        ["差", "差", "中", "中", "良", "良", "优", "优"]
    assert r.cap("优", "中") == "中" and r.cap("差", "中") == "差"


def test_regression_fallback_to_stated_score_is_rounded():
    # Found by hypothesis: a formula item with no budget falls back to the evaluator's 2.05
    # under a 1-place pack; the unrounded 2.05 broke max − score = Σ deductions. (A pack takes
    # the stated score for missing data only with accept_stated; by default the item is unscorable.)
    from perfrules.data.indicators import IndicatorSet, ScoreEntry
    from perfrules.engine.compiler import compile_files
    from perfrules.language.parser import parse_text

    compiled = compile_files([parse_text("评分项 组/项3 分值 3\n  得分 = (执行率 − 0%) ÷ (100% − 0%) × 分值\n",
                                         "g.rules")])
    pack = make_pack(compiled, name="g", version="0", path="g", scoring=ScoringRules(places=1, accept_stated=True))
    iset = IndicatorSet((), scores=(ScoreEntry(path="组/项3", weight=Decimal(3), score=Decimal("2.05")),))
    item = run([pack], iset).score.items[0]
    assert (str(item.score), [str(d.points) for d in item.deductions]) == ("2.1", ["0.9"])
    assert item.notes == ("无法计算（缺少预算数据 (no budget given)），采用陈述得分 2.1（规则包接受陈述得分 accept_stated）",)
    strict = make_pack(compiled, name="g", version="0", path="g", scoring=ScoringRules(places=1))
    item = run([strict], iset).score.items[0]
    assert (item.score, item.reason, str(item.low), str(item.high)) == (
        None, "无法计算：缺少预算数据 (no budget given)", "0.0", "3.0")
