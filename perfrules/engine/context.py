"""What checks evaluate against: one indicator set, with readings computed once and cached."""

from __future__ import annotations

from decimal import Decimal

from ..data.categories import Synonyms
from ..data.indicators import IndicatorSet
from ..data.values import Value, completion_rate, read_value


class Unknown:
    """A datum the input does not give; a check that meets one is "not applicable"."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


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

    def __init__(self, iset: IndicatorSet, env: Env):
        self.iset = iset
        self.env = env
        self.indicators = iset.indicators
        n = len(self.indicators)
        self._targets: list[Value | None] = [None] * n
        self._actuals: list[Value | None] = [None] * n
        self._level1: list[str | None | bool] = [False] * n
        self._level2: list[str | None | bool] = [False] * n
        self._categories: frozenset[str] | None = None
        self.score_item = None  # set while a score item is evaluated (分值 / 得分 there)

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
            v = self._level1[i] = self.env.canonical(ind.level1_raw or ind.level1)
        return v  # type: ignore[return-value]

    def level2(self, i: int) -> str | None:
        v = self._level2[i]
        if v is False:
            ind = self.indicators[i]
            v = self._level2[i] = self.env.canonical(ind.level2_raw or ind.level2)
        return v  # type: ignore[return-value]

    def completion(self, i: int) -> Decimal | Unknown:
        rate = completion_rate(self.target(i), self.actual(i))
        if rate is None:
            return Unknown("指标值或实际完成值不是可比较的数值 (target or actual is not a comparable number)")
        return rate

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
            return Unknown("缺少预算数据 (no budget given)")
        if b.spent is None:
            return Unknown("缺少支出数 (no expenditure given)")
        den = b.denominator
        if den is None or den == 0:
            return Unknown("缺少年度预算数 (no annual budget given)")
        return b.spent / den
