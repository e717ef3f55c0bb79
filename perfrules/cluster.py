"""A ``check`` run cut into partitions, checked on a Dask cluster (or in this process), joined.

::

    inputs ──partitions──▶ Partition (a byte range of JSON Lines | row groups of Parquet)
           ──check_partition (on a worker)──▶ part-00001.<ext> on the shared folder + a Piece
           ──merge, as a tree──▶ one Piece ──▶ parts joined into -o, summary, exit code, roll-up

- **Packs travel as specs** (the names and folders given with ``-p``), never compiled: each
  worker process compiles them once (:func:`_packs`, a per-process cache keyed by the specs).
- **A partition** is a byte range of a JSON Lines file, cut at line starts, about
  ``partition_mb`` each, with the number of its first line (one pass over the file counts
  the lines before each cut, so every record is named ``file.jsonl:LINE`` exactly as a
  single-process run names it); or consecutive row groups of a Parquet file (rows named
  ``file.parquet:ROW``).
- **A worker** reads its partition's records (:func:`perfrules.pipeline.records`), checks
  them as a single-process run does (:func:`_outcomes`: the same loading, engine choice,
  running and containment; each set's 主管部门 and 年度 kept for the roll-up), renders
  each with the format's own ``entry`` and writes them with the format's own ``Writer`` to
  ``<out>.parts/part-NNNNN.<ext>`` (a temporary folder beside it, then renamed: a part is
  whole or absent, and a task run twice writes the same part). It returns a :class:`Piece`:
  the partition's :class:`~perfrules.pipeline.Summary`, its :class:`Rollup`, the lines it
  has for stderr, and how many entries its part holds. Small and picklable.
- **The reduce** is a tree: pieces are merged pairwise, neighbours only (1+2, 3+4, …, then
  (1+2)+(3+4) …), each merge a task on the cluster as soon as both halves are done, so the
  depth is log₂ of the partitions and nothing but the last piece reaches the client.
  Merging keeps order (left before right) and is associative, so the result equals the
  single-process run's summary, line for line.
- **The output**: the parts, kept in ``<out>.parts/``, then joined in partition order into
  ``-o`` (JSON Lines: concatenated, the same bytes as a single-process ``--format jsonl``;
  JSON: one array, as the ``json`` writer builds it; Parquet: the tables appended).

Workers must see the inputs and the parts folder at the same paths as the client: a shared
filesystem (docs/cluster.md). ``dask``/``distributed`` are the optional extra
``perfrules[cluster]``; without a scheduler the partitions run here, one after another
(``check --rollup`` without ``--scheduler``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from .errors import PerfrulesError, UsageError
from .pipeline import JSONL, Settings, Summary

EXTRA = ("在集群上运行需要可选组件 dask 和 distributed：pip install 'perfrules[cluster]'",
         "running on a cluster needs the optional extra: pip install 'perfrules[cluster]'")
PARQUET = {".parquet"}
FORMATS = ("jsonl", "json", "parquet")  # formats whose parts join into one output
PARTITION_MB = 16.0
UNREAD = "（无法读取）"   # roll-up key of inputs not read
UNSTATED = "（未填写）"   # roll-up key of a set that does not state its 主管部门 / 年度
# Dask's own housekeeping, made quieter for a local cluster of busy single-threaded workers: no
# statistical profiler (it samples the checking thread's stack every 10 ms), the event loop's
# tick and the memory monitors once a second. Measured idle, a LocalCluster of two workers
# then costs 0.4 s of CPU in 20 s instead of 2.6 s. Workers of a remote cluster read their own
# configuration: DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False and the like (docs/cluster.md).
QUIET = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
         "distributed.worker.memory.monitor-interval": "1s", "distributed.admin.system-monitor.interval": "2s"}


# ---- partitions ------------------------------------------------------------------------------

@attrs.frozen
class Partition:
    """A unit of work: bytes [start, end) of a JSON Lines file whose first line is ``line``,
    or row groups [start, end) of a Parquet file whose first row is ``line``."""

    path: str          # absolute: where workers read it
    name: str          # as the user gave it: records are named name:LINE
    start: int
    end: int
    line: int
    index: int = 0     # 1-based, in input order: part-00001 …


def partitions(files: Sequence[str], size: int) -> list[Partition]:
    """The partitions of the input files, in input order, about ``size`` bytes each."""
    out: list[Partition] = []
    for name in files:
        path = os.path.abspath(name)
        cut = _groups if Path(name).suffix.lower() in PARQUET else _byte_ranges
        for start, end, line in cut(path, name, size):
            out.append(Partition(path, name, start, end, line, len(out) + 1))
    return out


def _byte_ranges(path: str, name: str, size: int) -> list[tuple[int, int, int]]:
    """(start, end, first line) of ranges about ``size`` bytes, each cut just after a newline;
    the newlines before each cut are counted in the same pass."""
    from .data.limits import open_regular
    cuts = [(0, 0)]  # (offset, newlines before it)
    pos = seen = 0
    want = size
    with open_regular(path, name) as fh:
        while chunk := fh.read(1 << 22):
            while want - pos < len(chunk):
                k = chunk.find(b"\n", max(want - pos, 0))
                if k < 0:
                    want = pos + len(chunk)
                    break
                cuts.append((pos + k + 1, seen + chunk.count(b"\n", 0, k + 1)))
                want = pos + k + 1 + size
            seen += chunk.count(b"\n")
            pos += len(chunk)
    ends = [c for c, _ in cuts[1:]] + [pos]
    return [(start, end, before + 1) for (start, before), end in zip(cuts, ends) if start < end]


def _groups(path: str, name: str, size: int) -> list[tuple[int, int, int]]:
    """(first group, end group, first row) of runs of row groups about ``size`` bytes."""
    from .data.loaders.parquet import row_groups
    try:
        import pyarrow.parquet as pq
    except ImportError:
        from .data.loaders.parquet import EXTRA as COLUMNAR
        raise UsageError(*COLUMNAR) from None
    try:
        groups = row_groups(path, name)
        meta = pq.ParquetFile(path).metadata
    except PerfrulesError:
        return [(0, 1, 1)]  # the worker reads it and reports the file's error, as a run does
    out: list[tuple[int, int, int]] = []
    start, first, held = 0, 1, 0
    for i, row, _ in groups:
        if held and held + meta.row_group(i).total_byte_size > size:
            out.append((start, i, first))
            start, first, held = i, row, 0
        held += meta.row_group(i).total_byte_size
    if groups:
        out.append((start, len(groups), first))
    return out


# ---- the work of one partition (on a worker) ---------------------------------------------------

_PACKS: dict[tuple, list] = {}
_PACKS_LOCK = threading.Lock()


def _packs(specs: tuple[str, ...], settings: Settings) -> list:
    """The packs ``specs`` name (narrowed by --select/--ignore), compiled once per worker
    process: compiled packs do not pickle, their names do."""
    key = (specs, settings.select, settings.ignore)
    with _PACKS_LOCK:
        if key not in _PACKS:
            from .pipeline import load_packs, select_rules
            _PACKS[key] = select_rules(load_packs(specs), settings.select, settings.ignore)[0]
        return _PACKS[key]


@attrs.define
class Tally:
    """What the roll-up keeps of one 主管部门 or 年度."""

    projects: int = 0
    not_read: int = 0
    severities: Counter = attrs.field(factory=Counter)
    grades: Counter = attrs.field(factory=Counter)
    rules: Counter = attrs.field(factory=Counter)

    def add(self, o) -> None:
        self.projects += 1
        if o.kind == "error":
            self.not_read += 1
            return
        self.severities.update(o.severities)
        self.rules.update(o.rules)
        if o.grade:
            self.grades[o.grade] += 1

    def merge(self, other: Tally) -> Tally:
        out = Tally(self.projects + other.projects, self.not_read + other.not_read)
        for name in ("severities", "grades", "rules"):
            getattr(out, name).update(getattr(self, name))
            getattr(out, name).update(getattr(other, name))
        return out


@attrs.define
class RuleTally:
    """What the roll-up keeps of one rule: live findings, the sets and departments they are in."""

    findings: int = 0
    projects: int = 0
    departments: Counter = attrs.field(factory=Counter)

    def merge(self, other: RuleTally) -> RuleTally:
        out = RuleTally(self.findings + other.findings, self.projects + other.projects)
        out.departments.update(self.departments)
        out.departments.update(other.departments)
        return out


def _merge_maps(a: dict, b: dict, empty: Callable[[], Any]) -> dict:
    return {k: a.get(k, empty()).merge(b.get(k, empty())) for k in {**a, **b}}


@attrs.define
class Rollup:
    """The national roll-up: findings and grades by 主管部门, by 年度, and by rule. (The
    model has no region field: 地区 is not a dimension; see docs/cluster.md.)"""

    departments: dict = attrs.field(factory=dict)   # 主管部门 → Tally
    years: dict = attrs.field(factory=dict)         # 年度 → Tally
    rules: dict = attrs.field(factory=dict)         # rule id → RuleTally

    def add(self, o, key: tuple | None) -> None:
        if o.kind == "skipped":
            return
        dept, year = key if key is not None else (None, None)
        dept = dept or (UNREAD if o.kind == "error" else UNSTATED)
        year = str(year) if year is not None else (UNREAD if o.kind == "error" else UNSTATED)
        self.departments.setdefault(dept, Tally()).add(o)
        self.years.setdefault(year, Tally()).add(o)
        for rule, n in o.rules.items():
            t = self.rules.setdefault(rule, RuleTally())
            t.findings += n
            t.projects += 1
            t.departments[dept] += n

    def merge(self, other: Rollup) -> Rollup:
        return Rollup(_merge_maps(self.departments, other.departments, Tally),
                      _merge_maps(self.years, other.years, Tally),
                      _merge_maps(self.rules, other.rules, RuleTally))

    def to_dict(self) -> dict:
        def tally(label: str, k: str, t: Tally) -> dict:
            return {label: k, "projects": t.projects, "not_read": t.not_read,
                    "findings": {s: t.severities[s] for s in _severities() if t.severities[s]},
                    "grades": dict(sorted(t.grades.items())), "top_rules": t.rules.most_common(5)}
        depts = sorted(self.departments.items(), key=lambda kv: (-kv[1].projects, kv[0]))
        years = sorted(self.years.items())
        rules = sorted(self.rules.items(), key=lambda kv: (-kv[1].findings, kv[0]))
        return {"by_department": [tally("主管部门", k, t) for k, t in depts],
                "by_year": [tally("年度", k, t) for k, t in years],
                "by_rule": [{"rule": r, "findings": t.findings, "projects": t.projects,
                             "departments": len(t.departments), "top_departments": t.departments.most_common(5)}
                            for r, t in rules],
                "region": None,
                "region_note": "指标表模型中没有地区字段，未按地区汇总 (the model has no region field: not rolled up by region)"}

    def markdown(self) -> str:
        """The roll-up as Markdown tables."""
        from tabulate import tabulate
        d = self.to_dict()
        sev = _severities()

        def rows(items: list, label: str) -> str:
            head = [label, "项目 projects", "无法读取 not read"] + [_zh(s) for s in sev] + ["等级 grades", "常见规则 top rules"]
            body = [[x[label], x["projects"], x["not_read"]] + [x["findings"].get(s, 0) for s in sev]
                    + ["，".join(f"{g} {n}" for g, n in x["grades"].items()),
                       "，".join(f"{r} {n}" for r, n in x["top_rules"][:3])] for x in items]
            return tabulate(body, head, tablefmt="github")
        by_rule = tabulate([[x["rule"], x["findings"], x["projects"], x["departments"],
                             "，".join(f"{k} {n}" for k, n in x["top_departments"][:3])] for x in d["by_rule"]],
                           ["规则 rule", "发现 findings", "项目 projects", "部门数 departments", "最多的部门 top departments"],
                           tablefmt="github")
        return (f"## 按主管部门 (by department)\n\n{rows(d['by_department'], '主管部门')}\n\n"
                f"## 按年度 (by year)\n\n{rows(d['by_year'], '年度')}\n\n"
                f"## 按规则 (by rule)\n\n{by_rule}\n\n{d['region_note']}\n")


def _severities() -> tuple[str, ...]:
    from .severity import NAMES
    return NAMES


def _zh(severity: str) -> str:
    from .severity import ZH
    return ZH[severity]


@attrs.define
class Piece:
    """What one partition (or a merge of neighbouring ones) gives back to the client."""

    summary: Summary = attrs.field(factory=Summary)
    rollup: Rollup = attrs.field(factory=Rollup)
    said: list = attrs.field(factory=list)    # (None, error text) | (("hint", year), its text), in order
    parts: list = attrs.field(factory=list)   # (partition index, entries in its part file)
    hinted: set = attrs.field(factory=set, eq=False)  # the years of the hints in ``said``

    def add(self, o, key: tuple | None) -> None:
        self.summary.add(o)
        self.rollup.add(o, key)
        if o.kind == "error" and o.message:
            self.said.append((None, o.message))
        if o.hint and o.hint[0] not in self.hinted:  # as check says it: once per year
            self.hinted.add(o.hint[0])
            self.said.append((("hint", o.hint[0]), o.hint[1]))


def merge(a: Piece, b: Piece) -> Piece:
    """Two neighbouring pieces as one (``a`` before ``b``): associative, order kept; a hint
    ``b`` repeats (the same year) is said once, where it was first said."""
    return Piece(a.summary.merge(b.summary), a.rollup.merge(b.rollup),
                 a.said + [x for x in b.said if x[0] is None or x[0][1] not in a.hinted], a.parts + b.parts,
                 a.hinted | b.hinted)


def _outcomes(records, packs, settings: Settings) -> Iterator[Any]:
    """The outcomes of a partition's records, in order, as a single-process run gives them
    (:func:`perfrules.pipeline.run_jobs` on one process: the same loading, engine choice —
    records judged column-wise in batches under ``--engine auto`` — running and containment)."""
    from . import pipeline
    for item in pipeline._batched(records, settings):
        yield from pipeline._check(item, packs, settings)


def part_name(index: int, fmt: str) -> str:
    from .report import formats
    return f"part-{index:05d}{formats.get(fmt).extensions[0]}"


def check_partition(part: Partition, specs: tuple[str, ...], settings: Settings, folder: str) -> Piece:
    """On a worker: check one partition, write its part file into ``folder``, return its Piece."""
    from . import pipeline
    from .report import formats
    fmt = str(settings.fmt)
    packs = _packs(specs, settings)
    piece = Piece()
    tmp = tempfile.mkdtemp(prefix=".tmp-part-", dir=folder)
    try:
        writer = formats.module(fmt).Writer(os.path.join(tmp, part_name(part.index, fmt)))
        try:
            records = pipeline.records(part.path, start=part.start, end=part.end, line=part.line, name=part.name)
            for o in _outcomes(records, packs, settings):
                piece.add(o, o.group)
                writer.add(o)
            writer.finish(None)
        except BaseException:
            writer.abort()
            raise
        for f in os.listdir(tmp):  # the part (and a parquet part's scores) whole, or not at all
            os.replace(os.path.join(tmp, f), os.path.join(folder, f))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    piece.parts.append((part.index, writer.n))
    return piece


# ---- running the partitions ------------------------------------------------------------------

def tree(items: list, combine: Callable[[Any, Any], Any]) -> Any:
    """``items`` combined pairwise, neighbours only, level by level (a balanced tree of depth
    log₂ n): with futures and ``client.submit`` as ``combine`` each merge runs on the cluster."""
    if not items:
        return Piece()
    while len(items) > 1:
        items = [combine(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)] + \
                ([items[-1]] if len(items) % 2 else [])
    return items[0]


def _client(scheduler: str):
    """A distributed Client for ``local:N`` (a LocalCluster of N worker processes, one thread
    each) or a scheduler's address; and how to close it."""
    try:
        import distributed
    except ImportError:
        raise UsageError(*EXTRA) from None
    if scheduler == "local" or scheduler.startswith("local:"):
        n = scheduler.partition(":")[2] or str(os.cpu_count() or 1)
        if not n.isdigit() or int(n) < 1:
            raise UsageError(f"--scheduler {scheduler}：local: 后应为工作进程数，如 local:4",
                             f"--scheduler {scheduler}: local: takes the number of worker processes, e.g. local:4")
        import logging
        import warnings

        import dask
        with dask.config.set(QUIET), warnings.catch_warnings():  # config: read when they start
            warnings.filterwarnings("ignore", message="Port .* is already in use")  # another cluster's: a free one is used
            cluster = distributed.LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        return client, lambda: (client.close(), cluster.close())
    if "://" not in scheduler:
        raise UsageError(f"--scheduler「{scheduler}」应为 local:N 或调度器地址，如 tcp://主机:8786",
                         f"--scheduler {scheduler!r} must be local:N or a scheduler's address, e.g. tcp://HOST:8786")
    try:
        client = distributed.Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as e:
        raise UsageError(f"无法连接调度器 {scheduler}：{e}", f"cannot reach the scheduler {scheduler}: {e}") from None
    return client, client.close


