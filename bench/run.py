"""Speed and memory of perfrules against hand-written Python and peer rule engines, end to end.

    python bench/run.py [--quick] [--json] [--projects N] [--rounds R] [--seed S]
                        [--contenders A,B,…] [--variants warm,cold] [--no-peers] [--profile]

Every contender is a whole program run as a child process on the same raw JSON Lines file
(``generate.py``), writing its findings to a file:

  perfrules-national-j2   ``perfrules check DATA -p national -j 2 --format jsonl -o OUT``: the
  perfrules-national-j1   issue's target figure (all rules of the national pack), and with -j 1
  perfrules-national-j2-row  the same with ``--engine row`` (the reference: its output must be
                          the same bytes as the column-wise default's)
  perfrules-core-j1/-j2   the same command with a pack of just the nine core rules (cut from the
                          bundled pack's own files), so its findings can be compared
  handwritten             the fair baseline: orjson dicts + perfrules' value reader, one loop
  flat-python             the verdicts pre-computed per row, then the rules in plain Python
  zen, cel                the same pre-computation, then zen-engine / CEL (when installed)
  national-j2-1k          perfrules-national-j2 on the first 1,000 projects (memory vs size)
  cli-single              ``perfrules check examples/panyu-2023-ops/申报.yaml`` (start-up)
  python-bare             ``python -c pass``

The contenders run round-robin (A B C … A B C …) for ``--rounds`` rounds (default 5), on the
warm data (the generator's own strings, which repeat across projects) and the cold variant
(``--unique-values``: no 指标值/实际完成值 string repeats). Each figure is reported as min /
median / max over the rounds: wall time of the whole process (interpreter start to exit), CPU
time (user + sys of the process and the workers it waited for, from ``os.wait4``), and the peak
of the process tree's resident memory (the sum of VmRSS over the process and all its
descendants, sampled from /proc every 20 ms).

The findings of every contender on the nine core rules are compared as sets of (line, rule,
row): the run fails, naming the first differences, unless all are identical (checked in the
first round; a later round must write the same bytes, or else the same set, as the first). ``--profile`` adds cProfile of
perfrules' per-project work on 1,000 projects (warm and cold) and of the hand-written loop,
check_job's phases without a profiler, and ``-X importtime`` of the one-file check.
See bench/README.md for the method and the results.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import contenders  # noqa: E402  (bench/contenders.py)
import generate  # noqa: E402  (bench/generate.py)

EXAMPLE = "examples/panyu-2023-ops/申报.yaml"
CORE = contenders.CORE
MEMORY_SIZE = 1000  # projects of the small run that memory at full size is compared with

# The targets (issue 18). key: (what, comparison, bound)
TARGETS = {
    "indicators_per_s_2w_warm": ("perfrules-national-j2 indicators/s, warm (median wall)", ">=", 200_000),
    "indicators_per_s_2w_cold": ("perfrules-national-j2 indicators/s, cold (median wall)", ">=", 100_000),
    "ratio_vs_handwritten": ("perfrules-core-j1 ÷ handwritten, median wall, warm", "<=", 1.0),
    "ratio_vs_zen": ("perfrules-core-j1 ÷ zen, median wall, warm", "<", 1.0),
    "ratio_vs_cel": ("perfrules-core-j1 ÷ cel, median wall, warm", "<", 1.0),
    "cli_single_s": ("one-file perfrules check, median wall", "<=", 0.2),
    "memory_growth": (f"perfrules-national-j2 tree peak, full size ÷ {MEMORY_SIZE:,} projects", "<=", 1.1),
}


# ---- machine -----------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    from importlib.metadata import PackageNotFoundError, version
    for dist in ("perfrules", "orjson", "zen-engine", "common-expression-language"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = None
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions, "commit": _commit(),
            "loadavg_at_start": _load()}


def _commit() -> str | None:
    """The checked-out commit, read from .git (no git needed); None when not a checkout."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        if (git / ref).is_file():
            return (git / ref).read_text().strip()[:12]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12]
    except OSError:
        pass
    return None


# ---- the code measured: a snapshot of the working tree ----------------------------------------------

CHILD_ENV: dict | None = None  # the environment of every child (PYTHONPATH → the snapshot)


