"""The domain's words, one table each: what a blank cell says, the stages of a project's
forms, and how rate and amount fields are measured.

Every wing reads these from here (the data wing holds them, so that the language, engine
and report wings may import them; the data wing imports none of those). A test checks that
no other module spells the blank markers out again.
"""

from __future__ import annotations

# ---- blank markers ----------------------------------------------------------------------

# What a form writes in a text cell that has nothing to say: "/" or "—" for a name or a
# value that does not apply (a 三级指标 cell of "/" is an unnamed row), 无 for "none".
MARKERS = frozenset({"/", "-", "—", "无"})

# A text that says nothing: a cell left empty (or only spaces, after strip) or a marker.
BLANK = MARKERS | {""}

# The dashes a form prints in a *number* cell that has no value (the 分值 of a fund
# sub-row, an unused amount), read as blank wherever a number is expected. Not 无: a number
# cell reading 无 is a mistake to report, not a blank.
DASHES = frozenset({"/", "-", "--", "—", "——", "－", "–", "／"})


def is_blank(text: str | None) -> bool:
    """Whether a text cell says nothing: None, empty or spaces, or a marker (/, -, —, 无)."""
    return text is None or text.strip() in BLANK


# ---- stages -----------------------------------------------------------------------------

# The forms of one project's year, in order: 申报 (the declared targets), 自评 (the unit's
# self-evaluation), 评价 (an evaluation by the finance department or a third party).
STAGES = ("申报", "自评", "评价")
DECLARED = STAGES[0]  # the stage a later one is compared with (与申报一致, 计数(申报指标 …))


# ---- units of rate and amount fields ------------------------------------------------------

RATE = "%"  # a rate is held as a fraction (0.8440) and shown as a percentage (84.40%)
AMOUNT = "万元"  # amounts are held in 万元 as Decimal, whatever unit the input wrote

# Money units an input or a rule may write, and the power of ten that takes each to 万元.
MONEY_UNITS = {"亿元": 4, "万元": 0, "元": -4}

# Built-in fields by the unit their numbers are shown in ({执行率} → 84.40%, {支出} → 428.54万元).
RATE_FIELDS = ("完成率", "最高完成率", "平均执行进度", "执行率", "填报执行率")
AMOUNT_FIELDS = ("年初预算", "年度预算", "上年结转", "调整", "支出")
UNITS = {**{f: RATE for f in RATE_FIELDS}, **{f: AMOUNT for f in AMOUNT_FIELDS}}

# A declared field's type (pack.yaml ``fields``) → the unit its numbers are shown in.
DECLARED_UNITS = {"amount": AMOUNT, "rate": RATE}


def unit_of(label: str) -> str:
    """The unit a built-in field's numbers are shown in: "%", "万元", or "" for others."""
    return UNITS.get(label, "")
