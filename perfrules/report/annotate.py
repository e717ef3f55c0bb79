"""An annotated copy of an input workbook: each finding as a comment on the cell it is about,
the cell tinted by the worst severity there. The input itself is only read.

::

    from perfrules.report.annotate import marks, annotate, by_file
    ms = marks(result)                       # plain data: picklable, made where the set was checked
    for src, group in by_file(ms).items():   # a workbook may hold several projects: one copy each
        report = annotate(src, group, "标注/" + os.path.basename(src))

Where a finding goes (:func:`marks` keeps the place the loader recorded,
:class:`~perfrules.errors.Location`): its sheet and row; in that row, the cell under its
column when it names one (the loader writes ``"F 指标值"``, the column's letter then its
header; a bare header text is looked for in the rows above), else the indicator's name (the
cell under the 三级指标 / 指标名称 header above, when the row has one), else the row's first
cell with content (one not merged down over other rows when there is one). A cell covered by
a merged range passes its mark to the range's top-left cell when that is on the same row.
A finding about the whole project (no row) goes on the first cell with content of its
sheet, or of the workbook's first visible sheet. Several findings on one cell make one
comment, worst first; a comment already there is kept and ours appended below it.

What the copy keeps is what openpyxl keeps: every cell's value and formula, styles, merged
cells, comments, data validation, defined names. Formulas lose the values Excel last
computed (Excel computes them again on opening); macros cannot be kept, so an ``.xlsm`` is
refused, as is an old ``.xls``. Charts, images and other drawings may be lost.
"""

from __future__ import annotations

import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from ..errors import DataError, Location, UsageError
from ..outputs import check_output, write_atomic
from ..severity import BY_NAME, NAMES, ORDER, worst
from .xlsx import CELL_CHARS, safe_text, workbook_bytes

AUTHOR = "perfrules"
EXTENSION = ".xlsx"  # what can be annotated, and what the copy is
# Light tints in the severity table's order (worst first), darker for worse: dark red (否决),
# red (错误), amber (警告), blue (提示).
FILLS = dict(zip(NAMES, ("DA9694", "FFC7CE", "FFEB9C", "DDEBF7"), strict=True))
MAX_ROW, MAX_COL = 1_048_576, 16_384  # Excel's grid
HEADER_ROWS_UP = 200  # how far above a row its column's header is looked for
_LETTER = re.compile(r"([A-Z]{1,3})(?:\s+.*)?", re.DOTALL)


@attrs.frozen
class Mark:
    """One finding to write on a workbook.

    ``file``: the workbook; ``sheet``: its sheet (None: the first visible sheet); ``row``:
    1-based (None: about the whole sheet or project); ``column``: as the loader recorded it,
    ``"F 指标值"`` or ``"F"`` or a header text (None: the row's first cell with content);
    ``severity``: veto, error, warning or info; ``text``: what the comment says."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    severity: str
    text: str


@attrs.frozen
class Placed:
    """A mark written on a cell (``cell``: its reference, e.g. ``D19``)."""

    mark: Mark
    sheet: str
    cell: str


@attrs.frozen
class Unplaced:
    """A mark not written, and why."""

    mark: Mark
    why: str


@attrs.frozen
class AnnotateReport:
    """What :func:`annotate` did: the copy written, the marks placed (and on which cells), the
    marks it could not place with why."""

    src: str
    dest: str
    placed: tuple[Placed, ...]
    unplaced: tuple[Unplaced, ...]

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        """The (sheet, cell) annotated, in order, each once."""
        return tuple(dict.fromkeys((p.sheet, p.cell) for p in self.placed))

    def summary(self) -> str:
        """One line for a terminal: what was placed where, what was not."""
        line = (f"{self.dest}: 已标注 {len(self.placed)} 项发现，{len(self.cells)} 个单元格 "
                f"({len(self.placed)} findings on {len(self.cells)} cells)")
        if self.unplaced:
            line += f"；{len(self.unplaced)} 项未能标注 ({len(self.unplaced)} not placed)：" + "；".join(
                dict.fromkeys(u.why for u in self.unplaced))
        return line


# ---- findings → marks --------------------------------------------------------------------------

def workbook_of(source: str) -> tuple[str, str | None] | None:
    """The workbook (and sheet) an indicator set was read from, by its ``input``: ``a.xlsx``,
    or ``a.xlsx#表2`` for one project of a workbook holding several; None for other inputs."""
    if source.lower().endswith(EXTENSION):
        return source, None
    head, sep, sheet = source.rpartition("#")
    if sep and head.lower().endswith(EXTENSION):
        return head, sheet
    return None


