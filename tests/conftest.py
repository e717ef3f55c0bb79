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


# Settings a developer's environment or configuration file could hold (perfrules.config):
# the suite runs with none of them, and with no configuration file (PERFRULES_CONFIG empty).
_SETTINGS = ("PERFRULES_PACKS", "PERFRULES_PACK_PATHS", "PERFRULES_FAIL_ON", "PERFRULES_FORMAT",
             "PERFRULES_JOBS", "PERFRULES_STRICT")


def pytest_configure(config):
    """The suite never writes into the user's home: the parse cache (and every perfrules
    run in a subprocess, which inherits the environment) uses a folder of this session.
    Nor does it read the user's settings: no configuration file, no PERFRULES_* setting.
    Set here rather than in a session fixture because some test modules load packs at
    import, during collection, before any fixture runs; the autouse fixture below puts them
    back before each test. A test may still point ``PERFRULES_CACHE_DIR`` elsewhere (or set a
    setting) with ``monkeypatch``."""
    folder = tempfile.mkdtemp(prefix="perfrules-test-cache-")
    names = ("PERFRULES_CACHE_DIR", "PERFRULES_CONFIG") + _SETTINGS
    config._perfrules_env = ({k: os.environ.get(k) for k in names}, folder)
    os.environ.update(_session_env(folder))
    for k in _SETTINGS:
        os.environ.pop(k, None)


def _session_env(folder: str) -> dict[str, str]:
    return {"PERFRULES_CACHE_DIR": os.path.join(folder, "cache"), "PERFRULES_CONFIG": ""}


def pytest_unconfigure(config):
    old, folder = getattr(config, "_perfrules_env", ({}, None))
    if folder is None:
        return
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _session_settings(request, monkeypatch):
    """Each test starts with the parse cache in the session's temporary folder, no
    configuration file and no PERFRULES_* setting (whatever an earlier test left in
    os.environ); subprocesses inherit os.environ, so every perfrules run does too."""
    for k, v in _session_env(request.config._perfrules_env[1]).items():
        monkeypatch.setenv(k, v)
    for k in _SETTINGS:
        monkeypatch.delenv(k, raising=False)


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
