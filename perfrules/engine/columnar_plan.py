"""The vectoriser: a compiled pack's rules as verdict programs the column-wise back end runs.

For each rule (engine/columnar.py says why), each statement becomes a *clean* condition: when it
holds for a row (or a project), the row engine's statement gives no event there — no finding,
no "not applicable", no score effect — and need not run. The condition is built from *codes*,
the row engine's three answers and one more: 2 true, 0 false, 1 unknown (the input leaves it
open), null not known here (then the row engine runs). Null composes soundly with Kleene's
且/或/并非: a known false in 且 (a known true in 或) decides it whatever the null would be.

Codes come from three kinds of node:

- :class:`RowLeaf`: a condition on the row's own cells (columnar_shape), computed by the row
  engine's own closure — the pack's syntax tree compiled again here, with the pack's word lists
  and synonyms — once per distinct combination of those cells;
- :class:`ProjCode`: a condition on the project, computed by the row engine's closure once per
  project, its counts (:class:`Count`) found column-wise and handed to it (``Context.memo``);
- :class:`And`, :class:`Or`, :class:`Not`, :class:`Dup` (重复) and :data:`UNSURE`.

Nothing here imports polars: ``columnar_eval`` runs these programs over a batch.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ..language import nodes as n
from ..language.visitor import iter_children
from . import checks as c
from .columnar_shape import TAINT, project_parts, reads, requirement_reads
from .compile_expr import DECLARED_ROWS
from .compiled import CompiledRule
from .compiler import _Compiler
from .context import Unknown, absent

T, U, F = 2, 1, 0  # codes: true, unknown (the row engine's Unknown), false; None: not known here


def code_of(x) -> int | None:
    """A value of a condition as a code: True 2, False 0, Unknown 1; anything else None."""
    if x is True:
        return T
    if x is False:
        return F
    if isinstance(x, Unknown):
        return U
    return None


def requirement_code(req: c.Requirement, ctx, i) -> int | None:
    """Whether a requirement's test passes (T), is broken (F) or cannot be judged (U), before
    its 除非: the same steps as :meth:`~perfrules.engine.checks.Requirement.check`."""
    value = req.subject.fn(ctx, i) if req.subject is not None else i
    if isinstance(value, Unknown):
        if not (req.accepts_missing and absent(value)):
            return U
        value = None
    r = req.test(ctx, i, value)
    if isinstance(r, Unknown):
        return U
    return T if (bool(r) if req.positive else not r) else F


# ---- codes ---------------------------------------------------------------------------------

class Code:
    """A node of a verdict program that gives a code per row or per project."""

    text = ""


class RowLeaf(Code):
    """A condition on the row's own cells ``attrs``: ``fn(ctx, i)`` → code, computed per
    distinct combination of them and kept in ``cache`` (across batches)."""

    def __init__(self, attrs_: tuple[str, ...], fn: Callable, text: str):
        self.attrs, self.fn, self.text = tuple(sorted(attrs_)), fn, text
        self.taint = tuple(a for a in self.attrs if a in TAINT)
        self.cache: dict = {}


class Count:
    """A count over a project's rows (计数(cond 其中 where)): the rows where every code of
    ``conds`` is T (all rows when there is none); ``key`` is the closure the row engine
    memoises the count under."""

    def __init__(self, key: Callable, conds: tuple):
        self.key, self.conds = key, conds


class ProjCode(Code):
    """A condition on the project: ``fn(ctx)`` → code, once per project, ``counts`` handed in;
    when it reads only ``parts`` of the set (columnar_shape.PARTS) and its counts, once per
    distinct combination of them (kept in ``cache`` across batches)."""

    def __init__(self, fn: Callable, counts: tuple[Count, ...], text: str, parts: tuple[str, ...] | None = None):
        self.fn, self.counts, self.text, self.parts = fn, counts, text, parts
        self.cache: dict = {}


class And(Code):
    def __init__(self, parts: tuple):
        self.parts = parts


class Or(Code):
    def __init__(self, parts: tuple):
        self.parts = parts


class Not(Code):
    def __init__(self, part: Code):
        self.part = part


class Dup(Code):
    """指标 是 重复: another row of the project has the same name (vocab._duplicated)."""

    text = "指标 是 重复"


class _Unsure(Code):
    text = "?"


UNSURE = _Unsure()


# ---- clean conditions ------------------------------------------------------------------------

@attrs.frozen(eq=False)
class Is:
    """The code is known to be ``value`` (T or F)."""

    code: Code
    value: int


@attrs.frozen(eq=False)
class All:
    parts: tuple


@attrs.frozen(eq=False)
class Any:
    parts: tuple


NEVER = Any(())  # a finding or a score effect whenever it is reached
ALWAYS = All(())


@attrs.frozen(eq=False)
class StmtPlan:
    """One statement: where it gives no event (``clean``), per row or per project, and for
    不适用于 a project-wide condition that makes the rule run anyway (``force``)."""

    level: str  # row | project
    clean: object
    text: str
    why: str | None = None  # why it is not vectorised at all (None: it is, at least in part)
    force: ProjCode | None = None
    partly: tuple[str, ...] = ()  # parts left to the row engine (null codes), and why

    @property
    def status(self) -> str:
        """columnar | partly | row (how ``--explain`` says it)."""
        return "row" if self.why is not None else "partly" if self.partly else "columnar"


@attrs.frozen(eq=False)
class RulePlan:
    """A rule: its 当 on the project (all T, or the rule may give "not applicable"), its 当 on
    rows (a row where one is not T is not run), its statements."""

    index: int
    rule: CompiledRule
    pwhens: tuple[ProjCode, ...]
    iwhens: tuple[Code, ...]
    stmts: tuple[StmtPlan, ...]


@attrs.frozen(eq=False)
class NotPlanned:
    index: int
    rule: CompiledRule
    why: str


# ---- the builder ------------------------------------------------------------------------------

class _Recompiler(_Compiler):
    """The pack's compiler again, with its word lists and synonyms: expressions compiled here
    are the row engine's own closures; counts are recorded so their values can be handed in."""

    def __init__(self, compiled, field_specs=()):
        super().__init__(compiled.files, "error", 0, field_specs)
        self.wordlists = dict(compiled.env.wordlists)
        self.synonyms = compiled.env.synonyms
        self.calls: list = []

    def x_Call(self, node: n.Call):
        e = super().x_Call(node)
        if e is not None:
            self.calls.append((node, e))
        return e


