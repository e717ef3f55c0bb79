"""Names, predicates and expressions → :class:`~perfrules.engine.expr.Expr` closures.

The expression half of the compiler: each ``x_<Node>`` method turns one node into a
closure built once, after checking that its operands have the types it needs. The
statement half (rules, score items, stages) is :mod:`perfrules.engine.compiler`.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from ..data.categories import LEVEL1, LEVEL2, SYNONYMS, clean
from ..errors import Span, Suggestion
from ..language import nodes as n
from ..language.visitor import dispatch
from ..data.terms import BLANK
from ..data.values import Value
from .context import Unknown, absent
from .expr import CMP_FNS, CompiledPred, Expr, arith, as_num, as_text, first_unknown
from ..suggest import suggest
from .vocab import FIELDS, ITEM_NAMES, PREDICATES

DECLARED_ROWS = ("申报指标", "declared_indicators")

# What 词尾属于 looks past at the end of a text: punctuation, and one bracketed note
# (足额保障率(参保率) ends in 保障率; 指标解释（百分比） in 解释).
_TRAILING = re.compile(r"(?:[(（][^()（）]{0,20}[)）])?[\s。.；;，,、!！]*$")


def memo_short(fn=None, *, size: int = 1 << 15):
    """``fn(text)`` kept for texts of up to 200 characters, the last ``size`` of them: the same
    names and values come back row after row and rule after rule; a long text is rarely seen twice."""
    if fn is None:
        return functools.partial(memo_short, size=size)
    cached = functools.lru_cache(maxsize=size)(fn)

    def get(text: str):
        return cached(text) if len(text) <= 200 else fn(text)
    get.__doc__ = fn.__doc__
    return get


@memo_short
def ending(text: str) -> str:
    """A text as 词尾属于 reads its end: spaces removed, trailing punctuation and a bracketed note dropped."""
    t = clean(text)
    cut = _TRAILING.sub("", t)
    return cut or t




def _ends_in(words: tuple[str, ...]):
    """词尾属于: the text (or an item of a list) ends with one of the words."""
    def test(ctx, i, v):
        if isinstance(v, tuple):
            return any(ending(x).endswith(words) for x in v)
        t = as_text(v)
        if isinstance(t, Unknown):
            return t
        return bool(words) and ending(t).endswith(words)
    return CompiledPred(test)


def _name_kind(name: str) -> str | None:
    """What a field's name says it holds, by its last word: a rate (执行率, 占比) or a count
    or amount (执行数, 金额); None when the name does not say."""
    if name.endswith(("率", "比例", "占比", "比重")):
        return "rate"
    if name.endswith(("数", "额", "金", "资金", "经费", "预算", "支出")):
        return "number"
    return None


def _phrase_test(words: tuple[str, ...]):
    """包含短语: a word counts only where it stands whole, between the text's ends or
    punctuation (「未达成年度指标且效果较差」 does not hold the phrase 达成年度指标)."""
    pattern = re.compile("|".join(
        rf"(?<![^\W_]){re.escape(w)}(?![^\W_])" for w in sorted(words, key=len, reverse=True))) \
        if words else None

    def test(ctx, i, v):
        if pattern is None:
            return False
        if isinstance(v, tuple):
            return any(pattern.search(clean(x)) for x in v)
        t = as_text(v)
        if isinstance(t, Unknown):
            return t
        return pattern.search(clean(t)) is not None
    return CompiledPred(test)


class ExprCompiler:
    """Mixin of the compiler: needs ``fail``, ``suggest``, ``text_of``, ``synonyms``,
    ``wordlists`` and ``at`` (the :class:`~perfrules.engine.compiler.Scope` being compiled,
    set only by the compiler's ``under``) from the class that uses it."""

    def known_categories(self) -> set[str]:
        """Category names and their synonyms: built once per synonym table, not per check."""
        cached = getattr(self, "_known_categories", None)
        if cached is not None and cached[0] is self.synonyms:
            return cached[1]
        known = set(LEVEL1) | set(LEVEL2) | set(SYNONYMS) | {v for v, _ in self.synonyms.items()}
        known |= {canon for _, canon in self.synonyms.items()}
        self._known_categories = (self.synonyms, known)
        return known

    def category(self, word: str, span: Span, where: str) -> None:
        known = self.known_categories()
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
        item = self.at.item
        if item is not None and t in ITEM_NAMES and ITEM_NAMES[t] == "weight" and not self.at.rows_item:
            w = item.weight
            return Expr(lambda ctx, i: w, "num", "project", t, "", (), t)
        f = FIELDS.get(t) or FIELDS.get(t.lower())
        if f is not None:
            get = f.get
            unit = f.unit  # how the field's numbers read in a message: 84.40%, 428.54万元
            return Expr(get, f.type, f.scope, t, unit, (), f.label)
        declared = getattr(self, "pack_fields", {})
        f = declared.get(t)
        if f is not None:  # a field the pack declares in pack.yaml (fields:)
            return Expr(f.get, f.type, f.scope, t, f.unit, (), f.label)
        if t in self.wordlists:
            words = self.wordlists[t]
            return Expr(lambda ctx, i: words, "list", "project", t)
        # Only a likely typo of another field or word list, of the same kind (预算执行数, a
        # number, is no misspelt 预算执行率, a rate); a word the candidate completes first
        # (指标名 → 指标名称, an alias of 三级指标).
        pool = [k for k in FIELDS if k.isascii() == t.isascii()] + list(declared) + list(self.wordlists)
        kind = _name_kind(t)
        pool = [k for k in pool if kind is None or _name_kind(k) in (None, kind)]
        close = next((k for k in pool if len(k) == len(t) + 1 and k.startswith(t)), None) or suggest(t, pool)
        # Suggest a field by its own name (指标名 → 三级指标, not its alias 指标名称).
        guess = (FIELDS[close].label if close in FIELDS else close) if close else None
        hint = f"是否指「{guess}」？ (did you mean {guess}?)\n  " if guess else ""
        self.fail(node.span, f"未知字段「{t}」", f"unknown field '{t}'",
                  hint + "可用字段: 一级指标, 二级指标, 三级指标, 指标值, 实际完成值, 分值, 得分, 类别, 阶段, 执行率 …\n"
                  "  输入中的其他字段须先在 pack.yaml 的 fields 中声明 "
                  "(declare other input fields under fields in pack.yaml)"
                  + ("" if guess else f"\n  若「{t}」是一段文字而不是字段，请加引号：「{t}」 (if it is text, quote it)"),
                  suggestion=Suggestion(t, (guess,), node.span) if guess else None)
        return None

    def known_name(self, t: str) -> bool:
        return (t in FIELDS or t.lower() in FIELDS or t in getattr(self, "pack_fields", {}) or t in self.wordlists
                or t in DECLARED_ROWS)

    # node → Expr | None: the ``x_<ClassName>`` method of the node's class, else a located error.
    expr = dispatch("x_", "not_an_expression", "An expression node → its Expr (None after an error).")

    def not_an_expression(self, node: n.Node) -> None:
        self.fail(node.span, "此处不能写这种表达式", "expression not allowed here")
        return None

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
            return Expr(fn, "bool", self._scope(a, b), self.text_of(node), "", (a, b),
                        bounds=((node.op, a, b),))
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

    def x_Chain(self, node: n.Chain):
        """60% ≤ x < 80%: each operand computed once, every neighbouring pair compared."""
        parts = [self.expr(x) for x in node.operands]
        if any(p is None for p in parts):
            return None
        for x, e in zip(node.operands, parts):
            if e.type not in ("num", "value"):
                self.fail(x.span, f"「{e.text}」不是数值，不能连比", f"{e.text} is not a number",
                          "连比（如 60% ≤ 执行率 < 80%）只用于数值 (a chain of comparisons is for numbers)")
                return None
        fns = tuple((p.fn, p.label or p.text) for p in parts)
        cmps = tuple(CMP_FNS[op] for op in node.ops)

        def fn(ctx, i):
            vals = [as_num(f(ctx, i), lb) for f, lb in fns]
            unknown = None
            for k, cmp in enumerate(cmps):
                x, y = vals[k], vals[k + 1]
                u = first_unknown(x, y)
                if u is not None:
                    unknown = unknown or u
                elif not cmp(x, y):
                    return False  # one pair known false: false (as 且 would be)
            return unknown if unknown is not None else True
        bounds = tuple((op, parts[k], parts[k + 1]) for k, op in enumerate(node.ops))
        return Expr(fn, "bool", self._scope(*parts), self.text_of(node), "", tuple(parts), bounds=bounds)

    def x_BoolOp(self, node: n.BoolOp):
        # A chain is flat (a 且 b 且 c …): one closure loops over its operands, so a
        # 600-way 或 neither recurses here nor when it runs.
        parts = [self.expr(x) for x in node.operands]
        if any(p is None for p in parts):
            return None
        for x, e in zip(node.operands, parts):
            self.want_bool(e, x)
        fns = tuple(p.fn for p in parts)
        if node.op == "and":
            def fn(ctx, i):
                unknown = None
                for f in fns:
                    x = f(ctx, i)
                    if x is False:  # known false anywhere: false, whatever the others (Kleene)
                        return False
                    if unknown is None and isinstance(x, Unknown):
                        unknown = x
                return unknown if unknown is not None else True
        else:
            def fn(ctx, i):
                unknown = None
                for f in fns:
                    x = f(ctx, i)
                    if x is True:
                        return True
                    if unknown is None and isinstance(x, Unknown):
                        unknown = x
                return unknown if unknown is not None else False
        return Expr(fn, "bool", self._scope(*parts), self.text_of(node), "", tuple(parts))

    def x_Not(self, node: n.Not):
        a = self.expr(node.operand)
        if a is None:
            return None
        self.want_bool(a, node.operand)
        fa = a.fn
        return Expr(lambda ctx, i: (lambda x: x if isinstance(x, Unknown) else not x)(fa(ctx, i)),
                    "bool", a.scope, self.text_of(node), "", (a,))

    _NEGATED = {"≥": "<", ">": "≤", "≤": ">", "<": "≥", "=": "≠", "≠": "="}

    def bounds(self, subj: Expr, p: n.Pred, positive: bool = True) -> tuple | None:
        """What a comparison or an interval asks of ``subj``, as (op, subject, bound) pairs
        for a message that states the figures and the gap (see ``expr.shortfall``)."""
        if isinstance(p, n.PredCompare) and subj.type in ("num", "value"):
            right = self.expr(p.right)
            if right is None:
                return None
            return ((p.op if positive else self._NEGATED[p.op], subj, right),)
        if isinstance(p, n.PredIn) and isinstance(p.target, n.Interval) and positive \
                and subj.type in ("num", "value"):
            iv = p.target
            return (("≥" if iv.lo_closed else ">", subj, self.x_Number(iv.lo)),
                    ("≤" if iv.hi_closed else "<", subj, self.x_Number(iv.hi)))
        return None

    def x_Test(self, node: n.Test):
        subj = self.expr(node.subject)
        if subj is None:
            return None
        pred = self.pred(node.pred, subj.type, node.subject)
        if pred is None:
            return None
        bounds = self.bounds(subj, node.pred, not node.negated) if isinstance(node.pred, n.PredIn) else None
        fs, neg, test = subj.fn, node.negated, pred.fn  # the closures below call the function itself
        attr = pred.value_attr
        if attr is not None:
            def fn(ctx, i):  # 指标值 是 量化: the reading's own flag
                v = fs(ctx, i)
                if v.__class__ is Value:
                    return getattr(v, attr) != neg
                if isinstance(v, Unknown):
                    return v
                r = test(ctx, i, v)
                return r if isinstance(r, Unknown) else (bool(r) != neg)
            return Expr(fn, "bool", subj.scope, self.text_of(node), "", (subj,))
        fast = pred.fast_in
        if fast is not None and not neg:
            def fn(ctx, i):  # 一级指标 属于 [...]: a canonical name is a set lookup
                v = fs(ctx, i)
                if type(v) is str and v in fast:
                    return True
                if isinstance(v, Unknown):
                    return v
                r = test(ctx, i, v)
                return r if isinstance(r, Unknown) else bool(r)
            return Expr(fn, "bool", "indicator" if subj.type == "indicator" else subj.scope,
                        self.text_of(node), "", (subj,))

        if pred.accepts_missing:
            def fn(ctx, i):  # x 为空 / x 非空: a field left out (or a cell left blank) is empty
                v = fs(ctx, i)
                if isinstance(v, Unknown):
                    if not absent(v):
                        return v
                    v = None
                return bool(test(ctx, i, v)) != neg
        else:
            def fn(ctx, i):
                v = fs(ctx, i)
                if isinstance(v, Unknown):
                    return v
                r = test(ctx, i, v)
                return r if isinstance(r, Unknown) else (bool(r) != neg)
        scope = "indicator" if subj.type == "indicator" else subj.scope
        return Expr(fn, "bool", scope, self.text_of(node), "", (subj,), bounds=bounds)

    def x_Call(self, node: n.Call):
        """计数 / 合计 / 平均 / 最小 / 最大 / 字数: arguments compiled, then the function's family."""
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
            return self.count_declared(node, where)
        if node.func == "count":
            return self.count_rows(node, args, where)
        if node.func == "length":
            return self.length(node, args, where)
        if node.func in ("sum", "avg") or (node.func in ("min", "max") and len(args) == 1):
            return self.aggregate(node, args, where)
        return self.pick(node, args)  # min/max of several numbers

    def count_declared(self, node: n.Call, where: Expr | None) -> Expr:
        """计数(申报指标 [其中 …]): rows of the project's declared set (申报表)."""
        fw = where.fn if where is not None else None

        def count_declared(ctx, i):
            d = ctx.declared_context()
            if isinstance(d, Unknown):
                return d
            return Decimal(sum(1 for k in range(len(d.indicators)) if fw is None or fw(d, k) is True))
        text = self.text_of(node)
        return Expr(count_declared, "num", "project", text, "", (), text)

    def count_rows(self, node: n.Call, args: list[Expr], where: Expr | None) -> Expr | None:
        """计数([条件] [其中 …]): the rows where the condition (and the filter) hold."""
        if len(args) > 1:
            self.fail(node.span, "计数只接受一个条件", "count takes one condition")
            return None
        cond = args[0] if args else None
        if cond is not None and cond.type == "indicator":
            cond = None  # 计数(指标): all indicators
        if cond is not None:
            self.want_bool(cond, node.args[0])
        conds = [x.fn for x in (cond, where) if x is not None]
        f1 = conds[0] if len(conds) == 1 else None

        def fn(ctx, i):
            # A count is the same for every row of a project: computed once per project.
            memo = ctx.memo
            key = id(fn)
            if key in memo:
                return memo[key]
            n_rows = len(ctx.indicators)
            if not conds:
                total = n_rows
            elif f1 is not None:
                total = sum(1 for k in range(n_rows) if f1(ctx, k) is True)
            else:
                total = sum(1 for k in range(n_rows) if all(f(ctx, k) is True for f in conds))
            memo[key] = result = Decimal(total)
            return result
        return Expr(fn, "num", "project", self.text_of(node), "", (), self.text_of(node))

    def aggregate(self, node: n.Call, args: list[Expr], where: Expr | None) -> Expr | None:
        """合计 / 平均 / 最小 / 最大 of one field over the rows (those the filter keeps)."""
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

    def pick(self, node: n.Call, args: list[Expr]) -> Expr:
        """最小(a, b, …) / 最大(a, b, …): the least or greatest of several numbers."""
        fns = [(a.fn, a.label or a.text) for a in args]
        pick = min if node.func == "min" else max

        def fn(ctx, i):
            vals = [as_num(f(ctx, i), lb) for f, lb in fns]
            return first_unknown(*vals) or pick(vals)
        return Expr(fn, "num", self._scope(*args), self.text_of(node), args[0].unit, tuple(args))

    def length(self, node: n.Call, args: list[Expr], where: Expr | None) -> Expr | None:
        """字数(text): the characters of a text, spaces and line breaks not counted (a 原因说明
        of 100 字 is 100 characters as a reader counts them, punctuation included); a text
        left out or blank has none (that it must be given is 须 非空's business)."""
        if len(args) != 1 or where is not None:
            self.fail(node.span, "字数只接受一个文字参数，如 字数(原因说明)", "length takes one text, as in length(原因说明)")
            return None
        a = args[0]
        if a.type not in ("text", "value"):
            self.fail(node.args[0].span, f"「{a.text}」不是文字，不能计算字数", f"{a.text} is not a text")
            return None
        fa = a.fn

        def fn(ctx, i):
            v = fa(ctx, i)
            if absent(v):  # a text the input leaves out or blank has no characters
                return Decimal(0)
            if isinstance(v, Unknown):
                return v
            t = as_text(v) if v is not None else ""
            return Decimal(sum(1 for ch in t if not ch.isspace()))
        text = self.text_of(node)
        return Expr(fn, "num", a.scope, text, "", (), text)

    def interval(self, iv: n.Interval, stype: str, subject: n.Node | None):
        """属于 / 介于 [lo, hi): a number between two bounds, each end in or out as its bracket says."""
        if stype not in ("num", "value"):
            if stype in ("text", "set") and iv.lo_closed and iv.hi_closed:
                # 阶段 属于 [2022, 2023] on a text: the two words, as a list always meant.
                return self.pred(n.PredIn(span=iv.span, target=n.ListLit(
                    span=iv.span, items=(iv.lo.text, iv.hi.text))), stype, subject)
            self.fail(iv.span, "区间只能用于数值", "an interval applies to numbers only",
                      "文字请列出词语并加引号：属于 [「…」, 「…」] (list words, quoted)")
            return None
        lo, hi = iv.lo.value, iv.hi.value
        if lo > hi or (lo == hi and not (iv.lo_closed and iv.hi_closed)):
            self.fail(iv.span, f"区间 {self.text_of(iv)} 不含任何数", f"the interval {self.text_of(iv)} is empty",
                      "下限应小于上限 (the lower bound comes first)")
            return None
        lo_ok = (lambda x: x >= lo) if iv.lo_closed else (lambda x: x > lo)
        hi_ok = (lambda x: x <= hi) if iv.hi_closed else (lambda x: x < hi)
        label = subject.text if isinstance(subject, n.Name) else "值"

        def between(ctx, i, v):
            x = as_num(v, label)
            return x if isinstance(x, Unknown) else (lo_ok(x) and hi_ok(x))
        return CompiledPred(between)

    # (predicate node, subject type, subject node) → CompiledPred | None: the ``pred_<ClassName>``
    # method of the predicate's class (a predicate class without one raises UnknownNode).
    pred = dispatch("pred_", None, "A predicate → its CompiledPred (None after an error).", extra=True)

    def pred_PredEmpty(self, p: n.PredEmpty, stype: str, subject: n.Node | None) -> CompiledPred:
        neg = p.negated
        blank = BLANK

        def empty(ctx, i, v):
            if v is None:
                e = True
            elif type(v) is str:
                e = v.strip() in blank  # "/" in a 三级指标 cell is how forms say "no name"
            elif type(v) is tuple:
                e = not v
            else:
                e = v.empty if hasattr(v, "empty") else False
            return e != neg
        # A field the input left out is empty: 类别 须 非空 on a project without 类别 is a
        # finding, not "not applicable" (it is what the requirement is about).
        return CompiledPred(empty, accepts_missing=True)

    def pred_PredCompare(self, p: n.PredCompare, stype: str, subject: n.Node | None) -> CompiledPred | None:
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
        return CompiledPred(compare)

    def pred_PredEndsIn(self, p: n.PredEndsIn, stype: str, subject: n.Node | None) -> CompiledPred | None:
        words = self.words(p.target, subject)
        if words is None:
            return None
        return _ends_in(tuple(clean(w) for w in words if clean(w)))

    def pred_PredIn(self, p: n.PredIn, stype: str, subject: n.Node | None) -> CompiledPred | None:
        """属于 [a, b] / 属于 词表: the text (or an item of a list) is one of the words, as the
        synonyms make them canonical; 属于 [lo, hi]: a number in an interval."""
        if isinstance(p.target, n.Interval):
            return self.interval(p.target, stype, subject)
        words = self.words(p.target, subject)
        if words is None:
            return None
        canon = self.synonyms.canonical
        label = subject.text if isinstance(subject, n.Name) else "值"
        cw = frozenset(canon(w) for w in words)

        def member(ctx, i, v):
            if type(v) is str and v in cw:  # already canonical (一级/二级 are)
                return True
            if isinstance(v, tuple):
                return any(canon(x) in cw for x in v)
            t = as_text(v)
            if isinstance(t, Unknown):
                return t
            if not t.strip():
                return Unknown(f"{label}为空，无法判断 ({label} is blank)")
            return canon(t) in cw
        return CompiledPred(member, fast_in=cw)

    def pred_PredContains(self, p: n.PredContains, stype: str, subject: n.Node | None) -> CompiledPred | None:
        """包含 「词」: the text holds one of the words (a list: one of its items is one);
        包含短语: only where the word stands whole."""
        words = self.words(p.target, subject)
        if words is None:
            return None
        if p.phrase:
            return _phrase_test(tuple(clean(w) for w in words if clean(w)))
        canon = self.synonyms.canonical
        plain = tuple(clean(w) for w in words)

        @memo_short(size=4096)  # one per 包含 in a pack: kept small
        def holds(t: str) -> bool:
            t = clean(t)
            return any(w in t for w in plain)

        def contains(ctx, i, v):
            if isinstance(v, tuple):
                cv = {canon(x) for x in v}
                return any(canon(w) in cv for w in plain)
            t = as_text(v)
            if isinstance(t, Unknown):
                return t
            return holds(t)
        return CompiledPred(contains)

    def pred_PredNamed(self, p: n.PredNamed, stype: str, subject: n.Node | None) -> CompiledPred | None:
        """是 可衡量 (a predicate of vocab.PREDICATES), or 是 自评 (a value of the field)."""
        pred = PREDICATES.get(p.name) or PREDICATES.get(p.name.lower())
        if pred is not None:
            if stype not in pred.types and not (stype == "indicator" or "indicator" in pred.types):
                self.fail(p.span, f"「{p.name}」不能用于{ {'num': '数值', 'text': '文字', 'set': '列表'}.get(stype, stype)}",
                          f"'{p.name}' does not apply to a {stype}")
                return None
            return CompiledPred(pred.test, value_attr=pred.value_attr)
        # Not a predicate: equality with a value (是 满意度指标, 是 自评). Not for a 指标值,
        # which no bare word can equal sensibly (指标值 须 可衡亮 is a misspelt predicate),
        # nor for a word that looks like a misspelt predicate on a field with no vocabulary.
        f = FIELDS.get(subject.text) if isinstance(subject, n.Name) else None
        # A value of a field with its own vocabulary (阶段 是 自评) is checked against it below:
        # no need to look for a misspelt predicate on the compile path of every such test.
        near = None if stype != "value" and f is not None and f.values else \
            suggest(p.name, [k for k in PREDICATES if k.isascii() == p.name.isascii()])
        if stype == "value" or near:
            said = subject.text if isinstance(subject, n.Name) else "指标值"
            self.fail(p.span, f"未知谓词「{p.name}」", f"unknown predicate '{p.name}'",
                      f"是否指「{near}」？ (did you mean {near}?)" if near else "可用谓词: " + "、".join(
                          k for k in PREDICATES if not k.isascii())
                      + f"\n  若「{p.name}」是一段文字，请加引号：{said} = 「{p.name}」 或 {said} 包含短语 「{p.name}」 "
                      "(if it is text, quote it)", suggestion=Suggestion(p.name, (near,)) if near else None)
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
