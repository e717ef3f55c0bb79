"""Reading the free text of a 指标值 (target) or 实际完成值 (actual) cell.

:func:`read_value` turns a cell into a :class:`Value`: *empty*, *quantitative*
(one or more :class:`Clause` — label, comparator, number, unit) or *qualitative*
(with a Chinese ``reason`` when it is vague, i.e. names no checkable state).

Conventions (stated here because the source documents are not consistent):

* ``以上`` / ``以下`` include the bound: "99%以上" reads ``≥99%``, "以下" ``≤``.
  ``内`` / ``以内`` / ``不超过`` read ``≤``; ``超过`` / ``大于`` ``>``; ``低于`` ``<``;
  ``约`` / ``大约`` / ``近`` / ``左右`` ``≈``; a bare number reads ``=``.
* Units are kept as written (minus spaces): "50个以上单位" is ``≥50 个`` with the
  trailing word "单位" as the label, "3.96万宗" is ``3.96 万宗``. Chinese numerals
  are evaluated ("一千二百个" → 1200 个), digits never are rescaled.
* Only an ASCII comma between digits followed by exactly three digits is a
  thousands separator ("1,164.43"); the Chinese "，" always separates clauses.
* A cell whose first sentence is a bare quantity and the rest an explanation
  ("100%。说明：……", "6个。全区……") reads as that quantity: it is what the cell reports.
* A leading field name ("预期值：", "标准：", "指标值：", "实际完成值：" …) and a
  "(定性指标)" note are dropped before reading: they describe the cell, not the value.
* A qualitative value is vague unless it names a checkable state: a state word
  (:data:`DEFAULT_STATE_WORDS`, not negated by 未/没/不 just before it), "无/没有/未
  …事故/故障/投诉", "完成" followed by an object, or a reported figure with a unit
  ("89台", "99.999%"). Placeholders (:data:`PLACEHOLDERS`) are always vague.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal

import attrs

from .terms import DASHES, MARKERS

__all__ = [
    "Clause", "Value", "read_value", "completion_rate", "is_met", "format_value", "is_deadline",
    "DEFAULT_VAGUE_WORDS", "DEFAULT_STATE_WORDS", "PLACEHOLDERS", "COMPARATORS",
    "is_money", "money_wan", "is_count", "is_duration", "unit_shown", "TIME_UNITS", "COUNT_UNITS",
]

COMPARATORS = ("≥", ">", "≤", "<", "=", "≈")

# Direction / intent words: a value made of one of these (or starting with one and
# naming no state) says which way to go, not where to arrive.
DEFAULT_VAGUE_WORDS = frozenset({
    "提升", "提高", "降低", "减少", "节省", "增加", "加强", "完善", "促进", "优化",
    "改善", "有效", "增强", "强化", "保障", "确保", "推进", "加快", "推动",
})

# Words naming a state someone can check. Deliberately absent: 通畅/畅通/安全/稳定/
# 高效/可持续 (wishes, not states); 及时/按时 (on time by which date? a deadline such as
# "6月30日前完成" is the checkable form); bare 通过 (mostly "by means of" in narratives) and
# bare 验收 ("递交验收申请", "验收标准" say nothing was accepted) are kept only in
# phrases that assert the result ("通过验收", "验收合格", "12月26日验收").
DEFAULT_STATE_WORDS = frozenset({
    "未发生", "没有发生", "无事故", "无故障", "无投诉", "零", "正常", "合格", "达标",
    "验收合格", "验收通过", "已验收", "完成验收", "经验收", "日验收", "已通过", "顺利通过",
    "通过验收", "通过考核", "通过审核", "通过评审",
    "全覆盖", "优秀", "良好", "上线", "建成", "完成", "已完成", "100%", "获评",
    "满意", "到位", "符合", "办结",
    # A stated frequency is checkable too: 每日、每周、每月监测关键指标 (seed 002 表7).
    "每日", "每天", "每周", "每月", "每季度", "每半年", "每年",
})

# Whole-cell fillers that say nothing about the result (and the blank markers, data.terms).
PLACEHOLDERS = MARKERS | DASHES | frozenset({
    "定性指标", "定性", "不适用", "暂无", "见附件",
    "详见附件", "按计划", "按计划完成", "按计划执行", "按计划推进", "按合同约定",
    "按合同", "按合同执行", "按合同约定执行", "按要求", "按要求完成", "按规定",
    "按规定支付", "按规定执行", "完成", "完成年度任务", "完成年度任务数",
    "完成年度计划", "完成年度计划数", "达到预期", "达到预期目标", "达到预期效果",
    "有效", "符合",
})

_MAX_CHARS = 2000      # never look further: keeps every regex bounded
_MAX_QUANT = 200       # a quantitative cell is short; longer text is narrative
_MAX_CLAUSE = 40

_COMPARATOR_WORDS = {
    "≥": (">=", "≥", "≧", "不少于", "不低于", "不小于", "至少", "以上", "及以上", "或以上"),
    ">": (">", "超过", "大于", "高于", "多于", "多", "余"),
    "≤": ("<=", "≤", "≦", "不超过", "不高于", "不大于", "不多于", "以下", "及以下",
          "或以下", "以内", "之内", "内"),
    "<": ("<", "低于", "小于", "少于"),
    "=": ("=",),
    "≈": ("≈", "~", "约", "大约", "近", "左右", "上下"),
}
_CMP_OF = {w: sym for sym, words in _COMPARATOR_WORDS.items() for w in words}
_PRE = ("不少于 不低于 不小于 不超过 不高于 不大于 不多于 至少 超过 大于 高于 多于 低于 "
        "小于 少于 大约 约 近 >= <= ≥ ≤ ≧ ≦ > < = ≈ ~").split()
_POST = "及以上 或以上 以上 及以下 或以下 以下 以内 之内 内 左右 上下".split()

# Measure words and units, longest first so 人次 wins over 人, 分钟 over 分.
_BASE_UNITS = sorted(set(
    "人次 户次 批次 场次 个工作日 工作日 个月 个百分点 百分点 平方公里 平方米 立方米 公里 千米 厘米 毫米 "
    "米 公顷 亩 吨 公斤 千克 克 元 个 项 条 次 套 台 份 件 名 人 家 户 宗 笔 张 篇 场 批 本 "
    "册 座 栋 处 所 间 辆 块 根 部 类 期 轮 页 株 棵 分钟 小时 秒 天 日 周 月 年 分 星 倍 点 "
    "单 封 例 路 位 组 支 节 课时 学时 架 艘 只 号 起 宗次 门 种 款".split()), key=len, reverse=True)
_DATE_UNITS = {"年", "月", "日", "号"}
_MULTIPLIERS = {"百万": Decimal(10**6), "千万": Decimal(10**7), "万": Decimal(10**4),
                "亿": Decimal(10**8), "千": Decimal(1000), "百": Decimal(100)}


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_BASE_RE = _alt(_BASE_UNITS)
# A rate unit is two units with a slash: 元/台, 万元/公里, 人/次 (a split 度量单位 cell).
_PER = rf"(?:/(?:{_BASE_RE}|[A-Za-z]{{1,4}}))?"
_UNIT_RE = (rf"%|‰|(?:百万|千万|[万亿千百])(?:{_BASE_RE})?{_PER}|(?:{_BASE_RE}){_PER}"
            rf"|[A-Za-z]{{1,6}}(?:/[A-Za-z]{{1,4}})?")
_CN_NUM = "[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]{0,11}"
_LABEL_CHAR = r"(?:[^\W\d_]|[“”\"'《》()·])"
# One clause. Every quantifier is bounded or over disjoint classes, and clauses are
# at most _MAX_CLAUSE chars, so backtracking stays small.
_CLAUSE = re.compile(rf"""
    (?:(?P<label>{_LABEL_CHAR}{{1,20}}?))??
    (?:达到|达|为|在|共计|共)?
    (?P<pre>{_alt(_PRE)})?
    (?P<pct>百分之)?
    (?P<num>-?[0-9]{{1,15}}(?:\.[0-9]{{1,10}})?|{_CN_NUM})
    (?P<more>多|余)?
    (?P<unit>{_UNIT_RE})?
    (?P<post>{_alt(_POST)})?
    (?P<tail>[^\W\d_]{{1,8}})?
