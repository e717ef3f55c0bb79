"""Scoring fails closed, and score sheets are read as printed (issue 11, parts 3 and 4).

- An item whose data is missing is 无法评分 with the reason: never 0, never the stated score
  unless the pack accepts stated scores (and then each use is noted on the item).
- A row with neither 指标值 nor 实际完成值 never keeps its stated marks: the pack's
  ``missing_data`` makes it 0 or unscorable, and the sheet says which.
- A sheet with an item that cannot be scored has no total and no grade: it shows the scored
  part, the unscorable points and the range the total could reach (table, Markdown, JSON).
- A veto or applicability rule cannot be silenced by leaving 预算 or 类别 out.
- Indicator rows with 分值/得分 under a mapped 一级指标 are lines of their score item; a score
  line that matches no item is reported with a did-you-mean; items may carry aliases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfrules.data.indicators import Budget, Indicator, IndicatorSet, Project, ScoreEntry
from perfrules.data.loaders import load
from perfrules.engine.packs import Pack, load_pack
from perfrules.engine.runner import run
from perfrules.engine.scoring import ScoringRules
from perfrules.errors import PackError
from perfrules.report import json_out, markdown, table

from helpers import make_pack
from strategies import evaluator_scores, indicator_sets, pack_indicator_sets, score_packs

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "panyu-2023-ops"
VARIANT = Path(__file__).parent / "data" / "panyu-2023-评价-指标行.yaml"
PANYU = load_pack("panyu-project-2023")
SELFEVAL = load_pack("national-selfeval")
NATIONAL = load_pack("national")
GZ = load_pack("guangzhou-dept-2022")
QUALITY = "项目管理/业务管理/项目过程质量控制情况"
SPEND = "项目管理/财务管理/支出完成率"
ZERO = D(0)
SOME = settings(max_examples=max(20, settings().max_examples // 4))


def with_declared(iset: IndicatorSet):
    """Run panyu-project-2023 on a set with the seed's declared (申报) table beside it, as
    `perfrules check` does for the files of one folder."""
    declared = load(SEED / "申报.yaml")
    return run([PANYU], iset, {"申报": declared, iset.stage or "评价": iset})


def pack_of(text: str, **scoring) -> Pack:
    return make_pack(text, scoring=ScoringRules(**scoring))


def items_of(sheet):
    return {i.path: i for i in sheet.items}


# ---------------------------------------------------------------------- part 4: sheets as printed

def item_view(sheet):
    return [(i.path, i.max, i.score, i.kind, [(d.points, d.rule, d.reason) for d in i.deductions])
            for i in sheet.items]


def test_the_annex_entered_on_indicator_rows_totals_87_38_like_the_example():
    printed = with_declared(load(VARIANT))
    example = with_declared(load(SEED / "评价.yaml"))
    for r in (printed, example):
        assert (r.score.total, r.score.grade, r.score.vetoed) == (D("87.38"), "良", False)
    assert item_view(printed.score) == item_view(example.score)
    # Alone (no declared table beside them) both are incomplete, alike.
    alone = [run([PANYU], load(f)).score for f in (VARIANT, SEED / "评价.yaml")]
    assert [(s.total, s.grade, s.scored, s.low, s.high) for s in alone] == [(None, None, D("61.88"), D("81.88"),
                                                                              D("88.88"))] * 2
    assert item_view(alone[0]) == item_view(alone[1])
    out = items_of(printed.score)["项目绩效/项目产出"]
    assert (out.score, out.kind) == (D("24.00"), "group")
    benefit = items_of(printed.score)["项目绩效/项目效益"]
    assert [d.reason.split("：")[0] for d in benefit.deductions] == ["提高网络稳定性（4/5）", "增强信息安全（4/5）"]
    # Nothing of the sheet is left over: no line is unmatched, and the seed's own slip (项目效益
    # stated 22 over lines adding up to 23) is still found, now over the indicator rows.
    assert not [f for f in printed.findings if f.rule == "RC-11"]
    assert [f.message for f in printed.findings if f.rule == "RC-02"] == ["陈述小计 22，按评分表计算为 23"]


def test_indicator_rows_are_lines_only_under_a_mapped_level1_and_with_a_score():
    # Without the manifest mapping the rows are no lines: 项目产出 then has only its 综合评价 line.
    unmapped = attrs.evolve(PANYU, scoring=attrs.evolve(PANYU.scoring, indicator_items=()))
    iset = load(VARIANT)
    out = items_of(run([unmapped], iset, {"申报": load(SEED / "申报.yaml")}).score)["项目绩效/项目产出"]
    # 综合评价 4 of 5; the 20 points of the rows are missing: unscorable, 4 to 24, never 4.
    assert (out.score, out.low, out.high) == (None, D("4.00"), D("24.00"))
    # A row without 分值 and 得分 is no line, whatever its 一级指标.
    rows = tuple(attrs.evolve(r, weight=None, score=None) for r in iset.indicators)
    bare = with_declared(attrs.evolve(iset, indicators=rows))
    bare_item = items_of(bare.score)["项目绩效/项目产出"]
    assert (bare_item.score, bare_item.low, bare_item.high) == (None, D("4.00"), D("24.00"))


def test_a_satisfaction_row_is_a_line_of_the_benefit_item():
    iset = IndicatorSet((Indicator(level1="满意度指标", level2="服务对象满意度指标", name="服务对象满意度",
                                   target="≥90%", actual="95%", weight=D(20), score=D(18)),),
                        stage="评价", scores=(ScoreEntry("项目绩效/项目效益/综合评价", D(5), D(5)),))
    benefit = items_of(with_declared(iset).score)["项目绩效/项目效益"]
    assert benefit.score == D("23.00")
    assert benefit.deductions[0].reason.startswith("服务对象满意度（18/20）")


def test_the_quality_item_is_known_by_both_its_names():
    seed = load(SEED / "评价.yaml")
    renamed = attrs.evolve(seed, scores=tuple(
        attrs.evolve(e, path="项目管理/业务管理/项目质量控制情况") if e.path == QUALITY else e for e in seed.scores))
    a, b = with_declared(seed), with_declared(renamed)
    assert items_of(b.score)[QUALITY].score == items_of(a.score)[QUALITY].score == D("4.50")
    assert (b.score.total, b.score.grade) == (D("87.38"), "良")
    assert not [f for f in b.findings if f.rule == "RC-11"]


def test_a_line_that_matches_no_item_is_reported_with_its_place_and_a_guess():
    seed = load(SEED / "评价.yaml")
    typo = "项目管理/业务管理/项目过程质量控制"
    bad = attrs.evolve(seed, scores=tuple(attrs.evolve(e, path=typo) if e.path == QUALITY else e
                                          for e in seed.scores))
    r = with_declared(bad)
    (f,) = [f for f in r.findings if f.rule == "RC-11"]
    assert f.target == typo and f.severity == "error"
    assert f.location is not None and f.location.key == "$.评分[9]" and f.location.row == 114
    assert f"是否指「{QUALITY}」" in f.message and "其得分 4.5 未计入任何评分项" in f.message
    # Its 4.5 points are not silently lost: the item it was meant for cannot be scored.
    quality = items_of(r.score)[QUALITY]
    assert quality.score is None and "未给出" in quality.reason
    assert r.score.total is None and r.score.grade is None


def test_a_subtotal_and_a_line_under_a_judgement_item_are_no_unmatched_lines():
    seed = load(SEED / "评价.yaml")
    r = with_declared(seed)
    assert not [f for f in r.findings if f.rule == "RC-11"]  # 项目安排, 项目绩效/项目产出/<指标> …
    # A line under a judgement item itemises it (and is used); a line under a formula item, or
    # under no item at all, is reported.
    extra = attrs.evolve(seed, scores=seed.scores + (
        ScoreEntry("可持续性/项目可持续性/项目可持续性/其他", D(3), D(2), "x"),
        ScoreEntry(f"{SPEND}/执行率", D(8), D(8)), ScoreEntry("社会效益/群众满意度", D(5), D(5))))
    r = with_declared(extra)
    assert sorted(f.target for f in r.findings if f.rule == "RC-11") == ["社会效益/群众满意度", f"{SPEND}/执行率"]
    assert items_of(r.score)["可持续性/项目可持续性/项目可持续性"].score == D("2.00")


# ---------------------------------------------------------------------- part 3: fail closed

SELF_ROWS = (
    Indicator(level1="效益指标", level2="社会效益指标", name="网络带宽年可用率", target="≥90%", actual="95%",
              weight=D(30), score=D(30)),
    Indicator(level1="满意度指标", level2="服务对象满意度指标", name="服务对象满意度", target="≥90%", actual="95%",
              weight=D(10), score=D(10)),
)


def test_a_missing_budget_does_not_make_the_execution_item_zero():
    rows = (Indicator(level1="产出指标", level2="数量指标", name="巡检次数", target="≥1000次", actual="1000次",
                      weight=D(50)),) + SELF_ROWS
    r = run([SELFEVAL], IndicatorSet(rows, stage="自评"))
    rate = items_of(r.score)["预算执行率"]
    assert (rate.score, rate.status, rate.lowest, rate.highest) == (None, "unscorable", D("0.00"), D("10.00"))
    assert rate.reason == "无法计算：缺少预算数据 (no budget given)" and rate.deductions == ()
    assert (r.score.total, r.score.grade, r.score.scored, r.score.unscorable) == (None, None, D("90.00"), D(10))
    assert (r.score.low, r.score.high) == (D("90.00"), D("100.00"))
    # panyu: the same for 支出完成率, and its veto is reported as undecided, not silently dropped.
    iset = attrs.evolve(load(SEED / "评价.yaml"), budget=None)
    r = with_declared(iset)
    spend = items_of(r.score)[SPEND]
    assert spend.score is None and spend.reason == "无法计算：缺少预算数据 (no budget given)"
    (veto,) = [f for f in r.findings if f.rule == SPEND and f.undecided]
    assert veto.severity == "veto" and veto.message.startswith("预算未填写，无法判断是否否决")
    assert not r.score.vetoed and r.score.grade is None


def test_a_stated_score_stands_for_missing_data_only_where_the_pack_accepts_it_and_is_listed():
    text = "评分项 预算执行率 分值 10\n  得分 = 最小(执行率, 100%) × 分值\n评分项 其他 分值 90\n"
    iset = IndicatorSet((), scores=(ScoreEntry("预算执行率", D(10), D(9)), ScoreEntry("其他", D(90), D(90))))
    strict = run([pack_of(text)], iset).score
    assert items_of(strict)["预算执行率"].score is None and strict.grade is None
    lenient = run([pack_of(text, accept_stated=True)], iset).score
    rate = items_of(lenient)["预算执行率"]
    assert (rate.score, lenient.total, lenient.grade) == (D("9.00"), D("99.00"), "优")
    assert rate.notes == ("无法计算（缺少预算数据 (no budget given)），采用陈述得分 9（规则包接受陈述得分 accept_stated）",)
    assert "注 (note)" in table.to_table([run([pack_of(text, accept_stated=True)], iset)])
    assert json.loads(json_out.to_json([run([pack_of(text, accept_stated=True)], iset)]))["score"]["items"][0][
        "notes"] == list(rate.notes)


def blank_table(stated: bool = True):
    """60 of 100 points on rows with neither target nor actual, each stating full marks."""
    rows = (Indicator(level1="产出指标", level2="数量指标", name="巡检次数", weight=D(25),
                      score=D(25) if stated else None),
            Indicator(level1="产出指标", level2="质量指标", name="系统运行情况", target="/", actual="—", weight=D(25),
                      score=D(25) if stated else None),
            Indicator(level1="效益指标", level2="社会效益指标", name="网络带宽年可用率", target="≥90%", actual="95%",
                      weight=D(20), score=D(20)),
            Indicator(level1="效益指标", level2="社会效益指标", name="群众办事体验", weight=D(10),
                      score=D(10) if stated else None),
            Indicator(level1="满意度指标", level2="服务对象满意度指标", name="服务对象满意度", target="≥90%",
                      actual="95%", weight=D(10), score=D(10)))
    return IndicatorSet(rows, stage="自评", budget=Budget(annual=D(100), spent=D(100)))


def test_sixty_points_on_rows_with_neither_target_nor_actual_are_not_graded_excellent():
    r = run([SELFEVAL], blank_table())
    s = r.score
    assert (s.total, s.grade) == (None, None)
    out, benefit = items_of(s)["产出指标"], items_of(s)["效益指标"]
    assert out.score is None and out.reason.count("指标值与实际完成值均未填写") == 2
    assert (benefit.score, benefit.lowest, benefit.highest) == (None, D("20.00"), D("30.00"))
    assert (s.scored, s.unscorable, s.low, s.high) == (D("20.00"), D(80), D("40.00"), D("100.00"))
    # The pack may say such a row counts 0 instead, and the sheet says so.
    zero = attrs.evolve(SELFEVAL, scoring=attrs.evolve(SELFEVAL.scoring, missing_data="zero"))
    s = run([zero], blank_table()).score
    assert (s.total, s.grade) == (D("40.00"), "差")
    assert any("missing_data: zero" in n for n in items_of(s)["产出指标"].notes)
    assert [d.points for d in items_of(s)["产出指标"].deductions] == [D("25.00"), D("25.00")]
    # Even a pack that accepts stated scores does not let such a row keep its stated marks.
    lenient = attrs.evolve(SELFEVAL, scoring=attrs.evolve(SELFEVAL.scoring, accept_stated=True))
    assert run([lenient], blank_table()).score.grade is None


def test_an_incomplete_sheet_in_json_table_and_markdown():
    r = run([SELFEVAL], blank_table())
    sheet = json.loads(json_out.to_json([r]))["score"]
    head = {k: sheet[k] for k in ("total", "max", "grade", "vetoed", "incomplete", "scored", "unscorable", "range")}
    assert head == {"total": None, "max": "100", "grade": None, "vetoed": False, "incomplete": True,
                    "scored": "20.00", "unscorable": "80", "range": ["40.00", "100.00"]}
    out = next(i for i in sheet["items"] if i["path"] == "产出指标")
    assert (out["score"], out["status"], out["range"]) == (None, "unscorable", ["0.00", "50.00"])
    assert out["reason"].startswith("绩效指标[1] 巡检次数：指标值与实际完成值均未填写")
    rate = next(i for i in sheet["items"] if i["path"] == "预算执行率")
    assert (rate["score"], rate["status"]) == ("10.00", "scored") and "range" not in rate
    text = table.to_table([r])
    assert "总分不完整 (incomplete)：已评分 20.00，无法评分 80 分，总分可能在 40.00–100.00 之间" in text
    assert "等级 不评定 (no grade)" in text and "产出指标    50      无法评分" in text
    assert "合计        100     40.00–100.00" in text
    md = markdown.to_markdown([r])
    assert "| 产出指标 | 50 | 无法评分（0.00–50.00） |" in md
    assert "| **合计** | 100 | 40.00–100.00 | 不完整 (incomplete) |" in md and "等级 **不评定**" in md
    complete = json.loads(json_out.to_json([run([SELFEVAL], attrs.evolve(blank_table(), indicators=SELF_ROWS + (
        Indicator(level1="产出指标", name="巡检次数", target="≥10次", actual="10次", weight=D(50)),)))]))["score"]
    assert (complete["incomplete"], complete["unscorable"], complete["range"]) == (False, "0", ["100.00", "100.00"])


def test_the_cli_shows_an_incomplete_sheet_and_no_grade(tmp_path):
    f = tmp_path / "表.yaml"
    f.write_text("阶段: 自评\n绩效指标:\n"
                 "  - {一级指标: 产出指标, 三级指标: 巡检次数, 分值: 50, 得分: 50}\n"
                 "  - {一级指标: 效益指标, 三级指标: 可用率, 指标值: '≥90%', 实际完成值: '95%', 分值: 30}\n"
                 "  - {一级指标: 满意度指标, 三级指标: 满意度, 指标值: '≥90%', 实际完成值: '95%', 分值: 10}\n",
                 encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "perfrules", "check", str(f), "-p", "national-selfeval"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "Traceback" not in out.stderr
    assert "总分不完整" in out.stdout and "等级 不评定" in out.stdout and "等级 优" not in out.stdout


def test_undecided_grade_cap_withholds_only_a_grade_it_could_lower():
    text = "执行率 < 90% ⇒ 等级不高于 良\n评分项 其他 分值 100\n"
    for stated, grade in ((D(95), None), (D(85), "良")):
        s = run([pack_of(text)], IndicatorSet((), scores=(ScoreEntry("其他", D(100), stated),))).score
        assert (s.total, s.grade) == (stated.quantize(D("0.01")), grade)
        assert s.undecided == ("预算未填写，无法判断「执行率 < 90%」是否成立（等级不高于「良」）",)


def test_a_requirement_on_a_left_out_field_is_a_finding():
    # 类别 须 非空 on a project without 类别: the field is empty, which is what it is about.
    r = run([pack_of("类别 须 非空")], IndicatorSet((), project=Project(name="x")))
    assert [(f.target, f.message, f.undecided) for f in r.findings if f.rule == "t:1"] == [("项目", "类别为空", False)]
    # 执行率 须 ≥ 60% without a budget: undecided, said so.
    r = run([pack_of("执行率 须 ≥ 60%")], IndicatorSet(()))
    (f,) = [f for f in r.findings if f.rule == "t:1"]
    assert f.message.startswith("预算未填写，无法判断「执行率 须 ≥ 60%」是否成立") and f.missing == "预算"


# ---------------------------------------------------------------------- properties

# Veto and applicability rules, bundled and written here: their finding ids.
VETO_RULES = """
执行率<60% ⇒ 否决
生态效益 不适用于 信息化运维
规则 V-2 「执行率过低」 警告
  若 执行率 < 30% 且 支出 > 0 则 否决
