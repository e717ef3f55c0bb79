"""The bundled packs reach the evaluators' own conclusions on the seeds, and find their slips.

Each expectation is written down here from the seed it comes from (shared/seeds/, summed up
in shared/domain.md); nothing is generated.
"""

from decimal import Decimal as D
from pathlib import Path

import pytest

from perfrules.data.indicators import Indicator, IndicatorSet, ScoreEntry
from perfrules.data.loaders import load
from perfrules.engine.packs import load_pack
from perfrules.engine.runner import run

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def national():
    return load_pack("national")


def findings(result, rule):
    return [(f.target, f.message) for f in result.findings if f.rule == rule]


def test_002_selfeval_set(national):
    """Seed 002 二(二): the 自评表's four rows have no name, 生态效益 on an IT project, three
    unmeasurable values, no satisfaction indicator."""
    r = run([national], load(str(EX / "panyu-2023-ops/自评.yaml")))
    assert [t for t, _ in findings(r, "N-01")] == [f"绩效指标[{k}] (未命名)" for k in (1, 2, 3, 4)]
    assert [t for t, _ in findings(r, "N-04")] == ["绩效指标[4] (未命名)"]  # 生态效益
    assert [(t, m.split("」")[0]) for t, m in findings(r, "N-02")] == [
        ("绩效指标[2] (未命名)", "指标值「保障政务网络光纤通畅。"),
        ("绩效指标[3] (未命名)", "指标值「保障上网信息数据安全。"),
        ("绩效指标[4] (未命名)", "指标值「保障项目可持续性影响。")]
    assert findings(r, "N-06") and findings(r, "N-06")[0][0] == "项目"


def test_002_selfeval_against_declared_set(national):
    """Checked together with the 申报表: indicators changed with no adjustment document."""
    decl = load(str(EX / "panyu-2023-ops/申报.yaml"))
    selfe = load(str(EX / "panyu-2023-ops/自评.yaml"))
    r = run([national], selfe, {"申报": decl, "自评": selfe})
    assert len(findings(r, "N-13")) == 4
    # With an adjustment document the change is no finding.
    import attrs
    adjusted = attrs.evolve(selfe, adjustment_docs=("关于调整2023年绩效目标的函",))
    assert not findings(run([national], adjusted, {"申报": decl}), "N-13")


def test_002_declared_set(national):
    """资金拨付率 is a management indicator, and its 91% target was missed (84.40%)."""
    r = run([national], load(str(EX / "panyu-2023-ops/申报.yaml")))
    assert findings(r, "N-03") == [("绩效指标[1] 资金拨付率",
                                    "「资金拨付率」考核的是资金拨付、支付、结算、执行或合规等财务管理情况，"
                                    "不是项目的产出或效益（三级指标「资金拨付率」包含管理类用语）")]
    assert findings(r, "N-10") == [("绩效指标[1] 资金拨付率",
                                    "指标「资金拨付率」（指标值「91%」，实际完成值「84.40%」）未达到指标值")]


def test_002_annex_score_sheet():
    pack = load_pack("panyu-project-2023")
    decl = load(str(EX / "panyu-2023-ops/申报.yaml"))
    ev = load(str(EX / "panyu-2023-ops/评价.yaml"))
    r = run([pack], ev, {"申报": decl, "评价": ev})
    s = r.score
    assert (str(s.total), s.grade, s.vetoed) == ("87.38", "良", False)
    items = {i.path: i for i in s.items}
    spend = items["项目管理/财务管理/支出完成率"]
    assert str(spend.score) == "4.88"
    assert spend.deductions[0].reason == ("执行率 = 支出 428.54 ÷ 年度预算 507.74 = 84.40%；"
                                          "得分 = (84.40% − 60%) ÷ (100% − 60%) × 8 = 4.88")
    # The ladder over the 8 declared indicators (7 quantified) gives 4; the evaluator's 2.5 is
    # a discretionary deduction with the evaluator's own reason.
    norm = items["项目安排/绩效目标/绩效指标规范性"]
    assert str(norm.score) == "2.50" and norm.deductions[0].reason.startswith("评价人酌情扣分：根据")
    # The text states 项目效益 22; its items add up to 23.
    assert findings(r, "RC-02") == [("项目绩效/项目效益", "陈述小计 22，按评分表计算为 23")]
    for i in s.items:
        assert i.max - i.score == sum(d.points for d in i.deductions)


def test_001_department_selfeval():
    pack = load_pack("guangzhou-dept-2022")
    r = run([pack], load(str(EX / "guangzhou-2022-dept/自评.yaml")))
    assert findings(r, "RC-08") == [("管理效能", "陈述得分 48.95，但 50 − 0.5 − 1 = 48.5")]
    assert ("预算", "支出 49644.69 与支出合计 49664.69 不一致") in findings(r, "RC-07")
    assert [t for t, _ in findings(r, "G-01")] == [
        "绩效指标[1] 虚拟防火墙数量",
        "绩效指标[2] 态势感知平台的处理性能，考察安全感知平台操作、数据处理、数据存储的能力"]
    assert (str(r.score.total), r.score.grade) == ("97.29", "优")
    spend = next(i for i in r.score.items if i.path == "履职效能/部门预算资金支出率")
    assert str(spend.score) == "10.00"  # mean progress 1044.31% ÷ 10 = 104.43% → full marks


def test_001_over_150_percent_scores_half_the_weight():
    """With per-row weights (made up: 001 does not state them), a row above 150% earns half."""
    pack = load_pack("guangzhou-dept-2022")
    rows = (Indicator(level1="产出指标", name="虚拟防火墙数量", target="≥1000个", actual="2000个", weight=D(5)),
            Indicator(level1="产出指标", name="平台处理能力", target="≥6Gbps", actual="9Gbps", weight=D(5)),
            Indicator(level1="产出指标", name="刚过一半", target="≥1000个", actual="1501个", weight=D(5)),
            Indicator(level1="产出指标", name="未完成", target="≥100个", actual="80个", weight=D(5)))
    scores = tuple(ScoreEntry(path=p, weight=D(w), score=D(w), comment="满分") for p, w in (
        ("履职效能/部门整体绩效目标/效益指标", 20), ("管理效能", 50)))
    iset = IndicatorSet(rows, scores=scores, stage="自评")
    items = {i.path: i for i in run([pack], iset).score.items}
    out = items["履职效能/部门整体绩效目标/产出指标"]
    # 2000/1000 = 200% → 2.5; 9/6 = 150% → full 5; 1501/1000 = 150.1% → 2.5; 80/100 → 4.
    assert str(out.score) == "14.00"
    assert [str(d.points) for d in out.deductions] == ["2.50", "2.50", "1.00"]


def test_004_every_vague_target_is_flagged_and_no_measurable_one(national, golden):
    """Golden file: each row of seed 004's table with its verdict, reviewed by hand."""
    iset = load(str(EX / "panyu-2022-dept/指标.yaml"))
    r = run([national], iset)
    flagged = {f.target for f in r.findings if f.rule == "N-02"}
    lines = []
    for k, ind in enumerate(iset.indicators, 1):
        verdict = "不可衡量" if ind.label(k) in flagged else "可衡量"
        lines.append(f"{k} | {verdict} | {ind.name or ''} | {ind.target or ''}")
    golden(GOLDEN / "panyu-2022-dept-可衡量.txt", "\n".join(lines) + "\n")
