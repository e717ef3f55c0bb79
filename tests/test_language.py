"""The rule language: every construct parses, compiles and does what it says on small sets.

Indicator sets are built directly from the model. Every score sheet produced here is
checked for the invariant max − score = Σ deductions, exactly.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from perfrules.data.indicators import Budget, IndicatorSet, Project, ScoreEntry
from perfrules.engine.compiler import compile_files
from perfrules.errors import PerfrulesError, RuleCompileError
from perfrules.language import nodes as n
from perfrules.language.parser import parse_text

from helpers import compile_text, ind, run_text

RULES = Path(__file__).parent / "rules"


# ---- helpers (compile_text, run_text, ind: tests/helpers.py) --------------------------------

def iset(*indicators, **kw) -> IndicatorSet:
    return IndicatorSet(indicators, **kw)


def targets(findings) -> list[str]:
    return [f.target for f in findings]


def rules_of(text: str) -> tuple[n.Rule, ...]:
    return parse_text(text, "t.rules").rules


# ---- the three canonical lines, with and without spaces -----------------------------------

MEASURABLE = ["指标值须可衡量", "指标值 须 可衡量", "  指标值  须可衡量  ", "指标值须 可衡量", "指标值 必须 可衡量"]
NOT_APPLICABLE = ["生态效益 不适用于 信息化运维", "生态效益不适用于信息化运维", "生态效益　不适用于　信息化运维"]
VETO = ["执行率<60% ⇒ 否决", "执行率 < 60% => 否决", "执行率<60%⇒否决", "执行率 <60% → 否决",
        "若 执行率 < 60% 则 否决", "若执行率<60%则否决", "执行率 低于 60% ⇒ 否决"]


@pytest.mark.parametrize("group", [MEASURABLE, NOT_APPLICABLE, VETO])
def test_spacing_gives_the_same_nodes(group):
    first = rules_of(group[0])
    for text in group[1:]:
        assert rules_of(text) == first, text


def test_measurable_nodes():
    (rule,) = rules_of("指标值须可衡量")
    assert rule.anonymous and rule.id == "t:1"
    (req,) = rule.clauses
    assert req == n.Requirement(span=req.span, subject=n.Name(span=req.span, text="指标值"),
                                modal="must", pred=n.PredNamed(span=req.span, name="可衡量"))


def test_veto_nodes_exact_decimal():
    (rule,) = rules_of("执行率<60% ⇒ 否决")
    (imp,) = rule.clauses
    assert isinstance(imp, n.Implication)
    assert imp.cond.op == "<" and imp.cond.left.text == "执行率"
    assert imp.cond.right.value == D("0.6") and str(imp.cond.right.value) == "0.6"
    assert imp.consequence.severity == "veto"


@pytest.mark.parametrize("text,value", [("60%", D("0.6")), ("1,164.43万元", D("1164.43")),
                                        ("4285400元", D("428.54")), ("1亿元", D("10000")),
                                        ("5‰", D("0.005")), ("0.1%", D("0.001")), ("84.40%", D("0.844"))])
def test_number_literals_are_exact(text, value):
    (rule,) = rules_of(f"支出 > {text}")
    assert rule.clauses[0].cond.right.value == value


MEASURABLE_SET = iset(
    ind("a", "保障政务网络光纤通畅"), ind("b", "提升"), ind("c", "定性指标"), ind("d", ""),
    ind("e", "≥1000个"), ind("f", "99%以上"), ind("g", "10分钟内"), ind("h", "年度内未发生网络安全事故"),
    ind("i", None))


@pytest.mark.parametrize("text", MEASURABLE)
def test_measurable_findings(text):
    findings, nas, _ = run_text(text, MEASURABLE_SET)
    assert targets(findings) == ["绩效指标[1] a", "绩效指标[2] b", "绩效指标[3] c",
                                 "绩效指标[4] d", "绩效指标[9] i"]
    assert not nas
    first = findings[0]
    assert first.severity == "error"
    assert "保障政务网络光纤通畅" in first.message and "「保障」" in first.message


def test_measurable_same_findings_whatever_the_spacing():
    base = [(f.target, f.message.replace(MEASURABLE[0], "")) for f in run_text(MEASURABLE[0], MEASURABLE_SET)[0]]
    for text in MEASURABLE[1:]:
        got = run_text(text, MEASURABLE_SET)[0]
        assert [f.target for f in got] == [t for t, _ in base]


ECO = iset(ind("生态环境改善", "1个", level1="效益指标", level2="生态效益指标", level2_raw="生态效益"),
           ind("绿化面积", "1个", level1="效益指标", level2="生态效益指标", level2_raw="生态效益指标"),
           ind("系统正常运行率", "99%", level1="效益指标", level2="社会效益指标", level2_raw="社会效益"),
           project=Project(categories=["信息化运维"]))


@pytest.mark.parametrize("text", NOT_APPLICABLE)
def test_not_applicable_in_ops_project(text):
    findings, nas, _ = run_text(text, ECO)
    assert targets(findings) == ["绩效指标[1] 生态环境改善", "绩效指标[2] 绿化面积"]
    assert "「生态效益」类指标不适用于「信息化运维」类项目" in findings[0].message
    assert "「生态效益指标」类指标" in findings[1].message
    assert not nas


def test_not_applicable_elsewhere_is_reported_as_such():
    data = IndicatorSet(ECO.indicators, project=Project(categories=["基础设施"]))
    findings, nas, _ = run_text(NOT_APPLICABLE[0], data)
    assert findings == []
    assert [(x.target, "项目类别不含「信息化运维」" in x.reason) for x in nas] == [("项目", True)]


@pytest.mark.parametrize("project", [Project(), None])
def test_without_categories_the_rule_is_undecided_not_silent(project):
    # Leaving 类别 out must not silence the rule: each indicator it would report is a finding
    # that says the rule could not be judged, at the rule's severity, and is no pass.
    findings, nas, _ = run_text(NOT_APPLICABLE[0], IndicatorSet(ECO.indicators, project=project))
    assert targets(findings) == ["绩效指标[1] 生态环境改善", "绩效指标[2] 绿化面积"]
    assert all(f.missing == "类别" and f.undecided and f.severity == "error" for f in findings)
    assert findings[0].message.startswith(
        "类别未填写，无法判断是否适用：「生态效益」类指标不适用于「信息化运维」类项目（生态效益 不适用于 信息化运维）")
    assert not nas
    # With no indicator it could report, it stays "not applicable", with the reason.
    other = IndicatorSet(ECO.indicators[2:], project=project)
    findings, nas, _ = run_text(NOT_APPLICABLE[0], other)
    assert findings == [] and [(x.target, "未填写项目类别" in x.reason) for x in nas] == [("项目", True)]


def test_not_applicable_other_categories_untouched():
    data = iset(ind("x", "1个", level1="效益指标", level2="经济效益指标"),
                project=Project(categories=["信息化运维"]))
    assert run_text(NOT_APPLICABLE[0], data)[:2] == ([], [])


def test_not_applicable_unless():
    text = "生态效益 不适用于 信息化运维 除非 三级指标 包含 「绿化」"
    findings, _, _ = run_text(text, ECO)
    assert targets(findings) == ["绩效指标[1] 生态环境改善"]


def _budget_set(spent: str, annual: str = "100", **kw) -> IndicatorSet:
    return IndicatorSet((), budget=Budget(annual=D(annual), spent=D(spent)), **kw)


@pytest.mark.parametrize("text", VETO)
@pytest.mark.parametrize("spent,vetoed", [("59.99", True), ("60", False), ("0", True), ("100", False)])
def test_veto_at_60_percent(text, spent, vetoed):
    findings, nas, _ = run_text(text, _budget_set(spent))
    assert [f.severity for f in findings] == (["veto"] if vetoed else [])
    assert not nas
    if vetoed:
        assert findings[0].target == "项目"
        assert f"{D(spent):.2f}%" in findings[0].message


@pytest.mark.parametrize("text", VETO)
def test_veto_without_budget_is_undecided_not_silent(text):
    findings, nas, sheet = run_text(text, IndicatorSet(()))
    (f,) = findings
    assert (f.severity, f.target, f.missing) == ("veto", "项目", "预算") and not nas
    assert f.message.startswith("预算未填写，无法判断是否否决（执行率") and "no budget given" in f.message
    # Without a spending figure alone it says what is missing.
    findings, _, _ = run_text(text, IndicatorSet((), budget=Budget(annual=D(100))))
    assert [x.missing for x in findings] == ["支出"]


def test_undecided_veto_keeps_the_grade_it_might_lower_from_the_sheet():
    data = IndicatorSet((), scores=[ScoreEntry("项目决策", D(92), D(92)), ScoreEntry("项目管理/支出完成率", D(8), D(8))])
    _, _, sheet = run_text(SHEET, data)
    # 项目决策 92 + 支出完成率 (no budget: cannot be scored, never 0, never the stated 8) → no total, no grade
    spend = sheet.items[1]
    assert (spend.score, spend.reason, spend.lowest, spend.highest) == (
        None, "无法计算：缺少预算数据 (no budget given)", D("0.00"), D("8.00"))
    assert sheet.total is None and sheet.grade is None and not sheet.vetoed
    assert (sheet.scored, sheet.unscorable, sheet.low, sheet.high) == (D("92.00"), D(8), D("92.00"), D("100.00"))
    assert sheet.undecided and "无法判断是否否决" in sheet.undecided[0]
    text = "执行率<60% ⇒ 否决\n评分项 项目决策 分值 100\n"
    _, _, high = run_text(text, IndicatorSet((), scores=[ScoreEntry("项目决策", D(100), D(92))]))
    assert (high.total, high.grade, high.vetoed) == (D(92), None, False)  # 优, or 中 after a veto: no grade
    assert "等级可能为「优」或「中」" in high.grade_note
    _, _, low = run_text(text, IndicatorSet((), scores=[ScoreEntry("项目决策", D(100), D(65))]))
    assert (low.total, low.grade) == (D(65), "中")  # a veto could not lower 中: graded


SHEET = """
执行率<60% ⇒ 否决
评分项 项目决策 分值 92
评分项 项目管理/支出完成率 分值 8
  得分 = (执行率 − 60%) ÷ (100% − 60%) × 分值
