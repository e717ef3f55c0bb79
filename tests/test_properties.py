"""Hypothesis guards the scoring rules: bounds, explanations, the veto, grade bands, rounding,
monotonicity, over-completion, invariance and fuzzed inputs, on the bundled packs and on
generated ones. Fast under the default ``ci`` profile; ``HYPOTHESIS_PROFILE=long`` searches
further. A failure prints hypothesis' minimal example; bugs found are kept below as
explicit regression examples.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from perfrules.data.indicators import Budget, Indicator, IndicatorSet, ScoreEntry
from perfrules.data.loaders import load, load_mapping
from perfrules.data.values import format_value, read_value
from perfrules.engine.packs import MANIFEST, load_pack, rule_files_of, weight_total
from perfrules.engine.runner import run
from perfrules.errors import PerfrulesError
from perfrules.report import json_out, markdown, table

from strategies import (NAMES, evaluator_scores, full_marks, indicator_sets, pack_indicator_sets,
                        pack_leaves, quantities, score_packs, values)

ROOT = Path(__file__).resolve().parent.parent
ZERO = D(0)
SCORING = ("national-selfeval", "panyu-project-2023", "guangzhou-dept-2022")
PACKS = {n: load_pack(n) for n in (*SCORING, "national")}
# Generating a whole indicator set and score sheet costs ~20 ms, far more than running it:
# those properties run a quarter as often as the profile says, and the ones that compile a
# pack per example a tenth (ci: 50 and 20; HYPOTHESIS_PROFILE=long: 1250 and 500).
SOME = settings(max_examples=max(25, settings().max_examples // 4))
FEW = settings(max_examples=max(10, settings().max_examples // 10))


def bundled_cases(names=SCORING, full=False):
    return st.sampled_from(names).flatmap(
        lambda n: st.tuples(st.just(n), pack_indicator_sets(PACKS[n], full)))


@st.composite
def generated_cases(draw):
    pack, items = draw(score_packs())
    return pack, draw(indicator_sets(scores=evaluator_scores(items)))


def sheet_of(pack, iset):
    result = run([pack], iset)
    if result.score is None:  # judgement items and no evaluator scores: no sheet, and it says so
        assert any(x.target == "评分表" for x in result.not_applicable)
    return result, result.score


# ------------------------------------------------------------------ bounds

def assert_bounded(pack, sheet):
    for item in sheet.items:
        assert ZERO <= item.lowest <= item.highest <= item.max, item
        assert (item.score is None) == bool(item.reason), item  # unscorable: always with the reason
    assert sheet.max == sum((w for _, w, _ in pack_leaves(pack)), ZERO)
    if sheet.total is None:  # incomplete: no total and no grade, and a range that says how far it got
        assert sheet.incomplete and sheet.grade is None
        assert ZERO <= sheet.scored <= sheet.low <= sheet.high <= sheet.max
        assert sheet.unscorable == sum((i.max for i in sheet.items if i.score is None), ZERO) > 0
    else:
        assert ZERO <= sheet.total <= sheet.max


@SOME
@given(bundled_cases())
def test_bounds_on_bundled_packs(case):
    name, iset = case
    pack = PACKS[name]
    _, sheet = sheet_of(pack, iset)
    if sheet is not None:
        assert_bounded(pack, sheet)
        assert sheet.high <= weight_total(pack) == D(100)


@SOME
@given(generated_cases())
def test_bounds_on_generated_packs(case):
    pack, iset = case
    _, sheet = sheet_of(pack, iset)
    if sheet is not None:
        assert_bounded(pack, sheet)


# ------------------------------------------------------------------ explanation

def assert_explained(sheet):
    for item in sheet.items:
        # scored: max − score; unscorable: max − the most it could still score (what is known lost)
        assert item.max - item.highest == sum((d.points for d in item.deductions), ZERO), item
        for d in item.deductions:
            assert d.points > 0, item
            assert d.rule.strip() and d.reason.strip(), item


@SOME
@given(bundled_cases())
def test_every_lost_point_is_explained_on_bundled_packs(case):
    name, iset = case
    _, sheet = sheet_of(PACKS[name], iset)
    if sheet is not None:
        assert_explained(sheet)


@SOME
@given(generated_cases())
def test_every_lost_point_is_explained_on_generated_packs(case):
    pack, iset = case
    _, sheet = sheet_of(pack, iset)
    if sheet is not None:
        assert_explained(sheet)


# ------------------------------------------------------------------ the veto (panyu-project-2023)

SPEND = "项目管理/财务管理/支出完成率"
PANYU = PACKS["panyu-project-2023"]


@st.composite
def budgets_with_denominator(draw, annual: D, spent: D) -> Budget:
    """The same 年度预算 stated directly or as 上年结转 + 年初预算 ± 调整."""
    form = draw(st.sampled_from(["annual", "adjusted", "carryover"]))
    if form == "annual":
        return Budget(annual=annual, spent=spent)
    cut = draw(st.integers(0, 100000).map(lambda k: D(k).scaleb(-2)))
    if form == "adjusted":
        return Budget(initial=annual + cut, adjustments=(-cut,), spent=spent)
    return Budget(carryover=cut, initial=annual, adjustments=(-cut,), spent=spent)


# The declared (申报) set beside it: 6 indicators, 4 quantified, one of them for satisfaction, so
# 绩效指标规范性 and 项目效益 are decided by it (without it they cannot be scored).
DECLARED = IndicatorSet(tuple(Indicator(level1=l1, name=f"申报{k}", target=t) for k, (l1, t) in enumerate(
    [("产出指标", "5个"), ("产出指标", "100%"), ("效益指标", "99%"), ("效益指标", "提升"), ("效益指标", "保障"),
     ("满意度指标", "≥90%")])), stage="申报")


def panyu_sheet(budget: Budget | None, scores=None):
    iset = IndicatorSet((), stage="评价", budget=budget,
                        scores=full_marks(PANYU) if scores is None else scores)
    result = run([PANYU], iset, {"申报": DECLARED, "评价": iset})
    return result, {i.path: i for i in result.score.items}


@given(st.integers(1, 200), st.data())
def test_veto_at_59_99_not_at_60_00(m, data):
    annual = D(100 * m)  # 59.99% and 60.00% of it are exact amounts in 万元 (2 places)
    below = data.draw(budgets_with_denominator(annual, D("59.99") * m))
    at = data.draw(budgets_with_denominator(annual, D(60) * m))
    r, items = panyu_sheet(below)
    assert r.score.vetoed and items[SPEND].score == 0
    # every other item at full marks: 92 would be 优, the veto caps it
    assert r.score.total == D(92) and r.score.grade not in ("优", "良") and r.score.grade == "中"
    r, items = panyu_sheet(at)
    assert not r.score.vetoed and items[SPEND].score == 0
    assert r.score.grade == "优"


@SOME
@given(bundled_cases(("panyu-project-2023",)))
def test_a_vetoed_project_is_never_graded_excellent_or_good(case):
    _, iset = case
    result, sheet = sheet_of(PANYU, iset)
    if sheet is not None and sheet.vetoed:
        assert sheet.grade not in ("优", "良")
    b = iset.budget
    if sheet is not None and b is not None and b.spent is not None and b.denominator and b.denominator > 0 \
            and b.spent / b.denominator < D("0.6"):
        assert sheet.vetoed


def spend_score(annual: D, spent: D) -> D:
    return panyu_sheet(Budget(annual=annual, spent=spent))[1][SPEND].score


cents = st.integers(0, 4_000_000).map(lambda k: D(k).scaleb(-2))


@given(st.integers(1, 2_000_000).map(lambda k: D(k).scaleb(-2)), cents, cents)
def test_spending_item_is_zero_below_60_and_rises_to_its_weight(annual, s1, s2):
    s1, s2 = sorted((s1, s2))
    lo, hi = spend_score(annual, s1), spend_score(annual, s2)
    assert ZERO <= lo <= hi <= D(8)
    for spent, score in ((s1, lo), (s2, hi)):
        rate = spent / annual
        if rate < D("0.6"):
            assert score == 0
        elif rate >= 1:
            assert score == D(8)
        else:
            assert score == PANYU.scoring.round((rate - D("0.6")) / D("0.4") * 8)


def test_spending_item_at_the_seed_rate():
    assert spend_score(D("507.74"), D("428.54")) == D("4.88")  # 84.40% (seed 002)
    assert [spend_score(D(100), D(x)) for x in ("59.99", "60", "100", "100.01", "250")] == \
        [D(0), D(0), D(8), D(8), D(8)]


# ------------------------------------------------------------------ grade bands

@given(st.sampled_from(SCORING), st.decimals(min_value=0, max_value=100, places=4))
def test_every_total_maps_to_exactly_one_grade(name, total):
    rules = PACKS[name].scoring
    assert sum(b.holds(total) for b in rules.bands) == 1
    assert rules.grade(total) is not None


BOUNDARIES = {
    "national-selfeval": {"0": "差", "59.99": "差", "60": "中", "79.99": "中", "80": "良", "89.99": "良",
                          "90": "优", "100": "优"},
    "guangzhou-dept-2022": {"0": "差", "59.99": "差", "60": "中", "79.99": "中", "80": "良", "89.99": "良",
                            "90": "优", "100": "优"},
    "panyu-project-2023": {"0": "差", "59.99": "差", "60": "低", "69.99": "低", "70": "中", "79.99": "中",
                           "80": "良", "89.5": "良", "89.99": "良", "90": "优", "100": "优"},
}


@pytest.mark.parametrize("name", SCORING)
def test_boundary_totals_follow_the_half_open_intervals(name):
    rules = PACKS[name].scoring
    assert {t: rules.grade(D(t)) for t in BOUNDARIES[name]} == BOUNDARIES[name]


@SOME
@given(bundled_cases())
def test_sheet_grade_is_the_band_of_its_total(case):
    name, iset = case
    rules = PACKS[name].scoring
    _, sheet = sheet_of(PACKS[name], iset)
    if sheet is not None and sheet.total is None:
        assert sheet.grade is None
    elif sheet is not None:
        band = rules.grade(sheet.total)
        assert sheet.grade == band or (sheet.grade_note and sheet.grade == rules.cap(band, sheet.grade)) or \
            (sheet.grade is None and sheet.undecided)  # a veto or cap that could not be judged


# ------------------------------------------------------------------ rounding and order

def assert_rounded(rules, sheet):
    for item in sheet.items:
        for x in (item.lowest, item.highest):
            assert x == rules.round(x) and x.as_tuple().exponent == -rules.places, item
        for d in item.deductions:
            assert d.points == rules.round(d.points), item
    if sheet.total is not None:
        assert sheet.total == rules.round(sum((rules.round(i.score) for i in sheet.items), ZERO))


@SOME
@given(bundled_cases())
def test_total_is_the_rounded_sum_of_rounded_items_on_bundled_packs(case):
    name, iset = case
    _, sheet = sheet_of(PACKS[name], iset)
    if sheet is not None:
        assert_rounded(PACKS[name].scoring, sheet)


@SOME
@given(generated_cases())
def test_total_is_the_rounded_sum_of_rounded_items_on_generated_packs(case):
    pack, iset = case
    _, sheet = sheet_of(pack, iset)
    if sheet is not None:
        assert_rounded(pack.scoring, sheet)


POSITION = re.compile(r"\[\d+\]|第\d+行")
ROW_LIST = re.compile(r"绩效指标\[#\] [^、\s]*(?:、绩效指标\[#\] [^、\s]*)+")


def norm(text):
    """Positions taken out; a list of rows (given in row order) sorted."""
    if not isinstance(text, str):
        return text
    text = POSITION.sub("[#]", text)
    return ROW_LIST.sub(lambda m: "、".join(sorted(m.group(0).split("、"))), text)


def outcome(result):
    """A result with the positions findings point at taken out: what must not change when
    indicators, score lines or rules are reordered, or the input renamed."""
    findings = Counter((f.rule, f.title, f.severity, norm(f.target), norm(f.message), f.fix, f.basis,
                        f.waived) for f in result.findings)
    nas = Counter((x.rule, norm(x.target), norm(x.reason)) for x in result.not_applicable)
    sheet = result.score
    if sheet is not None:
        items = {i.path: (i.max, i.score, i.stated, i.kind,
                          Counter((d.points, d.rule, norm(d.reason)) for d in i.deductions))
                 for i in sheet.items}
        sheet = (sheet.total, sheet.max, sheet.grade, sheet.vetoed, norm(sheet.grade_note), items)
    return result.project, result.packs, findings, nas, sheet


@SOME
@given(bundled_cases((*SCORING, "national")), st.randoms(use_true_random=False))
def test_order_of_indicators_and_score_lines_changes_nothing(case, rnd):
    name, iset = case
    inds, scores = list(iset.indicators), list(iset.scores)
    rnd.shuffle(inds)
    rnd.shuffle(scores)
    shuffled = IndicatorSet(tuple(inds), project=iset.project, budget=iset.budget, stage=iset.stage,
                            scores=tuple(scores), source=iset.source)
    before, after = run([PACKS[name]], iset), run([PACKS[name]], shuffled)
    assert outcome(before) == outcome(after)
    if before.score is not None:
        assert before.score.total == after.score.total


@SOME
@given(generated_cases(), st.randoms(use_true_random=False))
def test_order_of_score_lines_changes_nothing_on_generated_packs(case, rnd):
    pack, iset = case
    scores = list(iset.scores)
    rnd.shuffle(scores)
    shuffled = IndicatorSet(iset.indicators, project=iset.project, budget=iset.budget, stage=iset.stage,
                            scores=tuple(scores), source=iset.source)
    assert outcome(run([pack], iset)) == outcome(run([pack], shuffled))


# ------------------------------------------------------------------ monotonicity

SELFEVAL = PACKS["national-selfeval"]
FILL = (Indicator(level1="效益指标", level2="社会效益指标", name="效益", target="≥90%", actual="95%", weight=D(30)),
        Indicator(level1="满意度指标", name="满意度", target="≥90%", actual="95%", weight=D(10)))


def selfeval_output_score(target: str, actual: str, weight: D) -> D:
    rows = (Indicator(level1="产出指标", level2="数量指标", name="完成数量", target=target, actual=actual,
                      weight=weight),
            Indicator(level1="产出指标", level2="质量指标", name="其他", target="100%", actual="100%",
                      weight=D(50) - weight)) + FILL
    result = run([SELFEVAL], IndicatorSet(rows, stage="自评", budget=Budget(annual=D(100), spent=D(100))))
    item = {i.path: i for i in result.score.items}["产出指标"]
    return item.score - (D(50) - weight)


UNITS = ["%", "个", "秒", "分钟", "万元", "人次", "台"]
steps = st.integers(0, 100000).map(lambda k: D(k).scaleb(-2))


@given(st.sampled_from(["", "≥", "不少于", "约", ">", "大于", "≤", "<", "不超过", "以内"]),
       st.integers(1, 10000).map(lambda k: D(k).scaleb(-2)), st.sampled_from(UNITS), steps, steps,
       st.integers(1, 50).map(D))
def test_improving_an_actual_never_lowers_its_score(cmp, t, unit, a1, a2, w):
    lower = cmp in ("≤", "<", "不超过", "以内")
    target = f"{t}{unit}以内" if cmp == "以内" else f"{cmp}{t}{unit}"
    worse, better = sorted((a1, a2), reverse=lower)
    s_worse = selfeval_output_score(target, f"{worse}{unit}", w)
    s_better = selfeval_output_score(target, f"{better}{unit}", w)
    assert ZERO <= s_worse <= s_better <= w
    if not lower:  # 正向: 分值 × 实际 ÷ 指标值, at most 分值 (national-rules R8)
        assert s_better == SELFEVAL.scoring.round(min(w * better / t, w))


NATIONAL = PACKS["national"]
# Rules that judge what a name says: they can only speak once there is a name (a duplicate name
# is reported on both rows). N-19 counts the outputs that deliver something, which a name can
# show to be a finance measure: a verdict on the project (项目), not on a row.
NAME_RULES = {"N-03", "N-07", "N-15", "N-16", "N-17", "N-18", "N-21", "N-22", "N-28"}
NAME_PROJECT_RULES = {"N-19"}


def finding_keys(result):
    return Counter((f.rule, norm(f.target).split(" ")[0]) for f in result.findings)


@st.composite
def sets_with_a_gap(draw, field: str):
    iset = draw(indicator_sets())
    assume(iset.indicators)
    k = draw(st.integers(0, len(iset.indicators) - 1))
    empty = {"name": draw(st.sampled_from([None, "", "/"])), "evidence": ()}[field]
    inds = list(iset.indicators)
    inds[k] = Indicator(**{**{a: getattr(inds[k], a) for a in ("level1", "level2", "name", "target", "actual",
                                                                 "method", "evidence")}, field: empty})
    filled = draw(st.sampled_from([n for n in NAMES if n.strip("/ ")])) if field == "name" else \
        tuple(draw(st.lists(st.sampled_from(["验收报告", "运行报告", "监测日志"]), min_size=1, max_size=2)))
    before = IndicatorSet(tuple(inds), project=iset.project, budget=iset.budget, stage=iset.stage,
                          source=iset.source)
    inds[k] = Indicator(**{**{a: getattr(inds[k], a) for a in ("level1", "level2", "name", "target", "actual",
                                                                 "method", "evidence")}, field: filled})
    after = IndicatorSet(tuple(inds), project=iset.project, budget=iset.budget, stage=iset.stage,
                         source=iset.source)
    return k, before, after


@SOME
@given(sets_with_a_gap("name"))
def test_adding_a_missing_name_never_adds_a_finding(case):
    k, before, after = case
    b, a = run([NATIONAL], before), run([NATIONAL], after)
    added = finding_keys(a) - finding_keys(b)
    assert all((rule in NAME_RULES and where == "绩效指标[#]") or (rule in NAME_PROJECT_RULES and where == "项目")
               for rule, where in added), added
    assert not [f for f in a.findings if f.rule == "N-01" and f.target.startswith(f"绩效指标[{k + 1}] ")]


@SOME
@given(sets_with_a_gap("evidence"))
def test_adding_evidence_never_adds_a_finding(case):
    _, before, after = case
    assert not finding_keys(run([NATIONAL], after)) - finding_keys(run([NATIONAL], before))


# ------------------------------------------------------------------ over-completion (guangzhou-dept-2022)

GZ = PACKS["guangzhou-dept-2022"]
GZ_OUT = "履职效能/部门整体绩效目标/产出指标"


def gz_row_score(target: str, actual: str, w: D):
    rows = (Indicator(level1="产出指标", level2="数量指标", name="完成数量", target=target, actual=actual, weight=w),
            Indicator(level1="产出指标", level2="质量指标", name="其他", target="100%", actual="100%",
                      weight=D(20) - w))
    result = run([GZ], IndicatorSet(rows, stage="自评", scores=full_marks(GZ)))
    item = {i.path: i for i in result.score.items}[GZ_OUT]
    g01 = [f for f in result.findings if f.rule == "G-01"]
    return item.score - (D(20) - w), g01


@given(st.sampled_from(["", "≥", "不少于"]), st.integers(1, 100000).map(lambda k: D(k).scaleb(-2)),
       st.sampled_from(["个", "%", "万元", "人次", "套"]), st.integers(1, 20).map(D) | st.decimals(1, 20, places=2),
       st.integers(1, 100).map(lambda k: D(k).scaleb(-2)))
def test_over_150_percent_scores_half(cmp, t, unit, w, eps):
    at, g_at = gz_row_score(f"{cmp}{t}{unit}", f"{t * D('1.5')}{unit}", w)
    assert at == GZ.scoring.round(w) and not g_at
    over, g_over = gz_row_score(f"{cmp}{t}{unit}", f"{t * D('1.5') + eps}{unit}", w)
    assert over == GZ.scoring.round(w / 2) and len(g_over) == 1


# ------------------------------------------------------------------ invariance: rule order, file name

BLOCK_START = re.compile(r"^(规则|评分项|词表|同义|rule|item)\b|^(规则|评分项|词表|同义) ")


def rule_blocks(text: str) -> tuple[str, list[str]]:
    """(header comments, blocks): a block is a top-level statement, its indented lines and
    the comments just above it."""
    head, blocks, pending = [], [], []
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#") and BLOCK_START.match(line):
            blocks.append("\n".join(pending + [line]))
            pending = []
        elif line.startswith("#") or not line.strip():
            pending.append(line)
        elif blocks:
            blocks[-1] += "\n" + "\n".join(pending + [line])
            pending = []
        else:
            head += pending + [line]
            pending = []
    if not blocks:
        return "\n".join(head + pending), []
    blocks[-1] += "\n" + "\n".join(pending) if pending else ""
    return "\n".join(head), blocks


def reordered_pack(name: str, rnd, into: Path):
    src = Path(PACKS[name].path)
    into.mkdir(parents=True, exist_ok=True)
    (into / MANIFEST).write_text((src / MANIFEST).read_text(encoding="utf-8"), encoding="utf-8")
    moved = False
    for f in rule_files_of(src):
        head, blocks = rule_blocks(f.read_text(encoding="utf-8"))
        order = list(blocks)
        rnd.shuffle(order)
        moved |= order != blocks
        (into / f.relative_to(src)).write_text(head + "\n" + "\n\n".join(order) + "\n", encoding="utf-8")
    return load_pack(str(into)), moved


def test_rule_blocks_cover_the_rule_files():
    for name in PACKS:
        for f in rule_files_of(Path(PACKS[name].path)):
            text = f.read_text(encoding="utf-8")
            head, blocks = rule_blocks(text)
            assert re.sub(r"\s", "", head + "".join(blocks)) == re.sub(r"\s", "", text)


@FEW
@given(st.sampled_from(list(PACKS)).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(pack_indicator_sets(PACKS[n]), min_size=1, max_size=5))), st.randoms(use_true_random=False))
def test_order_of_rules_changes_nothing(case, rnd):
    name, isets = case
    with tempfile.TemporaryDirectory() as tmp:
        moved, _ = reordered_pack(name, rnd, Path(tmp) / name)
        base = load_pack(name)  # read now, like the reordered copy: others may edit the rules meanwhile
        for iset in isets:
            assert outcome(run([base], iset)) == outcome(run([moved], iset))


EXAMPLES = sorted(ROOT.glob("examples/*/*.yaml"))
file_names = st.builds(lambda stem, ext: stem + ext,
                       st.text(alphabet="abc自评表评价番禺 _-2023", min_size=1, max_size=12).filter(
                           lambda s: s.strip() == s and not s.startswith("-")),
                       st.sampled_from([".yaml", ".yml"]))


@FEW
@given(st.sampled_from(EXAMPLES), file_names, st.sampled_from(list(PACKS)))
def test_renaming_the_input_changes_nothing(path, new_name, name):
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / new_name
        copy.write_bytes(path.read_bytes())
        a, b = run([PACKS[name]], load(path)), run([PACKS[name]], load(copy))
    assert outcome(a) == outcome(b)
    assert [f.location.file for f in b.findings if f.location and f.location.file != "<memory>"] == \
        [str(copy)] * len([f for f in b.findings if f.location and f.location.file != "<memory>"])


# ------------------------------------------------------------------ value reader

def clauses_of(v):
    return [(c.label, c.comparator, c.number, c.unit) for c in v.clauses]


@given(st.one_of(quantities(), values, st.text(alphabet="0123456789.,，、%约≥≤<>=以上内下个万元秒分钟人次上班时间 ",
                                               max_size=30)))
@example("约=0")  # label 约 with "=0" was formatted "约0", read back as ≈0
def test_a_formatted_value_reads_back_the_same(text):
    v = read_value(text)
    back = read_value(format_value(v))
    assert back.kind == v.kind
    if v.quantified:
        assert clauses_of(back) == clauses_of(v)
        assert format_value(back) == format_value(v)  # the canonical text is a fixed point


# ------------------------------------------------------------------ fuzzing

KEYS = ["项目", "阶段", "预算", "绩效目标", "绩效指标", "评分", "总分", "等级", "调整文件", "豁免",
        "名称", "类别", "性质", "年度", "年初预算", "调整", "上年结转", "年度预算", "支出", "执行率", "支出合计",
        "支出明细", "执行进度", "执行进度合计", "通报次数", "一级指标", "二级指标", "三级指标", "指标值", "实际完成值",
        "计算方法", "佐证材料", "分值", "得分", "路径", "评价情况", "扣分", "规则", "理由", "指标"]
EXTREMES = ["1e999999", "1e-999999", "-1e999999", "0E+999999", "9e15", "1e16", "1e-15", "1e-16", "NaN", "-Infinity",
            "-0", "0", "０", "１２３", "1e15亿元", "99999999999999.99%", "0.0000000001%", "999999999999999%"]
numbers = st.one_of(st.sampled_from(EXTREMES), st.integers(), st.floats(),
                    st.decimals(allow_nan=True, allow_infinity=True),
                    st.sampled_from([D(x) for x in EXTREMES if re.fullmatch(r"[-+.\w]+", x) and x[-1].isalnum()
                                     and not re.search(r"[^\x00-\x7f]", x)]))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), numbers, values,
    st.sampled_from(["自评", "评价", "申报", "经常性", "2023", "84.40%", "1,164.43万元", "4285400元", "-30.01、-626.68",
                     "项目管理/财务管理/支出完成率", "五", "合同未按时备案：0.5", "产出指标", "效益指标", "满意度指标"]),
    st.text(max_size=20))
def _nest(kids):
    return st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), kids, max_size=6)


trees = st.recursive(scalars, _nest, max_leaves=40)


def run_all(obj) -> None:
    try:
        iset = load_mapping(obj, "fuzz.yaml")
    except PerfrulesError:
        return
    results = [run([p], iset) for p in PACKS.values()]
    for r in results:
        json.dumps(r.to_dict(), ensure_ascii=False)
        if r.score is not None:
            assert_explained(r.score)
            assert ZERO <= r.score.low <= r.score.high <= r.score.max
            assert r.score.total is None or r.score.total == r.score.low == r.score.high
    table.to_table(results, show_na=True)
    markdown.to_markdown(results)


@SOME
@given(st.dictionaries(st.sampled_from(KEYS[:10]) | st.text(max_size=6), trees, max_size=8))
def test_random_mappings_give_results_or_perfrules_errors(obj):
    run_all(obj)


def _yaml_tree(path: Path):
    from perfrules.data.loaders.yaml_json import _Loader  # numbers as Decimal, like the loader
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


SEED_TREES = [_yaml_tree(p) for p in EXAMPLES]


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


@st.composite
def mutated(draw):
    tree = _plain(draw(st.sampled_from(SEED_TREES)))
    for _ in range(draw(st.integers(1, 6))):
        # walk down to a random container and change one of its entries
        node = tree
        while True:
            kids = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            if not kids:
                break
            key, child = draw(st.sampled_from(kids))
            if isinstance(child, (dict, list)) and child and draw(st.integers(0, 2)):
                node = child
                continue
            op = draw(st.sampled_from(["number", "replace", "delete", "duplicate", "rename"]))
            if op == "number":
                node[key] = draw(numbers)
            elif op == "replace":
                node[key] = draw(trees)
            elif op == "delete":
                del node[key]
            elif op == "duplicate" and isinstance(node, list):
                node.append(child)
            elif op == "rename" and isinstance(node, dict):
                new = draw(st.sampled_from(KEYS) | st.text(max_size=4))
                node[new] = node.pop(key)
            break
    return tree


@SOME
@given(mutated())
@example({"绩效指标": [], "预算": {"年度预算": "1e-999999", "支出": "1e999999"}})  # was decimal.Overflow
@example({"绩效指标": [], "评分": [{"路径": "管理效能", "分值": "1e999999", "得分": "1e999999"}]})  # InvalidOperation
@example({"绩效指标": [{"一级指标": "产出指标", "指标值": "0.0000000001%", "实际完成值": "999999999999999%",
                    "分值": "1e15"}], "预算": {"年度预算": "1e-15", "支出": "9e15", "执行率": "84%"}})  # InvalidOperation
def test_mutated_inputs_give_results_or_perfrules_errors(obj):
    run_all(obj)


# ------------------------------------------------------------------ regressions found by these properties

def test_regression_negative_line_under_a_judged_group_stays_at_zero():
    # Found by test_bounds_on_bundled_packs: a line under 项目绩效/项目效益 with 得分 -1 and no
    # 分值 took its own -1 as its weight, and the item scored -1.00 (below 0).
    iset = IndicatorSet((), stage="评价", scores=(ScoreEntry("项目绩效/项目效益/租用网络线路正常运行率", None, D(-1)),))
    # The line covers none of the item's 25 points: unscorable, from 0 (never below) to 25.
    item = {i.path: i for i in run([PANYU], iset).score.items}["项目绩效/项目效益"]
    assert (item.score, item.low, item.high, item.deductions) == (None, D("0.00"), D("25.00"), ())
    iset = IndicatorSet((), stage="评价", scores=(ScoreEntry("项目绩效/项目效益/x", D(-3), D(-1), "x"),))
    item = {i.path: i for i in run([PANYU], iset).score.items}["项目绩效/项目效益"]
    assert item.score is None and item.low == D("0.00")


def test_regression_discretionary_item_never_deducts_zero_points():
    # Found by test_every_lost_point_is_explained_on_bundled_packs: 绩效指标规范性 (酌情) at 0 by
    # its ladder, evaluator's 得分 -1: a deduction of 0.00 points 「评价人酌情扣分」 was listed.
    entry = ScoreEntry("项目安排/绩效目标/绩效指标规范性", D(4), D(-1))
    empty_declared = {"申报": IndicatorSet((), stage="申报")}  # the ladder needs it: 0 indicators → 0
    item = {i.path: i for i in run([PANYU], IndicatorSet((), stage="评价", scores=(entry,)),
                                   empty_declared).score.items}["项目安排/绩效目标/绩效指标规范性"]
    assert (item.score, [(d.points, d.rule) for d in item.deductions]) == \
        (D("0.00"), [(D("4.00"), "项目安排/绩效目标/绩效指标规范性")])


@pytest.mark.parametrize("budget", [{"年度预算": "1e-999999", "支出": "1e999999"}, {"年度预算": 1, "支出": "1e16"},
                                    {"年度预算": 100, "支出": 50, "执行进度": ["1e999999"]}, {"通报次数": "1e999999"}])
def test_regression_out_of_range_numbers_are_data_errors(budget):
    # Found by fuzzing: 1e999999 ÷ 1e-999999 raised decimal.Overflow from run(); 分值 1e999999
    # raised InvalidOperation when rounded. The loader now refuses magnitudes ≥ 1e16 or < 1e-15.
    with pytest.raises(PerfrulesError, match="超出可处理的数值范围"):
        load_mapping({"绩效指标": [], "预算": budget}, "x.yaml")
    assert load_mapping({"绩效指标": [], "预算": {"年度预算": "0E+999999", "支出": "9e15"}}, "x.yaml").budget.annual == 0


def test_regression_a_huge_formula_value_is_rounded_for_display():
    # Found by fuzzing: 分值 × 实际 ÷ 指标值 = 1e15 × 1e25 could not be rounded (28 digits) to show
    # 「得分 = … = 」; nor could an execution rate of 1e30 be shown as a percentage.
    row = Indicator(level1="产出指标", name="x", target="0.0000000001%", actual="999999999999999%", weight=D("1e15"))
    iset = IndicatorSet((row,), stage="自评", budget=Budget(annual=D("1e-15"), spent=D("9e15"), stated_rate=D("0.84")))
    for pack in PACKS.values():
        result = run([pack], iset)
        if result.score is not None:
            assert_explained(result.score)
    assert SELFEVAL.scoring.round(D("1e41")) == D("1e41")


def test_duplicate_score_lines_do_not_depend_on_their_order():
    # Decided: a path stated twice counts at the lower score, and RC-10 names the repetition.
    a = ScoreEntry("项目安排/立项情况/立项依据适应性", D(4), D(3), "x")
    b = ScoreEntry("项目安排/立项情况/立项依据适应性", D(4), D(2), "y")
    one, other = (run([PANYU], IndicatorSet((), stage="评价", scores=s)) for s in ((a, b), (b, a)))
    assert outcome(one) == outcome(other)
    item = next(i for i in one.score.items if i.path == "项目安排/立项情况/立项依据适应性")
    assert item.score == D("2.00")
    assert [f.message for f in one.findings if f.rule == "RC-10"] == ["评分中出现 2 次（得分 2、3），按较低者计"]


@pytest.mark.parametrize("text", ["约=0", "万约=0", "内约=0"])
def test_regression_a_label_ending_in_a_comparator_word_keeps_its_equals_sign(text):
    # Found by test_a_formatted_value_reads_back_the_same (long profile): "约=0" reads as a clause
    # labelled 约 with "= 0"; it was formatted "约0", which reads back as ≈0 with no label.
    v = read_value(text)
    assert format_value(v) == text and clauses_of(read_value(format_value(v))) == clauses_of(v)


def test_regression_approximately_after_a_label_that_would_join_it():
    # The same property: a label 大 with ≈0 was formatted "大约0", read back as 大约 (≈) with no label.
    from perfrules.data.values import Clause, Value
    v = Value(text="", kind="quantitative", clauses=(Clause("大", "≈", D(0), "", ""),))
    assert clauses_of(read_value(format_value(v))) == [("大", "≈", D(0), "")]