def snapshot(dest: Path, copy: bool = True) -> str:
    """Copy perfrules/ (with policies/ and grammar/ inside it, as a wheel lays them out) to
    ``dest``; every child then imports that copy (PYTHONPATH), so the rounds measure one
    version of the code even while the working tree changes. Returns a digest of the copy."""
    global CHILD_ENV
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    pkg = dest / "perfrules"
    if copy:
        shutil.copytree(ROOT / "perfrules", pkg, ignore=skip)
        for sub in ("policies", "grammar"):
            shutil.copytree(ROOT / sub, pkg / sub, ignore=skip, dirs_exist_ok=True)
            (pkg / sub / "__init__.py").touch()
        # Byte-compiled as pip compiles an installed package: a child then reads .pyc files
        # whatever PYTHONDONTWRITEBYTECODE says (start-up would otherwise pay ~0.1 s compiling).
        import compileall
        compileall.compile_dir(str(pkg), quiet=1)
    h = hashlib.sha256()
    for f in sorted(pkg.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(dest)).encode() + b"\0" + f.read_bytes())
    CHILD_ENV = dict(os.environ, PYTHONPATH=str(dest) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    sys.path.insert(0, str(dest))
    return h.hexdigest()[:16]


def _load():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ---- one child process, measured -----------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                    out += [int(x) for x in fh.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def tree(pid: int) -> list[int]:
    """The process and all its descendants (Linux /proc/PID/task/TID/children)."""
    pids, i = [pid], 0
    while i < len(pids):
        pids += _children(pids[i])
        i += 1
    return pids


def rss_kb(pid: int) -> int:
    """VmRSS of one process in KiB (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed VmRSS of a process tree every ``interval`` seconds until stopped;
    ``peak_kb`` is the largest sum seen, ``most`` the most processes seen at once."""

    def __init__(self, pid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = self.samples = self.most = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            pids = tree(self.pid)
            total = sum(rss_kb(p) for p in pids)
            self.samples += 1
            self.most = max(self.most, sum(1 for p in pids if os.path.exists(f"/proc/{p}")))
            self.peak_kb = max(self.peak_kb, total)
            self.halt.wait(self.interval)


@dataclass
class Measure:
    wall: float            # s, perf_counter from before the fork to after the wait
    cpu: float             # s, user + sys of the child and the descendants it waited for
    tree_mb: float | None  # MiB, peak of the summed VmRSS of the tree (None without /proc)
    largest_mb: float      # MiB, ru_maxrss of os.wait4: the largest single process, *including the image of
    #                        this benchmark process the child was forked from* (kept in --json only)
    samples: int
    processes: int
    stderr: str
    load: float | None = None  # 1-minute load average when the run started


class Killed(RuntimeError):
    """The child was ended by a signal from outside (not a failure of the contender)."""


def measured(cmd: list[str], log=None, tries: int = 3) -> Measure:
    """``run_measured``, run again (up to ``tries`` times) when the child is ended by a signal
    from elsewhere — on a shared machine someone's broad ``pkill`` can hit it; the run is
    discarded and done again, never counted."""
    for attempt in range(1, tries + 1):
        try:
            return run_measured(cmd)
        except Killed as e:
            if attempt == tries:
                raise
            if log:
                log(f"  ({e}; run again)")
    raise AssertionError("unreachable")


def run_measured(cmd: list[str], timeout: float = 3600) -> Measure:
    """Run ``cmd`` (from the repository root) and measure it; exit codes other than 0/1 raise."""
    load = _load()
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, env=CHILD_ENV)
        sampler = TreeSampler(p.pid) if os.path.isdir(f"/proc/{p.pid}") else None
        if sampler:
            sampler.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        if sampler:
            sampler.halt.set()
            sampler.join()
        p.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    if code < 0:
        raise Killed(f"{os.path.basename(cmd[1] if len(cmd) > 1 else cmd[0])} was ended by signal {-code}")
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {code}: {text[-2000:]}")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Measure(wall=wall, cpu=ru.ru_utime + ru.ru_stime,
                   tree_mb=sampler.peak_kb / 1024 if sampler and sampler.samples else None,
                   largest_mb=ru.ru_maxrss / scale, samples=sampler.samples if sampler else 0,
                   processes=sampler.most if sampler else 0, stderr=text, load=load[0] if load else None)


# ---- findings as sets of (line, rule, row) --------------------------------------------------------

_ROW = re.compile(r"^绩效指标\[(\d+)\]")


def perfrules_findings(path: Path, rules=CORE) -> set:
    """(line, rule, row) of every finding of ``rules`` in a ``perfrules check --format jsonl``
    output: line from the record's ``input`` (FILE:LINE), row the 0-based row of 绩效指标 (the
    target reads 「绩效指标[n] …」 with n counted from 1), None for a project-level finding. A
    record without findings that failed to load counts as (line, "ERROR", None)."""
    import orjson
    out = set()
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            rec = orjson.loads(raw)
            src = rec.get("input") or rec.get("source") or ""
            line = int(src.rsplit(":", 1)[1]) if src.rsplit(":", 1)[-1].isdigit() else src
            if "findings" not in rec:
                out.add((line, "ERROR", None))
                continue
            for f in rec["findings"]:
                if f["rule"] not in rules:
                    continue
                m = _ROW.match(f.get("target") or "")
                out.add((line, f["rule"], int(m.group(1)) - 1 if m else None))
    return out


def program_findings(path: Path) -> set:
    """(line, rule, row) from a contenders.py output (one ``[line, rule, row]`` per line)."""
    import orjson
    with open(path, "rb") as fh:
        return {tuple(orjson.loads(x)) for x in fh if x.strip()}


def differences(a: set, b: set, name_a: str = "a", name_b: str = "b", limit: int = 5) -> list[str]:
    """The first ``limit`` findings only in ``a`` and only in ``b`` (empty when the sets are equal)."""
    def key(f):
        return tuple((0, x) if isinstance(x, int) else (1, str(x)) for x in f)
    out = []
    for name, only in ((name_a, a - b), (name_b, b - a)):
        if only:
            firsts = sorted(only, key=key)[:limit]
            out.append(f"{len(only)} only in {name}, first: " + ", ".join(map(repr, firsts)))
    return out


def check_same(sets: dict[str, set], reference: str, limit: int = 5) -> dict[str, list[str]]:
    """{contender: its differences from ``reference``} for every contender that differs."""
    ref = sets[reference]
    return {name: d for name, s in sets.items() if name != reference
            for d in [differences(ref, s, reference, name, limit)] if d}


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---- the contenders ------------------------------------------------------------------------------

@dataclass
class Contender:
    name: str
    command: Callable[[Path, Path], list[str]]       # (data, out) → argv
    findings: Callable[[Path], set] | None = None      # out → set, when comparable
    data: str = "full"                                  # "full" or "small" (MEMORY_SIZE projects)
    per_variant: bool = True                            # run on warm and cold (else once a round)
    note: str = ""


def perfrules_cmd(script: bool = False) -> list[str]:
    """The installed ``perfrules`` command (``script``: its file, to hand to an interpreter).
    Not ``python -m perfrules`` from the repository root: that would import the working tree's
    perfrules (the current folder comes first on sys.path), not the snapshot."""
    exe = Path(sys.executable).with_name("perfrules")
    if exe.exists():
        return [str(exe)]
    return [str(HERE / "perfrules_main.py")] if script else [sys.executable, str(HERE / "perfrules_main.py")]


def make_contenders(core_dir: Path, vocab_path: Path, peers: bool = True) -> list[Contender]:
    def cli(pack: str, workers: int, *more: str):
        return lambda data, out: perfrules_cmd() + ["check", str(data), "-p", pack, "-j", str(workers),
                                                    "--format", "jsonl", "-o", str(out), *more]

    def program(name: str):
        return lambda data, out: [sys.executable, str(HERE / "contenders.py"), name, str(data),
                                  str(vocab_path), str(out)]
    out = [
        Contender("perfrules-national-j2", cli("national", 2), perfrules_findings,
                  note="all national rules, 2 workers: the target figure"),
        Contender("perfrules-national-j2-row", cli("national", 2, "--engine", "row"), perfrules_findings,
                  note="the same with the row engine forced (the reference)"),
        Contender("perfrules-national-j1", cli("national", 1), perfrules_findings),
        Contender("perfrules-core-j1", cli(str(core_dir), 1), perfrules_findings),
        Contender("perfrules-core-j2", cli(str(core_dir), 2), perfrules_findings),
        Contender("handwritten", program("handwritten"), program_findings),
        Contender("flat-python", program("flat-python"), program_findings),
    ]
    for peer in ("zen", "cel"):
        if peers and contenders.available(peer):
            out.append(Contender(peer, program(peer), program_findings))
    out += [
        Contender(f"national-j2-{MEMORY_SIZE // 1000}k", cli("national", 2), None, data="small", per_variant=False),
        Contender("cli-single", lambda data, out: perfrules_cmd() + ["check", EXAMPLE], None, per_variant=False),
        Contender("python-bare", lambda data, out: [sys.executable, "-c", "pass"], None, per_variant=False),
    ]
    return out


DEFAULT = ("perfrules-national-j2", "perfrules-national-j2-row", "perfrules-core-j1", "handwritten", "flat-python",
           "zen", "cel", f"national-j2-{MEMORY_SIZE // 1000}k", "cli-single", "python-bare")


def core_pack(folder: Path):
    """A pack of just the CORE rules, cut from the bundled national pack's own files."""
    from perfrules.engine.packs import bundled_root, load_pack
    src = bundled_root() / "national"
    folder.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.rules"):
        text = f.read_text(encoding="utf-8")
        if "规则 " not in text:
            shutil.copy(f, folder / f.name)  # word lists and synonyms
            continue
        blocks, cur = [], None
        for line in text.splitlines(keepends=True):
            if line.startswith("规则 "):
                cur = [line]
                blocks.append(cur)
            elif cur is not None:
                cur.append(line)
        keep = [b for b in blocks if b[0].split()[1] in CORE]
        (folder / f.name).write_text("".join("".join(b) for b in keep), encoding="utf-8")
    (folder / "pack.yaml").write_text('name: bench-core\nversion: "1.0"\n', encoding="utf-8")
    pack = load_pack(str(folder))
    got = tuple(sorted(r.id for r in pack.compiled.rules))
    assert got == CORE, f"core pack has {got}, expected {CORE}"
    return pack


# ---- reading values: what a distinct string costs -------------------------------------------------

def value_strings(path: Path) -> list[str]:
    """Every 指标值 and 实际完成值 string of a file, in order."""
    import orjson
    out = []
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                for row in orjson.loads(line)["绩效指标"]:
                    out += [row[k] for k in ("指标值", "实际完成值") if isinstance(row.get(k), str)]
    return out


def repeated_across_projects(path: Path) -> int:
    """How many 指标值/实际完成值 strings occur in more than one project of a file."""
    import orjson
    first: dict[str, int] = {}
    shared = set()
    with open(path, "rb") as fh:
        for no, line in enumerate(fh):
            if line.strip():
                for row in orjson.loads(line)["绩效指标"]:
                    for k in ("指标值", "实际完成值"):
                        v = row.get(k)
                        if isinstance(v, str) and first.setdefault(v, no) != no:
                            shared.add(v)
    return len(shared)


def reading_cost(strings: list[str], vague, state) -> dict:
    """perfrules' reader on the distinct strings of a file: µs per first reading (a cache
    miss: the regexes), µs per repeated reading (an lru_cache hit), best of 3 passes each."""
    from perfrules.data.values import _read, read_value
    distinct = list(dict.fromkeys(strings))
    sample = distinct[:20000]
    miss = hit = float("inf")
    for _ in range(3):
        _read.cache_clear()
        t = time.perf_counter()
        for s in sample:
            read_value(s, vague_words=vague, state_words=state)
        miss = min(miss, time.perf_counter() - t)
        t = time.perf_counter()
        for s in sample:
            read_value(s, vague_words=vague, state_words=state)
        hit = min(hit, time.perf_counter() - t)
    _read.cache_clear()
    return {"strings": len(strings), "distinct": len(distinct), "sampled": len(sample),
            "miss_us": miss / len(sample) * 1e6, "hit_us": hit / len(sample) * 1e6}


def reading_changes(n: int, seed: int, vocab: dict) -> dict:
    """Rows whose reading (kind, 可衡量, 达标, completion rate) differs between the warm and the
    cold variant of the first ``n`` projects: the cold data must say the same things."""
    from perfrules.data.values import is_met, peak_rate, read_value
    v = contenders.Vocab(vocab)
    vague, state = v.vague, v.state

    def reading(row):
        t = read_value(row.get("指标值"), vague_words=vague, state_words=state)
        a = read_value(row.get("实际完成值"), vague_words=vague, state_words=state)
        return t.kind, t.measurable, a.kind, a.measurable, is_met(t, a), peak_rate(t, a)
    rows = changed = 0
    for k in range(n):
        for w, c in zip(generate.project(seed, k)["绩效指标"], generate.project(seed, k, True)["绩效指标"]):
            rows += 1
            changed += reading(w) != reading(c)
    return {"rows": rows, "changed": changed}


# ---- the rounds ------------------------------------------------------------------------------------

def spread(xs: list[float]) -> dict:
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}


