"""perfrules: executable rules for Chinese budget-performance indicators (预算绩效指标).

The public API, in the order data flows through it::

    from perfrules import parse_file, compile_files, load_pack, load, run

    pack = load_pack("national")                  # bundled name or folder: parse + compile once
    iset = load("examples/panyu-2023-ops/自评.yaml")  # YAML, JSON, CSV or XLSX
    result = run([pack], iset)                    # findings, not-applicable, score sheet
    print(result.to_dict())

Everything else in the package is internal.
"""

from __future__ import annotations

import importlib

from .version import __version__  # noqa: F401  (perfrules/version.py is the one place)

# Imported on first use (PEP 562), so `perfrules --help` does not load Lark or openpyxl.
_WHERE = {
    "Budget": "data.indicators", "Indicator": "data.indicators", "IndicatorSet": "data.indicators",
    "Project": "data.indicators", "ScoreEntry": "data.indicators",
    "load": "data.loaders", "load_mapping": "data.loaders",
    "Value": "data.values", "completion_rate": "data.values", "is_met": "data.values",
    "read_value": "data.values",
    "Compiled": "engine.compiler", "compile_files": "engine.compiler",
    "Pack": "engine.packs", "bundled_names": "engine.packs", "load_pack": "engine.packs",
    "Deduction": "engine.results", "Finding": "engine.results", "ItemScore": "engine.results",
    "NotApplicable": "engine.results", "Result": "engine.results", "ScoreSheet": "engine.results",
    "run": "engine.runner",
    "DataError": "errors", "PackError": "errors", "PerfrulesError": "errors",
    "RuleCompileError": "errors", "RuleSyntaxError": "errors",
    "parse_file": "language.files", "parse_text": "language.parser",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'perfrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