class Unsupported(Exception):
    """A part of a rule the back end leaves to the row engine, and why."""


def build(pack) -> tuple:
    """The verdict program of each rule of a pack: a :class:`RulePlan`, or :class:`NotPlanned`
    with the reason (the rule then runs on the row engine in full)."""
    b = _Builder(pack)
    return tuple(b.rule(k, r) for k, r in enumerate(pack.compiled.rules))


class PackPlan:
    """A pack's verdict programs, with what a batch must hold for them: the conditions on
    rows' cells (``leaves``), whether 重复 is asked, and the cells to put in the frame (``attrs``)."""

    def __init__(self, pack):
        self.pack = pack
        self.rules = build(pack)
        self.planned = {r.index: r for r in self.rules if isinstance(r, RulePlan)}
        leaves: dict[int, RowLeaf] = {}
        self.dup = False
        for code in _codes(self.planned.values()):
            if isinstance(code, RowLeaf):
                leaves.setdefault(id(code), code)
            self.dup |= isinstance(code, Dup)
        self.leaves = list(leaves.values())
        self.attrs = {a for leaf in self.leaves for a in leaf.attrs} | ({"name"} if self.dup else set())
        self.dup_cache: dict = {}
        # 指标值/实际完成值 readings by text (Context._read with this pack's word lists), kept across batches.
        self.readings: dict = {}


def _codes(rules):
    """Every code node the planned rules' programs use (statements run in full left out)."""
    stack: list = []
    for r in rules:
        stack += list(r.pwhens) + list(r.iwhens)
        stack += [s.clean for s in r.stmts if s.why is None] + [s.force for s in r.stmts if s.force is not None]
    while stack:
        x = stack.pop()
        if isinstance(x, (All, Any)):
            stack.extend(x.parts)
        elif isinstance(x, Is):
            stack.append(x.code)
        elif isinstance(x, Code):
            yield x
            if isinstance(x, (And, Or)):
                stack.extend(x.parts)
            elif isinstance(x, Not):
                stack.append(x.part)
            elif isinstance(x, ProjCode):
                stack += [p for cnt in x.counts for p in cnt.conds]


