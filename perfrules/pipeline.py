"""One path from input files to results, for ``check`` in every format, batch runs and ``diff``.

::

    inputs ──expand──▶ Found files ──jobs──▶ Job ──load_job──▶ Loaded sets, stages linked
           ──check_job──▶ Outcome per indicator set (or per input not read), in input order

- :func:`expand` turns files, folders (recursively) and quoted globs into :class:`Found`
  files. A folder scan reads what is an indicator set, refuses by name what looks like a
  form but cannot be read (``.docx``, ``.pdf``, ``.et`` …: an error, exit 2), notes what
  else it skips (``说明.txt``: a reading note) and passes over only what plainly is not
  data (hidden files, ``~$`` lock files, pack files, README/Markdown, side files read with
  their table). See :func:`classify`.
- :func:`jobs` groups the adjacent files of one folder into one :class:`Job` (a project's
  stages: 申报.yaml beside 自评.yaml); a JSON Lines file gives one job per line.
- :func:`check_job` loads a job (``load_all``: a workbook may hold several projects), links
  its stages, chooses packs by year coverage, runs them and gives one :class:`Outcome` per
  indicator set, input not read, or file skipped, each optionally rendered already in the
  output format (so that workers do the rendering).
- :func:`run` does that for every input on N processes, in input order, streaming.
- :class:`Summary` counts a run and decides its exit code.

Nothing here writes output; :mod:`perfrules.batch` does.
"""

from __future__ import annotations

import functools
import glob
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from .errors import DataError, Errors, Location, PerfrulesError, UsageError, error_record
from .severity import NAMES as SEVERITIES, ORDER as SEVERITY_ORDER, ZH as SEVERITY_ZH
from .version import SCHEMA_VERSION

JSONL = {".jsonl", ".ndjson"}
COLUMNAR = {".parquet"}  # a project a row, read like JSON Lines records (data/loaders/parquet.py)
STDIN = "-"              # the input argument that reads standard input
STDIN_NAME = "<stdin>"   # its name in results and errors, unless --stdin-name gives one
FAIL_ON = SEVERITY_ORDER  # --fail-on LEVEL: exit 1 when the worst finding reaches it

# Files that look like forms but that perfrules cannot read: refused by name (exit 2).
# An .xls goes to the loader, which explains the old format (or reads a workbook so named).
_SHEET_HINT = "请在 Excel/WPS 中另存为 .xlsx (save it as .xlsx in Excel or WPS)"
_DOC_HINT = ("请把其中的指标表复制到 Excel/WPS 表格，另存为 .xlsx 或 CSV "
             "(copy its indicator table into a spreadsheet and save it as .xlsx or CSV)")
_PRINT_HINT = ("请使用原始的 Excel 表格，或把指标表录入为 .xlsx、CSV 或 YAML "
               "(use the original spreadsheet, or enter the table as .xlsx, CSV or YAML)")
UNREADABLE: dict[str, tuple[str, str, str]] = {
    ".xlsb": ("Excel 二进制工作簿（.xlsb）", "an Excel binary workbook (.xlsb)", _SHEET_HINT),
    ".et": ("WPS 表格文件（.et）", "a WPS spreadsheet (.et)", _SHEET_HINT),
    ".ett": ("WPS 表格模板（.ett）", "a WPS spreadsheet template (.ett)", _SHEET_HINT),
    ".ods": ("OpenDocument 表格（.ods）", "an OpenDocument spreadsheet (.ods)", _SHEET_HINT),
    ".numbers": ("Numbers 表格（.numbers）", "a Numbers spreadsheet (.numbers)", _SHEET_HINT),
    ".docx": ("Word 文档（.docx）", "a Word document (.docx)", _DOC_HINT),
    ".docm": ("Word 文档（.docm）", "a Word document (.docm)", _DOC_HINT),
    ".doc": ("Word 97-2003 文档（.doc）", "a Word 97-2003 document (.doc)", _DOC_HINT),
    ".wps": ("WPS 文字文档（.wps）", "a WPS Writer document (.wps)", _DOC_HINT),
    ".wpt": ("WPS 文字模板（.wpt）", "a WPS Writer template (.wpt)", _DOC_HINT),
    ".odt": ("OpenDocument 文档（.odt）", "an OpenDocument text (.odt)", _DOC_HINT),
    ".rtf": ("RTF 文档（.rtf）", "an RTF document (.rtf)", _DOC_HINT),
    ".pdf": ("PDF 文件", "a PDF file", _PRINT_HINT),
    ".ofd": ("OFD 版式文件", "an OFD document", _PRINT_HINT),
}
# Plainly not data: passed over in folder scans without a note (documented in docs/commands.md).
_QUIET_NAMES = {"pack.yaml", "thumbs.db", "desktop.ini"}
_QUIET_SUFFIXES = (".rules", ".examples.yaml", ".examples.yml", ".md")


# ---- what was found --------------------------------------------------------------------------

@attrs.frozen
class Problem:
    """Why a found file (or JSON Lines record) is not read: an error, or a noted skip."""

    zh: str
    en: str
    hint: str | None = None
    fatal: bool = True  # True: an input that could not be read (exit 2); False: skipped, noted


@attrs.frozen
class Found:
    """One input file, and why it will not be read if it will not."""

    path: str
    problem: Problem | None = None


def _found(x: Found | str) -> Found:
    return x if isinstance(x, Found) else Found(str(x))


def _founds(xs) -> tuple[Found, ...]:
    return tuple(_found(x) for x in xs)


