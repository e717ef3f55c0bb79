"""Annotated copies of input workbooks (perfrules.report.annotate): each finding a comment on a
cell of its row, tinted by severity; every value and formula of the input unchanged; the
input itself never written."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st
from openpyxl.comments import Comment
from openpyxl.worksheet.formula import ArrayFormula

from perfrules.errors import DataError, Location, UsageError
from perfrules.pipeline import check
from perfrules.report.annotate import (AUTHOR, FILLS, Mark, annotate, by_file, marks, workbook_of)
from perfrules.report.xlsx import safe_text
from perfrules.severity import worst

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [  # (workbook, packs)
    (ROOT / "examples" / "panyu-2023-ops" / "评价.xlsx", ["panyu-project-2023"]),
    (ROOT / "examples" / "panyu-2023-ops" / "申报.xlsx", ["panyu-project-2023"]),
    (ROOT / "examples" / "sichuan-2023-selfeval" / "自评表.xlsx", []),
]
SEVERITIES = tuple(FILLS)


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _value(v):
    if isinstance(v, ArrayFormula):
        return ("array", v.ref, v.text)
    return v


def values(path) -> dict:
    """Every sheet's cell values (formulas as written), by sheet and (row, column), walked
    with iter_rows; empty cells left out, so a cell the copy adds (empty, with a comment)
    changes nothing."""
    wb = path if isinstance(path, openpyxl.Workbook) else openpyxl.load_workbook(path, data_only=False)
    return {ws.title: {(c.row, c.column): _value(c.value)
                       for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def structure(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: sorted(str(r) for r in ws.merged_cells.ranges) for ws in wb.worksheets}


def on_its_row(ws, cell, row: int) -> bool:
    """Whether the cell is on the row, or is the top-left cell of a merged range covering it."""
    if cell.row == row:
        return True
    return any(g.min_row == cell.row and g.min_col == cell.column and g.min_row <= row <= g.max_row
               for g in ws.merged_cells.ranges)


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda x: x[0].name)
def annotated(request, tmp_path_factory):
    src, packs = request.param
    before = digest(src)
    outcomes = check([str(src)], packs)
    ms = tuple(m for o in outcomes if o.kind == "result" for m in marks(o.result))
    dest = tmp_path_factory.mktemp("annotated") / src.name
    report = annotate(str(src), ms, str(dest))
    return src, dest, ms, report, before


def test_every_value_and_formula_is_unchanged(annotated):
    src, dest, _, _, _ = annotated
    assert values(dest) == values(src)
    assert structure(dest) == structure(src)
    assert openpyxl.load_workbook(dest).sheetnames == openpyxl.load_workbook(src).sheetnames


def test_the_input_is_not_touched(annotated):
    src, _, _, _, before = annotated
    assert digest(src) == before


def test_each_finding_is_a_comment_on_a_cell_of_its_row_tinted_by_the_worst(annotated):
    src, dest, ms, report, _ = annotated
    assert ms and len(report.placed) == len(ms) and not report.unplaced
    wb = openpyxl.load_workbook(dest)
    for p in report.placed:
        ws = wb[p.sheet]
        cell = ws[p.cell]
        if p.mark.row is not None:
            assert p.mark.sheet == p.sheet
            assert on_its_row(ws, cell, p.mark.row), (p.mark, p.cell)
        assert cell.comment is not None and safe_text(p.mark.text) in cell.comment.text
        assert cell.comment.author == AUTHOR
        here = [q.mark.severity for q in report.placed if (q.sheet, q.cell) == (p.sheet, p.cell)]
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb.endswith(FILLS[worst(here)])


def test_a_finding_about_the_project_goes_on_the_first_cell_with_content(annotated):
    src, dest, ms, report, _ = annotated
    wb = openpyxl.load_workbook(dest)
    first = wb.worksheets[0]
    top = min((c.row, c.column) for row in first.iter_rows() for c in row if c.value not in (None, ""))
    project = [p for p in report.placed if p.mark.row is None]
    assert project, "each example has findings about the whole project"
    for p in project:
        assert p.sheet == first.title and (first[p.cell].row, first[p.cell].column) == top


def test_findings_on_an_indicator_row_go_on_the_indicator_s_name(annotated):
    src, dest, _, report, _ = annotated
    wb = openpyxl.load_workbook(dest)
    names = {"三级指标", "指标名称"}
    for p in report.placed:
        ws = wb[p.sheet]
        if p.mark.row is None or p.mark.column:
            continue
        heads = [c for row in ws.iter_rows(max_row=p.mark.row - 1) for c in row if c.value in names]
        if heads:
            assert ws[p.cell].column == heads[-1].column


def test_annotating_twice_gives_the_same_bytes(annotated, tmp_path):
    src, dest, ms, _, _ = annotated
    again = tmp_path / "again.xlsx"
    annotate(str(src), ms, str(again))
    assert again.read_bytes() == dest.read_bytes()


# ---- marks -------------------------------------------------------------------------------------

def test_workbook_of_names_the_file_and_the_sheet_of_one_project():
    assert workbook_of("a/b.xlsx") == ("a/b.xlsx", None)
    assert workbook_of("a/b.XLSX#表2") == ("a/b.XLSX", "表2")
    assert workbook_of("a/b.yaml") is None
    assert workbook_of("a/b.csv#x") is None


def test_findings_placed_in_yaml_give_no_marks():
    o = check([str(ROOT / "examples" / "panyu-2023-ops" / "评价.yaml")], ["panyu-project-2023"])[0]
    assert o.result.findings and marks(o.result) == ()


def test_by_file_groups_in_order():
    a, b = Mark("a.xlsx", "s", 1, None, "info", "x"), Mark("b.xlsx", "s", 2, None, "error", "y")
    assert by_file([a, b, a]) == {"a.xlsx": (a, a), "b.xlsx": (b,)}


# ---- a small workbook of our own ---------------------------------------------------------------

def form(path: Path, comment: bool = False) -> Path:
    """A form: a title merged across, a header, rows with a merged 一级指标, a formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效指标"
    ws["A1"] = "项目支出绩效目标表"
    ws.merge_cells("A1:E1")
    ws.append(["一级指标", "二级指标", "三级指标", "指标值", "权重"])
    ws.append(["产出指标", "数量指标", "巡检次数", "12次", 10])
    ws.append([None, None, "=HYPERLINK(\"x\")", "提高", 20])
    ws.append(["效益指标", "社会效益", "满意度", "90%", "=SUM(E3:E4)"])
    ws.merge_cells("A3:A4")
    ws["F5"] = ArrayFormula("F5:F5", "=SUM(E3:E4*2)")
    if comment:
        ws["C3"].comment = Comment("原有批注", "审核人")
    wb.create_sheet("空表")
    wb.save(path)
    return path


