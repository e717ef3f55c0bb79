"""Batch checking: many projects, streamed, in input order, on N worker processes.

A finance bureau checks a budget year at once: folders, globs and JSON Lines files (one
project per line) go in; one JSON line per project comes out as soon as it is ready, in
input order, with memory flat whatever the count. Packs are compiled once per process.
A broken project is reported on its own line and the rest go on.

A *job* is one project: a file, a JSON Lines record, or the files of one folder that are
the same project's stages (申报.yaml beside 自评.yaml), checked together.
"""

from __future__ import annotations

import glob
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import attrs

from .errors import DataError, Location, PerfrulesError, UsageError

JSONL = {".jsonl", ".ndjson"}


@attrs.frozen
class Job:
    """One project to check: files of one folder, or one JSON Lines record."""

    files: tuple[str, ...] = ()
    record: str | None = None  # the JSON text of one line
    source: str = ""           # file:line for a record


def expand(inputs: Iterable[str]) -> Iterator[str]:
    """Files, folders (recursively, sorted) and glob patterns → input files, lazily."""
    from .data.loaders import EXTENSIONS, is_side_file
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if (f.is_file() and (f.suffix.lower() in EXTENSIONS or f.suffix.lower() in JSONL)
                        and not is_side_file(f) and not f.name.startswith((".", "~$"))
                        and f.name != "pack.yaml" and not f.name.endswith(".examples.yaml")):
                    yield str(f)
        elif p.suffix.lower() == ".rules":
            raise UsageError(f"「{spec}」是规则文件，不是指标表；规则文件或规则包请用 -p 指定",
                             f"{spec} is a rule file, not an indicator set: give rules with -p")
        elif p.exists():
            yield spec
        elif glob.has_magic(spec):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise UsageError(f"没有与「{spec}」匹配的文件", f"no file matches {spec}")
            yield from expand(matches)
        else:
            raise UsageError(f"找不到输入文件「{spec}」", f"input {spec} does not exist")


def jobs(files: Iterable[str]) -> Iterator[Job]:
    """Group consecutive files of one folder into one job (a project's stages); a JSON Lines
    file gives one job per line."""
    pending: list[str] = []
    folder = None
    for f in files:
        if Path(f).suffix.lower() in JSONL:
            if pending:
                yield Job(files=tuple(pending))
                pending, folder = [], None
            yield from _records(f)
            continue
        parent = str(Path(f).parent)
        if pending and parent != folder:
            yield Job(files=tuple(pending))
            pending = []
        pending.append(f)
        folder = parent
    if pending:
        yield Job(files=tuple(pending))


def _records(path: str) -> Iterator[Job]:
    try:
        fh = open(path, encoding="utf-8-sig")
    except OSError as e:
        raise UsageError(f"无法读取「{path}」：{e.strerror}", f"cannot read {path}: {e.strerror}") from None
    with fh:
        for no, line in enumerate(fh, 1):
            if line.strip():
                yield Job(record=line, source=f"{path}:{no}")


# ---- in each worker ---------------------------------------------------------------------------

_PACKS = None


def init_worker(pack_specs: tuple[str, ...], worker: bool = False) -> None:
    """Compile the packs once per process (a forked worker inherits them already compiled)."""
    global _PACKS
    if worker:  # Ctrl-C is the parent's to handle: it keeps the output whole and stops the pool
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _PACKS is None:
        from .engine.packs import default_packs, load_pack
        _PACKS = [load_pack(s) for s in (pack_specs or default_packs())]


def set_packs(packs) -> None:
    global _PACKS
    _PACKS = packs


