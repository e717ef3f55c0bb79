"""What checks evaluate against: one indicator set, with readings computed once and cached."""

from __future__ import annotations

from decimal import Decimal

from ..data.categories import LEVEL1, LEVEL2, Synonyms
from ..data.indicators import IndicatorSet
from ..data.terms import DECLARED
from ..data.values import Value, completion_rate, peak_rate, read_value
from .explain import fmt_num


class Unknown:
    """A datum the input does not give; a check that meets one is "not applicable".

    ``missing`` names what the input left out when the datum could have been given (预算,
    类别, 阶段 …): a check that cannot be judged for that reason, and would report something
    if it could, is not silently "not applicable" (see :class:`~perfrules.engine.checks.Undecided`).
    It is None where nothing is missing: a qualitative target has no completion rate.

    ``blank`` says the datum is a cell the input left blank (an indicator's 分值, a declared
    indicator field): nothing is missing from the form as a whole, so a check that meets it
    is "not applicable"; but a presence test (为空, 非空) reads it as empty (see :func:`absent`).
    """

    __slots__ = ("reason", "missing", "blank")

    def __init__(self, reason: str, missing: str | None = None, *, blank: bool = False):
        self.reason = reason
        self.missing = missing
        self.blank = blank

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r}, missing={self.missing!r}" + (", blank=True)" if self.blank else ")")


def absent(v: object) -> bool:
    """Whether ``v`` is a value the input does not give, which a presence test (为空, 非空)
    reads as empty: project data left out (``missing``) or a cell left blank (``blank``).
    Not so a value that cannot be computed (a qualitative target's 完成率) nor a part the form
    does not print at all (评价结论 of a bare indicator table): those stay undecidable."""
    return isinstance(v, Unknown) and (v.missing is not None or v.blank)


# What may be missing without being part of the form itself: the declared (申报) set is
# another document given alongside. A rule it leaves undecided stays "not applicable";
# a score it leaves undecided is still shown as undecided.
COMPANION = frozenset({"申报表"})


class Env:
    """Pack-wide meaning: synonyms and the word lists that predicates use."""

    def __init__(self, synonyms: Synonyms, wordlists: dict[str, tuple[str, ...]],
                 vague_words: frozenset[str] | None, state_words: frozenset[str] | None):
        self.synonyms = synonyms
        self.wordlists = wordlists
        self.vague_words = vague_words
        self.state_words = state_words

    def canonical(self, text: str | None) -> str | None:
        return self.synonyms.canonical(text)


