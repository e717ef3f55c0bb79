"""Start-up stays light: ``perfrules check`` of one YAML file, the parse cache warm, imports
none of the modules that only other paths need (a table drawn, a workbook read, a rule file
parsed, a file written, a did-you-mean). Not timed: the modules loaded are what it checks, so
it does not depend on the machine. See ARCHITECTURE.md, "Keeping start-up light".

A module listed here was once imported on this path and moved into the function that needs
it; a failure names the module (``python -X importtime -m perfrules check …`` shows who
imports it, and what it costs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = os.path.join("examples", "panyu-2023-ops", "申报.yaml")

# Moved off the path (with what they cost a run when they were on it).
MOVED_OFF = (
    "lark",                 # parsing: a warm run reads every rule file from the parse cache
    "tabulate",             # only a score sheet or --show-na draws a table (30 ms with importlib.metadata)
    "wcwidth",              # only an error's excerpt is measured (15 ms)
    "importlib.metadata",   # pack plugins only when a pack is not bundled
    "email",                # (importlib.metadata's)
    "importlib.resources",  # the bundled folders are found by their specs (12 ms with zipfile)
    "zipfile",
    "logging",              # the parse cache logs only when it refuses something
    "difflib",              # only a did-you-mean
    "secrets",              # only a parse cache entry written
    "csv",                  # the CSV and XLSX readers, only for a table input
    "perfrules.data.loaders.sheet",
    "perfrules.data.loaders.tabular",
    "perfrules.data.loaders.form",
    "perfrules.data.loaders.xlsx",
    "perfrules.language.parser",
)
# Never on this path: heavy libraries of other formats, engines and the web page.
NEVER = ("jinja2", "openpyxl", "polars", "pyarrow", "orjson")

_SCRIPT = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["perfrules", "check", sys.argv[1]]
from perfrules.cli import main
main()
"""


def _modules_after_check(env) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, EXAMPLE], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def test_a_one_file_check_imports_nothing_it_does_not_need(tmp_path):
    env = {**os.environ, "PERFRULES_CACHE_DIR": str(tmp_path / "cache")}
    _modules_after_check(env)  # fills the parse cache
    loaded = _modules_after_check(env)
    assert "perfrules.engine.runner" in loaded  # the check did run
    assert "yaml" in loaded  # (a YAML input is read with it)
    found = sorted(m for m in MOVED_OFF + NEVER if m in loaded)
    assert not found, f"imported by a one-file check with a warm parse cache: {', '.join(found)}"
