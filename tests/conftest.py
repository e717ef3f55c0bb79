"""Shared test settings and fixtures (tests/README.md: where tests go, how to run them).

Hypothesis profiles: ``ci`` (the default) keeps property tests fast; run
``HYPOTHESIS_PROFILE=long pytest`` for a deeper search.

The ``golden`` fixture compares an output with its expected file, or, under the one switch
``PERFRULES_REGEN=1``, rewrites the file; the run then ends by listing what it rewrote.
Helpers test modules share (``compile_text``, ``run_text``, ``ind``, ``make_pack``) are in
tests/helpers.py.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # `from helpers import …` under any --import-mode
    sys.path.insert(0, str(HERE))

# The one switch: PERFRULES_REGEN=1 rewrites golden files instead of comparing with them.
REGEN = os.environ.get("PERFRULES_REGEN", "") not in ("", "0")

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    """The suite never writes into the user's home: the parse cache (and every perfrules
    run in a subprocess, which inherits the environment) uses a folder of this session.
    Set here rather than in a session fixture because some test modules load packs at
    import, during collection, before any fixture runs. A test may still point
    ``PERFRULES_CACHE_DIR`` elsewhere with ``monkeypatch``."""
    config._perfrules_cache = (os.environ.get("PERFRULES_CACHE_DIR"),
                               tempfile.mkdtemp(prefix="perfrules-test-cache-"))
    os.environ["PERFRULES_CACHE_DIR"] = os.path.join(config._perfrules_cache[1], "cache")


def pytest_unconfigure(config):
    old, folder = getattr(config, "_perfrules_cache", (None, None))
    if folder is None:
        return
    if old is None:
        os.environ.pop("PERFRULES_CACHE_DIR", None)
    else:
        os.environ["PERFRULES_CACHE_DIR"] = old
    shutil.rmtree(folder, ignore_errors=True)


# ---- golden files ----------------------------------------------------------------------------

_REWRITTEN: list[Path] = []


def _golden(path: str | os.PathLike, text: str) -> None:
    """Compare ``text`` with the file at ``path`` (exactly: UTF-8, line ends as they are); with
    ``PERFRULES_REGEN=1``, write ``text`` there instead when it differs (or the file is
    missing) and note the file for the summary at the end of the run."""
    __tracebackhide__ = True
    path = Path(path)
    old = path.read_bytes().decode("utf-8") if path.exists() else None
    if REGEN:
        if old != text:
            path.write_bytes(text.encode("utf-8"))
            _REWRITTEN.append(path)
        return
    assert old is not None, f"no expected file {path}: write it with PERFRULES_REGEN=1, then read it"
    assert text == old, f"{path} differs (after a deliberate change: PERFRULES_REGEN=1, then read the diff)"


@pytest.fixture
def golden():
    """``golden(path, text)``: the output ``text`` must equal the expected file at ``path``;
    ``PERFRULES_REGEN=1`` rewrites the file instead (tests/README.md, "Golden files")."""
    return _golden


def pytest_terminal_summary(terminalreporter):
    """Under PERFRULES_REGEN=1, list every golden file the run rewrote (read each diff)."""
    if not REGEN:
        return
    terminalreporter.section("golden files rewritten (PERFRULES_REGEN=1)")
    if not _REWRITTEN:
        terminalreporter.write_line("none: every golden file already matched")
    for path in sorted(set(_REWRITTEN)):
        try:
            shown = path.resolve().relative_to(HERE.parent)
        except ValueError:
            shown = path
        terminalreporter.write_line(f"rewrote {shown}")
