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

The names ``Job``, ``jobs``, ``check_job`` and ``set_packs`` are kept for callers of the
former batch module.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path

import click

from .errors import PerfrulesError, UsageError
from .pipeline import Job, Outcome, Settings, Summary, check_job, configure, jobs  # noqa: F401  (kept names)

__all__ = ["AtomicWriter", "Job", "LineWriter", "check_command", "check_job", "jobs", "set_packs",
           "write_atomic"]


def set_packs(packs) -> None:
    """Compile once, then check jobs with these packs (kept for callers of the batch module)."""
    configure(packs, Settings(fmt="jsonl"))


# ---- where the output goes --------------------------------------------------------------------

def check_output(path: str, inputs: tuple[str, ...] = ()) -> None:
    """Refuse, before anything runs, an output file that cannot be written, or that would
    destroy an input or be read back as one (named as an input, inside a scanned folder, or
    matched by an input pattern)."""
    target = Path(path)
    real = os.path.realpath(path)
    for spec in inputs:
        if _is_input(real, spec):
            raise UsageError(f"输出文件「{path}」是输入之一，或在要检查的文件夹「{spec}」中：写入会毁掉输入，或下次被当作输入读取",
                             f"the output {path} is one of the inputs or lies in the scanned folder {spec}: "
                             "writing it would destroy an input or be read as one next time",
                             hint="请把输出写到输入以外的文件夹 (write the output outside the inputs)")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"输出文件所在的文件夹「{parent}」不存在", f"the output folder {parent} does not exist",
                         hint="请先创建该文件夹，或换一个输出路径 (create the folder first, or write elsewhere)")
    if target.is_dir():
        raise UsageError(f"输出路径「{path}」是文件夹", f"the output path {path} is a folder")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"不能在「{parent}」中写入文件", f"cannot write files in {parent}")


def _is_input(real: str, spec: str) -> bool:
    """Whether the file at ``real`` (a resolved path) is, or would be read as, input ``spec``."""
    import glob
    if glob.has_magic(spec):
        return any(os.path.realpath(m) == real or _inside(real, m)
                   for m in glob.iglob(spec, recursive=True))
    return os.path.realpath(spec) == real or _inside(real, spec)


def _inside(real: str, folder: str) -> bool:
    if not os.path.isdir(folder):
        return False
    root = os.path.realpath(folder)
    return os.path.commonpath([root, real]) == root


def _cannot_write(path: str | None, e: OSError) -> UsageError:
    shown = path or "标准输出 (stdout)"
    return UsageError(f"无法写入「{shown}」：{e.strerror or e}", f"cannot write {shown}: {e.strerror or e}")


def write_atomic(path: str, text: str) -> None:
    """Write the whole output or nothing: a temp file beside the target, then rename."""
    w = AtomicWriter(path)
    try:
        w.write(text)
    except BaseException:
        w.abort()
        raise
    w.commit()


_TMP_TAG = ".perfrules-"  # temporary outputs are named .<target>.perfrules-<pid>-<random>


def _clean_leftovers(target: Path) -> None:
    """Remove temporary files of earlier writes to ``target`` whose process is gone (killed
    before it could remove them)."""
    folder = target.parent if str(target.parent) else Path(".")
    prefix = f".{target.name}{_TMP_TAG}"
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix)]
    except OSError:
        return
    for n in names:
        pid = n[len(prefix):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # that write is still going on
        except ProcessLookupError:
            pass
        except OSError:
            continue
        try:
            os.unlink(folder / n)
        except OSError:
            pass


_UMASK: int | None = None
_UMASK_LOCK = threading.Lock()


def umask() -> int:
    """The process's umask, read once. ``os.umask`` can only be read by setting it, and
    until it is put back every file another thread creates gets the mask set in between
    (with the usual ``umask(0)``, world-writable): so it is read once per process, under a
    lock, with 077 as the mask in between, and kept (perfrules never changes it; a program
    that does should do so before its first write)."""
    global _UMASK
    with _UMASK_LOCK:
        if _UMASK is None:
            _UMASK = os.umask(0o077)  # the strictest mask while it is read, never 0
            os.umask(_UMASK)
        return _UMASK


def new_file_mode() -> int:
    """The mode ``open`` gives a new file: 0666 less the umask."""
    return 0o666 & ~umask()


class AtomicWriter:
    """Writes to a temporary file beside the target; :meth:`commit` renames it over the target.

    A target that is a symbolic link stays one: the file it points to is replaced. The file
    written keeps the target's permission bits (a rewritten rule file stays readable by the
    group: 0644 stays 0644, 0640 stays 0640), but not set-user-id, set-group-id or sticky
    bits, which would pass to a file now owned by whoever runs perfrules; a new file gets
    what ``open`` would give it, 0666 less the umask (0644 under 022, 0600 under 077)."""

    def __init__(self, path: str):
        if os.path.islink(path):
            path = os.path.realpath(path)
        target = Path(path)
        self.path = path
        _clean_leftovers(target)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}{_TMP_TAG}{os.getpid()}-",
                                        dir=str(target.parent) or ".")
        # mkstemp makes the file 0600: give it the target's permissions, or a new file's.
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode) & 0o777
        except OSError:
            mode = new_file_mode()
        try:
            os.chmod(self.tmp, mode)
        except BaseException:
            os.close(fd)
            os.unlink(self.tmp)
            raise
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    def write(self, text: str) -> None:
        self.fh.write(text)

    def commit(self) -> None:
        try:
            self.fh.close()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self, interrupted: bool = False) -> None:
        try:
            self.fh.close()
        except OSError:
            pass  # the write that failed fails again on close: the file goes anyway
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


class LineWriter:
    """Writes whole lines to the output; when interrupted or when a write fails (a full
    disk), the file ends at the last complete line."""

    def __init__(self, path: str | None, stream=None):
        self.path = path
        self.fh = open(path, "w", encoding="utf-8", newline="\n") if path else stream
        self.good = 0  # bytes of complete lines known to be in the file

    def write(self, line: str) -> None:
        self.fh.write(line)
        if self.path:
            self.fh.flush()  # each line reaches the file whole, or the write fails here
            self.good += len(line.encode("utf-8"))

    def close(self, interrupted: bool = False) -> None:
        if not self.path:
            self.fh.flush()
            return
        try:
            self.fh.close()
        except OSError:
            if not interrupted:
                raise
        finally:
            if interrupted:
                os.truncate(self.path, self.good)

    commit = close

    def abort(self, interrupted: bool = False) -> None:
        self.close(interrupted=True)


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
        pipeline.check_specs(inputs)
        if output:
            check_output(output, inputs)
        packs = pipeline.load_packs(pack_specs)
        sink = Sink(fmt, output)
    except PerfrulesError as e:
        _err(e.render())
        return 2
    except OSError as e:
        _err(_cannot_write(output, e).render())
        return 2
    outcomes = pipeline.run(inputs, packs, chosen=bool(pack_specs), workers=workers, fmt=fmt,
                            show_na=show_na, exclude=(output,) if output else (),
                            pack_specs=tuple(pack_specs))
    summary, hinted, progress = Summary(), set(), Progress(output)
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
