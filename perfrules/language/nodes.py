"""The syntax tree of a rule file. Each node's docstring is its spec; each carries a span."""

from __future__ import annotations

import functools
import re
from decimal import Decimal

import attrs

from ..errors import Span

_node = attrs.frozen(kw_only=True)


@_node
class Node:
    """Base: every node knows where it is in its file."""

    span: Span = attrs.field(eq=False, repr=False)


# ---- expressions ------------------------------------------------------------------

@_node
class Number(Node):
    """A number literal; ``60%`` has value 0.6 exactly and unit ``%``; amounts keep 万元/元."""

    value: Decimal
    unit: str
    text: str


def number_value(text: str) -> tuple[Decimal, str]:
    """A NUMBER literal's value and unit: ``60%`` → (0.6, "%"), ``4285400元`` → (428.54, "元")
    (amounts are 万元 throughout), ``1,164.43`` → (1164.43, "")."""
    m = re.fullmatch(r"([\d,]+(?:\.\d+)?)(.*)", text)
    if m is None:
        raise ValueError(f"not a number literal: {text!r}")
    value = Decimal(m.group(1).replace(",", ""))
    unit = m.group(2).replace("％", "%")
    if unit == "%":
        value /= 100
    elif unit == "‰":
        value /= 1000
    elif unit == "元":
        value /= 10000
    elif unit == "亿元":
        value *= 10000
    return value, unit


@_node
class String(Node):
    """A quoted text: 「…」, "…" or “…”."""

    text: str


@_node
class Name(Node):
    """A bare name, resolved by the compiler: a field, a predicate, a category or a word list."""

    text: str


@_node
class ListLit(Node):
    """A bracketed list of words: [产出指标, 效益指标]."""

    items: tuple[str, ...]


@_node
class BinOp(Node):
    """Arithmetic: ``+ - × ÷`` (also ``* /``)."""

    op: str
    left: Node
    right: Node


@_node
class Neg(Node):
    """Unary minus."""

    operand: Node


@_node
class Compare(Node):
    """``a < b`` and friends; Chinese words (不低于 …) are mapped to symbols."""

    op: str
    left: Node
    right: Node


@_node
class Chain(Node):
    """``60% ≤ 执行率 < 80%``: a chain of comparisons, each operand read once; holds when
    every neighbouring pair does (``operands`` is one longer than ``ops``)."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@_node
class Interval(Node):
    """``[80%, 100%)``: the numbers from ``lo`` to ``hi``; a square bracket includes its
    end, a round one leaves it out."""

    lo: Number
    hi: Number
    lo_closed: bool
    hi_closed: bool


@_node
class BoolOp(Node):
    """``a 且 b 且 …`` (op "and") or ``a 或 b 或 …`` (op "or"): two or more operands in
    order. A chain is one flat node, however long; only brackets make one inside another
    (``a 或 (b 或 c)`` is an "or" whose second operand is an "or")."""

    op: str
    operands: tuple[Node, ...]


@_node
class Not(Node):
    """``并非 a``."""

    operand: Node


@_node
class Test(Node):
    """``subject 是 pred`` / ``subject 属于 [..]`` …: a predicate applied in a condition."""

    subject: Node
    pred: "Pred"
    negated: bool = False


@_node
class Call(Node):
    """``计数(cond)``, ``合计(expr 其中 cond)``, ``最小(a, b)``, ``字数(text)`` …"""

    func: str
    args: tuple[Node, ...]
    where: Node | None = None


# ---- predicates ---------------------------------------------------------------------

@_node
class Pred(Node):
    """What is required of, or tested on, a subject."""


@_node
class PredNamed(Pred):
    """A named predicate: 可衡量, 量化, 定性, 名实相符 … or a category value (是 满意度指标)."""

    name: str


@_node
class PredEmpty(Pred):
    """为空 (``negated``: 不为空 / 非空)."""

    negated: bool = False


@_node
class PredIn(Pred):
    """属于 a list, a word list, one name, or an :class:`Interval` (介于 is 属于 an interval)."""

    target: Node


@_node
class PredContains(Pred):
    """包含 a text, or any word of a list / word list (anywhere, inside words too);
    ``phrase`` (包含短语): only where it stands whole, between the text's ends or punctuation."""

    target: Node
    phrase: bool = False


@_node
class PredEndsIn(Pred):
    """词尾属于 a list, a word list, or one word: the text ends with one of them."""

    target: Node


@_node
class PredCompare(Pred):
    """A comparison with the subject on the left: 须 ≥ 90%."""

    op: str
    right: Node


# ---- consequences -----------------------------------------------------------------

