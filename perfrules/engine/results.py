"""What running a pack gives: findings, "not applicable" outcomes and a score sheet.

These are plain data. Evidence is recorded while evaluating; sentences are made by
``report/`` and by :mod:`perfrules.engine.explain`, never here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from ..errors import Location

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2, "veto": 3}


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

    def to_dict(self) -> dict[str, Any]:
        d = {"rule": self.rule, "title": self.title, "severity": self.severity,
             "target": self.target, "message": self.message, "fix": self.fix,
             "basis": self.basis, "source": self.source}
        if self.location is not None:
            d["location"] = self.location.to_dict()
        if self.waived is not None:
            d["waived"] = self.waived
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


@attrs.frozen
class ItemScore:
    """One line of the score sheet. Invariant: max − score = Σ deductions, exactly."""

    path: str
    max: Decimal
    score: Decimal
    deductions: tuple[Deduction, ...] = ()
    stated: Decimal | None = None  # the score the input states, if any
    kind: str = "formula"  # formula | ladder | judgement | fixed | group

    def to_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "max": _dec(self.max), "score": _dec(self.score),
             "deductions": [x.to_dict() for x in self.deductions]}
        if self.stated is not None:
            d["stated"] = _dec(self.stated)
        return d


@attrs.frozen
class ScoreSheet:
    """The computed 评分表: leaf items, total, grade, and whether a veto capped the grade."""

    total: Decimal
    max: Decimal
    grade: str | None
    vetoed: bool
    items: tuple[ItemScore, ...]
    grade_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"total": _dec(self.total), "max": _dec(self.max), "grade": self.grade,
             "vetoed": self.vetoed, "items": [i.to_dict() for i in self.items]}
        if self.grade_note:
            d["grade_note"] = self.grade_note
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
        live = [f.severity for f in self.findings if f.waived is None]
        return max(live, key=SEVERITY_ORDER.__getitem__) if live else None

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "project": self.project, "packs": list(self.packs),
                "findings": [f.to_dict() for f in self.findings],
                "not_applicable": [x.to_dict() for x in self.not_applicable],
                "score": self.score.to_dict() if self.score else None,
                "input_notes": [n.to_dict() for n in self.input_notes]}
