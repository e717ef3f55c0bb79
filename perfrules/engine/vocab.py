"""The names a rule can use: fields of an indicator, the project and the budget, and predicates.

Adding a field or a predicate is adding a line here; the compiler resolves every name
in a rule against these tables at compile time (an unknown name is a compile error
with a did-you-mean).
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from ..data.categories import LEVEL1, LEVEL2
from ..data.terms import BLANK, DECLARED_UNITS, STAGES, is_blank, unit_of
from ..data.values import (Value, is_count, is_duration, is_met, is_money, money_wan)
from .context import Context, Unknown

# Types: num (Decimal), text (str|None), value (a read 指标值), set (tuple of str),
# indicator (the row itself), bool.


@attrs.frozen
class Field:
    """A name a rule can read: its scope, type and how to get it."""

    label: str  # the Chinese name shown in messages
    scope: str  # "indicator" | "project"
    type: str
    get: Callable[[Context, Any], Any]
    values: tuple[str, ...] = ()  # the closed vocabulary, if any (阶段, 一级指标 …)
    # How a number of this field is shown in a message ({字段}): "%" for a rate, "万元" for
    # money; a built-in field's unit is its label's in data.terms.UNITS.
    unit: str = attrs.field(default=attrs.Factory(lambda f: unit_of(f.label), takes_self=True))


def _project(attr: str, label: str) -> Callable[[Context, Any], Any]:
    def get(ctx: Context, _i):
        p = ctx.iset.project
        v = getattr(p, attr) if p is not None else None
        return Unknown(f"未填写项目{label} (project {attr} not given)", f"项目{label}") if v is None else v
    return get


def _budget(attr: str, label: str, en: str | None = None) -> Callable[[Context, Any], Any]:
    def get(ctx: Context, _i):
        b = ctx.iset.budget
        if b is None:
            return Unknown("缺少预算数据 (no budget given)", "预算")
        v = getattr(b, attr)
        if v is None:
            return Unknown(f"未填写{label} ({en or f'budget {attr} not given'})", label)
        return sum(v, Decimal(0)) if isinstance(v, tuple) else v
    return get


def _stage(ctx: Context, _i):
    return ctx.iset.stage if ctx.iset.stage else Unknown("未填写阶段 (stage not given)", "阶段")


def _goal(ctx: Context, _i):
    return ctx.iset.goal if ctx.iset.goal is not None else Unknown("未填写绩效目标 (no goal given)", "绩效目标")


def _categories(ctx: Context, _i):
    p = ctx.iset.project
    if p is None or not p.categories:
        return Unknown("未填写项目类别 (project categories not given)", "类别")
    return tuple(sorted(ctx.categories))


def _ind(attr: str):
    from operator import attrgetter
    get = attrgetter(attr)
    return lambda ctx, i: get(ctx.indicators[i])


def _num(attr: str, label: str):
    def get(ctx: Context, i):
        v = ctx.number(i, attr)
        return Unknown(f"未填写{label} ({attr} not given)", blank=True) if v is None else v
    return get


_LEVEL2_NAMES = tuple(LEVEL2)

FIELDS: dict[str, Field] = {}


def _add(names: str, field: Field) -> None:
    for name in names.split("|"):
        FIELDS[name] = field


_add("一级指标|level1", Field("一级指标", "indicator", "text", Context.level1, LEVEL1))
_add("二级指标|level2", Field("二级指标", "indicator", "text", Context.level2, _LEVEL2_NAMES))
_add("三级指标|指标名称|level3|name", Field("三级指标", "indicator", "text", _ind("name")))
_add("指标值|年度指标值|target", Field("指标值", "indicator", "value", Context.target))
_add("实际完成值|完成值|actual", Field("实际完成值", "indicator", "value", Context.actual))
_add("计算方法|method", Field("计算方法", "indicator", "text", _ind("method")))
_add("赋值依据|value_basis", Field("赋值依据", "indicator", "text", _ind("basis")))
_add("佐证材料|evidence", Field("佐证材料", "indicator", "set", _ind("evidence")))
_add("分值|weight", Field("分值", "indicator", "num", _num("weight", "分值")))
_add("得分|score", Field("得分", "indicator", "num", _num("score", "得分")))
# The score a form states for a row; in a row-by-row 评分项 "得分 = 填报得分" keeps it.
_add("填报得分|stated_score", Field("填报得分", "indicator", "num", _num("score", "得分")))
_add("完成率|completion", Field("完成率", "indicator", "num", Context.completion))
# For a compound target, the clause that went furthest (over-completion checks).
_add("最高完成率|peak_completion", Field("最高完成率", "indicator", "num", Context.peak))
_add("指标|indicator|indicators", Field("指标", "indicator", "indicator", lambda c, i: i))
_add("类别|category|categories", Field("类别", "project", "set", _categories))
_add("性质|nature", Field("性质", "project", "text", _project("nature", "性质"), ("经常性", "一次性")))
_add("阶段|stage", Field("阶段", "project", "text", _stage, STAGES))
_add("年度|year", Field("年度", "project", "num", _project("year", "年度")))
_add("项目名称|project", Field("项目名称", "project", "text", _project("name", "名称")))
_add("主管部门|department", Field("主管部门", "project", "text", _project("department", "主管部门")))
_add("绩效目标|goal", Field("绩效目标", "project", "text", _goal))
_add("年初预算|initial_budget", Field("年初预算", "project", "num", _budget("initial", "年初预算")))


_add("年度预算|调整后预算数|全年预算数|annual_budget", Field("年度预算", "project", "num",
                                      _budget("denominator", "年度预算", "annual budget not given")))
_add("上年结转|carryover", Field("上年结转", "project", "num", _budget("carryover", "上年结转")))
_add("调整|adjustments", Field("调整", "project", "num", _budget("adjustments", "调整")))
_add("支出|执行数|预算执行数|全年执行数|spent", Field("支出", "project", "num", _budget("spent", "支出")))
_add("调整文件|adjustment_docs", Field("调整文件", "project", "set", lambda c, i: c.iset.adjustment_docs))
_add("申报指标数|declared_count", Field("申报指标数", "project", "num", lambda c, i: (
    lambda d: d if isinstance(d, Unknown) else Decimal(len(d.indicators)))(c.declared())))


_add("平均执行进度|mean_progress", Field("平均执行进度", "project", "num",
                                       _budget("mean_progress", "执行进度", "no periodic spending progress given")))
_add("执行率|预算执行率|execution_rate",
     Field("执行率", "project", "num", lambda c, i: c.execution_rate()))

# ---- the whole form: header, goal block, fund block, totals and closing text ----------------
# A figure or text the form does not print is "not applicable" (nothing is missing from the
# input: an indicator table alone has no 总分 or 存在问题), except where noted.

_TRAILING = re.compile(r"[\s。．.，,；;：:、]+$")


def form_text(text: str | None) -> str | None:
    """A narrative cell as compared and shown: line breaks and spaces dropped, trailing
    punctuation too, so 「已完成。」 and 「已完成」 are the same text."""
    if text is None:
        return None
    return _TRAILING.sub("", re.sub(r"\s+", "", text))


def _row_number(attr: str, label: str):
    def get(ctx: Context, i):
        v = getattr(ctx.indicators[i], attr)
        return Unknown(f"未标注{label} ({attr} not given)", blank=True) if v is None else v
    return get


def _goal_part(attr: str, label: str):
    def get(ctx: Context, _i):
        v = form_text(getattr(ctx.iset, attr))
        return Unknown(f"表中没有{label} (no {attr} on the form)") if v is None else v
    return get


# 陈述 parts by what forms call them; the first name is the field's.
STATEMENT_PARTS = {
    "评价结论": ("评价结论", "自评结论", "绩效评价结论", "总体评价", "总体结论", "结论", "综合评价结论"),
    "存在问题": ("存在问题", "存在的问题", "主要问题", "问题", "存在问题及原因", "存在的问题及原因",
                 "存在问题及原因分析"),
    "改进措施": ("改进措施", "改进建议", "改进措施及建议", "整改措施", "下一步改进措施", "意见建议"),
}


def _statement_part(name: str):
    names = STATEMENT_PARTS[name]

    def get(ctx: Context, _i):
        parts = [form_text(t) for k, t in ctx.iset.statement if form_text(k) in names]
        if not parts:
            return Unknown(f"表中没有「{name}」 (no {name} on the form)")
        return "；".join(p for p in parts if p)
    return get


def _statement(ctx: Context, _i):
    """All closing texts together ("" when the form has none: nothing is explained there)."""
    return "；".join(t for _, t in ctx.iset.statement if form_text(t)) if ctx.iset.statement else ""


# Fund-block cells that explain the figures: 原因 (Sichuan), 偏差原因, 说明, 备注 …
_NOTE_HEADINGS = re.compile(r"原因|说明|备注|情况说明")


def _budget_note(ctx: Context, _i):
    """The fund block's own explanations (its 原因/说明 cells and those of its sources)."""
    b = ctx.iset.budget
    if b is None:
        return ""
    cells = list(b.extra) + [c for s in b.sources for c in s.extra]
    return "；".join(form_text(t) or "" for k, t in cells if _NOTE_HEADINGS.search(k) and form_text(t))


