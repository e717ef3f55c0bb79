"""Shared helpers for the hostile-input regression tests (issue 13).

Each reproduction runs ``perfrules`` in a subprocess under CPU-time and address-space
limits (``resource``), so that a regression shows as a failed test, not a hung or
swapped-out CI machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOUND = ROOT / "tests" / "data" / "sound"
MEALS = SOUND / "yunnan-meals-自评-corrected.yaml"   # a sound 自评表 that scores


def _limits(cpu_s: int, mem_mb: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    return apply


def perfrules(*args: str, cwd: str | os.PathLike | None = None, cpu_s: int = 60, mem_mb: int = 1024,
              timeout: float = 120, stdin: bytes | None = None, env: dict | None = None
              ) -> subprocess.CompletedProcess:
    """Run ``python -m perfrules ARGS`` under limits; text output decoded as UTF-8 (replace)."""
    p = subprocess.run([sys.executable, "-m", "perfrules", *args], cwd=cwd or ROOT,
                       input=stdin, capture_output=True, timeout=timeout,
                       preexec_fn=_limits(cpu_s, mem_mb), env={**os.environ, **(env or {})})
    p.stdout = p.stdout.decode("utf-8", "replace")
    p.stderr = p.stderr.decode("utf-8", "replace")
    return p


def assert_contained(p: subprocess.CompletedProcess, code: int | tuple[int, ...] = 2) -> None:
    """The run ended with one of the expected exit codes and printed no Python traceback."""
    codes = (code,) if isinstance(code, int) else code
    assert "Traceback (most recent call last)" not in p.stderr + p.stdout, p.stderr[-3000:]
    assert p.returncode in codes, (p.returncode, p.stdout[-2000:], p.stderr[-2000:])


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private parse cache for the test (never the user's)."""
    d = tmp_path / "cache"
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(d))
    return d
