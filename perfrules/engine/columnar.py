"""The column-wise back end: many indicator sets judged at once, the row engine kept as the reference.

``run_batch(packs, isets)`` gives exactly what ``[runner.run(packs, s) for s in isets]`` gives
(the same results, findings, "not applicable" and score sheets, in the same order), faster
when most rules pass on most rows:

1. **vectorise** (columnar_plan, once per pack): each statement of each rule becomes a
   condition saying where it gives *no event* at all. Conditions on a row's own cells are the
   row engine's own closures (the rule compiled again), run once per distinct combination of
   those cells and kept across batches (dictionary encoding: the 指标值 reader runs once per
   distinct text); conditions on the project run once per project, their counts found
   column-wise; 且/或/并非 and the statements are combined in polars (columnar_eval).
2. **select**: per indicator set and rule, the rule is skipped where it gives nothing, else
   only the rows (and project statements) that may give something are run — by the row
   engine (``runner.run(plan=…)``), which builds every finding, message and score as always.
   What is left out gives no event, so the result is the row engine's by construction.

polars is optional (``pip install perfrules[columnar]``): without it ``run_batch`` runs the row
engine and says so. ``python -m perfrules.engine.columnar --explain national`` lists which
statements of a pack are judged column-wise.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

BATCH = 4096  # indicator sets per frame


class ColumnarUnavailable(RuntimeWarning):
    """The column-wise back end cannot run here (polars is not installed): the row engine ran."""


# polars maps ~0.4 GB of address space when imported; under a tighter RLIMIT_AS (a sandbox, the
# fuzzer's workers) that leaves too little for the input, so --engine auto keeps to the row engine.
ADDRESS_SPACE_MIN = 2 << 30


def unavailable(auto: bool = False) -> str | None:
    """Why the column-wise back end cannot run (None: it can); ``auto``: also why --engine auto
    should not choose it here."""
    if auto and sys.platform != "win32":
        import resource
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY and soft < ADDRESS_SPACE_MIN:
            return f"进程地址空间上限为 {soft >> 20} MB (the address space is limited to {soft >> 20} MB)"
    import importlib.util
    # Looked for, not imported: the parent of a -j run decides, and only its workers need polars
    # (should the import fail there, the Planner runs the row engine and says so).
    if importlib.util.find_spec("polars") is None:
        return "未安装 polars，使用逐行引擎 (polars is not installed: the row engine runs; pip install perfrules[columnar])"
    return None


_PLANS: dict[int, tuple] = {}  # id(compiled pack) → (the compiled pack, its PackPlan)


def plan_of(pack):
    """A pack's verdict programs (columnar_plan.PackPlan), built once per compiled pack."""
    from .columnar_plan import PackPlan
    got = _PLANS.get(id(pack.compiled))
    if got is None or got[0] is not pack.compiled:
        if len(_PLANS) > 64:
            _PLANS.clear()
        got = _PLANS[id(pack.compiled)] = (pack.compiled, PackPlan(pack))
    return got[1]


def vectorised(pack) -> list[tuple[str, int | None, str, str, str]]:
    """Which statements of a pack are judged column-wise: (rule id, statement number from 1
    or None for the whole rule, statement text, columnar | partly | row, why)."""
    from .columnar_plan import NotPlanned
    out = []
    for r in plan_of(pack).rules:
        if isinstance(r, NotPlanned):
            out.append((r.rule.id, None, r.rule.title, "row", r.why))
            continue
        for k, s in enumerate(r.stmts, 1):
            why = s.why or "；".join(s.partly)
            out.append((r.rule.id, k, s.text, s.status, why))
    return out


def run_batch(packs: Sequence, isets: Sequence, related: Sequence | None = None, *,
              strict: bool = False) -> list:
    """``[runner.run(packs, s, related) for s in isets]``, judged column-wise where it can be
    (see the module's doc). ``related``: per set, the same project's other stages (or None).
    Without polars the row engine runs, with a :class:`ColumnarUnavailable` warning; should
    the column-wise pass itself fail, the batch runs on the row engine (``strict``: raise)."""
    from .runner import run
    isets = list(isets)
    rel = list(related) if related is not None else [None] * len(isets)
    why = unavailable()
    if why is not None:
        warnings.warn(why, ColumnarUnavailable, stacklevel=2)
        return [run(packs, s, r) for s, r in zip(isets, rel)]
    out = []
    for start in range(0, len(isets), BATCH):
        chunk, chunk_rel = isets[start:start + BATCH], rel[start:start + BATCH]
        planner = Planner(packs, chunk, chunk_rel, strict=strict)
        out += [run(packs, s, r, plan=planner.plan(p, packs)) for p, (s, r) in enumerate(zip(chunk, chunk_rel))]
    return out


class Planner:
    """The column-wise verdicts of some packs on a batch of indicator sets: ``plan(p, use)``
    is what ``runner.run(use, sets[p], plan=…)`` takes for any of those packs (the pipeline
    chooses packs set by set). If the pass fails, every plan is None: the row engine runs
    (``strict``: the error is raised)."""

    def __init__(self, packs: Sequence, isets: Sequence, related: Sequence | None = None, *, strict: bool = False):
        from .columnar_eval import Batch, Verdicts
        self.verdicts: dict[int, object] = {}
        if not packs or not isets:
            return
        try:
            plans = [plan_of(p) for p in packs]
            rel = related if related is not None and any(r is not None for r in related) else None
            batch = Batch(isets, set().union(*(pl.attrs for pl in plans)), rel)
            self.verdicts = {id(p): Verdicts(pl, batch) for p, pl in zip(packs, plans)}
        except Exception as e:  # noqa: BLE001 - the row engine is the reference: it runs instead
            if strict:
                raise
            self.verdicts = {}
            warnings.warn(f"列式引擎出错，改用逐行引擎 (the column-wise pass failed, the row engine runs): {e!r}",
                          ColumnarUnavailable, stacklevel=2)

    def plan(self, p: int, packs: Sequence) -> list | None:
        """Set ``p``'s plan for ``packs`` (None: run them in full)."""
        got = [self.verdicts.get(id(pack)) for pack in packs]
        if not got or any(v is None for v in got):
            return None
        return [v.project(p) for v in got]


def explain_text(pack) -> str:
    """A pack's statements and how each is judged, one line each (``--explain``)."""
    rows = vectorised(pack)
    shown = {"columnar": "列式", "partly": "部分列式", "row": "逐行"}
    lines = [f"{pack.label}: 列式 (column-wise) {sum(r[3] == 'columnar' for r in rows)}，"
             f"部分 (partly) {sum(r[3] == 'partly' for r in rows)}，逐行 (row engine) {sum(r[3] == 'row' for r in rows)}"]
    for rid, k, text, status, why in rows:
        at = f"{rid}" + (f"#{k}" if k is not None else "")
        lines.append(f"  {at:<10} {shown[status]:<4} {text}" + (f"  ← {why}" if why else ""))
    items = pack.compiled.items
    if items:
        lines.append(f"  评分项 {len(items)} 个：逐行计分 (score items: scored by the row engine): "
                     + "、".join(it.path for it in items[:8]) + (" …" if len(items) > 8 else ""))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m perfrules.engine.columnar",
                                 description="Which statements of a pack the column-wise back end judges.")
    ap.add_argument("--explain", nargs="+", metavar="PACK", required=True, help="pack names or folders")
    args = ap.parse_args(argv)
    from .packs import load_pack
    for spec in args.explain:
        print(explain_text(load_pack(spec)))
    why = unavailable()
    if why:
        print(why, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
