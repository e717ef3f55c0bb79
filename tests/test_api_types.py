"""mypy sees the public API's real types, not ``Any`` (issue 17): a small client script of a
budget system, type-checked with ``mypy --strict``.

The package's lazy top-level names (``perfrules/__init__.py``, imported on first use) are
visible to type checkers through its ``TYPE_CHECKING`` imports and its ``__all__``; a misspelt
attribute is an error, not ``Any``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CLIENT = '''\
import json
from decimal import Decimal

import perfrules
from perfrules import ErrorGroup, Pack, PerfrulesError, Result

iset = perfrules.load({"绩效指标": [{"三级指标": "线路数", "指标值": "≥5条"}]}, name="request")
xlsx = perfrules.load(b"PK...", format="xlsx")
pack = Pack.from_text('规则 T-01 「指标值须填写」 错误\\n  每个指标: 指标值 不得为空\\n', name="t")
folder = Pack.from_folder("policies/national")
result = perfrules.check(iset, [pack, "national"])
rule: str = result.findings[0].rule
assert result.score is not None
total: Decimal | None = result.score.total
body: str = json.dumps(result.to_dict(), ensure_ascii=False)


def answer(r: Result) -> list[str]:
    return [f.message for f in r.findings if f.severity == "error"]


try:
    perfrules.load(b"", format="csv")
except ErrorGroup as group:
    codes = [e.code for e in group.errors]
except PerfrulesError as e:
    where = e.to_dict()["where"]

reveal_type(perfrules.load)
reveal_type(perfrules.check)
reveal_type(Pack.from_text)
reveal_type(Pack.from_folder)
reveal_type(perfrules.load_pack)
reveal_type(perfrules.schema)
reveal_type(iset)
reveal_type(result)
reveal_type(result.findings[0])
reveal_type(result.findings[0].rule)
reveal_type(result.score.total)
reveal_type(result.score.items[0].deductions[0].points)
reveal_type(result.not_applicable)
reveal_type(perfrules.ErrorGroup)
reveal_type(perfrules.SCHEMA_VERSION)
'''

MISUSE = '''\
import perfrules

result = perfrules.check(perfrules.load("x.yaml"), "national")
result.findings[0].rul
perfrules.chek
perfrules.load(42)
perfrules.check(result)
'''

# What each reveal_type above must show (a substring of mypy's note, line by line; "builtins." dropped).
EXPECTED = [
    "def (source: str | os.PathLike[str] | bytes | typing.Mapping[str, Any], *, format: str | None =, "
    "name: str | None =, packs: perfrules.engine.packs.Pack | str | typing.Sequence[perfrules.engine.packs.Pack "
    "| str] =) -> perfrules.data.indicators.IndicatorSet",
    "-> perfrules.engine.results.Result",
    "def (text: str | typing.Mapping[str, str], *, name: str =, version: str =, "
    "manifest: typing.Mapping[str, object] | None =) -> perfrules.engine.packs.Pack",
    "-> perfrules.engine.packs.Pack",
    "def (spec: str, *, reader: (def (str, str) -> tuple[perfrules.language.nodes.RuleFile, list[perfrules.errors.PerfrulesError]]) | None =) -> perfrules.engine.packs.Pack",
    "def (name: str) -> dict[str, Any]",
    "perfrules.data.indicators.IndicatorSet",
    "perfrules.engine.results.Result",
    "perfrules.engine.results.Finding",
    "str",
    "decimal.Decimal | None",
    "decimal.Decimal",
    "tuple[perfrules.engine.results.NotApplicable, ...]",
    "def (errors: list[perfrules.errors.PerfrulesError]) -> perfrules.errors.ErrorGroup",
    "str",
]


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> dict[str, list[str]]:
    """mypy --strict on the two client scripts at once (one run: ~10 s cold), perfrules found in
    this checkout (MYPYPATH) and errors in perfrules itself not reported, only what the clients
    see of it: each script's lines of mypy output."""
    folder = tmp_path_factory.mktemp("mypy")
    for name, text in (("client", CLIENT), ("misuse", MISUSE)):
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--show-error-codes",
         "--no-color-output", "--no-error-summary", "--hide-error-context",
         "--cache-dir", str(folder / ".mypy_cache"), str(folder / "client.py"), str(folder / "misuse.py")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert out.returncode in (0, 1), out.stdout + out.stderr
    lines: dict[str, list[str]] = {"client": [], "misuse": []}
    for line in out.stdout.splitlines():
        name = Path(line.split(":", 1)[0]).stem
        assert name in lines, out.stdout + out.stderr
        lines[name].append(line)
    return lines


def test_mypy_sees_the_real_types(checked):
    lines = checked["client"]
    errors = [x for x in lines if ": error:" in x]
    assert not errors, "\n".join(errors)
    revealed = [re.sub(r'^.*Revealed type is "(.*)"$', r"\1", x).replace("builtins.", "")  # as mypy < 1.11 wrote
                for x in lines if "Revealed type is" in x]
    assert len(revealed) == len(EXPECTED), "\n".join(lines)
    for got, want in zip(revealed, EXPECTED):
        assert want in got, (got, want)
        assert not re.search(r"\bAny\b", got.replace("[str, Any]", "")), got  # only JSON-like dicts hold Any


def test_mypy_reports_a_misuse(checked):
    errors = [x.split(": error: ", 1)[1] for x in checked["misuse"] if ": error: " in x]
    assert any('"Finding" has no attribute "rul"' in e for e in errors), errors
    assert any('has no attribute "chek"' in e for e in errors), errors
    assert any('"load" has incompatible type "int"' in e for e in errors), errors
    assert any('"check" has incompatible type "Result"' in e for e in errors), errors
    assert len(errors) == 4, errors
