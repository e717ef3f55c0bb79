"""CSV and XLSX indicator tables: find the header row, read one 三级指标 per row.

Both formats arrive here as :class:`Sheet` grids, so they share every rule:

- **Header row.** The first 15 rows are scanned; the header is the row with the most
  known column names (aliases allowed, spaces, line breaks and a trailing "(单位)"
  ignored) among rows that name 三级指标 or 指标值. Title rows above it ("项目支出绩效
  自评表", "单位：万元") are skipped; a row above it with several cells is reported as a
  warning. A blank header cell under a known name in the row above takes that name
  (two-row headers such as 指标值 merged over two rows).
- **Rows.** Fully blank rows are skipped. A blank (or merged) 一级指标 cell inherits the
  value above; a blank 二级指标 inherits only while the 一级 stays the same, so a new
  一级 group does not borrow the last group's 二级. Every other non-blank row becomes an
  indicator, even with no 三级指标 and no 指标值 (the validator reports it), except a
  合计/总计 row, which is reported as a warning. A repeated header row (page break) is
  skipped. 序号 columns are ignored; other unknown columns are kept in
  ``Indicator.extra`` and reported once as a warning.
- **Project data.** XLSX: a sheet 项目信息 with key/value rows (keys as in YAML:
  名称, 主管部门, 类别 "a、b", 性质, 年度, 阶段, 年初预算, 调整 "-30.01、-626.68", 年度预算,
  支出, 执行率, 支出合计, 支出明细, 绩效目标, 总分, 等级, 调整文件; "项目名称：xxx" in one
  cell also works; several values of one key may also fill the next cells). CSV: a side file
  ``<stem>.项目信息.csv`` next to the table, else ``项目信息.csv`` in the same folder
  (shared by the tables there). Score lines likewise: a sheet 评分, or
  ``<stem>.评分.csv`` / ``评分.csv``, with 路径 or 一级/二级/三级指标 columns,
  分值, 得分, 评价情况 and 扣分 ("合同未按时备案：0.5；公开不规范：1").
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path as FsPath

import attrs

from ...errors import DataError, Location
from ..categories import Synonyms, clean
from ..indicators import IndicatorSet
from . import fields as F
from .mapping import Ctx, Path, indicator_of, info_of, score_of

HEADER_SCAN = 15
IGNORED = {"序号", "no", "no.", "#"}  # a printed row number carries no data
TOTALS = {"合计", "总计", "总分", "小计", "合计得分", "总得分"}
INFO_TITLES = {"项目", "字段", "键", "key", "field", "项目信息", "内容", "值", "value"}
_ACTUAL_SUFFIXES = ("完成情况", "完成值", "实际值")  # "截止2023年12月31日完成情况" (seed 002)


@attrs.frozen
class Sheet:
    """A grid of cell values; ``covered`` maps merged cells to their top-left cell."""

    file: str
    name: str | None
    rows: list[list[object]]
    covered: dict[tuple[int, int], tuple[int, int]] = attrs.Factory(dict)

    def cell(self, r: int, c: int, *, merged: bool = False) -> object:
        if merged and (r, c) in self.covered:
            r, c = self.covered[(r, c)]
        row = self.rows[r] if r < len(self.rows) else []
        return row[c] if c < len(row) else None

    def at(self, r: int | None = None, column: str | None = None) -> Location:
        return Location(self.file, self.name, None if r is None else r + 1, column)


def letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, m = divmod(c - 1, 26)
        s = chr(65 + m) + s
    return s


def blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def header_text(v: object) -> str:
    return clean(unicodedata.normalize("NFKC", str(v))) if not blank(v) else ""


def header_key(v: object, table: F.Table) -> str | None:
    t = header_text(v).strip("*:")
    if not t:
        return None
    bare = re.sub(r"\([^()]*\)$", "", t)  # 分值(分), 实际完成值(%)
    canon = table.lookup(t) or table.lookup(bare)
    if canon is None and table is F.INDICATOR and bare.endswith(_ACTUAL_SUFFIXES):
        canon = "实际完成值"
    return canon


class Where:
    """Locates paths of the form (sheet tag, row, field) for the shared Ctx."""

    def __init__(self):
        self.sheets: dict[str, tuple[Sheet, dict[str, tuple[int, int | None]]]] = {}

    def add(self, tag: str, sheet: Sheet, cells: dict) -> None:
        """``cells`` maps a field (or 项目信息 key) to its (row or None, column)."""
        self.sheets[tag] = (sheet, cells)

    def __call__(self, path: Path) -> Location:
        sheet, cells = self.sheets[path[0]]
        if len(path) == 1:
            return sheet.at()
        if isinstance(path[1], int):  # (tag, row[, field])
            r = path[1]
            if len(path) > 2 and path[2] in cells:
                c, label = cells[path[2]]
                return sheet.at(r, f"{letter(c)} {label}")
            return sheet.at(r)
        r, c = cells.get(path[1], (None, None))  # (tag, 项目信息 key)
        return sheet.at(r, None if c is None else f"{letter(c)} {path[1]}")


def find_header(sheet: Sheet, table: F.Table, required: set[str], ctx: Ctx):
    """The header row, its columns {column: canonical} and {column: other header text},
    and whether the row above supplied names (a two-row header)."""
    best, best_n = None, 0
    for r in range(min(HEADER_SCAN, len(sheet.rows))):
        found = {header_key(sheet.cell(r, c, merged=True), table)
                 for c in range(len(sheet.rows[r]))} - {None}
        if found & required and len(found) > best_n:
            best, best_n = r, len(found)
    if best is None:
        names = "、".join(sorted(required))
        raise DataError(f"找不到表头：缺少必需的列（{names}之一）",
                        f"no header row: a required column ({' or '.join(sorted(required))}) "
                        f"is missing in the first {HEADER_SCAN} rows",
                        where=sheet.at(),
                        hint=f"表头应含 {'、'.join(table.canon)} 等列 "
                             f"(the header names columns such as {', '.join(table.canon)})")
    columns: dict[int, str] = {}
    others: dict[int, str] = {}
    above = False
    width = max(len(row) for row in sheet.rows[max(best - 1, 0):best + 1])
    for c in range(width):
        v = sheet.cell(best, c, merged=True)
        canon = header_key(v, table)
        if blank(v) and best > 0:
            canon = header_key(sheet.cell(best - 1, c, merged=True), table)
            v = sheet.cell(best - 1, c, merged=True) if canon else v
            above = above or canon is not None
        text = header_text(v)
        if canon and canon not in columns.values():
            columns[c] = canon
        elif text.lower() not in IGNORED and text:
            others[c] = text
            what = "重复的列" if canon else "未知列"
            kept = table is F.INDICATOR  # Indicator.extra keeps them; ScoreEntry has no room
            ctx.warn((tag(sheet), best),
                     f"{what}「{text}」（{letter(c)}列），" + ("其内容原样保留" if kept else "已忽略"),
                     f"{'duplicate' if canon else 'unknown'} column {text!r} ({letter(c)}), "
                     + ("its cells are kept as they are" if kept else "ignored"))
    return best, columns, others, above


def tag(sheet: Sheet) -> str:
    """The first element of a path into this sheet (see :class:`Where`)."""
    return f"{sheet.file}#{sheet.name}"


def _is_title(sheet: Sheet, r: int) -> bool:
    values = {header_text(v) for v in sheet.rows[r] if not blank(v)}
    return len(values) <= 1


def read_table(sheet: Sheet, ctx: Ctx, where: Where, *, scores: bool = False) -> list:
    """Indicators (or score entries) of one sheet, each row loaded or reported."""
    table = F.SCORE if scores else F.INDICATOR
    required = {"路径", "三级指标", "二级指标"} if scores else {"三级指标", "指标值"}
    t = tag(sheet)
    where.add(t, sheet, {})
    h, columns, others, above = find_header(sheet, table, required, ctx)
    labels = {canon: (c, header_text(sheet.cell(h, c, merged=True))
                      or header_text(sheet.cell(max(h - 1, 0), c, merged=True)))
              for c, canon in columns.items()}
    where.add(t, sheet, labels)
    for r in range(h - 1 if above else h):
        if not _is_title(sheet, r):
            ctx.warn((t, r), "表头之上的行未读取", "a row above the header row, not read")
    headless: set[int] = set()
    out = []
    prev: dict[str, str | None] = {"一级指标": None, "二级指标": None}
    for r in range(h + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if all(blank(v) or header_text(sheet.cell(h, c)).lower() in IGNORED
               for c, v in enumerate(row)):
            continue  # blank, or only a 序号 left in an unused numbered row
        m = {}
        for c, canon in columns.items():
            v = sheet.cell(r, c, merged=canon in prev)  # merged 一级/二级: the top-left value
            m[canon] = None if blank(v) else v
        total = next((header_text(v) for v in row if header_text(v) in TOTALS), None)
        if total and header_text(m.get("三级指标")) in ("", total):
            ctx.warn((t, r), f"合计行「{total}」未作为指标读取", f"total row {total!r}, not read")
            continue
        if sum(header_key(sheet.cell(r, c), table) == canon for c, canon in columns.items()) >= 2:
            continue  # the header repeated after a page break
        _inherit(m, prev, ctx.synonyms)
        extra = []
        for c, v in enumerate(row):
            if c in columns or blank(v) or header_text(sheet.cell(h, c)).lower() in IGNORED:
                continue
            if c not in others and c not in headless:
                headless.add(c)
                ctx.warn((t, r), f"{letter(c)}列没有表头，" + ("已忽略" if scores else "其内容原样保留"),
                         f"column {letter(c)} has no header; its cells are "
                         + ("ignored" if scores else "kept as they are"))
            extra.append((others.get(c) or f"{letter(c)}列", v))
        if scores:
            entry = score_of(m, (t, r), ctx)
            out.extend([entry] if entry is not None else [])
        else:
            out.append(indicator_of(m, (t, r), ctx, extra=tuple(extra)))
    return out


def _inherit(m: dict, prev: dict, synonyms: Synonyms) -> None:
    """Blank 一级 takes the one above; blank 二级 too, while the 一级 is the same."""
    if m.get("一级指标") is None:
        m["一级指标"] = prev["一级指标"]
    same = synonyms.canonical(F.text(m["一级指标"])) == synonyms.canonical(F.text(prev["一级指标"]))
    if m.get("二级指标") is None and same and "二级指标" in m:
        m["二级指标"] = prev["二级指标"]
    prev["一级指标"], prev["二级指标"] = m["一级指标"], m.get("二级指标")


def read_info(sheet: Sheet, ctx: Ctx, where: Where):
    """A key/value 项目信息 sheet → (project, budget, {top-level field: value})."""
    t = tag(sheet)
    pairs, cells = [], {}
    for r, row in enumerate(sheet.rows):
        filled = [(c, v) for c, v in enumerate(row) if not blank(v)]
        if not filled:
            continue
        c0, key = filled[0]
        key = F.text(key)
        values = [v for _, v in filled[1:]]
        if len(filled) == 1 and re.search(r"[:：]", key):  # "项目名称：xxx" in one cell
            key, _, rest = re.split(r"([:：])", key, maxsplit=1)
            values = [rest.strip()] if rest.strip() else []
        key = key.strip().rstrip(":：")
        if header_text(key).lower() in INFO_TITLES and all(
                header_text(v).lower() in INFO_TITLES for v in values):
            continue  # a title or a 项目/内容 header row
        value = values[0] if len(values) == 1 else (values or None)
        cells[key] = (r, filled[1][0] if len(filled) > 1 else c0)
        pairs.append((key, (t, key), value))
    where.add(t, sheet, cells)
    return info_of(pairs, (t,), ctx)


def assemble(source: str, table: Sheet, info: Sheet | None, scores: Sheet | None,
             synonyms: Synonyms, notes: list = ()) -> IndicatorSet:
    """The indicator set of a table with its optional 项目信息 and 评分 parts."""
    where = Where()
    ctx = Ctx(source, synonyms, where)
    ctx.notes.extend(notes)
    project = budget = None
    top: dict = {}
    if info is not None:
        project, budget, top = read_info(info, ctx, where)
    indicators, entries = [], []
    try:
        indicators = read_table(table, ctx, where)
    except DataError as e:
        ctx.errors.append(e)
    if scores is not None:
        try:
            entries = read_table(scores, ctx, where, scores=True)
        except DataError as e:
            ctx.errors.append(e)
    ctx.raise_errors()
    return IndicatorSet(indicators=indicators, project=project, budget=budget, scores=entries,
                        source=source, notes=ctx.notes, **top)


# ------------------------------------------------------------------------ CSV

def read_csv(data: bytes, source: str) -> Sheet:
    text = F.decode(data, source)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[None if blank(v) else v for v in row] for row in reader]
    except csv.Error as e:
        raise DataError("CSV 无法读取", f"CSV cannot be read: {e}",
                        where=Location(source, row=reader.line_num)) from None
    return Sheet(source, None, rows)


def side_file(path: FsPath, kind: str) -> FsPath | None:
    """``<stem>.项目信息.csv`` beside the table, else ``项目信息.csv`` in its folder."""
    for candidate in (path.with_name(f"{path.stem}.{kind}.csv"), path.with_name(f"{kind}.csv")):
        if candidate.is_file() and candidate.resolve() != path.resolve():
            return candidate
    return None


def _read_side(path: FsPath | None) -> Sheet | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError("无法读取附属文件", f"cannot read the side file: {e.strerror}",
                        where=Location(str(path))) from None
    return read_csv(data, str(path))


def load_csv(path: FsPath, data: bytes, source: str, synonyms: Synonyms) -> IndicatorSet:
    table = read_csv(data, source)
    info = _read_side(side_file(path, "项目信息"))
    scores = _read_side(side_file(path, "评分"))
    return assemble(source, table, info, scores, synonyms)
