"""Running verdict programs (columnar_plan) over a batch of indicator sets with polars.

A batch is one frame, one row per indicator (``pid``: the project's place in the batch) with
the cells the programs read; a project frame holds what is computed per project. From them,
per rule and project: ``SKIP`` when the rule gives no event there, else which rows of each
statement the row engine must run (:class:`ProjectPlan`, what ``runner.run(plan=…)`` takes).

Only selection happens here: no score, figure or message is computed with polars.
"""

from __future__ import annotations

import json
from decimal import Decimal
from operator import attrgetter

import polars as pl

from ..data.indicators import Indicator, IndicatorSet
from ..data.terms import BLANK, is_blank
from . import columnar_plan as cp
from .columnar_shape import PARTS
from .context import Context
from .runner import SKIP
from .vocab import _same_name

I8 = pl.Int8
_MISSING = object()
# Distinct cell combinations kept per condition across batches (and texts read, names keyed):
# a cache is emptied when full, so a worker's memory stays flat however long the input.
CACHE_MAX = 1 << 14
_DECIMAL = frozenset({"weight", "score", "level1_weight"})


def _cell(attr: str, v):
    """A cell as a frame holds it: text as is, a number as its exact decimal text, a list as JSON."""
    if v is None:
        return None
    if attr in _DECIMAL:
        return str(v)
    if attr == "evidence":
        return json.dumps(list(v), ensure_ascii=False) if v else "[]"
    return v


def _value(attr: str, v):
    """A frame's cell back as the model holds it (the inverse of :func:`_cell`)."""
    if v is None:
        return () if attr == "evidence" else None
    if attr in _DECIMAL:
        return Decimal(v)
    if attr == "evidence":
        return tuple(json.loads(v))
    return v


def _safe(fn, *args):
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - the row engine meets the same and reports it
        return None


class Batch:
    """Indicator sets as one frame: a row per indicator, the cells in ``attrs`` as columns."""

    def __init__(self, isets, attrs_, related=None):
        self.isets = list(isets)
        self.related = related
        sizes = [len(s.indicators) for s in self.isets]
        self.starts = []
        at = 0
        for k in sizes:
            self.starts.append(at)
            at += k
        self.pid = [p for p, k in enumerate(sizes) for _ in range(k)]
        inds = [x for s in self.isets for x in s.indicators]
        cols = {"pid": pl.Series("pid", self.pid, dtype=pl.Int32)}
        for a in sorted(attrs_):
            get = attrgetter(a)
            values = [get(x) for x in inds]
            if a in _DECIMAL or a == "evidence":
                values = [_cell(a, v) for v in values]
            cols[a] = pl.Series(a, values, dtype=pl.String)
        scored = [bool(s.scores) for s in self.isets]
        cols["_scored"] = pl.Series("_scored", [scored[p] for p in self.pid], dtype=pl.Boolean)
        self.rows = pl.DataFrame(cols)

    def __len__(self) -> int:
        return len(self.isets)


class _Rows:
    """One indicator per distinct combination of cells, made when first read."""

    def __init__(self, cols: tuple[str, ...], keys: list[tuple]):
        self.cols, self.keys = cols, keys
        self._made: dict[int, Indicator] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, k: int) -> Indicator:
        x = self._made.get(k)
        if x is None:
            x = self._made[k] = Indicator(**{a: _value(a, v) for a, v in zip(self.cols, self.keys[k])})
        return x


class _KeyContext(Context):
    """The row engine's context over those indicators, its 指标值/实际完成值 readings taken
    from the pack's table (each distinct text read once, across batches)."""

    def __init__(self, rows: _Rows, env, readings: dict):
        super().__init__(IndicatorSet((None,) * len(rows)), env)
        self.indicators = rows
        self._readings = readings

    def _read(self, text):
        v = self._readings.get(text)
        if v is None:
            if len(self._readings) > CACHE_MAX:
                self._readings.clear()
            v = self._readings[text] = super()._read(text)
        return v


