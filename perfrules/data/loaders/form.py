"""A whole printed form on one sheet → the canonical document, and where each part was.

Real forms (the corpus' LAYOUTS.md) print, top to bottom: a title (stage and year), a
header block of label/value cells, a money block (amounts by fund source under column
headings), a goal block, the indicator grid, a bottom 总分/合计 row, closing text
(评价结论, 存在问题, 改进措施) and a footer. Layouts differ in order, names and merges,
so each part is found by its labels anywhere in the sheet:

- **Indicator grid.** The header row is the row anywhere in the sheet naming the most
  indicator columns, among rows that name 三级指标/指标名称 or a target column. A row
  above it supplies names for the cells it leaves blank (a two-row header such as
  ``绩效指标 | 年度指标值`` over ``一级指标 … | 指标性质 | 指标值 | 度量单位``), and a row
  below it that names two or more columns is a sub-header (``符号 | 单位`` under
  ``预期指标值``). Two columns for one field (指标分值 and 权重占比): the one holding data
  is read, the other kept. The grid ends at a 总分/合计 row, read as the stated total
  (分值 column: the weight total, 得分 column: the score, a grade word: the grade).
- **Money block.** A row with two or more money headings (年初预算数, 全年预算数,
  全年执行数, 分值, 执行率, 得分 …) heads it; each row below with a fund label is a
  source (年度资金总额/总额 is the budget itself). The unit comes from the block's label
  ("项目资金(万元)") or a "单位：万元" line; dashes are blanks.
- **Goal block.** Headings 预期目标 | 实际完成情况 (and their variants) with the texts in
  the rows below them; or a label with its text beside it.
- **Everything else** is label/value cells: a label known to the model (项目名称,
  主管部门, 实施单位, 自评总分 …) takes the next filled cell to its right.

Every filled cell is used, a template prompt or blank marker, or reported as a reading
note with its cell: nothing is dropped silently.
"""

from __future__ import annotations

import re

import attrs

from ...errors import DataError, Location
from . import fields as F
from .sheet import Sheet, blank, header_text, letter

Path = tuple

# Block labels: cells that name a block and carry no datum themselves.
BLOCK_LABELS = {
    "绩效指标", "年度绩效指标", "本年度绩效指标", "绩", "年度总体目标", "年度总体目标完成情况",
    "项目资金", "资金情况", "资金投入情况", "项目资金(万元)", "资金情况(万元)", "预算执行情况",
    "部门预算执行情况", "当年绩效目标", "项目基本情况", "基本情况", "目标完成情况", "年度绩效指标完成情况",
    "年度绩效目标完成情况", "市级预算执行情况", "年度预算数", "项目年度目标完成情况", "资金管理情况",
    "预算安排情况", "预算安排情况(调整后)", "资金到位情况", "资金执行情况",
}
# Cells that identify the printed form itself (Sichuan 报表编号, Yunnan 公开14表): no project data.
FORM_MARKS = re.compile(r"^(?:报表编号[:：]\s*\S+|公开\d{1,2}表|表\d{1,2}|附件\d{0,2})$")
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[.、．])")  # 一、基本情况 / 1.项目年度目标完成情况
TOTAL_LABELS = {"总分", "合计", "总计", "总得分", "合计得分"}
FUND_TOTALS = {"年度资金总额", "总额", "合计", "年度总金额", "资金总额", "总计"}
STATEMENT_LABELS = {"评价结论", "存在问题", "改进措施", "其他需要说明事项", "存在问题及原因",
                    "下一步改进措施", "主要经验及做法", "问题及改进措施", "存在问题和改进措施"}
# Fund sources an 申报表 prints as header cells (Hunan 年度本级预算金额 | 250万).
SOURCE_LABELS = {"年度本级预算金额", "本级预算金额", "该项目支出上级资金", "上级资金", "项目支出上级资金"}
_STAMP = re.compile(r"^[（(]\s*(?:盖章|签字|签章|公章)\s*[)）]$")
FOOTER_LABELS = {"项目负责人", "财务负责人", "填表人", "联系电话", "填报日期", "单位负责人签字",
                 "单位负责人", "财政部门审核意见", "主管部门审核意见", "审核人", "制表人"}
