"""Compiled expressions: closures built once from nodes, evaluated per project or indicator.

An :class:`Expr` evaluates to a value or :class:`Unknown` (missing data) and can
render itself with the real numbers substituted, which is how a deduction shows its
arithmetic. Nothing here ever sees rule text as code.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from ..data.values import Value
from .context import Context, Unknown
from .explain import fmt_num, show

Fn = Callable[[Context, Any], Any]


class Expr:
    """A compiled expression: fn(ctx, i) → value; i is an indicator index or None."""

    __slots__ = ("fn", "type", "scope", "text", "unit", "parts", "label")

    def __init__(self, fn: Fn, type: str, scope: str, text: str, unit: str = "",
                 parts: tuple["Expr", ...] = (), label: str | None = None):
        self.fn = fn
        self.type = type  # num | text | value | set | indicator | bool | list
        self.scope = scope  # indicator | project
        self.text = text
        self.unit = unit
        self.parts = parts  # sub-expressions worth showing in an explanation
        self.label = label  # a field's name, for messages


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
    text = e.text
    # Replace longest names first so 年度预算 is not half-replaced by 预算.
    for part in sorted(leaf_names(e), key=lambda p: -len(p.text)):
        text = text.replace(part.text, render(part, ctx, i))
    return text


def leaf_names(e: Expr) -> list[Expr]:
    out: list[Expr] = []
    stack = [e]
    while stack:
        x = stack.pop()
        if x.label is not None and not x.parts:
            out.append(x)
        stack.extend(x.parts)
    return out