class _Group:
    """The batch's distinct combinations of some cells (a key number per row), and the row
    engine's context over one indicator per combination."""

    def __init__(self, rows: pl.DataFrame, cols: tuple[str, ...], env, readings: dict):
        if cols:
            keys = rows.select(list(cols)).unique(maintain_order=True)
            self.keys = keys.rows()
            numbered = keys.with_row_index("_kid")
            self.kid = rows.select(list(cols)).join(numbered, on=list(cols), how="left", nulls_equal=True,
                                                    maintain_order="left")["_kid"]
        else:
            self.keys = [()]
            self.kid = pl.Series("_kid", [0] * rows.height, dtype=pl.UInt32)
        self.ctx = _KeyContext(_Rows(cols, self.keys), env, readings)


class PackEval:
    """One pack's codes and clean conditions over one batch, each computed only where it can
    matter (``mask``: the rows, ``want``: the projects): a part of 且 after a known false, of
    或 after a known true, a consequence where its condition is not true … is not computed.
    What is not computed is null (not known), which never makes a row look clean."""

    def __init__(self, plan, batch: Batch):
        self.plan, self.batch, self.env = plan, batch, plan.pack.compiled.env
        self.n, self.rows = len(batch), batch.rows
        self.pid = batch.rows["pid"]
        self._groups: dict[tuple, _Group] = {}
        self._leaf: dict[int, tuple[list, bytearray]] = {}   # id(leaf) → (code per key, computed?)
        self._proj: dict[int, list] = {}                     # id(ProjCode) → code per project
        self._counts: dict[int, tuple] = {}                  # id(Count) → (totals, known, done)
        self._ctx: list[Context | None] = [None] * self.n
        self._parts: dict[str, list] = {}
        self._dup: pl.Series | None = None

    # ---- masks ----------------------------------------------------------------------------------

    def everywhere(self) -> pl.Series:
        return pl.Series([True] * self.rows.height, dtype=pl.Boolean)

    def projects_of(self, mask: pl.Series) -> list[bool]:
        want = [False] * self.n
        for p in self.pid.filter(mask).unique().to_list():
            want[p] = True
        return want

    def rows_of(self, want: list[bool]) -> pl.Series:
        return pl.Series(want, dtype=pl.Boolean).gather(self.pid) if self.n else self.everywhere()

    # ---- the row engine's closures, once per distinct cell or project --------------------------

    def ctx(self, p: int) -> Context:
        c = self._ctx[p]
        if c is None:
            rel = self.batch.related[p] if self.batch.related is not None else None
            c = self._ctx[p] = Context(self.batch.isets[p], self.env, rel)
        return c

    def leaf(self, leaf: cp.RowLeaf, mask: pl.Series) -> pl.Series:
        """A condition on rows' cells: once per distinct combination of the cells (kept across
        batches in ``leaf.cache``), for the combinations on the rows of ``mask``."""
        g = self._groups.get(leaf.attrs)
        if g is None:
            g = self._groups[leaf.attrs] = _Group(self.rows, leaf.attrs, self.env, self.plan.readings)
        got = self._leaf.get(id(leaf))
        if got is None:
            got = self._leaf[id(leaf)] = ([None] * len(g.keys), bytearray(len(g.keys)))
        codes, done = got
        todo = [k for k in g.kid.filter(mask).unique().to_list() if not done[k]]
        if todo:
            cache, keys, fn = leaf.cache, g.keys, leaf.fn
            if len(cache) + len(todo) > CACHE_MAX:
                cache.clear()
            for k in todo:
                v = cache.get(keys[k], _MISSING)
                if v is _MISSING:
                    v = cache[keys[k]] = _safe(fn, g.ctx, k)
                codes[k], done[k] = v, 1
        out = pl.Series(codes, dtype=I8).gather(g.kid)
        if leaf.taint:  # 分值/得分 left blank are looked up in a score sheet: not known here
            out = _where(self._looked_up(leaf.taint), None, out)
        return out

    def _looked_up(self, attrs_: tuple) -> pl.Series:
        return self.rows.select(pl.col("_scored") & pl.any_horizontal([pl.col(a).is_null() for a in attrs_])).to_series()

    def dup(self) -> pl.Series:
        """重复: a name's key once per distinct name, then names counted per project."""
        if self._dup is None:
            cache = self.plan.dup_cache
            names = self.rows["name"].unique().to_list()
            if len(cache) + len(names) > CACHE_MAX:
                cache.clear()
            for x in names:
                if x not in cache:
                    key = _same_name(x)
                    cache[x] = (key, key in BLANK or is_blank(x))
            keys = pl.DataFrame({"name": names, "_dk": [cache[x][0] for x in names],
                                 "_du": [cache[x][1] for x in names]},
                                schema={"name": pl.String, "_dk": pl.String, "_du": pl.Boolean})
            rows = self.rows.select("pid", "name").join(keys, on="name", how="left", nulls_equal=True,
                                                        maintain_order="left")
            self._dup = rows.select(pl.when(pl.col("_du")).then(pl.lit(cp.U, I8))
                                    .when(pl.len().over("pid", "_dk") > 1).then(pl.lit(cp.T, I8))
                                    .otherwise(pl.lit(cp.F, I8))).to_series()
        return self._dup

    def part(self, name: str) -> list:
        """A part of each indicator set (columnar_shape.PARTS: its stage, its budget …)."""
        got = self._parts.get(name)
        if got is None:
            get = PARTS[name]
            got = self._parts[name] = [get(s) for s in self.batch.isets]
        return got

    def counts(self, count: cp.Count, want: list[bool]) -> tuple[list, list]:
        """A count per wanted project, and whether it is known (no row left undecided here)."""
        got = self._counts.get(id(count))
        if got is None:
            got = self._counts[id(count)] = ([0] * self.n, [False] * self.n, [False] * self.n)
        total, known, done = got
        todo = [p for p in range(self.n) if want[p] and not done[p]]
        if not todo:
            return total, known
        if not count.conds:
            starts, rows = self.batch.starts, self.rows.height
            for p in todo:
                total[p], known[p] = (starts[p + 1] if p + 1 < self.n else rows) - starts[p], True
        else:
            mask = self.rows_of([bool(x) and not d for x, d in zip(want, done)])
            codes, m = [], mask
            for c in count.conds:  # a row not counted for one condition needs no other
                code = self.row(c, m)
                codes.append(code)
                m = m & (code == cp.T).fill_null(True)
            frame = pl.DataFrame({"pid": self.pid, "m": mask, **{f"c{j}": c for j, c in enumerate(codes)}})
            cols = [pl.col(f"c{j}") for j in range(len(codes))]
            yes = pl.all_horizontal([c == cp.T for c in cols]).fill_null(False)
            no = pl.any_horizontal([c <= cp.U for c in cols]).fill_null(False)
            agg = (frame.lazy().filter(pl.col("m")).select("pid", yes.alias("y"), (~yes & ~no).alias("u"))
                   .group_by("pid").agg(pl.col("y").sum(), pl.col("u").any()).collect())
            for p in todo:
                total[p], known[p] = 0, True
            for p, y, u in agg.iter_rows():
                total[p], known[p] = y, not u
        for p in todo:
            done[p] = True
        return total, known

    def proj(self, code: cp.ProjCode, want: list[bool]) -> list:
        """A project condition for the wanted projects, by the row engine's closure with the
        counts handed in; once per distinct combination of what it reads, where that is known
        (kept across batches). A project not wanted may be left out (_MISSING)."""
        vals = self._proj.get(id(code))
        if vals is None:
            vals = self._proj[id(code)] = [_MISSING] * self.n
        todo = [p for p in range(self.n) if want[p] and vals[p] is _MISSING]
        if not todo:
            return vals
        need = [False] * self.n
        for p in todo:
            need[p] = True
        counts = [(id(c.key), *self.counts(c, need)) for c in code.counts]
        fn, cache = code.fn, code.cache
        if len(cache) > CACHE_MAX:
            cache.clear()
        keys = self._keys(code, counts, todo)
        for p, key in zip(todo, keys):
            hit = cache.get(key, _MISSING) if key is not None else _MISSING
            if hit is not _MISSING:
                vals[p] = hit
                continue
            ctx = self.ctx(p)
            for k, total, known in counts:
                if known[p]:
                    ctx.memo[k] = Decimal(total[p])
            vals[p] = _safe(fn, ctx)
            if key is not None:
                cache[key] = vals[p]
        return vals

    def _keys(self, code: cp.ProjCode, counts: list, todo: list[int]) -> list:
        """What a project condition reads of each project (its parts, its counts) as a key, or
        None where that is not known (a count left undecided, a part that cannot be a key)."""
        if code.parts is None:
            return [None] * len(todo)
        parts = [self.part(x) for x in code.parts]
        keys = [(tuple(x[p] for x in parts), tuple(total[p] for _, total, _ in counts)) for p in todo]
        if counts:
            keys = [k if all(known[p] for _, _, known in counts) else None for p, k in zip(todo, keys)]
        try:
            hash(tuple(keys))
        except TypeError:  # a part that cannot be a key (a list in a declared field)
            keys = [None] * len(todo)
        return keys

    # ---- codes and clean conditions ---------------------------------------------------------

    def row(self, code: cp.Code, mask: pl.Series) -> pl.Series:
        """A code per row (null where not known or not computed), for the rows of ``mask``."""
        if isinstance(code, cp.RowLeaf):
            return self.leaf(code, mask)
        if isinstance(code, cp.ProjCode):
            vals = self.proj(code, self.projects_of(mask))
            return pl.Series([None if v is _MISSING else v for v in vals], dtype=I8).gather(self.pid)
        if isinstance(code, cp.Dup):
            return self.dup()
        if isinstance(code, cp.Not):
            return _not(self.row(code.part, mask))
        if isinstance(code, (cp.And, cp.Or)):
            decided = cp.F if isinstance(code, cp.And) else cp.T
            acc = self.row(code.parts[0], mask)
            for part in code.parts[1:]:
                open_ = mask & (acc != decided).fill_null(True)
                acc = _kleene(acc, self.row(part, open_), decided)
            return acc
        return pl.Series([None] * self.rows.height, dtype=I8)

    def clean(self, x, mask: pl.Series) -> pl.Series:
        """Where a clean condition (columnar_plan) is known to hold, within ``mask``."""
        if isinstance(x, cp.Is):
            return (self.row(x.code, mask) == x.value).fill_null(False) & mask
        if isinstance(x, cp.All):
            acc = mask
            for part in x.parts:
                acc = acc & self.clean(part, acc)
            return acc
        acc = pl.Series([False] * self.rows.height, dtype=pl.Boolean)
        for part in x.parts:
            acc = acc | self.clean(part, mask & ~acc)
        return acc

    def pclean(self, x, want: list[bool]) -> list[bool]:
        """The same for a statement on the project, per project."""
        if isinstance(x, cp.Is):
            if not isinstance(x.code, cp.ProjCode):
                return [False] * self.n
            vals = self.proj(x.code, want)
            return [w and v == x.value for w, v in zip(want, vals)]
        if isinstance(x, cp.All):
            acc = list(want)
            for part in x.parts:
                acc = [a and b for a, b in zip(acc, self.pclean(part, acc))]
            return acc
        acc = [False] * self.n
        for part in x.parts:
            got = self.pclean(part, [w and not a for w, a in zip(want, acc)])
            acc = [a or b for a, b in zip(acc, got)]
        return acc