class _Builder:
    def __init__(self, pack):
        self.rc = _Recompiler(pack.compiled, getattr(pack, "fields", ()))
        self.files = {f.path: f for f in pack.compiled.files}
        self.notes: list[str] = []  # parts of the statement being built left to the row engine

    def rule(self, k: int, rule: CompiledRule):
        from .runner import reads_findings
        if reads_findings(rule):
            return NotPlanned(k, rule, "读取本次检查的其他发现，最后运行 (reads the run's findings)")
        node = rule.node
        whens = [cl.cond for cl in node.clauses if isinstance(cl, n.When)]
        clauses = [cl for cl in node.clauses if not isinstance(cl, (n.When, n.Meta))]
        if len(whens) != len(rule.when) or len(clauses) != len(rule.stmts):
            return NotPlanned(k, rule, "规则与语法树不对应 (the rule does not match its syntax tree)")
        with self.rc.under(file=self.files.get(node.span.file)):
            try:
                pwhens = tuple(self.proj(w) for w, e in zip(whens, rule.when) if e.scope == "project")
            except (Unsupported, RecursionError) as e:
                return NotPlanned(k, rule, f"当：{e}")
            # A 当 on rows only leaves rows out: one not known here leaves none out.
            iwhens = tuple(self.code(w, "row") for w, e in zip(whens, rule.when) if e.scope == "indicator")
            stmts = tuple(self.top(s, cl) for s, cl in zip(rule.stmts, clauses))
        return RulePlan(k, rule, pwhens, iwhens, stmts)

    def top(self, s: c.Stmt, cl: n.Node) -> StmtPlan:
        level = "row" if s.scope == "indicator" else "project"
        text = self.rc.text_of(cl)
        self.notes = []
        try:
            clean = self.stmt(cl, level)
            force = self.applicable(s) if isinstance(s, c.Applicability) else None
        except (Unsupported, RecursionError) as e:
            return StmtPlan(level, NEVER, text, str(e) or type(e).__name__)
        if clean is NEVER:
            return StmtPlan(level, NEVER, text, "；".join(dict.fromkeys(self.notes)) or "总有发现 (always reports)")
        return StmtPlan(level, clean, text, None, force, tuple(dict.fromkeys(self.notes)))

    def applicable(self, s: c.Applicability) -> ProjCode:
        """不适用于: the rule runs when the project is not of the category (or has none)."""
        return ProjCode(lambda ctx: T if s.project_na(ctx) is not None else F, (), f"类别含「{s.project_category}」",
                        ("categories",))

    # ---- statements -------------------------------------------------------------------------

    def stmt(self, cl: n.Node, level: str):
        """Where a statement gives no event (see the module's doc)."""
        if isinstance(cl, n.Requirement):
            return self.requirement(cl, level)
        if isinstance(cl, n.Assertion):
            cond = self.code(cl.cond, level)
            return self.unless(cond, cl.unless, level)
        if isinstance(cl, n.Implication):
            cond = self.code(cl.cond, level)
            fired = [self.consequence(x, level) for x in (cl.consequence, *cl.also)]
            return Any((Is(cond, F), All((Is(cond, T), *fired))))
        if isinstance(cl, n.Each):
            inner = self.stmt(cl.stmt, "row")
            if cl.where is None:
                return inner
            where = self.code(cl.where, "row")
            return Any((Is(where, F), All((Is(where, T), inner))))
        if isinstance(cl, n.Applicability):
            return self.not_for(cl)
        raise Unsupported(f"语句 {type(cl).__name__}")

    def unless(self, code: Code, unless: n.Node | None, level: str):
        """Clean when the test holds, or fails but its 除非 holds."""
        if unless is None:
            return Is(code, T)
        return Any((Is(code, T), All((Is(code, F), Is(self.code(unless, level), T)))))

    def requirement(self, cl: n.Requirement, level: str):
        return self.unless(self.test_of(cl, level), cl.unless, level)

    def test_of(self, cl: n.Requirement, level: str) -> Code:
        """A requirement's test before its 除非 (see :func:`requirement_code`)."""
        what = requirement_reads(cl, self.rc.pack_fields, self.rc.wordlists)
        try:
            if what.kind == "row" and what.duplicated and level == "row":
                return Dup() if cl.modal in ("must", "should") else Not(Dup())
            start = len(self.rc.calls)
            req = self._compile(lambda: self.rc.requirement(cl, None, ""))
            if what.kind == "row" and level == "row":
                return RowLeaf(tuple(what.attrs), _known(lambda ctx, i: requirement_code(req, ctx, i), what),
                               self.rc.text_of(cl))
            if what.kind == "project":
                return ProjCode(lambda ctx: requirement_code(req, ctx, None), self.counts(cl, start),
                                self.rc.text_of(cl), project_parts((cl.subject, cl.pred), self.rc.pack_fields))
            raise Unsupported(what.why or "指标字段与项目数据混合 (a row's cell beside project data)")
        except (Unsupported, RecursionError) as e:
            self.notes.append(f"「{self.rc.text_of(cl)}」：{e}")
            return UNSURE

    def consequence(self, x: n.Node, level: str):
        if isinstance(x, n.Requirement):
            return self.requirement(x, level)
        if isinstance(x, (n.Compare, n.Chain, n.Test)):
            return Is(self.code(x, level), T)
        return NEVER  # a finding (⇒ 警告 …) or a score effect: the row engine gives it

    def not_for(self, cl: n.Applicability):
        """A 不适用于 B on a row: clean when the row is not of category A, or its 除非 holds."""
        canonical = self.rc.synonyms.canonical
        cat = canonical(cl.category)

        def of_category(ctx, i):
            return T if cat in (ctx.level1(i), ctx.level2(i)) else F
        match = RowLeaf(("level1", "level1_raw", "level2", "level2_raw"), of_category, f"类别 {cl.category}")
        if cl.unless is None:
            return Is(match, F)
        return Any((Is(match, F), Is(self.code(cl.unless, "row"), T)))

    # ---- conditions -------------------------------------------------------------------------

    def code(self, node: n.Node, level: str) -> Code:
        """A condition's code at a level: the project's condition once per project, a row's
        split at 且/或/并非 into conditions on the row's cells; a part the back end cannot
        judge is :data:`UNSURE` (noted), which the row engine then decides."""
        try:
            return self._code(node, level)
        except (Unsupported, RecursionError) as e:
            self.notes.append(f"「{self.rc.text_of(node)}」：{e}")
            return UNSURE

    def _code(self, node: n.Node, level: str) -> Code:
        what = reads(node, self.rc.pack_fields, self.rc.wordlists)
        if what.kind == "project":
            return self.proj(node)
        if level == "project":
            raise Unsupported("项目语句中含有指标字段 (a row's field in a project statement)")
        if isinstance(node, n.BoolOp):
            parts = tuple(self.code(x, "row") for x in node.operands)
            return And(parts) if node.op == "and" else Or(parts)
        if isinstance(node, n.Not):
            return Not(self.code(node.operand, "row"))
        if what.kind == "row" and what.duplicated:
            if not isinstance(node, n.Test):
                raise Unsupported("重复")
            return Not(Dup()) if node.negated else Dup()
        if what.kind == "row":
            e = self._compile(lambda: self.rc.expr(node))
            fn = e.fn
            return RowLeaf(tuple(what.attrs), _known(lambda ctx, i: code_of(fn(ctx, i)), what), e.text)
        raise Unsupported(what.why or "指标字段与项目数据混合 (a row's cell beside project data)")

    def proj(self, node: n.Node) -> ProjCode:
        """A condition on the project, computed by the row engine's closure."""
        start = len(self.rc.calls)
        e = self._compile(lambda: self.rc.expr(node))
        if e.scope != "project":
            raise Unsupported("不是项目条件 (not a condition on the project)")
        fn = e.fn
        return ProjCode(lambda ctx: code_of(fn(ctx, None)), self.counts(node, start), e.text,
                        project_parts((node,), self.rc.pack_fields))

    def counts(self, node: n.Node, start: int) -> tuple[Count, ...]:
        """The counts at the top of a project condition (not inside another count or sum),
        with the closures the compile just made for them."""
        made = {id(x): e for x, e in self.rc.calls[start:]}
        out = []
        for call in _direct_counts(node):
            e = made.get(id(call))
            if e is None:  # never expected: without it the count could not be handed in
                raise Unsupported("计数未编译 (a count was not compiled)")
            conds = []
            if call.args:
                try:
                    first = self._compile(lambda: self.rc.expr(call.args[0]))
                except Unsupported:
                    first = None
                if first is None or first.type != "indicator":  # 计数(指标): every row
                    conds.append(self.code(call.args[0], "row") if first is not None else UNSURE)
            if call.where is not None:
                conds.append(self.code(call.where, "row"))
            out.append(Count(e.fn, tuple(conds)))
        return tuple(out)

    def _compile(self, make):
        before = len(self.rc.errors)
        x = make()
        if x is None or len(self.rc.errors) > before:
            del self.rc.errors[before:]
            raise Unsupported("无法重新编译 (does not compile again)")
        return x


def _known(fn, what):
    """A row's condition as computed from its cells alone; with 是 预算数 (judged without the
    project's budget) an unknown answer is not known here (columnar_shape.BUDGET_AMOUNT)."""
    if not what.budget:
        return fn

    def known(ctx, i):
        code = fn(ctx, i)
        return None if code == U else code
    return known


def _direct_counts(node) -> list[n.Call]:
    """计数(…) calls in ``node`` that are not inside another call's arguments."""
    out, stack = [], [node]
    while stack:
        x = stack.pop()
        if isinstance(x, n.Call):
            if x.func == "count":
                if not (x.args and isinstance(x.args[0], n.Name) and x.args[0].text in DECLARED_ROWS):
                    out.append(x)
            elif x.func == "length" or (x.func in ("min", "max") and len(x.args) != 1):
                stack.extend(x.args)  # 字数(…), 最小(a, b): their arguments are part of the condition
            continue
        if isinstance(x, n.Node):
            stack.extend(iter_children(x))
        elif isinstance(x, tuple):
            stack.extend(x)
    return out
