"""``--format xlsx`` (``-o 结果.xlsx``): one Excel workbook for the whole run.

Sheets: 汇总 (a row per input: total, grade, findings by severity, reading notes; inputs
not read and files skipped with why; the run's footer), 评分表 (every score item with its
points, each deduction with its arithmetic, what cannot be scored and why, a 合计 row per
project), 发现 (a row per finding, filterable), 读取说明 (the reading notes), and 不适用
when ``--show-na`` asks for it.

Each entry's rows are made where the set was checked (:func:`entry`, in the worker), plain
lists of text, Decimals, ints and None; :class:`Writer` streams them into a write-only
workbook (rows go to temporary files, not memory) and writes the file whole at the end.

Scores are numbers in the workbook (the Decimal as the engine kept it, shown with its own
places), never text. Text from inputs is never a formula, an error value or a control
character: every text cell is stored as text (a leading ``=`` ``+`` ``-`` ``@`` also gets
Excel's quote prefix, so editing the cell keeps it text), and characters XML cannot carry
are shown as visible signs. The file is the same bytes for the same run: no timestamps in
its properties or its zip entries.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..outputs import write_atomic
from ..severity import TABLE
from .terminal import printable
from .view import UNSCORABLE, FindingView, ItemView, NoteView, ReportView, SheetView
from .writer import Footer, skipped_lines

# ---- the sheets: name, and each column's header and width ----------------------------------------

SUMMARY = "汇总"
SCORES = "评分表"
FINDINGS = "发现"
NOTES = "读取说明"
NOT_APPLICABLE = "不适用"

COLUMNS: dict[str, tuple[tuple[str, int], ...]] = {
    SUMMARY: (("输入", 36), ("项目", 36), ("总分", 10), ("满分", 8), ("等级", 10),
              *((s.zh, 7) for s in TABLE), ("读取说明", 9), ("未读取", 8), ("说明", 60)),
    SCORES: (("输入", 28), ("项目", 28), ("评分项", 36), ("分值", 8), ("得分", 9), ("扣分", 8),
             ("扣分说明", 70), ("状态", 28), ("等级", 10)),
    FINDINGS: (("输入", 28), ("项目", 24), ("对象", 28), ("工作表", 12), ("行", 6), ("列", 14),
               ("级别", 6), ("规则", 8), ("标题", 28), ("说明", 60), ("建议", 40), ("依据", 40),
               ("已豁免", 16), ("待定", 16), ("位置", 40)),
    NOTES: (("输入", 28), ("类别", 16), ("位置", 36), ("说明", 70), ("未读取", 8)),
    NOT_APPLICABLE: (("输入", 28), ("项目", 24), ("规则", 8), ("对象", 28), ("原因", 70)),
}
WRAPPED = {"说明", "扣分说明", "建议", "依据", "原因", "状态"}  # long text: wrapped, top-aligned
SHEETS = (SUMMARY, SCORES, FINDINGS, NOTES)  # always present, in this order; 不适用 when asked
TOTAL = "合计"
CELL_CHARS = 32_767  # Excel's limit for one cell's text

# ---- text safe in a cell -----------------------------------------------------------------------

# What XML 1.0 cannot carry (C0 controls are shown by printable, below) and openpyxl would
# refuse or write into a file Excel cannot open: lone surrogates, U+FFFE, U+FFFF.
_XML_BAD = re.compile("[\ud800-\udfff\ufffe\uffff]")
# The controls openpyxl refuses (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE), should any pass.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# Excel reads _xHHHH_ in a cell's text as the character HHHH: a literal one has its _ escaped.
_X_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
# A text Excel (or a program reading the workbook as CSV) could take for a formula when edited.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> str:
    """Text from an input as a cell (or comment) may hold it: controls and reordering marks
    shown as visible signs (as on a terminal), what XML cannot carry shown as ``<U+XXXX>``,
    a literal ``_x0007_`` kept literal (Excel would read it as the character), cut at
    Excel's 32,767 characters."""
    s = str(value).replace("\r\n", "\n")
    s = printable(s)
    s = _ILLEGAL.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)
    s = _XML_BAD.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)
    s = _X_ESCAPE.sub("_x005F_", s)
    return s if len(s) <= CELL_CHARS else s[:CELL_CHARS - 1] + "…"


def number_format(d: Decimal) -> str:
    """Excel's format showing a Decimal with the places the engine kept (4.88 → 0.00, 100 → 0)."""
    exp = d.as_tuple().exponent
    places = -exp if isinstance(exp, int) and exp < 0 else 0
    return "0." + "0" * places if places else "0"


