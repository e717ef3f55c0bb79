"""``perfrules serve``: a local web page where an officer uploads forms and reads the report.

The page and its API live in :mod:`perfrules.web.app` (Starlette, served by uvicorn); they
need the ``[web]`` extra (``pip install 'perfrules[web]'``). Nothing outside this package
imports Starlette, so the rest of perfrules works without it; :func:`require` says, in
Chinese and English, what to install when it is missing.

- :mod:`perfrules.web.app`: the routes, the security headers, :func:`~perfrules.web.app.create_app`
  and :func:`~perfrules.web.app.serve`;
- :mod:`perfrules.web.catalog`: the packs offered on the page, compiled once at start-up;
- :mod:`perfrules.web.uploads`: the uploaded files, streamed into the run's own folder with
  their names made safe and their count and size capped;
- :mod:`perfrules.web.runs`: a run's temporary folder (its download token, its expiry) and the
  child process the check runs in, killed at the time limit;
- :mod:`perfrules.web.check`: what that child does: the pipeline once, then the report page,
  the JSON result, the xlsx report and the annotated workbooks.
"""

from __future__ import annotations

import importlib.util

from ..errors import UsageError

INSTALL = "pip install 'perfrules[web]'"
# Each needed module, with other names it goes by (python-multipart before 0.0.13: ``multipart``).
NEEDED = (("starlette",), ("uvicorn",), ("python_multipart", "multipart"), ("jinja2",))


def missing() -> list[str]:
    """The modules of the ``[web]`` extra that cannot be imported."""
    return [names[0] for names in NEEDED if all(importlib.util.find_spec(m) is None for m in names)]


def require() -> None:
    """Raise a :class:`~perfrules.errors.UsageError` naming what to install when the
    ``[web]`` extra (Starlette, uvicorn, python-multipart) is not installed."""
    gone = missing()
    if gone:
        raise UsageError(f"网页服务所需的组件未安装（缺少 {', '.join(gone)}）：请运行 {INSTALL}",
                         f"the web page needs the [web] extra (missing: {', '.join(gone)}): run {INSTALL}",
                         hint=f"安装后再运行 perfrules serve (then run perfrules serve again): {INSTALL}")
