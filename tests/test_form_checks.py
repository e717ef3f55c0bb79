"""Reading the whole 项目支出绩效自评表: the built-in checks RC-12…RC-18 (fund block, 执行率 item,
一级 weights, totals, row scores), the national pack's 表单核对.rules (F-01…F-11) and the runner's
late pass for rules that read the run's other findings.

Small inputs are written out here with their arithmetic; the whole form is
tests/data/forms/national-selfeval.yaml, whose one deliberate slip is its stated 执行率."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from perfrules.data.indicators import Budget, FundSource, Indicator, IndicatorSet
from perfrules.data.loaders import load, load_mapping
from perfrules.engine.packs import load_pack
from perfrules.engine.reconcile import reconcile
from perfrules.engine.runner import reads_findings, run
from perfrules.engine.scoring import ScoringRules

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "tests" / "data" / "forms" / "national-selfeval.yaml"
FORM_RULES = {f"RC-{k}" for k in range(12, 19)} | {f"F-{k:02d}" for k in range(1, 12)}


@pytest.fixture(scope="module")
def national():
    return load_pack("national")


def rc(iset, rule, rules=None):
    return [(f.severity, f.target, f.message) for f in reconcile(iset, None, rules or ScoringRules())
            if f.rule == rule]


def found(result, rule):
    return [(f.severity, f.target, f.message) for f in result.findings if f.rule == rule]


def row(name="上门服务次数", target="≥2400次", actual="2400次", weight="10", score="10", level1="产出指标", **kw):
    return Indicator(level1=level1, level2=kw.pop("level2", "数量指标"), name=name, target=target, actual=actual,
                     weight=D(weight) if weight is not None else None,
                     score=D(score) if score is not None else None, **kw)


# ---- the whole form ----------------------------------------------------------------------------

def test_the_national_form_has_one_error_of_its_own_the_stated_rate(national):
    """Everything in the fixture adds up but the stated 执行率 86.19% (215457.6 ÷ 250000 = 86.18%)."""
    r = run([national], load(FORM))
    mine = [f for f in r.findings if f.rule in FORM_RULES or f.rule.startswith("RC-")]
    assert [(f.rule, f.severity) for f in mine if f.severity in ("error", "veto")] == [("RC-05", "error")]
    assert not [f for f in r.findings if f.rule.startswith("RC-") and f.rule != "RC-05"]
    # Its warnings are what a reviewer would ask about: the budget rose 20 → 25 万元 with no reason.
    assert [(f.rule, f.message) for f in mine if f.severity == "warning"] == [
        ("F-01", "年初预算 20万元，全年预算 25万元，预算有调整，但未说明理由，也未列出调整文件")]


def test_the_national_form_scores_as_stated_under_the_scoring_pack():
    r = run([load_pack("national-selfeval")], load(FORM))
    assert r.score.total == D("95.12")
    assert [f.rule for f in r.findings if f.rule.startswith("RC-")] == ["RC-05"]


def test_each_slip_planted_in_the_form_is_reported_once(national, tmp_path):
    import yaml
    doc = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    doc["预算"]["执行率"] = "86.18%"                         # the fixture's own slip, corrected
    doc["预算"]["明细"]["上年结转资金"]["支出"] = "18000"       # RC-12 (支出 by source) and RC-13 (85% → 90%)
    doc["预算"]["执行率得分"] = 8.5                            # RC-14 and RC-17
    for r in doc["绩效指标"][:5]:
        r["一级指标"] = "产出指标(40分)"                       # RC-15: the merged 一级 cell says 40, rows 50
    doc["总分分值"] = 110                                      # RC-16
    doc["绩效指标"][6]["得分"] = 16                            # RC-01: 16 of 15
    p = tmp_path / "form.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = run([national], load(p))
    got = sorted(f.rule for f in r.findings if f.rule.startswith("RC-"))
    assert got == ["RC-01", "RC-12", "RC-13", "RC-14", "RC-15", "RC-16", "RC-17"]


# ---- RC-12, RC-13: the fund block by source ------------------------------------------------------

def budget(**kw):
    return IndicatorSet((row(),), budget=Budget(**kw))


def src(name, initial=None, annual=None, spent=None, rate=None):
    def d(x):
        return D(x) if x is not None else None
    return FundSource(name, d(initial), d(annual), d(spent), d(rate))


def test_rc12_sources_add_up_to_the_total_in_each_column():
    ok = budget(initial=D(20), annual=D(25), spent=D("21.54576"),
                sources=(src("年度资金总额"), src("当年财政拨款", "20", "23", "19.84576"),
                         src("上年结转资金", "0", "2", "1.7"), src("其他资金")))
    assert rc(ok, "RC-12") == []
    bad = budget(initial=D(20), annual=D(25), spent=D("21.54576"),
                 sources=(src("当年财政拨款", "20", "23", "19.84576"), src("上年结转资金", "0", "3", "1.7")))
    assert rc(bad, "RC-12") == [("error", "预算", "资金来源的年度预算：当年财政拨款 23 + 上年结转资金 3 = 26，资金总额 25，"
                                                 "差 1（万元） (the sources' 年度预算 add up to 26, the total says 25)")]
    # A column no source fills is not checked; nor is one the total leaves blank.
    assert rc(budget(annual=D(25), sources=(src("当年财政拨款", spent="3"),)), "RC-12") == []


def test_rc13_a_source_rate_is_its_spent_over_its_budget_and_0_over_0_does_not_apply():
    b = budget(annual=D(25), spent=D(25), sources=(
        src("财政资金", "238.93", "251.89", "251.89", "1.0000"),
        src("财政专户管理资金", "0", "0", "0", "0"),     # 0 ÷ 0 printed 0.00%: not a zero execution
        src("上年结转资金", "0", "2", "1.7", "0.8500")))
    assert rc(b, "RC-13") == []
    b = budget(annual=D(25), spent=D(25), sources=(src("当年财政拨款", "20", "23", "19.84576", "0.8729"),))
    assert rc(b, "RC-13") == [("error", "预算", "资金来源「当年财政拨款」陈述执行率 87.29%，但支出 19.84576 ÷ 年度预算 23 = "
                                               "86.29% (stated rate of source 当年财政拨款 is not its spent ÷ budget)")]


# ---- RC-14: the 执行率 item's score -----------------------------------------------------------

def test_rc14_rate_score_is_weight_times_rate_rounded_as_the_form_rounds():
    base = dict(annual=D(25), spent=D("21.54576"), rate_weight=D(10))      # 86.18304%
    assert rc(budget(**base, rate_score=D("8.62")), "RC-14") == []
    assert rc(budget(**base, rate_score=D("9")), "RC-14") == []             # a form that scores whole points
    assert rc(budget(**base, rate_score=D("8.5")), "RC-14") == [
        ("error", "预算", "执行率得分 8.5，但 执行率分值 10 × 执行率 86.18%（支出 21.54576 ÷ 年度预算 25） = 8.62 "
                        "(the execution-rate score should be weight × rate)")]
    # Over 100% scores the weight; a rate stated without amounts is used as stated.
    assert rc(budget(annual=D(20), spent=D(22), rate_weight=D(10), rate_score=D(10)), "RC-14") == []
    assert rc(budget(stated_rate=D("0.76"), rate_weight=D(10), rate_score=D("7.6")), "RC-14") == []
    # Scored from the stated rate where the stated rate is the slip (RC-05 reports it): not twice wrong.
    assert rc(budget(**base, stated_rate=D("0.8619"), rate_score=D("8.62")), "RC-14") == []


# ---- RC-15, RC-16, RC-17: weights and totals -----------------------------------------------------

def form(rows, **kw):
    b = kw.pop("budget", Budget(annual=D(20), spent=D(20), rate_weight=D(10), rate_score=D(10)))
    return IndicatorSet(tuple(rows), budget=b, **kw)


def test_rc15_the_level1_annotation_is_the_sum_of_its_rows():
    rows = [row(level1="产出指标", level1_weight=D(70), weight=w, score=w) for w in ("10", "10", "20", "10", "10")]
    assert rc(form(rows), "RC-15") == [("error", "产出指标", "一级指标「产出指标」标注 70 分，所含 5 项指标分值 "
                                                             "20 + 10 + 10 + 10 + 10 = 60，差 10 (the 一级 weight "
                                                             "printed is not the sum of its rows)")]
    rows.append(row(level1="产出指标", level1_weight=D(70), weight="10", score="10"))
    assert rc(form(rows), "RC-15") == []


def test_rc16_rc17_weights_and_scores_add_up_with_the_execution_rate_item():
    """Two corpus forms print row weights totalling 100 beside a 10-point 执行率 item, under 总分 100."""
    rows = [row(weight="20", score=s) for s in ("20", "20", "20", "18", "20")]
    got = form(rows, stated_total=D(98), stated_max=D(100),
               budget=Budget(annual=D(30), spent=D(30), rate_weight=D(10)))      # 执行率得分 not printed
    assert rc(got, "RC-16") == [("error", "总分", "总分分值 100，但各指标分值合计 100 + 执行率分值 10 = 110，差 10 "
                                                 "(row weights and the execution-rate weight add up to 110)")]
    assert rc(got, "RC-17") == [("error", "总分", "陈述总分 98，但各指标得分合计 98 + 执行率得分 10（表中未填，按 10 × "
                                                 "100.00% 计） = 108，差 10 (row scores and the execution-rate score "
                                                 "add up to 108)")]
    good = form([row(weight="45", score="45"), row(weight="45", score="40")], stated_total=D(95), stated_max=D(100))
    assert rc(good, "RC-16") == [] and rc(good, "RC-17") == []


def test_rc17_is_not_checked_on_a_table_that_lists_fewer_weights_than_its_total():
    """A transcription cut after its 19th row: 70 + 10 of 100 points listed, so 总分 97.6 cannot be
    compared with the visible rows (the reviewer confirms it)."""
    rows = [row(weight="10", score="10") for _ in range(7)]
    cut = form(rows, stated_total=D("97.6"), budget=Budget(stated_rate=D("0.76"), rate_weight=D(10),
                                                              rate_score=D("7.6")))
    assert rc(cut, "RC-17") == []


def test_rc16_rc17_leave_a_sheet_with_evaluator_lines_to_rc02_rc03():
    from perfrules.data.indicators import ScoreEntry
    rows = [row(weight="50", score="40")]
    with_lines = form(rows, stated_total=D(77), stated_max=D(100),
                      scores=(ScoreEntry("项目绩效", D(50), D(40)),))
    assert rc(with_lines, "RC-16") == [] and rc(with_lines, "RC-17") == []


# ---- RC-01 on rows, RC-18: a row's score against its completion ---------------------------------

def test_rc01_a_row_above_its_weight():
    assert rc(form([row(weight="10", score="12")]), "RC-01") == [
        ("error", "绩效指标[1] 上门服务次数", "得分 12 超过分值 10，多 2 (score above the weight)")]


@pytest.mark.parametrize("target,actual,weight,score", [
    ("≥2400次", "2280次", "10", "9.5"),        # 10 × 95% = 9.5
    ("100.00%", "97.30%", "2", "1.9"),         # 2 × 97.3% = 1.946, one decimal half up: 1.9
    ("5662人", "4044人", "2", "1.4"),           # 2 × 71.42% = 1.428 → 1.4
    ("≤24小时", "30小时", "10", "8"),           # lower is better: 10 × 24 ÷ 30 = 8
    ("≥2400次", "2500次", "10", "10"),          # over the target: the full weight
    ("合格", "合格", "10", "8"),                 # qualitative: no completion rate to compare with
])
def test_rc18_quiet_where_the_score_follows_the_completion(target, actual, weight, score):
    assert rc(form([row(target=target, actual=actual, weight=weight, score=score)]), "RC-18") == []


def test_rc18_over_scored_is_an_error_when_the_target_states_its_direction():
    got = rc(form([row(target="≥3807人", actual="3224人", weight="2", score="1.9")]), "RC-18")
    assert got == [("error", "绩效指标[1] 上门服务次数", "得分 1.9，但 分值 2 × 完成率 84.69%（实际 3224人 ÷ 指标值 ≥3807人） "
                                                      "= 1.69，多 0.21 (scored above its completion)")]


def test_rc18_over_scored_with_no_direction_is_a_warning_that_says_how_to_state_one():
    got = rc(form([row(name="预算调整率", target="3%", actual="0%", weight="2", score="2")]), "RC-18")
    assert got[0][0] == "warning"
    assert "指标值未写方向，按不低于指标值计" in got[0][2] and "请写明「≤3%」" in got[0][2]


def test_rc18_under_scored_is_a_warning_unless_a_reason_is_given():
    """1.897 printed 1.8 fits only truncation; a met row at 18 of 20 lost points for no stated reason."""
    got = rc(form([row(target="214人", actual="203人", weight="2", score="1.8")]), "RC-18")
    assert got == [("warning", "绩效指标[1] 上门服务次数", "得分 1.8，但 分值 2 × 完成率 94.86%（实际 203人 ÷ 指标值 214人） = "
                                                        "1.9，少 0.1，且未填写偏差原因 (scored below its completion with no "
                                                        "reason given)")]
    explained = row(target="2万元", actual="2万元", weight="20", score="18", deviation="设备到货延迟，扣减2分")
    assert rc(form([explained]), "RC-18") == []


# ---- F-01…F-11 on small inputs ------------------------------------------------------------------

def check(national, data):
    return run([national], load_mapping(data, "<test>"))


BASE_ROW = {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "上门服务次数", "指标值": "≥2400次",
            "实际完成值": "2450次", "分值": 10, "得分": 10}


def test_f02_low_execution_reads_the_stated_rate_when_the_form_gives_no_amounts(national):
    r = check(national, {"阶段": "自评", "预算": {"执行率": "76%"}, "绩效指标": [BASE_ROW]})
    assert found(r, "F-02") == [("warning", "项目", "表中填写的预算执行率 76.00% 低于 90%，表中没有说明原因")]
    assert found(r, "F-03") == [("warning", "项目", "表中填写的预算执行率 76.00% 低于 90%，而各项指标均为满分或均已达到指标值")]
    # With amounts the figures decide, and a reason in the fund block's 原因 cell is enough.
    r = check(national, {"阶段": "自评", "预算": {"年度预算": 25, "支出": 19, "原因": "年末尚有质保金未支付"},
                         "绩效指标": [BASE_ROW]})
    assert found(r, "F-02") == []


def test_f04_f05_deviation_reasons(national):
    missed = dict(BASE_ROW, 实际完成值="2280次", 得分=9.5)
    r = check(national, {"阶段": "自评", "绩效指标": [missed]})
    assert found(r, "F-04") == [("warning", "绩效指标[1] 上门服务次数",
                                 "实际完成值「2280次」未达到指标值「≥2400次」，未填写偏差原因")]
    r = check(national, {"阶段": "自评", "绩效指标": [dict(missed, 偏差原因="0")]})
    assert found(r, "F-04") == [] and [t for _, t, _ in found(r, "F-05")] == ["绩效指标[1] 上门服务次数"]
    r = check(national, {"阶段": "自评", "绩效指标": [dict(missed, 偏差原因="部分服务对象住院，服务次数未达计划")]})
    assert found(r, "F-04") == [] and found(r, "F-05") == []


def test_f06_weights_differ_from_the_national_split(national):
    rows = [dict(BASE_ROW, 分值=70, 得分=70),
            {"一级指标": "效益指标", "二级指标": "社会效益指标", "三级指标": "受益人数", "指标值": "≥1000人",
             "实际完成值": "1000人", "分值": 20, "得分": 20}]
    r = check(national, {"阶段": "自评", "绩效指标": rows})
    assert found(r, "F-06") == [("warning", "项目", "产出、效益、满意度指标的分值合计为 70、20、0，表注统一设置为 50、30、10")]


def test_f09_f10_completion_text(national):
    def goal(expected, achieved):
        return check(national, {"阶段": "自评", "绩效目标": {"预期目标": expected, "实际完成情况": achieved},
                                "绩效指标": [BASE_ROW]})
    same = goal("确保每一个学生都能享受到国家政策福利，改善学生体质", "确保每一个学生都能享受到国家政策福利，改善学生体质。")
    assert [f.rule for f in same.findings if f.rule in ("F-09", "F-10")] == ["F-09"]
    done = goal("更新演出设备150件", "已完成")
    assert found(done, "F-10") == [("warning", "项目", "实际完成情况「已完成」没有写出实际完成的数量、质量或时间")]
    assert found(goal("更新演出设备150件", "更新演出设备150件，12月底前验收合格"), "F-10") == []


def test_goal_text_rules_are_not_applicable_without_a_goal(national):
    r = check(national, {"阶段": "自评", "绩效指标": [BASE_ROW]})
    assert not [f for f in r.findings if f.rule in ("F-07", "F-08", "F-09", "F-10")]


# ---- the late pass: rules that read the run's other findings --------------------------------------

def test_f11_counts_the_errors_of_every_other_check_and_not_waived_ones(national):
    data = {"阶段": "自评", "绩效指标": [dict(BASE_ROW, 得分=12)], "陈述": {"存在问题": "无"}}
    r = check(national, data)
    assert found(r, "RC-01") and found(r, "F-11") == [
        ("warning", "项目", "存在问题一栏未写出任何问题，但本次检查发现 1 项错误")]
    waived = dict(data, 豁免=[{"规则": "RC-01", "理由": "原表如此"}])
    assert found(check(national, waived), "F-11") == []


def test_a_rule_that_reads_findings_runs_last_in_any_pack(tmp_path):
    (tmp_path / "a.rules").write_text(
        "规则 Z-1 「有错误时应说明」 提示\n"
        "  发现错误数 ≥ 1 ⇒ 提示 「本表有 {发现错误数} 项错误」\n"
        "规则 Z-2 「指标值须可衡量」 错误\n"
        "  指标值 须 可衡量\n", encoding="utf-8")
    pack = load_pack(str(tmp_path / "a.rules"))
    assert [reads_findings(r) for r in pack.compiled.rules] == [True, False]
    iset = IndicatorSet((Indicator(name="网络安全", target="保障安全"), Indicator(name="带宽", target="提升")))
    r = run([pack], iset)
    assert found(r, "Z-1") == [("info", "项目", "本表有 2 项错误")]


# ---- the corpus forms ----------------------------------------------------------------------------

def corpus(name):
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    import fidelity
    return fidelity.run_table(ROOT / "tests" / "corpus" / name, [load_pack("national")])[2]


def test_corpus_forms_whose_weights_total_110_under_a_100_total():
    for name in ("hubei-xinzhou-2020-opera-equipment.yaml", "sichuan-zhongjiang-2022-reservoir-water-gauges.yaml"):
        r = corpus(name)
        assert {f.rule for f in r.findings if f.severity == "error" and f.rule in FORM_RULES} == {"RC-16", "RC-17"}


def test_a_corpus_form_that_adds_up_gets_no_arithmetic_error():
    r = corpus("yunnan-yongde-2022-nutrition-meals.yaml")   # 86 + 10 = 96 of 90 + 10 = 100, as printed
    assert not [f for f in r.findings if f.rule.startswith("RC-") and f.severity == "error"]


def test_rc12_reads_a_later_qizhong_row_as_a_part_of_the_row_above():
    nested = budget(annual=D(100), sources=(src("当年财政拨款", annual="100"), src("其中：中央资金", annual="60"),
                                            src("其中：省级资金", annual="40"), src("其他资金", annual="0")))
    assert rc(nested, "RC-12") == []
    wrong = budget(annual=D(100), sources=(src("当年财政拨款", annual="100"), src("其中：中央资金", annual="70"),
                                           src("其他资金", annual="10")))
    assert [t for _, t, _ in rc(wrong, "RC-12")] == ["预算"]


def test_closing_text_parts_are_read_under_the_names_forms_print(national):
    data = {"阶段": "自评", "绩效指标": [dict(BASE_ROW, 得分=12)], "陈述": {"存在的问题": "暂无。"}}
    assert [t for _, t, _ in found(check(national, data), "F-11")] == ["项目"]
    # A form with no closing text at all: F-11 does not apply (an indicator table alone says nothing).
    assert found(check(national, {"阶段": "自评", "绩效指标": [dict(BASE_ROW, 得分=12)]}), "F-11") == []
