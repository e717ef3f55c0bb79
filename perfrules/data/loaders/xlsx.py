"""XLSX workbooks → :class:`~.tabular.Sheet` grids, read from bytes, never written.

openpyxl is given the file's bytes (the file itself is never opened for writing), with
``read_only=False`` because only the full reader knows merged ranges,
``data_only=True`` so formulas give the values Excel last computed, and
``keep_vba=False``. With defusedxml installed openpyxl parses the XML through it
(``openpyxl.DEFUSEDXML``), so entity tricks in a hostile file are refused.

A cell's number becomes a Decimal from its shortest round-tripping text (what Excel
wrote); a number formatted as a percentage reads as Excel shows it ("84.40%"), since
a 指标值 of 0.844 means nothing to the person who typed 84.40%.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import warnings
import zipfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ...errors import DataError, Location
from ..categories import Synonyms
from ..indicators import IndicatorSet
from ..limits import exceeded, limit
from .sheet import Sheet, check_text, header_text, letter
from .signatures import OLE_MAGIC, ZIP_MAGIC
from .tabular import assemble

_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
# The unpacked size (a zip bomb), merged cells, rows, columns and cells of a sheet are
# capped by the limits of :mod:`perfrules.data.limits`: past them the file is refused, with
# the far cell named, before a grid (or openpyxl's merged cells) fills memory.
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
INFO_SHEETS = {"项目信息", "project"}
SCORE_SHEETS = {"评分", "评分表", "scores"}


def _fail(source: str, zh: str, en: str, hint: str | None = None) -> DataError:
    return DataError(zh, en, where=Location(source), hint=hint)


def check(data: bytes, source: str) -> None:
    """Refuse, with a reason, anything that is not a readable XLSX workbook."""
    if not data:
        raise _fail(source, "文件为空", "the file is empty")
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED in data:
            raise _fail(source, "工作簿设有密码，无法读取", "the workbook is password-protected",
                        "请去掉密码后另存 (remove the password and save again)")
        raise _fail(source, "这是旧版 Excel 97-2003 (.xls) 文件，不是 XLSX",
                    "this is an old Excel 97-2003 (.xls) file, not XLSX",
                    "请在 Excel/WPS 中另存为 .xlsx (save it as .xlsx in Excel or WPS)")
    if not data.startswith(ZIP_MAGIC):
        looks = "文本文件 (a text file)" if _is_text(data) else "未知格式 (an unknown format)"
        raise _fail(source, "文件内容不是 XLSX 工作簿", "the file's content is not an XLSX workbook",
                    f"内容看起来是{looks}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except Exception:  # noqa: BLE001 - a damaged directory raises BadZipFile, but also
        # NotImplementedError (odd "version"), ValueError, EOFError ...: all mean "damaged".
        raise _fail(source, "XLSX 文件已损坏", "the XLSX file is damaged (not a valid zip)") from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        kind = ("Word 文档 (a Word document)" if "word/document.xml" in names else
                "OpenDocument 文件 (an OpenDocument file)" if "mimetype" in names else
                "普通 zip 压缩包 (a plain zip archive)")
        raise _fail(source, "文件内容不是 XLSX 工作簿", "the file's content is not an XLSX workbook",
                    f"内容看起来是{kind}")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limit("unpacked_mb") << 20:
        raise exceeded("unpacked_mb", Location(source), "XLSX 文件解压后的大小", "the XLSX file's unpacked size",
                       -(-unpacked >> 20))
    try:
        _merged_area(data, names, source)
    except DataError:
        raise
    except Exception:  # noqa: BLE001 - a damaged part: the same answer as any damage
        raise _fail(source, "XLSX 文件已损坏", "the XLSX file is damaged (not a valid zip)") from None


def _merged_area(data: bytes, names: set[str], source: str) -> None:
    """Refuse merged ranges covering more cells than any form has, before openpyxl makes
    an object for each of them."""
    cap = limit("merged_cells")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in (n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            merged = 0
            for m in _MERGE.finditer(z.read(name)):
                c0, r0, c1, r1 = _col(m.group(1)), int(m.group(2)), _col(m.group(3)), int(m.group(4))
                merged += (abs(r1 - r0) + 1) * (abs(c1 - c0) + 1)
                if merged > cap:
                    ref = m.group(0).split(b'"')[1].decode()
                    raise exceeded("merged_cells", Location(source),
                                   f"工作表中的合并单元格区域过大（{ref}）：合并覆盖的单元格数",
                                   f"a merged range in the workbook is far too large ({ref}): the merged cells",
                                   hint="请取消该合并或删除多余内容后另存 (unmerge it or delete the extra content, "
                                        "then save)")


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _is_text(data: bytes) -> bool:
    head = data[:512]
    try:
        head.decode("utf-8")
        return b"\x00" not in head
    except UnicodeDecodeError:
        return False


def _percent(v: Decimal, fmt: str) -> str:
    m = re.search(r"0(?:\.(0+))?\s*%", fmt)
    places = len(m.group(1) or "") if m else 0
    try:
        return f"{(v * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)}%"
    except InvalidOperation:  # more digits than a Decimal keeps: shown as stored
        return f"{v * 100}%"


def _number_format(cell) -> str:
    """The cell's number format; a workbook whose style index points nowhere has none."""
    try:
        return cell.number_format or ""
    except (IndexError, KeyError, AttributeError):
        return ""


def _value(cell) -> object:
    v = cell.value
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        if not d.is_finite():
            return str(v)
        fmt = _number_format(cell)
        return _percent(d, fmt) if "%" in fmt else d
    if isinstance(v, (_dt.date, _dt.time)):
        return v
    return str(v)  # a timedelta or an object openpyxl could not resolve: keep its text