@attrs.frozen
class Job:
    """One project to check: adjacent files of one folder (its stages), or one JSON Lines record."""

    files: tuple[Found, ...] = attrs.field(default=(), converter=_founds)
    record: str | None = None        # the JSON text of one line
    source: str = ""                 # file:line for a record; the name of standard input
    problem: Problem | None = None   # a record that could not even be decoded
    data: bytes | None = None        # the bytes read from standard input


def check_specs(inputs: Iterable[str]) -> None:
    """Refuse a bad input argument before anything is run or written (UsageError)."""
    inputs = list(inputs)
    if STDIN in inputs:
        _check_stdin(inputs)
    for spec in inputs:
        if spec == STDIN:
            continue
        p = Path(spec)
        if p.is_dir():
            continue
        if p.suffix.lower() == ".rules" and not glob.has_magic(spec):
            raise UsageError(f"「{spec}」是规则文件，不是指标表；规则文件或规则包请用 -p 指定",
                             f"{spec} is a rule file, not an indicator set: give rules with -p")
        if p.exists():
            continue
        if glob.has_magic(spec):
            if next(glob.iglob(spec, recursive=True), None) is None:
                raise UsageError(f"没有与「{spec}」匹配的文件", f"no file matches {spec}")
            continue
        raise UsageError(f"找不到输入文件「{spec}」", f"input {spec} does not exist")


def unreadable(path: str | os.PathLike) -> Problem | None:
    """The reason a file of a form-like type cannot be read, if it is one."""
    kind = UNREADABLE.get(Path(path).suffix.lower())
    if kind is None:
        return None
    zh, en, hint = kind
    return Problem(f"{zh}不能读取：perfrules 读取 YAML、JSON、CSV、XLSX 和 JSON Lines",
                   f"{en} cannot be read: perfrules reads YAML, JSON, CSV, XLSX and JSON Lines", hint)


def classify(path: Path, names: set[str]) -> Problem | None | bool:
    """What a folder scan does with a file: ``None`` read it, a :class:`Problem` refuse
    (fatal) or skip it with a note, ``False`` pass over it without a word.

    ``names`` are the names of the files in the same folder (for side files)."""
    from .data.loaders import EXTENSIONS, is_side_file
    name, low = path.name, path.name.lower()
    if name.startswith((".", "~$")) or low in _QUIET_NAMES or low.endswith(_QUIET_SUFFIXES) \
            or low.startswith("readme"):
        return False
    if is_side_file(path):
        return False if _side_is_read(path, names) else Problem(
            "附属文件（项目信息/评分）旁边没有对应的 CSV 指标表，未读取",
            "a side file (项目信息/评分) with no CSV table beside it: not read",
            "附属文件随同名的 CSV 指标表读取：<表名>.项目信息.csv，或文件夹中的 项目信息.csv", fatal=False)
    ext = path.suffix.lower()
    if ext in EXTENSIONS or ext in JSONL or ext == ".xls":
        return None
    refused = unreadable(path)
    if refused is not None:
        return refused
    shown = ext or "无扩展名"
    return Problem(f"不是指标表的格式（{shown}），未读取",
                   f"not an indicator-set format ({ext or 'no extension'}): not read", fatal=False)


def _side_is_read(path: Path, names: set[str]) -> bool:
    """Whether a CSV table in the same folder reads this side file (see loaders.tabular)."""
    from .data.loaders import SIDE_KINDS, is_side_file
    stem = path.stem
    tables = [n for n in names if Path(n).suffix.lower() in (".csv", ".tsv")
              and not is_side_file(Path(n))]
    if stem in SIDE_KINDS:  # 项目信息.csv: shared by the tables without a side file of their own
        return any(f"{Path(t).stem}.{stem}.csv" not in names for t in tables)
    table_stem, _, _kind = stem.rpartition(".")
    return any(Path(t).stem == table_stem for t in tables)


def expand(inputs: Iterable[str], *, exclude: Iterable[str] = ()) -> Iterator[Found]:
    """Files as given, folders scanned (recursively), quoted globs matched: lazily, in order.

    A folder lists its own files by name, then its subfolders, so a folder's files are
    adjacent (they may be one project's stages). Glob matches are scanned like a folder's
    files. ``exclude`` names files to pass over (the run's own output file)."""
    skip = {os.path.realpath(x) for x in exclude if x}
    for spec in inputs:
        p = Path(spec)
        if spec == STDIN:
            yield Found(STDIN)  # read by jobs(), in its turn
        elif p.is_dir():
            yield from _scan(p, skip)
        elif p.exists():
            problem = unreadable(p)
            yield Found(spec, problem)
        elif glob.has_magic(spec):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise UsageError(f"没有与「{spec}」匹配的文件", f"no file matches {spec}")
            yield from _matched(matches, skip)
        else:  # given, then gone before its turn
            yield Found(spec, Problem("找不到输入文件", "the input does not exist"))


def _matched(matches: list[str], skip: set[str]) -> Iterator[Found]:
    by_folder: dict[str, set[str]] = {}
    for m in matches:
        p = Path(m)
        if p.is_dir():
            yield from _scan(p, skip)
            continue
        if os.path.realpath(m) in skip:
            continue
        names = by_folder.get(str(p.parent))
        if names is None:
            names = by_folder[str(p.parent)] = _names(p.parent)
        what = classify(p, names)
        if what is not False:
            yield Found(m, what or None)


def _names(folder: Path) -> set[str]:
    try:
        return {e.name for e in os.scandir(folder) if e.is_file()}
    except OSError:
        return set()


