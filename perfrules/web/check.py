"""The check of one run, in its child process (:mod:`perfrules.web.runs`), working folder
the run's ``in/``: the pipeline once, its outcomes kept, then every output from them into
``out/``: the JSON result (as ``perfrules check --format json`` writes it), the xlsx report,
an annotated copy of each uploaded workbook, and the report page with links to those.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs

RESULT_JSON = "结果.json"
REPORT_XLSX = "报告.xlsx"
PAGE = "page.html"  # the report page the request answers with (not offered for download)


def href(token: str, name: str) -> str:
    """Where a run's download is: ``/download/<token>/<name>``."""
    return f"/download/{token}/{quote(name, safe='')}"


@attrs.frozen
class Job:
    """What a child process checks: the run's files (names in ``in/``), in order."""

    token: str
    folder: str
    inputs: tuple[str, ...]
    chosen: bool
    specs: tuple[str, ...]  # to compile the packs again where fork is not available


@attrs.frozen
class Done:
    """What a check gave: the kind of each outcome, the errors of inputs not read, the
    downloads written (label, name), or the error that stopped it."""

    kinds: tuple[str, ...] = ()
    errors: tuple[dict, ...] = ()
    downloads: tuple[tuple[str, str], ...] = ()
    failure: dict | None = None
    status: int = 200

    @property
    def checked(self) -> int:
        return sum(1 for k in self.kinds if k == "result")


def check(job: Job, packs) -> Done:
    """Check the job's files (names in the working folder) and write the outputs."""
    from .. import pipeline
    out = Path(job.folder) / "out"
    scratch = Path(job.folder) / "tmp"
    scratch.mkdir(exist_ok=True)
    tempfile.tempdir = str(scratch)  # this process only: openpyxl's row files stay in the run's folder
    outcomes = list(pipeline.run(job.inputs, packs, chosen=job.chosen, fmt=None))
    summary = pipeline.Summary()
    for o in outcomes:
        summary.add(o)
    footer = _footer(summary)
    downloads = [("JSON 结果 (JSON result)", RESULT_JSON)]
    _write("json", outcomes, out / RESULT_JSON, None)
    if summary.projects:
        _write("xlsx", outcomes, out / REPORT_XLSX, footer)
        downloads.append(("Excel 报告 (xlsx report)", REPORT_XLSX))
    downloads += _annotated(job, outcomes, out)
    links = [(f"下载 {label}", href(job.token, name)) for label, name in downloads]
    links.append(("检查其他文件 (check other files)", "/"))
    from ..report.html import document
    (out / PAGE).write_text(document(outcomes, links=links, footer=footer), encoding="utf-8")
    return Done(kinds=tuple(o.kind for o in outcomes),
                errors=tuple(o.error for o in outcomes if o.kind == "error"),
                downloads=tuple(downloads))


def _footer(summary) -> Any:
    """The run's summary at the end of the report when inputs were not read or were skipped
    (as ``check`` adds it)."""
    if not (summary.broken or summary.skipped):
        return None
    from ..report.writer import Footer
    return Footer(tuple(summary.lines(skipped=False)), tuple(summary.skipped))


def _write(fmt: str, outcomes: list, path: Path, footer) -> None:
    """Write ``outcomes`` in ``fmt`` with the format's own writer (so the file is what
    ``perfrules check --format fmt -o path`` writes)."""
    from ..report import formats
    module = formats.module(fmt)
    writer = module.Writer(str(path))
    for o in outcomes:
        writer.add(attrs.evolve(o, text=module.entry(o, False)))
    writer.finish(footer)


def _annotated(job: Job, outcomes: list, out: Path) -> list[tuple[str, str]]:
    """An annotated copy of each uploaded workbook with findings on it (as cell comments);
    a workbook that cannot be copied (damaged, with macros) is left out, its findings are in
    the report."""
    from ..errors import PerfrulesError
    from ..report.annotate import annotate, by_file, marks
    found = by_file(m for o in outcomes if o.kind == "result" for m in marks(o.result))
    made = []
    for name in job.inputs:
        if name not in found or not name.lower().endswith(".xlsx"):
            continue
        target = f"{name[:-5]}.批注.xlsx"
        try:
            annotate(name, found[name], str(out / target))
        except PerfrulesError:
            continue
        made.append((f"{name} 批注版 (annotated workbook)", target))
    return made
