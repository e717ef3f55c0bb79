"""Each reconciliation check (RC-nn) on a failing and a passing case, from the seeds' slips."""

from decimal import Decimal as D

import pytest

from perfrules.data.indicators import Budget, Indicator, IndicatorSet, ScoreEntry
from perfrules.engine.reconcile import reconcile
from perfrules.engine.results import ItemScore, ScoreSheet
from perfrules.engine.scoring import ScoringRules

ROW = (Indicator(name="资金拨付率", target="91%"),)


def rules_of(iset, sheet=None, scoring=None):
    return sorted({f.rule for f in reconcile(iset, sheet, scoring)})


def entry(path, weight, score, comment="理由", deductions=()):
    return ScoreEntry(path=path, weight=D(weight), score=D(score), comment=comment, deductions=deductions)


CASES = [
    # RC-01: a score above its weight.
    ("RC-01", [entry("项目安排/立项情况/立项依据适应性", "4", "4.5")],
     [entry("项目安排/立项情况/立项依据适应性", "4", "4")]),
    # RC-02: seed 002, 项目效益 stated 22 in the text while its items add up to 23.
    ("RC-02", [entry("项目绩效/项目效益", "25", "22"), entry("项目绩效/项目效益/提高网络稳定性", "20", "18"),
               entry("项目绩效/项目效益/综合评价", "5", "5")],
     [entry("项目绩效/项目效益", "25", "23"), entry("项目绩效/项目效益/提高网络稳定性", "20", "18"),
      entry("项目绩效/项目效益/综合评价", "5", "5")]),
    # RC-08: seed 001, 管理效能 48.95 after stated deductions of 0.5 and 1 (50 − 1.5 = 48.5).
    ("RC-08", [entry("管理效能", "50", "48.95", deductions=(("合同未按时备案", D("0.5")), ("预算公开表述", D("1"))))],
     [entry("管理效能", "50", "48.5", deductions=(("合同未按时备案", D("0.5")), ("预算公开表述", D("1"))))]),
]


@pytest.mark.parametrize("rule,bad,good", CASES, ids=[c[0] for c in CASES])
def test_score_entry_checks(rule, bad, good):
    assert rule in rules_of(IndicatorSet(ROW, scores=bad))
    assert rule not in rules_of(IndicatorSet(ROW, scores=good))


def test_rc03_stated_total_against_items():
    scores = [entry("a/b", "60", "50"), entry("a/c", "40", "37.38")]
    assert "RC-03" in rules_of(IndicatorSet(ROW, scores=scores, stated_total=D("88.38")))
    assert "RC-03" not in rules_of(IndicatorSet(ROW, scores=scores, stated_total=D("87.38")))


def test_rc04_grade_follows_total_bands_and_veto():
    scoring = ScoringRules()
    assert "RC-04" in rules_of(IndicatorSet(ROW, stated_total=D("87.38"), stated_grade="优"), None, scoring)
    assert "RC-04" not in rules_of(IndicatorSet(ROW, stated_total=D("87.38"), stated_grade="良"), None, scoring)
    vetoed = ScoreSheet(D("87.38"), D("100"), "中", True, ())
    iset = IndicatorSet(ROW, stated_total=D("87.38"), stated_grade="良")
    found = [f for f in reconcile(iset, vetoed, scoring) if f.rule == "RC-04"]
    assert found and "否决" in found[0].message


def test_rc05_stated_rate_at_its_own_precision():
    ok = Budget(annual=D("507.74"), spent=D("428.54"), stated_rate=D("0.8440"))
    bad = Budget(annual=D("507.74"), spent=D("428.54"), stated_rate=D("0.8540"))
    assert "RC-05" not in rules_of(IndicatorSet(ROW, budget=ok))
    found = [f for f in reconcile(IndicatorSet(ROW, budget=bad), None, None) if f.rule == "RC-05"]
    assert found and "84.40%" in found[0].message and "85.40%" in found[0].message


def test_rc06_unit_slip_yuan_for_wan_yuan():
    # seed 002: "2023年度本项目支出428.54元" where 万元 is meant.
    slip = Budget(annual=D("507.74"), spent=D("0.042854"))
    assert "RC-06" in rules_of(IndicatorSet(ROW, budget=slip))
    assert "RC-06" not in rules_of(IndicatorSet(ROW, budget=Budget(annual=D("507.74"), spent=D("428.54"))))


def test_rc07_adjustments_and_restated_expenditure():
    # seed 002: 1164.43 − 30.01 − 626.68 = 507.74.
    good = Budget(initial=D("1164.43"), adjustments=(D("-30.01"), D("-626.68")), annual=D("507.74"), spent=D("428.54"))
    bad = Budget(initial=D("1164.43"), adjustments=(D("-30.01"), D("-626.68")), annual=D("517.74"), spent=D("428.54"))
    assert "RC-07" not in rules_of(IndicatorSet(ROW, budget=good))
    assert "RC-07" in rules_of(IndicatorSet(ROW, budget=bad))
    # seed 001: 实际开支 49,644.69 vs 本年支出合计 49,664.69 (= 10,470.82 + 39,193.86 + 0.01).
    g = Budget(annual=D("50000"), spent=D("49644.69"), spent_total=D("49664.69"),
               spent_parts=(D("10470.82"), D("39193.86")))
    msgs = [f.message for f in reconcile(IndicatorSet(ROW, budget=g), None, None) if f.rule == "RC-07"]
    assert any("49644.69" in m and "49664.69" in m for m in msgs)
    assert any("49664.68" in m for m in msgs)  # the parts add up to neither
    same = Budget(annual=D("50000"), spent=D("49664.68"), spent_parts=(D("10470.82"), D("39193.86")))
    assert "RC-07" not in rules_of(IndicatorSet(ROW, budget=same))


def test_rc09_stated_score_against_computed():
    sheet = ScoreSheet(D("4.88"), D("8"), None, False,
                       (ItemScore("项目管理/财务管理/支出完成率", D("8"), D("4.88"), (), D("5"), "formula"),))
    assert "RC-09" in rules_of(IndicatorSet(ROW), sheet)
    sheet_ok = ScoreSheet(D("4.88"), D("8"), None, False,
                          (ItemScore("项目管理/财务管理/支出完成率", D("8"), D("4.88"), (), D("4.88"), "formula"),))
    assert "RC-09" not in rules_of(IndicatorSet(ROW), sheet_ok)
