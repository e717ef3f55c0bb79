"""Lay out an indicator-set document as the printed form of a real layout (tests only).

The form reader (``perfrules.data.loaders``) has to read whole bureau spreadsheets: title
rows, a header block, a money block, a goal block, an indicator grid that starts anywhere
in the sheet, total rows and closing text. This module builds such sheets from a YAML
document, independently of perfrules: it works on the plain ``yaml.safe_load`` dict, never
on perfrules' model, and each layout is transcribed from the corpus's ``LAYOUTS.md``
(column names, column order, merged cells, where totals sit), so that a reader bug cannot
hide behind a generator that shares its assumptions.

    form = LAYOUTS["A"](doc)          # → Form(grid, printed)
    to_xlsx(form.grid)                # bytes of a workbook (merged cells, fixed timestamps)
    to_csv(form.grid, "gbk")          # bytes of Excel's CSV export of the same sheet

``printed`` is the part of ``doc`` the layout actually printed. Every key of ``doc`` is
either printed, or listed in :data:`NO_PLACE` for that layout (the form has no cell for
it, e.g. 类别 and 性质 on national forms, 预算.调整 in layout A), or a transcriber's remark
(:data:`REMARKS`: 备注, 原文, 预期问题), which is never printed. Any other key raises
:class:`UnplacedKey`, so the generator drops nothing silently either. A reader that reads
the generated form must therefore give the same indicator set as the YAML loader gives
for ``printed``.

Conventions shared by all layouts:

- Values are printed as the document writes them: strings stay strings ("387664.62",
  "100%", "≧"), numbers stay numbers (分值 10, 得分 1.9). The money unit (预算.单位) goes
  where the form prints it: the money block heading (``项目资金(万元)``), a ``金额单位``
  cell or a ``单位:`` line. Nothing is printed that the document does not say, except
  template text (labels, ``—`` and ``/`` in unused cells, placeholder rows).
- 一级指标 cells are merged down over each run of rows with the same text; 二级指标 cells
  over each run with the same 一级 and 二级. Weights such as ``产出指标(50分)`` appear only
  where the document writes them.
- The money block prints a total row from 预算's own figures, then one row per 预算.明细
  entry in document order, labelled with its 来源 (or its key, when 明细 is a mapping)
  exactly as written. A 明细 entry that names the total row itself and carries nothing but
  remarks (新洲's ``{来源: 年度资金总额, 原文: …}``) *is* that total row: it is not printed
  twice and is left out of ``printed``.
- The title says the stage (自评表 or 申报表), so 阶段 must agree with the layout.
- Blocks the template always has (goal block, 总分 row, header cells such as 财政处室) are
  printed with blank values when the document has nothing for them, and a key whose value
  is blank ("") prints as a blank cell: readers must read a blank cell as absent, so the
  printed document leaves blank values out. A money row (明细 entry) is the exception: its
  label is printed, so it stays in, with nothing but its name.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import zipfile
from collections.abc import Callable, Iterable
from itertools import zip_longest
from pathlib import Path
from typing import Any, NamedTuple

REMARKS = frozenset({"备注", "原文", "预期问题"})  # the transcriber's, never printed

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

# Each corpus file and the layout it was printed in (corpus README and LAYOUTS.md).
CORPUS = {
    "hubei-xinzhou-2020-opera-equipment.yaml": "A",
    "shanxi-jishan-2021-basic-public-health.yaml": "A",
    "yunnan-yongde-2022-nutrition-meals.yaml": "A-yn",
    "sichuan-zhongjiang-2022-reservoir-water-gauges.yaml": "B",
    "sichuan-qingshen-2023-salary-expenses.yaml": "C",
    "hebei-chengan-2020-centenarian-allowance.yaml": "D",
    "hunan-xiangtan-2023-fog-cannon-dust.yaml": "E",
    "anhui-huaibei-2025-rural-culture-performances.yaml": "F",
    "chongqing-kexuecheng-2021-media-centre-dept-whole.yaml": "G",
}

# (short id, path from the repository root, layout) of every document the tests lay out.
CASES = [
    *((name.split("-")[1] if not name.startswith("chongqing") else "chongqing",
       f"tests/corpus/{name}", layout) for name, layout in CORPUS.items()),
    # The bundled seed examples: the 自评 indicators in the national form, the 申报 ones in
    # the older national 申报表 (E). Both lose what their layout has no cell for (NO_PLACE).
    ("panyu-selfeval", "examples/panyu-2023-ops/自评.yaml", "A"),
    ("panyu-declare", "examples/panyu-2023-ops/申报.yaml", "E"),
    ("national-selfeval", "tests/data/forms/national-selfeval.yaml", "A"),
]

# Keys no layout prints: what the form does not ask (category tags, nature) and what
# perfrules takes as input beside a form (an evaluator's score sheet, waivers, documents).
_BASE = ("项目.类别", "项目.性质", "评分", "豁免", "调整文件")
# Indicator columns national-style forms do not have.
_NO_METHOD = ("绩效指标.*.计算方法", "绩效指标.*.佐证材料", "绩效指标.*.赋值依据")

# layout → the document keys it has no place for ("*" stands for any key or list index;
# a pattern covers everything under it).
NO_PLACE: dict[str, tuple[str, ...]] = {
    "A": (*_BASE, *_NO_METHOD,
          "预算.调整",      # 年初预算数 | 全年预算数: no adjustments column
          "等级"),          # no grade cell
    "A-yn": (*_BASE, *_NO_METHOD, "预算.调整", "陈述.评价结论", "陈述.存在问题", "陈述.改进措施"),
    "B": (*_BASE, *_NO_METHOD,
          "预算.年初预算", "预算.明细.*.年初预算",  # no 年初预算数 column
          "预算.调整",
          "项目.资金类别",  # the notice's attachment title, outside the table
          "等级", "陈述"),
    "C": (*_BASE, *_NO_METHOD, "预算.调整", "等级"),
    "D": (*_BASE, "绩效指标.*.佐证材料", "绩效指标.*.赋值依据",
          "绩效指标.*.偏差原因",                     # no reason column
          "预算.年初预算", "预算.明细.*.年初预算",    # only 预算安排情况(调整后)
          "预算.调整",
          # The budget-rate item is the grid's last row and 总分/等级 come after it: cut in the
          # only source (成安), so where they print is unknown.
          "预算.执行率分值", "预算.执行率得分", "总分", "总分分值", "等级", "陈述"),
    "E": (*_BASE, *_NO_METHOD,
          "项目.主管部门", "项目.实施单位",            # only 预算部门
          # money: only the 年度本级预算金额 / 该项目支出上级资金 cells, carried as 明细 rows
          "预算.年初预算", "预算.调整", "预算.年度预算", "预算.支出", "预算.执行率",
          "预算.执行率分值", "预算.执行率得分",
          "预算.明细.*.年初预算", "预算.明细.*.支出", "预算.明细.*.执行率",
          "绩效目标.实际完成情况",                     # a 申报表: nothing is complete yet
          "绩效指标.*.实际完成值", "绩效指标.*.分值", "绩效指标.*.得分", "绩效指标.*.偏差原因",
          "总分", "总分分值", "等级"),
    "F": (*_BASE, *_NO_METHOD,
          "预算.单位",                                 # amounts printed with no unit
          "预算.年初预算", "预算.调整", "预算.支出", "预算.执行率",
          "预算.执行率分值", "预算.执行率得分",
          "预算.明细.*.年初预算", "预算.明细.*.支出", "预算.明细.*.执行率",
          "绩效目标.实际完成情况",
          "绩效指标.*.实际完成值", "绩效指标.*.分值", "绩效指标.*.得分", "绩效指标.*.偏差原因",
          "总分", "总分分值", "等级", "陈述"),
    "G": (*_BASE, *_NO_METHOD,
          "项目.名称", "项目.实施单位",                # a department form names no project
          "项目.类型",   # the title says 部门整体, but no 类型 field is printed
          "绩效指标.*.一级指标", "绩效指标.*.二级指标",  # flat list
          "绩效指标.*.偏差原因",
          "预算.单位", "预算.调整", "预算.明细",         # one money row, no unit
          "总分分值", "等级", "陈述"),
}

FIXED_TIME = _dt.datetime(2024, 1, 1)


class UnplacedKey(ValueError):
    """A document key the layout cannot print and does not list in NO_PLACE."""


# ----------------------------------------------------------------------------- grid

class Grid:
    """A sheet being laid out: cell values by (row, column), 0-based, and merged ranges.

    A merged range holds its value in the top-left cell only; the cells it covers stay
    empty, as in the file Excel writes.
    """

    def __init__(self, width: int, sheet: str):
        self.width = width
        self.sheet = sheet
        self.cells: dict[tuple[int, int], Any] = {}
        self.merges: list[tuple[int, int, int, int]] = []  # (top, left, bottom, right)
        self._taken: set[tuple[int, int]] = set()
        self.height = 0    # rows used, merges included
        self.next_row = 0  # where row() appends

    def put(self, r: int, c: int, value: Any = None, w: int = 1, h: int = 1) -> None:
        if c < 0 or c + w > self.width:
            raise ValueError(f"{self.sheet}: cell ({r}, {c}) width {w} is outside {self.width} columns")
        area = {(r + i, c + j) for i in range(h) for j in range(w)}
        if area & self._taken:
            raise ValueError(f"{self.sheet}: cell ({r}, {c}) overlaps a cell already placed")
        self._taken |= area
        if value is not None and value != "":
            self.cells[(r, c)] = value
        if w > 1 or h > 1:
            self.merges.append((r, c, r + h - 1, c + w - 1))
        self.height = max(self.height, r + h)

    def row(self, *items: Any) -> int:
        """Append a row left to right; an item is a value or (value, width[, height]).
        Cells still covered by a merge from above are skipped. Returns the row index."""
        return self.row_at(self.next_row, *items)

    def row_at(self, r: int, *items: Any) -> int:
        c = 0
        for item in items:
            value, w, h = (item + (1,) * (3 - len(item))) if isinstance(item, tuple) else (item, 1, 1)
            while (r, c) in self._taken:
                c += 1
            self.put(r, c, value, w, h)
            c += w
        self.height = max(self.height, r + 1)
        self.next_row = max(self.next_row, r + 1)
        return r

    @property
    def rows(self) -> list[list[Any]]:
        return [[self.cells.get((r, c)) for c in range(self.width)] for r in range(self.height)]


class Form(NamedTuple):
    grid: Grid
    printed: dict


# ------------------------------------------------------------------ key accounting

_ABSENT = object()


class _Doc:
    """The document being printed, remembering which paths were printed."""

    def __init__(self, doc: dict, layout: str):
        if not isinstance(doc, dict):
            raise UnplacedKey(f"layout {layout}: the document must be a mapping")
        self.doc = doc
        self.layout = layout
        self.used: set[tuple] = set()      # printed leaves or whole printed subtrees
        self.present: set[tuple] = set()   # mappings printed as a row label only
        self.absorbed: set[tuple] = set()  # accounted for by another cell, not printed

    def peek(self, *path: Any) -> Any:
        node: Any = self.doc
        for p in path:
            if isinstance(node, dict) and p in node:
                node = node[p]
            elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
                node = node[p]
            else:
                return _ABSENT
        return node

    def take(self, *path: Any) -> Any:
        """The value at ``path`` (None if absent), marked printed."""
        v = self.peek(*path)
        if v is _ABSENT:
            return None
        self.used.add(path)
        return v

    def one_of(self, base: tuple, keys: Iterable[str]) -> Any:
        """The one of ``keys`` present under ``base`` (two keys for one cell is an error)."""
        found = [k for k in keys if self.peek(*base, k) is not _ABSENT]
        if len(found) > 1:
            raise UnplacedKey(f"layout {self.layout}: {_show(base) or 'the document'} has both {found[0]} and "
                              f"{found[1]}, which print in the same cell")
        return self.take(*base, found[0]) if found else None

    def finish(self) -> dict:
        patterns = [p.split(".") for p in NO_PLACE[self.layout]]
        for leaf in _leaves(self.doc, ()):
            if any(leaf[:n] in self.used or leaf[:n] in self.absorbed for n in range(1, len(leaf) + 1)):
                continue
            if leaf in self.present:
                continue
            if any(_matches(pat, leaf) for pat in patterns):
                continue
            raise UnplacedKey(f"layout {self.layout} has no place for {_show(leaf)} "
                              f"(print it, or list it in NO_PLACE[{self.layout!r}])")
        printed = _filter(self.doc, (), self)
        return printed if printed is not _ABSENT else {}


def _show(path: tuple) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


def _matches(pattern: list[str], leaf: tuple) -> bool:
    return len(leaf) >= len(pattern) and all(p == "*" or p == str(k) for p, k in zip(pattern, leaf))


def _leaves(node: Any, path: tuple) -> Iterable[tuple]:
    """Paths of the document's content: scalars, lists of scalars, empty mappings."""
    if isinstance(node, dict):
        if not node and path:
            yield path
        for k, v in node.items():
            if k not in REMARKS:
                yield from _leaves(v, path + (k,))
    elif isinstance(node, list) and any(isinstance(x, (dict, list)) for x in node):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in REMARKS}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _filter(node: Any, path: tuple, d: _Doc) -> Any:
    if path in d.used:
        # A blank value prints as a blank cell, which says no more than an absent key:
        # the printed document leaves it out (成安's 是否为专项资金: "").
        return _ABSENT if _blank(node) else _strip(node)
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in REMARKS:
                continue
            sub = _filter(v, path + (k,), d)
            if sub is not _ABSENT:
                out[k] = sub
        return out if out or path in d.present else _ABSENT
    if isinstance(node, list):
        out_list = [sub for i, v in enumerate(node) if (sub := _filter(v, path + (i,), d)) is not _ABSENT]
        return out_list if out_list else _ABSENT
    return _ABSENT