def _scan(folder: Path, skip: set[str], root: str | None = None) -> Iterator[Found]:
    """A folder's files by name, then its subfolders. Symbolic links are not followed out of
    the folder given (refused, by name) nor into another subfolder (noted); what is neither a
    file nor a folder (a FIFO, a device) is noted, never opened."""
    root = root or os.path.realpath(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        yield Found(str(folder), Problem("无法读取文件夹", f"cannot read the folder: {e.strerror}"))
        return
    files, odd = [], []
    for e in entries:
        if e.name.startswith((".", "~$")):
            continue
        why = _entry_problem(e, root)
        if why is not None:
            odd.append((e, why))
        elif e.is_file():
            files.append(e)
    names = {e.name for e in files}
    for e in files:
        path = folder / e.name
        if os.path.realpath(path) in skip:
            continue
        what = classify(path, names)
        if what is not False:
            yield Found(str(path), what or None)
    for e, why in odd:
        yield Found(str(folder / e.name), why)
    for e in entries:
        if e.is_dir(follow_symlinks=False) and not e.name.startswith("."):
            yield from _scan(folder / e.name, skip, root)


def _entry_problem(e: os.DirEntry, root: str) -> Problem | None:
    """Why a folder entry is not read as a file or scanned as a folder, if it is not."""
    if e.is_symlink():
        target = os.path.realpath(e.path)
        if not os.path.exists(target):
            return Problem("符号链接指向的文件不存在", "a symbolic link to nothing",
                           "请删除这个链接，或直接给出要检查的文件 (remove the link, or give the file itself)")
        if os.path.commonpath([root, target]) != root:
            return Problem(f"符号链接指向所检查的文件夹之外（{target}），未读取",
                           f"a symbolic link out of the folder being checked (to {target}): not read",
                           "要检查它，请直接给出该文件或文件夹 (give that file or folder itself to check it)")
        if os.path.isdir(target):
            return Problem("符号链接指向本文件夹中的另一个文件夹，未重复读取",
                           "a symbolic link to another folder inside the one checked: not read twice",
                           fatal=False)
        return None if os.path.isfile(target) else Problem(
            "不是普通文件（管道、设备等），未读取", "not a regular file (a pipe, a device …): not read", fatal=False)
    if e.is_file(follow_symlinks=False) or e.is_dir(follow_symlinks=False):
        return None
    return Problem("不是普通文件（管道、设备等），未读取", "not a regular file (a pipe, a device …): not read",
                   fatal=False)


def jobs(found: Iterable[Found | str], stdin_name: str | None = None) -> Iterator[Job]:
    """Group adjacent files of one folder into one job (a project's stages); a JSON Lines
    file gives one job per line; standard input (``-``) is a job of its own, named
    ``stdin_name`` (default ``<stdin>``)."""
    pending: list[Found] = []
    folder = None
    for f in map(_found, found):
        if f.path == STDIN and f.problem is None:
            if pending:
                yield Job(files=tuple(pending))
                pending, folder = [], None
            yield stdin_job(stdin_name or STDIN_NAME)
            continue
        if f.problem is None and Path(f.path).suffix.lower() in JSONL | COLUMNAR:
            if pending:
                yield Job(files=tuple(pending))
                pending, folder = [], None
            yield from records(f.path)
            continue
        parent = str(Path(f.path).parent)
        if pending and parent != folder:
            yield Job(files=tuple(pending))
            pending = []
        pending.append(f)
        folder = parent
    if pending:
        yield Job(files=tuple(pending))


def _check_stdin(inputs: list[str]) -> None:
    """``-`` given at most once, and only when standard input is not a terminal."""
    import sys
    if inputs.count(STDIN) > 1:
        raise UsageError("「-」（标准输入）只能给出一次", "- (standard input) may be given only once")
    if sys.stdin is None or (sys.stdin.isatty() if hasattr(sys.stdin, "isatty") else False):
        raise UsageError("「-」表示从标准输入读取，但标准输入是终端，没有数据",
                         "- reads standard input, but standard input is a terminal",
                         hint="请用管道或重定向提供数据 (pipe or redirect the data): perfrules check - < 表.yaml")


def stdin_job(name: str) -> Job:
    """Standard input read once, whole, at most the file-size limit: a job named ``name``."""
    import sys
    from .data.limits import exceeded, limit
    cap = limit("file_mb") << 20
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    try:
        data = stream.read(cap + 1) if stream is not None else b""
    except OSError as e:
        return Job(source=name, problem=Problem("无法读取标准输入", f"cannot read standard input: {e.strerror or e}"))
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > cap:
        e = exceeded("file_mb", Location(name), "标准输入的大小", "the size of standard input")
        return Job(source=name, problem=Problem(e.zh, e.en, e.hint))
    return Job(source=name, data=data)


def _load_stdin(job: Job, specs: tuple) -> list[Loaded]:
    """The sets of standard input: by the extension of its name (--stdin-name 表.csv), else
    sniffed (an XLSX workbook by its zip signature, JSON by its first bracket, else YAML or CSV)."""
    from .data.loaders import EXTENSIONS, load_bytes
    ext = Path(job.source).suffix.lower()
    given = ext.lstrip(".") if ext in EXTENSIONS else None
    return [Loaded(s) for s in load_bytes(job.data or b"", job.source, format=given, field_specs=specs)]


def records(path: str, *, start: int = 0, end: int | None = None, line: int = 1,
            name: str | None = None) -> Iterator[Job]:
    """One job per non-blank line of a JSON Lines file, read lazily. Only a regular file is
    opened (a FIFO or a device is refused before); a line longer than the limit ``line_mb``
    is an error record, skipped without being held in memory, and the lines after it are read.

    A partition (:mod:`perfrules.cluster`): bytes ``start`` to ``end`` (cut at line starts),
    whose first line is numbered ``line``; records are named ``name:LINE`` (``name``: the
    file as the user gave it, default ``path``). A Parquet file gives one job per row
    (:func:`_rows`; ``start``/``end`` then count row groups, ``line`` rows)."""
    from .data.limits import exceeded, limit, open_regular
    name = name or path
    if Path(path).suffix.lower() in COLUMNAR:
        yield from _rows(path, name, start, end, line)
        return
    try:
        fh = open_regular(path, name)
    except DataError as e:
        yield Job(files=(Found(name, Problem(e.zh, e.en, e.hint)),))
        return
    cap = limit("line_mb") << 20
    with fh:
        fh.seek(start)
        no = line - 1
        while (end is None or fh.tell() < end) and (raw := fh.readline(cap + 1)):
            no += 1
            source = f"{name}:{no}"
            if len(raw) > cap and len(raw.rstrip(b"\r\n")) > cap:
                size = len(raw)
                while not raw.endswith(b"\n") and (raw := fh.readline(1 << 20)):
                    size += len(raw)
                e = exceeded("line_mb", Location(source), "这一行的大小", "the line's size", -(-size >> 20))
                yield Job(source=source, problem=Problem(e.zh, e.en, e.hint))
                continue
            if no == 1 and start == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                yield Job(record=raw.decode("utf-8"), source=source)
            except UnicodeDecodeError:
                yield Job(source=source, problem=Problem(
                    "这一行不是 UTF-8 编码的文本", "this line is not UTF-8 text",
                    "请把文件另存为 UTF-8 编码 (save the file as UTF-8)"))


def _rows(path: str, name: str, start: int, end: int | None, line: int) -> Iterator[Job]:
    """One job per row of a Parquet file (row groups ``start`` to ``end``, the first row
    numbered ``line``): the row as its JSON Lines record (data/loaders/parquet.py)."""
    from .data.loaders.parquet import rows
    for no, item in rows(path, name, start, end, line):
        if isinstance(item, str):
            yield Job(record=item, source=f"{name}:{no}")
        elif no == 0:  # the file itself cannot be read
            yield Job(files=(Found(name, Problem(item.zh, item.en, item.hint)),))
        else:
            yield Job(source=f"{name}:{no}", problem=Problem(item.zh, item.en, item.hint))


# ---- loading, linking, running: in each worker -----------------------------------------------

@attrs.frozen
class Loaded:
    """One indicator set read, with the same project's other stages at hand (or None)."""

    iset: Any
    related: dict | None = None


@attrs.frozen
class Settings:
    """How a worker runs a job: whether packs were chosen (-p), and the output format."""

    chosen: bool = False
    fmt: str | None = None  # a name of report.formats.FORMATS; None: keep the Result, render nothing
    show_na: bool = False
    annotate: bool = False  # keep the marks of findings on workbook cells (check --annotate)
    # --select / --ignore: applied by the parent to the packs it compiled (select_rules); kept
    # here for a worker that compiles them again (a start method other than fork).
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # --engine: auto (column-wise where it applies: runs of JSON Lines records, polars installed),
    # row (the reference, set by set) or columnar (say so when it cannot run). See _batched.
    engine: str = "auto"


@attrs.frozen
class Outcome:
    """One entry of a run, in input order: an indicator set checked (``result``), an input
    that could not be read (``error``), or a file a folder scan skipped (``skipped``)."""

    input: str
    kind: str                              # result | error | skipped
    result: Any = None                     # the Result; None once rendered in a worker
    text: Any = None                       # the entry in the output format, if one was asked
    entry: Any = None                      # report.view.EntryView: what a run's summary keeps
    marks: tuple = ()                      # report.annotate.Mark of each finding on a workbook cell
    error: dict | None = None              # PerfrulesError.to_dict() (+ "errors" for a group)
    message: str | None = None             # the error or skip, rendered for a terminal
    note: Any = None                       # the skipped_file Note of a skipped file
    notes: int = 0                         # reading notes, and how many say content was unread
    unread: int = 0
    severities: Counter = attrs.field(factory=Counter)  # live (not waived) findings
    rules: Counter = attrs.field(factory=Counter)
    grade: str | None = None
    hint: tuple | None = None              # (year, text): no bundled pack covers the year
    group: tuple | None = None             # (主管部门, 年度) of a checked set, for a roll-up (cluster.Rollup)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record: a Result's, or ``{input, error, input_notes}``, or
        ``{input, skipped: true, input_notes}``, each with its ``schema_version`` first
        (perfrules/schemas/result.schema.json)."""
        if self.kind == "error":
            return {"schema_version": SCHEMA_VERSION, "input": self.input, "error": self.error, "input_notes": []}
        if self.kind == "skipped":
            return {"schema_version": SCHEMA_VERSION, "input": self.input, "skipped": True,
                    "input_notes": [self.note.to_dict()]}
        if self.result is None:
            raise ValueError("the result was rendered in a worker and not kept")
        return self.result.to_dict()


# ---- -j N: the worker processes --------------------------------------------------------------
# What a worker process checks its jobs with: set once, by the pool's initializer
# (:func:`init_worker`), read only by the worker's entry point (:func:`_worker_check`). Every
# other function takes its packs and settings as arguments; the parent process never sets these.
_WORKER_PACKS: list | None = None
_WORKER_SETTINGS: Settings | None = None


def init_worker(packs, pack_specs: tuple[str, ...], settings: Settings) -> None:
    """A worker process's start: leave Ctrl-C to the parent (it keeps the output whole and
    stops the pool); take the packs the parent compiled (``packs``: a forked worker shares
    them, nothing is pickled) or, under another start method (``None``), compile them again
    from their names."""
    global _WORKER_PACKS, _WORKER_SETTINGS
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if packs is None:
        packs = select_rules(load_packs(pack_specs), settings.select, settings.ignore)[0]
    _WORKER_PACKS = list(packs)
    _WORKER_SETTINGS = settings


def _worker_check(job: Job | list[Job] | tuple[Job, ...]) -> list[Outcome]:
    """A worker process's entry point: one job (or a batch of records), with the packs and
    settings of its run."""
    if _WORKER_PACKS is None or _WORKER_SETTINGS is None:
        raise RuntimeError("_worker_check runs only in a worker process started by run_jobs")
    return _check(job, _WORKER_PACKS, _WORKER_SETTINGS)


def load_packs(specs: Sequence[str]):
    """Compile packs by name or path (default: the bundled default packs); every error reported."""
    from .engine.packs import default_packs, load_pack
    names = list(specs) or default_packs()
    if not names:
        raise UsageError("未指定规则包，且没有默认规则包", "no pack given and no default pack")
    errors = Errors()
    packs = []
    for s in names:
        with errors.caught():
            packs.append(load_pack(s))
    errors.raise_if_any()
    from .data.declared import union
    _, conflicts = union((p.label, p.fields) for p in packs)
    if conflicts:
        from .errors import PackError
        raise PackError("同时使用的规则包对同一字段的声明不同：" + "；".join(zh for zh, _ in conflicts),
                        "; ".join(en for _, en in conflicts),
                        hint="输入按所有规则包声明的字段读取，一个字段只能有一种范围和类型 "
                             "(inputs are read with the fields of all packs; a field has one scope and type)")
    return packs


def _matches(pattern: str, rid: str) -> bool:
    """A --select/--ignore pattern: an exact rule id, or a prefix ending in ``*`` (``RC-*``)."""
    return rid.startswith(pattern[:-1]) if pattern.endswith("*") else rid == pattern


def select_rules(packs, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> tuple[list, tuple[str, ...]]:
    """The packs with the rules and built-in checks ``select`` leaves out, and those
    ``ignore`` names, switched off as a pack's ``disable:`` switches them off; and the ids
    left out, in the packs' order. A pattern that matches no rule of the packs nor a
    built-in check (RC-, SS-, WV-nn) is a UsageError with the closest id."""
    if not select and not ignore:
        return list(packs), ()
    from .engine.reconcile import BUILTIN
    from .suggest import suggest_id
    known = list(dict.fromkeys([r.id for p in packs for r in p.compiled.rules] + list(BUILTIN)))
    off = {rid for p in packs for rid in p.disabled}  # switched off by a pack: known, already left out
    for option, patterns in (("--select", select), ("--ignore", ignore)):
        for pat in patterns:
            if not any(_matches(pat, rid) for rid in (*known, *off)):
                best = suggest_id(pat.rstrip("*"), known)
                raise UsageError(f"{option} {pat}：所用规则包中没有这条规则" + (f"，是否指「{best}」？" if best else ""),
                                 f"{option} {pat}: no rule of the packs used matches" +
                                 (f"; did you mean {best}?" if best else ""),
                                 hint="规则编号见 perfrules explain 或 perfrules docs (rule ids: perfrules explain, perfrules docs)")
    left = tuple(rid for rid in known if (select and not any(_matches(s, rid) for s in select))
                 or any(_matches(i, rid) for i in ignore))
    if not left:
        return list(packs), ()
    drop = frozenset(left)
    return [attrs.evolve(p, compiled=attrs.evolve(p.compiled, rules=tuple(r for r in p.compiled.rules
                                                                          if r.id not in drop)),
                         disabled=p.disabled | drop) for p in packs], left


def field_specs(packs) -> tuple:
    """The fields the packs declare (pack.yaml ``fields``), which inputs are read with: packs
    are chosen per indicator set after it is read (by its 年度), so every pack's fields are read."""
    from .data.declared import union
    return union((p.label, getattr(p, "fields", ())) for p in packs or ())[0]


