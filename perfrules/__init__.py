"""perfrules: executable rules for Chinese budget-performance indicators (预算绩效指标).

The public API (docs/api.md), in the order data flows through it::

    import perfrules

    iset = perfrules.load({"项目": {...}, "绩效指标": [...]})      # a path, bytes or a mapping
    result = perfrules.check(iset, "panyu-project-2023")           # packs by name or Pack objects
    body = result.to_dict()                                         # JSON-ready, with schema_version

    pack = perfrules.Pack.from_text(rules_text, name="bureau")     # or Pack.from_folder(path), load_pack(name)
    perfrules.schema("result")                                      # the JSON Schema of to_dict()

Every error a caller's data can cause is a :class:`PerfrulesError` (several at once: an
:class:`ErrorGroup`), with ``to_dict()``. Names are imported on first use (``perfrules
--help`` loads neither Lark nor openpyxl); type checkers see them through the
``TYPE_CHECKING`` imports below. Everything not in ``__all__`` is internal.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import (DataError, ErrorGroup, InternalError, Location, PackError, PerfrulesError, RuleCompileError,
                     RuleSyntaxError, Span, UsageError)
from .version import SCHEMA_VERSION, __version__

if TYPE_CHECKING:  # what the lazy names below are, for mypy and pyright
    from .data.indicators import Budget, FundSource, Indicator, IndicatorSet, Project, ScoreEntry, Waiver
    from .data.loaders import load_mapping
    from .data.notes import Note
    from .data.values import Value, completion_rate, is_met, read_value
    from .engine.compiler import Compiled, compile_files
    from .engine.packs import Pack, bundled_names, default_packs, load_pack
    from .engine.results import Deduction, Finding, ItemScore, NotApplicable, Result, ScoreSheet
    from .engine.runner import run
    from .language.files import parse_file
    from .language.parser import parse_text

# Imported on first use (PEP 562), so `perfrules --help` does not load Lark or openpyxl.
_WHERE = {
    "Budget": "data.indicators", "FundSource": "data.indicators", "Indicator": "data.indicators",
    "IndicatorSet": "data.indicators", "Project": "data.indicators", "ScoreEntry": "data.indicators",
    "Waiver": "data.indicators",
    "load_mapping": "data.loaders",
    "Note": "data.notes",
    "Value": "data.values", "completion_rate": "data.values", "is_met": "data.values",
    "read_value": "data.values",
    "Compiled": "engine.compiler", "compile_files": "engine.compiler",
    "Pack": "engine.packs", "bundled_names": "engine.packs", "default_packs": "engine.packs",
    "load_pack": "engine.packs",
    "Deduction": "engine.results", "Finding": "engine.results", "ItemScore": "engine.results",
    "NotApplicable": "engine.results", "Result": "engine.results", "ScoreSheet": "engine.results",
    "run": "engine.runner",
    "parse_file": "language.files", "parse_text": "language.parser",
}
# Written out, so that type checkers read it (a test keeps it equal to the names above and below).
__all__ = [
    "Budget", "Compiled", "DataError", "Deduction", "ErrorGroup", "Finding", "FundSource", "Indicator",
    "IndicatorSet", "InternalError", "ItemScore", "Location", "NotApplicable", "Note", "Pack", "PackError",
    "PerfrulesError", "Project", "Result", "RuleCompileError", "RuleSyntaxError", "SCHEMA_VERSION", "ScoreEntry",
    "ScoreSheet", "Span", "UsageError", "Value", "Waiver", "__version__", "bundled_names", "check", "compile_files",
    "completion_rate", "default_packs", "is_met", "load", "load_all", "load_mapping", "load_pack", "parse_file",
    "parse_text", "read_value", "run", "schema",
]

def load(source: str | os.PathLike[str] | bytes | Mapping[str, Any], *, format: str | None = None,
         name: str | None = None, packs: Pack | str | Sequence[Pack | str] = ()) -> IndicatorSet:
    """Read one indicator set.

    ``source`` is a path (YAML, JSON, CSV or XLSX, by its extension or content), the bytes of
    such a file (an upload: ``format`` names it, or it is sniffed: an XLSX workbook by its zip
    signature, JSON by its first bracket, YAML by a ``key:`` first line, else CSV), or a
    mapping shaped as the YAML/JSON input (``json.loads`` of a request body; input.schema.json).
    ``name`` is how results and errors name the input (default: the path, ``<bytes>`` or
    ``<mapping>``). ``packs``: the packs you will check with, when they declare fields of their
    own (pack.yaml ``fields``): the input is read with those fields, as ``perfrules check`` does.

    Raises DataError for a bad input (several at once: ErrorGroup), each located (file, sheet,
    row, column, or the key path ``$.绩效指标[2].分值``); a workbook holding several projects is
    an error too: read those with :func:`load_all`. What was not read is in
    ``IndicatorSet.notes``, never dropped silently."""
    from .data.loaders import only
    return only(load_all(source, format=format, name=name, packs=packs), _name(source, name))


def load_all(source: str | os.PathLike[str] | bytes | Mapping[str, Any], *, format: str | None = None,
             name: str | None = None, packs: Pack | str | Sequence[Pack | str] = ()) -> tuple[IndicatorSet, ...]:
    """Every indicator set of ``source`` (as :func:`load` takes it): a workbook may hold
    several projects, one per sheet, each named ``NAME#SHEET``."""
    from .data import loaders
    from .pipeline import field_specs
    specs = field_specs(_packs(packs))
    shown = _name(source, name)
    if isinstance(source, Mapping):
        return (loaders.load_mapping(source, shown, field_specs=specs),)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return loaders.load_bytes(bytes(source), shown, format=format, field_specs=specs)
    if isinstance(source, (str, os.PathLike)):
        return loaders.load_all(source, format=format, source=shown, field_specs=specs)
    raise UsageError(f"无法读取 {type(source).__name__} 类型的输入：请给出路径、bytes 或映射",
                     f"cannot read a {type(source).__name__}: give a path, bytes or a mapping")