# ------------------------------------------------------------------- shared blocks

STAGE = {"A": "自评", "A-yn": "自评", "B": "自评", "C": "自评", "D": "自评", "G": "自评",
         "E": "申报", "F": "申报"}


def _stage(d: _Doc) -> None:
    """The title prints the stage: the document must say the same."""
    stage = d.take("阶段")
    if stage != STAGE[d.layout]:
        raise UnplacedKey(f"layout {d.layout} is a {STAGE[d.layout]} form; the document's 阶段 is {stage!r}")


def _year(d: _Doc) -> Any:
    return d.take("项目", "年度")


def _unit(d: _Doc) -> str:
    u = d.take("预算", "单位")
    return f"({u})" if u else ""


def _sources(d: _Doc, total_labels: Iterable[str]) -> list[tuple[tuple, str]]:
    """The 明细 entries to print as rows: (path of the entry, row label).

    A list entry's label is its 来源, a mapping entry's its key. An entry naming the total
    row and carrying only remarks is that row (absorbed, not printed again)."""
    totals = {t.rstrip(":：") for t in total_labels}
    detail = d.peek("预算", "明细")
    if detail is _ABSENT or detail is None:
        return []
    rows: list[tuple[tuple, str]] = []
    if isinstance(detail, dict):
        for name, fields in detail.items():
            path = ("预算", "明细", name)
            if fields is not None and not isinstance(fields, dict):
                raise UnplacedKey(f"layout {d.layout}: {_show(path)} must be a mapping")
            d.present.add(path)
            rows.append((path, str(name)))
        return rows
    if not isinstance(detail, list):
        raise UnplacedKey(f"layout {d.layout}: 预算.明细 must be a list or a mapping")
    for i, entry in enumerate(detail):
        path = ("预算", "明细", i)
        if not isinstance(entry, dict) or "来源" not in entry:
            raise UnplacedKey(f"layout {d.layout}: {_show(path)} needs a 来源")
        name = str(entry["来源"])
        content = [k for k in entry if k not in REMARKS and k != "来源"]
        if name.rstrip(":：") in totals and not content:
            d.absorbed.add(path)
            continue
        d.take(*path, "来源")
        rows.append((path, name))
    return rows


