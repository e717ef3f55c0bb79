"""CSV and XLSX inputs: each sheet holding an indicator grid is one project's form.

A sheet is read whole by :mod:`.form` (header block, money block, goal block, the
indicator grid wherever it sits, 总分/合计, closing text) into the same document a YAML
file gives, then built by :func:`~.mapping.build`, so a form and its YAML load to the same
model. Reading notes name every sheet, row and cell not read.

Side data, for tables that carry only the grid:

- **项目信息**: an XLSX sheet of key/value rows (keys as in YAML: 名称, 主管部门, 类别
  "a、b", 性质, 年度, 阶段, 年初预算, 调整 "-30.01、-626.68", 年度预算, 支出, 执行率,
  绩效目标, 总分, 等级, 调整文件; "项目名称：xxx" in one cell also works; several values
  of one key may fill the next cells). CSV: a side file ``<stem>.项目信息.csv`` beside
  the table, else ``项目信息.csv`` in the same folder (shared by the tables there).
- **评分**: a sheet 评分 (or ``<stem>.评分.csv`` / ``评分.csv``) with 路径 or
  一级/二级/三级指标 columns, 分值, 得分, 评价情况 and 扣分 ("合同未按时备案：0.5；…").
"""

from __future__ import annotations

import re
from pathlib import Path as FsPath

import attrs

from ...errors import DataError, ErrorGroup, Location
from ..categories import Synonyms
from ..indicators import IndicatorSet
from ..limits import read_file
from ..notes import Note
from . import fields as F
from .form import Found, missing_grid, ordered, read_sheet
from .mapping import Ctx, Path, build, score_of
from .sheet import Sheet, blank, header_text, letter, read_csv

INFO_TITLES = {"项目", "字段", "键", "key", "field", "项目信息", "内容", "值", "value"}
INFO_TOP = ("阶段", "绩效目标", "总分", "等级", "调整文件", "总分分值")


def _where(sheet: Sheet, cells: dict):
    """Locate a document path: the longest known prefix, else the sheet."""
    def where(path: Path) -> Location:
        for n in range(len(path), 0, -1):
            hit = cells.get(tuple(path[:n]))
            if hit is not None:
                return hit
        return sheet.at()
    return where


def read_info(sheet: Sheet) -> Found:
    """A key/value 项目信息 sheet → a document fragment (项目, 预算 and top-level keys)."""
    f = Found()
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
        col = filled[1][0] if len(filled) > 1 else c0
        for part, table in (("项目", F.PROJECT), ("预算", F.BUDGET), (None, F.TOP)):
            canon = table.lookup(key)
            if canon is None or (part is None and canon not in INFO_TOP):
                continue
            path = (part, key) if part else (key,)
            break
        else:
            path = ("项目", key)  # reported by the builder as an unknown key, with its cell
        d = f.doc
        for k in path[:-1]:
            d = d.setdefault(k, {})
        d[path[-1]] = value
        f.cells[path] = sheet.at(r, f"{letter(col)} {key}")
    return f


