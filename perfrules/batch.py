"""Writing a ``check`` run as it goes: every format streamed, in input order, memory flat.

The outcomes come from :mod:`perfrules.pipeline` (on N worker processes with ``-j N``,
already rendered there); this module only writes them and decides the exit code:

- ``jsonl``: one line per entry as soon as it is ready; with ``-o`` a :class:`LineWriter`
  whose file, on Ctrl-C, ends at the last whole line.
- ``json``: one object when the run has exactly one entry, else an array, built on the fly
  (the first entry is held until a second shows which it is).
- ``table`` and ``md``: each entry's block in turn, then the run's summary when an input
  could not be read or a file was skipped.
- With ``-o``, every format but ``jsonl`` is written to a temporary file beside the target
  and renamed over it only when whole (:class:`AtomicWriter`).

The names ``Job``, ``jobs`` and ``check_job`` (``check_job(job, packs, settings)``) are kept
for callers of the former batch module.
"""

from __future__ import annotations

import os
import sys
import time

import click

from .errors import PerfrulesError, UsageError
from .outputs import AtomicWriter, LineWriter, _cannot_write, check_output, write_atomic  # noqa: F401  (kept names)
from .pipeline import Job, Outcome, Settings, Summary, check_job, jobs  # noqa: F401  (kept names)

__all__ = ["AtomicWriter", "Job", "LineWriter", "check_command", "check_job", "jobs", "write_atomic"]


class _Stdout:
    def write(self, text: str) -> None:
        click.echo(text, nl=False)

    def commit(self) -> None:
        pass

    def abort(self, interrupted: bool = False) -> None:
        pass


def _indent(text: str) -> str:
    return "  " + text.replace("\n", "\n  ")  # JSON text has no raw newline inside a string


class Sink:
    """The entries of one format, joined as that format joins them."""

    def __init__(self, fmt: str, output: str | None):
        self.fmt = fmt
        if not output:
            self.out = _Stdout()
        elif fmt == "jsonl":
            self.out = LineWriter(output)
        else:
            self.out = AtomicWriter(output)
        self.n = 0
        self.first: str | None = None

    def add(self, o: Outcome) -> None:
        text = o.text
        if text is None:  # a skipped file in table or md: listed in the summary at the end
            return
        if self.fmt == "json":
            if self.n == 0:
                self.first = text
            elif self.n == 1:
                self.out.write("[\n" + _indent(self.first) + ",\n" + _indent(text))
                self.first = None
            else:
                self.out.write(",\n" + _indent(text))
        elif self.fmt == "table" and self.n:
            self.out.write("\n" + text)
        else:
            self.out.write(text)
        self.n += 1

    def finish(self, footer: str | None = None) -> None:
        if self.fmt == "json":
            if self.n == 1:
                self.out.write(self.first + "\n")
            elif self.n > 1:
                self.out.write("\n]\n")
        if footer:
            self.out.write(("\n" if self.fmt == "table" and self.n else "") + footer)
        self.out.commit()

    def abort(self, interrupted: bool = False) -> None:
        self.out.abort(interrupted)


# ---- progress ---------------------------------------------------------------------------------

