"""How numbers and values appear in messages and deductions: 84.40%, 428.54, 4.88."""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal

from ..data.terms import AMOUNT, MONEY_UNITS, RATE
from ..data.values import Value

_CENT = Decimal("0.01")


def quantize(x: Decimal, exp: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``x.quantize(exp)`` with enough digits for any x: a raw formula value or a ratio of
    two input figures can exceed the default 28 digits, where quantize raises InvalidOperation."""
    prec = decimal.getcontext().prec
    if x.is_finite() and x:
        prec = max(prec, x.adjusted() - exp.as_tuple().exponent + 2)
    return x.quantize(exp, rounding=rounding, context=decimal.Context(prec=prec))


def fmt_num(x: Decimal, unit: str = "") -> str:
    """A Decimal as an evaluator writes it: rates as percentages with two decimals."""
    if x.is_zero():
        x = abs(x)  # -0.002 rounded is -0.00: never show "-0"
    if unit == RATE:
        return f"{quantize(x * 100, _CENT)}%"
    if unit in MONEY_UNITS:
        unit = AMOUNT  # amounts are held in 万元 whatever the literal said
    if x == x.to_integral_value():
        s = str(quantize(x, Decimal(1)))
    elif x.as_tuple().exponent >= -2:
        s = format(x.normalize(), "f")
    else:
        s = str(quantize(x, _CENT))
    return s + unit


def show(v) -> str:
    """Any evaluated value as text for a message."""
    if isinstance(v, Value):
        return v.text
    if isinstance(v, Decimal):
        return fmt_num(v)
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (tuple, list, set, frozenset)):
        return "、".join(sorted(str(x) for x in v))
    if v is None:
        return ""
    return str(v)