def run_rounds(plan: list[tuple[Contender, str, Path, int]], rounds: int, tmp: Path, log,
               done: Callable[[dict, int], None] | None = None, first: int = 1,
               previous: dict | None = None) -> dict:
    """Run every (contender, variant, data, indicators) of ``plan`` once per round, in order,
    rounds ``first`` to ``rounds`` (``previous``: the raw runs of the earlier rounds, when
    resuming); compare findings in the first round run here, output digests afterwards;
    ``done(result, round)`` after each round."""
    runs: dict[str, list[Measure]] = {k: [Measure(**m) for m in v] for k, v in (previous or {}).get("runs", {}).items()}
    phases: dict[str, list[dict]] = {k: list(v) for k, v in (previous or {}).get("phases", {}).items()}
    sets: dict[str, dict[str, set]] = {}
    digests: dict[str, str] = {}
    for r in range(first, rounds + 1):
        for c, variant, data, _ in plan:
            key = f"{c.name}/{variant}"
            out = tmp / f"{c.name}-{variant}.out"
            if out.exists():
                out.unlink()
            m = measured(c.command(data, out), log)
            runs.setdefault(key, []).append(m)
            log(f"  round {r}/{rounds} {key:<34} {m.wall:8.3f} s wall {m.cpu:8.3f} s CPU "
                f"{(m.tree_mb or 0):7.1f} MiB tree ({m.processes} proc)")
            last = m.stderr.strip().splitlines()[-1:] if m.stderr.strip() else []
            if last and last[0].startswith('{"phases"'):
                phases.setdefault(key, []).append(json.loads(last[0])["phases"])
            if c.findings is None or not out.exists():
                continue
            d = digest(out)
            if r == first:
                digests[key] = d
                sets.setdefault(variant, {})[c.name] = c.findings(out)
            elif d != digests[key] and c.findings(out) != sets[variant][c.name]:
                # (A peer may list its findings in another order: CEL's result map has none.)
                raise AssertionError(f"{key} found different findings in round {r} than in round {first}")
        if r == first:
            for variant, by_name in sets.items():
                ref = "handwritten" if "handwritten" in by_name else next(iter(by_name))
                bad = check_same(by_name, ref)
                if bad:
                    raise AssertionError(f"findings differ on the {variant} data (reference {ref}):\n" + "\n".join(
                        f"  {name}: {line}" for name, lines in bad.items() for line in lines))
                log(f"  {variant}: all {len(by_name)} contenders give the same {len(by_name[ref]):,} findings "
                    f"(reference {ref})")
                # The column-wise default and the row engine: the whole output, byte for byte.
                a, b = digests.get(f"perfrules-national-j2/{variant}"), digests.get(f"perfrules-national-j2-row/{variant}")
                if a and b and a != b:
                    raise AssertionError(f"--engine auto and --engine row wrote different output on the {variant} data")
                if a and b:
                    log(f"  {variant}: --engine auto and --engine row wrote the same bytes")
        if done:
            done({"runs": runs, "sets": sets, "phases": phases}, r)
    return {"runs": runs, "sets": sets, "phases": phases}