"""


@pytest.mark.parametrize("spent,grade,vetoed,score", [
    ("59.99", "中", True, D(0)), ("60", "优", False, D(0)), ("80", "优", False, D(4)),
])
def test_veto_caps_the_grade(spent, grade, vetoed, score):
    data = _budget_set(spent, scores=[ScoreEntry("项目决策", D(92), D(92))])
    _, _, sheet = run_text(SHEET, data)
    assert sheet.vetoed is vetoed and sheet.grade == grade
    assert sheet.items[1].score == score
    assert sheet.total == D(92) + score
    if vetoed:
        assert sheet.grade not in ("优", "良") and "否决" in sheet.grade_note


# ---- score item formula ------------------------------------------------------------------

FORMULA = """评分项 项目管理/财务管理/支出完成率 分值 8
  得分 = (执行率 − 60%) ÷ (100% − 60%) × 分值
"""


def test_formula_seed_002():
    data = IndicatorSet((), budget=Budget(annual=D("507.74"), spent=D("428.54")))
    _, _, sheet = run_text(FORMULA, data)
    (item,) = sheet.items
    assert item.score == D("4.88") and item.max == D(8)
    (d,) = item.deductions
    assert d.points == D("3.12")
    assert "执行率 = 支出 428.54 ÷ 年度预算 507.74 = 84.40%" in d.reason
    assert "(84.40% − 60%) ÷ (100% − 60%) × 8 = 4.88" in d.reason


@pytest.mark.parametrize("spent,score", [("50", D(0)), ("59.99", D(0)), ("60", D(0)), ("70", D(2)),
                                         ("100", D(8)), ("120", D(8))])
def test_formula_is_clamped(spent, score):
    _, _, sheet = run_text(FORMULA, _budget_set(spent))
    (item,) = sheet.items
    assert item.score == score
    if spent in ("50", "59.99"):
        assert "限于 [0, 8]" in item.deductions[0].reason
        assert "-0" not in item.deductions[0].reason  # regression: -0.002 was shown as "-0"
    if score == 8:
        assert item.deductions == ()


def test_formula_budget_from_parts():
    data = IndicatorSet((), budget=Budget(initial=D(400), carryover=D("107.74"), spent=D("428.54")))
    _, _, sheet = run_text(FORMULA, data)
    assert sheet.items[0].score == D("4.88")


# ---- ladder --------------------------------------------------------------------------------

LADDER = """评分项 项目决策/绩效指标规范性 分值 4
  计数(指标) ≥ 6 且 计数(指标值 是 量化) ≥ 4 ⇒ 4分
  计数(指标) ≥ 5 且 计数(指标值 是 量化) ≥ 3 ⇒ 3分
  计数(指标) ≥ 4 且 计数(指标值 是 量化) ≥ 2 ⇒ 2分
  计数(指标) ≥ 3 且 计数(指标值 是 量化) ≥ 1 ⇒ 1分
  否则 ⇒ 0分