def _failure(source: str, e: PerfrulesError, settings: Settings) -> Outcome:
    o = Outcome(source, "error", error=error_record(e), message=e.render())
    return attrs.evolve(o, text=_render(o, settings), entry=_entry(o, settings))


def _problem(source: str, p: Problem, settings: Settings) -> Outcome:
    if p.fatal:
        return _failure(source, DataError(p.zh, p.en, where=Location(source), hint=p.hint), settings)
    from .data.notes import Note
    note = Note("skipped_file", Location(source), p.zh, p.en)
    o = Outcome(source, "skipped", note=note, notes=1, unread=int(note.unread),
                message=f"{source}: 跳过 {p.zh} (skipped: {p.en})")
    return attrs.evolve(o, text=_render(o, settings), entry=_entry(o, settings))


def load_job(job: Job, settings: Settings = Settings(), specs: tuple = ()) -> list[Loaded | Outcome]:
    """Read a job's files (every indicator set of each) or its record, in order; link the
    stages of a folder's files. Inputs that cannot be read become error outcomes.
    ``specs``: the declared fields to read (:func:`field_specs` of the packs; none by default)."""
    if job.problem is not None:
        return [_problem(job.source, job.problem, settings)]
    if job.data is not None:
        try:
            return _linked(list(_load_stdin(job, specs)))
        except PerfrulesError as e:
            return [_failure(job.source, e, settings)]
    if job.record is not None:
        # Read as a .json file is read (parse_json): the same checks and limits.
        from .data.loaders import load_record
        path, _, no = job.source.rpartition(":")
        try:
            return [Loaded(load_record(job.record, job.source, at=(path, int(no)) if no.isdigit() else None,
                                       field_specs=specs))]
        except PerfrulesError as e:
            return [_failure(job.source, e, settings)]
    from .data.loaders import load_all
    items: list[Loaded | Outcome] = []
    for f in job.files:
        if f.problem is not None:
            items.append(_problem(f.path, f.problem, settings))
            continue
        try:
            items += [Loaded(s) for s in load_all(f.path, field_specs=specs)]
        except PerfrulesError as e:
            items.append(_failure(f.path, e, settings))
        except Exception as e:  # noqa: BLE001 — contained: this file's error record, the rest go on
            items.append(_failure(f.path, _internal(e, f.path), settings))
    return _linked(items)