# ---- profile ------------------------------------------------------------------------------------

def profile_check_job(path: Path, n_projects: int, top: int = 25) -> str:
    """cProfile of pipeline.check_job (one JSON line in: load, the national pack, render) on
    the first n projects, top functions by cumulative time."""
    import cProfile
    import io
    import itertools
    import pstats
    from perfrules import batch
    from perfrules.data.values import _read
    from perfrules.engine.packs import load_pack
    packs, settings = [load_pack("national")], batch.Settings(fmt="jsonl")
    jobs = list(itertools.islice(batch.jobs([str(path)]), n_projects))
    _read.cache_clear()
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for job in jobs:
        batch.check_job(job, packs, settings)
    prof.disable()
    wall = time.perf_counter() - t
    buf = io.StringIO()
    buf.write(f"check_job, national pack, {path.name}, {len(jobs)} projects: {wall:.2f} s under cProfile\n")
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    return _trim(buf.getvalue())


def profile_handwritten(path: Path, vocab: dict, n_projects: int, top: int = 15) -> str:
    """cProfile of the hand-written loop (decode + rules) on the first n projects."""
    import cProfile
    import io
    import itertools
    import pstats
    import orjson
    from perfrules.data.values import _read
    check = contenders.handwritten_check(contenders.Vocab(vocab))
    with open(path, "rb") as fh:
        lines = list(itertools.islice(fh, n_projects))
    _read.cache_clear()
    prof = cProfile.Profile()
    prof.enable()
    for line in lines:
        check(orjson.loads(line))
    prof.disable()
    buf = io.StringIO()
    buf.write(f"hand-written loop, {path.name}, {len(lines)} projects\n")
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    return _trim(buf.getvalue())


def _trim(text: str) -> str:
    text = text.replace(str(ROOT) + "/", "")
    return re.sub(r"^\s*(Ordered by|List reduced).*\n", "", text, flags=re.M)