def _formulas(data: bytes, ws_names: list[str], cached: dict) -> dict[str, frozenset]:
    """Cells holding a formula with no cached value (a file written by a program, never
    opened in Excel): openpyxl's value-only view shows them as blank."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if not any(b"<f" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")):
            return {}
    import openpyxl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=False,
                                    keep_vba=False, keep_links=False)
    out = {}
    for ws in wb.worksheets:
        values = cached.get(ws.title, {})
        out[ws.title] = frozenset(
            (r - 1, c - 1) for (r, c), cell in ws._cells.items()
            if isinstance(cell.value, str) and cell.value.startswith("=") and values.get((r, c)) is None)
    return out


def read_workbook(data: bytes, source: str) -> list[Sheet]:
    import openpyxl  # here, not at the top: checking a YAML file should not load it
    check(data, source)
    try:
        with warnings.catch_warnings():  # "extension is not supported" etc.: nothing to act on
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True,
                                        keep_vba=False, keep_links=False)
    except Exception as e:  # noqa: BLE001 - openpyxl raises anything (KeyError, XML,
        # zlib, TypeError ...) on a damaged part; each means the same to the user.
        raise _fail(source, "XLSX 文件已损坏或无法读取",
                    f"the XLSX file is damaged or cannot be read ({type(e).__name__})") from None
    grids = []
    cached = {}
    for ws in wb.worksheets:
        # ws._cells holds only the cells the file defines; iter_rows would create every
        # cell of the used rectangle, which formatting alone can stretch to a million rows.
        cells = {k: c for k, c in ws._cells.items() if c.value is not None}
        cached[ws.title] = {k: c.value for k, c in cells.items()}
        grids.append((ws, cells))
    try:
        formulas = _formulas(data, [ws.title for ws, _ in grids], cached)
    except Exception:  # noqa: BLE001 - the values were read; a second look that fails adds nothing
        formulas = {}
    return [_sheet(ws, cells, formulas.get(ws.title, frozenset()), source) for ws, cells in grids]


def _sheet(ws, cells: dict, formulas: frozenset, source: str) -> Sheet:
    """One worksheet as a grid (its filled ``cells`` by 1-based (row, column)): the size
    limits checked, every text cell checked, merged ranges clipped to the grid."""
    height = max((r for r, _ in cells), default=0)
    width = max((c for _, c in cells), default=0)
    _check_size(ws, cells, height, width, source)
    for (r, c), cell in cells.items():
        if isinstance(cell.value, str):
            check_text(cell.value, Location(source, ws.title, r, letter(c - 1)))
    for r, c in formulas:
        height, width = max(height, r + 1), max(width, c + 1)
    rows: list[list[object]] = [[None] * width for _ in range(height)]
    for (r, c), cell in cells.items():
        rows[r - 1][c - 1] = _value(cell)
    covered = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, min(rng.max_row, height) + 1):
            for c in range(rng.min_col, min(rng.max_col, width) + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered[(r - 1, c - 1)] = (rng.min_row - 1, rng.min_col - 1)
    return Sheet(source, ws.title, rows, covered, formulas)


def _check_size(ws, cells: dict, height: int, width: int, source: str) -> None:
    """Refuse a sheet beyond the limits: rows, columns, filled cells, and the cells of the
    used range (the form is read as a grid: its area is what it costs)."""
    max_rows, max_cols, max_cells = limit("rows"), limit("columns"), limit("cells")
    stray = "请删除多余的单元格内容后另存 (delete the stray content and save again)"
    if height > max_rows or width > max_cols:
        far = max(cells, key=lambda k: (k[0] > max_rows or k[1] > max_cols, k))
        ref = f"{letter(far[1] - 1)}{far[0]}"
        rows_out = far[0] > max_rows
        raise exceeded("rows" if rows_out else "columns",
                       Location(source, ws.title, far[0], letter(far[1] - 1)),
                       f"工作表内容延伸到单元格 {ref}，{'行数' if rows_out else '列数'}",
                       f"the sheet has content as far as cell {ref}: its {'rows' if rows_out else 'columns'}",
                       far[0] if rows_out else far[1], hint=stray)
    if len(cells) > max_cells:
        raise exceeded("cells", Location(source, ws.title), "工作表中有内容的单元格数",
                       "the sheet's filled cells", len(cells), hint=stray)
    if height * width > max_cells:  # the form is read as a grid: its area is what it costs
        far = max(cells, key=lambda k: k[0] * k[1])
        raise exceeded("cells", Location(source, ws.title, far[0], letter(far[1] - 1)),
                       f"工作表内容所占的范围（{height} 行 × {width} 列）的单元格数",
                       f"the cells of the sheet's used range ({height} rows × {width} columns)",
                       height * width, hint=stray)


def load_xlsx(data: bytes, source: str, synonyms: Synonyms, field_specs: tuple = ()) -> tuple[IndicatorSet, ...]:
    """Every project of a workbook: each sheet holding a form, plus the optional 项目信息
    and 评分 sheets (joined to the form when the workbook holds one)."""
    sheets = read_workbook(data, source)

    def named(names: set[str]) -> Sheet | None:
        return next((s for s in sheets if header_text(s.name).lower() in names), None)

    info, scores = named(INFO_SHEETS), named(SCORE_SHEETS)
    rest = [s for s in sheets if s is not info and s is not scores]
    if not rest:
        raise _fail(source, "工作簿中没有指标表", "the workbook has no indicator sheet",
                    "除「项目信息」「评分」外，应有一张绩效指标表 (add a sheet with the indicators)")
    return assemble(source, rest, info, scores, synonyms, field_specs=field_specs)