def finding_text(f: Any, *, about: bool = False) -> str:
    """A finding as a comment says it: severity, rule and title; the message; the fix.
    ``about``: name its target too (for a finding not on a row of its own)."""
    sev = BY_NAME[f.severity]
    lines = [f"【{sev.zh}】{f.rule} {f.title}"]
    if about and f.target:
        lines.append(f"对象：{f.target}")
    lines.append(f.message)
    if f.fix:
        lines.append(f"建议：{f.fix}")
    if f.waived is not None:
        lines.append(f"已豁免：{f.waived}")
    if f.missing is not None:
        lines.append(f"待定（缺少 {f.missing}）")
    return "\n".join(lines)


def marks(result: Any, *, waived: bool = False) -> tuple[Mark, ...]:
    """The marks of one checked set (a ``Result``): each finding with a place in a workbook
    (a sheet), and, when the set was read from a workbook, each finding about the whole
    project (no place). Findings placed in a YAML, JSON or CSV file give none. Waived
    findings are left out unless ``waived``. Pass the marks of every set of a workbook to
    one :func:`annotate` call (:func:`by_file`)."""
    book = workbook_of(result.input)
    out = []
    for f in result.findings:
        if f.waived is not None and not waived:
            continue
        loc: Location | None = f.location
        if loc is not None and loc.sheet is not None:
            out.append(Mark(loc.file, loc.sheet, loc.row, loc.column, f.severity, finding_text(f)))
        elif book is not None and (loc is None or (loc.row is None and loc.file == book[0])):
            out.append(Mark(book[0], book[1], None, None, f.severity, finding_text(f, about=True)))
    return tuple(out)


def by_file(ms: Iterable[Mark]) -> dict[str, tuple[Mark, ...]]:
    """Marks by workbook, in the order the workbooks first appear."""
    out: dict[str, list[Mark]] = {}
    for m in ms:
        out.setdefault(m.file, []).append(m)
    return {k: tuple(v) for k, v in out.items()}


# ---- marks → an annotated copy -----------------------------------------------------------------

def annotate(src: str, marks: Sequence[Mark], dest: str) -> AnnotateReport:
    """Write ``dest``, a copy of the workbook ``src`` with ``marks`` as cell comments and
    fills; ``src`` is only read. Marks of another file are not placed (reported so).

    Raises :class:`~perfrules.errors.UsageError` when ``dest`` is ``src`` (or the same file
    by another name) or is not an ``.xlsx`` path in a folder that exists, and
    :class:`~perfrules.errors.DataError` when ``src`` is no XLSX workbook that can be copied
    (an ``.xls``, a workbook with macros, a damaged or password-protected file). The copy is
    written whole or not at all."""
    check_paths(src, dest)
    wb = load(src)
    placed, unplaced = place(wb, src, marks)
    write_atomic(dest, workbook_bytes(wb, stamp=False))
    return AnnotateReport(src, dest, tuple(placed), tuple(unplaced))