class Context:
    """One indicator set under one pack's meaning; per-indicator readings are memoised."""

    def __init__(self, iset: IndicatorSet, env: Env,
                 related: dict[str, IndicatorSet] | None = None):
        self.iset = iset
        # The same project's sets at other stages (申报 beside 自评), for rules that compare.
        self.related = related or {}
        self.env = env
        self.indicators = iset.indicators
        n = len(self.indicators)
        self._targets: list[Value | None] = [None] * n
        self._actuals: list[Value | None] = [None] * n
        self._level1: list[str | None | bool] = [False] * n
        self._level2: list[str | None | bool] = [False] * n
        self._categories: frozenset[str] | None = None
        self._declared_ctx: Context | None = None
        self._entries: dict[str, object] | None = None
        # The score-sheet lines as a pack reads them (see scoring.score_entries / score_lines).
        self._lines: tuple | None = None
        self._score_table: tuple | None = None
        self._line_index: tuple | None = None
        self.memo: dict[int, object] = {}  # project-wide values (counts) computed once

    def _read(self, text: str | None) -> Value:
        return read_value(text, vague_words=self.env.vague_words, state_words=self.env.state_words)

    def target(self, i: int) -> Value:
        v = self._targets[i]
        if v is None:
            v = self._targets[i] = self._read(self.indicators[i].target)
        return v

    def actual(self, i: int) -> Value:
        v = self._actuals[i]
        if v is None:
            v = self._actuals[i] = self._read(self.indicators[i].actual)
        return v

    def level1(self, i: int) -> str | None:
        v = self._level1[i]
        if v is False:
            ind = self.indicators[i]
            v = self.env.canonical(ind.level1_raw or ind.level1)
            # Forms write a 二级 name in the 一级 column (服务对象满意度指标 as 一级 on the
            # national 自评表): read it as the 一级 it belongs to.
            v = self._level1[i] = LEVEL2.get(v, v) if v not in LEVEL1 else v
        return v  # type: ignore[return-value]

    def level2(self, i: int) -> str | None:
        v = self._level2[i]
        if v is False:
            ind = self.indicators[i]
            v = self._level2[i] = self.env.canonical(ind.level2_raw or ind.level2)
        return v  # type: ignore[return-value]

    def entry_for(self, i: int):
        """The score-sheet line that scores this indicator (its path ends in the indicator's name)."""
        if self._entries is None:
            table: dict[str, object] = {}
            for e in self.iset.scores:
                key = e.path.replace(" ", "").rsplit("/", 1)[-1]
                table[key] = None if key in table else e  # ambiguous names match nothing
            self._entries = table
        name = (self.indicators[i].name or "").replace(" ", "")
        return self._entries.get(name) if name else None

    def number(self, i: int, attr: str) -> Decimal | None:
        """分值/得分 of a row, or of its line in the score sheet when the row has none."""
        v = getattr(self.indicators[i], attr)
        if v is None:
            e = self.entry_for(i)
            v = getattr(e, attr) if e is not None else None
        return v

    def peak(self, i: int) -> Decimal | Unknown:
        rate = peak_rate(self.target(i), self.actual(i))
        if rate is None:
            return Unknown("指标值或实际完成值不是可比较的数值 (target or actual is not a comparable number)")
        return rate

    def completion(self, i: int) -> Decimal | Unknown:
        rate = completion_rate(self.target(i), self.actual(i))
        if rate is None:
            return Unknown("指标值或实际完成值不是可比较的数值 (target or actual is not a comparable number)")
        return rate

    def declared(self) -> IndicatorSet | Unknown:
        d = self.related.get(DECLARED)
        if d is None or d is self.iset:
            return Unknown("未同时提供申报阶段的指标表 (no declared set given alongside)", "申报表")
        return d

    def declared_context(self) -> "Context | Unknown":
        d = self.declared()
        if isinstance(d, Unknown):
            return d
        if self._declared_ctx is None:
            self._declared_ctx = Context(d, self.env)
        return self._declared_ctx

    @property
    def categories(self) -> frozenset[str]:
        if self._categories is None:
            p = self.iset.project
            cats = p.categories if p else ()
            self._categories = frozenset(self.env.canonical(c) or c for c in cats)
        return self._categories

    def execution_rate(self) -> Decimal | Unknown:
        b = self.iset.budget
        if b is None:
            return Unknown("缺少预算数据 (no budget given)", "预算")
        if b.spent is None:
            return Unknown("缺少支出数 (no expenditure given)", "支出")
        den = b.denominator
        if den is None:
            return Unknown("缺少年度预算数 (no annual budget given)", "年度预算")
        if den == 0:
            # Stated as 0, not missing: the rate is undefined (a division by 0), and the built-in
            # check RC-05 names the zero budget as a finding.
            return Unknown(zero_budget_reason(b.spent))
        return b.spent / den


def zero_budget_reason(spent: Decimal | None) -> str:
    """Why there is no execution rate when the annual budget is 0 (shared by rules and RC-05)."""
    how = f"支出 {fmt_num(spent)} ÷ 年度预算 0，" if spent is not None else ""
    return (f"年度预算为 0，无法计算执行率（{how}除数为 0） "
            "(the annual budget is 0: the execution rate is undefined, a division by zero)")