def _stated(attr: str, label: str, owner: str = "budget"):
    def get(ctx: Context, _i):
        obj = ctx.iset.budget if owner == "budget" else ctx.iset
        v = getattr(obj, attr) if obj is not None else None
        return Unknown(f"表中未填写{label} ({label} not stated)") if v is None else v
    return get


def _errors_found(ctx: Context, _i):
    """Error and veto findings the run made before this rule (see runner: such rules run last)."""
    prior = getattr(ctx, "prior_findings", None)
    if prior is None:
        return Unknown("其他发现尚未得出 (the run's other findings are not known here)")
    return Decimal(sum(1 for f in prior if f.severity in ("error", "veto") and f.waived is None))


def _level1_total(level1: str):
    """Σ 分值 of the rows under one 一级指标 (0 when there are none); not applicable when a row
    under it has no 分值."""
    def get(ctx: Context, _i):
        total = Decimal(0)
        for k, ind in enumerate(ctx.indicators):
            if ctx.level1(k) != level1:
                continue
            if ind.weight is None:
                return Unknown(f"{level1}有未填分值的指标 (a {level1} row has no weight)")
            total += ind.weight
        return total
    return get


# Fields that read the run's other findings: a rule using one runs after all other checks.
AFTER_FINDINGS = frozenset({"发现错误数", "errors_found"})

