"""What running a pack gives: findings, "not applicable" outcomes and a score sheet.

These are plain data. Evidence is recorded while evaluating; sentences are made by
``report/`` and by :mod:`perfrules.engine.explain`, never here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import attrs

from ..errors import Location
from ..severity import ORDER, worst
from ..version import SCHEMA_VERSION

SEVERITY_ORDER = ORDER  # info 0 … veto 3: the one table is perfrules/severity.py


def _dec(x: Decimal | None) -> str | None:
    return None if x is None else format(x, "f")


@attrs.frozen
class Finding:
    """A rule broken by one target (an indicator, the project, or a score item)."""

    rule: str
    title: str
    severity: str
    target: str
    message: str
    fix: str | None = None
    basis: str | None = None
    source: str | None = None
    location: Location | None = None
    waived: str | None = None  # the stated reason when an input waives this finding
    # Set when the rule could not be judged because the input left this out (预算, 类别 …)
    # and would report something if it could: the finding says so and keeps its severity,
    # but is no veto (or other consequence) of its own.
    missing: str | None = None

    @classmethod
    def of(cls, rule: str, target: str, message: str, *, title: str, severity: str = "error",
           fix: str | None = None, basis: str | None = None, source: str | None = None,
           location: Location | None = None, waived: str | None = None,
           missing: str | None = None) -> Finding:
        """A finding with everything past what broke, on what and what it says named:
        ``Finding.of("RC-05", "预算", msg, title=…, severity="warning", basis=…, location=…)``."""
        return cls(rule, title, severity, target, message, fix, basis, source, location, waived, missing)

    @property
    def undecided(self) -> bool:
        return self.missing is not None

    def to_dict(self) -> dict[str, Any]:
        d = {"rule": self.rule, "title": self.title, "severity": self.severity,
             "target": self.target, "message": self.message, "fix": self.fix,
             "basis": self.basis, "source": self.source}
        if self.location is not None:
            d["location"] = self.location.to_dict()
        if self.waived is not None:
            d["waived"] = self.waived
        if self.missing is not None:
            d["undecided"] = True
            d["missing"] = self.missing
        return d


@attrs.frozen
class NotApplicable:
    """A rule that could not be judged on a target, and why (never the same as passing)."""

    rule: str
    target: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "target": self.target, "reason": self.reason}


@attrs.frozen
class Deduction:
    """Points lost on a score item: which rule (or the evaluator) and the arithmetic."""

    points: Decimal
    rule: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"points": _dec(self.points), "rule": self.rule, "reason": self.reason}


# How an item was scored (engine/scoring.py): "formula" (得分 = …), "ladder" (阶梯),
# "judgement" (the evaluator's score for the item; also a row-by-row item whose rows could
# not be scored one by one, given the input's score by a pack that accepts stated scores),
# "group" (a judgement item scored as the sum of the evaluator's lines under it), "rows"
# (each indicator row scored, the item their sum).
ItemKind = Literal["formula", "ladder", "judgement", "group", "rows"]


@attrs.frozen
class ItemScore:
    """One line of the score sheet.

    Scored (``score`` set): max − score = Σ deductions, exactly. Unscorable (``score`` None,
    "无法评分"): ``reason`` says what is missing, ``low``..``high`` is what the item could
    still score, and max − high = Σ deductions (the points already known to be lost)."""

    path: str
    max: Decimal
    score: Decimal | None
    deductions: tuple[Deduction, ...] = ()
    stated: Decimal | None = None  # the score the input states, if any
    kind: ItemKind = "formula"
    reason: str | None = None  # why it cannot be scored
    low: Decimal | None = None
    high: Decimal | None = None
    # What the score rests on besides the rules: a stated score taken for missing data (a
    # pack that accepts them), a row counted 0 by the pack's missing_data setting.
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return "scored" if self.score is not None else "unscorable"

    @property
    def lowest(self) -> Decimal:
        if self.score is not None:
            return self.score
        return self.low if self.low is not None else Decimal(0)

    @property
    def highest(self) -> Decimal:
        if self.score is not None:
            return self.score
        return self.high if self.high is not None else self.max

    def to_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "max": _dec(self.max), "score": _dec(self.score), "status": self.status}
        if self.score is None:
            d["reason"] = self.reason
            d["range"] = [_dec(self.lowest), _dec(self.highest)]
        d["deductions"] = [x.to_dict() for x in self.deductions]
        if self.stated is not None:
            d["stated"] = _dec(self.stated)
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@attrs.frozen
class ScoreSheet:
    """The computed 评分表: leaf items, total, grade, and whether a veto capped the grade.

    When an item cannot be scored the sheet is incomplete: ``total`` and ``grade`` are None,
    and ``scored`` (the scored items' sum), ``unscorable`` (the weight of the others) and
    ``low``..``high`` (what the total could be) say how far it got."""

    total: Decimal | None
    max: Decimal
    grade: str | None
    vetoed: bool
    items: tuple[ItemScore, ...]
    grade_note: str | None = None
    # Vetoes and grade caps that could not be judged for missing data (why, as text).
    undecided: tuple[str, ...] = ()

    @property
    def incomplete(self) -> bool:
        return any(i.score is None for i in self.items)

    @property
    def scored(self) -> Decimal:
        zero = self.low * 0  # 0 at the places the items are kept at (0.00, not 0)
        return sum((i.score for i in self.items if i.score is not None), zero)

    @property
    def unscorable(self) -> Decimal:
        return sum((i.max for i in self.items if i.score is None), Decimal(0))

    @property
    def low(self) -> Decimal:
        return sum((i.lowest for i in self.items), Decimal(0))

    @property
    def high(self) -> Decimal:
        return sum((i.highest for i in self.items), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        d = {"total": _dec(self.total), "max": _dec(self.max), "grade": self.grade,
             "vetoed": self.vetoed, "incomplete": self.incomplete, "scored": _dec(self.scored),
             "unscorable": _dec(self.unscorable), "range": [_dec(self.low), _dec(self.high)],
             "items": [i.to_dict() for i in self.items]}
        if self.grade_note:
            d["grade_note"] = self.grade_note
        if self.undecided:
            d["undecided"] = list(self.undecided)
        return d


@attrs.frozen
class Result:
    """Everything one indicator set gets from a run of packs."""

    input: str
    project: str | None
    packs: tuple[str, ...]
    findings: tuple[Finding, ...]
    not_applicable: tuple[NotApplicable, ...]
    score: ScoreSheet | None
    # The loader's reading notes for this input: what it did not read, and where.
    input_notes: tuple = ()

    def worst(self) -> str | None:
        return worst(f.severity for f in self.findings if f.waived is None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of this result (perfrules/schemas/result.schema.json), first of all
        its ``schema_version``; amounts are decimal strings ("87.38"), never floats."""
        return {"schema_version": SCHEMA_VERSION,
                "input": self.input, "project": self.project, "packs": list(self.packs),
                "findings": [f.to_dict() for f in self.findings],
                "not_applicable": [x.to_dict() for x in self.not_applicable],
                "score": self.score.to_dict() if self.score else None,
                "input_notes": [n.to_dict() for n in self.input_notes]}
