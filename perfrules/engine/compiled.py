"""Compiled packs: the rules and score items the compiler builds and the runner runs.

Plain frozen records, apart from both ends that use them: the compiler (engine/compiler.py)
makes them from syntax trees, the runner (engine/runner.py) and scoring (engine/scoring.py)
run them, so neither has to import the compiler to run a pack.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from ..language import nodes as n
from . import checks as c
from .context import Env
from .expr import Expr, Template


@attrs.frozen
class CompiledRule:
    """A rule ready to run: its header and its statements."""

    id: str
    title: str
    severity: str
    basis: str | None
    explain: str | None
    fix: str | None
    message: str | None
    source: str  # file:line
    when: tuple[Expr, ...]
    stmts: tuple[c.Stmt, ...]
    node: n.Rule = attrs.field(eq=False, repr=False)
    # A pack's manifest override: every finding of the rule takes it, even one whose
    # statement names its own severity (⇒ 提示), and a veto overridden is no veto.
    override: str | None = None
    # 来源: where the rule comes from and how sure that is, for maintainers (explain, docs);
    # never part of a finding, whose 依据 is written for users.
    provenance: str | None = None
    # The 消息 with its placeholders compiled (None when it has none).
    template: Template | None = None


@attrs.frozen
class CompiledItem:
    """A score item ready to run: weight and how its score is found."""

    path: str
    weight: Decimal
    title: str | None
    formula: Expr | None
    ladder: tuple[tuple[Expr, Decimal], ...]
    otherwise: Decimal | None
    stmts: tuple[c.Stmt, ...]  # deductions, caps, vetoes and checks under the item
    basis: str | None
    source: str
    node: n.ScoreItem = attrs.field(eq=False, repr=False)
    discretionary: bool = False
    # Row-by-row items (评分项 … 每个指标 [其中 …]): which rows, and the first matching
    # step's formula gives each row's score, within [0, the row's 分值].
    per_indicator: bool = False
    rows: Expr | None = None
    steps: tuple[tuple[Expr | None, Expr], ...] = ()

    @property
    def kind(self) -> str:
        if self.per_indicator:
            return "rows"
        if self.formula is not None:
            return "formula"
        if self.ladder or self.otherwise is not None:
            return "ladder"
        return "judgement"


@attrs.frozen
class Compiled:
    """All rules and items of a set of rule files, with the meaning they share."""

    rules: tuple[CompiledRule, ...]
    items: tuple[CompiledItem, ...]
    env: Env
    files: tuple[n.RuleFile, ...] = attrs.field(eq=False, repr=False)