"""


def _mixed(quantified: int, vague: int) -> IndicatorSet:
    return iset(*[ind(f"q{k}", f"{k + 1}个") for k in range(quantified)],
                *[ind(f"v{k}", "提升") for k in range(vague)])


@pytest.mark.parametrize("q,v,score", [(4, 2, 4), (6, 0, 4), (3, 3, 3), (4, 1, 3), (2, 2, 2),
                                       (1, 2, 1), (3, 0, 1), (0, 6, 0), (2, 0, 0), (0, 0, 0)])
def test_ladder(q, v, score):
    _, _, sheet = run_text(LADDER, _mixed(q, v))
    (item,) = sheet.items
    assert item.score == score
    if score < 4:
        assert sum(d.points for d in item.deductions) == 4 - score
        assert ("⇒ 0分" if score == 0 else f"⇒ {score}分") in item.deductions[0].reason


def test_ladder_with_if_then_get():
    text = """评分项 规范 分值 4
  若 计数(指标) ≥ 2 则 得4分
  若 计数(指标) ≥ 1 则 得 2 分
  否则 0分
"""
    assert run_text(text, _mixed(1, 0))[2].items[0].score == 2
    assert run_text(text, _mixed(2, 0))[2].items[0].score == 4
    assert run_text(text, _mixed(0, 0))[2].items[0].score == 0


# ---- consequences --------------------------------------------------------------------------

CONSEQUENCES = """
规则 B1 「应设未设满意度指标」
  计数(一级指标 是 满意度指标) = 0 ⇒ 扣3分 于 项目绩效/项目效益
规则 B2
  计数(指标) < 3 ⇒ 等级不高于 中
评分项 项目绩效 分值 29
评分项 项目绩效/项目效益 分值 25
评分项 项目绩效/质量 分值 4
  计数(指标值 是 定性) ≥ 1 ⇒ 扣1分
  计数(指标) ≥ 1 ⇒ 得分减半
  计数(指标) ≥ 2 ⇒ 最高1分
