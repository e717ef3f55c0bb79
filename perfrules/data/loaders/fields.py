"""The keys every input format shares, and how one value of each kind is read.

Keys and column headers are matched after :func:`norm_key` (full-width folded, spaces
dropped, English lower-cased with ``-``/space as ``_``), so "执行 率", "Execution-Rate"
and "execution_rate" are one key. Values are read exactly: numbers become
:class:`~decimal.Decimal` from their text, never through a binary float.

A converter raises :class:`Bad` with a bilingual message; the caller knows where the
value was and turns it into a :class:`~perfrules.errors.DataError` with a location.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ...errors import DataError, Location
from ...suggest import suggest_key
from ..categories import clean
from ..terms import DASHES, MONEY_UNITS, STAGES


class Noted:
    """A value read with a remark the user should see (a reading note, not an error)."""

    def __init__(self, value: object, zh: str, en: str):
        self.value, self.zh, self.en = value, zh, en


class Bad(Exception):
    """A value that cannot be read as its field requires (located by the caller)."""

    def __init__(self, zh: str, en: str, hint: str | None = None):
        super().__init__(en)
        self.zh, self.en, self.hint = zh, en, hint


def norm_key(key: object) -> str:
    text = unicodedata.normalize("NFKC", str(key))
    return re.sub(r"[\s\-]+", "_", text.strip()).lower() if text.isascii() else clean(text)


class Table:
    """Canonical (Chinese) key → its aliases; lookup by any spelling."""

    def __init__(self, entries: dict[str, tuple[str, ...]]):
        self.canon = tuple(entries)
        self._aliases = dict(entries)
        self._by = {norm_key(a): c for c, aliases in entries.items() for a in (c, *aliases)}
        self._by.update({a: c for c, aliases in entries.items() for a in (c, *aliases)})

    def __contains__(self, key: object) -> bool:
        return self.lookup(key) is not None

    def aliases(self, canon: str) -> tuple[str, ...]:
        return self._aliases.get(canon, ())

    def lookup(self, key: object) -> str | None:
        hit = self._by.get(key) if type(key) is str else None  # keys as written are the usual case
        return hit if hit is not None else self._by.get(norm_key(key))


# One table per part of the document. Each canonical key lists the spellings real forms
# print (corpus LAYOUTS.md "Parser checklist"); English aliases are for YAML/JSON.
TOP = Table({
    "项目": ("project",), "阶段": ("stage",), "预算": ("budget",),
    "绩效目标": ("goal", "年度总体目标", "年度绩效目标"), "绩效指标": ("indicators",), "评分": ("scores",),
    # Stated results a report gives, to reconcile with computed ones.
    "总分": ("stated_total", "total", "自评总分", "自评得分"), "等级": ("stated_grade", "grade", "评价等级"),
    "总分分值": ("stated_max", "max", "合计权重", "总分值"),
    "陈述": ("statement", "statements"),
    "调整文件": ("adjustment_docs",),
    "豁免": ("waivers", "例外"),
})
WAIVER = Table({"规则": ("rule",), "指标": ("indicator", "三级指标"), "理由": ("reason", "原因")})
PROJECT = Table({
    "名称": ("name", "项目名称", "项目支出名称", "转移支付项目名称", "转移支付(项目)名称"),
    "主管部门": ("department", "主管单位", "主管部门及代码", "预算部门", "项目主管单位", "地方主管部门"),
    # 部门: the unit a Yunnan 公开 table names in its title row.
    "实施单位": ("implementing_unit", "部门", "实施单位(盖章)", "项目实施单位", "资金使用单位",
             "实施(主管)单位"),
    "类别": ("category", "categories", "项目类别"), "性质": ("nature", "项目性质"),
    "年度": ("year",),
})
BUDGET = Table({
    # 单位: the unit of the amounts written as bare numbers (元, 万元, 亿元); default 万元.
    "单位": ("unit", "金额单位"),
    "年初预算": ("initial", "initial_budget", "年初预算数"), "调整": ("adjustments", "adjustment"),
    "上年结转": ("carryover", "上年结转资金"),
    "年度预算": ("annual", "annual_budget", "全年预算数", "全年预算数(A)", "调整后预算数", "全年(调整)预算数", "预算数",
             "预算数(A)", "全年预算"),
    "支出": ("spent", "expenditure", "全年执行数", "全年执行数(B)", "全年执行", "预算执行数", "执行数",
           "执行数(B)"),
    "执行率": ("execution_rate", "执行率(B/A)", "预算执行率", "执行率(%)", "预算执行进度(%)",
            "预算执行率(B/A×100%)"),
    "执行率分值": ("rate_weight", "执行率权重"), "执行率得分": ("rate_score", "执行率得分(分)"),
    "明细": ("sources", "资金来源明细"),
    "支出合计": ("spent_total",), "支出明细": ("spent_parts",),
    "执行进度": ("progress",), "执行进度合计": ("progress_total",), "通报次数": ("progress_count",),
})
# One row of the fund block (预算.明细): its amounts under the block's own column names.
FUND = Table({
    "来源": ("source", "name", "资金来源"),
    "年初预算": ("initial", "年初预算数"),
    "年度预算": ("annual", "全年预算数", "全年预算数(A)", "调整后预算数", "全年(调整)预算数", "预算数",
             "预算数(A)"),
    "支出": ("spent", "全年执行数", "全年执行数(B)", "全年执行", "预算执行数", "执行数", "执行数(B)"),
    "执行率": ("execution_rate", "执行率(B/A)", "预算执行率", "执行率(%)"),
})
# 绩效目标 as the form's two halves.
GOAL = Table({
    "预期目标": ("expected", "本年度绩效目标", "年初设定目标", "项目年度目标", "年度预期目标", "年度目标", "全年(调整)绩效目标"),
    "实际完成情况": ("achieved", "actual", "年度总体目标完成情况综述", "年度目标完成情况", "具体完成情况",
               "全年目标实际完成情况", "目标完成情况"),
})
INDICATOR = Table({
    "一级指标": ("level1", "评价指标", "一级"), "二级指标": ("level2", "评价内容", "二级"),
    "三级指标": ("name", "level3", "指标名称", "指标名称(三级指标)"),
    "指标值": ("target", "年度指标值", "预期值", "预期指标值", "标准", "年初指标值", "年初目标值",
            "指标值及单位", "目标值", "当年预期实现值", "年度指标值(A)"),
    # A split target: the comparison sign (or 定量/定性) and the unit in cells of their own.
    "指标性质": ("sign", "符号", "指标方向"),
    "度量单位": ("unit", "计量单位", "单位", "单位(文字描述)"),
    "实际完成值": ("actual", "指标完成情况", "完成情况", "实际完成指标值", "全年实际值", "完成值",
              "全年完成值", "年终完成值", "单项指标实际完成值", "全年实际值(B)"),
    # The seeds write the explanation of a value as 指标解释 where others say 计算方法.
    "计算方法": ("method", "指标解释", "计算公式", "指标说明"),
    "赋值依据": ("basis", "value_basis"), "佐证材料": ("evidence",),
    "分值": ("weight", "权重", "指标权重", "指标权重(分)", "指标分值", "权重占比", "权重占比(%)"),
    "得分": ("score", "自评分", "指标得分", "指标得分(分)", "单项指标得分", "自评得分"),
    "偏差原因": ("deviation", "偏差原因分析及改进措施", "未完成原因分析", "未完成原因及拟采取的改进措施",
             "未完成原因及改进措施", "偏差原因分析", "原因分析"),
})
# Aliases that some forms use for a column of their own beside the canonical one (seed 002
# 完成情况 is the actual; Hebei prints 实际完成值 AND 完成情况 "完成"). When the canonical
# key is also given, such an alias is kept as an extra column, not a conflict.
SOFT_ALIASES = frozenset({"完成情况", "指标完成情况", "单位", "标准", "权重占比", "权重占比(%)",
                          "预算数", "执行数"})
# Headings real forms print that perfrules keeps as written but does not interpret: a
# reading note says so (not an "unknown key": nothing here is a typo).
KEPT = frozenset({
    # indicator columns
    "绩效标准", "得分系数", "得分系数(%)", "是否核心指标", "单项指标折算得分", "单项指标完成情况",
    "完成情况", "调整指标值", "指标类型", "备注", "得分计算方法", "评价标准", "评价标准及依据", "复核分",
    "指标方向性", "指标性质", "评价情况", "评价意见",
    # project header cells
    "项目来源", "项目期", "实施期", "项目支出实施期", "资金类别", "是否为专项资金", "类型", "项目类型",
    "项目负责人", "项目负责人及电话", "财政处室", "部门联系人", "联系电话", "填报日期", "项目属性",
    "项目编码", "单位名称", "填报单位", "中央主管部门", "项目实施内容及过程概述",
    # budget and goal blocks
    "到位数", "原因", "实施期绩效目标", "年初绩效目标", "总体完成率", "总体完成率(%)",
})

# The name a kept heading is stored under, where forms print it several ways.
KEPT_NAMES = {"单项指标完成情况": "完成情况", "得分系数(%)": "得分系数", "总体完成率(%)": "总体完成率",
              "项目支出实施期": "实施期"}


def kept_name(heading: str) -> str:
    return KEPT_NAMES.get(heading, heading)


SCORE = Table({
    "路径": ("path",), "分值": ("weight",), "得分": ("score", "评价得分"),
    "评价情况": ("comment", "评价意见"), "扣分": ("deductions",),
    # An evaluator's sheet (seed 002 附件) names items by level instead of a path.
    "一级指标": ("level1",), "二级指标": ("level2",), "三级指标": ("level3",),
})


def suggest(key: object, table: Table) -> str | None:
    """The canonical key a mistyped key most likely means (指标值值 → 指标值), or None: the
    rule for keys of perfrules/suggest.py, over every spelling of the table."""
    spellings = {norm_key(a): c for c in table.canon for a in (c, *table.aliases(c))}
    return suggest_key(norm_key(key), spellings)


STAGE_ALIASES = {  # the stages of data.terms.STAGES, in its order (tests/test_terms.py checks)
    "申报": ("declare", "declared", "declaration", "目标申报", "绩效目标申报"),
    "自评": ("self_evaluation", "selfeval", "self_eval", "绩效自评"),
    "评价": ("evaluation", "绩效评价", "重点评价", "重点绩效评价"),
}
_STAGES = Table(STAGE_ALIASES)
NATURE_ALIASES = Table({"经常性": ("recurring",), "一次性": ("one_off", "one_time")})


# --------------------------------------------------------------------- values

def _is_listlike(v: object) -> bool:
    return isinstance(v, (list, tuple, dict))


def text(v: object) -> str | None:
    """A free-text field: kept as written (only outer blanks trimmed)."""
    if type(v) is str:
        return v.strip() or None
    if v is None:
        return None
    if isinstance(v, bool):  # only XLSX gives bools (YAML ones stay text)
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        v = Decimal(repr(v))
    if isinstance(v, _dt.datetime) and v.time() == _dt.time():
        v = v.date()
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, (str, int, Decimal)):
        return str(v).strip() or None
    raise Bad("应为文本", "expected text", got(v))


def kept(v: object) -> str:
    """An unknown key's value as text for Indicator.extra (lists as JSON, not repr)."""
    if _is_listlike(v):
        return json.dumps(v, ensure_ascii=False, default=str)
    try:
        return text(v) or ""
    except Bad:
        return str(v)