def check_job(job: Job) -> list[tuple[str, dict]]:
    """Run one job: [(JSON line, summary)] — one line per project, errors included."""
    from .data.loaders import load, load_mapping
    from .engine.runner import run
    loaded, out = [], []
    if job.record is not None:
        try:
            obj = json.loads(job.record, parse_float=Decimal)
            loaded.append(load_mapping(obj, job.source))
        except json.JSONDecodeError as e:
            err = DataError(f"不是合法的 JSON（第{e.colno}列）：{e.msg}", f"not valid JSON (column {e.colno}): {e.msg}",
                            where=Location(job.source))
            return [_error_line(job.source, err)]
        except PerfrulesError as e:
            return [_error_line(job.source, e)]
    for f in job.files:
        try:
            loaded.append(load(f))
        except PerfrulesError as e:
            out.append((f, _error_line(f, e)))
    stages = {}
    for s in loaded:
        if s.stage:
            stages.setdefault(s.stage, s)
    results = []
    for iset in loaded:
        year = iset.project.year if iset.project else None
        use = [p for p in _PACKS if p.covers(year)] or _PACKS
        r = run(use, iset, stages if len(loaded) > 1 else None)
        results.append((iset.source, _result_line(r)))
    # Keep the order of the job's own files: results and errors interleaved as listed.
    order = {name: k for k, name in enumerate(job.files)} if job.files else {}
    merged = sorted(out + results, key=lambda x: order.get(x[0], 0))
    return [line for _, line in merged]


def _result_line(r) -> tuple[str, dict]:
    d = r.to_dict()
    summary = {"severities": Counter(f.severity for f in r.findings if f.waived is None),
               "rules": Counter(f.rule for f in r.findings if f.waived is None),
               "grade": r.score.grade if r.score else None,
               "indicators": None, "error": False}
    return json.dumps(d, ensure_ascii=False) + "\n", summary


def _error_line(source: str, e: PerfrulesError) -> tuple[str, dict]:
    line = json.dumps({"input": source, "error": e.to_dict()}, ensure_ascii=False) + "\n"
    return line, {"severities": Counter(), "rules": Counter(), "grade": None, "error": True,
                  "message": e.render()}


# ---- the parent --------------------------------------------------------------------------------

@attrs.define
class Summary:
    """What a batch found: counts by severity and rule, grades, broken inputs."""

    projects: int = 0
    broken: int = 0
    severities: Counter = attrs.field(factory=Counter)
    rules: Counter = attrs.field(factory=Counter)
    grades: Counter = attrs.field(factory=Counter)

    def add(self, s: dict) -> None:
        self.projects += 1
        if s["error"]:
            self.broken += 1
            return
        self.severities.update(s["severities"])
        self.rules.update(s["rules"])
        if s["grade"]:
            self.grades[s["grade"]] += 1

    def render(self) -> str:
        from .report.render import SEVERITY_ZH
        sev = "，".join(f"{SEVERITY_ZH[k]} {self.severities[k]}" for k in ("veto", "error", "warning", "info")
                       if self.severities[k])
        lines = [f"共 {self.projects} 个项目（无法读取 {self.broken} 个）；发现：{sev or '无'}"]
        if self.rules:
            top = "，".join(f"{r} {n}" for r, n in self.rules.most_common(10))
            lines.append(f"最常见的规则 (top rules): {top}")
        if self.grades:
            lines.append("等级分布 (grades): " + "，".join(f"{g} {n}" for g, n in sorted(self.grades.items())))
        return "\n".join(lines)


def run_batch(job_iter: Iterable[Job], pack_specs: tuple[str, ...], workers: int, packs=None,
              chunksize: int = 32) -> Iterator[tuple[str, dict]]:
    """(line, summary) per project, in input order, computed on ``workers`` processes."""
    if workers <= 1:
        if packs is not None:
            set_packs(packs)
        else:
            init_worker(pack_specs)
        for job in job_iter:
            yield from check_job(job)
        return
    import multiprocessing as mp
    if packs is not None:
        set_packs(packs)  # forked workers inherit the compiled packs: compiled once per run
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(workers, initializer=init_worker, initargs=(pack_specs, True)) as pool:
        for lines in pool.imap(check_job, job_iter, chunksize=chunksize):
            yield from lines


class LineWriter:
    """Writes whole lines to the output; on interruption the file ends at a complete line."""

    def __init__(self, path: str | None, stream):
        self.path = path
        self.fh = open(path, "w", encoding="utf-8", newline="\n") if path else stream
        self.good = 0  # bytes of complete lines written to the file

    def write(self, line: str) -> None:
        self.fh.write(line)
        if self.path:
            self.good += len(line.encode("utf-8"))

    def flush(self) -> None:
        self.fh.flush()

    def close(self, interrupted: bool = False) -> None:
        if not self.path:
            self.fh.flush()
            return
        try:
            self.fh.flush()
        finally:
            self.fh.close()
            if interrupted:
                os.truncate(self.path, self.good)