GRADES = {"优", "良", "中", "低", "差", "优秀", "良好", "合格", "不合格", "一般", "较差"}
MONEY = F.Table({
    "年初预算": ("年初预算数",),
    "年度预算": ("全年预算数", "全年预算数(A)", "调整后预算数", "全年(调整)预算数", "预算数", "预算数(A)",
             "全年预算"),
    "支出": ("全年执行数", "全年执行数(B)", "全年执行", "预算执行数", "执行数", "执行数(B)", "实际支付数"),
    "执行率": ("执行率(B/A)", "预算执行率", "执行率(%)", "预算执行率(B/A×100%)"),
    "执行率分值": ("分值", "权重", "执行率权重", "分值(10分)"),
    "执行率得分": ("得分", "执行率得分(分)"),
    "原因": ("原因说明",),
})
_MONEY_CORE = {"年初预算", "年度预算", "支出"}
_AMOUNT = re.compile(r"^-?[0-9][0-9,]*(?:\.[0-9]+)?(?:%|万元|元|亿元)?$")
_UNIT = re.compile(r"(?:单位|金额单位)?\s*[（(:：]?\s*(亿元|万元|元)\s*[）)]?")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def _label(v: object) -> str:
    """A cell's text as a label: spaces, a trailing colon and a leading section number dropped."""
    t = header_text(v).rstrip(":：")
    return _SECTION.sub("", t)


def _bare(t: str) -> str:
    """A heading without its trailing unit: 总体完成率(%) → 总体完成率, 自评总分(分) → 自评总分."""
    return re.sub(r"\([^()]*\)$", "", t)


@attrs.define
class Found:
    """What the reader took from a sheet: the document, where each path was, what it noticed."""

    doc: dict = attrs.Factory(dict)
    cells: dict = attrs.Factory(dict)   # path → Location
    notes: list = attrs.Factory(list)   # (kind, Location, zh, en)
    used: set = attrs.Factory(set)      # (row, col) of cells read
    inferred: set = attrs.Factory(set)  # paths guessed from the title: stated values win