def execute(parts: list[Partition], specs: tuple[str, ...], settings: Settings, folder: str,
            scheduler: str | None) -> Piece:
    """Every partition checked (on the cluster, or here one after another) and merged."""
    if scheduler is None:
        return tree([check_partition(p, specs, settings, folder) for p in parts], merge)
    client, close = _client(scheduler)
    try:
        futures = client.map(check_partition, parts, specs=specs, settings=settings, folder=folder, pure=False)
        top = tree(futures, lambda a, b: client.submit(merge, a, b, pure=False))
        return top if isinstance(top, Piece) else top.result()
    except Exception as e:
        if not type(e).__module__.startswith("distributed"):
            raise
        why = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
        raise UsageError(f"集群上的检查没有完成（{type(e).__name__}）：{why}",  # a worker killed (memory, a signal), the scheduler gone
                         f"the run on the cluster did not finish ({type(e).__name__}): {why}",
                         hint="请查看工作进程的日志；工作进程因内存不足退出时，可减小 --partition-mb "
                              "(see the workers' logs; if they ran out of memory, try a smaller --partition-mb)") from None
    finally:
        close()


# ---- the run as a whole (perfrules check --scheduler / --rollup) -------------------------------

def refused(*, workers: int | None = 1, annotate: str | None = None, stdin_name: str | None = None) -> UsageError | None:
    """Why options of ``check`` cannot go with a partitioned run, if they cannot."""
    if workers and workers > 1:
        return UsageError("--scheduler/--rollup 不能与 -j 同用：进程数由调度器决定（如 --scheduler local:4）",
                          "--scheduler/--rollup do not take -j: the scheduler has the workers (e.g. --scheduler local:4)")
    if annotate:
        return UsageError("--scheduler/--rollup 不能与 --annotate 同用", "--scheduler/--rollup do not take --annotate")
    if stdin_name:
        return UsageError("--scheduler/--rollup 不读取标准输入", "--scheduler/--rollup do not read standard input")
    return None


