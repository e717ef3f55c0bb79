"""sichuan-selfeval-2023 (issue 14, part 7): the bundled Sichuan 2023 self-evaluation pack.

The pack compiles, is listed, passes its own examples with 100% coverage, is lint- and
fmt-clean; and it checks and scores examples/sichuan-2023-selfeval/自评表.xlsx, a form in the
layout of the Sichuan system print 510000_0013zp (shared/corpus/LAYOUTS.md C), exactly as
computed by hand below, with exactly the findings its deliberate slips call for.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from perfrules import pipeline
from perfrules.cli import main
from perfrules.data.loaders import load
from perfrules.engine.packs import bundled_names, load_pack

ROOT = Path(__file__).resolve().parent.parent
PACK_DIR = ROOT / "policies" / "sichuan-selfeval-2023"
NAME = "sichuan-selfeval-2023"
EX = ROOT / "examples" / "sichuan-2023-selfeval"
FORM = EX / "自评表.xlsx"
TWIN = EX / "自评表.yml"


def cli(*args: str):
    """The command as a user runs it (a fresh process, from the repository root)."""
    return subprocess.run([sys.executable, "-m", "perfrules", *args], capture_output=True, text=True, cwd=ROOT)


def check(path: Path):
    outcomes = pipeline.check([str(path)], [NAME])
    assert [o.kind for o in outcomes] == ["result"], outcomes
    return outcomes[0].result


# ------------------------------------------------------------------ the pack itself

def test_the_pack_is_bundled_and_listed():
    assert NAME in bundled_names()
    r = cli("packs")
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith(NAME))
    assert "内置 (bundled)" in line and " 12 " in line and " 2 " in line  # 12 rules, 2 score items


def test_the_pack_compiles():
    r = CliRunner().invoke(main, ["compile", str(PACK_DIR)])
    assert r.exit_code == 0, r.output
    assert "通过 (ok) — 12 条规则, 2 个评分项" in r.output


def test_every_rule_has_a_basis_and_a_provenance():
    pack = load_pack(NAME)
    own = [r for r in pack.compiled.rules if r.id.startswith("SC-")]
    assert sorted(r.id for r in own) == ["SC-02", "SC-03", "SC-06", "SC-06A", "SC-07", "SC-08", "SC-08A", "SC-09",
                                         "SC-10", "SC-11", "SC-13", "SC-13A"]
    assert all(r.basis and r.provenance for r in own), [r.id for r in own if not (r.basis and r.provenance)]


def test_examples_pass_with_full_coverage():
    r = cli("test", str(PACK_DIR.relative_to(ROOT)), "--coverage")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "覆盖率 (coverage): 100% (12/12 条规则同时有触发与不触发的用例)" in r.stdout
    assert r.stdout.rstrip().splitlines()[-1].endswith("passed, 0 failed")


def test_lint_is_clean():
    r = CliRunner().invoke(main, ["lint", str(PACK_DIR)])
    assert r.exit_code == 0, r.output
    assert r.output.strip().endswith("0 个问题 (issues)")


def test_fmt_check_is_clean():
    files = sorted(str(p) for p in PACK_DIR.glob("*.rules"))
    assert len(files) == 3
    r = CliRunner().invoke(main, ["fmt", "--check", *files])
    assert r.exit_code == 0, r.output


# ------------------------------------------------------------------ the example form

def test_the_form_is_what_make_form_writes():
    """The committed workbook is the script's output (deterministic bytes)."""
    spec = importlib.util.spec_from_file_location("make_form", EX / "make_form.py")
    make_form = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_form)
    doc = yaml.safe_load(TWIN.read_text(encoding="utf-8"))
    assert make_form.xlsx_bytes(doc) == make_form.xlsx_bytes(doc)
    assert FORM.read_bytes() == make_form.xlsx_bytes(doc), \
        "自评表.xlsx is stale: run .venv/bin/python examples/sichuan-2023-selfeval/make_form.py"


def test_the_form_is_laid_out_as_the_sichuan_print():
    ws = openpyxl.load_workbook(FORM).active
    rows = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert rows[0] == ["报表编号:510000_0013zp"]
    assert rows[1] == ["部门预算项目支出绩效自评表(2023年度)"]
    money = next(r for r in rows if r and r[0] == "预算执行情况(10分)")
    assert money[1:] == ["年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"]
    grid = next(r for r in rows if r and r[0] == "绩效指标(90分)")
    assert grid[1:] == ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
                        "未完成原因分析"]
    assert ["合计", 100, 84.94] in rows