评分项 其他 分值 71
"""


def _scored(indicators) -> IndicatorSet:
    return IndicatorSet(indicators, scores=[ScoreEntry("项目绩效/项目效益", D(25), D(25)),
                                            ScoreEntry("项目绩效/质量", D(4), D("3.5"), comment="佐证不全"),
                                            ScoreEntry("其他", D(71), D(71))])


def test_deduct_from_rule_into_item():
    _, _, sheet = run_text(CONSEQUENCES, _scored([ind("a", "提升", level1="效益指标")] * 3))
    benefit = sheet.items[0]
    assert benefit.path == "项目绩效/项目效益" and benefit.score == D(22)
    (d,) = benefit.deductions
    assert d.points == 3 and d.rule == "B1" and "扣3分" in d.reason


def test_deduct_halve_cap_in_item():
    _, _, sheet = run_text(CONSEQUENCES, _scored([ind("a", "提升")]))
    quality = sheet.items[1]
    # stated 3.5 → −1 → 2.5 → 得分减半: at most half the weight (nodes.Halve) → 2; one indicator: no cap.
    assert quality.score == D(2)
    assert [d.points for d in quality.deductions] == [D("0.5"), D(1), D("0.5")]
    assert "得分减半" in quality.deductions[2].reason
    assert quality.deductions[0].reason == "佐证不全"
    _, _, sheet = run_text(CONSEQUENCES, _scored([ind("a", "提升")] * 2))
    quality = sheet.items[1]
    assert quality.score == D(1)
    assert "最高1分" in quality.deductions[-1].reason


def test_grade_cap():
    _, _, few = run_text(CONSEQUENCES, _scored([ind("a", "1个", level1="满意度指标")]))
    assert few.total >= 90 and few.grade == "中" and "等级不高于「中」" in few.grade_note
    _, _, many = run_text(CONSEQUENCES, _scored([ind("a", "1个", level1="满意度指标")] * 3))
    assert many.grade in ("优", "良") and not many.grade_note


def test_flag_with_message_and_severity():
    findings, _, _ = run_text("支出 > 100万元 ⇒ 提示 「大额项目，注意跟踪」", _budget_set("428.54", "507.74"))
    assert [(f.severity, f.message) for f in findings] == [("info", "大额项目，注意跟踪")]
    assert run_text("支出 > 1000万元 ⇒ 提示", _budget_set("428.54", "507.74"))[0] == []
    findings, _, _ = run_text("支出 ≥ 4285400元 ⇒ 警告", _budget_set("428.54", "507.74"))
    assert [f.severity for f in findings] == ["warning"]


@pytest.mark.parametrize("text,zh", [("计数(指标) ≥ 0 ⇒ 扣3分", "扣分须指明评分项"),
                                     ("计数(指标) ≥ 0 ⇒ 3分", "只能用于评分项"),
                                     ("否则 ⇒ 0分", "「否则」只能用于评分项")])
def test_score_consequences_outside_items(text, zh):
    with pytest.raises(RuleCompileError) as e:
        compile_text(text)
    assert zh in e.value.zh


# ---- rule headers, meta, severities -------------------------------------------------------

@pytest.mark.parametrize("word,severity", [("否决", "veto"), ("错误", "error"), ("警告", "warning"),
                                           ("提示", "info"), ("veto", "veto"), ("error", "error"),
                                           ("warning", "warning"), ("info", "info"), ("WARNING", "warning")])
def test_header_severity(word, severity):
    (rule,) = compile_text(f"规则 N-01 「标题」 {word}\n  每个指标: 三级指标 不得为空").rules
    assert (rule.id, rule.title, rule.severity) == ("N-01", "标题", severity)


def test_header_defaults_and_meta():
    text = """规则 N-01
  依据 「评价报告 四(一)2(2)」
  说明 「指标须有名称」
  建议 「填写能说明考核内容的名称」
  消息 「第{三级指标}项的指标值「{指标值}」不可衡量」
  每个指标: 指标值 须 可衡量
"""
    (rule,) = compile_text(text).rules
    assert (rule.title, rule.severity) == ("N-01", "error")
    assert rule.basis == "评价报告 四(一)2(2)" and rule.explain == "指标须有名称"
    assert rule.fix == "填写能说明考核内容的名称"
    findings, _, _ = run_text(text, iset(ind("资金回笼节约", "保障项目可持续性影响")))
    (f,) = findings
    assert f.message.startswith("第资金回笼节约项的指标值「保障项目可持续性影响」不可衡量（")
    assert (f.basis, f.fix, f.source) == ("评价报告 四(一)2(2)", "填写能说明考核内容的名称", "t.rules:1")


def test_anonymous_rule_title_is_its_text():
    (rule,) = compile_text("\n\n指标值 须 可衡量").rules
    assert (rule.id, rule.title) == ("t:3", "指标值 须 可衡量")


@pytest.mark.parametrize("modal,severity,fires", [
    ("须", "error", False), ("必须", "error", False), ("应", "warning", False), ("应当", "warning", False),
    ("不得", "error", True), ("不应", "warning", True)])
def test_modals(modal, severity, fires):
    findings, _, _ = run_text(f"每个指标: 指标值 {modal} 量化", iset(ind("a", "91%"), ind("b", "提升")))
    assert targets(findings) == (["绩效指标[1] a"] if fires else ["绩效指标[2] b"])
    assert {f.severity for f in findings} == {severity}


def test_should_keeps_explicit_lower_severity():
    findings, _, _ = run_text("规则 X 「x」 提示\n  每个指标: 指标值 应 量化", iset(ind("b", "提升")))
    assert [f.severity for f in findings] == ["info"]


def test_clauses_belong_to_the_header_above():
    f = parse_text("指标值须可衡量\n规则 A\n  三级指标 须 非空\n执行率<60% ⇒ 否决\n规则 B\n  指标值 须 非空", "t.rules")
    assert [(r.id, len(r.clauses)) for r in f.rules] == [("t:1", 1), ("A", 2), ("B", 1)]


# ---- predicates ------------------------------------------------------------------------------

PRED_SET = iset(ind("网络带宽年可用率", "99%"), ind("资金回笼节约", "保障政务网络光纤通畅"),
                ind("响应时间", "10分钟内"), ind("培训人次", "约800人次"), ind("", "定性指标"),
                ind("系统运行情况", "运行正常（定性指标）"))


@pytest.mark.parametrize("text,hits", [
    ("每个指标: 指标值 须 非空", []),
    ("每个指标: 三级指标 不得 为空", [5]),
    ("每个指标: 三级指标 须 非空", [5]),
    ("每个指标: 三级指标 不为空", [5]),
    ("每个指标: 指标值 须 量化", [2, 5, 6]),
    ("每个指标: 指标值 须 定量", [2, 5, 6]),
    ("每个指标: 指标值 不得 定性", [2, 5, 6]),
    ("每个指标: 指标值 须 百分数", [2, 3, 4, 5, 6]),
    ("每个指标: 指标值 不得 模糊", [2, 5]),
    ("每个指标 其中 三级指标 包含 「率」: 指标值 须 百分数", []),
    ("每个指标: 三级指标 不得包含 「资金」", [2]),
    ("每个指标: 三级指标 不得属于 [资金回笼节约, 资金拨付率]", [2]),
    ("每个指标: 指标值 须 可衡量", [2, 5]),
])
def test_predicates(text, hits):
    findings, _, _ = run_text(text, PRED_SET)
    assert [int(t.split("]")[0].split("[")[1]) for t in targets(findings)] == hits


def test_name_matches_value():
    findings, nas, _ = run_text("每个指标: 须名实相符", PRED_SET)
    assert targets(findings) == ["绩效指标[2] 资金回笼节约"]
    assert "保障政务网络光纤通畅" in findings[0].message
    assert [x.target for x in nas] == ["绩效指标[5] (未命名)"]  # unnamed: cannot be judged


def test_in_word_list_and_contains_word_list():
    text = """词表 管理类: 资金拨付率, 支付合规性, 财政资金使用率