def texts(v: object, split: str | None = None) -> tuple[str, ...]:
    """A string or list of strings; ``split`` is a regex to cut one string into items."""
    if v is None:
        return ()
    items = v if isinstance(v, (list, tuple)) else [v]
    out: list[str] = []
    for item in items:
        t = text(item)
        if t is None:
            continue
        out.extend(p.strip() for p in (re.split(split, t) if split else [t]) if p.strip())
    return tuple(out)


def got(v: object) -> str:
    """What a value of the wrong type is, for a hint: 得到列表 (got a list)."""
    if isinstance(v, dict):
        return "得到映射 (got a mapping)"
    if isinstance(v, (list, tuple)):
        return "得到列表 (got a list)"
    if v is None:
        return "得到空值 (got nothing)"
    if isinstance(v, bool):
        return "得到布尔值 (got true/false)"
    if isinstance(v, (int, float, Decimal)):
        return f"得到数字 {v} (got the number {v})"
    if isinstance(v, str):
        return f"得到文本「{v}」 (got the text {v!r})" if len(v) <= 40 else "得到文本 (got text)"
    return f"得到 {type(v).__name__} (got {type(v).__name__})"


# Numbers in a form are scores, amounts in 万元, rates and counts: nothing near 10^16 or
# 10^-16. Beyond that, arithmetic and rounding to 0.01 overflow the decimal context.
_MAGNITUDE = 15