def breakdown(path: Path, n_projects: int, pack: str = "national") -> str:
    """check_job's phases on n projects without a profiler, with the pipeline's own steps:
    load (decode the JSON line, build the IndicatorSet), run (the pack), render (the jsonl
    text a worker hands back). The value reader's cache starts empty."""
    import itertools
    from perfrules import pipeline
    from perfrules.data.values import _read
    from perfrules.engine.packs import load_pack
    packs = [load_pack(pack)]
    label = "national" if pack == "national" else "core"
    out_settings, run_settings = pipeline.Settings(fmt="jsonl"), pipeline.Settings(fmt=None)
    specs = pipeline.field_specs(packs)
    jobs = list(itertools.islice(pipeline.jobs([str(path)]), n_projects))
    _read.cache_clear()
    run_key = f"run ({label} pack)"
    t = {"load (decode + model)": 0.0, run_key: 0.0, "render (jsonl entry)": 0.0}
    n_ind = 0
    for job in jobs:
        t0 = time.perf_counter()
        items = pipeline.load_job(job, out_settings, specs)
        t1 = time.perf_counter()
        t["load (decode + model)"] += t1 - t0
        for x in items:
            if isinstance(x, pipeline.Loaded):
                t1 = time.perf_counter()
                o = pipeline.run_loaded(x, packs, run_settings)
                t2 = time.perf_counter()
                pipeline._render(o, out_settings)
                t3 = time.perf_counter()
                t[run_key] += t2 - t1
                t["render (jsonl entry)"] += t3 - t2
                n_ind += len(x.iset.indicators)
    total = sum(t.values())
    out = [f"check_job phases, {label} pack, {path.name}, {len(jobs)} projects, {n_ind} indicators (no profiler): "
           f"{total:.2f} s, {n_ind / total:,.0f} indicators/s on one core"]
    out += [f"  {k:<22} {v:7.3f} s  {v / total:6.1%}  {v / n_ind * 1e6:7.1f} µs/indicator" for k, v in t.items()]
    return "\n".join(out) + "\n"


def rule_costs(path: Path, n_projects: int = 300, top: int = 15, pack: str = "national") -> str:
    """CPU µs per indicator of each rule of ``pack`` on its own: ``runner.run`` with the pack
    narrowed to that rule (``--select``) less the pack narrowed to nothing but the built-in
    checks, best of two passes over the same loaded sets, the reader's memo warm."""
    from perfrules import pipeline
    from perfrules.engine.packs import load_pack
    from perfrules.engine.runner import run
    full = load_pack(pack)
    sets = []
    for job in itertools.islice(pipeline.jobs([str(path)]), n_projects):
        sets += [x.iset for x in pipeline.load_job(job) if isinstance(x, pipeline.Loaded)]
    n = sum(len(s.indicators) for s in sets)

    def cost(packs) -> float:
        best = float("inf")
        for _ in range(2):
            t = time.process_time()
            for s in sets:
                run(packs, s)
            best = min(best, time.process_time() - t)
        return best
    cost([full])  # the reader's memo and the rules' own memos filled
    base = cost(pipeline.select_rules([full], select=("RC-01",))[0])
    whole = cost([full])
    rows = sorted(((cost(pipeline.select_rules([full], select=(r.id, "RC-01"))[0]) - base, r.id, r.title)
                   for r in full.compiled.rules), reverse=True)
    out = [f"rule by rule, {pack} pack, {len(sets)} projects, {n} indicators: all rules {whole / n * 1e6:.0f} µs "
           f"an indicator, built-in checks alone {base / n * 1e6:.0f}, the sum of the rules alone "
           f"{sum(r[0] for r in rows) / n * 1e6:.0f}"]
    out += [f"  {rid:<6} {d / n * 1e6:6.1f} µs  {title}" for d, rid, title in rows[:top]]
    return "\n".join(out) + "\n"


def profile_cli_single(top: int = 15) -> str:
    """``python -X importtime`` of the one-file check: the top-level imports by cumulative time."""
    cmd = [sys.executable, "-X", "importtime"] + perfrules_cmd(script=True) + ["check", EXAMPLE]
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=CHILD_ENV)
    wall = time.perf_counter() - t
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line.split(":", 1)[1].split("|", 2)
        rows.append((int(cum_us), int(self_us), name[1:].rstrip()))
    total = sum(c for c, _, n in rows if not n.startswith(" "))
    out = [f"perfrules check {EXAMPLE} under -X importtime: {wall:.3f} s wall, "
           f"{total / 1e6:.3f} s in imports (top level), of which:",
           f"{'cumulative ms':>14} {'self ms':>8}  module"]
    for cum, own, name in sorted(rows, reverse=True)[:top]:
        out.append(f"{cum / 1000:>14.1f} {own / 1000:>8.1f}  {name}")
    return "\n".join(out) + "\n"


# ---- report --------------------------------------------------------------------------------------

def summarise(result: dict, indicators: dict) -> dict:
    table = {}
    for key, ms in result["runs"].items():
        name, variant = key.split("/")
        n = indicators.get(key)
        wall = spread([m.wall for m in ms])
        row = {"rounds": len(ms), "wall_s": wall, "cpu_s": spread([m.cpu for m in ms]),
               "tree_mib": spread([m.tree_mb for m in ms]) if all(m.tree_mb is not None for m in ms) else None,
               "largest_process_mib": max(m.largest_mb for m in ms), "processes": max(m.processes for m in ms),
               "load_1min": [m.load for m in ms]}
        if n:
            row["indicators"] = n
            row["indicators_per_s"] = {k: n / wall[k2] for k, k2 in (("min", "max"), ("median", "median"),
                                                                      ("max", "min"))}
            row["indicators_per_cpu_s"] = n / row["cpu_s"]["median"]
        if key in result["phases"]:
            ph = result["phases"][key]
            row["phases_s"] = {k: statistics.median(p[k] for p in ph) for k in ph[0]}
        table[key] = row
    return table