def _linked(items: list) -> list:
    """The sets of one job linked: a folder's files are one project's stages, each sees the others."""
    sets = [x for x in items if isinstance(x, Loaded)]
    if len(sets) > 1:
        stages: dict = {}
        for x in sets:
            if x.iset.stage:
                stages.setdefault(x.iset.stage, x.iset)
        items = [attrs.evolve(x, related=stages) if isinstance(x, Loaded) else x for x in items]
    return items


def choose_packs(packs: list, iset, chosen: bool) -> tuple[list, tuple | None]:
    """The packs for one set: as given with -p; else the defaults covering its 年度 (all
    defaults, with a hint, when none covers it)."""
    if chosen:
        return packs, None
    year = iset.project.year if iset.project else None
    use = [p for p in packs if p.covers(year)]
    if use:
        return use, None
    return packs, (year, f"提示: 没有覆盖 {year} 年度的内置规则包，仍使用默认规则包 "
                         f"(no bundled pack covers {year}; using the default packs)")


def run_loaded(x: Loaded, packs, settings: Settings = Settings(), plan=None) -> Outcome:
    """Run the chosen packs on one loaded set (``plan(packs)``: the column-wise verdicts for
    them, see check_records)."""
    from .engine.runner import run
    use, hint = choose_packs(packs, x.iset, settings.chosen)
    r = run(use, x.iset, x.related, plan=plan(use) if plan is not None else None)
    live = [f for f in r.findings if f.waived is None]
    p = x.iset.project
    o = Outcome(r.input, "result", result=r, notes=len(r.input_notes),
                unread=sum(1 for n in r.input_notes if n.unread),
                severities=Counter(f.severity for f in live), rules=Counter(f.rule for f in live),
                grade=r.score.grade if r.score else None, hint=hint,
                group=(p.department, p.year) if p is not None else None)
    if settings.annotate:
        from .report.annotate import marks
        o = attrs.evolve(o, marks=marks(r))
    if settings.fmt is None:
        return o
    return attrs.evolve(o, text=_render(o, settings), entry=_entry(o, settings), result=None)


