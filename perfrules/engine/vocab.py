"""The names a rule can use: fields of an indicator, the project and the budget, and predicates.

Adding a field or a predicate is adding a line here; the compiler resolves every name
in a rule against these tables at compile time (an unknown name is a compile error
with a did-you-mean).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from ..data.categories import LEVEL1, LEVEL2
from ..data.indicators import STAGES
from ..data.values import Value, is_met
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


def _project(attr: str, label: str) -> Callable[[Context, Any], Any]:
    def get(ctx: Context, _i):
        p = ctx.iset.project
        v = getattr(p, attr) if p is not None else None
        return Unknown(f"未填写项目{label} (project {attr} not given)", f"项目{label}") if v is None else v
    return get


def _budget(attr: str, label: str) -> Callable[[Context, Any], Any]:
    def get(ctx: Context, _i):
        b = ctx.iset.budget
        if b is None:
            return Unknown("缺少预算数据 (no budget given)", "预算")
        v = getattr(b, attr)
        if v is None:
            return Unknown(f"未填写{label} (budget {attr} not given)", label)
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
        return Unknown(f"未填写{label} ({attr} not given)") if v is None else v
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


def _annual(ctx: Context, _i):
    b = ctx.iset.budget
    if b is None:
        return Unknown("缺少预算数据 (no budget given)", "预算")
    den = b.denominator
    return den if den is not None else Unknown("未填写年度预算 (annual budget not given)", "年度预算")


_add("年度预算|annual_budget", Field("年度预算", "project", "num", _annual))
_add("上年结转|carryover", Field("上年结转", "project", "num", _budget("carryover", "上年结转")))
_add("调整|adjustments", Field("调整", "project", "num", _budget("adjustments", "调整")))
_add("支出|执行数|spent", Field("支出", "project", "num", _budget("spent", "支出")))
_add("调整文件|adjustment_docs", Field("调整文件", "project", "set", lambda c, i: c.iset.adjustment_docs))
_add("申报指标数|declared_count", Field("申报指标数", "project", "num", lambda c, i: (
    lambda d: d if isinstance(d, Unknown) else Decimal(len(d.indicators)))(c.declared())))


def _mean_progress(ctx: Context, _i):
    b = ctx.iset.budget
    if b is None:
        return Unknown("缺少预算数据 (no budget given)", "预算")
    m = b.mean_progress
    return m if m is not None else Unknown("未填写执行进度 (no periodic spending progress given)", "执行进度")


_add("平均执行进度|mean_progress", Field("平均执行进度", "project", "num", _mean_progress))
_add("执行率|预算执行率|execution_rate",
     Field("执行率", "project", "num", lambda c, i: c.execution_rate()))

# Names a score item gives meaning to (inside 评分项 they mean the item, not an indicator).
ITEM_NAMES = {"分值": "weight", "weight": "weight", "得分": "score", "score": "score"}


# ---- predicates -------------------------------------------------------------------------

@attrs.frozen
class Predicate:
    """A named test on a subject of a given type; returns True, False or Unknown."""

    label: str
    types: tuple[str, ...]
    test: Callable[[Context, Any, Any], Any]  # (ctx, indicator index, subject value)
    explain: str  # what failing it means, in Chinese, for messages


def _v(f, attr: str | None = None):
    test = lambda ctx, i, v: f(v) if isinstance(v, Value) else Unknown("不是指标值 (not a value)")  # noqa: E731
    test.value_attr = attr  # lets a compiled test read the reading's flag directly
    return test


# 频率 (how often) ends in 率 but is no percentage.
RATE_NAME = re.compile(r"((?<!频)率|满意度|占比|比例|比率|覆盖面)$")
TIME_NAME = re.compile(r"(时效|时间|时长|时限|周期|及时性)$")
TIME_UNITS = {"秒", "分钟", "分", "小时", "天", "日", "个工作日", "工作日", "周", "月", "个月", "年"}
_GENERIC = {"项目", "工作", "政务", "指标", "情况", "完成", "保障", "提升", "提高", "有效", "服务", "建设"}


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[^\u3400-\u9fff]", "", text)
    return {t[k:k + 2] for k in range(len(t) - 1)} - _GENERIC


def name_matches_value(name: str | None, value: Value) -> Any:
    """名实相符: a rate wants a percentage, a time limit a duration, a qualitative value the
    name's subject (seed 002: 资金回笼节约 ↔ 保障政务网络光纤通畅 does not match)."""
    if not name or name.strip() in {"/", "-", "—", "无"}:
        return Unknown("指标未命名，无法判断名实是否相符 (unnamed indicator)")
    if value.empty:
        return Unknown("指标值为空 (empty target)")
    name = re.sub(r"\s+", "", name)
    if RATE_NAME.search(name):
        return value.quantified and value.unit in ("%", "‰")
    if TIME_NAME.search(name) and value.quantified:
        return all(c.unit in TIME_UNITS for c in value.clauses)
    if value.quantified:
        return True
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


