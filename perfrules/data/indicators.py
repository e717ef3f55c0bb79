"""The indicator-set model: what a 绩效目标申报表 / 绩效自评表 loads into.

Names in code are English; the Chinese name of each field a form prints is in the
attribute's metadata (``zh``); the keys and column headers that loaders accept for each are
in :mod:`perfrules.data.loaders.fields`. Amounts are 万元 as :class:`decimal.Decimal`.
Fields a pack declares (:mod:`perfrules.data.declared`) are kept in ``Project.fields`` and
``Indicator.fields``.
What a form prints that the model has no field for is kept in an ``extra`` tuple of
(heading, text) pairs, never dropped; reading notes say what was not read at all.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from ..errors import Location
from .notes import Note
from .terms import is_blank

NATURES = ("经常性", "一次性")


def _tuple(x):
    return tuple(x) if x is not None else ()


@attrs.frozen
class Project:
    """项目: the project an indicator set belongs to."""

    name: str | None = attrs.field(default=None, metadata={"zh": "名称"})
    department: str | None = attrs.field(default=None, metadata={"zh": "主管部门"})
    categories: tuple[str, ...] = attrs.field(default=(), converter=_tuple,
                                              metadata={"zh": "类别"})
    nature: str | None = attrs.field(default=None, metadata={"zh": "性质"})
    year: int | None = attrs.field(default=None, metadata={"zh": "年度"})
    unit: str | None = attrs.field(default=None, metadata={"zh": "实施单位"})
    # Header cells the model has no field for (项目负责人, 项目期 …), as printed.
    extra: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_tuple)
    # Fields a pack declares (pack.yaml ``fields``, scope project): (name, value) pairs, the
    # value of the declared type (str, Decimal, date, bool, tuple of str); absent ones left out.
    fields: tuple[tuple[str, object], ...] = attrs.field(default=(), converter=_tuple)

    def field(self, name: str) -> object | None:
        """The value of a declared field, None when the input does not give it."""
        return next((v for k, v in self.fields if k == name), None)


@attrs.frozen
class FundSource:
    """One row of a form's fund block (资金来源): 当年财政拨款, 上年结转资金, 其他资金 …"""

    name: str = attrs.field(metadata={"zh": "来源"})
    initial: Decimal | None = attrs.field(default=None, metadata={"zh": "年初预算"})
    annual: Decimal | None = attrs.field(default=None, metadata={"zh": "年度预算"})
    spent: Decimal | None = attrs.field(default=None, metadata={"zh": "支出"})
    stated_rate: Decimal | None = attrs.field(default=None, metadata={"zh": "执行率"})
    extra: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_tuple)
    location: Location | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Budget:
    """预算: the project's budget figures in 万元."""

    initial: Decimal | None = attrs.field(default=None, metadata={"zh": "年初预算"})
    adjustments: tuple[Decimal, ...] = attrs.field(default=(), converter=_tuple,
                                                   metadata={"zh": "调整"})
    carryover: Decimal | None = attrs.field(default=None, metadata={"zh": "上年结转"})
    annual: Decimal | None = attrs.field(default=None, metadata={"zh": "年度预算"})
    spent: Decimal | None = attrs.field(default=None, metadata={"zh": "支出"})
    # A stated execution rate (执行率) to reconcile against spent ÷ annual.
    stated_rate: Decimal | None = attrs.field(default=None, metadata={"zh": "执行率"})
    # The same expenditure stated again elsewhere in a report, and its stated parts:
    # reports contradict themselves (seed 001: 49,644.69 vs 49,664.69).
    spent_total: Decimal | None = attrs.field(default=None, metadata={"zh": "支出合计"})
    spent_parts: tuple[Decimal, ...] = attrs.field(default=(), converter=_tuple,
                                                   metadata={"zh": "支出明细"})
    # Periodic spending progress as a finance bureau reports it (seed 001: 10 通报 adding up
    # to 1044.31%); the spending-rate item of some schemes averages them.
    progress: tuple[Decimal, ...] = attrs.field(default=(), converter=_tuple,
                                                metadata={"zh": "执行进度"})
    progress_total: Decimal | None = attrs.field(default=None, metadata={"zh": "执行进度合计"})
    progress_count: int | None = attrs.field(default=None, metadata={"zh": "通报次数"})
    # The form's own 分值 and 得分 for budget execution (项目支出绩效自评表: 10 points).
    rate_weight: Decimal | None = attrs.field(default=None, metadata={"zh": "执行率分值"})
    rate_score: Decimal | None = attrs.field(default=None, metadata={"zh": "执行率得分"})
    # The fund block by source, as printed (its 年度资金总额 row is the budget itself).
    sources: tuple[FundSource, ...] = attrs.field(default=(), converter=_tuple,
                                                  metadata={"zh": "明细"})
    extra: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_tuple)

    @property
    def mean_progress(self) -> Decimal | None:
        """The mean periodic progress: of the listed figures, else their stated total ÷ count."""
        if self.progress:
            return sum(self.progress, Decimal(0)) / len(self.progress)
        if self.progress_total is not None and self.progress_count:
            return self.progress_total / self.progress_count
        return None
    location: Location | None = attrs.field(default=None, eq=False)

    @property
    def adjusted(self) -> Decimal | None:
        """上年结转 + 年初预算 ± 调整, when 年初预算 is known."""
        if self.initial is None:
            return None
        return (self.carryover or Decimal(0)) + self.initial + sum(self.adjustments, Decimal(0))

    @property
    def denominator(self) -> Decimal | None:
        """年度预算 if stated, else the adjusted budget."""
        return self.annual if self.annual is not None else self.adjusted