def verdicts(table: dict, full: int) -> dict:
    def med(key, what="wall_s"):
        row = table.get(key)
        return row[what]["median"] if row else None

    def ips(key):
        row = table.get(key)
        return row["indicators_per_s"]["median"] if row and "indicators_per_s" in row else None

    def ratio(a, b):
        return a / b if a is not None and b else None
    core = med("perfrules-core-j1/warm")
    small, big = med(f"national-j2-{MEMORY_SIZE // 1000}k/once", "tree_mib"), med("perfrules-national-j2/warm", "tree_mib")
    values = {
        "indicators_per_s_2w_warm": ips("perfrules-national-j2/warm"),
        "indicators_per_s_2w_cold": ips("perfrules-national-j2/cold"),
        "ratio_vs_handwritten": ratio(core, med("handwritten/warm")),
        "ratio_vs_zen": ratio(core, med("zen/warm")),
        "ratio_vs_cel": ratio(core, med("cel/warm")),
        "cli_single_s": med("cli-single/once"),
        "memory_growth": ratio(big, small) if full > MEMORY_SIZE else None,
    }
    out = {}
    for key, (what, op, bound) in TARGETS.items():
        v = values[key]
        met = None if v is None else {"<=": v <= bound, "<": v < bound, ">=": v >= bound}[op]
        gap = None
        if v is not None and not met:
            gap = bound / v if op == ">=" else v / bound  # how many times short
        out[key] = {"what": what, "target": f"{op} {bound}", "value": v, "met": met, "times_short": gap}
    return out


def ratios(table: dict, base: str = "perfrules-core-j1") -> dict:
    """{variant: {other: {wall, cpu}}}: ``base`` ÷ each other contender with findings, medians."""
    out: dict = {}
    for key, row in table.items():
        name, variant = key.split("/")
        b = table.get(f"{base}/{variant}")
        if name == base or b is None or "indicators" not in row:
            continue
        out.setdefault(variant, {})[name] = {"wall": b["wall_s"]["median"] / row["wall_s"]["median"],
                                             "cpu": b["cpu_s"]["median"] / row["cpu_s"]["median"]}
    return out


def text_report(r: dict) -> str:
    lines = []
    m = r["machine"]
    lines.append(f"{m['date']}  {m['cpu']} × {m['nproc']}  Python {m['python']}  {m['platform']}")
    code = r.get("code") or {}
    lines.append(f"perfrules: commit {code.get('commit')}, measured as a snapshot of the working tree "
                 f"(digest {code.get('snapshot')})" if code.get("snapshot") else
                 f"perfrules: commit {code.get('commit')}, the working tree as it was at each run")
    lines.append(f"load average {m['loadavg_at_start']} at start, {m.get('loadavg_at_end')} at end; "
                 f"{r.get('rounds_done', r['rounds'])} of {r['rounds']} rounds, round-robin; {r['projects']:,} projects")
    for v, info in r["data"].items():
        lines.append(f"  {v}: {info['file']} — {info['projects']:,} projects, {info['indicators']:,} indicators, "
                     f"{info['reading']['distinct']:,} distinct value strings of {info['reading']['strings']:,}, "
                     f"{info['repeated_across_projects']:,} repeated across projects")
    lines.append("")
    head = (f"{'contender/data':<30} {'wall s min/med/max':>24} {'indicators/s (med)':>19} "
            f"{'CPU s min/med/max':>24} {'tree MiB min/med/max':>22}")
    lines.append(head)
    lines.append("-" * len(head))
    for key, row in r["table"].items():
        w, c, t = row["wall_s"], row["cpu_s"], row["tree_mib"]
        ips = f"{row['indicators_per_s']['median']:,.0f}" if "indicators_per_s" in row else ""
        mem = f"{t['min']:.0f} / {t['median']:.0f} / {t['max']:.0f}" if t else "n/a"
        lines.append(f"{key:<30} {w['min']:7.3f} /{w['median']:7.3f} /{w['max']:7.3f} {ips:>19} "
                     f"{c['min']:7.3f} /{c['median']:7.3f} /{c['max']:7.3f} {mem:>22}")
    ph = {k: v["phases_s"] for k, v in r["table"].items() if "phases_s" in v}
    if ph:
        cols = list(next(iter(ph.values())))
        lines.append("")
        lines.append("phases inside the programs, median s: " + " ".join(f"{c:>11}" for c in cols))
        for k, v in ph.items():
            lines.append(f"  {k:<36}" + " ".join(f"{v.get(c, 0):>11.3f}" for c in cols))
    for variant, by in r.get("ratios", {}).items():
        lines.append(f"perfrules-core-j1 ÷ other, {variant}, median wall / median CPU: " + "; ".join(
            f"{k} {v['wall']:.2f} / {v['cpu']:.2f}" for k, v in by.items()))
    loads = [x for row in r["table"].values() for x in row.get("load_1min", []) if x is not None]
    if loads:
        lines.append(f"1-minute load average at the start of the runs: {min(loads):.2f} – {max(loads):.2f} "
                     f"(median {statistics.median(loads):.2f}) on {r['machine']['nproc']} CPUs")
    if r.get("cold_equals_warm") is not None:
        lines.append(f"core findings on the cold data equal those on the warm data: {r['cold_equals_warm']}")
    lines.append("")
    cw = cold_minus_warm(r)
    if cw:
        lines.append(f"cold − warm: the reader takes {cw['miss_us_warm']:.1f} µs per distinct warm string, "
                     f"{cw['miss_us_cold']:.1f} µs per distinct cold one, {cw['hit_us']:.2f} µs per cache hit; "
                     f"{cw['distinct_warm']:,} → {cw['distinct_cold']:,} distinct strings: "
                     f"predicted +{cw['predicted_s']:.2f} s CPU for a program reading each string once")
        for k, v in cw["measured_cpu_s"].items():
            lines.append(f"  {k:<28} measured {v:+.2f} s CPU (median cold − median warm)")
    if r.get("reading_changes"):
        rc = r["reading_changes"]
        lines.append(f"cold variant reads like the warm one: {rc['changed']} of {rc['rows']:,} rows differ")
    lines.append("")
    for k, v in r["targets"].items():
        mark = "met" if v["met"] else ("MISSED" if v["met"] is False else "n/a")
        val = v["value"]
        vs = "—" if val is None else (f"{val:,.0f}" if val >= 1000 else f"{val:.3f}")
        short = f" ({v['times_short']:.1f}× short)" if v["times_short"] else ""
        lines.append(f"target {v['what']}: {vs} {v['target']} → {mark}{short}")
    if r.get("profile"):
        lines.append("")
        lines.append(r["profile"])
    return "\n".join(lines)