规则 N-03
  若 一级指标 属于 [产出指标, 效益指标] 则 三级指标 不得属于 管理类
规则 N-04
  每个指标: 三级指标 不得包含 管理类
"""
    data = iset(ind("资金拨付率", "91%", level1="产出指标"), ind("资金拨付率", "91%", level1="满意度指标"),
                ind("财政资金使用率考核", "91%", level1="效益指标"))
    findings, _, _ = run_text(text, data)
    assert [(f.rule, f.target) for f in findings] == [
        ("N-03", "绩效指标[1] 资金拨付率"), ("N-04", "绩效指标[1] 资金拨付率"),
        ("N-04", "绩效指标[2] 资金拨付率"), ("N-04", "绩效指标[3] 财政资金使用率考核")]


@pytest.mark.parametrize("text,fires", [
    ("支出 > 100万元", False), ("支出 > 1000万元", True), ("支出 ≥ 428.54万元", False),
    ("支出 ≥ 4285400元", False), ("支出 > 4285400元", True), ("年度预算 − 支出 < 80", False),
    ("执行率 ≥ 84.4%", False), ("执行率 不低于 85%", True), ("执行率 = 84.40%", True),
    ("支出 ÷ 年度预算 ≥ 84%", False), ("支出 不超过 年度预算", False),
])
def test_project_comparisons(text, fires):
    findings, _, _ = run_text(text, _budget_set("428.54", "507.74"))
    assert bool(findings) is fires


def test_comparison_of_indicator_numbers():
    data = iset(ind("a", "1个", weight=D(7)), ind("b", "1个", weight=D(8)))
    findings, _, _ = run_text("每个指标: 分值 须 ≤ 7", data)
    assert targets(findings) == ["绩效指标[2] b"]
    findings, _, _ = run_text("每个指标: 完成率 ≤ 150%", iset(ind("a", "10个", actual="16个"), ind("b", "10个", actual="15个")))
    assert targets(findings) == ["绩效指标[1] a"]


# ---- conditions: 若…则, ⇒, 除非, 每个指标 其中, 当 ------------------------------------------

FILTER_SET = iset(ind("资金拨付率", "91%", level1="产出指标", level2="数量指标"),
                  ind("", "提升", level1="效益指标", level2="社会效益指标"),
                  ind("满意度", "≥90%", level1="满意度指标", level2="服务对象满意度指标"),
                  project=Project(categories=["信息化运维"], nature="经常性"), stage="自评")


@pytest.mark.parametrize("text,hits", [
    ("每个指标 其中 一级指标 是 效益指标: 三级指标 不得为空", [2]),
    ("每个指标 其中 一级指标 不是 效益指标: 三级指标 不得为空", []),
    ("每个指标 其中 二级指标 属于 [数量指标, 社会效益指标]: 指标值 须 量化", [2]),
    ("每个指标 其中 三级指标 非空: 指标值 须 百分数", []),
    ("每个指标 其中 类别 包含 信息化运维: 指标值 须 量化", [2]),
    ("每个指标 其中 性质 是 一次性: 指标值 须 量化", []),
    ("每个指标 其中 阶段 是 自评 且 一级指标 是 满意度指标: 指标值 须 量化", []),
    ("每个指标 其中 阶段 是 自评 或 一级指标 是 满意度指标: 指标值 须 量化", [2]),
    ("每个指标 其中 并非 一级指标 是 产出指标: 指标值 须 量化", [2]),
    ("每个指标: 指标值 须 量化 除非 一级指标 是 效益指标", []),
    ("若 一级指标 是 效益指标 则 指标值 须 量化", [2]),
    ("一级指标 是 效益指标 ⇒ 指标值 须 量化", [2]),
    ("每个指标: 若 三级指标 为空 则 错误 「未命名」", [2]),
])
def test_filters_and_conditions(text, hits):
    findings, _, _ = run_text(text, FILTER_SET)
    assert [int(t.split("]")[0].split("[")[1]) for t in targets(findings)] == hits


@pytest.mark.parametrize("when,applies", [("阶段 是 自评", True), ("阶段 是 申报", False),
                                          ("性质 是 经常性", True), ("类别 包含 信息化运维", True),
                                          ("类别 包含 基建", False)])
def test_when(when, applies):
    text = f"规则 W\n  当 {when}\n  每个指标: 三级指标 不得为空"
    findings, nas, _ = run_text(text, FILTER_SET)
    if applies:
        assert targets(findings) == ["绩效指标[2] (未命名)"] and not nas
    else:
        assert findings == []
        assert [(x.target, when in x.reason) for x in nas] == [("项目", True)]


def test_when_on_missing_data_is_undecided_where_the_rule_would_report():
    text = "规则 W\n  当 阶段 是 自评\n  每个指标: 三级指标 不得为空"
    findings, nas, _ = run_text(text, iset(ind("", "1个")))
    (f,) = findings
    assert (f.target, f.missing, f.severity) == ("绩效指标[1] (未命名)", "阶段", "error") and not nas
    assert f.message.startswith("阶段未填写，无法判断是否适用（当 阶段 是 自评）：三级指标为空")
    # Where it would report nothing, a 当 on missing data is "not applicable" as before.
    findings, nas, _ = run_text(text, iset(ind("名称", "1个")))
    assert findings == [] and "阶段" in nas[0].reason


# ---- aggregates ------------------------------------------------------------------------------

AGG_SET = iset(ind("a", "1个", level1="产出指标", weight=D(7)), ind("b", "提升", level1="产出指标", weight=D("6.5")),
               ind("c", "90%", level1="效益指标", weight=D("6.5")))


@pytest.mark.parametrize("text,fires", [
    ("计数(指标) = 3", False), ("计数(指标) ≥ 4", True),
    ("计数(指标值 是 量化) = 2", False), ("计数(指标 其中 一级指标 是 产出指标) = 2", False),
    ("计数(一级指标 是 满意度指标) ≥ 1", True),
    ("合计(分值) = 20", False), ("合计(分值 其中 一级指标 是 产出指标) = 13.5", False),
    ("合计(分值 其中 一级指标 是 效益指标) = 7", True),
    ("平均(分值) = 20 ÷ 3", False), ("最大(分值) = 7", False), ("最小(分值) = 6.5", False),
])
def test_aggregates(text, fires):
    findings, _, _ = run_text(text, AGG_SET)
    assert bool(findings) is fires
    if fires:
        assert findings[0].target == "项目" and "：" in findings[0].message


def test_aggregate_finding_shows_values():
    findings, _, _ = run_text("合计(分值 其中 一级指标 是 效益指标) = 7", AGG_SET)
    assert findings[0].message.endswith("：实为 6.5，应为 7，差 0.5")


# ---- word lists and synonyms ----------------------------------------------------------------

def test_vague_word_list_adds_to_the_built_in_one():
    data = iset(ind("a", "提升"), ind("b", "夯实基础"))
    default = run_text("指标值须可衡量", data)[0]
    assert "「提升」只说方向" in default[0].message and "「夯实」" not in default[1].message
    tuned = run_text("词表 模糊用语: 夯实\n指标值须可衡量", data)[0]
    # The pack's words are added: 提升 stays vague, 夯实 is now named as the reason.
    assert "「提升」只说方向" in tuned[0].message and "以「夯实」开头" in tuned[1].message


def test_state_word_list_changes_what_is_measurable():
    data = iset(ind("a", "保障政务网络光纤通畅"), ind("b", "加强管理"))
    assert len(run_text("指标值须可衡量", data)[0]) == 2
    assert targets(run_text("词表 状态用语: 通畅\n指标值须可衡量", data)[0]) == ["绩效指标[2] b"]


SAT = "规则 S\n  计数(二级指标 是 满意度指标) ≥ 1"
SYN = "同义 满意度指标: 服务对象满意度指标, 公众满意度指标\n"


@pytest.mark.parametrize("level2", ["满意度指标", "服务对象满意度指标", "公众满意度指标", "公众满意度"])
def test_synonyms(level2):
    data = iset(ind("满意度", "≥90%", level1="满意度指标", level2=level2))
    assert run_text(SYN + SAT, data)[0] == []


def test_without_synonym_line_the_variants_differ():
    data = iset(ind("满意度", "≥90%", level1="满意度指标", level2="公众满意度指标"))
    assert len(run_text(SAT, data)[0]) == 1
    assert len(run_text(SYN.replace("同义", "同义词") + SAT, data)[0]) == 0


def test_word_list_defined_below_its_use():
    text = "规则 A\n  每个指标: 三级指标 不得属于 管理类\n词表 管理类: 资金拨付率"
    assert targets(run_text(text, iset(ind("资金拨付率", "91%")))[0]) == ["绩效指标[1] 资金拨付率"]


# ---- comments, English, mixed files ------------------------------------------------------------

def test_comments():
    text = """# 文件头注释
