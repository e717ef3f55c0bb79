"""Writing a ``check`` run as it goes: every format streamed, in input order, memory flat.

The outcomes come from :mod:`perfrules.pipeline` (on N worker processes with ``-j N``,
already rendered there); this module hands them to the format's writer (the table in
:mod:`perfrules.report.formats` says which, and how each joins its entries), says on stderr
what the output does not carry, and decides the exit code. With ``-o`` every format is
written whole or not at all, but ``jsonl``, whose file ends at the last whole line.

The names ``Job``, ``jobs`` and ``check_job`` (``check_job(job, packs, settings)``) are kept
for callers of the former batch module.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from .errors import PerfrulesError, UsageError
from .outputs import AtomicWriter, LineWriter, _cannot_write, check_output, write_atomic  # noqa: F401  (kept names)
from .outputs import check_output_folder
from .pipeline import Job, Outcome, Settings, Summary, check_job, jobs  # noqa: F401  (kept names)

__all__ = ["AtomicWriter", "Job", "LineWriter", "check_command", "check_job", "jobs", "write_atomic"]


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
            from .outputs import ConsoleStream  # its spinner's signs on a GBK console: as ASCII
            from rich.progress import Progress as Bar, SpinnerColumn, TextColumn, TimeElapsedColumn
            self.bar = Bar(SpinnerColumn(), TextColumn("已检查 {task.completed} 项"), TimeElapsedColumn(),
                           console=Console(file=ConsoleStream(sys.stderr)), transient=True)
            self.task = self.bar.add_task("check", total=None, completed=self.n - 1)
            self.bar.start()
        self.bar.advance(self.task)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# ---- the check command -------------------------------------------------------------------------

def _err(text: str) -> None:
    from .outputs import console_text
    from .report.terminal import printable
    click.echo(console_text(printable(text), sys.stderr), err=True)


def _failed(e: PerfrulesError, fmt: str | None, output: str | None) -> int:
    """A run that cannot start or checks nothing: exit 2, the message on stderr and, when the
    output goes to stdout in a format programs read, the error in that format too (json/jsonl:
    one ``{schema_version, error}`` record, result.schema.json; sarif: a log whose invocation
    failed; junit: a testcase in error; github: an error annotation)."""
    _err(e.render())
    if fmt is not None and not output:
        format_error(e, fmt)
    return 2


def format_error(e: PerfrulesError, fmt: str) -> None:
    """The error of a run that cannot start, on stdout in the output format, for the formats
    programs read (formats.Format.says_errors: json, jsonl, sarif, junit, github)."""
    from .report import formats
    if fmt in formats.BY_NAME and formats.get(fmt).says_errors:
        from .report.writer import Stdout
        Stdout().write(formats.module(fmt).run_error(e))


def check_command(inputs: tuple[str, ...], pack_specs: tuple[str, ...], fmt: str | None = None,
                  output: str | None = None, workers: int = 1, fail_on: str = "error",
                  show_na: bool = False, strict: bool = False, annotate: str | None = None, *,
                  select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
                  stdin_name: str | None = None, scheduler: str | None = None,
                  rollup: str | None = None, partition_mb: float | None = None, engine: str = "auto") -> int:
    """Run ``perfrules check``: write the outcomes in ``fmt`` and return the exit code.

    0/1 by ``fail_on``; 2 when an argument is bad, an input could not be read, (with
    ``strict``) content was left unread, or the annotated copies could not be written;
    130 on Ctrl-C. ``select``/``ignore``: rule ids (or prefixes ending in ``*``) to run
    only / to leave out; ``stdin_name``: the name of standard input (``-``) in the output;
    ``engine``: --engine (auto | row | columnar, pipeline.Settings)."""
    from . import pipeline
    from .report import formats
    if scheduler or rollup:  # partitioned: on a Dask cluster (--scheduler), or here (--rollup)
        from .cluster import refused, run as partitioned
        why = refused(workers=workers, annotate=annotate, stdin_name=stdin_name)
        if why:
            return _failed(why, fmt, output)
        return partitioned(inputs, pack_specs, fmt, output, scheduler=scheduler, fail_on=fail_on,
                           show_na=show_na, strict=strict, rollup=rollup, partition_mb=partition_mb,
                           select=tuple(select), ignore=tuple(ignore), engine=engine, echo=_err,
                           failed=lambda e: _failed(e, fmt, output))
    books = Annotations(annotate, inputs) if annotate else None
    try:
        fmt = formats.choose(fmt, output)
        if books:
            books.check(output)
        packs, sink = _open_check(inputs, pack_specs, fmt, output, fail_on=fail_on, select=select,
                                  ignore=ignore, stdin_name=stdin_name)
    except PerfrulesError as e:
        return _failed(e, fmt, output)
    except OSError as e:
        _err(_cannot_write(output, e).render())
        return 2
    outcomes = pipeline.run(inputs, packs, chosen=bool(pack_specs), workers=workers, fmt=fmt,
                            show_na=show_na, exclude=tuple(x for x in (output, annotate) if x),
                            pack_specs=tuple(pack_specs), annotate=bool(books), stdin_name=stdin_name,
                            select=tuple(select), ignore=tuple(ignore), engine=engine)
    summary = Summary()
    stopped = _write_outcomes(outcomes, sink, summary, fmt, output, books)
    if stopped is not None:
        return stopped
    code = _close_check(sink, summary, fmt, output, fail_on, strict)
    if books and summary.projects:
        try:
            for line in books.write():
                _err(line)
        except (OSError, PerfrulesError) as e:
            _err((e if isinstance(e, PerfrulesError) else _cannot_write(annotate, e)).render())
            return 2
    return code


class Annotations:
    """``check --annotate TARGET``: a copy of each workbook read, each finding a comment on
    its cell (:mod:`perfrules.report.annotate`). TARGET is a file when one workbook is read,
    else a folder (made when missing) that gets ``<name>（已标注）.xlsx`` for each."""

    def __init__(self, target: str, inputs: tuple[str, ...]):
        self.target = target
        self.inputs = inputs
        self.books: dict[str, list] = {}

    @property
    def folder(self) -> bool:
        from .report.formats import is_folder_target
        return is_folder_target(self.target)

    def check(self, output: str | None) -> None:
        """Before the run: the target can be written and destroys no input nor the output."""
        from .outputs import check_output_folder
        from .pipeline import STDIN
        if STDIN in self.inputs:
            raise UsageError("--annotate 标注的是输入的工作簿文件，不能用于标准输入（-）",
                             "--annotate writes copies of input workbooks: it cannot be used with standard input (-)")
        if self.folder:
            check_output_folder(self.target, self.inputs)
            return
        if not self.target.lower().endswith(".xlsx"):
            raise UsageError(f"--annotate 的输出「{self.target}」应以 .xlsx 结尾，或是一个文件夹",
                             f"--annotate {self.target} must end in .xlsx or name a folder")
        if output and os.path.realpath(output) == os.path.realpath(self.target):
            raise UsageError("--annotate 与 -o 不能是同一个文件", "--annotate and -o name the same file")
        check_output(self.target, self.inputs)

    def add(self, o) -> None:
        """Note a checked set read from a workbook (``a.xlsx``, ``a.xlsx#表2``) and its marks."""
        from .report.annotate import workbook_of
        book = workbook_of(o.input) if o.kind == "result" else None
        if book is not None:
            self.books.setdefault(book[0], []).extend(o.marks)

    def write(self) -> list[str]:
        """Write the copies; what was written, one line each."""
        from .report.annotate import annotate
        if not self.books:
            raise UsageError("--annotate：输入中没有读取到 Excel 工作簿 (.xlsx)，没有可标注的文件",
                             "--annotate: no .xlsx workbook was read, nothing to annotate")
        if not self.folder and len(self.books) > 1:
            raise UsageError(f"读取了 {len(self.books)} 个工作簿：--annotate 须给出文件夹（以 / 结尾）",
                             f"{len(self.books)} workbooks were read: give --annotate a folder (ending in /)")
        if self.folder:
            os.makedirs(self.target, exist_ok=True)
        lines = []
        for src, marks in self.books.items():
            dest = (os.path.join(self.target, f"{Path(src).stem}（已标注）.xlsx") if self.folder else self.target)
            lines.append(annotate(src, marks, dest).summary())
        return lines


def _open_check(inputs: tuple[str, ...], pack_specs: tuple[str, ...], fmt: str,
                output: str | None, *, fail_on: str = "error", select: tuple[str, ...] = (),
                ignore: tuple[str, ...] = (), stdin_name: str | None = None) -> tuple[list, object]:
    """Before any input is read: the arguments checked, the packs loaded (narrowed by
    --select/--ignore, said on stderr) and where the output goes, the format's writer
    (raises PerfrulesError or OSError)."""
    from . import pipeline
    from .report import formats
    pipeline.check_specs(inputs)
    if stdin_name is not None and pipeline.STDIN not in inputs:
        raise UsageError("--stdin-name 只用于从标准输入（-）读取时", "--stdin-name names standard input (-), "
                         "which is not among the inputs")
    if output and formats.is_folder_target(output):
        check_output_folder(output, inputs)
    elif output:
        check_output(output, inputs)
    packs, left = pipeline.select_rules(pipeline.load_packs(pack_specs), select, ignore)
    if left:
        shown = ", ".join(left[:30]) + (f" 等 {len(left)} 条 ({len(left)} in all)" if len(left) > 30 else "")
        _err(f"按 --select/--ignore 未运行 {len(left)} 条规则 ({len(left)} rules left out by --select/--ignore): {shown}")
    if formats.get(fmt).fail_on:
        return packs, formats.module(fmt).Writer(output, fail_on=fail_on)
    return packs, formats.module(fmt).Writer(output)


def _write_outcomes(outcomes, sink, summary: Summary, fmt: str, output: str | None,
                    books: Annotations | None = None) -> int | None:
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
            if books:
                books.add(o)
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


def _close_check(sink, summary: Summary, fmt: str, output: str | None, fail_on: str,
                 strict: bool) -> int:
    """End the run's output (a footer when inputs were not read; nothing checked is exit
    2), the summary to stderr where the output does not carry it, and the exit code."""
    from .report import formats
    from .report.writer import Footer
    not_read = bool(summary.broken or summary.skipped)
    inside = formats.get(fmt).summary_inside
    footer = Footer(tuple(summary.lines(skipped=False)), tuple(summary.skipped)) if not_read and inside else None
    if summary.projects == 0:
        if sink.n:
            sink.finish(footer)
        else:
            sink.abort()
        for n in summary.skipped:
            _err(f"{n.where.file}: 跳过 {n.zh} (skipped: {n.en})")
        return _failed(UsageError("没有可检查的输入文件", "no input files to check"), None if sink.n else fmt, output)
    try:
        sink.finish(footer)
    except OSError as e:
        sink.abort()
        _err(_cannot_write(output, e).render())
        return 2
    if fmt == "jsonl" or (not inside and not_read) or (output and not_read):
        _err(summary.render())
    why = summary.strict_failure() if strict else None
    if why:
        _err(why)
    return summary.exit_code(fail_on, strict)