def test_the_form_and_its_yaml_twin_read_alike():
    specs = load_pack(NAME).fields
    x, y = load(FORM, field_specs=specs), load(TWIN, field_specs=specs)
    assert x.indicators == y.indicators
    assert (x.project, x.budget, x.stage, x.goal, x.statement) == (y.project, y.budget, y.stage, y.goal, y.statement)
    assert (x.stated_total, x.stated_max) == (y.stated_total, y.stated_max) == (D("84.94"), D("100"))


def test_every_cell_of_the_form_is_read():
    """Header block, declared fields and money block: read, nothing left over."""
    r = check(FORM)
    kinds = sorted({n.kind for n in r.input_notes})
    assert kinds == ["kept_column", "total_row"], [(n.kind, n.zh) for n in r.input_notes]
    # Kept as written: 项目实施内容及过程概述 (no rule reads it). The money block's 原因 is the
    # declared 原因说明 (the pack lists 原因 among its headings), read from the 总额 row.
    kept = {n.zh for n in r.input_notes if n.kind == "kept_column"}
    assert kept == {"项目中的「项目实施内容及过程概述」不是检查字段，其值原样保留"}
    x = load(FORM, field_specs=load_pack(NAME).fields)
    assert x.project.categories == ("信息化运维",)
    assert dict(x.project.fields) == {"服务对象": "县级政务部门及办事企业群众", "是否有负外部性": False,
                                      "原因说明": "运维合同质保金22.50万元按合同约定于2024年验收后支付，故预算执行率未达到90%。"}
    assert "原因" not in dict(x.budget.extra)
    b = x.budget
    assert (b.initial, b.annual, b.spent, b.stated_rate, b.rate_weight, b.rate_score) == (
        D("120.00"), D("150.00"), D("127.50"), D("0.85"), D("10"), D("8.5"))
    assert [s.name for s in b.sources] == ["财政资金", "财政专户管理资金", "单位资金", "其他资金"]
    assert len(x.indicators) == 11
    assert [i.weight for i in x.indicators] == [D(w) for w in (15, 10, 8, 12, 10, 5, 5, 8, 5, 5, 5)]
    assert x.indicators[4].target == "≤30分钟" and x.indicators[8].target == "有效支撑部门间数据共享"
    assert x.indicators[2].deviation == "等保测评整改期间增加专项巡检12次"


# Each row's score by the pack's rules (权重 is the row's 分值):
#  1 保障运行的政务信息系统数量  ≥12个, 12         met                                  15
#  2 运维资金拨付率              ≥90%, 85%          10 × 85% ÷ 90% = 9.444…              9.44
#  3 系统巡检次数                ≥24次, 36          met                                   8
#  4 核心系统年度可用率          ≥99%, 99.6%        met                                  12
#  5 故障平均响应时间            ≤30分钟, 45        (1 − (45 − 30) ÷ 30) × 10 = 5         5
#  6 重大故障修复时长            ≤4小时, 8          8 ≥ 2 × 4                              0
#  7 单个系统年均运维成本        ≤12.5万元, 10.63   met                                   5
#  8 政务服务事项网上可办率      ≥95%, 「完成」      not a number: cannot be scored     0–8
#  9 数据共享支撑部门业务协同    定性, 达成          stated                               4.5
# 10 运维管理制度建设            定性, 部分达成      stated (outside its band: SC-06)      4.5
# 11 服务对象满意度              ≥90%, 93%          met                                   5
# Rows 1–7, 9–11: 15 + 9.44 + 8 + 12 + 5 + 0 + 5 + 4.5 + 4.5 + 5 = 68.44; row 8 adds 0–8 → 68.44–76.44.
# Weights 88: 2 of the item's 90 are lost to the missing weight.
# 预算执行率: 127.50 ÷ 150.00 = 85.00% → 10 × 85% = 8.50.
# Total: 68.44 + 8.50 = 76.94 to 76.44 + 8.50 = 84.94; incomplete, no grade.
ROWS = [D("15"), D("9.44"), D("8"), D("12"), D("5"), D("0"), D("5"), None, D("4.5"), D("4.5"), D("5")]