def check_paths(src: str, dest: str) -> None:
    """Refuse, before anything is read, a copy that would overwrite its source, a copy that
    is no .xlsx, and a source that cannot be copied whole (.xls, macros)."""
    ext = os.path.splitext(src)[1].lower()
    if ext == ".xls":
        raise DataError("旧版 Excel 97-2003 (.xls) 工作簿不能标注", "an old .xls workbook cannot be annotated",
                        where=Location(src), hint="请在 Excel/WPS 中另存为 .xlsx (save it as .xlsx)")
    if ext in (".xlsm", ".xltm", ".xlam"):
        raise DataError("带宏的工作簿不能标注：副本会丢失其中的宏", "a workbook with macros cannot be "
                        "annotated: the copy would lose them", where=Location(src),
                        hint="请另存为不含宏的 .xlsx 后再标注 (save a copy as .xlsx first)")
    if ext != EXTENSION:
        raise DataError(f"只能标注 .xlsx 工作簿（此文件为 {ext or '无扩展名'}）",
                        f"only .xlsx workbooks can be annotated (this is {ext or 'no extension'})",
                        where=Location(src))
    if os.path.splitext(dest)[1].lower() != EXTENSION:
        raise UsageError(f"标注副本「{dest}」应以 .xlsx 结尾", f"the annotated copy {dest} must end in .xlsx")
    if _same_file(src, dest):
        raise UsageError(f"标注副本「{dest}」就是输入文件：输入文件不会被改写",
                         f"the annotated copy {dest} is the input itself: inputs are never rewritten",
                         hint="请把副本写到别处 (write the copy elsewhere)")
    check_output(dest, (src,))


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def load(src: str) -> Any:
    """The workbook ``src`` with its formulas (not their values), read from its bytes
    within the input limits, checked as the loader checks an input."""
    import openpyxl

    from ..data.limits import read_file
    from ..data.loaders.xlsx import check
    data = read_file(src, src)
    check(data, src)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if any(n.lower().endswith("vbaproject.bin") for n in z.namelist()):
            raise DataError("工作簿含有宏，不能标注：副本会丢失其中的宏",
                            "the workbook holds macros: the copy would lose them", where=Location(src),
                            hint="请另存为不含宏的 .xlsx 后再标注 (save a copy without macros first)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=False,
                                          keep_vba=False, keep_links=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises anything on a damaged part
        raise DataError("XLSX 文件已损坏或无法读取",
                        f"the XLSX file is damaged or cannot be read ({type(e).__name__})",
                        where=Location(src)) from None


def place(wb: Any, src: str, ms: Sequence[Mark]) -> tuple[list[Placed], list[Unplaced]]:
    """Put the marks on the workbook's cells: one comment and one fill per cell."""
    placed: list[Placed] = []
    unplaced: list[Unplaced] = []
    cells: dict[tuple[str, int, int], list[Mark]] = {}
    grids: dict[str, Grid] = {}
    for m in ms:
        if not _same_file(m.file, src):
            unplaced.append(Unplaced(m, f"属于另一个文件「{m.file}」(belongs to another file)"))
            continue
        where = target(wb, m, grids)
        if isinstance(where, str):
            unplaced.append(Unplaced(m, where))
            continue
        cells.setdefault(where, []).append(m)
    for (sheet, row, col), group in cells.items():
        cell = wb[sheet].cell(row=row, column=col)
        write_cell(cell, group)
        placed += [Placed(m, sheet, cell.coordinate) for m in group]
    return placed, unplaced


# ---- where a mark goes -------------------------------------------------------------------------

class Grid:
    """A sheet's cells with content, by row, and its merged ranges (built once per sheet, from
    the cells the file defines: never the whole used rectangle)."""

    def __init__(self, ws: Any):
        from openpyxl.cell.cell import MergedCell
        self.ws = ws
        self.rows: dict[int, list[int]] = {}
        for (r, c), cell in ws._cells.items():
            if not isinstance(cell, MergedCell) and cell.value is not None and cell.value != "":
                self.rows.setdefault(r, []).append(c)
        for cols in self.rows.values():
            cols.sort()
        self.merged = [(g.min_row, g.min_col, g.max_row, g.max_col) for g in ws.merged_cells.ranges]

    def merge_of(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        return next((g for g in self.merged if g[0] <= row <= g[2] and g[1] <= col <= g[3]), None)

    def first(self) -> tuple[int, int]:
        """The sheet's first cell with content (by row, then column), else A1."""
        if not self.rows:
            return 1, 1
        r = min(self.rows)
        return r, self.rows[r][0]

    def first_in_row(self, row: int) -> int | None:
        """The row's first cell with content, preferring one not merged down over other rows."""
        cols = self.rows.get(row, [])
        for c in cols:
            g = self.merge_of(row, c)
            if g is None or g[0] == g[2]:
                return c
        return cols[0] if cols else None

    def header(self, row: int, text: str) -> int | None:
        """The column whose header (in the nearest row above ``row`` holding it) is ``text``."""
        from ..data.loaders.sheet import header_text
        want = header_text(text)
        return self._above(row, lambda v: header_text(v) == want) if want else None

    def name_column(self, row: int) -> int | None:
        """The indicator-name column (三级指标, 指标名称 …) of the header above ``row``, when
        the row has content there: the cell a finding on an indicator row is best shown on."""
        from ..data.loaders.fields import INDICATOR
        from ..data.loaders.sheet import header_text
        c = self._above(row, lambda v: INDICATOR.lookup(header_text(v)) == "三级指标")
        return c if c is not None and c in self.rows.get(row, ()) else None

    def _above(self, row: int, wanted) -> int | None:
        for r in range(row - 1, max(0, row - 1 - HEADER_ROWS_UP), -1):
            for c in self.rows.get(r, ()):
                if wanted(self.ws.cell(row=r, column=c).value):
                    return c
        return None

    def own(self, row: int, col: int) -> tuple[int, int]:
        """A cell that can hold a comment: (row, col); in a merged range, its top-left cell
        when that is on this row, else the row's first cell with content (never a covered
        cell), else the top-left cell above."""
        g = self.merge_of(row, col)
        if g is None:
            return row, col
        if g[0] == row:
            return row, g[1]
        alt = self.first_in_row(row)
        return (row, alt) if alt is not None else (g[0], g[1])


def target(wb: Any, m: Mark, grids: dict[str, Grid]) -> tuple[str, int, int] | str:
    """(sheet, row, column) of the cell a mark goes on, or why it has none."""
    from openpyxl.worksheet.worksheet import Worksheet
    if m.sheet is None:
        shown = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or wb.worksheets
        if not shown:
            return "工作簿中没有工作表 (the workbook has no worksheet)"
        ws = shown[0]
    elif m.sheet in wb.sheetnames and isinstance(wb[m.sheet], Worksheet):
        ws = wb[m.sheet]
    else:
        return f"工作簿中没有工作表「{m.sheet}」(no sheet {m.sheet!r})"
    if ws.title not in grids:
        grids[ws.title] = Grid(ws)
    grid = grids[ws.title]
    if m.row is None:
        return (ws.title, *grid.first())
    if not 1 <= m.row <= MAX_ROW:
        return f"第{m.row}行不在工作表范围内 (row {m.row} is outside the sheet)"
    col = column_of(grid, m.row, m.column) or grid.name_column(m.row) or grid.first_in_row(m.row) or 1
    return (ws.title, *grid.own(m.row, col))


def column_of(grid: Grid, row: int, column: str | None) -> int | None:
    """The column a location names: by its letter (``"F 指标值"``, ``"F"``), else by a header
    text found above the row; None when it names none that can be found."""
    if not column or not column.strip():
        return None
    m = _LETTER.fullmatch(column.strip())
    if m:
        from openpyxl.utils import column_index_from_string
        c = column_index_from_string(m.group(1))
        if c <= MAX_COL:
            return c
    return grid.header(row, column.strip())


# ---- what a cell gets --------------------------------------------------------------------------

def write_cell(cell: Any, group: Sequence[Mark]) -> None:
    """One comment listing the marks (worst first) after any comment already there, and the
    fill of the worst severity."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    ordered = sorted(group, key=lambda m: -ORDER.get(m.severity, 0))
    ours = safe_text("\n\n".join(m.text for m in ordered))
    old = cell.comment
    if old is not None:
        text = f"{old.text}\n\n—— {AUTHOR} ——\n{ours}"
        author = old.author or AUTHOR
    else:
        text, author = ours, AUTHOR
    if len(text) > CELL_CHARS:
        text = text[:CELL_CHARS - 1] + "…"
    lines = sum(1 + len(line) // 30 for line in text.splitlines())
    cell.comment = Comment(text, author, height=min(max(lines * 15, 80), 600), width=320)
    sev = worst(m.severity for m in group if m.severity in FILLS) or "info"
    cell.fill = PatternFill(fill_type="solid", start_color=FILLS[sev], end_color=FILLS[sev])