规则 C-1 「注释」 警告  # 行尾注释
  # 规则中的注释
  消息 「编号#1：{三级指标}」   # 引号中的 # 不是注释
  每个指标: 三级指标 不得属于 [资金拨付率,  # 续行中的注释
                                支付合规性]
"""
    f = parse_text(text, "t.rules")
    assert [line for line, _ in f.comments] == [1, 2, 3, 4, 5]
    findings, _, _ = run_text(text, iset(ind("支付合规性", "100%")))
    assert [f.message.split("（")[0] for f in findings] == ["编号#1：支付合规性"]


ENGLISH = """
wordlist admin: 资金拨付率, 支付合规性
synonym 满意度指标: 公众满意度指标
rule E-1 "outputs are quantified" warning
  basis "report 4.1"
  fix "give a number"
  for each indicator where level1 is 产出指标: target must be quantified
rule E-2 "named" error
  each indicator: name must not be empty
rule E-3
  if count(indicators) < 2 then veto
rule E-4
  sum(weight where level1 is 产出指标) <= 10
rule E-5
  each indicator: name must not be in admin
rule E-6
  only when stage is 自评
  each indicator: actual must not be empty
item 项目绩效 weight 8
  score = (execution_rate − 60%) ÷ (100% − 60%) × weight
"""
CHINESE = """
词表 admin: 资金拨付率, 支付合规性
同义 满意度指标: 公众满意度指标
规则 E-1 「outputs are quantified」 警告
  依据 「report 4.1」
  建议 「give a number」
  每个指标 其中 一级指标 是 产出指标: 指标值 须 量化