def read_scores(sheet: Sheet, ctx: Ctx, cells: dict, t: str = "评分") -> list:
    """The score lines of a 评分 sheet: a header with 路径 or 一级/二级/三级指标, 分值, 得分 …"""
    best, best_n = None, 0
    for r in range(len(sheet.rows)):
        found = {F.SCORE.lookup(header_text(v).strip("*:")) for v in sheet.rows[r]} - {None}
        if found & {"路径", "三级指标", "二级指标"} and len(found) > best_n:
            best, best_n = r, len(found)
    if best is None:
        raise DataError("评分表找不到表头（路径或一级/二级/三级指标、分值、得分）",
                        "no header row in the score sheet (路径 or 一级/二级/三级指标, 分值, 得分)",
                        where=sheet.at())
    columns = {c: F.SCORE.lookup(header_text(v).strip("*:")) for c, v in enumerate(sheet.rows[best])}
    for r in range(best + 1, len(sheet.rows)):
        cells[(t, r)] = sheet.at(r)
        for c, canon in columns.items():
            if canon is not None:
                cells[(t, r, canon)] = sheet.at(r, f"{letter(c)} {header_text(sheet.rows[best][c])}")
    out = []
    prev: dict = {}
    for r in range(best + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if all(blank(v) for v in row):
            continue
        m = {}
        for c, canon in columns.items():
            v = sheet.cell(r, c, merged=canon in ("一级指标", "二级指标"))
            if canon is None:
                if not blank(v):
                    ctx.warn((t, r), f"评分表 {letter(c)} 列「{header_text(sheet.cell(best, c))}」未读取",
                             f"score sheet column {letter(c)} not read", "unknown_column",
                             F.suggest(header_text(sheet.cell(best, c)), F.SCORE))
                continue
            m[canon] = None if blank(v) else v
        for level in ("一级指标", "二级指标"):
            if level in m:
                if m[level] is None:
                    m[level] = prev.get(level)
                prev[level] = m[level]
        entry = score_of(m, (t, r), ctx)
        if entry is not None:
            out.append(entry)
    return out


def _merge(into: dict, cells: dict, part: Found, ctx: Ctx, inferred: set = frozenset()) -> None:
    """Add a side sheet's fragment to a form's document; a key given in both is an error
    unless the two agree."""
    for path in sorted(part.cells, key=len):
        d, src = into, part.doc
        for k in path[:-1]:
            d = d.setdefault(k, {})
            src = src[k]
        v = src[path[-1]]
        if path[-1] in d and d[path[-1]] not in (None, v) and path not in inferred:
            ctx.errors.append(DataError(
                f"「{path[-1]}」在表中为「{d[path[-1]]}」，在「项目信息」中为「{v}」",
                f"{path[-1]!r} is {d[path[-1]]!r} on the form but {v!r} in 项目信息",
                where=part.cells[path]))
            continue
        d[path[-1]] = v
        cells[path] = part.cells[path]


def assemble(source: str, sheets: list[Sheet], info: Sheet | None, scores: Sheet | None,
             synonyms: Synonyms, notes: list[Note] = (), field_specs: tuple = ()) -> tuple[IndicatorSet, ...]:
    """One indicator set per sheet holding a form; the side sheets join the single form.
    ``field_specs``: the fields packs declare, read from columns, labels and 项目信息 keys."""
    forms: list[tuple[Sheet, Found]] = []
    for sheet in sheets:
        found = read_sheet(sheet, field_specs)
        if found is not None:
            forms.append((sheet, found))
    if not forms:
        sheet = sheets[0] if sheets else Sheet(source, None, [])
        raise missing_grid(sheet)
    shared = [Note("unread_sheet", Location(source, s.name),
                   "工作表没有指标表，未读取", "sheet without an indicator grid, not read")
              for s in sheets if s not in [x for x, _ in forms] and s.has_content()]
    if len(forms) > 1 and (info is not None or scores is not None):
        for side in (info, scores):
            if side is not None:
                shared.append(Note("unread_sheet", Location(source, side.name),
                                   "工作簿有多个项目，无法确定此工作表属于哪一个，未读取",
                                   "the workbook holds several projects; this sheet belongs to none "
                                   "of them for sure, not read"))
        info = scores = None
    out = []
    errors = []
    for sheet, found in forms:
        name = source if len(forms) == 1 else f"{source}#{sheet.name}"
        cells = dict(found.cells)
        ctx = Ctx(name, synonyms, _where(sheet, cells), table=True, field_specs=field_specs)
        ctx.notes.extend(notes)
        ctx.notes.extend(shared)
        ctx.notes.extend(Note(kind, where, zh, en) for kind, where, zh, en in found.notes)
        doc = found.doc
        if info is not None:
            _merge(doc, cells, read_info(info), ctx, found.inferred)
            doc = ordered(doc)
        entries = []
        if scores is not None:
            try:
                entries = read_scores(scores, ctx, cells)
            except DataError as e:
                ctx.errors.append(e)
        try:
            iset = build(doc, ctx)
            iset = attrs.evolve(iset, notes=sorted(iset.notes, key=_note_order))
        except DataError as e:
            errors.append(e)
            continue
        if entries:
            iset = _with_scores(iset, entries)
        out.append(iset)
    ErrorGroup.raise_if_any(errors)
    return tuple(out)


def _note_order(n: Note):
    w = n.where
    return (w.sheet or "", w.row or 0, w.column or "")


def _with_scores(iset: IndicatorSet, entries: list) -> IndicatorSet:
    return attrs.evolve(iset, scores=tuple(iset.scores) + tuple(entries))


# ------------------------------------------------------------------------ CSV

def side_file(path: FsPath, kind: str) -> FsPath | None:
    """``<stem>.项目信息.csv`` beside the table, else ``项目信息.csv`` in its folder."""
    for candidate in (path.with_name(f"{path.stem}.{kind}.csv"), path.with_name(f"{kind}.csv")):
        if candidate.is_file() and candidate.resolve() != path.resolve():
            return candidate
    return None


def _read_side(path: FsPath | None) -> Sheet | None:
    if path is None:
        return None
    return read_csv(read_file(path, str(path)), str(path))


def load_csv(path: FsPath, data: bytes, source: str, synonyms: Synonyms,
             field_specs: tuple = ()) -> tuple[IndicatorSet, ...]:
    table = read_csv(data, source)
    info = _read_side(side_file(path, "项目信息"))
    scores = _read_side(side_file(path, "评分"))
    return assemble(source, [table], info, scores, synonyms, field_specs=field_specs)