class FormReader:
    """Reads one sheet holding one project's form (see the module docstring)."""

    def __init__(self, sheet: Sheet, field_specs: tuple = ()):
        self.s = sheet
        self.f = Found()
        # Header-block labels of the project fields packs declare (pack.yaml ``fields``).
        self.declared = _declared(field_specs, "project")

    # ---- small helpers ---------------------------------------------------------------

    def text(self, r: int, c: int) -> str:
        return header_text(self.s.cell(r, c))

    def raw(self, r: int, c: int) -> object:
        v = self.s.cell(r, c)
        return None if blank(v) else v

    def width(self, r: int) -> int:
        return len(self.s.rows[r]) if r < len(self.s.rows) else 0

    def own(self, r: int, c: int) -> bool:
        """Whether (r, c) is a cell of its own (not covered by a merge from elsewhere)."""
        return (r, c) not in self.s.covered

    def loc(self, r: int, c: int | None = None, label: str | None = None) -> Location:
        col = None if c is None else f"{letter(c)}" + (f" {label}" if label else "")
        return self.s.at(r, col)

    def put(self, path: Path, value: object, r: int, c: int, label: str | None = None) -> None:
        """Set a document path from cell (r, c); a path set twice keeps the first, noted."""
        d = self.f.doc
        for k in path[:-1]:
            d = d.setdefault(k, {})
        if path[-1] in d and d[path[-1]] is not None and value is not None and d[path[-1]] != value:
            self.note("unread_cell", r, c, f"「{path[-1]}」已在前面读取，此处的「{value}」未读取",
                      f"{path[-1]!r} was already read above; {value!r} here is not read")
            return
        if path[-1] not in d or d[path[-1]] is None:
            d[path[-1]] = value
            self.f.cells[path] = self.loc(r, c, label)
        self.f.used.add((r, c))

    def note(self, kind: str, r: int | None, c: int | None, zh: str, en: str) -> None:
        self.f.notes.append((kind, self.loc(r, c) if r is not None else self.s.at(), zh, en))

    # ---- the whole sheet ---------------------------------------------------------------

    def read(self, grid: "Grid") -> Found:
        for r, c in sorted(self.s.formulas):
            self.f.used.add((r, c))
            self.note("formula", r, c, "公式单元格没有计算结果：请在 Excel/WPS 中打开并保存后重试",
                      "a formula cell without a computed value: open and save the file in Excel/WPS, "
                      "then try again")
        end = grid.read(self)
        self.title(0, grid.top)
        self.money(0, grid.top)
        self.labels(0, grid.top)
        self.after(end)
        self.unread()
        funds = self.f.doc.get("预算", {}).get("明细")
        if isinstance(funds, dict):  # filled by row number while reading
            self.f.doc["预算"]["明细"] = [funds[k] for k in sorted(funds)]
        if set(self.f.doc.get("预算", {})) == {"单位"}:
            del self.f.doc["预算"]  # a unit line alone states no budget
        self.f.doc = ordered(self.f.doc)
        return self.f

    def title(self, start: int, stop: int) -> None:
        """Title rows (one distinct text): the stage and year they name, the money unit."""
        for r in range(start, stop):
            cells = [(c, self.text(r, c)) for c in range(self.width(r)) if self.own(r, c) and self.text(r, c)]
            for c, t in cells:
                if _UNIT.fullmatch(t) or re.fullmatch(r"(?:金额)?单位[:：]?(亿元|万元|元)", t):
                    self.put(("预算", "单位"), _UNIT.search(t).group(1), r, c)
                    continue
                if not re.search(r"(表|年度|\(\d{4}年度?\))$", t):
                    continue
                stage = ("自评" if "自评" in t else "申报" if ("申报" in t or "目标表" in t) else
                         "评价" if "评价" in t else None)
                year = _YEAR.search(t)
                if stage is None and year is None:
                    continue
                unit = re.match(r"^(\S{2,30}?(?:局|委|委员会|办|办公室|中心|院|所|厅|部|站|队|会|馆|团|校|学校))"
                                r"(?=(?:19|20)\d{2}年)", t)
                if unit:  # 成安县民政局2020年度预算项目绩效自评表: the department names itself
                    self.put(("项目", "主管部门"), unit.group(1), r, c)
                    self.f.inferred.add(("项目", "主管部门"))
                if stage:
                    self.put(("阶段",), stage, r, c)
                    self.f.inferred.add(("阶段",))
                if year:
                    self.put(("项目", "年度"), int(year.group(1)), r, c)
                    self.f.inferred.add(("项目", "年度"))
                self.f.used.add((r, c))

    # ---- money block -------------------------------------------------------------------

    def money(self, start: int, stop: int) -> None:
        r = start
        n = 0
        while r < stop:
            pairs = self._pairs(r)
            if pairs is not None:
                n = self.money_pairs(r, pairs, n)
                r += 1
                continue
            total = next((c for c in range(self.width(r)) if self.own(r, c)
                          and _label(self.s.cell(r, c)) in FUND_TOTALS and (r, c) not in self.f.used), None)
            if total is not None and self._amounts(r, total):
                after, n = self.money_list(r, total, stop, n)
                if after > r:  # a list read; else (several amounts beside the total) read on below
                    r = after
                    continue
            heads = {c: self.money_key(_label(self.s.cell(r, c))) for c in range(self.width(r)) if self.own(r, c)}
            heads = {c: k for c, k in heads.items() if k}
            if len(heads) >= 2 and set(heads.values()) & _MONEY_CORE:
                r = self.money_rows(r, heads, stop)
            else:
                r += 1

    def money_key(self, label: str) -> str | None:
        """A money-block column heading's key; a heading a pack declares for a project field
        (四川 510000_0013zp's 原因 as 原因说明) goes to that field, read from the total row."""
        for t in (_bare(label), label):
            if self.declared is not None and self.declared.lookup(t) and MONEY.lookup(t) not in _MONEY_CORE:
                return "declared:" + self.declared.lookup(t)
        return MONEY.lookup(_bare(label)) or MONEY.lookup(label)

    def _amounts(self, r: int, label: int) -> list[int]:
        """The cells right of a label holding an amount."""
        return [c for c in range(label + 1, self.width(r)) if self.own(r, c)
                and _AMOUNT.match(header_text(self.s.cell(r, c)))]

    def money_list(self, r: int, label: int, stop: int, n: int) -> tuple[int, int]:
        """Fund rows with one amount each and no headings (Anhui): 年度资金总额: | 5.00 /
        其中:财政拨款 | 5.00 / 上年结转 | 0.00 / 其他资金 | 0.00 — the year's budget by source."""
        first = True
        while r < stop and self.own(r, label) and not blank(self.s.cell(r, label)):
            amounts = self._amounts(r, label)
            if len(amounts) != 1:
                break
            name = F.text(self.s.cell(r, label)).rstrip(":：")
            base: Path = ("预算",) if first else ("预算", "明细", n)
            if not first:
                self.put(base + ("来源",), name, r, label)
                n += 1
            self.f.used.add((r, label))
            self.put(base + ("年度预算",), self.raw(r, amounts[0]), r, amounts[0], name)
            first = False
            r += 1
        return r, n

    def _pairs(self, r: int) -> list | None:
        """Label/amount pairs across a row (Hebei: 预算数 | 6.84 | 到位数 | 6.84 | 执行数 | 6.84),
        or None when the row is not made of two or more of them."""
        cells = [(c, self.s.cell(r, c)) for c in range(self.width(r))
                 if self.own(r, c) and not blank(self.s.cell(r, c))]
        pairs = []
        for (c, v), nxt in zip(cells, cells[1:] + [(None, None)]):
            key = MONEY.lookup(_label(v)) or ("到位数" if _label(v) == "到位数" else None)
            if key and nxt[0] is not None and _AMOUNT.match(header_text(nxt[1])):
                pairs.append((c, key, nxt[0]))
        return pairs if len(pairs) >= 2 else None

    def money_pairs(self, r: int, pairs: list, n: int) -> int:
        """One row of label/amount pairs: the budget itself, or a fund source named at its left."""
        taken = {c for c, _, _ in pairs} | {v for _, _, v in pairs}
        first = min(c for c, _, _ in pairs)
        label = next((c for c in range(first) if self.own(r, c) and not blank(self.s.cell(r, c))), None)
        if label is None:
            base: Path = ("预算",)
        else:
            base = ("预算", "明细", n)
            n += 1
            self.put(base + ("来源",), F.text(self.s.cell(r, label)), r, label)
        for c, key, vc in pairs:
            self.f.used.add((r, c))
            self.put(base + (key,), self.raw(r, vc), r, vc, _label(self.s.cell(r, c)))
        for c in range(self.width(r)):  # an amount under a heading of the row above: 预算执行进度(%)
            if c in taken or c == label or not self.own(r, c) or blank(self.s.cell(r, c)):
                continue
            head = header_text(self.s.cell(r - 1, c, merged=True))
            key = MONEY.lookup(_bare(head)) or MONEY.lookup(head) or F.BUDGET.lookup(head)
            if key is None:
                continue
            v = self.raw(r, c)
            if key == "执行率" and "%" in head and not str(v).strip().endswith("%"):
                v = f"{v}%"
            self.put(base + (key,), v, r, c, head)
            self.f.used.add((r - 1, c))
        return n

    def money_rows(self, h: int, heads: dict[int, str], stop: int) -> int:
        first = min(heads)
        for c in range(self.width(h)):
            t = self.text(h, c)
            if c in heads:
                self.f.used.add((h, c))
            elif t and self._unit_label(h, c, t):
                self.f.used.add((h, c))
        percent = {c for c in heads if "%" in self.text(h, c)}
        r = h + 1
        n = 0
        label_col = None
        while r < stop:
            label_c = next((c for c in range(first) if self.own(r, c) and self.text(r, c)
                            and not self._unit_label(r, c, self.text(r, c), probe=True)), None)
            if label_c is None and r == h + 1 and any(self.raw(r, c) is not None for c in heads):
                label_c = -1  # one unlabelled row of amounts under the headings: the budget itself
            elif label_c is None or (label_col is not None and label_c != label_col) \
                    or (self.path_of(_label(self.s.cell(r, label_c))) or ("预算",))[0] != "预算" \
                    or _col_key(self.text(r, label_c)):
                break  # the next block: a goal heading, the grid's header …
            label_col = label_c
            name = F.text(self.s.cell(r, label_c)).rstrip(":：") if label_c >= 0 else "年度资金总额"
            if name.replace(" ", "").rstrip(":：") in FUND_TOTALS:
                base: Path = ("预算",)
            else:
                base = ("预算", "明细", n)
                n += 1
                self.put(base + ("来源",), name, r, label_c)
            self.f.used.add((r, label_c))
            for c, key in heads.items():
                v = self.raw(r, c)
                if v is None or (isinstance(v, str) and v.strip() in F.DASHES):
                    self.f.used.add((r, c))
                    continue
                if key.startswith("declared:"):
                    if base == ("预算",):  # the declared field is the project's: the total row says it
                        self.put(("项目", key[len("declared:"):]), v, r, c, self.text(h, c))
                        continue
                    key = "原因"  # a fund source's own reason stays with its row
                if key in ("执行率分值", "执行率得分", "原因") and base != ("预算",):
                    key = {"执行率分值": "分值", "执行率得分": "得分"}.get(key, key)
                if key == "执行率" and c in percent and not str(v).strip().endswith("%"):
                    v = f"{v}%"  # 执行率(%) | 100.00
                self.put(base + (key,), v, r, c, self.text(h, c))
            r += 1
        return r

    def _unit_label(self, r: int, c: int, t: str, probe: bool = False) -> bool:
        """A block label carrying the money unit: 项目资金(万元), 年度预算数(万元)."""
        m = re.search(r"[(（](亿元|万元|元)[)）]", t)
        if m and _bare(_label(t)) in BLOCK_LABELS | {"项目资金", "资金情况", "年度预算数"}:
            if not probe:
                self.put(("预算", "单位"), m.group(1), r, c)
            return True
        return _label(t) in BLOCK_LABELS

    # ---- label/value cells -------------------------------------------------------------

    def path_of(self, label: str) -> Path | None:
        """Where a header-block label's value goes in the document (a label of a declared
        project field: under 项目, by the field's name)."""
        for t in (label, _bare(label)):
            if F.PROJECT.lookup(t):
                return ("项目", F.PROJECT.lookup(t))
            if F.GOAL.lookup(t):
                return ("绩效目标", F.GOAL.lookup(t))
            top = F.TOP.lookup(t)
            if top in ("总分", "等级", "总分分值", "阶段"):
                return (top,)
            if F.BUDGET.lookup(t) and F.BUDGET.lookup(t) not in ("明细",):
                return ("预算", F.BUDGET.lookup(t))
            if self.declared is not None and self.declared.lookup(t):
                return ("项目", self.declared.lookup(t))
            if t in STATEMENT_LABELS:
                return ("陈述", t)
            if t in FOOTER_LABELS:
                return ("项目", t)
            if t in SOURCE_LABELS:
                return ("预算", "明细", t)
            if t in F.KEPT:
                name = F.kept_name(_bare(t))
                where = {"到位数": "预算", "原因": "预算", "实施期绩效目标": "绩效目标",
                         "年初绩效目标": "绩效目标", "总体完成率": "绩效目标"}.get(name, "项目")
                return (where, name)
        return None

    def labels(self, start: int, stop: int) -> None:
        r = start
        while r < stop:
            r = self.label_row(r, stop)

    def label_row(self, r: int, stop: int) -> int:
        cells = [(c, _label(self.s.cell(r, c))) for c in range(self.width(r))
                 if self.own(r, c) and (r, c) not in self.f.used and not blank(self.s.cell(r, c))]
        cells = [(c, t) for c, t in cells if not (t in BLOCK_LABELS and not self.path_of(t))]
        if not cells:
            return r + 1
        # "项目名称：xxx" in one cell.
        labelled = [(c, t, self.path_of(t)) for c, t in cells]
        heads = [(c, t, p) for c, t, p in labelled if p is not None]
        if len(heads) >= 2 and all(p is not None for _, _, p in labelled) \
                and all(p[0] in ("绩效目标", "陈述") for _, _, p in heads[1:]):
            # Headings with their texts in the rows below (预期目标 | 实际完成情况).
            return self.heading_rows(r, heads, stop)
        k = 0
        while k < len(labelled):
            c, t, p = labelled[k]
            if p is None:
                joined = re.match(r"^([^:：]{2,12})[:：]\s*(.+)$", F.text(self.s.cell(r, c)) or "")
                if joined and self.path_of(_label(joined.group(1))):
                    value = joined.group(2).strip()
                    if _STAMP.match(header_text(value)):
                        self.f.used.add((r, c))
                    else:
                        self.put(self.path_of(_label(joined.group(1))), value, r, c)
                k += 1
                continue
            self.f.used.add((r, c))
            nxt = labelled[k + 1] if k + 1 < len(labelled) else None
            if nxt is not None and nxt[2] is None:
                value = self.raw(r, nxt[0])
                if _STAMP.match(header_text(value)):
                    self.f.used.add((r, nxt[0]))  # "(盖章)": where the stamp goes, not a value
                elif p[:2] == ("预算", "明细"):
                    n = len(self.f.doc.get("预算", {}).get("明细", {}))
                    self.put(("预算", "明细", n, "来源"), p[2], r, c)
                    self.put(("预算", "明细", n, "年度预算"), value, r, nxt[0], t)
                else:
                    if p == ("项目", "年度") and not re.fullmatch(r"\s*(?:19|20)\d{2}\s*年?度?\s*", str(value)):
                        p = ("绩效目标", "预期目标")  # a vertical 年度目标 label cut to 年度 (Anhui)
                    self.put(p, value, r, nxt[0], t)
                k += 2
            else:
                # A label with nothing beside it: a blank field as printed (or the text below).
                below = self.raw(r + 1, c) if r + 1 < stop and not self._row_has_label(r + 1) else None
                if below is not None and p[0] in ("绩效目标", "陈述"):
                    self.put(p, below, r + 1, c, t)
                k += 1  # else a blank field as printed: nothing to read
        return r + 1

    def _row_has_label(self, r: int) -> bool:
        return any(self.path_of(_label(self.s.cell(r, c))) for c in range(self.width(r))
                   if self.own(r, c) and not blank(self.s.cell(r, c)))

    def heading_rows(self, h: int, heads: list, stop: int) -> int:
        for c, _, _ in heads:
            self.f.used.add((h, c))
        texts: dict[int, list] = {c: [] for c, _, _ in heads}
        first: dict[int, int] = {}
        r = h + 1
        while r < stop and not self._row_has_label(r):
            filled = [c for c in range(self.width(r)) if self.own(r, c) and not blank(self.s.cell(r, c))
                      and (r, c) not in self.f.used]
            if not filled:
                r += 1
                continue
            if all(_SECTION.match(header_text(self.s.cell(r, c))) or _label(self.s.cell(r, c)) in BLOCK_LABELS
                   for c in filled):
                break  # the next section: 四、年度绩效指标完成情况
            for c in filled:
                col = max((hc for hc in texts if hc <= c), default=None)
                if col is None:
                    continue
                texts[col].append(self.raw(r, c))
                first.setdefault(col, r)
                self.f.used.add((r, c))
            r += 1
        for c, t, p in heads:
            vals = texts[c]
            value = None if not vals else vals[0] if len(vals) == 1 else [F.text(v) for v in vals]
            self.put(p, value, first.get(c, h), c, t)
        return r

    # ---- below the grid ------------------------------------------------------------------

    def after(self, start: int) -> None:
        r = start
        while r < len(self.s.rows):
            r = self.label_row(r, len(self.s.rows))

    def unread(self) -> None:
        """Every filled cell not read is a note, one per row."""
        for r, row in enumerate(self.s.rows):
            left = [c for c, v in enumerate(row) if not blank(v) and (r, c) not in self.f.used
                    and self.own(r, c)]
            left = [c for c in left if _label(row[c]) not in BLOCK_LABELS | FOOTER_LABELS
                    and _bare(_label(row[c])) not in BLOCK_LABELS and not FORM_MARKS.match(header_text(row[c]))]
            if not left:
                continue
            shown = "、".join(f"{letter(c)}「{str(row[c]).strip()[:20]}」" for c in left[:4])
            more = f" 等 {len(left)} 格" if len(left) > 4 else ""
            self.note("unread_row", r, left[0], f"未读取的内容：{shown}{more}",
                      f"{len(left)} cell(s) not read")