def _where(cond: pl.Series, value, other: pl.Series) -> pl.Series:
    return pl.select(pl.when(cond).then(pl.lit(value, I8)).otherwise(other)).to_series()


def _not(x: pl.Series) -> pl.Series:
    """并非 on codes: true and false swap, unknown and null stay."""
    return (x.cast(pl.Int16) * -1 + cp.T).cast(I8)


def _kleene(a: pl.Series, b: pl.Series, decided: int) -> pl.Series:
    """且 (``decided`` false) or 或 (``decided`` true) on codes, null where not known: the
    deciding value wins, else null, else the lower (且) or higher (或) code."""
    frame = pl.DataFrame({"a": a, "b": b})
    pick = pl.min_horizontal("a", "b") if decided == cp.F else pl.max_horizontal("a", "b")
    return frame.select(pl.when((pl.col("a") == decided) | (pl.col("b") == decided)).then(pl.lit(decided, I8))
                        .when(pl.col("a").is_null() | pl.col("b").is_null()).then(pl.lit(None, I8))
                        .otherwise(pick).cast(I8)).to_series()


# ---- per rule and project: skip it, or which rows to run -------------------------------------

class ProjectPlan:
    """What ``runner.run(plan=…)`` reads for one pack on one indicator set of the batch."""

    __slots__ = ("verdicts", "p")

    def __init__(self, verdicts: "Verdicts", p: int):
        self.verdicts, self.p = verdicts, p

    def get(self, r: int):
        return self.verdicts.select(r, self.p)


