"""The column-wise back end against the row engine, on the same indicator sets.

    python bench/columnar.py [--input FILE.jsonl | --projects 10000] [--rounds 3] [-p national]

Reads the JSON Lines file once (not timed), then times, interleaved round by round (the order
alternating), ``[runner.run(packs, s) for s in sets]`` (row) and ``columnar.run_batch(packs,
sets)`` (columnar), each from cold caches: the 指标值 reader's memo and the back end's answers
kept per distinct cell are cleared before every timed run, so no contender profits from the
one before it. Both results are asserted identical (``Result.to_dict()``, set by set) every
round. Prints indicators per second by wall clock and by CPU time (polars' threads included),
min / median / max over the rounds, and the speed-up of the medians.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def load(path: Path, limit: int | None):
    from perfrules.pipeline import load_job, records
    sets = []
    for k, job in enumerate(records(str(path))):
        if limit is not None and k >= limit:
            break
        sets += [x.iset for x in load_job(job) if hasattr(x, "iset")]
    return sets


def cold() -> None:
    """Forget every answer kept between runs (the reader's memo, the back end's tables)."""
    from perfrules.data import values
    from perfrules.engine import columnar
    values._read.cache_clear()
    columnar._PLANS.clear()
    gc.collect()


def timed(fn):
    cold()
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, help="a JSON Lines file (default: generate --projects of them)")
    ap.add_argument("--projects", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-p", "--pack", action="append", dest="packs")
    args = ap.parse_args(argv)
    from perfrules.engine import columnar
    from perfrules.engine.runner import run
    from perfrules.pipeline import load_packs
    if columnar.unavailable():
        print(columnar.unavailable(), file=sys.stderr)
        return 2
    path = args.input
    if path is None:
        import generate
        path, _ = generate.write(args.projects)
    packs = load_packs(args.packs or ["national"])
    sets = load(path, None if args.input else args.projects)
    n = sum(len(s.indicators) for s in sets)
    print(f"{path}: {len(sets)} projects, {n} indicators; packs {', '.join(p.label for p in packs)}")
    contenders = {"row": lambda: [run(packs, s) for s in sets],
                  "columnar": lambda: columnar.run_batch(packs, sets, strict=True)}
    wall: dict[str, list] = {k: [] for k in contenders}
    cpu: dict[str, list] = {k: [] for k in contenders}
    for r in range(args.rounds):
        order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
        got = {}
        for name in order:
            got[name], w, c = timed(contenders[name])
            wall[name].append(n / w)
            cpu[name].append(n / c)
            print(f"  round {r + 1} {name:<8} {n / w:>9,.0f} indicators/s wall  {n / c:>9,.0f} /s CPU", flush=True)
        a, b = got["row"], got["columnar"]
        assert len(a) == len(b) and all(x.to_dict() == y.to_dict() for x, y in zip(a, b)), "results differ"
    print("\n| engine | wall min | wall median | wall max | CPU min | CPU median | CPU max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in contenders:
        ws, cs = wall[name], cpu[name]
        print(f"| {name} | {min(ws):,.0f} | {statistics.median(ws):,.0f} | {max(ws):,.0f} | "
              f"{min(cs):,.0f} | {statistics.median(cs):,.0f} | {max(cs):,.0f} |")
    print(f"\nspeed-up (medians): wall {statistics.median(wall['columnar']) / statistics.median(wall['row']):.2f}×, "
          f"CPU {statistics.median(cpu['columnar']) / statistics.median(cpu['row']):.2f}×; "
          f"results identical in every round ({len(sets)} sets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