def _declared(field_specs: tuple, scope: str) -> F.Table | None:
    """The spellings of the declared fields of one scope → the field's name (None: none)."""
    specs = [s for s in field_specs if s.scope == scope]
    return F.Table({s.name: s.spellings for s in specs}) if specs else None


def _col_key(t: str) -> str | None:
    key = F.INDICATOR.lookup(t) or F.INDICATOR.lookup(_bare(t))
    if key is None and _bare(t).endswith(("完成情况", "完成值", "实际值")) and "单项指标完成情况" != _bare(t):
        key = "实际完成值"  # 截止2023年12月31日完成情况 (seed 002)
    return key


@attrs.define
class Grid:
    """The indicator grid of a sheet: its header rows and columns."""

    sheet: Sheet
    top: int            # first header row
    header: int         # the main header row
    first: int          # first data row
    columns: dict       # column → canonical key or heading text (kept as another key)
    labels: dict        # column → heading as printed
    ignored: frozenset = frozenset()  # 序号 columns: a printed row number carries no data

    @classmethod
    def find(cls, sheet: Sheet, declared: F.Table | None = None) -> "Grid | None":
        """The grid of a sheet; ``declared``: the headings of declared indicator fields."""
        best, best_n = None, 1
        for r in range(len(sheet.rows)):
            found = {_col_key(header_text(sheet.cell(r, c, merged=True))) for c in range(len(sheet.rows[r]))}
            found.discard(None)
            if found & {"三级指标", "指标值"} and len(found) > best_n:
                best, best_n = r, len(found)
        if best is None:
            return None
        return cls._columns(sheet, best, declared)

    @classmethod
    def _columns(cls, sheet: Sheet, h: int, declared: F.Table | None = None) -> "Grid":
        width = max(len(sheet.rows[r]) for r in range(max(h - 1, 0), min(h + 2, len(sheet.rows))))
        below = h + 1 < len(sheet.rows) and sum(
            1 for c in range(width) if (h + 1, c) not in sheet.covered
            and (_col_key(header_text(sheet.cell(h + 1, c))) or _bare(header_text(sheet.cell(h + 1, c))) in F.KEPT)
        ) >= 2
        rows = ([h + 1] if below else []) + [h] + ([h - 1] if h > 0 else [])
        columns: dict[int, str] = {}
        labels: dict[int, str] = {}
        ignored = set()
        top = h
        for c in range(width):
            name = None
            for r in rows:  # the lowest own heading first, then the parent's
                t = header_text(sheet.cell(r, c)) if (r, c) not in sheet.covered else ""
                if t and (r != h - 1 or _col_key(t)):
                    name = t
                    top = min(top, r)
                    break
            if name is None:
                for r in rows:
                    t = header_text(sheet.cell(r, c, merged=True))
                    if t and (r != h - 1 or _col_key(t)):
                        name = t
                        top = min(top, r)
                        break
            spanned = (h, c) in sheet.covered
            if name is None and below and not sheet.covered and c > 0:
                # A CSV export keeps a merged heading only in its first cell: under a two-row
                # header, a column with no heading belongs to the heading on its left.
                left = next((k for k in range(c - 1, -1, -1) if header_text(sheet.cell(h, k))), None)
                if left is not None:
                    name, spanned = header_text(sheet.cell(h, left)), True
            if name and name.lower() in ("序号", "no", "no.", "#"):
                ignored.add(c)
                continue
            if not name or _label(name) in BLOCK_LABELS:
                continue
            own = declared and (declared.lookup(name) or declared.lookup(_bare(name).rstrip(":：")))
            key = own or _col_key(name) or F.kept_name(_bare(name).rstrip(":："))
            if key in columns.values() and spanned and key == "三级指标":
                key = "计算方法"  # the unlabelled explanation under a 三级指标 spanning two columns (Hebei)
            columns[c] = key
            labels[c] = name
        return cls(sheet, top, h, (h + 2) if below else (h + 1), columns, labels, frozenset(ignored))

    def read(self, rd: FormReader) -> int:
        """Read the data rows into ``rd``; return the first row after the grid."""
        s = self.sheet
        self._header_read(rd)
        rows: list[dict] = []
        where: list[tuple[int, dict]] = []
        prev: dict = {"一级指标": None, "二级指标": None}
        r = self.first
        end = len(s.rows)
        while r < len(s.rows):
            row = s.rows[r]
            if all(blank(v) or c in self.ignored for c, v in enumerate(row)):
                rd.f.used.update((r, c) for c in self.ignored)
                r += 1
                continue
            total = next((c for c, v in enumerate(row) if _label(v) in TOTAL_LABELS), None)
            if total is not None and self._is_total(r):
                self.total_row(rd, r, total)
                end = r + 1
                break
            if self._repeated_header(r):
                for c in range(len(row)):
                    rd.f.used.add((r, c))
                r += 1
                continue  # the header repeated after a page break
            if self._ended(rd, r):
                end = r
                break  # the grid has ended: what follows is read as label/value cells
            m, cells = self._row(rd, r, prev)
            self._inherit(m, prev)
            rows.append(m)
            where.append((r, cells))
            r += 1
        else:
            end = len(s.rows)
        for k, (r, cells) in enumerate(where):
            rd.f.cells[("绩效指标", k)] = s.at(r)
            for key, (c, label) in cells.items():
                rd.f.cells[("绩效指标", k, key)] = rd.loc(r, c, label or None)
        rd.f.doc["绩效指标"] = rows
        return end

    def _header_read(self, rd: FormReader) -> None:
        """The header's cells are read: its headings, the 序号 column, block labels, blanks."""
        s = self.sheet
        for r in range(self.top, self.first):
            for c in range(len(s.rows[r]) if r < len(s.rows) else 0):
                if c in self.columns or c in self.ignored or _label(s.cell(r, c)) in BLOCK_LABELS \
                        or blank(s.cell(r, c)):
                    rd.f.used.add((r, c))

    def _is_total(self, r: int) -> bool:
        """A row with a 合计/总分 label is the total row unless it holds an indicator."""
        return (blank(self._value(r, "三级指标")) or blank(self._value(r, "指标值"))
                or _label(self._value(r, "三级指标")) in TOTAL_LABELS)

    def _repeated_header(self, r: int) -> bool:
        """The header printed again (after a page break): two or more of its headings."""
        s = self.sheet
        return sum(_col_key(header_text(s.cell(r, c))) == k for c, k in self.columns.items()) >= 2

    def _ended(self, rd: FormReader, r: int) -> bool:
        """The grid has ended at row ``r``: nothing under its columns (and no category run
        merged down into it), or it starts, left of the grid's first column, with a label the
        reader knows (项目名称 …: the form's next block)."""
        s = self.sheet
        row = s.rows[r]
        lead = next((v for c, v in enumerate(row) if not blank(v) and (r, c) not in s.covered), None)
        return (not any(not blank(s.cell(r, c)) for c in self.columns) and not self._in_grid(r)) or (
            lead is not None and rd.path_of(_label(lead)) is not None
            and next(iter(self.columns)) > row.index(lead))

    def _row(self, rd: FormReader, r: int, prev: dict) -> tuple[dict, dict]:
        """One data row: its value per field, and the column and heading each came from; a
        filled cell under no heading is kept under its column letter (E列)."""
        s = self.sheet
        m: dict = {}
        cells: dict = {}
        for c, key in self.columns.items():
            v = s.cell(r, c, merged=key in prev)
            rd.f.used.add((r, c))
            if blank(v):
                continue
            if key in m:  # a second column for one field: the first filled one is read
                key = self.labels[c]
            m[key] = v
            cells[key] = (c, self.labels[c])
        for c, v in enumerate(s.rows[r]):
            if c in self.ignored:
                rd.f.used.add((r, c))
            elif c not in self.columns and not blank(v) and (r, c) not in s.covered \
                    and _label(v) not in BLOCK_LABELS:
                key = f"{letter(c)}列"
                m[key], cells[key] = v, (c, "")
                rd.f.used.add((r, c))
        return m, cells

    def _in_grid(self, r: int) -> bool:
        """A row whose only filled cells sit under grid cells merged down from a data row
        (a category's 一级/二级 run), not under a merge of its own (a footer's value area)."""
        cov = self.sheet.covered
        return any((r, c) in cov and cov[(r, c)][0] >= self.first and cov[(r, c)][1] == c
                   for c in self.columns)

    def _value(self, r: int, key: str) -> object:
        c = next((c for c, k in self.columns.items() if k == key), None)
        return None if c is None else self.sheet.cell(r, c)

    @staticmethod
    def _inherit(m: dict, prev: dict) -> None:
        """A blank 一级 takes the one above; a blank 二级 too, while the 一级 is the same."""
        if m.get("一级指标") is None and prev["一级指标"] is not None:
            m["一级指标"] = prev["一级指标"]
        if m.get("二级指标") is None and prev["二级指标"] is not None and m.get("一级指标") == prev["一级指标"]:
            m["二级指标"] = prev["二级指标"]
        prev["一级指标"], prev["二级指标"] = m.get("一级指标"), m.get("二级指标")

    def total_row(self, rd: FormReader, r: int, at: int) -> None:
        """总分 | 100 | 98 (| 优): the weight total, the score and a grade; pairs before it."""
        s = self.sheet
        rd.f.used.add((r, at))
        weight_c = next((c for c, k in self.columns.items() if k == "分值"), None)
        score_c = next((c for c, k in self.columns.items() if k == "得分"), None)
        numbers = []
        for c in range(at + 1, len(s.rows[r])):
            v = s.cell(r, c)
            if blank(v) or (r, c) in s.covered:
                continue
            rd.f.used.add((r, c))
            t = header_text(v)
            if t in GRADES:
                rd.put(("等级",), F.text(v), r, c)
            elif t in F.DASHES:
                continue
            else:
                numbers.append((c, v))
        for k, (c, v) in enumerate(numbers):
            key = ("总分分值" if c == weight_c else "总分" if c == score_c else
                   ("总分分值" if k == 0 and len(numbers) > 1 else "总分"))
            if len(numbers) == 1 and c not in (weight_c, score_c) and _label(s.cell(r, at)) == "合计":
                key = "总分分值"  # 合计 | 100: the weights' total (Sichuan prints no score)
            rd.put((key,), v, r, c)
        label = _label(s.cell(r, at))
        got = "、".join(f"{k} {v}" for k, v in (("总分分值", rd.f.doc.get("总分分值")), ("总分", rd.f.doc.get("总分")),
                                                 ("等级", rd.f.doc.get("等级"))) if v is not None)
        rd.note("total_row", r, at, f"「{label}」行不是指标，" + (f"读作表中陈述的{got}" if got else "未填数值"),
                f"the {label} row is not an indicator; read as the form's stated totals")
        before = [(c, s.cell(r, c)) for c in range(at) if not blank(s.cell(r, c)) and (r, c) not in s.covered]
        for (c, v), nxt in zip(before, before[1:] + [(None, None)]):
            path = rd.path_of(_label(v))
            if path is not None and nxt[0] is not None and rd.path_of(_label(nxt[1])) is None:
                rd.put(path, nxt[1], r, nxt[0], _label(v))
                rd.f.used.add((r, c))


_ORDER = ("项目", "阶段", "预算", "绩效目标", "绩效指标", "总分分值", "总分", "等级", "陈述")


def ordered(doc: dict) -> dict:
    """Parts in the order a reader meets them on paper, so errors are listed that way too."""
    return {k: doc[k] for k in sorted(doc, key=lambda k: _ORDER.index(k) if k in _ORDER else len(_ORDER))}


def read_sheet(sheet: Sheet, field_specs: tuple = ()) -> Found | None:
    """The document on one sheet, or None when the sheet has no indicator grid.
    ``field_specs``: the fields packs declare (indicator columns, header-block labels)."""
    grid = Grid.find(sheet, _declared(field_specs, "indicator"))
    if grid is None:
        return None
    return FormReader(sheet, field_specs).read(grid)


_MAIN = ("一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分")


def missing_grid(sheet: Sheet) -> DataError:
    return DataError("找不到指标表表头：没有一行同时写有三级指标（或指标名称）与指标值等列",
                     "no indicator header row: no row names 三级指标 (or 指标名称) together with "
                     "指标值 and other indicator columns",
                     where=sheet.at(), hint=f"表头应含 {'、'.join(_MAIN)} 等列 (the header names columns "
                                            f"such as {', '.join(_MAIN)})")