def _dec(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


# ---- one entry's rows (made in the worker) -------------------------------------------------------

def entry(o: Any, show_na: bool = False) -> dict[str, Any]:
    """The rows one outcome adds to each sheet: ``{sheet name: [row, …], "totals": [index of
    each 合计 row in the 评分表 rows]}`` (plain data: it crosses from the worker process)."""
    if o.kind == "result":
        return result_rows(ReportView.of(o.result), show_na)
    width = len(COLUMNS[SUMMARY])
    row: list[Any] = [o.input] + [None] * (width - 2)
    if o.kind == "error":
        row.append("无法读取 (could not be read)：" + (o.message or ""))
    else:
        row.append("跳过 (skipped)：" + (o.message or ""))
    return {SUMMARY: [row], "kind": o.kind}


def result_rows(v: ReportView, show_na: bool = False) -> dict[str, Any]:
    """Every sheet's rows of one checked indicator set."""
    project = v.project or ""
    scores, totals = score_rows(v.input, project, v.sheet) if v.sheet is not None else ([], [])
    out: dict[str, Any] = {
        "kind": "result",
        SUMMARY: [summary_row(v)],
        SCORES: scores,
        "totals": totals,
        FINDINGS: [finding_row(v.input, project, f) for f in v.findings],
        NOTES: [note_row(v.input, n) for n in v.notes],
    }
    if show_na:
        out[NOT_APPLICABLE] = [[v.input, project, x.rule, x.target, x.reason] for x in v.not_applicable]
    return out


def summary_row(v: ReportView) -> list[Any]:
    s = v.sheet
    total: Any = None
    grade: str | None = None
    why: list[str] = []
    if s is not None:
        total = _dec(s.total) if s.total is not None else f"总分不完整 {s.low}–{s.high}"
        grade = (s.grade or "—") if s.total is not None else "不评定"
        if s.vetoed:
            why.append("否决 (vetoed)")
        if s.grade_note:
            why.append(s.grade_note)
    if v.waived:
        why.append(f"已豁免 {v.waived} 项 (waived)")
    if v.undecided:
        why.append(f"待定 {v.undecided} 项：输入缺少判断所需的内容 (undecided: data missing)")
    return [v.input, v.project or "", total, _dec(s.max) if s else None, grade,
            *(c.n for c in v.counts), len(v.notes), v.unread, "；".join(why) or None]


def score_rows(source: str, project: str, s: SheetView) -> tuple[list[list[Any]], list[int]]:
    """评分表 rows of one project: its items, then its 合计 row (and that row's index)."""
    rows = [item_row(source, project, i) for i in s.items]
    why = []
    if s.total is None:
        why.append(s.incomplete_line)
    if s.grade_note:
        why.append(s.grade_note)
    why += [f"待定 (undecided)：{u}" for u in s.undecided]
    grade = (s.grade or "—") if s.total is not None else "不评定"
    rows.append([source, project, TOTAL, _dec(s.max),
                 _dec(s.total) if s.total is not None else f"{s.low}–{s.high}",
                 _dec(s.lost) if s.total is not None else None,
                 "\n".join(why) or None,
                 "已评分" if s.total is not None else "总分不完整 (incomplete)",
                 grade + ("（否决）" if s.vetoed else "")])
    return rows, [len(rows) - 1]


def item_row(source: str, project: str, i: ItemView) -> list[Any]:
    lines = [f"扣{d.points} [{d.rule}] {d.reason}" for d in i.deductions]
    lines += [f"注：{n}" for n in i.notes]
    if i.scored:
        status = "已评分"
        if i.stated is not None and Decimal(i.stated) != Decimal(i.score or "0"):
            status += f"（表中填报 {i.stated}）"
    else:
        status = f"{UNSCORABLE}（可能得分 {i.low}–{i.high}）：{i.reason or ''}"
    return [source, project, i.path, _dec(i.max), _dec(i.score), _dec(i.lost),
            "\n".join(lines) or None, status, None]


def finding_row(source: str, project: str, f: FindingView) -> list[Any]:
    loc = f.location
    return [source, project, f.target, loc.sheet if loc else None, loc.row if loc else None,
            loc.column if loc else None, f.severity_zh, f.rule, f.title, f.message, f.fix, f.basis,
            f.waived, f.missing, f.where or None]


def note_row(source: str, n: NoteView) -> list[Any]:
    return [source, n.kind_zh, n.where(source), n.text, "是" if n.unread else None]


# ---- the workbook (in the parent) ----------------------------------------------------------------

class Writer:
    """Collects every entry's rows into a write-only workbook and writes it, whole, on
    :meth:`finish` (the workbook's rows wait in openpyxl's temporary files, not in memory)."""

    def __init__(self, output: str | None):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        if not output:  # formats.choose refuses this before a writer is made
            raise ValueError("the xlsx format writes to a file (-o)")
        self.output = output
        self.n = 0
        self.wb = Workbook(write_only=True)
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")
        self.sheets: dict[str, Any] = {}
        self.rows: dict[str, int] = {}
        self.skipped: set[str] = set()
        for name in SHEETS:
            self._sheet(name)

    def _sheet(self, name: str):
        """The sheet ``name``, made (header row bold and frozen, column widths) when first used."""
        if name in self.sheets:
            return self.sheets[name]
        from openpyxl.utils import get_column_letter
        ws = self.wb.create_sheet(name)
        for k, (_, width) in enumerate(COLUMNS[name], 1):
            ws.column_dimensions[get_column_letter(k)].width = width
        ws.freeze_panes = "A2"
        self.sheets[name] = ws
        self.rows[name] = 0
        self._append(name, [h for h, _ in COLUMNS[name]], bold=True)
        return ws

    def _append(self, name: str, values: Sequence[Any], bold: bool = False) -> None:
        ws = self.sheets[name]
        heads = COLUMNS[name]
        ws.append([self._cell(ws, v, heads[k][0] if k < len(heads) else "", bold)
                   for k, v in enumerate(values)])
        self.rows[name] += 1

    def _cell(self, ws, value: Any, head: str, bold: bool) -> Any:
        from openpyxl.cell import WriteOnlyCell
        if value is None or value == "":
            return None
        cell = WriteOnlyCell(ws)
        if isinstance(value, bool):
            value = "是" if value else "否"
        if isinstance(value, Decimal):
            cell.value = value
            cell.number_format = number_format(value)
        elif isinstance(value, int):
            cell.value = value
        else:
            text = safe_text(value)
            cell.value = text
            cell.data_type = "s"  # never a formula or an error value, whatever it starts with
            if text.startswith(FORMULA_START):
                cell.quotePrefix = True
        if bold:
            cell.font = self.bold
        cell.alignment = self.wrap if head in WRAPPED and not bold else self.top
        return cell

    def add(self, o: Any) -> None:
        payload = o.text
        if not payload:
            return
        totals = set(payload.get("totals", ()))
        for name in (SUMMARY, SCORES, FINDINGS, NOTES, NOT_APPLICABLE):
            for k, row in enumerate(payload.get(name, ())):
                self._sheet(name)
                self._append(name, row, bold=name == SCORES and k in totals)
        if payload.get("kind") == "skipped":
            self.skipped.add(o.input)
        else:
            self.n += 1

    def _footer(self, footer: Footer) -> None:
        width = len(COLUMNS[SUMMARY])
        missed = [(f, why) for f, why in skipped_lines(footer.skipped) if f not in self.skipped]
        if not (footer.lines or missed):
            return
        self._append(SUMMARY, [])
        self._append(SUMMARY, ["汇总 (summary)"], bold=True)
        for line in footer.lines:
            self._append(SUMMARY, [line])
        for file, why in missed:
            self._append(SUMMARY, [file] + [None] * (width - 2) + [f"跳过 (skipped)：{why}"])

    def finish(self, footer: Footer | None = None) -> None:
        if footer is not None:
            self._footer(footer)
        from openpyxl.utils import get_column_letter
        for name, ws in self.sheets.items():
            ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS[name]))}{max(self.rows[name], 1)}"
        write_atomic(self.output, workbook_bytes(self.wb))

    def abort(self, interrupted: bool = False) -> None:
        """Nothing is written; the rows' temporary files are removed."""
        for ws in self.sheets.values():
            if getattr(ws, "_writer", None) is None or ws.closed:
                continue
            try:
                ws.close()  # ends its rows, so nothing is left to write when it is collected
                ws._writer.cleanup()
            except (OSError, ValueError):
                pass
        self.sheets = {}


# ---- the same bytes for the same workbook --------------------------------------------------------

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's first moment: no clock in the file


def fixed_time() -> datetime.datetime:
    """The workbook's created/modified time: ``SOURCE_DATE_EPOCH`` when set (the convention
    of reproducible builds), else :data:`ZIP_TIME`. Never the clock."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        return datetime.datetime.fromtimestamp(int(raw), datetime.timezone.utc).replace(tzinfo=None)
    return datetime.datetime(*ZIP_TIME)


def workbook_bytes(wb: Any, stamp: bool = True) -> bytes:
    """The workbook as XLSX bytes that depend on its content alone: its created/modified
    time :func:`fixed_time` (openpyxl's ``save`` would stamp the time of saving; with
    ``stamp=False`` the times the workbook already has are kept), every zip entry dated
    :data:`ZIP_TIME`."""
    from openpyxl.writer.excel import ExcelWriter
    if stamp:
        wb.properties.created = wb.properties.modified = fixed_time()
        wb.properties.creator = "perfrules"
        wb.properties.lastModifiedBy = None
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return fixed_times(raw.getvalue())


def fixed_times(data: bytes) -> bytes:
    """A zip archive's entries, in their order, dated :data:`ZIP_TIME`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