def _goal(d: _Doc, parts: dict[str, str]) -> dict[str, Any]:
    """绩效目标 by printed heading: a plain string is the first part (the expected goal);
    a mapping gives each part under its heading; other parts stay unprinted."""
    goal = d.peek("绩效目标")
    out: dict[str, Any] = {}
    first = next(iter(parts))
    if goal is _ABSENT or goal is None:
        return out
    if not isinstance(goal, dict):
        out[parts[first]] = _lines(d.take("绩效目标"))
        return out
    for key, heading in parts.items():
        v = d.take("绩效目标", key)
        if v is not None:
            out[heading] = _lines(v)
    return out


def _lines(v: Any) -> Any:
    return "\n".join(str(x) for x in v) if isinstance(v, list) else v


def _indicator_rows(d: _Doc, columns: list[tuple[str, ...]]) -> list[list[Any]]:
    """One list of cell values per printed indicator row; a column takes the one of its
    keys the row has. Rows left with nothing to print are not printed."""
    items = d.peek("绩效指标")
    if items is _ABSENT or items is None:
        return []
    if not isinstance(items, list):
        raise UnplacedKey(f"layout {d.layout}: 绩效指标 must be a list")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise UnplacedKey(f"layout {d.layout}: 绩效指标[{i}] must be a mapping")
        values = [d.one_of(("绩效指标", i), keys) if keys else None for keys in columns]
        if any(v is not None and v != "" for v in values):
            out.append(values)
    return out