""", re.VERBOSE)
# A reported figure with a unit ("89台", "99.999%"); dates are not figures. Digit runs
# are bounded and anchored at their start so a long run of digits stays linear.
_FIGURE = re.compile(
    r"(?<![0-9.])[0-9]{1,15}(?:\.[0-9]{1,10})?(?:%|[万亿千]?(?:"
    + _alt(u for u in _BASE_UNITS if u not in _DATE_UNITS) + "))")
_NO_INCIDENT = re.compile(r"(?:无|没有|未)[^,;。]{0,10}?(?:事故|故障|投诉|差评)")
_WS = re.compile(r"\s+")
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
_PREFIX = re.compile(r"^(?:年度指标值|实际完成指标值|实际完成值|指标值|预期值|目标值|标准值|"
                     r"标准|完成值|实际值|完成情况|指标):")
_QUAL_NOTE = re.compile(r"\((?:定性指标|定性)\)")
_SPLIT = re.compile(r"[,;、]")
_NEGATION = "未没不"
_TRAILING = "。.;,、!"


@attrs.frozen
class Clause:
    """One measurable part of a value: label, comparator, number, unit."""

    label: str | None
    comparator: str
    number: Decimal
    unit: str
    text: str  # the clause as read: whitespace removed, NFKC-normalised


@attrs.frozen
class Value:
    """A reading of one 指标值 / 实际完成值 cell."""

    text: str
    kind: str  # "empty" | "quantitative" | "qualitative"
    clauses: tuple[Clause, ...] = attrs.field(default=(), converter=tuple)
    reason: str | None = None  # why a qualitative value is vague, in Chinese

    @property
    def quantified(self) -> bool:
        return self.kind == "quantitative"

    @property
    def qualitative(self) -> bool:
        return self.kind == "qualitative"

    @property
    def empty(self) -> bool:
        return self.kind == "empty"

    @property
    def vague(self) -> bool:
        return self.kind == "qualitative" and self.reason is not None

    @property
    def measurable(self) -> bool:
        return self.quantified or (self.qualitative and not self.vague)

    @property
    def deadline(self) -> bool:
        """A date to finish by: "2025年12月", "12月底前", "6月30日前完成", "2023.12.31前"."""
        return self.qualitative and is_deadline(_normalise(self.text).rstrip(_TRAILING))

    @property
    def number(self) -> Decimal | None:
        return self.clauses[0].number if self.clauses else None

    @property
    def unit(self) -> str | None:
        return self.clauses[0].unit if self.clauses else None

    @property
    def comparator(self) -> str | None:
        return self.clauses[0].comparator if self.clauses else None

    @property
    def ratio(self) -> Decimal | None:
        """The first clause as a fraction when it is a percentage, else its number."""
        if not self.clauses:
            return None
        c = self.clauses[0]
        return c.number.scaleb(-2) if c.unit == "%" else c.number


# ---------------------------------------------------------------- reading

def read_value(text: str | None, *, vague_words: frozenset[str] | None = None,
               state_words: frozenset[str] | None = None) -> Value:
    """Read one cell. Never raises; non-str input is read as ``str(text)``."""
    if text is None:
        text = ""
    elif not isinstance(text, str):
        text = str(text)
    return _read(text,
                 DEFAULT_VAGUE_WORDS if vague_words is None else frozenset(vague_words),
                 DEFAULT_STATE_WORDS if state_words is None else frozenset(state_words))


@functools.lru_cache(maxsize=65536)
def _read(text: str, vague_words: frozenset[str], state_words: frozenset[str]) -> Value:
    s = _normalise(text)
    s = _PREFIX.sub("", s)
    s = _QUAL_NOTE.sub("", s) or s  # "运行正常(定性指标)" is about 正常; "(定性指标)" alone stays
    s = s.rstrip(_TRAILING)
    if not s:
        return Value(text=text, kind="empty")
    clauses = _clauses(s)
    if clauses is None and "。" in s:
        # "100%。说明：……" reports 100%; a first sentence that is itself a list of
        # labelled figures ("为…印章共26382套，节省共406.57万元。因…") is narrative.
        lead = _clauses(s.split("。", 1)[0].rstrip(_TRAILING))
        clauses = lead if lead and len(lead) == 1 and lead[0].label is None else None
    if clauses:
        return Value(text=text, kind="quantitative", clauses=clauses)
    return Value(text=text, kind="qualitative", reason=_vagueness(s, vague_words, state_words))


def _normalise(s: str) -> str:
    # Thousands commas are removed before NFKC turns "，" into "," (see module doc).
    s = _THOUSANDS.sub("", _WS.sub("", s[:_MAX_CHARS]))
    return _WS.sub("", unicodedata.normalize("NFKC", s))


def _clauses(s: str) -> tuple[Clause, ...] | None:
    if not s or len(s) > _MAX_QUANT:
        return None
    parts = [p for p in _SPLIT.split(s) if p]
    out = []
    for p in parts:
        c = _clause(p)
        if c is None:
            return None
        out.append(c)
    return tuple(out) or None


def _clause(p: str) -> Clause | None:
    if len(p) > _MAX_CLAUSE:
        return None
    m = _CLAUSE.fullmatch(p)
    if m is None:
        return None
    unit = "%" if m["pct"] else (m["unit"] or "")
    if m["pct"] and m["unit"]:
        return None
    cmp = _CMP_OF.get(m["pre"] or m["post"] or m["more"] or "=", "=")
    # Trailing words ("80%满意", "50个以上单位") only after a comparator or a percent:
    # otherwise "2022年度已按期支付" would read as 2022 年.
    if m["tail"] and cmp == "=" and unit != "%":
        return None
    number = _number(m["num"])
    if number is None:
        return None
    return Clause(label=m["label"] or m["tail"], comparator=cmp, number=number,
                  unit=unit, text=p)


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}


def _number(s: str) -> Decimal | None:
    if s[0] in "-0123456789":
        return Decimal(s)
    if not any(c in "十百千万亿" for c in s):  # digit by digit: 二〇二三
        return Decimal("".join(str(_CN_DIGIT[c]) for c in s))
    total = section = digit = 0
    for c in s:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        elif c in _CN_SMALL:
            section += (digit or 1) * _CN_SMALL[c]  # "十" alone is 10
            digit = 0
        elif c == "万":
            total += (section + digit) * 10**4
            section = digit = 0
        else:  # 亿
            total = (total + section + digit) * 10**8
            section = digit = 0
    return Decimal(total + section + digit)


def _vagueness(s: str, vague_words: frozenset[str], state_words: frozenset[str]) -> str | None:
    """None when ``s`` names a checkable state, else why it does not (in Chinese)."""
    if s in PLACEHOLDERS:
        return f"「{s}」是占位说法，未说明达到何种状态"
    if s in vague_words:
        return f"「{s}」只说方向，未说明达到何种状态"
    if s.startswith("是否"):
        return f"「{s}」是一个问题，未写明要达到的状态"
    if s in ("是", "否"):
        return f"「{s}」只回答了是或否，未写明要达到的状态"
    if _COUNT_NOUN.search(s) and not re.search(r"\d", s):
        # 符合验收标准公共服务站数量 (seed 004): names what to count but not how many.
        return f"「{s}」只写了要统计的数量，未写明数值"
    if is_deadline(s):
        return None
    if _PERIOD.fullmatch(s):
        return f"「{s}」写的是一段期间，未写明完成时限或要达到的状态"
    if _names_state(s, state_words):
        return None
    lead = next((w for w in sorted(vague_words, key=len, reverse=True) if s.startswith(w)), None)
    if lead:
        return f"以「{lead}」开头，只说方向或意图，未说明达到何种状态"
    timely = _TIMELY.search(s)
    if timely:
        return f"「{timely.group(0)}」未写明时限（如「6月30日前完成」）"
    degree = _DEGREE.search(s)
    if degree:
        return f"「{degree.group(0)}」只说程度，未写明达到何种状态"
    return "未写明可核验的状态（如“未发生网络安全事故”“验收合格”或具体数值）"


# A date to finish by. Whole cell only: "2025年12月", "12月底前", "6月30日前完成",
# "2025年底前完成", "2023.12.31前". A period ("2023.07-2024.01") is not a deadline.
_YEAR = r"(?:(?:19|20)[0-9]{2}年度?|本年度?|当年度?|今年)"
_MONTH_DAY = r"(?:1[0-2]|0?[1-9])月(?:(?:3[01]|[12][0-9]|0?[1-9])[日号])?(?:底|末|中旬|上旬|下旬|份)?"
_DOTTED = r"(?:19|20)[0-9]{2}[.\-/](?:1[0-2]|0?[1-9])(?:[.\-/](?:3[01]|[12][0-9]|0?[1-9]))?"
_BY = r"(?:前|之前|以前|止|为止)?(?:全部完成|完成|完工|竣工|建成|上线|交付|办结)?"
_DEADLINE = re.compile(rf"(?:截至|截止|于|在)?(?:{_YEAR}?{_MONTH_DAY}|{_YEAR}?年?(?:底|末)|{_DOTTED}){_BY}")
_PERIOD = re.compile(rf"(?:{_DOTTED}|{_YEAR}?{_MONTH_DAY})(?:-|~|至|到|—)(?:{_DOTTED}|{_YEAR}?{_MONTH_DAY})")
_TIMELY = re.compile(r"及时|按时|按期|如期|准时|(?:计划|规定)的?时(?:间|限)内?|时限内")
_DEGREE = re.compile(r"明显|显著|较好|较大|长期|持续|逐步|稳步|大幅|进一步|有所")


def is_deadline(s: str) -> bool:
    """Whether a normalised cell is a date to finish by (see :data:`_DEADLINE`)."""
    return len(s) <= 30 and _DEADLINE.fullmatch(s) is not None


_COUNT_NOUN = re.compile(r"(数量|总数|个数|次数|人数|户数)[。.]?$")


def _names_state(s: str, state_words: frozenset[str]) -> bool:
    for w in state_words:
        if not w:
            continue
        i = s.find(w)
        while i != -1:
            negated = w[0] not in _NEGATION and any(c in _NEGATION for c in s[max(0, i - 3):i])
            # Bare 完成 is a placeholder; 完成 + an object ("完成67条任务村检查") is a state.
            nxt = s[i + len(w):i + len(w) + 1]
            bare = w == "完成" and (not nxt or not (nxt.isalnum()) or nxt in "率情值度")
            if not negated and not bare:
                return True
            i = s.find(w, i + 1)
    return bool(_NO_INCIDENT.search(s) or _FIGURE.search(s))


# ---------------------------------------------------------------- comparing

_TIME = {"秒": 1, "分钟": 60, "小时": 3600, "天": 86400, "日": 86400, "周": 604800}
_BYTES = {"k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "t": 10**12, "tb": 10**12, "p": 10**15, "pb": 10**15}
_BPS = {"kbps": 10**3, "mbps": 10**6, "gbps": 10**9, "tbps": 10**12}
_MEASURED = {"%", "time", "元", "byte", "bps"}  # never compatible with a bare number


def _measure(c: Clause) -> tuple[str, Decimal]:
    """(dimension, value in the dimension's base unit)."""
    unit, n = c.unit, c.number
    if unit in ("%", "‰"):
        return "%", n if unit == "%" else n / 10
    for prefix, factor in _MULTIPLIERS.items():
        rest = unit[len(prefix):]
        if unit.startswith(prefix) and (rest == "" or rest in _BASE_UNITS):
            unit, n = rest, n * factor
            break
    if unit in _TIME:
        return "time", n * _TIME[unit]
    low = unit.lower()
    if low in _BYTES:
        return "byte", n * _BYTES[low]
    if low in _BPS:
        return "bps", n * _BPS[low]
    return unit, n


def _pairs(target: Value, actual: Value) -> list[tuple[Clause, Clause]] | None:
    if not (target.quantified and actual.quantified):
        return None
    tc, ac = target.clauses, actual.clauses
    if len(tc) > 1 and len(ac) > 1:
        if all(c.label for c in tc) and all(c.label for c in ac):
            pairs = []
            named = {c.label for c in tc}
            for c in tc:
                # Actuals shorten the labels: 一般性操作≤5秒 is reported as 操作=4.24秒. A label
                # that names another target clause exactly is that clause's, never a shortening
                # (上班时间 is not 非上班时间).
                match = [a for a in ac if a.label == c.label] or \
                        [a for a in ac if a.label not in named and (a.label in c.label or c.label in a.label)]
                if len(match) != 1:
                    return None
                pairs.append((c, match[0]))
            return pairs
        return list(zip(tc, ac)) if len(tc) == len(ac) else None
    return [(tc[0], ac[0])]


def _compare(t: Clause, a: Clause) -> tuple[Decimal, Decimal] | None:
    (td, tv), (ad, av) = _measure(t), _measure(a)
    if td == ad or (td == "" and ad not in _MEASURED) or (ad == "" and td not in _MEASURED):
        return tv, av
    return None


# What a unit says a figure is, for the unit predicates (金额, 计数, 时长).
TIME_UNITS = frozenset({"秒", "分钟", "分", "小时", "天", "日", "个工作日", "工作日", "周", "月", "个月", "年"})
_PHYSICAL = frozenset({"米", "厘米", "毫米", "公里", "千米", "平方米", "平方公里", "立方米", "公顷", "亩", "吨", "公斤", "千克",
                       "克", "个百分点", "百分点", "倍", "分", "星", "点"})
COUNT_UNITS = frozenset(u for u in _BASE_UNITS if u not in TIME_UNITS | _PHYSICAL | {"元"})


def _base(unit: str) -> tuple[str, Decimal]:
    """A unit without its multiplier: 万元 → (元, 10000), 万人次 → (人次, 10000), 万 → ("", 10000)."""
    for prefix, factor in _MULTIPLIERS.items():
        rest = unit[len(prefix):]
        if unit.startswith(prefix) and (rest == "" or rest in _BASE_UNITS or rest.startswith("元")):
            return rest, factor
    return unit, Decimal(1)


def is_money(c: Clause) -> bool:
    """元, 万元, 亿元, 元/台 … (a bare 万 is not: it says how many, not of what)."""
    return _base(c.unit)[0].split("/")[0] == "元"


def money_wan(c: Clause) -> Decimal | None:
    """A money clause in 万元; a bare 万 or 亿 (「250万」 beside a budget in 万元) is read as 万元/亿元."""
    base, factor = _base(c.unit)
    if base == "元":
        return c.number * factor / Decimal(10000)
    if base == "" and factor >= 10000:
        return c.number * factor / Decimal(10000)
    return None


def is_count(c: Clause) -> bool:
    """A count: a measure word (个, 项, 人, 人次, 村 …) after the number, not a %, amount, time or size."""
    base, _ = _base(c.unit)
    if base in COUNT_UNITS:
        return True
    # A word after the number that is no known unit (70村, 12所学校) counts things too.
    return base == "" and bool(c.label) and c.text.endswith(c.label) and not c.unit


def is_duration(c: Clause) -> bool:
    return _base(c.unit)[0] in TIME_UNITS


def unit_shown(c: Clause) -> bool:
    """Whether the clause says what its number counts (a unit, or a word after the number)."""
    return bool(c.unit) or (bool(c.label) and c.text.endswith(c.label))


def completion_rate(target: Value, actual: Value) -> Decimal | None:
    """完成率 as a fraction (1 = 100%), following the target's comparator.

    ≤/< targets are lower-is-better (target ÷ actual, None if actual ≤ 0); all
    others actual ÷ target. None when not comparable or the target is ≤ 0. A compound
    value completes as far as its weakest clause.
    """
    rates = clause_rates(target, actual)
    return min(rates) if rates else None


def peak_rate(target: Value, actual: Value) -> Decimal | None:
    """The highest clause completion of a compound value: how far any part overshoots
    (seed 001 flags 态势感知平台 as over 150% although one clause is at 118%)."""
    rates = clause_rates(target, actual)
    return max(rates) if rates else None


def clause_rates(target: Value, actual: Value) -> list[Decimal] | None:
    """The completion of each clause of a target against its actual, or None."""
    pairs = _pairs(target, actual)
    if not pairs:
        return None
    rates = []
    for t, a in pairs:
        tv_av = _compare(t, a)
        if tv_av is None or tv_av[0] <= 0:
            return None
        tv, av = tv_av
        if t.comparator in ("≤", "<"):
            if av <= 0:
                return None
            rates.append(tv / av)
        else:
            rates.append(av / tv)
    return rates


def is_met(target: Value, actual: Value) -> bool | None:
    """Whether the actual meets the target's comparator; None when not comparable.

    "=" and "≈" targets are floors (91% is met by 95%), as the seeds use them.
    """
    pairs = _pairs(target, actual)
    if not pairs:
        return None
    met = True
    for t, a in pairs:
        tv_av = _compare(t, a)
        if tv_av is None:
            return None
        tv, av = tv_av
        met &= {"≤": av <= tv, "<": av < tv, ">": av > tv}.get(t.comparator, av >= tv)
    return met


def format_value(v: Value) -> str:
    """Canonical text: "≥1000个", "上班时间≤10分钟，非上班时间≤30分钟"."""
    if not v.quantified:
        return v.text.strip()
    return "，".join(f"{c.label or ''}{_cmp_text(c)}{format(c.number, 'f')}{c.unit}" for c in v.clauses)


def _cmp_text(c: Clause) -> str:
    """How a clause's comparator is written after its label, so that it reads back the same:
    "=" is left out unless the label ends with a comparator word (a label 约 with "=0"), and
    "≈" is 约 unless the label would join it into a longer word (大 + 约 is 大约)."""
    label = c.label or ""
    if c.comparator == "=":
        return "=" if label.endswith(tuple(_PRE)) else ""
    if c.comparator == "≈":
        return "≈" if any((label + "约").endswith(w) for w in _PRE if len(w) > 1 and w.endswith("约")) else "约"
    return c.comparator