_add("偏差原因|deviation", Field("偏差原因", "indicator", "text", _ind("deviation")))
_add("一级指标权重|level1_weight",
     Field("一级指标分值", "indicator", "num", _row_number("level1_weight", "一级指标分值")))
_add("实施单位|implementing_unit", Field("实施单位", "project", "text", _project("unit", "实施单位")))
_add("预期目标|expected_goal", Field("预期目标", "project", "text", _goal_part("goal", "预期目标")))
_add("实际完成情况|goal_actual", Field("实际完成情况", "project", "text", _goal_part("goal_actual", "实际完成情况")))
_add("陈述|statement", Field("陈述", "project", "text", _statement))
_add("评价结论|conclusion", Field("评价结论", "project", "text", _statement_part("评价结论")))
_add("存在问题|problems", Field("存在问题", "project", "text", _statement_part("存在问题")))
_add("改进措施|improvements", Field("改进措施", "project", "text", _statement_part("改进措施")))
_add("预算说明|budget_note", Field("预算说明", "project", "text", _budget_note))
_add("填报执行率|stated_execution_rate",
     Field("填报执行率", "project", "num", _stated("stated_rate", "执行率")))
_add("执行率权重|rate_weight", Field("执行率分值", "project", "num", _stated("rate_weight", "执行率分值")))
_add("执行率得分|rate_score", Field("执行率得分", "project", "num", _stated("rate_score", "执行率得分")))
_add("总分|stated_total", Field("总分", "project", "num", _stated("stated_total", "总分", "form")))
_add("合计权重|总权重|stated_max", Field("总分分值", "project", "num", _stated("stated_max", "总分分值", "form")))
# The grade the form states (RC-04 reconciles it with the computed one).
_add("填报等级|stated_grade", Field("填报等级", "project", "text", _stated("stated_grade", "等级", "form")))
_add("产出指标权重|output_weight", Field("产出指标分值", "project", "num", _level1_total("产出指标")))
_add("效益指标权重|benefit_weight", Field("效益指标分值", "project", "num", _level1_total("效益指标")))
_add("满意度指标权重|satisfaction_weight",
     Field("满意度指标分值", "project", "num", _level1_total("满意度指标")))
