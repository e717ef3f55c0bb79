"""Syntax tree → checks. Every name is resolved here; an unknown one is a compile error.

The compiler runs in named stages, in this order because each needs the one before:

1. ``definitions``: collect word lists and synonyms of all files (rules may use a list
   defined further down or in another file of the pack);
2. ``rules``: resolve names and types in each rule and build its statements;
3. ``items``: build score items (formula, ladder, deductions) and check their weights.

Errors are collected, not raised one by one, so a file's every mistake is reported.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from decimal import Decimal

import attrs

from ..data.values import DEFAULT_STATE_WORDS, DEFAULT_VAGUE_WORDS
from ..data.categories import LEVEL1, LEVEL2, SYNONYMS, Synonyms, clean
from ..errors import ErrorGroup, PerfrulesError, RuleCompileError, Span
from ..language import nodes as n
from ..language.source import Source
from . import checks as c
from .context import Context, Env, Unknown
from .expr import CMP_FNS, Expr, arith, as_num, as_text, first_unknown
from .vocab import FIELDS, ITEM_NAMES, PREDICATES, STATE_LIST, VAGUE_LIST

DECLARED_ROWS = ("申报指标", "declared_indicators")
MAX_POINTS = Decimal(1000)
MODAL_ZH = {"must": "须", "must_not": "不得", "should": "应", "should_not": "不应"}


def suggestion(word: str, candidates) -> str | None:
    """The closest candidate; a typo keeps its length, so same-length ones are preferred
    (指标直 → 指标值, not 指标)."""
    scored = []
    for cand in set(candidates):
        r = difflib.SequenceMatcher(None, word, cand).ratio()
        if r >= 0.4:
            scored.append((r + (0.2 if len(cand) == len(word) else 0), cand))
    return max(scored)[1] if scored else None


@attrs.frozen
class CompiledRule:
    """A rule ready to run: its header and its statements."""

    id: str
    title: str
    severity: str
    basis: str | None
    explain: str | None
    fix: str | None
    message: str | None
    source: str  # file:line
    when: tuple[Expr, ...]
    stmts: tuple[c.Stmt, ...]
    node: n.Rule = attrs.field(eq=False, repr=False)


@attrs.frozen
class CompiledItem:
    """A score item ready to run: weight and how its score is found."""

    path: str
    weight: Decimal
    title: str | None
    formula: Expr | None
    ladder: tuple[tuple[Expr, Decimal], ...]
    otherwise: Decimal | None
    stmts: tuple[c.Stmt, ...]  # deductions, caps, vetoes and checks under the item
    basis: str | None
    source: str
    node: n.ScoreItem = attrs.field(eq=False, repr=False)
    discretionary: bool = False
    # Row-by-row items (评分项 … 每个指标 [其中 …]): which rows, and the first matching
    # step's formula gives each row's score, within [0, the row's 分值].
    per_indicator: bool = False
    rows: Expr | None = None
    steps: tuple[tuple[Expr | None, Expr], ...] = ()

    @property
    def kind(self) -> str:
        if self.per_indicator:
            return "rows"
        if self.formula is not None:
            return "formula"
        if self.ladder or self.otherwise is not None:
            return "ladder"
        return "judgement"


@attrs.frozen
class Compiled:
    """All rules and items of a set of rule files, with the meaning they share."""

    rules: tuple[CompiledRule, ...]
    items: tuple[CompiledItem, ...]
    env: Env
    files: tuple[n.RuleFile, ...] = attrs.field(eq=False, repr=False)


def compile_files(files: Sequence[n.RuleFile], default_severity: str = "error",
                  inherited: int = 0) -> Compiled:
    """Compile rule files together. The first ``inherited`` files come from packs this one
    extends: its own files may redefine their word lists (a variant the child chooses)."""
    return _Compiler(files, default_severity, inherited).run()


class _Compiler:
    def __init__(self, files: Sequence[n.RuleFile], default_severity: str, inherited: int = 0):
        self.files = list(files)
        self.inherited = inherited
        self.default_severity = default_severity
        self.errors: list[PerfrulesError] = []
        self.wordlists: dict[str, tuple[str, ...]] = {}
        self.synonyms = Synonyms()
        self.file: n.RuleFile | None = None
        self.item: n.ScoreItem | None = None
        self.rows_item = False

    # ---- stages -------------------------------------------------------------------

    def run(self) -> Compiled:
        self.definitions()
        # A pack's 模糊用语 / 状态用语 add to the built-in lists rather than replace them, so a
        # short list in a rule file cannot silently make 运行正常 or 验收合格 unmeasurable.
        vague, state = self._list(VAGUE_LIST), self._list(STATE_LIST)
        env = Env(self.synonyms, self.wordlists,
                  DEFAULT_VAGUE_WORDS | vague if vague else None,
                  DEFAULT_STATE_WORDS | state if state else None)
        rules, items = [], []
        for f in self.files:
            self.file = f
            rules += [r for r in (self.rule(x) for x in f.rules) if r is not None]
            items += [i for i in (self.score_item(x) for x in f.items) if i is not None]
        self.check_weights(items)
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else ErrorGroup(self.errors)
        return Compiled(tuple(rules), tuple(items), env, tuple(self.files))

    def definitions(self) -> None:
        pairs = []
        first: dict[str, tuple[Span, bool]] = {}  # name → (where, defined by this pack itself)
        for k, f in enumerate(self.files):
            self.file = f
            for wl in f.wordlists:
                own = k >= self.inherited
                if wl.name in self.wordlists and own and first[wl.name][1]:
                    was = first[wl.name][0]
                    self.fail(wl.span, f"词表「{wl.name}」重复定义", f"word list {wl.name} defined twice",
                              f"已在 {was} 定义；请合并为一个词表 (first defined at {was})")
                elif wl.name in self.wordlists and not own:
                    was = first[wl.name][0]
                    self.fail(wl.span, f"词表「{wl.name}」重复定义", f"word list {wl.name} defined twice",
                              f"已在 {was} 定义；请合并为一个词表 (first defined at {was})")
                else:
                    first[wl.name] = (wl.span, own)
                self.wordlists[wl.name] = tuple(wl.words)
            for syn in f.synonyms:
                pairs += [(v, syn.canonical) for v in syn.variants]
        self.synonyms = self.synonyms.extended(pairs)

    def _list(self, names) -> frozenset[str] | None:
        for name in names:
            if name in self.wordlists:
                return frozenset(self.wordlists[name])
        return None

    # ---- errors -------------------------------------------------------------------

    def fail(self, span: Span, zh: str, en: str, hint: str | None = None) -> None:
        src = Source(span.file, self.file.text if self.file else "")
        self.errors.append(RuleCompileError(zh, en, where=span, excerpt=src.excerpt(span), hint=hint))

    def header(self, span: Span) -> Span:
        """A rule's or item's span cut to its header line, so the caret underlines the header."""
        lines = self.file.text.splitlines() if self.file else []
        end = len(lines[span.line - 1]) + 1 if 1 <= span.line <= len(lines) else span.column + 1
        return Span(span.file, span.line, span.column, span.line, end)

    def suggest(self, word: str, candidates) -> str | None:
        best = suggestion(word, candidates)
        return f"是否指「{best}」？ (did you mean {best}?)" if best else None

    def text_of(self, node: n.Node) -> str:
        return self.file.excerpt(node.span).strip() if self.file else ""

    # ---- rules ----------------------------------------------------------------------

    def rule(self, r: n.Rule) -> CompiledRule | None:
        meta = {m.key: m.text for m in r.clauses if isinstance(m, n.Meta)}
        whens, stmts = [], []
        severity = r.severity or self.default_severity
        before = len(self.errors)
        for cl in r.clauses:
            if isinstance(cl, n.When):
                e = self.expr(cl.cond)
                if e is not None:
                    self.want_bool(e, cl.cond)
                    whens.append(e)
            elif not isinstance(cl, n.Meta):
                s = self.stmt(cl, severity)
                if s is not None:
                    stmts.append(s)
        if not stmts and len(self.errors) == before:
            if r.anonymous:  # a lone 当 / 依据 line before any header
                self.fail(r.span, "这一行须写在「规则」标题之下，单独一行不构成规则",
                          "this line belongs under a rule header; on its own it checks nothing",
                          "例如在「规则 S-01」这一行之下写：当 阶段 是 自评")
            else:
                self.fail(self.header(r.span), f"规则「{r.id}」没有可检查的语句",
                          f"rule {r.id} has nothing to check",
                          "在规则下写一行要求，例如：每个指标: 三级指标 不得为空")
        if len(self.errors) > before:
            return None
        title = r.title or (self.text_of(r.clauses[0]) if r.anonymous and r.clauses else r.id)
        return CompiledRule(r.id, title, severity, meta.get("basis"), meta.get("explain"),
                            meta.get("fix"), meta.get("message"),
                            f"{r.span.file}:{r.span.line}", tuple(whens), tuple(stmts), r)

    def stmt(self, s: n.Node, severity: str | None) -> c.Stmt | None:
        text = self.text_of(s)
        if isinstance(s, n.Requirement):
            return self.requirement(s, severity, text)
        if isinstance(s, n.Applicability):
            # The category is the statement's first word: point at it, not at the whole line.
            at = Span(s.span.file, s.span.line, s.span.column, s.span.line, s.span.column + len(s.category))
            self.category(s.category, at, "不适用于")
            unless = self.opt_bool(s.unless)
            return c.Applicability(s.category, s.project_category, unless, text)
        if isinstance(s, n.Assertion):
            cond = self.expr(s.cond)
            if cond is None:
                return None
            self.want_bool(cond, s.cond)
            return c.Assertion(cond, self.opt_bool(s.unless), text)
        if isinstance(s, n.Implication):
            cond = self.expr(s.cond)
            cons = self.consequence(s.consequence, severity)
            if cond is None or cons is None:
                return None
            self.want_bool(cond, s.cond)
            scope = cond.scope
            if cons.requirement is not None and cons.requirement.scope == "indicator":
                scope = "indicator"
            if cons.check is not None and cons.check.scope == "indicator":
                scope = "indicator"
            return c.Implication(cond, cons, text, scope)
        if isinstance(s, n.Each):
            where = self.opt_bool(s.where)
            inner = self.stmt(s.stmt, severity)
            return None if inner is None else c.Each(where, inner, text)
        if isinstance(s, n.Otherwise):
            self.fail(s.span, "「否则」只能用于评分项的阶梯中", "'otherwise' belongs to a score item's ladder")
            return None
        self.fail(s.span, "此处不能写这种语句", "statement not allowed here")
        return None

    def requirement(self, s: n.Requirement, severity: str | None, text: str) -> c.Requirement | None:
        subject = self.expr(s.subject) if s.subject is not None else None
        if s.subject is not None and subject is None:
            return None
        stype = subject.type if subject is not None else "indicator"
        test = self.pred(s.pred, stype, s.subject)
        if test is None:
            return None
        # The rule's severity is applied when it runs (a pack may override it); a 应 only
        # marks the finding as at most a warning.
        severity = "should" if s.modal.startswith("should") else None
        unless = self.opt_bool(s.unless)
        scope = subject.scope if subject is not None else "indicator"
        label = (subject.label or subject.text) if subject is not None else "指标"
        positive = s.modal in ("must", "should")
        what, right = self.violation(s.pred, positive)
        return c.Requirement(subject, positive, test, severity, unless, text, scope, label, what, right)

    def violation(self, p: n.Pred, positive: bool) -> tuple[str, Expr | None]:
        """How a broken requirement reads: 为空, 不可衡量, 属于[…], 不满足 ≤ 分值 × 50% …"""
        if isinstance(p, n.PredEmpty):
            return ("为空" if positive == p.negated else "不为空"), None
        if isinstance(p, n.PredCompare):
            right = self.expr(p.right)
            return (f"不满足 {p.op} {self.text_of(p.right)}" if positive
                    else f"{p.op} {self.text_of(p.right)}"), right
        if isinstance(p, (n.PredIn, n.PredContains)):
            verb = "属于" if isinstance(p, n.PredIn) else "包含"
            return (f"不{verb}{self.text_of(p.target)}" if positive else f"{verb}{self.text_of(p.target)}"), None
        assert isinstance(p, n.PredNamed)
        pred = PREDICATES.get(p.name) or PREDICATES.get(p.name.lower())
        if pred is not None:
            return (pred.explain if positive else f"为「{pred.label}」"), None
        return (f"不是「{p.name}」" if positive else f"是「{p.name}」"), None

    def consequence(self, node: n.Node, severity: str | None) -> c.Consequence | None:
        if isinstance(node, n.Flag):
            return c.Consequence("flag", severity=node.severity, message=node.message)
        if isinstance(node, n.Deduct):
            if node.item is None and self.item is None:
                self.fail(node.span, "扣分须指明评分项，如「扣3分 于 项目绩效/项目效益」",
                          "a deduction outside a score item must name the item")
                return None
            if not self.points_ok(node.points, node.span):
                return None
            return c.Consequence("deduct", amount=node.points, item=node.item)
        if isinstance(node, n.SetScore):
            if self.item is None:
                self.fail(node.span, "「得N分」只能用于评分项", "'score N' belongs to a score item")
                return None
            return c.Consequence("set", amount=node.points)
        if isinstance(node, n.Cap):
            if not self.points_ok(node.points, node.span):
                return None
            return c.Consequence("cap", amount=node.points)
        if isinstance(node, n.Halve):
            return c.Consequence("halve")
        if isinstance(node, n.GradeCap):
            return c.Consequence("grade_cap", grade=node.grade)
        if isinstance(node, n.Requirement):
            req = self.requirement(node, severity, self.text_of(node))
            return None if req is None else c.Consequence("requirement", requirement=req)
        if isinstance(node, n.Compare):
            if self.is_formula(node):
                self.fail(node.span, "「得分 = …」只能用于评分项", "'得分 = …' belongs to a score item")
                return None
            check = self.expr(node)
            return None if check is None else c.Consequence("assert", check=check)
        self.fail(node.span, "无法识别的结果", "unknown consequence")
        return None

    # ---- score items ------------------------------------------------------------------

    def score_item(self, it: n.ScoreItem) -> CompiledItem | None:
        if it.per_indicator:
            return self.row_item(it)
        self.item = it
        before = len(self.errors)
        self.points_ok(it.weight, self.header(it.span))
        formula, ladder, otherwise, stmts = None, [], None, []
        meta = {m.key: m.text for m in it.clauses if isinstance(m, n.Meta)}
        try:
            for cl in it.clauses:
                if isinstance(cl, n.Meta):
                    continue
                if (isinstance(cl, n.Assertion) and isinstance(cl.cond, n.Compare)
                        and cl.cond.op == "=" and isinstance(cl.cond.left, n.Name)
                        and ITEM_NAMES.get(cl.cond.left.text) == "score"):
                    if formula is not None:
                        self.fail(cl.span, "评分项只能有一个得分公式", "a score item has one formula")
                    formula = self.expr(cl.cond.right)
                    if formula is not None and formula.type != "num":
                        self.fail(cl.cond.right.span, "得分公式须为数值", "a score formula must be a number")
                elif isinstance(cl, n.Implication) and isinstance(cl.consequence, n.SetScore):
                    cond = self.expr(cl.cond)
                    if cond is not None:
                        self.want_bool(cond, cl.cond)
                        ladder.append((cond, cl.consequence.points))
                        self.within_weight(cl.consequence.points, it, cl.consequence.span)
                elif isinstance(cl, n.Otherwise):
                    if not isinstance(cl.consequence, n.SetScore):
                        self.fail(cl.span, "「否则」后须为「N分」", "'otherwise' must give a score")
                    else:
                        otherwise = cl.consequence.points
                        self.within_weight(otherwise, it, cl.consequence.span)
                elif isinstance(cl, n.When):
                    self.fail(cl.span, "评分项不能使用「当」", "'when' is not allowed in a score item")
                else:
                    s = self.stmt(cl, "error")
                    if s is not None:
                        stmts.append(s)
            if formula is not None and (ladder or otherwise is not None):
                self.fail(it.span, "评分项不能同时有公式和阶梯", "a score item has a formula or a ladder, not both")
        finally:
            self.item = None
        if len(self.errors) > before:
            return None
        return CompiledItem(it.path, it.weight, it.title, formula, tuple(ladder), otherwise,
                            tuple(stmts), meta.get("basis"), f"{it.span.file}:{it.span.line}", it,
                            it.discretionary)

    def row_item(self, it: n.ScoreItem) -> CompiledItem | None:
        """An item scored row by row: each indicator's score from the first step that applies."""
        before = len(self.errors)
        self.points_ok(it.weight, self.header(it.span))
        rows = self.opt_bool(it.rows)
        steps: list[tuple[Expr | None, Expr]] = []
        stmts: list[c.Stmt] = []
        meta = {m.key: m.text for m in it.clauses if isinstance(m, n.Meta)}
        self.item = it
        self.rows_item = True  # 分值 means the row's weight here, not the item's
        try:
            for cl in it.clauses:
                if isinstance(cl, n.Meta):
                    continue
                cond_node, cons = None, None
                if isinstance(cl, n.Assertion):
                    cons = cl.cond
                elif isinstance(cl, n.Implication):
                    cond_node, cons = cl.cond, cl.consequence
                elif isinstance(cl, n.Otherwise):
                    cons = cl.consequence
                formula = None
                if self.is_formula(cons):
                    formula = self.expr(cons.right)
                elif isinstance(cons, n.SetScore):
                    v = cons.points
                    formula = Expr(lambda ctx, i: v, "num", "project", f"{v}分")
                if formula is None and (self.is_formula(cons) or isinstance(cons, n.SetScore)):
                    continue  # the error is already reported
                if formula is not None:
                    cond = self.opt_bool(cond_node)
                    if formula.type not in ("num", "value"):
                        self.fail(cons.span, "得分公式须为数值", "a score formula must be a number")
                    steps.append((cond, formula))
                elif isinstance(cl, n.When):
                    self.fail(cl.span, "评分项不能使用「当」", "'when' is not allowed in a score item")
                else:
                    st = self.stmt(cl, "error")
                    if st is not None:
                        st.scope = "indicator"
                        stmts.append(st)
            if not steps:
                self.fail(it.span, "逐项评分的评分项须有得分公式，如「得分 = 分值 × 完成率」",
                          "a row-by-row item needs a formula such as 得分 = 分值 × 完成率")
        finally:
            self.item = None
            self.rows_item = False
        if len(self.errors) > before:
            return None
        return CompiledItem(it.path, it.weight, it.title, None, (), None, tuple(stmts), meta.get("basis"),
                            f"{it.span.file}:{it.span.line}", it, it.discretionary, True, rows, tuple(steps))

    @staticmethod
    def is_formula(node) -> bool:
        return (isinstance(node, n.Compare) and node.op == "=" and isinstance(node.left, n.Name)
                and ITEM_NAMES.get(node.left.text) == "score")

    def points_ok(self, x: Decimal, span: Span) -> bool:
        """Points (a weight, a deduction, a cap) are what a score sheet can hold exactly:
        at most two decimals and a sane size (5‰ or 10^30 points would break the sheet)."""
        if x > MAX_POINTS or x.normalize().as_tuple().exponent < -2:
            self.fail(span, f"分数 {x} 无效：分数须在 0 到 {MAX_POINTS} 之间，最多两位小数",
                      f"points {x} invalid: points are between 0 and {MAX_POINTS} with at most two decimals")
            return False
        return True

    def within_weight(self, points: Decimal, it: n.ScoreItem, span: Span) -> None:
        if not self.points_ok(points, span):
            return
        if points > it.weight:
            self.fail(span, f"阶梯得分 {points} 超过分值 {it.weight}",
                      f"ladder score {points} exceeds the weight {it.weight}")

    def check_weights(self, items: list[CompiledItem]) -> None:
        paths = {i.path: i for i in items}
        for i in items:
            kids = [k for k in items if k.path.startswith(i.path + "/")
                    and "/" not in k.path[len(i.path) + 1:]]
            if kids:
                total = sum((k.weight for k in kids), Decimal(0))
                if total != i.weight:
                    self.file = i.node and next((f for f in self.files if f.path == i.node.span.file), None)
                    parts = " + ".join(f"{k.path[len(i.path) + 1:]} {k.weight}" for k in kids)
                    self.fail(self.header(i.node.span), f"评分项「{i.path}」分值 {i.weight} 与下级分值合计 {total} 不符",
                              f"item {i.path} weighs {i.weight} but its parts add up to {total}",
                              f"下级评分项：{parts} = {total}")
        del paths

    # ---- names, predicates, expressions -------------------------------------------------

    def category(self, word: str, span: Span, where: str) -> None:
        known = set(LEVEL1) | set(LEVEL2) | set(SYNONYMS) | {v for v, _ in self.synonyms.items()}
        known |= {canon for _, canon in self.synonyms.items()}
        if clean(word) not in known:
            zh = (f"「{where}」前的「{word}」不是已知的指标类别" if where == "不适用于"
                  else f"「{word}」不是已知的{where}类别")
            self.fail(span, zh, f"{word} is not a known indicator category", self.suggest(word, known))

    def want_bool(self, e: Expr, node: n.Node) -> None:
        if e.type != "bool":
            self.fail(node.span, f"此处须为条件（如 执行率 < 60%），而「{e.text}」不是条件",
                      "a condition is expected here")

    def opt_bool(self, node: n.Node | None) -> Expr | None:
        if node is None:
            return None
        e = self.expr(node)
        if e is not None:
            self.want_bool(e, node)
        return e

    def name(self, node: n.Name) -> Expr | None:
        t = node.text
        if self.item is not None and t in ITEM_NAMES and ITEM_NAMES[t] == "weight" and not self.rows_item:
            w = self.item.weight
            return Expr(lambda ctx, i: w, "num", "project", t, "", (), t)
        f = FIELDS.get(t) or FIELDS.get(t.lower())
        if f is not None:
            get = f.get
            unit = "%" if f.label in ("执行率", "完成率", "最高完成率", "平均执行进度") else ("万元" if f.label in (
                "年初预算", "年度预算", "上年结转", "调整", "支出") else "")
            return Expr(get, f.type, f.scope, t, unit, (), f.label)
        if t in self.wordlists:
            words = self.wordlists[t]
            return Expr(lambda ctx, i: words, "list", "project", t)
        candidates = [k for k in FIELDS if not k.isascii()] + list(self.wordlists)
        close = difflib.get_close_matches(t, candidates, n=1, cutoff=0.4)
        # Suggest a field by its own name (指标名 → 三级指标, not its alias 指标名称).
        guess = (FIELDS[close[0]].label if close[0] in FIELDS else close[0]) if close else None
        hint = f"是否指「{guess}」？ (did you mean {guess}?)\n  " if guess else ""
        self.fail(node.span, f"未知字段「{t}」", f"unknown field '{t}'",
                  hint + "可用字段: 一级指标, 二级指标, 三级指标, 指标值, 实际完成值, 分值, 得分, 类别, 阶段, 执行率 …")
        return None

    def known_name(self, t: str) -> bool:
        return t in FIELDS or t.lower() in FIELDS or t in self.wordlists or t in DECLARED_ROWS

    def expr(self, node: n.Node) -> Expr | None:
        m = getattr(self, "x_" + type(node).__name__, None)
        if m is None:
            self.fail(node.span, "此处不能写这种表达式", "expression not allowed here")
            return None
        return m(node)

    def x_Name(self, node: n.Name):
        return self.name(node)

    def x_Number(self, node: n.Number):
        v = node.value
        return Expr(lambda ctx, i: v, "num", "project", node.text, "%" if node.unit in ("%", "％") else node.unit)

    def x_String(self, node: n.String):
        t = node.text
        return Expr(lambda ctx, i: t, "text", "project", f"「{t}」")

    def x_ListLit(self, node: n.ListLit):
        items = node.items
        return Expr(lambda ctx, i: items, "list", "project", self.text_of(node))

    def _scope(self, *parts: Expr) -> str:
        return "indicator" if any(p.scope == "indicator" for p in parts) else "project"

    def x_BinOp(self, node: n.BinOp):
        a, b = self.expr(node.left), self.expr(node.right)
        if a is None or b is None:
            return None
        for side, e in ((node.left, a), (node.right, b)):
            if e.type not in ("num", "value"):
                self.fail(side.span, f"「{e.text}」不是数值，不能参与运算", f"{e.text} is not a number")
                return None
        op, fa, fb, la, lb = node.op, a.fn, b.fn, a.label or a.text, b.label or b.text

        def fn(ctx, i):
            x, y = as_num(fa(ctx, i), la), as_num(fb(ctx, i), lb)
            return first_unknown(x, y) or arith(op, x, y)
        unit = (a.unit or b.unit) if op in "+−" and (a.unit or b.unit) == "%" else ""
        return Expr(fn, "num", self._scope(a, b), self.text_of(node), unit, (a, b))

    def x_Neg(self, node: n.Neg):
        a = self.expr(node.operand)
        if a is None:
            return None
        fa, la = a.fn, a.label or a.text

        def fn(ctx, i):
            x = as_num(fa(ctx, i), la)
            return x if isinstance(x, Unknown) else -x
        return Expr(fn, "num", a.scope, self.text_of(node), a.unit, (a,))

    def x_Compare(self, node: n.Compare):
        a = self.expr(node.left)
        if (a is not None and a.type == "text" and node.op in ("=", "≠") and isinstance(node.right, n.Name)
                and not self.known_name(node.right.text)):
            self.check_vocab(node.right.text, node.right.span, node.left)
            b = self.x_String(n.String(span=node.right.span, text=node.right.text))
        else:
            b = self.expr(node.right)
        if a is None or b is None:
            return None
        cmp = CMP_FNS[node.op]
        numeric = {a.type, b.type} <= {"num", "value"} and "num" in {a.type, b.type}
        if numeric or (a.type == b.type == "value"):
            fa, fb, la, lb = a.fn, b.fn, a.label or a.text, b.label or b.text

            def fn(ctx, i):
                x, y = as_num(fa(ctx, i), la), as_num(fb(ctx, i), lb)
                return first_unknown(x, y) or cmp(x, y)
        elif node.op in ("=", "≠") and {a.type, b.type} <= {"text", "value"}:
            fa, fb, canon = a.fn, b.fn, self.synonyms.canonical
            eq = node.op == "="

            def fn(ctx, i):
                x, y = as_text(fa(ctx, i)), as_text(fb(ctx, i))
                u = first_unknown(x, y)
                return u if u else ((canon(x) == canon(y)) == eq)
        else:
            self.fail(node.span, f"「{a.text}」与「{b.text}」不能比较大小",
                      f"cannot compare {a.text} with {b.text}",
                      "只有数值（如 分值、执行率、计数(…)）能比较大小；文字请用「是」「属于」「包含」")
            return None
        return Expr(fn, "bool", self._scope(a, b), self.text_of(node), "", (a, b))

    def x_BoolOp(self, node: n.BoolOp):
        a, b = self.expr(node.left), self.expr(node.right)
        if a is None or b is None:
            return None
        self.want_bool(a, node.left)
        self.want_bool(b, node.right)
        fa, fb = a.fn, b.fn
        if node.op == "and":
            def fn(ctx, i):
                x = fa(ctx, i)
                if x is False:
                    return False
                y = fb(ctx, i)
                return first_unknown(x, y) or (x and y)
        else:
            def fn(ctx, i):
                x = fa(ctx, i)
                if x is True:
                    return True
                y = fb(ctx, i)
                return y if y is True else (first_unknown(x, y) or False)
        return Expr(fn, "bool", self._scope(a, b), self.text_of(node), "", (a, b))

    def x_Not(self, node: n.Not):
        a = self.expr(node.operand)
        if a is None:
            return None
        self.want_bool(a, node.operand)
        fa = a.fn
        return Expr(lambda ctx, i: (lambda x: x if isinstance(x, Unknown) else not x)(fa(ctx, i)),
                    "bool", a.scope, self.text_of(node), "", (a,))

    def x_Test(self, node: n.Test):
        subj = self.expr(node.subject)
        if subj is None:
            return None
        test = self.pred(node.pred, subj.type, node.subject)
        if test is None:
            return None
        fs, neg = subj.fn, node.negated

        def fn(ctx, i):
            v = fs(ctx, i)
            if isinstance(v, Unknown):
                return v
            r = test(ctx, i, v)
            return r if isinstance(r, Unknown) else (bool(r) != neg)
        scope = "indicator" if subj.type == "indicator" else subj.scope
        return Expr(fn, "bool", scope, self.text_of(node), "", (subj,))

    def x_Call(self, node: n.Call):
        # 计数(申报指标 其中 …): count the rows of the same project's declared (申报) set.
        declared = bool(node.args) and isinstance(node.args[0], n.Name) and \
            node.args[0].text in DECLARED_ROWS
        if declared and node.func != "count":
            self.fail(node.args[0].span, "「申报指标」只能用于计数", "declared rows can only be counted")
            return None
        args = [self.expr(a) for a in (node.args[1:] if declared else node.args)]
        if any(a is None for a in args):
            return None
        where = self.opt_bool(node.where)
        if declared:
            fw = where.fn if where is not None else None

            def count_declared(ctx, i):
                d = ctx.declared_context()
                if isinstance(d, Unknown):
                    return d
                return Decimal(sum(1 for k in range(len(d.indicators)) if fw is None or fw(d, k) is True))
            text = self.text_of(node)
            return Expr(count_declared, "num", "project", text, "", (), text)
        if node.func == "count":
            if len(args) > 1:
                self.fail(node.span, "计数只接受一个条件", "count takes one condition")
                return None
            cond = args[0] if args else None
            if cond is not None and cond.type == "indicator":
                cond = None  # 计数(指标): all indicators
            if cond is not None:
                self.want_bool(cond, node.args[0])
            conds = [x.fn for x in (cond, where) if x is not None]

            def fn(ctx, i):
                total = 0
                for k in range(len(ctx.indicators)):
                    if all(f(ctx, k) is True for f in conds):
                        total += 1
                return Decimal(total)
            return Expr(fn, "num", "project", self.text_of(node), "", (), self.text_of(node))
        if node.func in ("sum", "avg") or (node.func in ("min", "max") and len(args) == 1):
            if len(args) != 1:
                self.fail(node.span, "合计/平均须有一个参数", "sum/avg take one argument")
                return None
            a = args[0]
            fa, label, fw, func = a.fn, a.label or a.text, where.fn if where else None, node.func

            def fn(ctx, i):
                vals = []
                for k in range(len(ctx.indicators)):
                    if fw is not None and fw(ctx, k) is not True:
                        continue
                    v = as_num(fa(ctx, k), label)
                    if isinstance(v, Unknown):
                        return v
                    vals.append(v)
                if func == "sum":
                    return sum(vals, Decimal(0))
                if not vals:
                    return Unknown("没有可计算的指标 (no indicators to aggregate)")
                return {"avg": lambda: sum(vals, Decimal(0)) / len(vals), "min": lambda: min(vals),
                        "max": lambda: max(vals)}[func]()
            return Expr(fn, "num", "project", self.text_of(node), a.unit, (), self.text_of(node))
        # min/max of several numbers
        fns = [(a.fn, a.label or a.text) for a in args]
        pick = min if node.func == "min" else max

        def fn(ctx, i):
            vals = [as_num(f(ctx, i), lb) for f, lb in fns]
            return first_unknown(*vals) or pick(vals)
        return Expr(fn, "num", self._scope(*args), self.text_of(node), args[0].unit, tuple(args))

    def pred(self, p: n.Pred, stype: str, subject: n.Node | None):
        """A test function (ctx, i, subject value) → bool | Unknown, or None after an error."""
        if isinstance(p, n.PredEmpty):
            neg = p.negated

            def empty(ctx, i, v):
                if hasattr(v, "empty") and not isinstance(v, (tuple, str)):
                    e = v.empty
                else:
                    e = v is None or (isinstance(v, (str, tuple)) and not (v.strip() if isinstance(v, str) else v)) \
                        or (isinstance(v, str) and v.strip() in ("/", "-", "—", "无"))
                return e != neg
            return empty
        if isinstance(p, n.PredCompare):
            right = self.expr(p.right)
            if right is None:
                return None
            if stype not in ("num", "value") or right.type not in ("num", "value"):
                self.fail(p.span, "只能比较数值", "only numbers can be compared")
                return None
            cmp, fr, lr = CMP_FNS[p.op], right.fn, right.label or right.text
            ls = subject.text if isinstance(subject, n.Name) else "值"

            def compare(ctx, i, v):
                x, y = as_num(v, ls), as_num(fr(ctx, i), lr)
                return first_unknown(x, y) or cmp(x, y)
            return compare
        if isinstance(p, (n.PredIn, n.PredContains)):
            words = self.words(p.target, subject)
            if words is None:
                return None
            canon = self.synonyms.canonical
            label = subject.text if isinstance(subject, n.Name) else "值"
            if isinstance(p, n.PredIn):
                cw = frozenset(canon(w) for w in words)

                def member(ctx, i, v):
                    if isinstance(v, tuple):
                        return any(canon(x) in cw for x in v)
                    t = as_text(v)
                    if isinstance(t, Unknown):
                        return t
                    if not t.strip():
                        return Unknown(f"{label}为空，无法判断 ({label} is blank)")
                    return canon(t) in cw
                return member
            plain = tuple(clean(w) for w in words)
            label = subject.text if isinstance(subject, n.Name) else "值"

            def contains(ctx, i, v):
                if isinstance(v, tuple):
                    cv = {canon(x) for x in v}
                    return any(canon(w) in cv for w in plain)
                t = as_text(v)
                if isinstance(t, Unknown):
                    return t
                t = clean(t)
                return any(w in t for w in plain)
            return contains
        assert isinstance(p, n.PredNamed)
        pred = PREDICATES.get(p.name) or PREDICATES.get(p.name.lower())
        if pred is not None:
            if stype not in pred.types and not (stype == "indicator" or "indicator" in pred.types):
                self.fail(p.span, f"「{p.name}」不能用于{ {'num': '数值', 'text': '文字', 'set': '列表'}.get(stype, stype)}",
                          f"'{p.name}' does not apply to a {stype}")
                return None
            return pred.test
        # Not a predicate: equality with a value (是 满意度指标, 是 自评). Not for a 指标值,
        # which no bare word can equal sensibly (指标值 须 可衡亮 is a misspelt predicate),
        # nor for a word that looks like a misspelt predicate on a field with no vocabulary.
        preds = [k for k in PREDICATES if not k.isascii()]
        near = [k for k in difflib.get_close_matches(p.name, preds, n=3, cutoff=0.6) if len(k) == len(p.name)]
        f = FIELDS.get(subject.text) if isinstance(subject, n.Name) else None
        if stype == "value" or (near and not (f is not None and f.values)):
            self.fail(p.span, f"未知谓词「{p.name}」", f"unknown predicate '{p.name}'",
                      self.suggest(p.name, preds) or "可用: " + "、".join(preds)
                      + "；比较文字请写成：指标值 = 「…」")
            return None
        if stype in ("text", "value", "set"):
            # words() checks the word against the field's vocabulary (阶段 是 自平 …).
            return self.pred(n.PredIn(span=p.span, target=n.ListLit(span=p.span, items=(p.name,))),
                             stype, subject)
        preds = [k for k in PREDICATES if not k.isascii()]
        self.fail(p.span, f"未知谓词「{p.name}」", f"unknown predicate '{p.name}'",
                  self.suggest(p.name, preds) or "可用: " + "、".join(preds))
        return None

    def check_vocab(self, word: str, span: Span, subject: n.Node | None) -> None:
        """A value compared with a closed vocabulary (阶段, 一级/二级指标) must belong to it."""
        if not isinstance(subject, n.Name):
            return
        f = FIELDS.get(subject.text) or FIELDS.get(subject.text.lower())
        if f is None or not f.values:
            return
        if f.label in ("一级指标", "二级指标"):
            self.category(word, span, f.label)
        elif word not in f.values:
            self.fail(span, f"「{word}」不是{f.label}的取值", f"{word} is not a value of {f.label}",
                      self.suggest(word, f.values) or "可选: " + "、".join(f.values))

    def words(self, target: n.Node, subject: n.Node | None) -> tuple[str, ...] | None:
        if isinstance(target, n.ListLit):
            for w in target.items:
                self.check_vocab(w, target.span, subject)
            return target.items
        if isinstance(target, n.String):
            return (target.text,)
        if isinstance(target, n.Name):
            if target.text in self.wordlists:
                return self.wordlists[target.text]
            self.check_vocab(target.text, target.span, subject)
            return (target.text,)
        self.fail(target.span, "此处须为列表、词表名或文字", "a list, word list or text is expected")
        return None


def run_rule(rule: CompiledRule, ctx: Context):
    """Events of one rule on one context, with "not applicable" when a 当 is false."""
    for w in rule.when:
        r = w.fn(ctx, None) if w.scope == "project" else True
        if isinstance(r, Unknown):
            yield c.NA(None, r.reason)
            return
        if r is not True:
            yield c.NA(None, f"仅当「{w.text}」时适用 (applies only when {w.text})")
            return
    ind_whens = [w for w in rule.when if w.scope == "indicator"]
    for s in rule.stmts:
        if isinstance(s, c.Applicability):
            reason = s.project_na(ctx)
            if reason:
                yield c.NA(None, reason)
                continue
        if s.scope == "indicator":
            for i in range(len(ctx.indicators)):
                if ind_whens and not all(w.fn(ctx, i) is True for w in ind_whens):
                    continue
                yield from s.run(ctx, i)
        else:
            yield from s.run(ctx, None)
