"""Check objects: statements compiled once, run on each project or indicator.

Running a statement returns events, structured evidence that the runner turns into
findings, "not applicable" outcomes and score effects:

- ``Fail(i, message, severity)``: the statement is broken on target ``i``;
- ``NA(i, reason)``: it cannot be judged there (missing data, a ``当`` that is false);
- ``Effect(i, kind, points, reason)``: a score consequence (deduct, cap, halve, set,
  veto, grade cap) for the score sheet;
- ``Undecided(i, missing, reason, would, text)``: it cannot be judged because the input
  left something out (``missing``: 预算, 类别 …), and it would give ``would`` (failures or
  score consequences) if what is missing made it apply. The runner reports it (a finding
  "预算未填写，无法判断是否否决", an item that cannot be scored), never drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from ..data.terms import BLANK, MARKERS
from ..data.values import Value
from .context import COMPANION, Context, Unknown, absent
from .expr import CompiledPred, Expr, Template, render, shortfall, substituted
from .explain import fmt_num, show


@attrs.frozen
class Fail:
    i: int | None
    message: str
    severity: str | None = None  # None: the rule's own severity


@attrs.frozen
class NA:
    i: int | None
    reason: str


@attrs.frozen
class Effect:
    i: int | None
    kind: str  # deduct | cap | halve | set | veto | grade_cap
    amount: Decimal | None
    reason: str
    item: str | None = None  # the score item it applies to (None: the enclosing item)
    grade: str | None = None


@attrs.frozen
class Undecided:
    i: int | None
    missing: str  # what the input left out: 预算, 类别, 阶段, 申报表 …
    reason: str  # why the statement could not be judged (bilingual)
    would: tuple  # the Fail/Effect events it would give
    text: str = ""  # the statement, as written
    kind: str = ""  # "applies" when what is undecided is whether the rule applies at all


Events = tuple  # of Fail | NA | Effect | Undecided: a tuple, not a generator, as most rows give none
NONE: tuple = ()


def consequential(events) -> tuple:
    """The events that would change a result: failures and score consequences."""
    out = []
    for e in events:
        if isinstance(e, (Fail, Effect)):
            out.append(e)
        elif isinstance(e, Undecided) and e.missing not in COMPANION:
            out.extend(e.would)
    return tuple(out)


def unknown_outcome(i, u: Unknown, would, text: str, kind: str = "") -> Events:
    """What a statement gives when ``u`` keeps it from being judged: "not applicable" when
    nothing is missing from the input, or when it would report nothing anyway; else
    undecided, with what it would report."""
    if u.missing is None:
        return (NA(i, u.reason),)
    hits = consequential(would() if callable(would) else would)
    if not hits:
        return (NA(i, u.reason),)
    return (Undecided(i, u.missing, u.reason, hits, text, kind),)


class Stmt:
    """A compiled statement. ``scope`` says whether it runs per indicator or once."""

    scope = "project"
    text = ""

    def run(self, ctx: Context, i) -> Events:  # pragma: no cover - interface
        raise NotImplementedError


def explained(e: Expr, ctx: Context, i) -> str:
    """Why a condition failed: the figures and the gap for a comparison (合计(分值) 为 88，
    应为 90，差 2), else the condition with its values put in."""
    return shortfall(e, ctx, i) or substituted(e, ctx, i)


def _shown(v) -> str:
    if isinstance(v, Value):
        return v.text if v.text else "（空）"
    s = show(v)
    return s if s else "（空）"


def _clip(text: str, n: int = 40) -> str:
    """Long narrative cells (完成情况 paragraphs) shortened for a message."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def _blank(v) -> bool:
    if isinstance(v, Value):
        return v.empty or v.text.strip() in MARKERS  # an empty cell is v.empty; a written "/" a marker
    if isinstance(v, str):
        return v.strip() in BLANK
    return v is None or v == ()