_UNNAMED = {"", "/", "-", "—", "无"}


def _key(ind) -> tuple[str, str, str]:
    """How a row is recognised across stages: its name, or for an unnamed row its 二级 and value."""
    name = re.sub(r"\s+", "", ind.name or "")
    target = re.sub(r"[\s。.；;]+$", "", re.sub(r"\s+", "", ind.target or ""))
    if name in _UNNAMED:
        return ("", re.sub(r"\s+", "", ind.level2_raw or ind.level2 or ""), target)
    return (name, "", target)


def _declared(ctx: Context, i, v):
    """与申报一致: the row appears, with the same value, in the declared (申报) set."""
    if not isinstance(i, int):
        return Unknown("与申报一致只能用于指标 (applies to indicators)")
    d = ctx.declared()
    if isinstance(d, Unknown):
        return d
    return _key(ctx.indicators[i]) in {_key(x) for x in d.indicators}


PREDICATES: dict[str, Predicate] = {}


def _pred(names: str, p: Predicate) -> None:
    for name in names.split("|"):
        PREDICATES[name] = p


_pred("可衡量|measurable", Predicate("可衡量", ("value",), _v(lambda v: v.measurable, "measurable"), "不可衡量"))
_pred("量化|定量|quantified|quantitative",
      Predicate("量化", ("value",), _v(lambda v: v.quantified, "quantified"), "不是量化值"))
_pred("定性|qualitative", Predicate("定性", ("value",), _v(lambda v: v.qualitative, "qualitative"), "不是定性值"))
_pred("模糊|vague", Predicate("模糊", ("value",), _v(lambda v: v.vague, "vague"), "表述模糊"))
_pred("百分数|percentage", Predicate("百分数", ("value",),
                                  _v(lambda v: v.quantified and v.unit in ("%", "‰")), "不是百分数"))
# Direction of a quantitative target: ≥ > = ≈ ask for more, ≤ < for less (10分钟内).
_pred("正向|higher_is_better", Predicate("正向", ("value",),
                                      _v(lambda v: v.quantified and v.comparator in ("≥", ">", "=", "≈")),
                                      "不是正向指标"))
_pred("反向|lower_is_better", Predicate("反向", ("value",),
                                     _v(lambda v: v.quantified and v.comparator in ("≤", "<")), "不是反向指标"))
_pred("名实相符|name_matches_value",
      Predicate("名实相符", ("indicator",), _name_match, "名称与指标值不相符"))
_pred("达标|达成|met", Predicate("达标", ("indicator",), _met, "未达到指标值"))
_pred("与申报一致|matches_declared",
      Predicate("与申报一致", ("indicator",), _declared, "与申报阶段的指标不一致"))
_pred("有佐证|evidenced", Predicate("有佐证", ("indicator",), _evidenced, "没有佐证材料"))

# Word lists with a meaning of their own: they tune the measurability test.
VAGUE_LIST = ("模糊用语", "vague_words")
STATE_LIST = ("状态用语", "state_words")