@attrs.frozen
class Plan:
    """A partitioned run, checked before anything runs."""

    files: tuple[str, ...]
    specs: tuple[str, ...]
    settings: Settings
    output: str | None
    folder: str        # where the parts go
    temporary: bool    # the folder is removed at the end (no -o)


def plan(inputs: Sequence[str], pack_specs: Sequence[str], fmt: str | None, output: str | None,
         scheduler: str | None, show_na: bool, rollup: str | None,
         select: tuple[str, ...] = (), ignore: tuple[str, ...] = (), engine: str = "auto") -> Plan:
    """The run's inputs, packs, format and folders; a UsageError (or PackError) for what a
    partitioned run cannot do, before anything runs."""
    from . import pipeline
    from .outputs import check_output, check_output_folder
    from .report import formats
    fmt = formats.choose(fmt, output)
    if fmt not in FORMATS:
        raise UsageError(f"--scheduler/--rollup 只能输出 {'、'.join(FORMATS)} 格式，不能输出 {fmt}",
                         f"--scheduler/--rollup write {', '.join(FORMATS)} only, not {fmt}",
                         hint="例如 (e.g.) --format jsonl -o 结果.jsonl")
    pipeline.check_specs(inputs)
    skip = tuple(x for x in (output, rollup) if x)
    files = []
    for f in pipeline.expand(inputs, exclude=skip):
        if f.problem is not None or Path(f.path).suffix.lower() not in JSONL | PARQUET:
            raise UsageError(f"「{f.path}」不是 JSON Lines 或 Parquet 文件：--scheduler/--rollup 只读取这两种",
                             f"{f.path} is not a JSON Lines or Parquet file: --scheduler/--rollup read only those",
                             hint="其他格式请不加 --scheduler 检查 (check other formats without --scheduler)")
        files.append(f.path)
    if output:
        check_output(output, tuple(inputs))
    if rollup:
        check_output(rollup, tuple(inputs))
    if output:
        folder = output + ".parts"
        check_output_folder(folder, tuple(inputs))
    elif scheduler and not scheduler.startswith("local"):
        raise UsageError("在集群上运行须用 -o 指定共享文件系统上的输出文件，分区文件写在它旁边",
                         "a cluster run needs -o on the shared filesystem: the part files are written beside it")
    else:
        folder = ""
    packs = pipeline.load_packs(pack_specs)  # a pack's error now, once, not on every worker
    if select or ignore:
        pipeline.select_rules(packs, select, ignore)  # an unknown rule id now, likewise
    specs = tuple(os.path.abspath(s) if os.path.exists(s) else s for s in pack_specs)
    settings = Settings(chosen=bool(pack_specs), fmt=fmt, show_na=show_na, select=select, ignore=ignore,
                        engine=engine)
    return Plan(tuple(files), specs, settings, output, folder, not output)