def _finite(d: Decimal, raw: object) -> Decimal:
    if not d.is_finite():
        raise Bad(f"「{raw}」不是数字", f"'{raw}' is not a number")
    if d and not -_MAGNITUDE <= d.adjusted() <= _MAGNITUDE:
        raise Bad(f"「{raw}」超出可处理的数值范围", f"'{raw}' is out of range",
                  f"数值的绝对值应小于 1e{_MAGNITUDE + 1}，且不小于 1e-{_MAGNITUDE} "
                  f"(below 1e{_MAGNITUDE + 1} and at least 1e-{_MAGNITUDE} in magnitude)")
    if not d and d.as_tuple().exponent > 0:
        d = Decimal(0)  # 0E+999999: a zero, not an exponent to carry into arithmetic
    return d


# Blank markers (data.terms.DASHES): a form prints these in a cell that has no value (the
# 分值 of a fund sub-row, an unused amount). Read as blank wherever a number is expected.


def _numeric(v: object) -> Decimal | str | None:
    """A Decimal for numbers, the normalised string for text, None for blanks."""
    if v is None:
        return None
    if isinstance(v, bool) or _is_listlike(v) or not isinstance(v, (int, float, Decimal, str)):
        raise Bad("应为数字", "expected a number", got(v))
    if isinstance(v, float):
        return _finite(Decimal(repr(v)), v)  # repr is the shortest text that round-trips
    if isinstance(v, (int, Decimal)):
        return _finite(Decimal(v), v)
    s = unicodedata.normalize("NFKC", v).replace("−", "-")
    s = re.sub(r"[\s,]", "", s)
    return None if not s or s in DASHES or v.strip() in DASHES else s