def check(indicator_set: IndicatorSet, packs: Pack | str | Sequence[Pack | str] = (), *,
          related: Mapping[str, IndicatorSet] | None = None) -> Result:
    """Run packs on one indicator set: its findings, not-applicable outcomes and score sheet.

    ``packs``: a :class:`Pack` (compiled once, reused for every call), a bundled pack's name
    (``"national"``, ``"panyu-project-2023"``: compiled on first use and kept for the process),
    another pack's name or a folder's path (compiled on each call: :func:`load_pack` it once),
    or a sequence of these, run in order.
    None given: the bundled default packs that cover the set's 年度 (all of them when none
    does), as ``perfrules check`` chooses them. ``related``: the same project's other stages
    by stage name (``{"申报": declared_set}``), for rules that compare stages.

    Never raises for what the data says (that is what findings are for); raises PackError
    and the like for a pack that cannot be loaded."""
    from .engine.runner import run
    chosen = _packs(packs)
    if not chosen:
        from .pipeline import choose_packs
        chosen, _ = choose_packs(_default_packs(), indicator_set, chosen=False)
    return run(chosen, indicator_set, dict(related) if related is not None else None)


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``"result"`` (one record of ``Result.to_dict()`` and the JSON output) or
    ``"input"`` (an indicator set as YAML/JSON/mapping input), draft 2020-12, as a new dict."""
    from . import schemas
    return schemas.load(name)


def _name(source: object, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(source, Mapping):
        return "<mapping>"
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else repr(source)


def _packs(packs: Pack | str | Sequence[Pack | str]) -> list[Pack]:
    """Packs given as objects, bundled names (compiled once per process) or paths."""
    from .engine.packs import Pack, bundled_names, load_pack
    items = [packs] if isinstance(packs, (str, Pack)) else list(packs)
    out = []
    for p in items:
        if isinstance(p, Pack):
            out.append(p)
        elif isinstance(p, str) and "/" not in p and "\\" not in p and p in bundled_names():
            out.append(_bundled(p))
        elif isinstance(p, (str, os.PathLike)):
            out.append(load_pack(os.fspath(p)))
        else:
            raise UsageError(f"规则包应为 Pack 或名称，不是 {type(p).__name__}",
                             f"a pack is a Pack or a name, not a {type(p).__name__}")
    return out


@functools.lru_cache(maxsize=None)
def _bundled(name: str) -> Pack:
    from .engine.packs import load_pack
    return load_pack(name)


@functools.lru_cache(maxsize=1)
def _default_packs() -> tuple[Pack, ...]:
    from .pipeline import load_packs
    return tuple(load_packs(()))


if not TYPE_CHECKING:  # type checkers see the imports above; a misspelt name stays an error for them
    def __getattr__(name: str):
        if name not in _WHERE:
            raise AttributeError(f"module 'perfrules' has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value

    def __dir__():
        return sorted(list(globals()) + __all__)
