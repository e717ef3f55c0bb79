"""Syntax tree → checks. Every name is resolved here; an unknown one is a compile error.

The compiler runs in named stages, in this order because each needs the one before:

1. ``definitions``: collect word lists and synonyms of all files (rules may use a list
   defined further down or in another file of the pack);
2. ``rules``: resolve names and types in each rule and build its statements;
3. ``items``: build score items (formula, ladder, deductions) and check their weights.

Errors are collected, not raised one by one, so a file's every mistake is reported.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from decimal import Decimal

import attrs

from ..data.categories import Synonyms
from ..data.values import DEFAULT_STATE_WORDS, DEFAULT_VAGUE_WORDS
from ..suggest import DidYouMean, did_you_mean
from ..errors import ErrorGroup, PerfrulesError, RuleCompileError, Span, Suggestion
from ..language import nodes as n
from ..language.source import Source
from ..language.vocabulary import name_char
from . import checks as c
from .compile_expr import ExprCompiler
from .context import Env
from .compiled import Compiled, CompiledItem, CompiledRule
from .expr import Expr, Template
from .vocab import ITEM_NAMES, PREDICATES, STATE_LIST, VAGUE_LIST

MAX_POINTS = Decimal(1000)
# {三级指标}, {合计(分值) − 90}: a field or a formula in a message. A bare name needs no
# parser (the common case: warm runs never build Lark for it); anything else is parsed.
_PLACEHOLDER = re.compile(r"\{([^{}\n]{1,200})\}")


def _bare_name(raw: str) -> bool:
    """Whether ``raw`` is one name, [\\u3400-\\u9fffA-Za-z_][\\u3400-\\u9fffA-Za-z0-9_·.]*: checked
    character by character, as compiling a class of the CJK range costs a run 4 ms."""
    return bool(raw) and name_char(raw[0], first=True) and all(name_char(c) for c in raw[1:])


@attrs.frozen
class Scope:
    """Where the compiler stands while it builds one thing. Set only by
    :meth:`_Compiler.under` for the block that builds it, and restored after it."""

    file: n.RuleFile | None = None  # whose text errors quote and statements are cut from
    item: n.ScoreItem | None = None  # the score item being built: 分值 is its weight
    rows_item: bool = False  # it is scored row by row: 分值 is the row's, statements run per row


class EmptyRuleError(RuleCompileError):
    """A rule with nothing to check. In a file with lines that did not parse it may only
    mean those lines were its statements (a pack's loader then leaves it out)."""


def compile_files(files: Sequence[n.RuleFile], default_severity: str = "error",
                  inherited: int = 0, field_specs: Sequence = ()) -> Compiled:
    """Compile rule files together. The first ``inherited`` files come from packs this one
    extends: its own files may redefine their word lists (a variant the child chooses).
    ``field_specs``: the fields the pack declares (pack.yaml ``fields``), named in rules like
    the built-in ones."""
    return _Compiler(files, default_severity, inherited, field_specs).run()


class _Compiler(ExprCompiler):
    def __init__(self, files: Sequence[n.RuleFile], default_severity: str, inherited: int = 0,
                 field_specs: Sequence = ()):
        from .vocab import declared_field
        # Declared fields by name (resolved after the built-in ones: a declaration may not reuse one).
        self.pack_fields = {s.name: declared_field(s) for s in field_specs}
        self.files = list(files)
        self.inherited = inherited
        self.default_severity = default_severity
        self.errors: list[PerfrulesError] = []
        self.wordlists: dict[str, tuple[str, ...]] = {}
        self.synonyms = Synonyms()
        self.at = Scope()  # changed only by under()
        self._sources: dict[int, Source] = {}  # id(file) → its Source, lines split once

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
            with self.under(file=f):
                for name in f.broken_names:  # a line that did not parse still names its fields
                    if not self.known_name(name.text) and name.text not in ITEM_NAMES:
                        self.name(name)
                rules += [r for r in (self.guarded(self.rule, x) for x in f.rules) if r is not None]
                items += [i for i in (self.guarded(self.score_item, x) for x in f.items) if i is not None]
        self.check_weights(items)
        ErrorGroup.raise_if_any(self.errors)
        return Compiled(tuple(rules), tuple(items), env, tuple(self.files))

    def definitions(self) -> None:
        pairs = []
        first: dict[str, tuple[Span, bool]] = {}  # name → (where, defined by this pack itself)
        for k, f in enumerate(self.files):
            for wl in f.wordlists:
                own = k >= self.inherited
                if wl.name in self.wordlists and (not own or first[wl.name][1]):
                    was = first[wl.name][0]
                    with self.under(file=f):
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

    @contextlib.contextmanager
    def under(self, **where):
        """Build under a narrower scope (``file=``, ``item=``, ``rows_item=``): the methods
        called in the block see it as ``self.at``; the scope before is back after the block,
        whatever happened in it."""
        saved = self.at
        self.at = attrs.evolve(saved, **where)
        try:
            yield self.at
        finally:
            self.at = saved

    def runs_per(self, scope: str) -> str:
        """A statement's scope as built: under a row-by-row item every statement runs per row."""
        return "indicator" if self.at.rows_item else scope

    def guarded(self, build, node):
        """``build(node)``; a syntax tree too deep to walk (the parser refuses those, but a
        tree may come from elsewhere) is a compile error at the node, never a traceback."""
        try:
            return build(node)
        except RecursionError:
            self.fail(self.header(node.span), "规则嵌套过深，无法编译", "rule nested too deep to compile",
                      "请把条件拆成几行或几条规则 (split it into several rules)")
            return None

    # ---- errors -------------------------------------------------------------------

    def source(self) -> Source:
        f = self.at.file
        if f is None:
            return Source("", "")
        src = self._sources.get(id(f))
        if src is None:
            src = self._sources[id(f)] = Source(f.path, f.text)
        return src

    def fail(self, span: Span, zh: str, en: str, hint: str | None = None,
             kind: type[RuleCompileError] = RuleCompileError, suggestion: Suggestion | None = None) -> None:
        src = self.source()
        if suggestion is None and isinstance(hint, DidYouMean):  # a did-you-mean also as data
            suggestion = hint.suggestion
        self.errors.append(kind(zh, en, where=span, excerpt=src.excerpt(span), hint=None if hint is None else str(hint),
                                suggestion=suggestion))

    def header(self, span: Span) -> Span:
        """A rule's or item's span cut to its header line, so the caret underlines the header."""
        lines = self.at.file.lines if self.at.file else []
        end = len(lines[span.line - 1]) + 1 if 1 <= span.line <= len(lines) else span.column + 1
        return Span(span.file, span.line, span.column, span.line, end)

    def suggest(self, word: str, candidates) -> str | None:
        """The hint for a word of the language: a likely typo of a word of the same kind only."""
        return did_you_mean(word, [c for c in candidates if c.isascii() == word.isascii()])

    def text_of(self, node: n.Node) -> str:
        f = self.at.file
        return f.excerpt(node.span).strip() if f else ""

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
                          "在规则下写一行要求，例如：每个指标: 三级指标 不得为空", kind=EmptyRuleError)
        message = next((m for m in r.clauses if isinstance(m, n.Meta) and m.key == "message"), None)
        template = self.template(message.text, message.span) if message is not None else None
        if len(self.errors) > before:
            return None
        title = r.title or (self.text_of(r.clauses[0]) if r.anonymous and r.clauses else r.id)
        return CompiledRule(r.id, title, severity, meta.get("basis"), meta.get("explain"),
                            meta.get("fix"), meta.get("message"),
                            f"{r.span.file}:{r.span.line}", tuple(whens), tuple(stmts), r,
                            provenance=meta.get("source"), template=template)

    def template(self, text: str, span: Span) -> Template | None:
        """A message's ``{…}`` placeholders, each compiled as an expression; an unknown field
        or a formula that does not compile is an error here, never printed literally later."""
        parts: dict[str, Expr] = {}
        for m in _PLACEHOLDER.finditer(text):
            raw = m.group(1).strip()
            if m.group(1) in parts:
                continue
            e = self.placeholder(raw, span)
            if e is not None:
                parts[m.group(1)] = e
        return Template(text, tuple(parts.items())) if parts else None

    def placeholder(self, raw: str, span: Span) -> Expr | None:
        before = len(self.errors)
        if _bare_name(raw):
            e = self.expr(n.Name(span=span, text=raw))
        else:
            from ..language.parser import parse_text_partial  # only for a formula: Lark is slow to build
            tree, errs = parse_text_partial(raw, "<消息>")
            cl = tree.rules[0].clauses if len(tree.rules) == 1 and not tree.items else ()
            if errs or len(cl) != 1 or not isinstance(cl[0], n.Assertion) or cl[0].unless is not None:
                self.fail(span, f"消息中的「{{{raw}}}」不是字段或算式", f"'{{{raw}}}' in the message is not a field or a formula",
                          "花括号中写字段名或算式，如 {三级指标}、{合计(分值) − 90} (a field or a formula)")
                return None
            with self.under(file=tree):
                e = self.expr(cl[0].cond)
        for k in range(before, len(self.errors)):  # say where in the message, at the message's line
            err = self.errors[k]
            self.errors[k] = RuleCompileError(f"消息中的「{{{raw}}}」：{err.zh}", f"in the message's {{{raw}}}: {err.en}",
                                              where=span, excerpt=self.source().excerpt(span), hint=err.hint,
                                              suggestion=err.suggestion)
        if e is not None and e.type == "bool":
            self.fail(span, f"消息中的「{{{raw}}}」是条件，不是可显示的值", f"'{{{raw}}}' in the message is a condition, not a value")
            return None
        return e if len(self.errors) == before else None

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
            return c.Assertion(cond, self.opt_bool(s.unless), text, self.runs_per(cond.scope))
        if isinstance(s, n.Implication):
            cond = self.expr(s.cond)
            conss = [self.consequence(x, severity) for x in (s.consequence, *s.also)]
            if cond is None or any(x is None for x in conss):
                return None
            self.want_bool(cond, s.cond)
            scope = cond.scope
            for cons in conss:
                if cons.requirement is not None and cons.requirement.scope == "indicator":
                    scope = "indicator"
                if cons.check is not None and cons.check.scope == "indicator":
                    scope = "indicator"
            return c.Implication(cond, tuple(conss), text, self.runs_per(scope))
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
        scope = self.runs_per(subject.scope if subject is not None else "indicator")
        label = (subject.label or subject.text) if subject is not None else "指标"
        positive = s.modal in ("must", "should")
        what, right = self.violation(s.pred, positive)
        bounds = self.bounds(subject, s.pred, positive) if subject is not None else None
        return c.Requirement(subject, positive, test, severity, unless, text, scope, label, what, right,
                             Expr(lambda ctx, i: None, "bool", scope, text, bounds=bounds) if bounds else None)

    def violation(self, p: n.Pred, positive: bool) -> tuple[str, Expr | None]:
        """How a broken requirement reads: 为空, 不可衡量, 属于[…], 不满足 ≤ 分值 × 50% …"""
        if isinstance(p, n.PredEmpty):
            return ("为空" if positive == p.negated else "不为空"), None
        if isinstance(p, n.PredCompare):
            right = self.expr(p.right)
            return (f"不满足 {p.op} {self.text_of(p.right)}" if positive
                    else f"{p.op} {self.text_of(p.right)}"), right
        if isinstance(p, n.PredEndsIn):
            return (f"词尾不属于{self.text_of(p.target)}" if positive else f"词尾属于{self.text_of(p.target)}"), None
        if isinstance(p, n.PredIn) and isinstance(p.target, n.Interval):
            return (f"不在区间 {self.text_of(p.target)} 内" if positive else f"在区间 {self.text_of(p.target)} 内"), None
        if isinstance(p, (n.PredIn, n.PredContains)):
            verb = "属于" if isinstance(p, n.PredIn) else ("包含短语" if p.phrase else "包含")
            return (f"不{verb}{self.text_of(p.target)}" if positive else f"{verb}{self.text_of(p.target)}"), None
        assert isinstance(p, n.PredNamed)
        pred = PREDICATES.get(p.name) or PREDICATES.get(p.name.lower())
        if pred is not None:
            return (pred.explain if positive else f"为「{pred.label}」"), None
        return (f"不是「{p.name}」" if positive else f"是「{p.name}」"), None

    def consequence(self, node: n.Node, severity: str | None) -> c.Consequence | None:
        if isinstance(node, n.Flag):
            template = self.template(node.message, node.span) if node.message else None
            return c.Consequence("flag", severity=node.severity, message=node.message, template=template)
        if isinstance(node, n.Deduct):
            if node.item is None and self.at.item is None:
                self.fail(node.span, "扣分须指明评分项，如「扣3分 于 项目绩效/项目效益」",
                          "a deduction outside a score item must name the item")
                return None
            if not self.points_ok(node.points, node.span):
                return None
            return c.Consequence("deduct", amount=node.points, item=node.item)
        if isinstance(node, n.SetScore):
            if self.at.item is None:
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
        if isinstance(node, (n.Compare, n.Chain, n.Test)):
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
        before = len(self.errors)
        self.points_ok(it.weight, self.header(it.span))
        formula, ladder, otherwise, stmts = None, [], None, []
        meta = {m.key: m.text for m in it.clauses if isinstance(m, n.Meta)}
        with self.under(item=it):
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
                    if cl.also:
                        self.fail(cl.also[0].span, "阶梯的一级只能给一个得分", "a ladder step gives one score")
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
        if len(self.errors) > before:
            return None
        return CompiledItem(it.path, it.weight, it.title, formula, tuple(ladder), otherwise,
                            tuple(stmts), meta.get("basis"), f"{it.span.file}:{it.span.line}", it,
                            it.discretionary)

    def row_item(self, it: n.ScoreItem) -> CompiledItem | None:
        """An item scored row by row: each indicator's score from the first step that applies."""
        before = len(self.errors)
        self.points_ok(it.weight, self.header(it.span))
        if it.discretionary:
            self.fail(self.header(it.span), "逐项评分的评分项不能标「酌情」：每行的得分已由公式给出",
                      "'discretionary' does not apply to a row-by-row item")
        rows = self.opt_bool(it.rows)
        steps: list[tuple[Expr | None, Expr]] = []
        stmts: list[c.Stmt] = []
        meta = {m.key: m.text for m in it.clauses if isinstance(m, n.Meta)}
        # 分值 means the row's weight here, not the item's; every statement runs per row.
        with self.under(item=it, rows_item=True):
            for cl in it.clauses:
                if isinstance(cl, n.Meta):
                    continue
                cond_node, cons = None, None
                if isinstance(cl, n.Assertion):
                    cons = cl.cond
                elif isinstance(cl, n.Implication):
                    cond_node, cons = cl.cond, cl.consequence
                    if cl.also and (self.is_formula(cons) or isinstance(cons, n.SetScore)):
                        self.fail(cl.also[0].span, "逐项评分的一步只能给一个得分公式",
                                  "a row-by-row step gives one formula")
                        continue
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
                        stmts.append(st)
            if not steps:
                self.fail(it.span, "逐项评分的评分项须有得分公式，如「得分 = 分值 × 完成率」",
                          "a row-by-row item needs a formula such as 得分 = 分值 × 完成率")
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
        children: dict[str, list[CompiledItem]] = {}  # parent path → its items, in order
        for k in items:
            if "/" in k.path:
                children.setdefault(k.path.rsplit("/", 1)[0], []).append(k)
        for i in items:
            kids = children.get(i.path)
            if kids:
                total = sum((k.weight for k in kids), Decimal(0))
                if total != i.weight:
                    parts = " + ".join(f"{k.path[len(i.path) + 1:]} {k.weight}" for k in kids)
                    with self.under(file=next((f for f in self.files if f.path == i.node.span.file), None)):
                        self.fail(self.header(i.node.span), f"评分项「{i.path}」分值 {i.weight} 与下级分值合计 {total} 不符",
                                  f"item {i.path} weighs {i.weight} but its parts add up to {total}",
                                  f"下级评分项：{parts} = {total}")
