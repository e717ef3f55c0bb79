"""Helpers shared by the test modules (tests/README.md says where each kind of test goes).

Import them by name (``from helpers import compile_text, run_text, ind, make_pack``): the
``tests`` folder is on ``sys.path`` when pytest runs (tests/conftest.py makes sure of it).
The ``golden`` fixture that compares or rewrites expected files, and its switch
``PERFRULES_REGEN``, live in tests/conftest.py.
"""

from __future__ import annotations

from decimal import Decimal

from perfrules.data.indicators import Indicator, IndicatorSet
from perfrules.engine.compiled import Compiled
from perfrules.engine.compiler import compile_files
from perfrules.engine.packs import Pack
from perfrules.engine.runner import run
from perfrules.engine.scoring import ScoringRules
from perfrules.language.parser import parse_text


def compile_text(text: str, path: str = "t.rules") -> Compiled:
    """Parse and compile one rule file's text (errors raise, as from `perfrules compile`)."""
    return compile_files([parse_text(text, path)])


def make_pack(compiled: Compiled | str, *, name: str = "t", version: str = "1", path: str = "t.rules",
              scoring: ScoringRules | None = None) -> Pack:
    """A pack holding ``compiled`` (or the rules of a text, compiled as ``path``), with no
    manifest: any year, not a default pack, no rule files listed."""
    if isinstance(compiled, str):
        compiled = compile_text(compiled, path)
    return Pack(name=name, version=version, description="", path=path, compiled=compiled,
                scoring=scoring if scoring is not None else ScoringRules(), years=None, default=False,
                rule_files=())


def run_text(text: str, iset: IndicatorSet, path: str = "t.rules"):
    """Run the rules of ``text`` on ``iset``: (findings, not-applicable, score sheet) of those
    rules and items only (other packs' checks, reconciliation …, may add findings of their
    own). Every score sheet is checked for max − score = Σ deductions, exactly."""
    compiled = compile_text(text, path)
    result = run([make_pack(compiled, path=path)], iset)
    ours = {r.id for r in compiled.rules} | {i.path for i in compiled.items}
    if result.score is not None:
        for item in result.score.items:
            assert item.max - item.highest == sum((d.points for d in item.deductions), Decimal(0)), item
    findings = [f for f in result.findings if f.rule in ours]
    nas = [x for x in result.not_applicable if x.rule in ours]
    return findings, nas, result.score


def ind(name=None, target=None, **kw) -> Indicator:
    """An indicator row: 三级指标 and 指标值 first, any other field by keyword."""
    return Indicator(name=name, target=target, **kw)


def cli(*args, cwd=None, input=None):
    """``perfrules ARGS`` through click's runner, in ``cwd`` (default: the repository root);
    stdout and stderr apart (``r.stdout``, ``r.stderr``)."""
    import os
    from pathlib import Path

    from click.testing import CliRunner

    from perfrules.cli import main
    old = os.getcwd()
    os.chdir(cwd or Path(__file__).resolve().parent.parent)
    try:
        return CliRunner().invoke(main, [str(a) for a in args], input=input)
    finally:
        os.chdir(old)

