"""Mistakes in rule files that compile but cannot be what the author meant.

Each check has a stable code:

- L01 duplicate rule id;
- L02 a condition that is always or never true (a rule that can never fire, or always fires);
- L03 two statements that contradict each other (one requires what the other forbids);
- L04 a word list that nothing uses;
- L05 a score item whose possible scores cannot reach its weight;
- L06 a ladder with a gap (counts that match no step) or a step that can never be used;
- L07 an unindented line under a header (it silently belongs to the rule above).

The analysis is on the syntax tree: counts are at least 0, rates and amounts are at
least 0, literals are what they say; anything else is "unknown" and never reported.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import attrs

from ..errors import Span
from ..language import nodes as n
from ..language.source import Source
from ..language.visitor import NodeVisitor, walk
from ..engine.vocab import STATE_LIST, VAGUE_LIST

INF = Decimal("Infinity")
NONNEG = {"执行率", "预算执行率", "execution_rate", "完成率", "completion", "最高完成率", "平均执行进度",
          "支出", "年度预算", "年初预算", "分值", "得分", "填报得分"}
SPECIAL_LISTS = set(VAGUE_LIST) | set(STATE_LIST)


@attrs.frozen
class Issue:
    code: str
    span: Span
    zh: str
    en: str

    def render(self, text: str = "") -> str:
        excerpt = Source(self.span.file, text).excerpt(self.span) if text else ""
        head = f"{self.span}: {self.code} {self.zh} ({self.en})"
        return head + (f"\n{excerpt}" if excerpt else "")


def lint(files: list[n.RuleFile]) -> list[Issue]:
    issues: list[Issue] = []
    issues += _duplicates(files)
    issues += _unused_lists(files)
    for f in files:
        for r in f.rules:
            issues += _constant_conditions(r.clauses)
            issues += _unindented(r.span, r.clauses, r.anonymous)
        for it in f.items:
            issues += _constant_conditions(it.clauses)
            issues += _ladder(it, lambda span, f=f: " ".join(f.excerpt(span).split()))
            issues += _unindented(it.span, it.clauses, False)
    issues += _cross_rule_contradictions(files)
    return sorted(issues, key=lambda i: (i.span.file, i.span.line, i.span.column, i.code))


# ---- L01 ------------------------------------------------------------------------------------

def _duplicates(files) -> list[Issue]:
    seen: dict[str, Span] = {}
    out = []
    for f in files:
        for r in f.rules:
            if r.anonymous:
                continue
            if r.id in seen:
                out.append(Issue("L01", r.span, f"规则编号「{r.id}」重复（已在 {seen[r.id]} 使用）",
                                 f"rule id {r.id} is used twice (first at {seen[r.id]})"))
            else:
                seen[r.id] = r.span
    return out


# ---- L04 ------------------------------------------------------------------------------------

def _unused_lists(files) -> list[Issue]:
    used: set[str] = set()
    for f in files:
        for node in (x for top in (*f.rules, *f.items) for x in walk(top)):
            if isinstance(node, n.Name):
                used.add(node.text)
            elif isinstance(node, n.PredNamed):
                used.add(node.name)
    out = []
    for f in files:
        for wl in f.wordlists:
            if wl.name not in used and wl.name not in SPECIAL_LISTS:
                out.append(Issue("L04", wl.span, f"词表「{wl.name}」定义了但没有规则使用",
                                 f"word list {wl.name} is defined but never used"))
    return out


# ---- L02: interval analysis -------------------------------------------------------------------

def _range(e) -> tuple[Decimal, Decimal] | None:
    """The values an expression can take, or None when nothing is known."""
    if isinstance(e, n.Number):
        return e.value, e.value
    if isinstance(e, n.Call) and e.func == "count":
        return Decimal(0), INF
    if isinstance(e, n.Name) and e.text in NONNEG:
        return Decimal(0), INF
    if isinstance(e, n.Neg):
        r = _range(e.operand)
        return None if r is None else (-r[1], -r[0])
    if isinstance(e, n.BinOp) and e.op in ("+", "−"):
        a, b = _range(e.left), _range(e.right)
        if a is None or b is None:
            return None
        return (a[0] + b[0], a[1] + b[1]) if e.op == "+" else (a[0] - b[1], a[1] - b[0])
    return None


def _truth(e) -> bool | None:
    """True/False when a condition is decided whatever the input; None when it depends on it."""
    if isinstance(e, n.Compare):
        a, b = _range(e.left), _range(e.right)
        if a is None or b is None:
            return None
        lo, hi = a[0] - b[1], a[1] - b[0]  # the range of left − right
        table = {"≥": (lo >= 0, hi < 0), ">": (lo > 0, hi <= 0), "≤": (hi <= 0, lo > 0),
                 "<": (hi < 0, lo >= 0), "=": (lo == hi == 0, lo > 0 or hi < 0),
                 "≠": (lo > 0 or hi < 0, lo == hi == 0)}
        always, never = table[e.op]
        return True if always else (False if never else None)
    if isinstance(e, n.BoolOp):
        ts = [_truth(x) for x in e.operands]
        if e.op == "and":
            return False if False in ts else (True if all(t is True for t in ts) else None)
        return True if True in ts else (False if all(t is False for t in ts) else None)
    if isinstance(e, n.Not):
        t = _truth(e.operand)
        return None if t is None else not t
    return None


def _constant_conditions(clauses) -> list[Issue]:
    out = []
    for cl in clauses:
        for node, role in _conditions(cl):
            t = _truth(node)
            if t is None:
                continue
            if role == "assert":
                zh, en = ("条件恒成立，这条规则永远不会报告" if t else "条件恒不成立，这条规则对任何输入都会报告",
                          "always true: the rule can never fire" if t else "never true: the rule always fires")
            elif role == "when":
                zh, en = ("适用条件恒成立，可以删去" if t else "适用条件恒不成立，这条规则永远不适用",
                          "always true" if t else "never true: the rule never applies")
            else:
                zh, en = ("条件恒成立，结果对任何输入都会发生" if t else "条件恒不成立，结果永远不会发生",
                          "always true: the consequence always follows" if t else "never true: the consequence never follows")
            out.append(Issue("L02", node.span, zh, en))
    return out


class _Conditions(NodeVisitor):
    """A clause's conditions, each with its role ("assert", "if", "when"): one method per
    statement kind, so that a new kind of statement fails here until lint knows it."""

    def visit_Assertion(self, cl):
        return [(cl.cond, "assert")]

    def visit_Implication(self, cl):
        return [(cl.cond, "if")]

    def visit_When(self, cl):
        return [(cl.cond, "when")]

    def visit_Each(self, cl):
        return ([(cl.where, "when")] if cl.where is not None else []) + self.visit(cl.stmt)

    def visit_Requirement(self, cl):
        return []

    visit_Applicability = visit_Otherwise = visit_Meta = visit_Requirement


_CONDITIONS = _Conditions()


def _conditions(cl):
    return _CONDITIONS.visit(cl)


# ---- L03 ------------------------------------------------------------------------------------

def _req_key(node, where_text: str, text):
    if not isinstance(node, n.Requirement):
        return None
    subject = text(node.subject.span) if node.subject is not None else "指标"
    return (where_text, subject, text(node.pred.span), node.unless is None)


def _requirements(files):
    for f in files:
        src = f

        def text(span, src=src):
            return src.excerpt(span).strip()
        for r in f.rules:
            whens = tuple(sorted(text(c.cond.span) for c in r.clauses if isinstance(c, n.When)))
            for cl in r.clauses:
                where = ""
                stmt = cl
                if isinstance(cl, n.Each):
                    where = text(cl.where.span) if cl.where is not None else ""
                    stmt = cl.stmt
                key = _req_key(stmt, where, text)
                if key is not None:
                    yield (whens, *key), stmt


def _cross_rule_contradictions(files) -> list[Issue]:
    seen: dict[tuple, n.Requirement] = {}
    out = []
    opposite = {"must": "must_not", "must_not": "must", "should": "should_not", "should_not": "should"}
    for key, stmt in _requirements(files):
        if not key[-1]:
            continue  # a 除非 makes the two compatible
        other = seen.get((key, opposite[stmt.modal]))
        if other is not None:
            out.append(Issue("L03", stmt.span, f"与 {other.span} 的要求相反：一条要求、另一条禁止同一件事",
                             f"contradicts {other.span}: one requires what the other forbids"))
        seen[(key, stmt.modal)] = stmt
    return out


# ---- L05 / L06 ------------------------------------------------------------------------------

def _ladder(it: n.ScoreItem, text) -> list[Issue]:
    steps = [(cl.cond, cl.consequence.points, cl) for cl in it.clauses
             if isinstance(cl, n.Implication) and isinstance(cl.consequence, n.SetScore)]
    otherwise = next((cl.consequence.points for cl in it.clauses
                      if isinstance(cl, n.Otherwise) and isinstance(cl.consequence, n.SetScore)), None)
    out = []
    if steps or otherwise is not None:
        best = max([p for _, p, _ in steps] + ([otherwise] if otherwise is not None else []))
        if best < it.weight:
            out.append(Issue("L05", it.span, f"阶梯最高 {best} 分，达不到分值 {it.weight}",
                             f"the ladder tops out at {best}, below the weight {it.weight}"))
    formulas = [cl.cond.right for cl in it.clauses if isinstance(cl, n.Assertion)
                and isinstance(cl.cond, n.Compare) and isinstance(cl.cond.left, n.Name)
                and cl.cond.left.text in ("得分", "score") and cl.cond.op == "="]
    for fml in formulas:
        r = _range(fml)
        if r is not None and r[1] < it.weight:
            out.append(Issue("L05", fml.span, f"得分公式最高 {r[1]} 分，达不到分值 {it.weight}",
                             f"the formula can reach at most {r[1]}, below the weight {it.weight}"))
    if not steps:
        return out
    grid = _grid([c for c, _, _ in steps], text)
    if grid is None:
        return out
    names, points = grid
    first_hits = [0] * len(steps)
    gap = None
    for combo in points:
        env = dict(zip(names, combo))
        hit = next((k for k, (c, _, _) in enumerate(steps) if _eval(c, env, text) is True), None)
        if hit is None:
            if gap is None:
                gap = env
        else:
            first_hits[hit] += 1
    if gap is not None and otherwise is None:
        where = "、".join(f"{k}={v}" for k, v in gap.items())
        out.append(Issue("L06", it.span, f"阶梯有空档：{where} 时没有一档适用，且没有「否则」",
                         f"the ladder has a gap: no step applies when {where}, and no 'otherwise'"))
    for k, hits in enumerate(first_hits):
        if hits == 0:
            cl = steps[k][2]
            out.append(Issue("L06", cl.span, "这一档永远用不到：满足它的情况都先满足了前面的某一档",
                             "this step is never used: every case it matches is taken by an earlier step"))
    return out


def _counts(e, out: dict[str, set], text) -> bool:
    """Collect counted expressions (by their text) and thresholds; False if the condition
    is not made of ``计数(…) ≥ N`` comparisons joined by 且/或."""
    if isinstance(e, n.BoolOp):
        return all(_counts(x, out, text) for x in e.operands)
    if isinstance(e, n.Compare) and isinstance(e.right, n.Number) and isinstance(e.left, (n.Call, n.Name)):
        t = e.right.value
        out.setdefault(text(e.left.span), set()).update({t - 1, t, t + 1})
        return True
    return False


ALL = ("计数(指标)", "计数()", "count(indicators)", "count()", "计数（指标）")


def _grid(conds, text):
    thresholds: dict[str, set] = {}
    if not all(_counts(c, thresholds, text) for c in conds):
        return None
    names = sorted(thresholds)
    axes = [sorted(v for v in thresholds[k] | {Decimal(0)} if v >= 0) for k in names]
    if len(names) > 4 or any(len(a) > 16 for a in axes):
        return None
    total = next((k for k in names if k.replace(" ", "") in ALL), None)
    combos = []
    for combo in itertools.product(*axes):
        env = dict(zip(names, combo))
        # A filtered count never exceeds the count of all indicators.
        if total and any(v > env[total] for k, v in env.items() if k != total and k.startswith(("计数", "count"))):
            continue
        combos.append(combo)
    return names, combos


def _eval(e, env, text):
    if isinstance(e, n.BoolOp):
        vals = [_eval(x, env, text) for x in e.operands]
        result = vals[0]
        for v in vals[1:]:  # as the two-way `a and b` / `a or b`, left to right
            result = (result and v) if e.op == "and" else (result or v)
        return result
    if isinstance(e, n.Compare):
        x = env.get(text(e.left.span))
        y = e.right.value
        return {"≥": x >= y, ">": x > y, "≤": x <= y, "<": x < y, "=": x == y, "≠": x != y}[e.op]
    return None


# ---- L07 ------------------------------------------------------------------------------------

def _unindented(header: Span, clauses, anonymous: bool) -> list[Issue]:
    if anonymous:
        return []
    out = []
    for cl in clauses:
        if cl.span.column == 1 and cl.span.line != header.line:
            out.append(Issue("L07", cl.span, f"这一行没有缩进，却属于第 {header.line} 行的规则或评分项",
                             f"this unindented line belongs to the rule or item at line {header.line}"))
    return out