def check_job(job: Job, packs, settings: Settings = Settings()) -> list[Outcome]:
    """Everything one job gives, in its order: one outcome per set, input not read, or skip.

    The one containment point of a run: whatever goes wrong with one input (a bug perfrules
    did not foresee included) becomes that input's error record, and the other inputs go on."""
    try:
        items = load_job(job, settings, field_specs(packs))
    except Exception as e:  # noqa: BLE001
        source = job.source or (job.files[0].path if job.files else "?")
        return [_failure(source, _internal(e, source), settings)]
    return _checked(items, packs, settings)


def _checked(items: list, packs, settings: Settings, planner=None) -> list[Outcome]:
    """Each loaded set of ``items`` run, in order, and what was not loaded as it is; whatever
    goes wrong with one set is its error record. ``planner``: the column-wise verdicts on
    all the sets (engine.columnar.Planner)."""
    out, k = [], 0
    for x in items:
        if not isinstance(x, Loaded):
            out.append(x)
            continue
        plan = functools.partial(planner.plan, k) if planner is not None else None
        k += 1
        try:
            out.append(run_loaded(x, packs, settings, plan))
        except PerfrulesError as e:
            out.append(_failure(x.iset.source, e, settings))
        except Exception as e:  # noqa: BLE001
            out.append(_failure(x.iset.source, _internal(e, x.iset.source), settings))
    return out


RECORDS_PER_BATCH = 1024  # JSON Lines records judged column-wise together
# --engine auto judges records column-wise only from this many in a run: for fewer, polars'
# import and the batch frame cost more than the row engine spends on them (bench/README.md).
AUTO_MIN_RECORDS = 256


def check_records(batch: Sequence[Job], packs, settings: Settings = Settings()) -> list[Outcome]:
    """What :func:`check_job` gives for each of several jobs (JSON Lines records), in order,
    the rules judged column-wise over all their sets at once (engine/columnar.py): the same
    outcomes, every finding built by the row engine, only rows that pass left out."""
    from .engine.columnar import Planner
    items: list = []
    for job in batch:
        try:
            items += load_job(job, settings, field_specs(packs))
        except Exception as e:  # noqa: BLE001 - contained as in check_job
            source = job.source or (job.files[0].path if job.files else "?")
            items.append(_failure(source, _internal(e, source), settings))
    sets = [x for x in items if isinstance(x, Loaded)]
    planner = Planner(packs, [x.iset for x in sets], [x.related for x in sets])
    return _checked(items, packs, settings, planner)


def _check(job: Job | list[Job] | tuple[Job, ...], packs, settings: Settings) -> list[Outcome]:
    """A job's outcomes; a list: records judged column-wise together; a tuple: jobs one by one."""
    if isinstance(job, list):
        return check_records(job, packs, settings)
    if isinstance(job, tuple):
        return [o for j in job for o in check_job(j, packs, settings)]
    return check_job(job, packs, settings)