def _grid_rows(g: Grid, first_row: int, first_col: int, rows: list[list[Any]], *,
               levels: tuple[int, ...] = (0, 1), runs: tuple[int, ...] = ()) -> None:
    """Place indicator rows. Columns in ``levels`` (一级, 二级) are merged down over runs of
    equal values (二级 runs also need the same 一级); columns in ``runs`` are merged from a
    value down over the blank cells below it (a category printed once for its rows)."""
    n = len(rows)
    spans: dict[tuple[int, int], int] = {}  # (row, col) → height for merged starts
    covered: set[tuple[int, int]] = set()
    for depth, col in enumerate(levels):
        i = 0
        while i < n:
            key = tuple(rows[i][c] for c in levels[:depth + 1])
            j = i + 1
            if rows[i][col] is not None:
                while j < n and tuple(rows[j][c] for c in levels[:depth + 1]) == key:
                    j += 1
            if j - i > 1:
                spans[(i, col)] = j - i
                covered |= {(k, col) for k in range(i + 1, j)}
            i = j
    for col in runs:
        i = 0
        while i < n:
            j = i + 1
            if rows[i][col] is not None:
                while j < n and rows[j][col] is None:
                    j += 1
            if j - i > 1:
                spans[(i, col)] = j - i
                covered |= {(k, col) for k in range(i + 1, j)}
            i = j
    for i, values in enumerate(rows):
        for c, v in enumerate(values):
            if (i, c) in covered:
                continue
            g.put(first_row + i, first_col + c, v, 1, spans.get((i, c), 1))
    g.height = max(g.height, first_row + n)
    g.next_row = max(g.next_row, first_row + n)


def _money_rows(d: _Doc, columns: list[tuple[str | None, str | None, Any]],
                total_labels: Iterable[str]) -> tuple[list[Any], list[tuple[str, list[Any]]]]:
    """The total row's values and each 明细 row's (label, values).

    ``columns``: (预算 key for the total row, 明细 key for the sub-rows, what a sub-row
    prints when it has no key for the column, e.g. "—")."""
    total = [d.take("预算", tk) if tk else None for tk, _, _ in columns]
    subs = []
    for path, label in _sources(d, total_labels):
        subs.append((label, [d.take(*path, sk) if sk else mark for _, sk, mark in columns]))
    return total, subs


def _dash(values: list[Any], mark: str) -> list[Any]:
    return [mark if v is None or v == "" else v for v in values]


# ------------------------------------------------------------------------ layouts