class Requirement(Stmt):
    """subject 须|不得|应|不应 pred [除非 cond]."""

    def __init__(self, subject: Expr | None, positive: bool, test: CompiledPred,
                 severity: str | None, unless: Expr | None, text: str, scope: str, label: str,
                 what: str = "", right: Expr | None = None, bounds: Expr | None = None):
        self.subject, self.positive = subject, positive
        self.test: Callable[[Context, Any, Any], Any] = test.fn  # called per row: the function itself
        self.accepts_missing = test.accepts_missing
        self.bounds = bounds  # a comparison or an interval: the gap is stated when it fails
        self.severity, self.unless, self.text, self.scope, self.label = severity, unless, text, scope, label
        self.what = what or f"不符合「{text}」"  # how a violation reads, from the compiler
        self.right = right  # the compared-with expression, shown with its value

    def _subject(self, ctx: Context, i):
        value = self.subject.fn(ctx, i) if self.subject is not None else i
        if self.accepts_missing and absent(value):
            return None  # 类别 须 非空 without 类别, 分值 须 非空 on a blank cell: empty, and that is decided
        return value

    def check(self, ctx: Context, i) -> tuple[bool | None, str | Unknown]:
        """(violated?, detail); None when it cannot be judged (detail is then the Unknown)."""
        value = self._subject(ctx, i)
        if isinstance(value, Unknown):
            return None, value
        r = self.test(ctx, i, value)
        if isinstance(r, Unknown):
            return None, r
        violated = (not r) if self.positive else bool(r)
        if violated and self.unless is not None and self.unless.fn(ctx, i) is True:
            violated = False
        if not violated:
            return False, ""
        what = self.what
        if self.right is not None:
            what += f"（= {render(self.right, ctx, i)}）"
        if self.subject is None or self.subject.type == "indicator":  # the row itself
            ind = ctx.indicators[i] if isinstance(i, int) else None
            if ind is None:
                return True, f"指标{what}"
            name = ind.name if not _blank(ind.name) else "未命名"
            said = f"指标值「{_clip(ind.target or '')}」" + (f"，实际完成值「{_clip(ind.actual)}」" if ind.actual else "")
            return True, f"指标「{name}」（{said}）{what}"
        if _blank(value):
            detail = f"{self.label}{what}" if what in ("为空", "不为空") else f"{self.label}（空）{what}"
            shown = _shown(value)
            if shown != "（空）":  # a blank marker written in the cell (/, -, 无): say what was there
                detail += f"（填写为「{shown}」）"
            return True, detail
        gap = shortfall(self.bounds, ctx, i) if self.bounds is not None else None
        if gap is not None:  # 分值 为 40，应不低于 50，差 10
            return True, (gap if gap.startswith(self.label) else f"{self.label}：{gap}")
        shown = fmt_num(value, self.subject.unit) if isinstance(value, Decimal) else _shown(value)
        detail = f"{self.label}「{shown}」{what}"
        if isinstance(value, Value) and value.reason:
            detail += f"：{value.reason}"
        return True, detail

    def run(self, ctx, i):
        # The passing row is the common case: decide it here without building any text.
        value = self.subject.fn(ctx, i) if self.subject is not None else i
        if value.__class__ is not Unknown:
            r = self.test(ctx, i, value)
            if r.__class__ is not Unknown and (bool(r) if self.positive else not r) and self.unless is None:
                return NONE
        violated, detail = self.check(ctx, i)
        if violated is None:
            # Cannot be judged: a requirement on what is missing could be broken.
            return unknown_outcome(i, detail, (Fail(i, f"无法判断是否满足「{self.text}」", self.severity),),
                                   self.text)
        if violated:
            return (Fail(i, detail, self.severity),)
        return NONE


class Applicability(Stmt):
    """A 不适用于 B: an indicator of category A is a finding in a project whose 类别 has B."""

    scope = "indicator"

    def __init__(self, category: str, project_category: str, unless: Expr | None, text: str):
        self.category, self.project_category, self.unless, self.text = category, project_category, unless, text

    def project_na(self, ctx: Context) -> Unknown | None:
        """Why the statement does not apply to this project (None: it does). Without 类别 it
        is undecided: the runner still asks each indicator whether it would be reported."""
        p = ctx.iset.project
        if p is None or not p.categories:
            return Unknown("未填写项目类别 (project categories not given)", "类别")
        if ctx.env.canonical(self.project_category) not in ctx.categories:
            return Unknown(f"项目类别不含「{self.project_category}」 (project is not {self.project_category})")
        return None

    def run(self, ctx, i):
        cat = ctx.env.canonical(self.category)
        if cat not in (ctx.level1(i), ctx.level2(i)):
            return NONE
        if self.unless is not None and self.unless.fn(ctx, i) is True:
            return NONE
        raw = ctx.indicators[i].level2_raw or ctx.indicators[i].level2 or self.category
        return (Fail(i, f"「{raw}」类指标不适用于「{self.project_category}」类项目（{self.text}）"),)


