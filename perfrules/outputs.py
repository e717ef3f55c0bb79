"""Files perfrules writes, whole or not at all: reports with ``-o`` (:class:`AtomicWriter`, a
temporary file beside the target renamed over it when complete, the target's mode kept, new
files following the umask), JSON Lines (:class:`LineWriter`, cut back to the last whole line
when a write fails), ``fmt`` and ``docs`` (:func:`write_atomic`); and the check that ``-o``
names no input (:func:`check_output`). Every command that writes reads this module.

Text for a console (stdout, stderr) goes through :func:`console_text`: files are always UTF-8,
but a console may not be (a GBK console on Windows, ``PYTHONIOENCODING=ascii``), and a
character its encoding cannot hold is written in its ASCII form (:data:`ASCII_FORMS`: − as -,
≥ as >=) or, having none, as ``?``, never a crash.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
import tempfile
import threading
import unicodedata
from pathlib import Path

from .errors import UsageError

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


def write_atomic(path: str, text: str | bytes) -> None:
    """Write the whole output or nothing: a temp file beside the target, then rename."""
    w = AtomicWriter(path, binary=isinstance(text, bytes))
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

    def __init__(self, path: str, binary: bool = False):
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
        self.fh = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    def write(self, text: str | bytes) -> None:
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


def check_output_folder(path: str, inputs: tuple[str, ...] = ()) -> None:
    """``-o`` naming a folder (a page per project): not inside or holding an input, its parent
    there; the folder itself is made when missing."""
    real = os.path.realpath(path)
    for spec in inputs:
        if _is_input(real, spec) or (os.path.exists(spec) and _inside(os.path.realpath(spec), path)):
            raise UsageError(f"输出文件夹「{path}」与输入「{spec}」重叠：写入会毁掉输入，或下次被当作输入读取",
                             f"the output folder {path} overlaps the input {spec}",
                             hint="请把输出写到输入以外的文件夹 (write the output outside the inputs)")
    target = Path(path.rstrip("/" + os.sep) or path)
    if target.exists() and not target.is_dir():
        raise UsageError(f"输出路径「{path}」不是文件夹", f"the output path {path} is not a folder")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"输出文件夹所在的文件夹「{parent}」不存在", f"the folder {parent} does not exist",
                         hint="请先创建该文件夹，或换一个输出路径 (create the folder first, or write elsewhere)")
    if not os.access(target if target.is_dir() else parent, os.W_OK):
        raise UsageError(f"不能在「{target}」中写入文件", f"cannot write files in {target}")


# ---- text for a console ------------------------------------------------------------------------

# The one table of ASCII forms, for a console whose encoding cannot hold the character (a GBK
# console has ≥ and “” but not −; an ASCII one has neither). Characters not listed are tried
# in their compatibility form (NFKC: （ as (, ① as 1) and are otherwise written as ``?``.
ASCII_FORMS: dict[str, str] = {
    "\u2212": "-", "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2010": "-", "\u2011": "-",
    "\u2265": ">=", "\u2264": "<=", "\u2260": "!=", "\u2248": "~", "\u00b1": "+/-",
    "\u21d2": "=>", "\u2192": "->", "\u2190": "<-", "\u21d0": "<=", "\u2194": "<->",
    "\u00d7": "x", "\u00f7": "/", "\u00b7": ".", "\u2022": "*", "\u00b0": " deg",
    "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u300c": '"', "\u300d": '"',
    "\u300e": '"', "\u300f": '"', "\u3010": "[", "\u3011": "]", "\u300a": "<<", "\u300b": ">>",
    "\u3001": ",", "\u3002": ".", "\u2026": "...", "\u3000": " ", "\u00a0": " ",
    "\u2713": "v", "\u2714": "v", "\u2717": "x", "\u2718": "x", "\u2030": "0/00",
    "\u2421": "^?",  # ␡, as printable() shows DEL
    # ␀…␟, the control pictures printable() shows C0 controls as: ^@ … ^_
    **{chr(0x2400 + n): "^" + chr(0x40 + n) for n in range(0x20)},
}
_HANDLER = "perfrules.console"


def _ascii_form(e: UnicodeError) -> tuple[str, int]:
    """The codec error handler behind :func:`console_text`: each character the encoding
    cannot hold as its ASCII form, its compatibility form if that fits, else ``?``."""
    if not isinstance(e, UnicodeEncodeError):
        raise e
    out = []
    for ch in e.object[e.start:e.end]:
        form = ASCII_FORMS.get(ch)
        if form is None:
            nfkc = unicodedata.normalize("NFKC", ch)
            form = "?" if nfkc == ch else "".join(ASCII_FORMS.get(c, c) for c in nfkc)
            try:
                form.encode(e.encoding)
            except (UnicodeError, LookupError):
                form = "".join(c if c.isascii() and c.isprintable() else "?" for c in form) or "?"
        out.append(form)
    return "".join(out), e.end


codecs.register_error(_HANDLER, _ascii_form)


def console_text(text: str, stream=None) -> str:
    """``text`` as ``stream`` (default: stdout) can write it: unchanged when its encoding holds
    every character (a UTF-8 console keeps everything), else each character it cannot hold
    in its ASCII form (:data:`ASCII_FORMS`) or ``?``."""
    stream = sys.stdout if stream is None else stream
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except LookupError:  # a stream naming no codec Python knows: write it as it is
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode(encoding, _HANDLER).decode(encoding, "replace")
    except UnicodeError:  # a stateful or odd codec: plain ASCII fits every console
        return text.encode("ascii", _HANDLER).decode("ascii")


def console_errors(stream) -> None:
    """Make ``stream`` (sys.stdout or sys.stderr) write what its encoding cannot hold in the
    ASCII forms of :func:`console_text`, not raise: for text that does not pass through it
    (click's help and usage messages, warnings). A stream that already chose how to handle
    such characters (``PYTHONIOENCODING=gbk:replace``, stderr's backslashreplace) is left."""
    if getattr(stream, "errors", None) != "strict" or not hasattr(stream, "reconfigure"):
        return
    try:
        stream.reconfigure(errors=_HANDLER)
    except (AttributeError, ValueError, OSError):
        pass


class ConsoleStream:
    """A console stream whose :meth:`write` goes through :func:`console_text` (for rich's
    progress bar, which writes its own text); everything else is the stream's."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(console_text(text, self._stream))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