@_node
class Flag(Node):
    """A finding of the given severity (否决 is a veto), with an optional message."""

    severity: str
    message: str | None = None


@_node
class Deduct(Node):
    """扣 N 分 [于 path]: take N points off a score item."""

    points: Decimal
    item: str | None = None


@_node
class SetScore(Node):
    """得 N 分 / N分: the item scores N (a ladder step when under a 评分项)."""

    points: Decimal


@_node
class Cap(Node):
    """最高 N 分: the item scores at most N."""

    points: Decimal


@_node
class Halve(Node):
    """得分减半: the item (or indicator) scores half its weight at most."""


@_node
class GradeCap(Node):
    """等级不高于 X: the grade may be at most X."""

    grade: str


# ---- clauses ------------------------------------------------------------------------

@_node
class Requirement(Node):
    """``subject 须|不得|应|不应 pred [除非 cond]``; no subject means the indicator itself."""

    subject: Node | None
    modal: str  # "must" | "must_not" | "should" | "should_not"
    pred: Pred
    unless: Node | None = None


@_node
class Applicability(Node):
    """``A 不适用于 B``: an indicator of category A is a finding in a project of 类别 B."""

    category: str
    project_category: str
    unless: Node | None = None


@_node
class Implication(Node):
    """``若 cond 则 consequence [且 consequence …]`` or ``cond ⇒ consequence …``."""

    cond: Node
    consequence: Node
    also: tuple[Node, ...] = ()  # the consequences after the first, joined by 且


@_node
class Assertion(Node):
    """A condition that must hold (a finding when it does not)."""

    cond: Node
    unless: Node | None = None


@_node
class Otherwise(Node):
    """``否则 ⇒ consequence``: the last step of a ladder."""

    consequence: Node


@_node
class Each(Node):
    """``每个指标 [其中 cond]: stmt``: the statement is checked on each indicator that passes the filter."""

    where: Node | None
    stmt: Node


@_node
class When(Node):
    """``当 cond``: the rule applies only when cond holds; otherwise it is "not applicable"."""

    cond: Node


@_node
class Meta(Node):
    """依据/说明/建议/消息/来源 with its text."""

    key: str  # "basis" | "explain" | "fix" | "message" | "source"
    text: str


# ---- top-level ----------------------------------------------------------------------

@_node
class WordList(Node):
    """词表 name: words — a named list that predicates and tests use."""

    name: str
    words: tuple[str, ...]


@_node
class Synonym(Node):
    """同义 canonical: variants — variants are read as the canonical name."""

    canonical: str
    variants: tuple[str, ...]


@_node
class Rule(Node):
    """规则 ID 「title」 severity, then its clauses. A clause outside any header is an anonymous rule."""

    id: str
    title: str | None
    severity: str | None
    clauses: tuple[Node, ...]
    anonymous: bool = False


@_node
class ScoreItem(Node):
    """评分项 path 分值 N, then its clauses: a formula, a ladder, deductions; none means a judgement item."""

    path: str
    weight: Decimal
    title: str | None
    clauses: tuple[Node, ...]
    # 酌情: the computed score is a ceiling; the evaluator may score lower, with a reason.
    discretionary: bool = False
    # 每个指标 [其中 cond]: the item is scored row by row over the indicators that pass.
    per_indicator: bool = False
    rows: Node | None = None


@_node
class RuleFile(Node):
    """A parsed rule file: word lists, synonyms, rules and score items in file order."""

    path: str
    wordlists: tuple[WordList, ...]
    synonyms: tuple[Synonym, ...]
    rules: tuple[Rule, ...]
    items: tuple[ScoreItem, ...]
    comments: tuple[tuple[int, str], ...] = ()  # (line, text): kept for the formatter
    # Names read as fields on lines that did not parse: the compiler still checks them, so a
    # syntax error does not hide an unknown field on the same line.
    broken_names: tuple[Name, ...] = ()
    text: str = attrs.field(default="", eq=False, repr=False)

    @functools.cached_property
    def lines(self) -> list[str]:
        """The text's lines, split once: excerpts are taken for every statement, and
        splitting the whole file each time made compiling quadratic in its size."""
        return self.text.splitlines()

    def excerpt(self, span: Span) -> str:
        """The source text a span covers (for messages that quote the rule)."""
        lines = self.lines
        if not 1 <= span.line <= len(lines):
            return ""
        if span.end_line in (None, span.line):
            return lines[span.line - 1][span.column - 1:(span.end_column or 0) - 1 or None]
        parts = [lines[span.line - 1][span.column - 1:]]
        parts += lines[span.line:span.end_line - 1]
        parts.append(lines[span.end_line - 1][:(span.end_column or 1) - 1])
        return " ".join(p.strip() for p in parts)
