"""Compiled expressions: closures built once from nodes, evaluated per project or indicator.

An :class:`Expr` evaluates to a value or :class:`Unknown` (missing data) and can
render itself with the real numbers substituted, which is how a deduction shows its
arithmetic. Nothing here ever sees rule text as code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

import attrs

from ..data.values import Value
from .context import Context, Unknown
from .explain import fmt_num, show

Fn = Callable[[Context, Any], Any]


@attrs.frozen
class CompiledPred:
    """A compiled predicate: ``fn(ctx, i, subject value)`` → bool | Unknown, and what lets
    the compiled test that calls it take a shorter path (the compiler reads these once)."""

    fn: Callable[[Context, Any, Any], Any]
    # 属于 [...]: the canonical words; a text already canonical is a set lookup.
    fast_in: frozenset[str] | None = None
    # 指标值 是 量化: the attribute of a reading (Value) that holds the answer.
    value_attr: str | None = None
    # 为空 / 非空: a field the input left out counts as empty rather than unknown.
    accepts_missing: bool = False


class Expr:
    """A compiled expression: fn(ctx, i) → value; i is an indicator index or None."""

    __slots__ = ("fn", "type", "scope", "text", "unit", "parts", "label", "bounds")

    def __init__(self, fn: Fn, type: str, scope: str, text: str, unit: str = "",
                 parts: tuple["Expr", ...] = (), label: str | None = None,
                 bounds: tuple | None = None):
        self.fn = fn
        self.type = type  # num | text | value | set | indicator | bool | list
        self.scope = scope  # indicator | project
        self.text = text
        self.unit = unit
        self.parts = parts  # sub-expressions worth showing in an explanation
        self.label = label  # a field's name, for messages
        # A comparison's shape, for a message that states the figures and the gap:
        # ((op, left, right), …) for a comparison or a chain, the pairs in order.
        self.bounds = bounds


def first_unknown(*vals) -> Unknown | None:
    for v in vals:
        if isinstance(v, Unknown):
            return v
    return None


def as_num(v, what: str) -> Decimal | Unknown:
    """A number from a value: 91% → 0.91; a qualitative value is Unknown."""
    if isinstance(v, Unknown) or isinstance(v, Decimal):
        return v
    if isinstance(v, bool):
        return Decimal(int(v))
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, Value):
        if v.quantified and v.ratio is not None:
            return v.ratio
        if not (v.text or "").strip():  # a blank cell: say it is missing, not 「」 not a number
            return Unknown(f"未填写{what} ({what} not given)")
        return Unknown(f"{what}「{v.text}」不是数值 ({what} is not a number)")
    if v is None:
        return Unknown(f"未填写{what} ({what} not given)")
    return Unknown(f"{what}「{v}」不是数值 ({what} is not a number)")


def as_text(v) -> str | Unknown:
    if type(v) is str:  # the common case, first: this runs for every row of every rule
        return v
    if isinstance(v, Unknown):
        return v
    if isinstance(v, Value):
        return v.text
    return show(v)


def arith(op: str, a: Decimal, b: Decimal) -> Decimal | Unknown:
    try:
        if op == "+":
            return a + b
        if op == "−":
            return a - b
        if op == "×":
            return a * b
        if b == 0:
            return Unknown("除数为零 (division by zero)")
        return a / b
    except (InvalidOperation, DivisionByZero, OverflowError):
        return Unknown("无法计算 (arithmetic overflow)")


CMP_FNS: dict[str, Callable[[Any, Any], bool]] = {
    "≥": lambda a, b: a >= b, "≤": lambda a, b: a <= b, ">": lambda a, b: a > b,
    "<": lambda a, b: a < b, "=": lambda a, b: a == b, "≠": lambda a, b: a != b,
}


def render(e: Expr, ctx: Context, i) -> str:
    """The expression's value as text, with its unit (84.40%, 428.54)."""
    v = e.fn(ctx, i)
    if isinstance(v, Unknown):
        return "?"
    if isinstance(v, Decimal):
        return fmt_num(v, e.unit)
    if isinstance(v, Value) and v.quantified and v.number is not None:
        # In arithmetic a value is its number: ≥1000个 → 1000个, 91% → 91%.
        return f"{fmt_num(v.number)}{v.unit or ''}"
    return show(v)