def test_column_by_letter_by_header_and_a_covered_cell(tmp_path):
    src = form(tmp_path / "f.xlsx")
    ms = [Mark(str(src), "绩效指标", 3, "D 指标值", "error", "按字母"),
          Mark(str(src), "绩效指标", 4, "权重", "warning", "按表头"),
          Mark(str(src), "绩效指标", 4, "A", "info", "被合并覆盖"),
          Mark(str(src), "绩效指标", 3, "不存在的列", "info", "找不到列")]
    r = annotate(str(src), ms, str(tmp_path / "out.xlsx"))
    assert [p.cell for p in r.placed] == ["D3", "E4", "C4", "C3"]
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["绩效指标"]
    assert ws["C4"].comment.text.count("被合并覆盖") == 1
    assert ws["D3"].fill.fgColor.rgb.endswith(FILLS["error"])


def test_several_findings_on_one_cell_make_one_comment_worst_first(tmp_path):
    src = form(tmp_path / "f.xlsx")
    ms = [Mark(str(src), "绩效指标", 3, None, "info", "其一"),
          Mark(str(src), "绩效指标", 3, None, "veto", "其二"),
          Mark(str(src), "绩效指标", 3, None, "warning", "其三")]
    r = annotate(str(src), ms, str(tmp_path / "out.xlsx"))
    assert {p.cell for p in r.placed} == {"C3"} and r.cells == (("绩效指标", "C3"),)
    c = openpyxl.load_workbook(tmp_path / "out.xlsx")["绩效指标"]["C3"]
    assert c.comment.text.index("其二") < c.comment.text.index("其三") < c.comment.text.index("其一")
    assert c.fill.fgColor.rgb.endswith(FILLS["veto"])