class Assertion(Stmt):
    """A condition that must hold; a finding (with the values) when it does not."""

    def __init__(self, cond: Expr, unless: Expr | None, text: str, scope: str | None = None):
        # scope: "indicator" under a row-by-row score item, whatever the condition's own
        self.cond, self.unless, self.text, self.scope = cond, unless, text, scope or cond.scope

    def run(self, ctx, i):
        r = self.cond.fn(ctx, i)
        if r is False:
            if self.unless is not None and self.unless.fn(ctx, i) is True:
                return NONE
            return (Fail(i, f"不满足「{self.text}」：{explained(self.cond, ctx, i)}"),)
        if isinstance(r, Unknown):
            return unknown_outcome(i, r, (Fail(i, f"无法判断是否满足「{self.text}」"),), self.text)
        return NONE


class Implication(Stmt):
    """若 cond 则 consequence [且 consequence …] / cond ⇒ consequence …"""

    def __init__(self, cond: Expr, consequences: tuple["Consequence", ...], text: str, scope: str):
        self.cond, self.consequences, self.text, self.scope = cond, consequences, text, scope

    def fire(self, ctx, i) -> Events:
        if len(self.consequences) == 1:
            return self.consequences[0].fire(ctx, i, self.cond)
        return tuple(ev for cons in self.consequences for ev in cons.fire(ctx, i, self.cond))

    def run(self, ctx, i):
        r = self.cond.fn(ctx, i)
        if r is True:
            return self.fire(ctx, i)
        if isinstance(r, Unknown):
            # What it would give if the missing data made the condition hold.
            return unknown_outcome(i, r, lambda: self.fire(ctx, i), self.cond.text)
        return NONE


class Each(Stmt):
    """每个指标 [其中 filter]: stmt — the statement per indicator that passes the filter."""

    scope = "indicator"

    def __init__(self, where: Expr | None, stmt: Stmt, text: str):
        self.where, self.stmt, self.text = where, stmt, text

    def run(self, ctx, i):
        if self.where is not None:
            r = self.where.fn(ctx, i)
            if r is not True:
                if isinstance(r, Unknown):
                    return unknown_outcome(i, r, lambda: self.stmt.run(ctx, i), self.text)
                return NONE
        return self.stmt.run(ctx, i)


class Consequence:
    """What follows when an implication's condition holds."""

    def __init__(self, kind: str, *, severity: str | None = None, message: str | None = None,
                 amount: Decimal | None = None, item: str | None = None, grade: str | None = None,
                 requirement: Requirement | None = None, check: Expr | None = None,
                 template: Template | None = None):
        self.kind, self.severity, self.message = kind, severity, message
        self.template = template  # the message's {…} placeholders, compiled
        self.amount, self.item, self.grade, self.requirement = amount, item, grade, requirement
        self.check = check  # 若 A 则 B: B a comparison that must then hold

    def fire(self, ctx: Context, i, cond: Expr) -> Events:
        def why() -> str:  # made only when a message needs it: most firings are requirements
            return f"{cond.text}（{substituted(cond, ctx, i)}）" if cond.parts else cond.text
        if self.kind == "requirement":
            assert self.requirement is not None
            return self.requirement.run(ctx, i)
        if self.kind == "assert":
            assert self.check is not None
            r = self.check.fn(ctx, i)
            if isinstance(r, Unknown):
                return unknown_outcome(i, r, (Fail(i, f"无法判断是否满足「{self.check.text}」"),), self.check.text)
            if r is False:
                return (Fail(i, f"{why()}，但不满足「{self.check.text}」：{explained(self.check, ctx, i)}"),)
            return NONE
        if self.kind == "flag":
            reason = why()
            said = self.template.fill(ctx, i) if self.template is not None else (self.message or reason)
            if self.severity == "veto":
                return (Fail(i, said, self.severity), Effect(i, "veto", None, reason))
            return (Fail(i, said, self.severity),)
        return (Effect(i, self.kind, self.amount, why(), self.item, self.grade),)