def substituted(e: Expr, ctx: Context, i) -> str:
    """The expression's text with every named value replaced by its value.

    ``(执行率 − 60%) ÷ (100% − 60%) × 分值`` → ``(84.40% − 60%) ÷ (100% − 60%) × 8``.
    """
    parts: dict[str, Expr] = {}
    for part in leaf_names(e):
        parts.setdefault(part.text, part)
    if not parts:
        return e.text
    # One pass over the rule's own text, longest names first (年度预算 before 预算): a value
    # put in is never searched again, so an input text that holds a field's name (原因说明
    # 「执行率低于…」) is shown as written.
    pattern = re.compile("|".join(re.escape(t) for t in sorted(parts, key=len, reverse=True)))
    return pattern.sub(lambda m: render(parts[m.group()], ctx, i), e.text)


def leaf_names(e: Expr) -> list[Expr]:
    out: list[Expr] = []
    stack = [e]
    while stack:
        x = stack.pop()
        if x.label is not None and not x.parts:
            out.append(x)
        stack.extend(x.parts)
    return out


# How a broken comparison reads: what the value should be, and the word for the gap.
_SHOULD = {"=": ("应为", "差"), "≥": ("应不低于", "差"), ">": ("应高于", "差"),
           "≤": ("应不超过", "超出"), "<": ("应低于", "超出"), "≠": ("不应等于", "")}
_FLIP = {"≥": "≤", "≤": "≥", ">": "<", "<": ">", "=": "=", "≠": "≠"}


def _figure(e: Expr, x: Decimal, unit: str) -> str:
    """A side of a comparison as a message shows it: a literal as written, a formula with
    its value (分值 × 50%（= 4）)."""
    shown = fmt_num(x, unit)
    if not e.parts and e.label is None:  # a literal, as the rule wrote it
        return e.text
    if e.text == shown or len(e.text) > 12:  # too long to repeat
        return shown
    return f"{e.text}（= {shown}）"


def shortfall(e: Expr, ctx: Context, i) -> str | None:
    """A failed comparison in words, with both figures and the difference:
    ``合计(分值) 为 88，应为 90，差 2``; None when ``e`` is no comparison or holds."""
    if not e.bounds:
        return None
    for op, a, b in e.bounds:
        x, y = as_num(a.fn(ctx, i), a.label or a.text), as_num(b.fn(ctx, i), b.label or b.text)
        if isinstance(x, Unknown) or isinstance(y, Unknown) or CMP_FNS[op](x, y):
            continue
        if not (a.parts or a.label) and (b.parts or b.label):
            a, b, x, y, op = b, a, y, x, _FLIP[op]  # 60% ≤ 执行率: say what 执行率 is
        unit = a.unit or b.unit
        should, word = _SHOULD[op]
        # A short side is named (执行率 为 55%); a long one is quoted just before the colon.
        said = f"{a.text} 为" if len(a.text) <= 12 else "实为"
        text = f"{said} {fmt_num(x, unit)}，{should} {_figure(b, y, unit)}"
        if word:
            text += f"，{word} {fmt_num(abs(x - y), unit)}"
        return text
    return None


class Template:
    """A message with ``{…}`` placeholders compiled once: ``{三级指标}`` shows the field as the
    input wrote it, ``{合计(分值) − 90}`` the formula's value with its unit."""

    __slots__ = ("text", "parts")

    def __init__(self, text: str, parts: tuple[tuple[str, Expr], ...]):
        self.text = text
        self.parts = dict(parts)  # placeholder text (without braces) → its expression

    def fill(self, ctx: Context, i) -> str:
        text = self.text
        for raw, e in self.parts.items():
            text = text.replace("{" + raw + "}", self._value(e, ctx, i))
        return text

    @staticmethod
    def _value(e: Expr, ctx: Context, i) -> str:
        if e.scope == "indicator" and not isinstance(i, int):
            return "?"  # a row's field in a finding about the whole project
        v = e.fn(ctx, i)
        if isinstance(v, Unknown):
            return "?"
        if isinstance(v, Decimal):
            return fmt_num(v, e.unit)
        if e.parts or e.label is None:
            return render(e, ctx, i)
        return show(v)  # a field as written: 指标值「≥95%」, not its reading
