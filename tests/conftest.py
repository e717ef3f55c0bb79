"""Shared test settings.

Hypothesis profiles: ``ci`` (the default) keeps property tests fast; run
``HYPOTHESIS_PROFILE=long pytest`` for a deeper search.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

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