class Verdicts:
    """One pack's verdicts on a batch: per planned rule, the projects where it gives no event
    (``skip``), and where it may, the rows (or project statements) that may give one."""

    def __init__(self, plan: cp.PackPlan, batch: Batch):
        self.plan, self.batch = plan, batch
        ev = PackEval(plan, batch)
        self.rows: dict[tuple[int, int], dict[int, tuple]] = {}
        self.pneed: dict[tuple[int, int], list] = {}
        self.skip: dict[int, list] = {}
        for r, rp in plan.planned.items():
            self.skip[r] = self._rule(ev, rp)

    def _rule(self, ev: PackEval, rp: cp.RulePlan) -> list:
        """A rule's statements judged where they can run (no 当 known false, no row left out
        by a 当 on rows); where it gives no event: every 当 true, nothing to run, and
        (不适用于) a project of the category."""
        every = [True] * ev.n
        whens = [ev.proj(w, every) for w in rp.pwhens]
        live = [all(v[p] != cp.F for v in whens) for p in range(ev.n)]
        skip = [all(v[p] == cp.T for v in whens) for p in range(ev.n)]
        mask = ev.rows_of(live)
        for w in rp.iwhens:  # a row where a 当 is false or unknown is not run
            mask = mask & ~(ev.row(w, mask) <= cp.U).fill_null(False)
        for k, sp in enumerate(rp.stmts):
            if sp.why is not None:
                skip = [False] * ev.n
                continue
            if sp.force is not None:
                skip = [s and v == cp.F for s, v in zip(skip, ev.proj(sp.force, every))]
            if sp.level == "row":
                self.rows[(rp.index, k)] = by = self._by_project((mask & ~ev.clean(sp.clean, mask)).arg_true())
                for p in by:
                    skip[p] = False
            else:
                clean = ev.pclean(sp.clean, live)
                self.pneed[(rp.index, k)] = need = [w and not c for w, c in zip(live, clean)]
                skip = [s and not x for s, x in zip(skip, need)]
        return skip

    def _by_project(self, rows: pl.Series) -> dict[int, tuple]:
        """Rows of the batch (numbers) as the rows of each project (by project)."""
        pid, starts = self.batch.pid, self.batch.starts
        by: dict[int, list] = {}
        for g in rows.to_list():
            p = pid[g]
            by.setdefault(p, []).append(g - starts[p])
        return {p: tuple(v) for p, v in by.items()}

    def select(self, r: int, p: int):
        rp = self.plan.planned.get(r)
        if rp is None:
            return None
        if self.skip[r][p]:
            return SKIP
        out = []
        for k, sp in enumerate(rp.stmts):
            if sp.why is not None:
                out.append(None)
            elif sp.level == "row":
                out.append(self.rows.get((r, k), {}).get(p, ()))
            else:
                out.append(None if self.pneed[(r, k)][p] else ())
        return tuple(out)

    def project(self, p: int) -> ProjectPlan:
        return ProjectPlan(self, p)