def _round(x):
    if isinstance(x, float):
        return round(x, 4) if abs(x) < 1000 else round(x)
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


# ---- main ---------------------------------------------------------------------------------------

def cold_minus_warm(r: dict) -> dict | None:
    """The reader's predicted share of cold − warm, beside each contender's measured one.
    A program that reads each value string once per occurrence spends D·miss + (N − D)·hit
    on a file with N strings of which D are distinct, so cold − warm is
    D_cold·miss_cold − D_warm·miss_warm − (D_cold − D_warm)·hit."""
    data, table = r.get("data", {}), r.get("table", {})
    if "warm" not in data or "cold" not in data:
        return None
    w, c = data["warm"]["reading"], data["cold"]["reading"]
    hit = (w["hit_us"] + c["hit_us"]) / 2
    predicted = (c["distinct"] * c["miss_us"] - w["distinct"] * w["miss_us"]
                 - (c["distinct"] - w["distinct"]) * hit) / 1e6
    names = sorted({k.split("/")[0] for k in table}, key=list(k.split("/")[0] for k in table).index)
    return {"miss_us_warm": w["miss_us"], "miss_us_cold": c["miss_us"], "hit_us": hit,
            "distinct_warm": w["distinct"], "distinct_cold": c["distinct"], "predicted_s": predicted,
            "measured_cpu_s": {n: table[f"{n}/cold"]["cpu_s"]["median"] - table[f"{n}/warm"]["cpu_s"]["median"]
                               for n in names if f"{n}/cold" in table and f"{n}/warm" in table}}


def assemble(r: dict, result: dict, indicators: dict, names: list[str], projects: int, rounds_done: int) -> None:
    """Fill ``r`` from the runs so far: the table, findings, cold − warm, targets, ratios."""
    r["rounds_done"] = rounds_done
    r["raw"] = {"runs": {k: [dict(vars(m), stderr="") for m in ms] for k, ms in result["runs"].items()},
                "phases": result["phases"]}
    r["table"] = summarise(result, indicators)
    r["findings"] = {v: {name: len(s) for name, s in by.items()} for v, by in result["sets"].items()}
    ws, cs = result["sets"].get("warm"), result["sets"].get("cold")
    if ws and cs:
        same = sorted(set(ws) & set(cs))
        r["cold_equals_warm"] = all(ws[n] == cs[n] for n in same) if same else None
    cw = cold_minus_warm(r)
    if cw:
        r["cold_vs_warm"] = cw
    r["targets"] = verdicts(r["table"], projects)
    r["ratios"] = ratios(r["table"])


def profiles(seed: int, variants: list[str], log) -> str:
    """The one-file check's imports; on MEMORY_SIZE projects of each variant, check_job's
    phases (national pack, and the core pack) and its cProfile; the hand-written loop's cProfile."""
    parts = [profile_cli_single()]
    with tempfile.TemporaryDirectory(prefix="perfrules-bench-") as tmp:
        core = Path(tmp) / "core"
        pack = core_pack(core)
        vocab = contenders.vocab_of(pack.compiled.env)
        for v in variants:
            path = ensure(MEMORY_SIZE, seed, v == "cold", log)
            parts += [breakdown(path, MEMORY_SIZE), breakdown(path, MEMORY_SIZE, str(core)),
                      rule_costs(path), profile_check_job(path, MEMORY_SIZE)]
        for v in variants:
            parts.append(profile_handwritten(ensure(MEMORY_SIZE, seed, v == "cold", log), vocab, MEMORY_SIZE))
    return "\n".join(parts)


def ensure(projects: int, seed: int, unique: bool, log) -> Path:
    path = generate.default_path(projects, seed, unique)
    if not path.exists():
        log(f"generating {path.relative_to(ROOT)} …")
        generate.write(projects, seed, path, unique)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"{MEMORY_SIZE:,} projects, 3 rounds")
    ap.add_argument("--json", action="store_true", help="print one JSON object (progress on stderr)")
    ap.add_argument("--projects", type=int, help="projects in the data (default 10,000; quick 1,000)")
    ap.add_argument("--rounds", type=int, help="rounds of every contender (default 5; quick 3)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--contenders", help="comma-separated names (default: " + ",".join(DEFAULT) + ")")
    ap.add_argument("--variants", default="warm,cold", help="warm, cold or both (default warm,cold)")
    ap.add_argument("--no-peers", action="store_true", help="skip zen and cel")
    ap.add_argument("--no-snapshot", action="store_true",
                    help="measure the working tree as it is at each run, not a copy taken at the start")
    ap.add_argument("--resume", type=Path, metavar="FILE.json",
                    help="go on with a run stopped early, from the results it saved (same settings, data and code)")
    ap.add_argument("--save", type=Path, metavar="FILE.json",
                    help="where the results go after every round (default bench/data/run-DATE-TIME.json)")
    ap.add_argument("--report", type=Path, metavar="RESULTS.json",
                    help="print the text report of a saved --json result and exit")
    ap.add_argument("--profile-only", action="store_true", help="only the profiles (no rounds)")
    ap.add_argument("--profile", action="store_true",
                    help=f"add cProfile (cumulative) of check_job and the hand-written loop on {MEMORY_SIZE:,} projects")
    args = ap.parse_args(argv)
    if args.report:
        print(text_report(json.loads(args.report.read_text(encoding="utf-8"))))
        return 0
    previous = json.loads(args.resume.read_text(encoding="utf-8")) if args.resume else None
    if previous:
        # The same settings, data and code as the saved rounds.
        args.projects, args.rounds, args.seed = previous["projects"], previous["rounds"], previous["seed"]
        args.contenders, args.variants = ",".join(previous["contenders"]), ",".join(previous["variants"])
        args.save, args.no_snapshot = args.resume, previous["code"]["snapshot"] is None
    if args.no_snapshot:
        return _main(args, ap, None, previous)
    if previous:
        snap_dir = Path(previous["code"]["folder"])
        if not snap_dir.is_dir():
            ap.error(f"the code measured in {args.resume} ({snap_dir}) is gone: cannot resume")
    else:
        # Kept until the run is complete (in bench/data/, git-ignored), so a run can be resumed.
        generate.DATA.mkdir(parents=True, exist_ok=True)
        snap_dir = Path(tempfile.mkdtemp(prefix="code-", dir=generate.DATA))
    status = _main(args, ap, snap_dir, previous)
    shutil.rmtree(snap_dir, ignore_errors=True)
    return status