_add("发现错误数|errors_found", Field("发现错误数", "project", "num", _errors_found))


# Names a score item gives meaning to (inside 评分项 they mean the item, not an indicator).
ITEM_NAMES = {"分值": "weight", "weight": "weight", "得分": "score", "score": "score"}


# ---- declared fields (pack.yaml ``fields``) ---------------------------------------------
# A declared type → the rule type and how its numbers show: number/amount/rate are numbers
# (万元, %), a date is the number YYYYMMDD (comparable: 完成日期 ≤ 20231231), yes-no is the
# text 是 or 否 (完成 = 是), a list is a set (包含, 属于).
DECLARED_TYPES = {"text": ("text", ""), "number": ("num", ""), "amount": ("num", DECLARED_UNITS["amount"]),
                  "rate": ("num", DECLARED_UNITS["rate"]), "date": ("num", ""), "yes-no": ("text", ""),
                  "list": ("set", "")}
# Names the language gives a meaning of its own besides FIELDS (计数(申报指标 …)).
RESERVED = frozenset({"申报指标", "declared_indicators"})


def _declared_value(kind: str, v):
    if kind == "yes-no":
        return "是" if v else "否"
    if kind == "date":
        return Decimal(v.strftime("%Y%m%d"))
    return v


def declared_field(spec) -> Field:
    """The rule field of a declared one (a :class:`~perfrules.data.declared.FieldSpec`).

    A project field the input does not give is project data left out (like 类别): a rule it
    keeps from being judged is undecided, and 非空 fails. An indicator field a row leaves blank
    is blank (like 偏差原因): empty text, an empty list, or a number "not applicable" except to
    为空/非空."""
    rtype, unit = DECLARED_TYPES[spec.type]
    name, kind = spec.name, spec.type
    if spec.scope == "project":
        def get(ctx: Context, _i):
            p = ctx.iset.project
            v = p.field(name) if p is not None else None
            if v is None:
                return Unknown(f"未填写{name} ({name} not given)", name)
            return _declared_value(kind, v)
    else:
        def get(ctx: Context, i):
            v = ctx.indicators[i].field(name)
            if v is None:
                if kind == "text":
                    return None
                if kind == "list":
                    return ()
                return Unknown(f"未填写{name} ({name} not given)", blank=True)
            return _declared_value(kind, v)
    return Field(name, spec.scope, rtype, get, ("是", "否") if kind == "yes-no" else (), unit)


def _bare_name_problems(name: str) -> list:
    """A declared name must read as one name in a rule: a name holding a keyword (应急响应时间
    holds 应, 说明甲 starts with 说明) ends where the keyword begins, and no rule could name it.
    Judged from the keyword table, without building the parser (packs load on every run)."""
    from ..data.declared import Problem
    from ..language.vocabulary import name_problem
    why = name_problem(name)
    if why is None:
        return []
    return [Problem((name,), f"字段名「{name}」在规则中无法直接书写：名称中含有规则语言的关键词，请换一个名称",
                    f"field name {name!r} cannot be written in a rule: it holds a keyword of the rule language; "
                    "choose another name", f"规则中写「{name} 须 非空」时：{why}")]