def _parse(s: str, raw: object, hint: str) -> Decimal:
    try:
        return _finite(Decimal(s), raw)
    except InvalidOperation:
        raise Bad(f"「{raw}」不是数字", f"'{raw}' is not a number", hint) from None


def number(v: object) -> Decimal | None:
    """分值 / 得分: a decimal number, optionally followed by 分."""
    s = _numeric(v)
    if not isinstance(s, str):
        return s
    return _parse(s.removesuffix("分"), v, "应为数字，如 4 或 3.5 (write a number such as 4 or 3.5)")


def _trim(d: Decimal) -> Decimal:
    """Drop the zeros a unit conversion adds (4285400元 → 428.54, not 428.5400)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


_UNITS = (*MONEY_UNITS.items(), ("亿", 4), ("万", 0))  # 万元 before 元, 亿元 before 亿


def unit_shift(unit: object) -> int:
    """The power of ten from a money unit to 万元 (元 → -4); raises Bad for another unit."""
    u = clean(unicodedata.normalize("NFKC", str(unit))).strip("()")
    for name, shift in _UNITS:
        if u == name:
            return shift
    raise Bad(f"未知的金额单位「{unit}」", f"unknown money unit {unit!r}", "应为 元、万元 或 亿元")


def amount(v: object, shift: int = 0) -> Decimal | None:
    """An amount in 万元: a number, or text with a unit (428.54万元, 4285400元, 1.2亿元).
    ``shift`` converts a bare number written in another unit (预算.单位 元: -4)."""
    s = _numeric(v)
    if not isinstance(s, str):
        return s if s is None or not shift else _trim(s.scaleb(shift))
    for unit, own in _UNITS:  # a unit written in the cell wins over the block's unit
        if s.endswith(unit):
            d = _parse(s[: -len(unit)], v, "金额应为数字，可带单位元/万元/亿元 "
                       "(an amount: a number in 万元 or with a unit 元/万元/亿元)")
            return _trim(d.scaleb(own)) if own else d
    d = _parse(s, v, "金额应为数字，可带单位元/万元/亿元 "
               "(an amount: a number in 万元 or with a unit 元/万元/亿元)")
    return _trim(d.scaleb(shift)) if shift else d


def _not_negative(d: Decimal | None, raw: object, zh: str, en: str) -> Decimal | None:
    if d is not None and d < 0:
        raise Bad(f"{zh}不能为负数（「{raw}」）", f"{en} cannot be negative ('{raw}')",
                  "负数只用于「调整」（调减） (only 调整, an adjustment, may be negative)")
    return d


def points(v: object) -> Decimal | None:
    """分值 / 得分 (an item's points, a total): a number, never negative."""
    return _not_negative(number(v), v, "分值和得分", "points")


def money(v: object, shift: int = 0) -> Decimal | None:
    """A budget amount (年初预算, 年度预算, 支出 …): an :func:`amount`, never negative (only
    调整, read with :func:`amounts`, may be)."""
    return _not_negative(amount(v, shift), v, "金额", "an amount")


def moneys(v: object, shift: int = 0) -> tuple[Decimal, ...]:
    """Several amounts (支出明细), none negative."""
    out = amounts(v, shift)
    for d in out:
        _not_negative(d, d, "金额", "an amount")
    return out


# 调整 written in one cell: "-30.01、-626.68" or "-30.01, -626.68". A bare comma is a
# thousands separator (1,164.43), so only a comma followed by a space or sign splits.
AMOUNT_SPLIT = r"[、；;，\n]|,(?=\s|[-+])"


def amounts(v: object, shift: int = 0) -> tuple[Decimal, ...]:
    items = v if isinstance(v, (list, tuple)) else [v]
    out: list[Decimal] = []
    for item in items:
        parts = re.split(AMOUNT_SPLIT, item) if isinstance(item, str) else [item]
        out.extend(d for d in (amount(p, shift) for p in parts) if d is not None)
    return tuple(out)


def deductions(v: object) -> tuple[tuple[str, Decimal], ...]:
    """扣分: stated deductions (reason, points). Items are {原因, 扣分} mappings,
    [reason, points] pairs, or text "合同未按时备案：0.5" (one per line or ；-separated)."""
    items = v if isinstance(v, (list, tuple)) else [] if v is None else [v]
    out: list[tuple[str, Decimal]] = []
    for item in items:
        if isinstance(item, str):
            for part in (p.strip() for p in re.split(r"[；;\n]", item) if p.strip()):
                reason, _, points = part.rpartition("：" if "：" in part else ":")
                out.append((reason.strip(), number(points)))
            continue
        if isinstance(item, dict):
            reason = next((item[k] for k in item if norm_key(k) in ("原因", "reason")), "")
            pts = [item[k] for k in item if norm_key(k) in ("扣分", "分值", "points")]
            item = [reason, pts[0] if pts else None]
        if isinstance(item, (list, tuple)) and len(item) == 2:
            out.append((text(item[0]) or "", number(item[1])))
        elif isinstance(item, (int, float, Decimal)) and not isinstance(item, bool):
            out.append(("", number(item)))
        else:
            raise Bad("扣分应为「原因：分数」", "a deduction is written as reason: points", got(item))
    if any(p is None for _, p in out):
        raise Bad("扣分缺少分数", "a deduction without points", "如 合同未按时备案：0.5")
    for _, p in out:
        _not_negative(p, p, "扣分", "a deduction")
    return tuple(out)


def _fraction(v: object, hint: str) -> tuple[Decimal | None, bool]:
    """A rate as a fraction ("84.40%" → 0.8440, 0.844 as is), and whether "%" was written."""
    s = _numeric(v)
    if isinstance(s, str):
        if s.endswith("%"):
            return _parse(s[:-1], v, hint).scaleb(-2), True
        return _parse(s, v, hint), False
    return s, False


def rate(v: object) -> Decimal | Noted | None:
    """执行率 as a fraction: "84.40%" → 0.8440; a bare number up to 1 is already a fraction.

    A bare number above 2 can only be a percentage (a form's 执行率(%) column prints
    "100.00"): read so, with a note. Between 1 and 2 (1.5: 150% or 1.5%?) it is refused."""
    hint = "写作百分数如 84.40% 或小数如 0.844 (write 84.40% or 0.844)"
    s, written_percent = _fraction(v, hint)
    if s is None or written_percent or abs(s) <= 1:
        return s
    if 2 < abs(s) <= 1000:
        return Noted(s.scaleb(-2), f"执行率「{v}」未写 %，按 {v}% 读取",
                     f"execution rate {v!r} has no %, read as {v}%")
    raise Bad(f"执行率「{v}」不明确", f"execution rate '{v}' is ambiguous", hint)


def percent(v: object) -> Decimal | None:
    """A rate that may exceed 100% many times over (执行进度合计 1044.31%), no upper bound."""
    return _fraction(v, "写作百分数如 104.4% (write a percentage such as 104.4%)")[0]


def rates(v: object) -> tuple[Decimal, ...]:
    """A list of percentages (periodic progress), each written "104.4%" or as a fraction."""
    items = v if isinstance(v, (list, tuple)) else [v]
    return tuple(r for r in (percent(x) for x in items) if r is not None)


_PROMPT = re.compile(r"[（(]\s*\d+\s*字以内\s*[）)]\s*[。.]?$")


def is_prompt(t: str | None) -> bool:
    """A template's instruction left in a cell: "…说明完成情况(100字以内)" (Sichuan 0013zp)."""
    return bool(t) and _PROMPT.search(t) is not None


def count(v: object) -> int | None:
    s = _numeric(v)
    if isinstance(s, str):
        s = _parse(s, v, "如 10 (e.g. 10)")
    if s is None:
        return None
    if s != s.to_integral_value() or s < 0:
        raise Bad(f"「{v}」不是次数", f"'{v}' is not a count", "如 10 (e.g. 10)")
    return int(s)


def year(v: object) -> int | None:
    s = _numeric(v)
    if isinstance(s, str):
        m = re.fullmatch(r"(\d{4})年?度?", s)
        if not m:
            raise Bad(f"年度「{v}」不是年份", f"year '{v}' is not a year", "如 2023 (e.g. 2023)")
        s = Decimal(m.group(1))
    if s is None:
        return None
    if s != s.to_integral_value() or not 1900 <= s <= 2200:
        raise Bad(f"年度「{v}」不是年份", f"year '{v}' is not a year", "如 2023 (e.g. 2023)")
    return int(s)


def stage(v: object) -> str | None:
    t = text(v)
    if t is None:
        return None
    canon = _STAGES.lookup(t)
    if canon is None:
        raise Bad(f"未知阶段「{t}」", f"unknown stage '{t}'",
                  f"阶段应为 {'、'.join(STAGES[:-1])} 或 {STAGES[-1]} "
                  f"(stage must be {', '.join(STAGES[:-1])} or {STAGES[-1]})")
    return canon


def nature(v: object) -> str | None:
    t = text(v)
    return None if t is None else (NATURE_ALIASES.lookup(t) or t)


# ----------------------------------------------------------------- bytes → text

def decode(data: bytes, source: str) -> str:
    """A text file's content: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030.

    WPS and Excel in China save CSV as GB18030 (GBK); "Unicode text" exports are
    UTF-16. UTF-8 is tried first because GB18030 accepts many UTF-8 byte strings.
    """
    codecs = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for codec in codecs:
        try:
            content = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if not content.strip():
            raise DataError("文件为空", "the file is empty", where=Location(source))
        return content
    raise DataError("无法识别文件编码（既不是 UTF-8 也不是 GB18030）",
                    "cannot decode the file: it is neither UTF-8 nor GB18030",
                    where=Location(source), hint="请另存为 UTF-8 编码 (save it as UTF-8)")
