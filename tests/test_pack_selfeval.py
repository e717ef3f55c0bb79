"""national-selfeval: the national 项目支出绩效自评表 scoring on made-up rows (issue: R2–R12)."""

from decimal import Decimal as D

import pytest

from perfrules.data.indicators import Budget, Indicator, IndicatorSet
from perfrules.engine.packs import load_pack
from perfrules.engine.runner import run


@pytest.fixture(scope="module")
def pack():
    return load_pack("national-selfeval")


def row(name, target, actual, weight, level1="产出指标", score=None):
    return Indicator(level1=level1, level2="数量指标", name=name, target=target, actual=actual,
                     weight=D(weight), score=None if score is None else D(score))


FILL = [row("效益甲", "≥90%", "95%", "30", "效益指标"), row("满意度", "≥90%", "95%", "10", "满意度指标")]


def sheet(pack, rows, spent="507.74"):
    iset = IndicatorSet(tuple(rows) + tuple(FILL), budget=Budget(annual=D("507.74"), spent=D(spent)),
                        stage="自评")
    result = run([pack], iset)
    return result, {i.path: i for i in result.score.items}


def test_positive_target_met_in_part_earns_the_ratio(pack):
    _, items = sheet(pack, [row("完成数量", "≥1000个", "800个", "20"), row("其他", "100%", "100%", "30")])
    out = items["产出指标"]
    assert out.score == D("46.00")  # 20 × 800/1000 = 16, + 30
    assert [str(d.points) for d in out.deductions] == ["4.00"]
    assert "得分 = 20 × 800个 ÷ 1000个 = 16" in out.deductions[0].reason


def test_reverse_target_linear_variant(pack):
    _, items = sheet(pack, [row("响应时间", "≤5秒", "7.5秒", "20"), row("其他", "100%", "100%", "30")])
    assert items["产出指标"].score == D("40.00")  # ≤5秒 at 7.5秒: half of 20
    _, items = sheet(pack, [row("响应时间", "≤5秒", "10秒", "20"), row("其他", "100%", "100%", "30")])
    assert items["产出指标"].score == D("30.00")  # twice the target: 0
    _, items = sheet(pack, [row("响应时间", "≤5秒", "4.24秒", "20"), row("其他", "100%", "100%", "30")])
    assert items["产出指标"].score == D("50.00")  # met


def test_reverse_ratio_variant_by_extending_the_pack(tmp_path, pack):
    (tmp_path / "pack.yaml").write_text("name: ratio\nextends: [national-selfeval]\n", encoding="utf-8")
    (tmp_path / "参数.rules").write_text("词表 反向指标计分: 比值\n", encoding="utf-8")
    ratio = load_pack(str(tmp_path))
    _, items = sheet(ratio, [row("响应时间", "≤5秒", "7.5秒", "30"), row("其他", "100%", "100%", "20")])
    assert items["产出指标"].score == D("40.00")  # 30 × 5/7.5 = 20, + 20


def test_equality_target_zero(pack):
    _, items = sheet(pack, [row("安全事故", "0起", "0起", "20"), row("其他", "100%", "100%", "30")])
    assert items["产出指标"].score == D("50.00")
    _, items = sheet(pack, [row("安全事故", "0起", "1起", "20"), row("其他", "100%", "100%", "30")])
    assert items["产出指标"].score == D("30.00")


def test_execution_rate_84_40_earns_8_44(pack):
    _, items = sheet(pack, [row("其他", "100%", "100%", "50")], spent="428.54")
    spend = items["预算执行率"]
    assert (spend.score, [d.reason for d in spend.deductions]) == (D("8.44"), [
        "执行率 = 支出 428.54 ÷ 年度预算 507.74 = 84.40%；得分 = 最小(84.40%, 100%) × 10 = 8.44"])
    _, items = sheet(pack, [row("其他", "100%", "100%", "50")], spent="600")
    assert items["预算执行率"].score == D("10.00")  # above 100% counts as 100%


def test_qualitative_row_outside_its_grade_band_is_a_finding(pack):
    rows = [row("运行情况", "运行正常", "部分达成年度指标并具有一定效果", "10", score="8.5"),
            row("其他", "100%", "100%", "40")]
    result, items = sheet(pack, rows)
    bad = [f for f in result.findings if f.rule == "S-01"]
    assert [f.target for f in bad] == ["绩效指标[1] 运行情况"]
    assert items["产出指标"].score == D("48.50")  # the stated 8.5 is used, and flagged
    rows[0] = row("运行情况", "运行正常", "部分达成年度指标并具有一定效果", "10", score="7")
    result, _ = sheet(pack, rows)
    assert not [f for f in result.findings if f.rule == "S-01"]


def test_weights_that_do_not_add_up_are_a_finding(pack):
    result, items = sheet(pack, [row("完成数量", "100%", "100%", "20"), row("其他", "100%", "100%", "20")])
    msgs = [f.message for f in result.findings if f.rule == "SS-03"]
    assert "评分项「产出指标」分值 50，所含指标分值合计 40" in msgs
    out = items["产出指标"]
    assert out.max - out.score == sum(d.points for d in out.deductions)


def test_full_sheet_totals_and_grade(pack):
    result, items = sheet(pack, [row("完成数量", "≥1000个", "1000个", "50")], spent="507.74")
    assert (result.score.total, result.score.grade) == (D("100.00"), "优")