class Progress:
    """A progress bar on stderr (rich), when stderr is a terminal, CI is unset, the output is
    not on the same terminal, and the run lasts more than a second."""

    def __init__(self, output: str | None):
        self.on = (sys.stderr.isatty() and not os.environ.get("CI")
                   and (bool(output) or not sys.stdout.isatty()))
        self.start = time.monotonic()
        self.n = 0
        self.bar = None

    def advance(self) -> None:
        self.n += 1
        if not self.on:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress as Bar, SpinnerColumn, TextColumn, TimeElapsedColumn
            self.bar = Bar(SpinnerColumn(), TextColumn("已检查 {task.completed} 项"), TimeElapsedColumn(),
                           console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("check", total=None, completed=self.n - 1)
            self.bar.start()
        self.bar.advance(self.task)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# ---- the check command -------------------------------------------------------------------------

def _err(text: str) -> None:
    from .report.terminal import printable
    click.echo(printable(text), err=True)


def check_command(inputs: tuple[str, ...], pack_specs: tuple[str, ...], fmt: str = "table",
                  output: str | None = None, workers: int = 1, fail_on: str = "error",
                  show_na: bool = False, strict: bool = False) -> int:
    """Run ``perfrules check``: write the outcomes in ``fmt`` and return the exit code.

    0/1 by ``fail_on``; 2 when an argument is bad, an input could not be read, or (with
    ``strict``) content was left unread; 130 on Ctrl-C."""
    from . import pipeline
    try:
        packs, sink = _open_check(inputs, pack_specs, fmt, output)
    except PerfrulesError as e:
        _err(e.render())
        return 2
    except OSError as e:
        _err(_cannot_write(output, e).render())
        return 2
    outcomes = pipeline.run(inputs, packs, chosen=bool(pack_specs), workers=workers, fmt=fmt,
                            show_na=show_na, exclude=(output,) if output else (),
                            pack_specs=tuple(pack_specs))
    summary = Summary()
    stopped = _write_outcomes(outcomes, sink, summary, fmt, output)
    if stopped is not None:
        return stopped
    return _close_check(sink, summary, fmt, output, fail_on, strict)


def _open_check(inputs: tuple[str, ...], pack_specs: tuple[str, ...], fmt: str,
                output: str | None) -> tuple[list, Sink]:
    """Before any input is read: the arguments checked, the packs loaded and where the
    output goes (raises PerfrulesError or OSError)."""
    from . import pipeline
    pipeline.check_specs(inputs)
    if output:
        check_output(output, inputs)
    packs = pipeline.load_packs(pack_specs)
    return packs, Sink(fmt, output)


def _write_outcomes(outcomes, sink: Sink, summary: Summary, fmt: str, output: str | None) -> int | None:
    """Write each input's outcome as it comes, its error and first hint of each kind to
    stderr; the exit code when the run stops early (130 on Ctrl-C, 2 when writing fails)."""
    hinted, progress = set(), Progress(output)
    try:
        for o in outcomes:
            summary.add(o)
            if o.kind == "error":
                _err(o.message)
            if o.hint and o.hint[0] not in hinted:
                hinted.add(o.hint[0])
                _err(o.hint[1])
            sink.add(o)
            progress.advance()
    except KeyboardInterrupt:
        progress.stop()
        outcomes.close()  # stops the worker pool
        sink.abort(interrupted=True)
        kept = ("输出文件保留到最后一个完整的项目 (the output file ends at the last whole project)"
                if output and fmt == "jsonl" else
                "未写出输出文件 (the output file was not written)" if output else "")
        _err(summary.render() + "\n已中断 (interrupted)" + (f"：{kept}" if kept else ""))
        return 130
    except (OSError, PerfrulesError) as e:  # writing the output (a full disk); an input gone
        progress.stop()
        outcomes.close()
        sink.abort()
        _err((e if isinstance(e, PerfrulesError) else _cannot_write(output, e)).render())
        return 2
    progress.stop()
    return None


def _close_check(sink: Sink, summary: Summary, fmt: str, output: str | None, fail_on: str,
                 strict: bool) -> int:
    """End the run's output (a footer when inputs were not read; nothing checked is exit
    2), the summary to stderr where the output does not carry it, and the exit code."""
    not_read = bool(summary.broken or summary.skipped)
    footer = None
    if not_read and fmt in ("table", "md"):
        footer = _footer(fmt, summary)
    if summary.projects == 0:
        if sink.n:
            sink.finish(footer)
        else:
            sink.abort()
        for n in summary.skipped:
            _err(f"{n.where.file}: 跳过 {n.zh} (skipped: {n.en})")
        _err(UsageError("没有可检查的输入文件", "no input files to check").render())
        return 2
    try:
        sink.finish(footer)
    except OSError as e:
        sink.abort()
        _err(_cannot_write(output, e).render())
        return 2
    if fmt == "jsonl" or (fmt == "json" and not_read) or (output and not_read):
        _err(summary.render())
    why = summary.strict_failure() if strict else None
    if why:
        _err(why)
    return summary.exit_code(fail_on, strict)


def _footer(fmt: str, summary: Summary) -> str:
    """The run's summary at the end of a table or Markdown document, skipped files listed."""
    from .report.render import footer_markdown, footer_table
    return (footer_table if fmt == "table" else footer_markdown)(summary.lines(skipped=False), summary.skipped)