规则 A-2 「建设类项目不设可持续影响指标」 警告
  可持续影响 不适用于 信息化建设
评分项 项目管理/支出完成率 分值 10
  执行率 < 60% ⇒ 否决
  得分 = 最小(执行率, 100%) × 分值
评分项 其他 分值 90
"""
WATCHED = {"t:2", "t:3", "V-2", "A-2", "项目管理/支出完成率", "N-04"}
GUARDED = pack_of(VETO_RULES)
PROJECT_FIELDS = ("name", "department", "categories", "nature", "year", "unit")
# 年度预算 and 年初预算 (± 调整) state one figure twice; either may be left out. (调整 and 上年结转 left
# out mean none: they are parts of 年度预算, not figures of their own.)
BUDGET_FIELDS = ("initial", "annual", "spent")


def reporting(result) -> set[str]:
    return {f.rule for f in result.findings if f.rule in WATCHED}


@st.composite
def sets_and_a_deletion(draw):
    iset = draw(indicator_sets(scores=st.just((ScoreEntry("其他", D(90), D(90)),))))
    initial = draw(st.decimals(1, 2000, places=2))
    adjustments = tuple(draw(st.lists(st.decimals(-initial / 4, 100, places=2), max_size=2)))
    annual = initial + sum(adjustments, ZERO)
    budget = Budget(initial=draw(st.none() | st.just(initial)), adjustments=adjustments,
                    annual=draw(st.none() | st.just(annual)),
                    spent=draw(st.none() | st.decimals(0, 2000, places=2)))
    if budget.initial is None and budget.annual is None:
        budget = attrs.evolve(budget, annual=annual)
    cats = draw(st.lists(st.sampled_from(["信息化运维", "信息化建设", "基础设施"]), min_size=1, max_size=2, unique=True))
    iset = attrs.evolve(iset, budget=budget, project=attrs.evolve(iset.project, categories=cats, nature="经常性"))
    what = draw(st.sampled_from(["project", "budget"] + [f"project.{f}" for f in PROJECT_FIELDS]
                                + [f"budget.{f}" for f in BUDGET_FIELDS]))
    if what == "project":
        less = attrs.evolve(iset, project=None)
    elif what == "budget":
        less = attrs.evolve(iset, budget=None)
    else:
        part, field = what.split(".")
        empty = () if field == "categories" else None
        less = attrs.evolve(iset, **{part: attrs.evolve(getattr(iset, part), **{field: empty})})
    return iset, less


@SOME
@given(sets_and_a_deletion())
def test_leaving_out_a_project_or_budget_field_never_silences_a_veto_or_applicability_rule(case):
    full, less = case
    for packs in ([GUARDED], [NATIONAL]):
        before, after = reporting(run(packs, full)), reporting(run(packs, less))
        assert before <= after, (before - after)
    # …nor gives a grade the full data might not (a veto or cap it cannot judge withholds it).
    b, a = run([GUARDED], full).score, run([GUARDED], less).score
    if a.grade is not None:
        assert b.grade == a.grade


@SOME
@given(st.sampled_from([PANYU, SELFEVAL, GZ]).flatmap(lambda p: st.tuples(st.just(p), pack_indicator_sets(p))))
def test_no_grade_is_given_when_an_item_cannot_be_scored(case):
    pack, iset = case
    r = run([pack], iset)
    if r.score is None:
        return
    s = r.score
    if any(i.score is None for i in s.items):
        assert s.total is None and s.grade is None and s.incomplete
        assert json.loads(json_out.to_json([r]))["score"]["grade"] is None
        assert "等级 不评定" in table.to_table([r])
    # A pack that accepts stated scores says on the item wherever it took one.
    if pack.scoring.accept_stated:
        for i in s.items:
            if any("采用" in d.reason and "得分" in d.reason for d in i.deductions):
                assert i.notes


@SOME
@given(score_packs().flatmap(lambda pi: st.tuples(st.just(pi[0]), indicator_sets(scores=evaluator_scores(pi[1])))))
def test_no_grade_is_given_when_an_item_cannot_be_scored_on_generated_packs(case):
    pack, iset = case
    s = run([pack], iset).score
    if s is not None and s.incomplete:
        assert s.total is None and s.grade is None


@SOME
@given(st.sampled_from([PANYU, SELFEVAL]).flatmap(lambda p: st.tuples(st.just(p), pack_indicator_sets(p, full=True))))
def test_the_range_of_an_incomplete_sheet_holds_the_total_the_missing_budget_would_give(case):
    pack, iset = case
    assume_budget = iset.budget if iset.budget is not None else Budget(annual=D(100), spent=D(75))
    full = attrs.evolve(iset, budget=assume_budget)
    declared = {"申报": load(SEED / "申报.yaml")}
    with_budget, without = run([pack], full, declared).score, run([pack], attrs.evolve(full, budget=None), declared).score
    if with_budget is None or with_budget.total is None:
        return
    assert without.low <= with_budget.total <= without.high
    for a, b in zip(with_budget.items, without.items):
        assert b.lowest <= a.score <= b.highest, (a, b)


# ---------------------------------------------------------------------- the manifest

@pytest.mark.parametrize("extra,key,words", [
    ("missing_data: maybe\n", "missing_data", "missing_data"),
    ("accept_stated: 是\n", "accept_stated", "accept_stated"),
    ("indicator_items: {产出: 项目绩效/项目产出}\n", None, None),  # a synonym of 产出指标: fine
    ("indicator_items: {产出类: 项目绩效/项目产出}\n", "indicator_items.产出类", "不是一级指标"),
    ("indicator_items: {产出指标: 项目绩效/项目产岀}\n", "indicator_items.产出指标", "是否指「项目绩效/项目产出」"),
    ("indicator_items: {产出指标: 项目管理/财务管理/支出完成率}\n", "indicator_items.产出指标", "评价人判断项"),
    ("indicator_items: [产出指标]\n", "indicator_items", "键值表"),
    ("item_aliases: {项目管理/业务管理/项目执行情况: [项目绩效运行监控开展情况]}\n",
     "item_aliases.项目管理/业务管理/项目执行情况", "与另一评分项同名"),
    ("item_aliases: {项目管理/业务管理/执行情况: 其他}\n", "item_aliases.项目管理/业务管理/执行情况", "不存在"),
])
def test_manifest_keys_are_checked_with_their_place(tmp_path, extra, key, words):
    folder = tmp_path / "pk"
    folder.mkdir()
    (folder / "pack.yaml").write_text(f"name: pk\nextends: [panyu-project-2023]\n{extra}", encoding="utf-8")
    if key is None:
        load_pack(str(folder))
        return
    with pytest.raises(PackError) as e:
        load_pack(str(folder))
    assert e.value.where.key == key and words in e.value.zh
    out = subprocess.run([sys.executable, "-m", "perfrules", "check", str(SEED / "评价.yaml"), "-p", str(folder)],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 2 and "Traceback" not in out.stderr + out.stdout


def test_a_child_pack_inherits_the_links_and_may_say_zero(tmp_path):
    folder = tmp_path / "pk"
    folder.mkdir()
    (folder / "pack.yaml").write_text("name: pk\nextends: [panyu-project-2023]\nmissing_data: zero\n", encoding="utf-8")
    pk = load_pack(str(folder))
    assert pk.scoring.indicator_items == PANYU.scoring.indicator_items and pk.scoring.aliases == PANYU.scoring.aliases
    assert (pk.scoring.missing_data, PANYU.scoring.missing_data, GZ.scoring.accept_stated) == ("zero", "unscorable", True)


def test_regression_two_rows_of_one_name_count_alike_in_either_order():
    # Found by test_order_of_indicators_and_score_lines_changes_nothing (long profile): two rows
    # named alike under 产出指标, weights 1 and 0 and no score, became two lines for one path;
    # which one counted depended on their order.
    rows = (Indicator(level1="产出指标", name="资金拨付率", target="0%", weight=D(1)),
            Indicator(level1="产出指标", name="资金拨付率", target="0%", weight=D(0)))
    scores = (ScoreEntry("项目绩效/项目效益", D(25), D(25)),)
    a, b = (with_declared(IndicatorSet(r, stage="评价", scores=scores)) for r in (rows, rows[::-1]))
    assert items_of(a.score)["项目绩效/项目产出"] == items_of(b.score)["项目绩效/项目产出"]
    assert sorted(f.message for f in a.findings) == sorted(f.message for f in b.findings)


def test_and_is_false_when_either_side_is_known_false(tmp_path):
    """`A 且 B` with A unknown (no 预算) and B false is false, in either order: a rule
    cannot be left undecided by data its other, known condition already rules out."""
    from perfrules.data.loaders import load_mapping
    from perfrules.engine.packs import load_pack
    from perfrules.engine.runner import run
    for cond in ("执行率 < 90% 且 计数(指标) > 100", "计数(指标) > 100 且 执行率 < 90%"):
        f = tmp_path / "p.rules"
        f.write_text(f"规则 X-01 「低执行率」 警告\n  {cond} ⇒ 提示 「低」\n", encoding="utf-8")
        pack = load_pack(str(f))
        r = run([pack], load_mapping({"绩效指标": [{"三级指标": "a", "指标值": "1个"}]}, "m"))
        assert not [x for x in r.findings if x.rule == "X-01"], (cond, r.findings)


def test_indicator_rows_alone_make_a_score_sheet(tmp_path):
    """A form whose only scores are on its indicator rows (no 评分 list) still gets a
    sheet from a pack that maps those rows to items: incomplete, never silently absent."""
    import yaml

    from perfrules.data.loaders import load
    from perfrules.engine.packs import load_pack
    from perfrules.engine.runner import run
    doc = yaml.safe_load(open("tests/data/panyu-2023-评价-指标行.yaml", encoding="utf-8"))
    del doc["评分"]
    p = tmp_path / "rows.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = run([load_pack("panyu-project-2023")], load(p))
    assert r.score is not None and r.score.grade is None
    items = {i.path: i for i in r.score.items}
    # The four output rows give 20 of 25; the 综合评价 line (5) is missing: 20–25, not 20.
    produce = items["项目绩效/项目产出"]
    assert produce.score is None and (produce.low, produce.high) == (D(20), D(25))
    assert items["项目管理/财务管理/支出完成率"].score == D("4.88")