规则 E-2 「named」 错误
  每个指标: 三级指标 不得为空
规则 E-3
  若 计数(指标) < 2 则 否决
规则 E-4
  合计(分值 其中 一级指标 是 产出指标) ≤ 10
规则 E-5
  每个指标: 三级指标 不得属于 admin
规则 E-6
  仅当 阶段 是 自评
  每个指标: 实际完成值 不得为空
评分项 项目绩效 分值 8
  得分 = (执行率 − 60%) ÷ (100% − 60%) × 分值
"""


def _summary(text):
    data = iset(ind(None, "提升", level1="产出指标", weight=D(12)),
                stage="自评", budget=Budget(annual=D("507.74"), spent=D("428.54")))
    findings, nas, sheet = run_text(text, data)
    return ([(f.rule, f.severity, f.target, f.basis, f.fix) for f in findings], [(x.rule, x.target) for x in nas],
            [(i.path, i.score, [d.points for d in i.deductions]) for i in sheet.items])


def test_english_keywords_match_chinese():
    en, zh = _summary(ENGLISH), _summary(CHINESE)
    assert en == zh
    assert {r for r, *_ in en[0]} == {"E-1", "E-2", "E-3", "E-4", "E-6"}
    assert en[2] == [("项目绩效", D("4.88"), [D("3.12")])]


def test_mixed_language_file():
    text = "词表 管理类: 资金拨付率\nrule M-1 \"mixed\" warning\n  每个指标: name must not be in 管理类\n" \
           "规则 M-2\n  for each indicator where 一级指标 is 产出指标: 指标值 must be 量化"
    findings, _, _ = run_text(text, iset(ind("资金拨付率", "提升", level1="产出指标")))
    assert [(f.rule, f.severity) for f in findings] == [("M-1", "warning"), ("M-2", "error")]


def test_sample_file_compiles_and_runs():
    f = parse_text((RULES / "sample.rules").read_text(encoding="utf-8"), "sample.rules")
    compiled = compile_files([f])
    assert {r.id for r in compiled.rules} >= {"N-01", "N-03", "N-05"}
    assert [i.path for i in compiled.items] == ["项目管理/财务管理/支出完成率"]


# ---- regressions found while writing these tests ------------------------------------------------

def test_misspelt_predicate_on_a_value_is_an_error_not_an_equality():
    # Before: 指标值 须 可衡亮 compiled as "指标值 must equal the text 可衡亮" and flagged every row.
    with pytest.raises(RuleCompileError) as e:
        compile_text("每个指标: 指标值 须 可衡亮")
    assert "可衡量" in e.value.hint
    with pytest.raises(RuleCompileError):
        compile_text("每个指标: 三级指标 须 可衡亮")
    # A closed vocabulary still takes bare words: 是 满意度指标, 是 自评.
    compile_text("每个指标: 一级指标 是 满意度指标\n规则 A\n  当 阶段 是 自评\n  每个指标: 三级指标 是 资金拨付率")


def test_category_error_names_the_field():
    with pytest.raises(RuleCompileError) as e:
        compile_text("每个指标: 二级指标 不是 生态效益果")
    assert e.value.zh == "「生态效益果」不是已知的二级指标类别"


def test_every_error_is_a_perfrules_error():
    for bad in ["规则", "评分项 a 分值", "每个指标:", "(((", "「", "扣3分", "否则", "词表", "同义 x"]:
        with pytest.raises(PerfrulesError):
            compile_text(bad)


# ---- 词尾属于 (ends with) and the unit / budget / duplicate predicates (issue 12) ----------------

ENDINGS = iset(ind("网络带宽年可用率", "99"), ind("足额保障率(参保率)", "100%"), ind("培训人数", "≥735人次"),
               ind("服务对象满意度。", "90%"), ind("设备采购成本", "2万"), ind("故障响应时间", "≤30"),
               ind("/", "5个"))


@pytest.mark.parametrize("text,hits", [
    ("每个指标 其中 三级指标 词尾属于 [率, 满意度]: 指标值 须 百分数", [1]),
    ("每个指标 其中 三级指标词尾属于 [率]: 指标值 须百分数", [1]),  # no spaces: the keyword still splits
    ("每个指标: 三级指标 不得 词尾属于 [保障率]", [2]),  # a bracketed note at the end is not the ending
    ("每个指标: 三级指标 不得 词尾属于 [满意度]", [4]),  # nor trailing punctuation
    ("若 三级指标 词尾不属于 [率, 满意度, 人数, 成本, 时间] 则 三级指标 须为空", []),
    ("若 三级指标 词尾属于 [人数] 则 指标值 不得包含 [人次]", [3]),
    ("每个指标 其中 三级指标 词尾属于 [成本] 且 指标值 是 量化: 指标值 须 金额", [5]),
    ("每个指标 其中 三级指标 词尾属于 [时间] 且 指标值 是 量化: 指标值 须 时长", [6]),
    ("每个指标 其中 三级指标 词尾属于 [人数]: 指标值 须 计数", []),
    ("each indicator where name ends with [率]: target must be 百分数", [1]),
    ("if name not ends with [率] then name must not end with [人数]", [3]),
])
def test_ends_in(text, hits):
    findings, _, _ = run_text(text, ENDINGS)
    assert [int(t.split("]")[0].split("[")[1]) for t in targets(findings)] == hits


def test_ends_in_message_and_word_list():
    findings, _, _ = run_text("词表 比率名称: 率\n每个指标: 三级指标 不得 词尾属于 比率名称", ENDINGS)
    assert findings[0].message == "三级指标「网络带宽年可用率」词尾属于比率名称"
    findings, _, _ = run_text("每个指标: 三级指标 须 词尾属于 [率]", iset(ind("培训人数", "5人")))
    assert findings[0].message == "三级指标「培训人数」词尾不属于[率]"


def test_ends_in_formats_both_ways():
    from perfrules.language.fmt import format_text
    zh = "每个指标 其中 三级指标 词尾属于 [率]: 三级指标 不得词尾属于 [合格率]\n"
    en = format_text(zh, lang="en")
    assert en == "each indicator where 三级指标 ends with [率]: 三级指标 must not end with [合格率]\n"
    assert format_text(en, lang="zh") == zh


@pytest.mark.parametrize("target,preds", [
    ("5万元", {"金额"}), ("387664.62元", {"金额"}), ("≤500元/台", {"金额", "带比较符号"}), ("250万", set()),
    ("735人次", {"计数"}), ("≥70村", {"计数", "带比较符号"}), ("2089人", {"计数"}), ("100", set()),
    ("≤30分钟", {"时长", "带比较符号"}), ("3个工作日", {"时长"}), ("≥266米", {"带比较符号"}),
    ("12月底前完成", {"时限"}), ("2025年12月", {"时限"}), ("及时", set()), ("2023.07-2024.01", set()),
])
def test_unit_predicates(target, preds):
    names = ["金额", "计数", "时长", "时限", "带比较符号"]
    text = "\n".join(f"规则 T-{k}\n  每个指标: 指标值 不得 {p}" for k, p in enumerate(names))
    findings, _, _ = run_text(text, iset(ind("x", target)))
    assert {names[int(f.rule[2:])] for f in findings} == preds


def test_budget_amount_and_duplicates():
    from perfrules.data.indicators import Budget
    data = iset(ind("项目金额", "5万元"), ind("单价", "704元"), ind("总额", "50000元"), ind("项目金额", "250万"),
                budget=Budget(annual=D("5.00")))
    findings, _, _ = run_text("每个指标: 指标值 不得 预算数", data)
    assert targets(findings) == ["绩效指标[1] 项目金额", "绩效指标[3] 总额"]
    findings, nas, _ = run_text("每个指标: 指标值 不得 预算数", iset(ind("项目金额", "5万元")))
    assert not findings and nas  # no budget: not applicable, never a guess
    findings, _, _ = run_text("每个指标: 指标 不得 重复", data)
    assert targets(findings) == ["绩效指标[1] 项目金额", "绩效指标[4] 项目金额"]
    findings, nas, _ = run_text("每个指标: 指标 不得 重复", iset(ind("/", "1个"), ind("/", "2个")))
    assert not findings  # unnamed rows are not duplicates of each other


def test_standard_labels():
    data = iset(ind("a", "1个", level1="效果指标", level2="社会效益指标"),
                ind("b", "1个", level1="满意度指标", level2="服务对象满意度指标等"),
                ind("c", "1个", level1="产出指标(70分)", level2="产出数量"),
                ind("d", "1个", level1="效益", level2="社会公众或服务对象满意度指标"))
    findings, _, _ = run_text("每个指标: 须 类别名称规范", data)
    assert targets(findings) == ["绩效指标[1] a", "绩效指标[2] b"]
