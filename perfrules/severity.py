"""The one table of severities: each meaning's order, its words in each language, its label.

Every wing reads it: the rule language spells the words (``language/vocabulary.py`` makes
the SEVERITY keyword's senses from this table), findings order by it (``engine/results``),
reports print its words and ``--fail-on`` offers its names. A shared root module like
:mod:`perfrules.errors`, importing nothing of perfrules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Severity(NamedTuple):
    """One severity: its meaning (the name findings and JSON carry), its rank (higher is
    worse), how a rule file spells it in Chinese and in English, and how reports name it."""

    name: str
    order: int
    zh: str
    en: str
    level: str  # what CI tools call it (SARIF's error / warning / note)

    @property
    def label(self) -> str:
        """How a report names it in both languages: 否决 veto."""
        return f"{self.zh} {self.en}"


# Worst first: the order reports list them in and the keyword table spells them in.
TABLE: tuple[Severity, ...] = (
    Severity("veto", 3, "否决", "veto", "error"),
    Severity("error", 2, "错误", "error", "error"),
    Severity("warning", 1, "警告", "warning", "warning"),
    Severity("info", 0, "提示", "info", "note"),
)

BY_NAME = {s.name: s for s in TABLE}
ORDER = {s.name: s.order for s in TABLE}  # info 0 … veto 3
ZH = {s.name: s.zh for s in TABLE}  # veto → 否决
NAMES = tuple(s.name for s in TABLE)  # veto, error, warning, info: worst first
LEVEL = {s.name: s.level for s in TABLE}  # veto → error: SARIF, JUnit and workflow annotations


def worst(names: Iterable[str]) -> str | None:
    """The worst of some severities, or None when there are none."""
    return max(names, key=ORDER.__getitem__, default=None)
