"""A million indicator rows: one machine's ``-j 2`` against the Dask path, same input, same output.

    python bench/million.py [--projects 87000] [--rounds 3] [--seed 7] [--workers 2] [--json]

Generates (once, git-ignored) ``bench/data/indicators-87000-s7-v2.jsonl`` — 87,000 projects,
just over 1,000,000 indicator rows — and runs, round-robin for ``--rounds`` rounds:

  single    ``perfrules check DATA -p national -j 2 --format jsonl -o OUT.jsonl``
            (the default engine: records judged column-wise in batches)
  cluster   ``perfrules check DATA -p national --scheduler local:2 --rollup ROLLUP.json
            --format jsonl -o OUT.jsonl`` (a distributed.LocalCluster of two worker processes,
            16 MB partitions, part files joined, the summary tree-reduced, the roll-up written)

Each run is measured as in ``run.py`` (wall time of the whole process, CPU time of the tree it
waited for, the peak of the process tree's summed resident memory sampled from /proc). Every
round both outputs must be the same bytes (they are compared by SHA-256): the run fails
otherwise. Prints min / median / max per contender and the roll-up's first lines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py)
import run as bench  # noqa: E402  (bench/run.py: measuring a child process)


def commands(data: Path, out: Path, workers: int) -> dict[str, list[str]]:
    base = bench.perfrules_cmd() + ["check", str(data), "-p", "national", "--format", "jsonl"]
    return {
        "single": base + ["-j", str(workers), "-o", str(out / "single.jsonl")],
        "cluster": base + ["--scheduler", f"local:{workers}", "--rollup", str(out / "rollup.json"),
                           "-o", str(out / "cluster.jsonl")],
    }


def count_rows(path: Path) -> tuple[int, int]:
    """(projects, indicator rows) of a generated JSON Lines file."""
    import orjson
    projects = rows = 0
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                projects += 1
                rows += len(orjson.loads(line).get("绩效指标") or ())
    return projects, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=87000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)
    data = generate.default_path(args.projects, args.seed)
    if not data.exists():
        log(f"writing {data} …")
        generate.write(args.projects, args.seed, data)
    projects, rows = count_rows(data)
    log(f"{data.name}: {projects:,} projects, {rows:,} indicator rows, {data.stat().st_size / 2**20:,.0f} MiB")
    runs: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="perfrules-million-") as tmp:
        out = Path(tmp)
        cmds = commands(data, out, args.workers)
        for r in range(1, args.rounds + 1):
            order = list(cmds) if r % 2 else list(reversed(cmds))  # alternate who goes first
            digests = {}
            for name in order:
                for f in out.glob(f"{name}.jsonl*"):
                    if f.is_file():
                        f.unlink()
                m = bench.measured(cmds[name], log)
                runs.setdefault(name, []).append(m)
                digests[name] = bench.digest(out / f"{name}.jsonl")
                log(f"  round {r}/{args.rounds} {name:<8} {m.wall:8.1f} s wall {m.cpu:8.1f} s CPU "
                    f"{(m.tree_mb or 0):7.0f} MiB tree ({m.processes} processes)")
            if len(set(digests.values())) != 1:
                raise AssertionError(f"round {r}: the outputs differ: {digests}")
            log(f"  round {r}: the same output, byte for byte (sha256 {digests['single'][:16]}…)")
        rollup = json.loads((out / "rollup.json").read_text("utf-8"))
    result = {"machine": bench.machine(), "data": data.name, "projects": projects, "rows": rows,
              "rounds": args.rounds, "workers": args.workers, "contenders": {}}
    for name, ms in runs.items():
        wall = bench.spread([m.wall for m in ms])
        result["contenders"][name] = {
            "command": " ".join(cmds[name]).replace(str(out), "OUT"),
            "wall_s": wall, "cpu_s": bench.spread([m.cpu for m in ms]),
            "tree_mib": bench.spread([m.tree_mb or 0 for m in ms]),
            "rows_per_s": {"min": rows / wall["max"], "median": rows / wall["median"], "max": rows / wall["min"]},
            "rows_per_cpu_s": rows / statistics.median(m.cpu for m in ms),
            "load_1min": [m.load for m in ms]}
    result["rollup_departments"] = len(rollup["by_department"])
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"{projects:,} projects, {rows:,} indicator rows; {args.rounds} rounds, interleaved; "
          f"outputs identical every round")
    print("| run | wall s (min / median / max) | rows/s (median wall) | CPU s (median) | rows per CPU-s | "
          "tree MiB (min / median / max) |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for name, c in result["contenders"].items():
        w, t = c["wall_s"], c["tree_mib"]
        print(f"| {name} | {w['min']:.1f} / {w['median']:.1f} / {w['max']:.1f} | {c['rows_per_s']['median']:,.0f} | "
              f"{c['cpu_s']['median']:.1f} | {c['rows_per_cpu_s']:,.0f} | {t['min']:.0f} / {t['median']:.0f} / {t['max']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