@attrs.frozen
class Indicator:
    """三级指标: one row of the indicator table, with where it came from."""

    level1: str | None = attrs.field(default=None, metadata={"zh": "一级指标"})
    level2: str | None = attrs.field(default=None, metadata={"zh": "二级指标"})
    name: str | None = attrs.field(default=None, metadata={"zh": "三级指标"})
    target: str | None = attrs.field(default=None, metadata={"zh": "指标值"})
    actual: str | None = attrs.field(default=None, metadata={"zh": "实际完成值"})
    method: str | None = attrs.field(default=None, metadata={"zh": "计算方法"})
    basis: str | None = attrs.field(default=None, metadata={"zh": "赋值依据"})
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_tuple,
                                            metadata={"zh": "佐证材料"})
    weight: Decimal | None = attrs.field(default=None, metadata={"zh": "分值"})
    score: Decimal | None = attrs.field(default=None, metadata={"zh": "得分"})
    deviation: str | None = attrs.field(default=None, metadata={"zh": "偏差原因"})
    # The 一级 weight a form prints in the 一级 cell: 产出指标（50分） → 50.
    level1_weight: Decimal | None = attrs.field(default=None, metadata={"zh": "一级指标分值"})
    # What the form said before synonyms were normalised (产出数量 → 数量指标).
    level1_raw: str | None = attrs.field(default=None, metadata={"zh": "一级指标原文"})
    level2_raw: str | None = attrs.field(default=None, metadata={"zh": "二级指标原文"})
    # Extra columns of the form that perfrules does not interpret, kept, never dropped.
    extra: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_tuple)
    location: Location | None = attrs.field(default=None, eq=False)
    # Fields a pack declares (pack.yaml ``fields``, scope indicator): (name, value) pairs.
    fields: tuple[tuple[str, object], ...] = attrs.field(default=(), converter=_tuple)

    def field(self, name: str) -> object | None:
        """The value of a declared field on this row, None when the row does not give it."""
        return next((v for k, v in self.fields if k == name), None)

    def label(self, index: int) -> str:
        """How a finding names this row: 绩效指标[3] 资金拨付率 (1-based)."""
        if is_blank(self.name):
            return f"绩效指标[{index}] (未命名)"
        return f"绩效指标[{index}] {self.name.strip()}"


@attrs.frozen
class ScoreEntry:
    """评分: one line of an evaluator's score sheet."""

    path: str = attrs.field(metadata={"zh": "路径"})
    weight: Decimal | None = attrs.field(default=None, metadata={"zh": "分值"})
    score: Decimal | None = attrs.field(default=None, metadata={"zh": "得分"})
    comment: str | None = attrs.field(default=None, metadata={"zh": "评价情况"})
    # Deductions the report states for this line: (reason, points).
    deductions: tuple[tuple[str, Decimal], ...] = attrs.field(default=(), converter=_tuple,
                                                              metadata={"zh": "扣分"})
    location: Location | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Waiver:
    """豁免: the input waives a rule (for one indicator, or for the whole set) with a reason."""

    rule: str = attrs.field(metadata={"zh": "规则"})
    reason: str = attrs.field(metadata={"zh": "理由"})
    indicator: str | None = attrs.field(default=None, metadata={"zh": "指标"})  # name or 1-based index
    location: Location | None = attrs.field(default=None, eq=False)


@attrs.frozen
class IndicatorSet:
    """One project's indicators at one stage, with whatever else the form gave."""

    indicators: tuple[Indicator, ...] = attrs.field(converter=_tuple)
    project: Project | None = None
    stage: str | None = attrs.field(default=None, metadata={"zh": "阶段"})
    budget: Budget | None = None
    goal: str | None = attrs.field(default=None, metadata={"zh": "绩效目标"})
    # The form's other half of the goal block: 实际完成情况 (年度总体目标完成情况).
    goal_actual: str | None = attrs.field(default=None, metadata={"zh": "实际完成情况"})
    scores: tuple[ScoreEntry, ...] = attrs.field(default=(), converter=_tuple,
                                                 metadata={"zh": "评分"})
    # Stated results to reconcile with computed ones (总分, 等级 as the report states them).
    stated_total: Decimal | None = attrs.field(default=None, metadata={"zh": "总分"})
    stated_grade: str | None = attrs.field(default=None, metadata={"zh": "等级"})
    # The weight total printed beside 总分 (or in a 合计 row): usually 100.
    stated_max: Decimal | None = attrs.field(default=None, metadata={"zh": "总分分值"})
    # 陈述: the form's closing text by part (评价结论, 存在问题, 改进措施, 其他需要说明事项 …).
    statement: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_tuple,
                                                         metadata={"zh": "陈述"})
    # Documents that approve changes between 申报 and 自评 (调整文件).
    adjustment_docs: tuple[str, ...] = attrs.field(default=(), converter=_tuple,
                                                   metadata={"zh": "调整文件"})
    waivers: tuple[Waiver, ...] = attrs.field(default=(), converter=_tuple, metadata={"zh": "豁免"})
    # Form content the model has no field for (top-level keys, goal-block parts …), as printed.
    extra: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_tuple)
    source: str = "<memory>"
    # What reading the input left unread or noticed (see :mod:`perfrules.data.notes`).
    notes: tuple[Note, ...] = attrs.field(default=(), converter=_tuple, eq=False)