def _prepare(folder: str) -> None:
    """The parts folder made, and an earlier run's parts in it removed."""
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        if f.startswith("part-") or f.startswith(".tmp-part-"):
            p = os.path.join(folder, f)
            shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.unlink(p)


def join(piece: Piece, plan: Plan) -> None:
    """The part files joined, in partition order, into ``-o`` (or stdout)."""
    from .outputs import AtomicWriter
    from .report.writer import Stdout
    fmt = str(plan.settings.fmt)
    files = [(os.path.join(plan.folder, part_name(i, fmt)), n) for i, n in sorted(piece.parts)]
    if fmt == "parquet":
        from .report.parquet import merge as merge_tables
        merge_tables([f for f, _ in files], str(plan.output))
        return
    binary = fmt == "jsonl" and bool(plan.output)  # parts copied as they are
    out: Any = AtomicWriter(plan.output, binary=binary) if plan.output else Stdout()
    try:
        if binary:
            for f, _ in files:
                with open(f, "rb") as fh:
                    shutil.copyfileobj(fh, out.fh, 1 << 22)
        elif fmt == "jsonl":
            for f, _ in files:
                out.write(Path(f).read_text(encoding="utf-8"))
        else:
            _join_json(out, files)
        out.commit()
    except BaseException:
        out.abort()
        raise