def test_an_existing_comment_is_kept(tmp_path):
    src = form(tmp_path / "f.xlsx", comment=True)
    annotate(str(src), [Mark(str(src), "绩效指标", 3, None, "error", "新的发现")], str(tmp_path / "out.xlsx"))
    c = openpyxl.load_workbook(tmp_path / "out.xlsx")["绩效指标"]["C3"]
    assert c.comment.text.startswith("原有批注") and "新的发现" in c.comment.text
    assert c.comment.author == "审核人"


def test_formulas_stay_formulas(tmp_path):
    src = form(tmp_path / "f.xlsx")
    annotate(str(src), [Mark(str(src), "绩效指标", 5, "E", "error", "公式所在")], str(tmp_path / "out.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["绩效指标"]
    assert ws["E5"].value == "=SUM(E3:E4)" and ws["E5"].data_type == "f"
    assert ws["C4"].value == '=HYPERLINK("x")'
    assert values(tmp_path / "out.xlsx") == values(src)


def test_marks_that_cannot_be_placed_say_why(tmp_path):
    src = form(tmp_path / "f.xlsx")
    ms = [Mark("other.xlsx", "绩效指标", 3, None, "error", "别的文件"),
          Mark(str(src), "没有这张表", 3, None, "error", "没有的表"),
          Mark(str(src), "空表", None, None, "info", "空表的项目级发现")]
    r = annotate(str(src), ms, str(tmp_path / "out.xlsx"))
    assert [u.mark.text for u in r.unplaced] == ["别的文件", "没有的表"]
    assert "另一个文件" in r.unplaced[0].why and "没有这张表" in r.unplaced[1].why
    assert [(p.sheet, p.cell) for p in r.placed] == [("空表", "A1")]
    assert "2 项未能标注" in r.summary()


def test_refusals(tmp_path):
    src = form(tmp_path / "f.xlsx")
    m = [Mark(str(src), "绩效指标", 3, None, "error", "x")]
    before = digest(src)
    with pytest.raises(UsageError):
        annotate(str(src), m, str(src))
    link = tmp_path / "link.xlsx"
    os.symlink(src, link)
    with pytest.raises(UsageError):
        annotate(str(src), m, str(link))
    with pytest.raises(UsageError):
        annotate(str(src), m, str(tmp_path / "out.csv"))
    with pytest.raises(UsageError):
        annotate(str(src), m, str(tmp_path / "no-such-folder" / "out.xlsx"))
    shutil.copy(ROOT / "tests" / "loaders" / "broken" / "old.xls", tmp_path / "old.xls")
    with pytest.raises(DataError, match="xls"):
        annotate(str(tmp_path / "old.xls"), [], str(tmp_path / "out.xlsx"))
    shutil.copy(src, tmp_path / "m.xlsm")
    with pytest.raises(DataError, match="宏"):
        annotate(str(tmp_path / "m.xlsm"), [], str(tmp_path / "out.xlsx"))
    shutil.copy(ROOT / "tests" / "loaders" / "broken" / "old.xls", tmp_path / "disguised.xlsx")
    with pytest.raises(DataError):
        annotate(str(tmp_path / "disguised.xlsx"), [], str(tmp_path / "out.xlsx"))
    assert digest(src) == before and not (tmp_path / "out.xlsx").exists()


# ---- any marks on any small workbook -----------------------------------------------------------

CELL = st.one_of(st.none(), st.integers(-10**6, 10**6), st.text("指标值=+-@ 甲乙1", max_size=6),
                 st.sampled_from(["=1+1", "=SUM(A1:B2)", "三级指标", "指标值"]))
TEXT = st.text("发现说明 ABC_x0041=\n", min_size=1, max_size=20)


@st.composite
def books(draw):
    nrows, ncols = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    grid = [[draw(CELL) for _ in range(ncols)] for _ in range(nrows)]
    merges = []
    if nrows >= 3 and ncols >= 2 and draw(st.booleans()):
        merges.append(f"A2:A{draw(st.integers(3, nrows))}")
    if ncols >= 3 and draw(st.booleans()):
        merges.append("B1:C1")
    names = draw(st.lists(st.sampled_from(["表一", "表二", "Sheet"]), min_size=1, max_size=2, unique=True))
    ms = draw(st.lists(st.builds(
        lambda sheet, row, col, sev, text: (sheet, row, col, sev, text),
        st.sampled_from([*names, None, "无此表"]), st.one_of(st.none(), st.integers(1, nrows + 2)),
        st.one_of(st.none(), st.sampled_from(["A", "B 指标值", "C", "E", "三级指标", "指标值", "?"])),
        st.sampled_from(SEVERITIES), TEXT), max_size=8))
    return grid, merges, names, ms


# Each example writes and reads three workbooks: a quarter of the profile's examples.
@settings(max_examples=max(25, settings().max_examples // 4))
@given(books())
def test_any_marks_leave_every_value_and_land_on_their_row(book):
    grid, merges, names, raw = book
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in.xlsx"
        wb = openpyxl.Workbook()
        for k, name in enumerate(names):
            ws = wb.active if k == 0 else wb.create_sheet()
            ws.title = name
            for row in grid:
                ws.append(row)
            for g in merges:
                ws.merge_cells(g)
        wb.save(src)
        before = digest(src)
        ms = [Mark(str(src), *m) for m in raw]
        r = annotate(str(src), ms, str(Path(d) / "out.xlsx"))
        assert digest(src) == before
        out = openpyxl.load_workbook(Path(d) / "out.xlsx")
        assert values(out) == values(src)
        assert len(r.placed) + len(r.unplaced) == len(ms)
        assert all(u.mark.sheet == "无此表" for u in r.unplaced)
        for p in r.placed:
            ws = out[p.sheet]
            cell = ws[p.cell]
            assert p.sheet == (p.mark.sheet or names[0])
            if p.mark.row is not None:
                assert on_its_row(ws, cell, p.mark.row), (p.mark, p.cell, merges)
            assert safe_text(p.mark.text) in cell.comment.text
            assert cell.fill.fill_type == "solid"


def test_a_location_from_a_loader_is_a_mark(tmp_path):
    """marks() takes the loader's Location as it is: file, sheet, row, column."""
    from perfrules.engine.results import Finding, Result
    f = Finding.of("N-02", "绩效指标[0] x", "不可衡量", title="t", severity="error",
                   location=Location("f.xlsx", "绩效指标", 3, "D 指标值"))
    waived = Finding.of("N-03", "绩效指标[1] y", "m", title="t", severity="warning", waived="理由",
                        location=Location("f.xlsx", "绩效指标", 4))
    project = Finding.of("F-08", "项目", "m", title="t", severity="info")
    r = Result("f.xlsx", "p", ("pack",), (f, waived, project), (), None)
    ms = marks(r)
    assert [(m.file, m.sheet, m.row, m.column, m.severity) for m in ms] == [
        ("f.xlsx", "绩效指标", 3, "D 指标值", "error"), ("f.xlsx", None, None, None, "info")]
    assert "不可衡量" in ms[0].text and "对象：项目" in ms[1].text
    assert len(marks(r, waived=True)) == 3