def declaration_problems(s) -> list:
    """A declared name the rule language already gives a meaning: a built-in field (said so
    plainly when the declaration is that very field: no declaration is needed) or a reserved word.
    (``data.declared.parse`` calls this for each declaration.)"""
    from ..data.declared import SCOPE_ZH, Problem
    zh_types = {"text": "文字", "num": "数值", "set": "列表", "value": "指标值", "indicator": "指标"}
    en_types = {"num": "number", "set": "list", "value": "indicator value"}
    f = FIELDS.get(s.name) or FIELDS.get(s.name.lower())
    if s.name in RESERVED:
        return [Problem((s.name,), f"字段名「{s.name}」是规则语言的保留名称，请换一个名称",
                        f"field name {s.name!r} is reserved by the rule language; choose another name")]
    if f is None:
        return _bare_name_problems(s.name)
    if f.scope == s.scope and f.type == DECLARED_TYPES[s.type][0]:
        return [Problem((s.name,), f"「{s.name}」已是内置字段，无需声明：规则中可直接使用",
                        f"{s.name!r} is already a built-in field: rules use it without a declaration",
                        "请从 fields 中删去它；它在输入中的键和表头见 docs/inputs.md "
                        "(remove it from fields; its input keys and headings: docs/inputs.md)")]
    return [Problem((s.name,), f"字段名「{s.name}」与内置字段「{f.label}」"
                               f"（{SCOPE_ZH.get(f.scope, f.scope)}，{zh_types.get(f.type, f.type)}）同名，请换一个名称",
                    f"field name {s.name!r} is the name of the built-in field {f.label} "
                    f"({f.scope}, {en_types.get(f.type, f.type)}); choose another name")]


# ---- predicates -------------------------------------------------------------------------

@attrs.frozen
class Predicate:
    """A named test on a subject of a given type; returns True, False or Unknown."""

    label: str
    types: tuple[str, ...]
    test: Callable[[Context, Any, Any], Any]  # (ctx, indicator index, subject value)
    explain: str  # what failing it means, in Chinese, for messages
    # A reading's own flag (Value.quantified …) that is the answer: a compiled test reads it directly.
    value_attr: str | None = None


def _v(f):
    return lambda ctx, i, v: f(v) if isinstance(v, Value) else Unknown("不是指标值 (not a value)")


def _flag(label: str, attr: str, explain: str) -> Predicate:
    """A predicate that is a reading's flag: 可衡量 is ``Value.measurable``."""
    return Predicate(label, ("value",), _v(operator.attrgetter(attr)), explain, value_attr=attr)


_GENERIC = {"项目", "工作", "政务", "指标", "情况", "完成", "保障", "提升", "提高", "有效", "服务", "建设"}


def _bigrams(text: str) -> set[str]:
    t = "".join(ch for ch in text if "\u3400" <= ch <= "\u9fff")  # not a regex: compiling [^\u3400-\u9fff] costs 4 ms
    return {t[k:k + 2] for k in range(len(t) - 1)} - _GENERIC


def name_matches_value(name: str | None, value: Value) -> Any:
    """名实相符: a qualitative value must speak of what the name names (seed 002: 资金回笼节约 ↔
    保障政务网络光纤通畅 does not match). A number, or a date to finish by, is judged by its unit
    (the pack's own rules, with 百分数/计数/金额/时长), not here."""
    if is_blank(name):
        return Unknown("指标未命名，无法判断名实是否相符 (unnamed indicator)")
    if value.empty:
        return Unknown("指标值为空 (empty target)")
    if value.quantified or value.deadline:
        return True
    name = re.sub(r"\s+", "", name)
    return bool(_bigrams(name) & _bigrams(value.text))


def _name_match(ctx: Context, i, v):
    if not isinstance(i, int):
        return Unknown("名实相符只能用于指标 (applies to indicators)")
    return name_matches_value(ctx.indicators[i].name, ctx.target(i))


def _met(ctx: Context, i, v):
    if not isinstance(i, int):
        return Unknown("达标只能用于指标 (applies to indicators)")
    r = is_met(ctx.target(i), ctx.actual(i))
    return Unknown("指标值或实际完成值不是可比较的数值 (not comparable)") if r is None else r


def _evidenced(ctx: Context, i, v):
    return bool(ctx.indicators[i].evidence) if isinstance(i, int) else Unknown("not an indicator")


def _key(ind) -> tuple[str, str, str]:
    """How a row is recognised across stages: its name, or for an unnamed row its 二级 and value."""
    name = re.sub(r"\s+", "", ind.name or "")
    target = re.sub(r"[\s。.；;]+$", "", re.sub(r"\s+", "", ind.target or ""))
    if name in BLANK:
        return ("", re.sub(r"\s+", "", ind.level2_raw or ind.level2 or ""), target)
    return (name, "", target)