def _batched(job_iter: Iterable[Job], settings: Settings, loose: int = 1) -> Iterator[list[Job] | tuple[Job, ...]]:
    """The jobs in order as lists of JSON Lines records, to be checked column-wise, and tuples
    of up to ``loose`` other jobs, to be checked one by one (``loose`` > 1 for workers, so that
    each round trip carries several).

    Whether the column-wise pass runs is decided once, at the run's first record under
    ``--engine columnar`` (which warns when polars is missing, then runs row by row) and at its
    AUTO_MIN_RECORDS-th under ``auto`` (polars installed, room for it: ``unavailable(auto=True)``);
    records seen before are held, and go one by one to the row engine should the run end
    (or another kind of input come) first. The lists then double up to RECORDS_PER_BATCH, so
    that the first outcomes stream out soon."""
    minimum = 1 if settings.engine == "columnar" else AUTO_MIN_RECORDS
    usable: bool | None = None
    held: list[Job] = []  # records not yet sent
    row: list[Job] = []   # jobs for the row engine not yet sent
    seen, size = 0, minimum

    def one_by_one(jobs):
        for k in range(0, len(jobs), loose):
            yield tuple(jobs[k:k + loose])

    for job in job_iter:  # invariant: every job in ``row`` comes before every one in ``held``
        if job.record is None:
            if held and usable:
                yield from one_by_one(row)
                row = []
                yield held
            else:
                row += held
            held = []
            row.append(job)
        else:
            seen += 1
            held.append(job)
            if usable is None and seen >= minimum:
                from .engine.columnar import ColumnarUnavailable, unavailable
                why = unavailable(auto=settings.engine == "auto")
                if why is not None and settings.engine == "columnar":
                    import warnings
                    warnings.warn(why, ColumnarUnavailable, stacklevel=2)
                usable = why is None
            if usable is False:
                row += held
                held = []
            elif usable and len(held) >= size:
                yield from one_by_one(row)
                row = []
                yield held
                held, size = [], min(2 * size, RECORDS_PER_BATCH)
        full = len(row) - len(row) % loose
        if full:
            yield from one_by_one(row[:full])
            row = row[full:]
    if held and usable:
        yield from one_by_one(row)
        yield held
    else:
        yield from one_by_one(row + held)


def _internal(e: Exception, source: str) -> PerfrulesError:
    """An unforeseen exception as the input's error (its traceback on stderr with PERFRULES_DEBUG)."""
    from .errors import InternalError
    if InternalError.debugging():
        import sys
        import traceback
        traceback.print_exception(e, file=sys.stderr)
    return InternalError.wrap(e, source)


def _entry(o: Outcome, settings: Settings) -> Any:
    """What the run's summary keeps of an outcome, for the formats that show one (an index)."""
    from .report import formats
    if settings.fmt is None or not formats.get(settings.fmt).index:
        return None
    from .report.view import EntryView, ReportView
    if o.kind == "result":
        return EntryView.of(ReportView.of(o.result))
    return EntryView(o.input, o.kind, message=o.message)


def _render(o: Outcome, settings: Settings) -> Any:
    """An outcome's entry in the output format (a worker renders, so the parent only writes)."""
    if settings.fmt is None:
        return None
    from .report import formats
    return formats.module(settings.fmt).entry(o, settings.show_na)


def run_jobs(job_iter: Iterable[Job], packs, settings: Settings = Settings(), workers: int = 1,
             pack_specs: tuple[str, ...] = (), chunksize: int = 32) -> Iterator[Outcome]:
    """Outcomes of every job, in input order, on ``workers`` processes, streaming.

    Forked workers share the packs compiled by the parent (compiled once per run); under
    another start method each worker compiles ``pack_specs`` again."""
    if settings.engine != "row":
        job_iter, chunksize = _batched(job_iter, settings, loose=chunksize if workers > 1 else 1), 1
    if workers <= 1:
        for job in job_iter:
            yield from _check(job, packs, settings)
        return
    import multiprocessing as mp
    fork = "fork" in mp.get_all_start_methods()
    ctx = mp.get_context("fork") if fork else mp.get_context()
    with ctx.Pool(workers, initializer=init_worker,
                  initargs=(list(packs) if fork else None, tuple(pack_specs), settings)) as pool:
        for out in pool.imap(_worker_check, job_iter, chunksize=chunksize):
            yield from out


def run(inputs: Sequence[str], packs, *, chosen: bool, workers: int = 1, fmt: str | None = None,
        show_na: bool = False, exclude: Iterable[str] = (), pack_specs: tuple[str, ...] = (),
        annotate: bool = False, stdin_name: str | None = None, select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (), engine: str = "auto") -> Iterator[Outcome]:
    """Check inputs (files, folders, globs, JSON Lines, ``-`` for standard input) with
    compiled packs: one outcome per indicator set, input not read, or file skipped, in input
    order. ``select``/``ignore``: the --select/--ignore the packs were narrowed by
    (:func:`select_rules`), for workers that compile them again.

    Bad arguments (a missing path, a glob matching nothing, a rule file) raise UsageError
    before anything is run."""
    check_specs(inputs)
    settings = Settings(chosen=chosen, fmt=fmt, show_na=show_na, annotate=annotate,
                        select=tuple(select), ignore=tuple(ignore), engine=engine)
    return run_jobs(jobs(expand(inputs, exclude=exclude), stdin_name), packs, settings, workers, pack_specs)


def check(inputs: Sequence[str], packs: Sequence[str] = (), *, workers: int = 1) -> list[Outcome]:
    """The whole run as a list, packs given by name (default: the bundled defaults)."""
    return list(run(inputs, load_packs(packs), chosen=bool(packs), workers=workers,
                    pack_specs=tuple(packs)))