def _main(args, ap, snap_dir: Path | None, previous: dict | None = None) -> int:
    code = (snapshot(snap_dir, copy=previous is None) if snap_dir else None)
    if previous and code != previous["code"]["snapshot"]:
        ap.error(f"the saved code changed since the saved rounds ({code} ≠ {previous['code']['snapshot']})")
    if args.profile_only:
        print(profiles(args.seed, ["warm", "cold"], lambda *a: print(*a, file=sys.stderr)))
        return 0
    projects = args.projects or (MEMORY_SIZE if args.quick else 10_000)
    rounds = args.rounds or (3 if args.quick else 5)
    variants = [v for v in args.variants.split(",") if v]
    if not set(variants) <= {"warm", "cold"} or not variants:
        ap.error("--variants: warm, cold or warm,cold")
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else (lambda *a: print(*a, flush=True))

    r: dict = previous or {
        "machine": machine(), "projects": projects, "rounds": rounds, "seed": args.seed,
        "code": {"snapshot": code, "commit": _commit(), "folder": str(snap_dir) if snap_dir else None}}
    if previous:
        r["resumed"] = r.get("resumed", []) + [{"date": machine()["date"], "after_round": previous["rounds_done"]}]
    files = {v: ensure(projects, args.seed, v == "cold", log) for v in variants}
    small = ensure(MEMORY_SIZE, args.seed, False, log)
    with tempfile.TemporaryDirectory(prefix="perfrules-bench-") as tmp_name:
        tmp = Path(tmp_name)
        pack = core_pack(tmp / "core")
        vocab = contenders.vocab_of(pack.compiled.env)
        vocab_path = tmp / "vocab.json"
        vocab_path.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        all_c = {c.name: c for c in make_contenders(tmp / "core", vocab_path, peers=not args.no_peers)}
        names = args.contenders.split(",") if args.contenders else [n for n in DEFAULT if n in all_c]
        unknown = [n for n in names if n not in all_c]
        if unknown:
            ap.error(f"unknown or unavailable contenders {unknown}; choose from {sorted(all_c)}")
        chosen = [all_c[n] for n in names]
        r["contenders"], r["variants"] = names, variants

        indicators: dict = {}
        if not previous:
            log("reading cost and data …")
            v = contenders.Vocab(vocab)
            vague, state = v.vague, v.state
            r["data"] = {}
            for v, path in files.items():
                n_proj, n_ind = generate.count_indicators(path)
                r["data"][v] = {"file": str(path.relative_to(ROOT)), "projects": n_proj, "indicators": n_ind,
                                "reading": reading_cost(value_strings(path), vague, state),
                                "repeated_across_projects": repeated_across_projects(path)}
            if "cold" in files:
                r["reading_changes"] = reading_changes(min(projects, 2000), args.seed, vocab)

        plan = []
        for c in chosen:
            if c.per_variant:
                for v, path in files.items():
                    plan.append((c, v, path, r["data"][v]["indicators"]))
            else:
                data = small if c.data == "small" else files[variants[0]]
                plan.append((c, "once", data, generate.count_indicators(data)[1] if c.data == "small" else None))
        for c, v, _, n in plan:
            if n:
                indicators[f"{c.name}/{v}"] = n

        # One untimed run of each program on a few projects: bytecode and perfrules' parse
        # cache on disk, as for any second run.
        warm_up = tmp / "warm-up.jsonl"
        generate.write(10, args.seed, warm_up)
        for c in chosen:
            measured(c.command(warm_up, tmp / "warm-up.out"), log)

        log(f"{rounds} rounds of {len(plan)} runs …")
        save = args.save or generate.DATA / f"run-{time.strftime('%Y%m%d-%H%M%S')}.json"

        def done(result: dict, k: int) -> None:
            # After every round: the summary so far, on disk (a run stopped early keeps its rounds).
            assemble(r, result, indicators, names, projects, k)
            save.parent.mkdir(parents=True, exist_ok=True)
            save.write_text(json.dumps(_round(r), ensure_ascii=False), encoding="utf-8")
        log(f"results after every round: {save}")
        first = previous["rounds_done"] + 1 if previous else 1
        run_rounds(plan, rounds, tmp, log, done, first, previous and previous.get("raw"))
    r["machine"]["loadavg_at_end"] = _load()
    if args.profile:
        log("profile …")
        r["profile"] = profiles(args.seed, variants, log)
    r = _round(r)
    save.write_text(json.dumps(r, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(r, ensure_ascii=False) if args.json else text_report(r))
    failed = [k for k, v in r["targets"].items() if v["met"] is False]
    if failed:
        log(f"targets missed: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