def _join_json(out, files: list[tuple[str, int]]) -> None:
    """The json writer's output from its parts: one entry as itself, several as one array
    (a part holds one entry as itself, several as an array: its inside is kept)."""
    total = sum(n for _, n in files)
    bodies = []
    for f, n in files:
        if n:
            text = Path(f).read_text(encoding="utf-8")
            if total == 1:
                out.write(text)
                return
            bodies.append("  " + text[:-1].replace("\n", "\n  ") if n == 1 else text[2:-3])
    if bodies:
        out.write("[\n" + ",\n".join(bodies) + "\n]\n")


def run(inputs: Sequence[str], pack_specs: Sequence[str] = (), fmt: str | None = None,
        output: str | None = None, *, scheduler: str | None = None, fail_on: str = "error",
        show_na: bool = False, strict: bool = False, rollup: str | None = None,
        partition_mb: float | None = None, select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
        engine: str = "auto", echo: Callable[[str], None] | None = None,
        failed: Callable[[PerfrulesError], int] | None = None) -> int:
    """``perfrules check --scheduler …`` (or ``--rollup``): the exit code of the run, as the
    single-process run would give it (0/1 by ``fail_on``; 2 for a bad argument, an input not
    read or, with ``strict``, content left unread; 130 on Ctrl-C). ``echo`` says a line on
    stderr; ``failed`` reports an error that stops the run before it starts (and returns 2)."""
    import sys
    say = echo or (lambda text: print(text, file=sys.stderr))
    try:
        p = plan(inputs, pack_specs, fmt, output, scheduler, show_na, rollup, tuple(select), tuple(ignore), engine)
        size = max(1, int((partition_mb or PARTITION_MB) * (1 << 20)))
        parts = partitions(p.files, size)
        folder = p.folder or tempfile.mkdtemp(prefix="perfrules-parts-")
        p = attrs.evolve(p, folder=folder)
        _prepare(folder)
    except PerfrulesError as e:
        if failed is not None:
            return failed(e)
        say(e.render())
        return 2
    except OSError as e:
        say(UsageError(f"无法准备分区：{e}", f"cannot prepare the partitions: {e}").render())
        return 2
    try:
        piece = execute(parts, p.specs, p.settings, folder, scheduler)
        return _finish(piece, p, fail_on, strict, rollup, say, len(parts))
    except KeyboardInterrupt:
        say("已中断 (interrupted)：未写出合并的输出 (the joined output was not written)")
        return 130
    except PerfrulesError as e:
        say(e.render())
        return 2
    except OSError as e:
        say(UsageError(f"无法写入：{e}", f"cannot write: {e}").render())
        return 2
    finally:
        if p.temporary:
            shutil.rmtree(folder, ignore_errors=True)


def _finish(piece: Piece, p: Plan, fail_on: str, strict: bool, rollup: str | None,
            say: Callable[[str], None], n_parts: int) -> int:
    """After the partitions: stderr lines, the joined output, the summary, the roll-up, the exit code."""
    from .outputs import write_atomic
    s = piece.summary
    for _, text in piece.said:
        say(text)
    if s.projects == 0:
        say(UsageError("没有可检查的输入文件", "no input files to check").render())
        return 2
    join(piece, p)
    say(s.render())
    if p.output:
        say(f"分区文件 (part files)：{p.folder}/ 中 {n_parts} 个")
    why = s.strict_failure() if strict else None
    if why:
        say(why)
    if rollup:
        import json
        text = (json.dumps(piece.rollup.to_dict(), ensure_ascii=False, indent=2) + "\n"
                if rollup.lower().endswith(".json") else piece.rollup.markdown())
        write_atomic(rollup, text)
        say(f"汇总视图已写入 (roll-up written to) {rollup}")
    return s.exit_code(fail_on, strict)