def _declared(ctx: Context, i, v):
    """与申报一致: the row appears, with the same value, in the declared (申报) set."""
    if not isinstance(i, int):
        return Unknown("与申报一致只能用于指标 (applies to indicators)")
    d = ctx.declared()
    if isinstance(d, Unknown):
        return d
    # The declared rows' keys, made once per set (not once per row: 2 × 4,000 rows took 180 s).
    memo = ctx.memo.get(_declared)
    if memo is None or memo[0] is not d:
        memo = ctx.memo[_declared] = (d, frozenset(_key(x) for x in d.indicators))
    return _key(ctx.indicators[i]) in memo[1]


def _budget_figures(ctx: Context) -> list[Decimal] | None:
    """The project's own money figures in 万元: 年度预算, 年初预算, 支出 and each source's amounts
    (zeros included: a budget of 0 is a budget); None when the input gives none."""
    b = ctx.iset.budget
    if b is None:
        return None
    out = [x for x in (b.annual, b.initial, b.spent, b.adjusted) if x is not None]
    for src in b.sources:
        out += [x for x in (src.annual, src.initial, src.spent) if x is not None]
    return out or None


def _restates_budget(ctx: Context, i, v):
    """预算数: a money target (one figure, 元/万元/亿元, or a bare 万 beside a budget in 万元) equal to
    the project's budget or spending as the form states it (within 0.5%)."""
    if not isinstance(v, Value):
        return Unknown("不是指标值 (not a value)")
    if not v.quantified or len(v.clauses) != 1:
        return False
    amount = money_wan(v.clauses[0])
    if amount is None or amount <= 0:
        return False
    figures = _budget_figures(ctx)
    if figures is None:
        return Unknown("缺少预算数据，无法判断是否为预算金额 (no budget figures given)")
    # A figure of 0 (年度预算 0) is stated, not missing: an amount above 0 does not restate it.
    return any(abs(amount - f) <= max(f * Decimal("0.005"), Decimal("0.01")) for f in figures if f > 0)


_PREFIX = re.compile(r"^指标\s*\d+\s*[:：]")
_PUNCT = re.compile(r"[\s。.，,；;、:：“”\"'()（）]")


def _same_name(name: str | None) -> str:
    return _PUNCT.sub("", _PREFIX.sub("", name or ""))


def _duplicated(ctx: Context, i, v):
    """重复: another row of the table has the same name (spaces, punctuation and a 指标N: prefix aside)."""
    if not isinstance(i, int):
        return Unknown("重复只能用于指标 (applies to indicators)")
    key = _same_name(ctx.indicators[i].name)
    if key in BLANK or is_blank(ctx.indicators[i].name):
        return Unknown("指标未命名 (unnamed indicator)")
    names = ctx.memo.get(_duplicated)
    if names is None:  # counted once per set: a count per row would be quadratic in rows
        names = ctx.memo[_duplicated] = Counter(_same_name(x.name) for x in ctx.indicators)
    return names[key] > 1


_WEIGHT_NOTE = re.compile(r"[(（]\s*[0-9.]+\s*分?\s*[)）]$")


def _label_ok(raw: str | None, canonical: str | None) -> bool | None:
    """A category label as printed against its canonical name: 产出指标, 产出, 产出数量, 公众满意度 are
    fine; 效果指标 (a different word), 服务对象满意度指标等 (the template's 等 left in) are not."""
    if raw is None or canonical is None:
        return None
    t = _WEIGHT_NOTE.sub("", re.sub(r"\s+", "", raw))
    if not t:
        return None
    if t.endswith("等") or "…" in t or "..." in t:
        return False
    short = canonical[:-2] if canonical.endswith("指标") else canonical
    if short in t:
        return True
    if canonical == "服务对象满意度指标" and "满意度" in t:
        return True
    if canonical in LEVEL2 and t in {LEVEL2[canonical][:-2] + short, LEVEL2[canonical][:-2] + short + "指标"}:
        return True  # 产出数量 (seed 004)
    return canonical not in LEVEL1 and canonical not in LEVEL2  # a label no category knows: other rules say so