def layout_a(doc: dict) -> Form:
    """National 项目支出绩效自评表 (财预〔2020〕10号 annex): 9 columns, block labels in column A."""
    d = _Doc(doc, "A")
    _stage(d)
    g = Grid(9, "项目支出绩效自评表")
    year = _year(d)
    g.row(("项目支出绩效自评表", 9))
    if year is not None:
        g.row((f"({year}年度)", 9))
    g.row("项目名称", (d.take("项目", "名称"), 8))
    g.row("主管部门", (d.take("项目", "主管部门"), 3), ("实施单位", 2), (d.take("项目", "实施单位"), 3))

    unit = _unit(d)
    cols = [("年初预算", "年初预算", None), ("年度预算", "年度预算", None), ("支出", "支出", None),
            ("执行率分值", None, "—"), ("执行率", "执行率", None), ("执行率得分", None, "—")]
    total, subs = _money_rows(d, cols, ["年度资金总额"])
    top = g.next_row
    g.row((f"项目资金{unit}", 1, 2 + len(subs)), (None, 2),
          "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    g.row(("年度资金总额", 2), *total)
    for label, values in subs:
        g.row((label, 2), *values)
    assert g.next_row == top + 2 + len(subs)

    goal = _goal(d, {"预期目标": "预期目标", "实际完成情况": "实际完成情况"})
    g.row(("年度总体目标", 1, 2), ("预期目标", 4), ("实际完成情况", 4))
    g.row((goal.get("预期目标"), 4), (goal.get("实际完成情况"), 4))

    cols_i = [("一级指标",), ("二级指标",), ("三级指标",), ("指标值",), ("实际完成值",),
              ("分值",), ("得分",), ("偏差原因",)]
    rows = _indicator_rows(d, cols_i)
    head = g.row(("绩效指标", 1, 1 + len(rows)), "一级指标", "二级指标", "三级指标", "年度指标值",
                 "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
    _grid_rows(g, head + 1, 1, rows)
    g.row(("总分", 6), d.take("总分分值"), d.take("总分"), None)
    for part in ("评价结论", "存在问题", "改进措施"):
        if d.peek("陈述", part) is not _ABSENT:
            g.row((part, 2), (d.take("陈述", part), 7))
    return Form(g, d.finish())


def layout_a_yn(doc: dict) -> Form:
    """Yunnan 公开14表: target split into 指标性质/指标值/度量单位, two-row grid header,
    money in 元 with ``—`` in empty cells, bottom row 其他需要说明事项 … 总分 … grade."""
    d = _Doc(doc, "A-yn")
    _stage(d)
    g = Grid(10, "公开14表")
    year = _year(d)
    unit_name = d.take("项目", "实施单位")
    title = f"{year}年度项目支出绩效自评表" if year is not None else "项目支出绩效自评表"
    g.row((title, 6), (f"部门:{unit_name}" if unit_name else "部门:", 3), "公开14表")
    g.row(("项目名称", 2), (d.take("项目", "名称"), 8))
    g.row(("主管部门", 2), (d.take("项目", "主管部门"), 4), ("实施单位", 2), (unit_name, 2))

    unit = d.take("预算", "单位")
    cols = [("年初预算", "年初预算", None), ("年度预算", "年度预算", None), ("支出", "支出", None),
            ("执行率分值", None, None), ("执行率", "执行率", None), ("执行率得分", None, None)]
    total, subs = _money_rows(d, cols, ["年度资金总额"])
    g.row((f"项目资金 ({unit})" if unit else "项目资金", 2, 2 + len(subs)), (None, 2),
          "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
    g.row(("年度资金总额", 2), *_dash(total, "—"))
    for label, values in subs:
        g.row((label, 2), *_dash(values, "—"))

    goal = _goal(d, {"预期目标": "预期目标", "实际完成情况": "实际完成情况"})
    g.row(("年度\n总体\n目标", 2, 2), ("预期目标", 4), ("实际完成情况", 4))
    g.row((goal.get("预期目标"), 4), (goal.get("实际完成情况"), 4))

    cols_i = [("一级指标",), ("二级指标",), ("三级指标",), ("指标性质",), ("指标值",), ("度量单位",),
              ("实际完成值",), ("分值",), ("得分",), ("偏差原因",)]
    rows = _indicator_rows(d, cols_i)
    g.row(("绩效指标", 3), ("年度指标值", 3), ("实际完成值", 1, 2), ("分值", 1, 2), ("得分", 1, 2),
          ("偏差原因分析及改进措施", 1, 2))
    head = g.row("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    _grid_rows(g, head + 1, 0, rows)
    g.row(("其他需要说明事项", 2), (d.take("陈述", "其他需要说明事项"), 4), "总分",
          d.take("总分分值"), d.take("总分"), d.take("等级"))
    return Form(g, d.finish())


def layout_b(doc: dict) -> Form:
    """Sichuan 衔接资金 绩效目标自评表: no 年初预算数 column, 分值 before the target,
    全年实际值, 一级 weights as written, a trailing ``……`` placeholder row."""
    d = _Doc(doc, "B")
    _stage(d)
    g = Grid(9, "绩效目标自评表")
    year = _year(d)
    g.row(("绩效目标自评表", 9))
    if year is not None:
        g.row((f"({year}年度)", 9))
    g.row("项目名称", (d.take("项目", "名称"), 4), ("项目负责人及电话", 2), (None, 2))
    g.row("主管部门", (d.take("项目", "主管部门"), 4), ("实施单位", 2), (d.take("项目", "实施单位"), 2))

    unit = _unit(d)
    cols = [("年度预算", "年度预算", None), ("支出", "支出", None), ("执行率分值", None, None),
            ("执行率", "执行率", None), ("执行率得分", None, None)]
    total, subs = _money_rows(d, cols, ["年度资金总额"])
    g.row((f"资金情况{unit}", 1, 2 + len(subs)), (None, 3),
          "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分")
    g.row(("年度资金总额:", 3), *total)
    for label, values in subs:
        g.row((label, 3), *values)

    goal = _goal(d, {"预期目标": "年初设定目标", "实际完成情况": "年度总体目标完成情况综述"})
    g.row(("年度总体目标", 1, 2), ("年初设定目标", 4), ("年度总体目标完成情况综述", 4))
    g.row((goal.get("年初设定目标"), 4), (goal.get("年度总体目标完成情况综述"), 4))

    cols_i = [("一级指标",), ("二级指标",), ("三级指标",), ("分值",), ("指标值",), ("实际完成值",),
              ("得分",), ("偏差原因",)]
    rows = _indicator_rows(d, cols_i)
    head = g.row(("绩效指标", 1, 2 + len(rows)), "一级指标", "二级指标", "三级指标", "分值",
                 "年度指标值", "全年实际值", "得分", "未完成原因及拟采取的改进措施")
    _grid_rows(g, head + 1, 1, rows)
    g.row_at(head + 1 + len(rows), None, None, "……")  # the template's placeholder row
    g.row(("总分", 4), d.take("总分分值"), None, None, d.take("总分"), None)
    return Form(g, d.finish())


def layout_c(doc: dict) -> Form:
    """Sichuan system print 510000_0013zp: 项目基本情况 block, 预算执行情况(10分) with 权重
    and ``/`` in sub-rows, split target, 权重/完成值, 合计 row, narrative rows, footer."""
    d = _Doc(doc, "C")
    _stage(d)
    g = Grid(11, "部门预算项目支出绩效自评表")
    year = _year(d)
    g.row(("报表编号:510000_0013zp", 11))
    g.row((f"部门预算项目支出绩效自评表({year}年度)" if year is not None else "部门预算项目支出绩效自评表", 11))
    g.row(("项目名称", 2), (d.take("项目", "名称"), 9))
    g.row(("主管部门", 2), (d.take("项目", "主管部门"), 4), ("实施单位 (盖章)", 2), (d.take("项目", "实施单位"), 3))

    goal = _goal(d, {"预期目标": "项目年度目标", "实际完成情况": "年度目标完成情况",
                     "项目实施内容及过程概述": "项目实施内容及过程概述"})
    g.row(("项目基本情况", 1, 4), ("1.项目年度目标完成情况", 10))
    g.row(("项目年度目标", 5), ("年度目标完成情况", 5))
    g.row((goal.get("项目年度目标"), 5), (goal.get("年度目标完成情况"), 5))
    g.row(("2.项目实施内容及过程概述", 3), (goal.get("项目实施内容及过程概述"), 7))

    unit = _unit(d)
    cols = [("年初预算", "年初预算", None), ("年度预算", "年度预算", None), ("支出", "支出", None),
            ("执行率", "执行率", None), ("执行率分值", None, "/"), ("执行率得分", None, "/")]
    total, subs = _money_rows(d, cols, ["总额"])
    g.row(("预算执行情况(10分)", 1, 2 + len(subs)), (f"年度预算数{unit}", 2), "年初预算", "调整后预算数",
          "预算执行数", "预算执行率", "权重", "得分", ("原因", 2))
    g.row(("总额", 2), *total, (None, 2))
    for label, values in subs:
        g.row((label, 2), *values, (None, 2))

    cols_i = [("一级指标",), ("二级指标",), ("三级指标",), ("指标性质",), ("指标值",), ("度量单位",),
              ("实际完成值",), ("权重", "分值"), ("得分",), ("偏差原因",)]
    rows = _indicator_rows(d, cols_i)
    head = g.row(("绩效指标(90分)", 1, 1 + len(rows)), "一级指标", "二级指标", "三级指标", "指标性质",
                 "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析")
    _grid_rows(g, head + 1, 1, rows)
    g.row(("合计", 8), d.one_of((), ("合计权重", "总分分值")), d.take("总分"), None)
    for part in ("评价结论", "存在问题", "改进措施"):
        g.row((part, 2), (d.take("陈述", part), 9))
    g.row(("项目负责人:", 6), ("财务负责人:", 5))
    return Form(g, d.finish())


def layout_d(doc: dict) -> Form:
    """Hebei system print: numbered sections, label/amount pairs in the money block, several
    goal lines, a two-row grid header with 符号/单位 and 折算得分 sub-columns, and the
    三级 heading spanning the name and its unlabelled explanation (指标解释)."""
    d = _Doc(doc, "D")
    _stage(d)
    g = Grid(13, "预算项目绩效自评表")
    year, dept = _year(d), d.take("项目", "主管部门")
    g.row((f"{dept or ''}{year}年度预算项目绩效自评表" if year is not None
           else f"{dept or ''}预算项目绩效自评表", 13))
    g.row(("一、基本情况", 13))
    special = d.take("项目", "是否为专项资金")
    unit = d.take("预算", "单位")
    g.row(("项目名称:", 2), (d.take("项目", "名称"), 5), ("是否为专项资金:", 3), (special, 3))
    g.row(("实施(主管)单位", 2), (d.take("项目", "实施单位"), 7), (f"金额单位: {unit}" if unit else "金额单位:", 4))

    g.row(("二、预算执行情况", 13))
    g.row((None, 2), ("预算安排情况(调整后)", 3), ("资金到位情况", 3), ("资金执行情况", 3), ("预算执行进度(%)", 2))
    g.row((None, 2), "预算数", (d.take("预算", "年度预算"), 2), "到位数", (d.take("预算", "到位数"), 2),
          "执行数", (d.take("预算", "支出"), 2), (d.take("预算", "执行率"), 2))
    for path, label in _sources(d, ()):
        g.row((label, 2), "预算数", (d.take(*path, "年度预算"), 2), "到位数", (d.take(*path, "到位数"), 2),
              "执行数", (d.take(*path, "支出"), 2), (d.take(*path, "执行率"), 2))

    g.row(("三、目标完成情况", 13))
    g.row(("年度预期目标", 5), ("具体完成情况", 5), ("总体完成率(%)", 3))
    goal = d.peek("绩效目标")
    if isinstance(goal, dict):
        expected, done = d.take("绩效目标", "预期目标"), d.take("绩效目标", "实际完成情况")
    else:
        expected, done = d.take("绩效目标"), None
    expected = expected if isinstance(expected, list) else [expected]
    done = done if isinstance(done, list) else [done]
    lines = list(zip_longest(expected, done))
    rate = d.take("绩效目标", "总体完成率") if isinstance(goal, dict) else None
    first = g.next_row
    for k, (e, a) in enumerate(lines):
        g.row_at(first + k, (e, 5), (a, 5), *([(rate, 3, len(lines))] if k == 0 else []))

    g.row(("四、年度绩效指标完成情况", 13))
    g.row(("一级指标", 1, 2), ("二级指标", 1, 2), ("三级指标", 2, 2), ("指标分值", 1, 2), ("预期指标值", 3),
          ("单项指标实际完成值", 1, 2), ("单项指标完成情况", 1, 2), ("自评得分", 3))
    head = g.row("符号", None, "单位(文字描述)", "单项指标得分", "权重占比(%)", "单项指标折算得分")
    cols_i = [("一级指标",), ("二级指标",), ("三级指标",), ("指标解释", "计算方法"), ("分值",), ("符号",),
              ("指标值",), ("单位",), ("实际完成值",), ("完成情况",), ("单项指标得分",), ("权重占比",),
              ("单项指标折算得分",)]
    _grid_rows(g, head + 1, 0, _indicator_rows(d, cols_i))
    return Form(g, d.finish())


def layout_e(doc: dict) -> Form:
    """Hunan (older national) 项目支出绩效目标申报表: money as two header cells, 指标值及单位,
    绩效标准, no scores; footer with 财政部门审核意见."""
    d = _Doc(doc, "E")
    _stage(d)
    g = Grid(6, "项目支出绩效目标申报表")
    year = _year(d)
    g.row((f"{year}年项目支出绩效目标申报表" if year is not None else "项目支出绩效目标申报表", 6))
    unit = d.take("预算", "单位")
    g.row(("填报单位:(盖章)", 3), (f"单位:{unit}" if unit else None, 3))
    g.row("项目支出名称", (d.take("项目", "名称"), 2), "预算部门", (d.take("项目", "预算部门"), 2))
    cells = {"年度本级预算金额": None, "该项目支出上级资金": None}
    for path, label in _sources(d, ()):
        if label not in cells:
            raise UnplacedKey(f"layout E has no cell for {_show(path)} ({label}); "
                              f"its money cells are {', '.join(cells)}")
        cells[label] = d.take(*path, "年度预算")
    g.row("年度本级预算金额", (cells["年度本级预算金额"], 2), "该项目支出上级资金", (cells["该项目支出上级资金"], 2))
    g.row("项目支出实施期", (d.take("项目", "实施期"), 5))
    goal = _goal(d, {"预期目标": "本年度绩效目标", "实施期绩效目标": "实施期绩效目标"})
    g.row("实施期绩效目标", (goal.get("实施期绩效目标"), 5))
    g.row("本年度绩效目标", (goal.get("本年度绩效目标"), 5))
    cols_i = [("一级指标",), ("二级指标",), ("三级指标",), ("指标值",), ("绩效标准",)]
    rows = _indicator_rows(d, cols_i)
    head = g.row(("本年度\n绩效指标", 1, 1 + len(rows)), "一级指标", "二级指标", "三级指标",
                 "指标值及单位", "绩效标准")
    _grid_rows(g, head + 1, 1, rows)
    g.row("财政部门审核意见", (d.take("陈述", "财政部门审核意见"), 5))
    g.row(("填表人:", 2), "联系电话:", ("填报日期:", 2), "单位负责人签字:")
    return Form(g, d.finish())


def layout_f(doc: dict) -> Form:
    """Anhui 项目支出绩效目标表: a one-column money block without unit, the goal under a
    truncated vertical label 年度, a 4-column grid under 绩 with the heading 一级."""
    d = _Doc(doc, "F")
    _stage(d)
    g = Grid(5, "项目支出绩效目标表")
    year = _year(d)
    g.row(("项目支出绩效目标表", 5))
    if year is not None:
        g.row((f"({year}年度)", 5))
    g.row("项目名称", (d.take("项目", "名称"), 4))
    g.row("主管部门及代码", d.take("项目", "主管部门"), "实施单位", (d.take("项目", "实施单位"), 2))
    g.row("项目来源", d.take("项目", "项目来源"), "项目期", (d.take("项目", "项目期"), 2))
    subs = [(label, d.take(*path, "年度预算")) for path, label in _sources(d, ["年度资金总额"])]
    g.row(("项目资金", 1, 1 + len(subs)), ("年度资金总额:", 2), (d.take("预算", "年度预算"), 2))
    for label, value in subs:
        g.row((label, 2), (value, 2))
    goal = _goal(d, {"预期目标": "年度"})
    g.row("年度", (goal.get("年度"), 4))
    rows = _indicator_rows(d, [("一级指标",), ("二级指标",), ("三级指标",), ("指标值",)])
    head = g.row(("绩", 1, 1 + len(rows)), "一级", "二级指标", "三级指标", "指标值")
    _grid_rows(g, head + 1, 1, rows)
    return Form(g, d.finish())


def layout_g(doc: dict) -> Form:
    """Chongqing 部门整体绩效自评表: 自评总分 in the header, one money row with 执行率权重,
    three goal columns, a flat grid (no 一级/二级) with 指标性质 merged over its runs."""
    d = _Doc(doc, "G")
    _stage(d)
    kind = d.peek("项目", "类型")  # the title's 部门整体; no 类型 field is printed (NO_PLACE)
    if kind not in (_ABSENT, None, "部门整体"):
        raise UnplacedKey(f"layout G is a 部门整体 form; 项目.类型 is {kind!r}")
    g = Grid(11, "部门整体绩效自评表")
    year = _year(d)
    g.row(("部门整体绩效自评表", 11))
    if year is not None:
        g.row((f"({year}年度)", 11))
    g.row("主管部门", (d.take("项目", "主管部门"), 2), "财政处室", (None, 2), ("自评总分(分)", 2),
          (d.take("总分"), 3))
    g.row("部门联系人", (None, 4), ("联系电话", 2), (None, 3))
    g.row(("部门预算执行情况", 1, 2), ("年初预算数", 2), ("全年(调整)预算数", 2), ("全年执行数", 2),
          "执行率(%)", "执行率权重", ("执行率得分(分)", 2))
    g.row((d.take("预算", "年初预算"), 2), (d.take("预算", "年度预算"), 2), (d.take("预算", "支出"), 2),
          d.take("预算", "执行率"), d.take("预算", "执行率分值"), (d.take("预算", "执行率得分"), 2))
    goal = _goal(d, {"预期目标": "全年(调整)绩效目标", "年初绩效目标": "年初绩效目标",
                     "实际完成情况": "全年目标实际完成情况"})
    g.row(("当年绩效目标", 1, 2), ("年初绩效目标", 3), ("全年(调整)绩效目标", 4), ("全年目标实际完成情况", 3))
    g.row((goal.get("年初绩效目标"), 3), (goal.get("全年(调整)绩效目标"), 4), (goal.get("全年目标实际完成情况"), 3))
    cols_i = [("三级指标",), ("计量单位",), ("指标性质",), ("指标值",), ("调整指标值",), ("实际完成值",),
              ("得分系数",), ("分值",), ("得分",), ("是否核心指标",)]
    rows = _indicator_rows(d, cols_i)
    head = g.row(("绩效指标", 1, 1 + len(rows)), "指标名称", "计量单位", "指标性质", "年初指标值", "调整指标值",
                 "全年完成值", "得分系数(%)", "指标权重(分)", "指标得分(分)", "是否核心指标")
    _grid_rows(g, head + 1, 1, rows, levels=(), runs=(2,))
    return Form(g, d.finish())


LAYOUTS: dict[str, Callable[[dict], Form]] = {
    "A": layout_a, "A-yn": layout_a_yn, "B": layout_b, "C": layout_c, "D": layout_d,
    "E": layout_e, "F": layout_f, "G": layout_g,
}


def lay_out(doc: dict, layout: str) -> Form:
    return LAYOUTS[layout](doc)


# -------------------------------------------------------------------------- output

def _xlsx_value(v: Any) -> Any:
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return v
    return str(v)


def to_xlsx(*grids: Grid) -> bytes:
    """A workbook with one sheet per grid, merged ranges as laid out; the same bytes on
    every run (fixed document times and zip entry times)."""
    import openpyxl
    from openpyxl.styles import Alignment
    from openpyxl.writer.excel import ExcelWriter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    names: set[str] = set()
    for grid in grids:
        name, k = grid.sheet[:31], 2
        while name in names:
            name = f"{grid.sheet[:27]} ({k})"
            k += 1
        names.add(name)
        ws = wb.create_sheet(name)
        wrap = Alignment(wrap_text=True, vertical="center")
        for (r, c), v in sorted(grid.cells.items()):
            cell = ws.cell(row=r + 1, column=c + 1, value=_xlsx_value(v))
            if isinstance(v, str) and ("\n" in v or len(v) > 20):
                cell.alignment = wrap
        for top, left, bottom, right in grid.merges:
            ws.merge_cells(start_row=top + 1, start_column=left + 1,
                           end_row=bottom + 1, end_column=right + 1)
        for c in range(grid.width):
            ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width = 14
    wb.properties.creator = "perfrules tests"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not wb.save(): that stamps 'modified' with the clock
    out = io.BytesIO()
    stamp = FIXED_TIME.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def _csv_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def to_csv(grid: Grid, encoding: str = "utf-8-sig") -> bytes:
    """Excel's CSV export of the sheet: every row as wide as the sheet, a merged range's
    value in its top-left cell only, CRLF line ends; "utf-8-sig" or "gbk"."""
    if encoding.lower().replace("_", "-") not in ("utf-8-sig", "gbk"):
        raise ValueError(f"unsupported CSV encoding {encoding!r}: use 'utf-8-sig' or 'gbk'")
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in grid.rows:
        writer.writerow([_csv_text(v) for v in row])
    return buf.getvalue().encode(encoding)


def load_doc(path: str | Path) -> dict:
    import yaml
    p = Path(path)
    return yaml.safe_load((p if p.is_absolute() else REPO / p).read_text(encoding="utf-8"))


def remarks_free(node: Any) -> Any:
    """The document without the transcriber's remarks (for tests that compare)."""
    return _strip(node)