def test_the_form_scores_as_computed_by_hand():
    sheet = check(FORM).score
    items = {i.path: i for i in sheet.items}
    assert list(items) == ["绩效指标", "预算执行率"]
    known = sum(x for x in ROWS if x is not None)
    assert known == D("68.44")
    ind = items["绩效指标"]
    assert ind.score is None and (ind.low, ind.high) == (known, known + 8) == (D("68.44"), D("76.44"))
    assert "绩效指标[8] 政务服务事项网上可办率：无法计算：实际完成值「完成」不是数值" in ind.reason
    lost = {d.reason.split("（")[0]: d.points for d in ind.deductions}
    assert lost == {"绩效指标[2] 运维资金拨付率": D("0.56"), "绩效指标[5] 故障平均响应时间": D("5.00"),
                    "绩效指标[6] 重大故障修复时长": D("5.00"), "绩效指标[9] 数据共享支撑部门业务协同": D("0.50"),
                    "绩效指标[10] 运维管理制度建设": D("0.50"), "所含指标分值合计 88，少于本项分值 90": D("2.00")}
    reasons = " ".join(d.reason for d in ind.deductions)
    assert "得分 = 10 × 85% ÷ 90% = 9.44" in reasons
    assert "得分 = (1 − (45分钟 − 30分钟) ÷ 30分钟) × 10 = 5" in reasons
    assert "实际完成值 ≥ 指标值 × 2：得分 0" in reasons
    rate = items["预算执行率"]
    assert rate.score == D("8.50")
    assert [d.reason for d in rate.deductions] == [
        "执行率 = 支出 127.5 ÷ 年度预算 150 = 85.00%；得分 = 最小(85.00%, 100%) × 10 = 8.5"]
    assert sheet.incomplete and sheet.total is None and sheet.grade is None
    assert (sheet.scored, sheet.low, sheet.high) == (D("8.50"), D("76.94"), D("84.94"))


def test_the_form_gives_exactly_the_findings_of_its_slips():
    r = check(FORM)
    got = [(f.rule, f.target, f.severity) for f in r.findings]
    assert got == [
        ("RC-16", "总分", "error"),     # 合计 prints 100, the rows' 88 and the rate's 10 make 98
        ("SC-03", "项目", "error"),     # weights add up to 88
        ("SC-09", "绩效指标[2] 运维资金拨付率", "warning"),
        ("SC-10", "绩效指标[8] 政务服务事项网上可办率", "error"),   # 「完成」
        ("SC-06", "绩效指标[10] 运维管理制度建设", "error"),        # 部分达成 at 90% of its weight
    ]
    msg = {f.rule: f.message for f in r.findings}
    assert msg["SC-03"].startswith("绩效指标权重合计 88 分，应为 90 分，相差 2 分")
    assert msg["SC-06"] == "得分 ÷ 分值 为 90.00%，应低于 80%，超出 10.00%"
    assert [(n.rule, n.target) for n in r.not_applicable] == [("SC-07", "绩效指标[8] 政务服务事项网上可办率")]


def test_the_cli_shows_the_same(tmp_path):
    r = cli("check", str(FORM.relative_to(ROOT)), "-p", NAME)
    assert r.returncode == 1, r.stderr  # errors
    assert "总分不完整 (incomplete)：已评分 8.50，无法评分 90 分，总分可能在 76.94–84.94 之间" in r.stdout
    assert "总分 — / 100  等级 不评定 (no grade)" in r.stdout
    assert "共 5 项发现（错误 4，警告 1）" in r.stdout


def test_with_the_slip_in_row_8_corrected_the_form_is_graded(tmp_path):
    """Row 8 with its measured 96.3% (≥95%: met, 8 points): 76.44 + 8.50 = 84.94, 良 — the
    total the form itself states."""
    text = TWIN.read_text(encoding="utf-8")
    fixed = text.replace("实际完成值: 完成, 权重: 8", 'actual_fixed')
    assert fixed != text
    f = tmp_path / "自评表.yaml"
    f.write_text(fixed.replace("actual_fixed", '实际完成值: "96.3%", 权重: 8'), encoding="utf-8")
    r = check(f)
    assert [f.rule for f in r.findings] == ["RC-16", "SC-03", "SC-09", "SC-06"]
    sheet = r.score
    items = {i.path: i.score for i in sheet.items}
    assert items == {"绩效指标": D("68.44") + 8, "预算执行率": D("8.50")}
    assert sheet.total == D("84.94") == D("76.44") + D("8.50")
    assert sheet.grade == "良" and not sheet.vetoed


@pytest.mark.parametrize(("spent", "total", "grade"), [
    ("150", "86.44", "良"),    # 100%: 76.44 + 10
    ("82.5", "81.94", "差"),   # 55% < 60%: SC-13 vetoes, 76.44 + 5.50 = 81.94 but graded 差
])
def test_the_execution_rate_moves_the_total_and_the_grade(tmp_path, spent, total, grade):
    doc = yaml.safe_load(TWIN.read_text(encoding="utf-8"))
    doc["绩效指标"][7]["实际完成值"] = "96.3%"
    doc["预算"].update(支出=spent, 执行率=None, 执行率得分=None)
    for src in doc["预算"]["明细"]:
        src.pop("支出"), src.pop("执行率")
    doc.pop("总分")
    f = tmp_path / "自评表.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = check(f)
    assert r.score.total == D(total) and r.score.grade == grade
    assert ("SC-13" in [x.rule for x in r.findings]) == (grade == "差")