def pairs(inputs: Sequence[str], packs_a, packs_b) -> Iterator[tuple[Outcome, Outcome | None]]:
    """For ``diff``: each indicator set read once and checked with both packs (as chosen, no
    year choice): ``(outcome A, outcome B)``; an input not read or skipped: ``(it, None)``."""
    check_specs(inputs)
    settings = Settings(chosen=True)
    specs = field_specs(list(packs_a) + list(packs_b))
    for job in jobs(expand(inputs)):
        try:
            items = load_job(job, settings, specs)
        except Exception as e:  # noqa: BLE001 — contained as in check_job
            source = job.source or (job.files[0].path if job.files else "?")
            items = [_failure(source, _internal(e, source), settings)]
        for x in items:
            if not isinstance(x, Loaded):
                yield x, None
                continue
            try:
                yield run_loaded(x, packs_a, settings), run_loaded(x, packs_b, settings)
            except Exception as e:  # noqa: BLE001
                err = e if isinstance(e, PerfrulesError) else _internal(e, x.iset.source)
                yield _failure(x.iset.source, err, settings), None


# ---- the run as a whole ----------------------------------------------------------------------

LISTED = 10  # names listed in a summary line before "等 N 个"


@attrs.define
class Summary:
    """What a run found: projects, inputs not read, files skipped, notes, findings, grades."""

    projects: int = 0
    broken: int = 0                                  # inputs not read
    broken_names: list = attrs.field(factory=list)   # the first LISTED of them
    skipped: list = attrs.field(factory=list)        # Notes of the files skipped
    notes: int = 0
    unread: int = 0
    severities: Counter = attrs.field(factory=Counter)
    rules: Counter = attrs.field(factory=Counter)
    grades: Counter = attrs.field(factory=Counter)
    worst: int = -1

    def add(self, o: Outcome) -> None:
        if o.kind == "skipped":
            self.skipped.append(o.note)
            return
        self.notes += o.notes
        self.unread += o.unread
        self.projects += 1
        if o.kind == "error":
            self.broken += 1
            if len(self.broken_names) < LISTED:
                self.broken_names.append(o.input)
            return
        self.severities.update(o.severities)
        self.rules.update(o.rules)
        if o.grade:
            self.grades[o.grade] += 1
        self.worst = max([self.worst] + [SEVERITY_ORDER[k] for k in o.severities])

    def merge(self, other: Summary) -> Summary:
        """This run's part and the part after it as one summary (neither changed): the same
        as adding both parts' outcomes in order, so merging is associative and a cluster run
        (:mod:`perfrules.cluster`) may merge its partitions' summaries as a tree."""
        out = Summary(self.projects + other.projects, self.broken + other.broken,
                      (self.broken_names + other.broken_names)[:LISTED], self.skipped + other.skipped,
                      self.notes + other.notes, self.unread + other.unread,
                      worst=max(self.worst, other.worst))
        for name in ("severities", "rules", "grades"):
            getattr(out, name).update(getattr(self, name))
            getattr(out, name).update(getattr(other, name))
        return out

    @staticmethod
    def _names(names: list[str], count: int) -> str:
        return "、".join(names[:LISTED]) + (f" 等 {count} 个" if count > LISTED else "")

    def lines(self, skipped: bool = True) -> list[str]:
        """The summary; ``skipped=False`` leaves out the line naming skipped files (for a
        footer that lists them with their reasons)."""
        sev = "，".join(f"{SEVERITY_ZH[k]} {self.severities[k]}" for k in SEVERITIES if self.severities[k])
        broken = f"：{self._names(self.broken_names, self.broken)}" if self.broken else ""
        out = [f"共 {self.projects} 个项目（无法读取 {self.broken} 个{broken}）；发现：{sev or '无'}"]
        if self.skipped and skipped:
            out.append(f"跳过 {len(self.skipped)} 个文件 (files skipped)："
                       + self._names([n.where.file for n in self.skipped[:LISTED]], len(self.skipped)))
        if self.notes:
            out.append(f"读取说明 (input notes)：{self.notes} 条"
                       + (f"，其中 {self.unread} 条说有内容未读取 ({self.unread} about content left unread)"
                          if self.unread else ""))
        if self.rules:
            out.append("最常见的规则 (top rules): " + "，".join(f"{r} {n}" for r, n in self.rules.most_common(10)))
        if self.grades:
            out.append("等级分布 (grades): " + "，".join(f"{g} {n}" for g, n in sorted(self.grades.items())))
        return out

    def render(self) -> str:
        return "\n".join(self.lines())

    def strict_failure(self) -> str | None:
        """Why ``--strict`` fails the run (content left unread, files skipped), or None."""
        files = len(self.skipped)
        if not (self.unread or files):
            return None
        zh = "，".join(x for x in (f"{self.unread} 条读取说明说有内容未读取" if self.unread else "",
                                  f"跳过 {files} 个文件" if files else "") if x)
        en = ", ".join(x for x in (f"{self.unread} input note{'s' if self.unread != 1 else ''} about "
                                  "content left unread" if self.unread else "",
                                  f"{files} file{'s' if files != 1 else ''} skipped" if files else "") if x)
        return f"--strict: 输入中有未读取的内容：{zh}；退出码 2 (--strict: {en}; exit 2)"

    def exit_code(self, fail_on: str = "error", strict: bool = False) -> int:
        """2 when an input could not be read (or, with --strict, content was left unread);
        else 1 when findings reach ``fail_on``; else 0."""
        if self.broken or (strict and self.strict_failure()):
            return 2
        return 1 if self.worst >= FAIL_ON[fail_on] else 0