def _labels(ctx: Context, i, v):
    """类别名称规范: the row's 一级 and 二级 labels, as printed, are the framework's names."""
    if not isinstance(i, int):
        return Unknown("类别名称规范只能用于指标 (applies to indicators)")
    ind = ctx.indicators[i]
    verdicts = [_label_ok(ind.level1_raw or ind.level1, ctx.level1(i)),
                _label_ok(ind.level2_raw or ind.level2, ctx.level2(i))]
    if all(x is None for x in verdicts):
        return Unknown("未填写一级、二级指标 (no category labels)")
    return all(x is not False for x in verdicts)


PREDICATES: dict[str, Predicate] = {}


def _pred(names: str, p: Predicate) -> None:
    for name in names.split("|"):
        PREDICATES[name] = p


_pred("可衡量|measurable", _flag("可衡量", "measurable", "不可衡量"))
_pred("量化|定量|quantified|quantitative",
      _flag("量化", "quantified", "不是量化值"))
_pred("定性|qualitative", _flag("定性", "qualitative", "不是定性值"))
_pred("模糊|vague", _flag("模糊", "vague", "表述模糊"))
_pred("百分数|percentage", Predicate("百分数", ("value",),
                                  _v(lambda v: v.quantified and v.unit in ("%", "‰")), "不是百分数"))
# Direction of a quantitative target: ≥ > = ≈ ask for more, ≤ < for less (10分钟内).
_pred("正向|higher_is_better", Predicate("正向", ("value",),
                                      _v(lambda v: v.quantified and v.comparator in ("≥", ">", "=", "≈")),
                                      "不是正向指标"))
_pred("反向|lower_is_better", Predicate("反向", ("value",),
                                     _v(lambda v: v.quantified and v.comparator in ("≤", "<")), "不是反向指标"))
# What a number is, by its unit: an amount of money, a count of things, a span of time; a
# comparison sign on a value that should be a measured figure; a date to finish by.
_pred("金额|money", Predicate("金额", ("value",), _v(lambda v: v.quantified and all(is_money(c) for c in v.clauses)),
                              "不是金额（元、万元）"))
_pred("计数|count", Predicate("计数", ("value",), _v(lambda v: v.quantified and all(is_count(c) for c in v.clauses)),
                              "不是计数（个、项、人、次……）"))
_pred("时长|duration", Predicate("时长", ("value",),
                               _v(lambda v: v.quantified and all(is_duration(c) for c in v.clauses)),
                               "不是时长（天、小时、分钟……）"))
_pred("时限|deadline", Predicate("时限", ("value",), _v(lambda v: v.deadline), "不是完成时限（如「6月30日前完成」）"))
_pred("带比较符号|has_comparison", Predicate("带比较符号", ("value",),
                                         _v(lambda v: v.quantified and any(c.comparator in ("≥", ">", "≤", "<")
                                                                           for c in v.clauses)),
                                         "不带比较符号"))
_pred("预算数|budget_amount", Predicate("预算数", ("value",), _restates_budget, "不是预算金额"))
_pred("重复|duplicated", Predicate("重复", ("indicator",), _duplicated, "不与其他指标重名"))
_pred("类别名称规范|standard_labels", Predicate("类别名称规范", ("indicator",), _labels,
                                           "一级或二级指标的名称不规范"))
_pred("名实相符|name_matches_value",
      Predicate("名实相符", ("indicator",), _name_match, "名称与指标值不相符"))
_pred("达标|达成|met", Predicate("达标", ("indicator",), _met, "未达到指标值"))
_pred("与申报一致|matches_declared",
      Predicate("与申报一致", ("indicator",), _declared, "与申报阶段的指标不一致"))
_pred("有佐证|evidenced", Predicate("有佐证", ("indicator",), _evidenced, "没有佐证材料"))

# Word lists with a meaning of their own: they tune the measurability test.
VAGUE_LIST = ("模糊用语", "vague_words")
STATE_LIST = ("状态用语", "state_words")
