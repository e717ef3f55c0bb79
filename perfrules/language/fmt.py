"""The canonical printer: a rule file in one layout, keeping its comments.

One statement per line, clauses indented two spaces under their 规则/评分项 header, a
blank line between blocks, single spaces between words, 「」 quotes, canonical symbols
(≥ ≤ ≠ − × ÷ ⇒). Keywords are printed in the language the file mostly uses (Chinese or
English) unless told otherwise. Printing is idempotent and keeps the meaning: the
printed file parses to the same syntax tree.
"""

from __future__ import annotations

import re
from decimal import Decimal

from . import nodes as n
from . import vocabulary as _vocabulary
from .parser import parse_text
from .visitor import dispatch

# What fmt prints for each keyword, in each language, and the words that tell the languages
# apart at the start of a line: from the one keyword table (vocabulary.py).
ZH = _vocabulary.ZH
EN = _vocabulary.EN
_EN_WORDS = _vocabulary.line_start("en")
_ZH_WORDS = _vocabulary.line_start("zh")
_WORD_UNSAFE = re.compile(r"[\s,，、\[\]［］「」\"“”『』()（）:：#]")
PREC = {"or": 1, "and": 2, "not": 3, "test": 4, "sum": 5, "product": 6, "unary": 7, "atom": 8}


def language_of(text: str) -> str:
    """The keyword language a file mostly uses: "zh" or "en" (ties go to Chinese)."""
    return "en" if len(_EN_WORDS.findall(text)) > len(_ZH_WORDS.findall(text)) else "zh"


def format_text(text: str, path: str = "<text>", lang: str | None = None) -> str:
    """The file in canonical form (raises the parser's errors for a file that does not parse)."""
    tree = parse_text(text, path)
    return _Printer(lang or language_of(text), text).file(tree)


class _Printer:
    """Prints a tree: a dispatcher per way a node is printed (statement, consequence,
    expression, predicate in a test or in a requirement, target), one method per node class."""

    def __init__(self, lang: str, text: str):
        self.k = ZH if lang == "zh" else EN
        self.lang = lang
        self.lines = text.splitlines()

    # ---- layout and comments -----------------------------------------------------------------

    def file(self, tree: n.RuleFile) -> str:
        full = {ln: c for ln, c in tree.comments if self.lines[ln - 1].lstrip().startswith("#")}
        trailing = {ln: c for ln, c in tree.comments if ln not in full}
        out: list[str] = []
        used: set[int] = set()
        prev_kind = None
        for first, lines in self.blocks(tree):
            kind = "def" if lines[0][2].startswith((self.k["wordlist"], self.k["synonym"])) else (
                "stmt" if len(lines) == 1 and not lines[0][2].startswith((self.k["rule"], self.k["item"]))
                else "block")
            lead = [c for ln, c in sorted(full.items()) if ln < first and ln not in used]
            if out and (kind == "block" or kind != prev_kind or lead):
                out.append("")
            for ln, c in sorted(full.items()):
                if ln < first and ln not in used:
                    out.append(c)
                    used.add(ln)
                    if self.blank_after(ln):  # a comment set apart by a blank line stays apart
                        out.append("")
            for a, b, text in lines:
                for ln, c in sorted(full.items()):  # comments between the clauses of a block
                    if ln < a and ln not in used:
                        out.append(("  " if text.startswith("  ") else "") + c)
                        used.add(ln)
                tail = [trailing[ln] for ln in range(a, b + 1) if ln in trailing]
                out.append(text + ("  " + "  ".join(tail) if tail else ""))
                used.update(ln for ln in range(a, b + 1) if ln in trailing)
            prev_kind = kind
        rest = [c for ln, c in sorted(full.items()) if ln not in used]
        if rest:
            out += [""] + rest if out else rest
        return "\n".join(out) + "\n"

    def blocks(self, tree: n.RuleFile) -> list[tuple[int, list[tuple[int, int, str]]]]:
        """The file's definitions, rules and score items in source order, each as its first
        line and its printed lines: (first line, [(from line, to line, text)])."""
        blocks: list[tuple[int, list[tuple[int, int, str]]]] = []
        for wl in tree.wordlists:
            words = ", ".join(self.word(w) for w in wl.words)
            blocks.append((wl.span.line, [(wl.span.line, wl.span.end_line or wl.span.line,
                                           f"{self.k['wordlist']} {self.word(wl.name)}: {words}")]))
        for syn in tree.synonyms:
            words = ", ".join(self.word(w) for w in syn.variants)
            blocks.append((syn.span.line, [(syn.span.line, syn.span.end_line or syn.span.line,
                                            f"{self.k['synonym']} {self.word(syn.canonical)}: {words}")]))
        for r in tree.rules:
            if r.anonymous:
                st = r.clauses[0]
                blocks.append((st.span.line, [(st.span.line, st.span.end_line or st.span.line, self.stmt(st))]))
            else:
                head = f"{self.k['rule']} {r.id}"
                if r.title is not None:
                    head += f" {self.string(r.title)}"
                if r.severity is not None:
                    head += f" {self.k[r.severity]}"
                blocks.append((r.span.line, [(r.span.line, r.span.line, head)] + self.clauses(r.clauses)))
        for it in tree.items:
            head = f"{self.k['item']} {it.path} {self.k['weight']} {self.num(it.weight)}"
            if it.title is not None:
                head += f" {self.string(it.title)}"
            if it.discretionary:
                head += f" {self.k['discretion']}"
            if it.per_indicator:
                head += f" {self.k['each']}"
                if it.rows is not None:
                    head += f" {self.k['where']} {self.expr(it.rows)}"
            blocks.append((it.span.line, [(it.span.line, it.span.line, head)] + self.clauses(it.clauses)))
        blocks.sort(key=lambda b: b[0])
        return blocks

    def blank_after(self, ln: int) -> bool:
        return ln < len(self.lines) and not self.lines[ln].strip()

    def clauses(self, clauses) -> list[tuple[int, int, str]]:
        return [(c.span.line, c.span.end_line or c.span.line, "  " + self.stmt(c)) for c in clauses]

    # ---- statements ----------------------------------------------------------------------------

    stmt = dispatch("stmt_", doc="A statement node → its text (unindented).")

    def stmt_Meta(self, s) -> str:
        return f"{self.k[s.key]} {self.string(s.text)}"

    def stmt_When(self, s) -> str:
        return f"{self.k['when']} {self.expr(s.cond)}"

    def stmt_Each(self, s) -> str:
        k = self.k
        where = f" {k['where']} {self.expr(s.where)}" if s.where is not None else ""
        return f"{k['each']}{where}: {self.stmt(s.stmt)}"

    def stmt_Requirement(self, s) -> str:
        k = self.k
        subject = f"{self.expr(s.subject, PREC['sum'])} " if s.subject is not None else ""
        # Chinese reads the modal with its predicate: 不得为空, 须可衡量 (a comparison keeps
        # its space: 应 ≤ 150%).
        pred = self.pred(s.pred, requirement=True)
        if self.lang == "zh":
            glue = "" if not isinstance(s.pred, n.PredCompare) and re.match(r"[\u3400-\u9fff]", pred) else " "
        else:  # English reads "must be measurable", "must be in [...]", "must be between [0, 60%)"
            glue = f" {k['be']} " if isinstance(s.pred, (n.PredNamed, n.PredIn, n.PredCompare)) else " "
        return f"{subject}{k[s.modal]}{glue}{pred}{self.unless(s.unless)}"

    def stmt_Applicability(self, s) -> str:
        return f"{s.category} {self.k['not_applicable']} {s.project_category}{self.unless(s.unless)}"

    def stmt_Implication(self, s) -> str:
        k = self.k
        cons = f" {k['and']} ".join(self.consequence(c) for c in (s.consequence, *s.also))
        if isinstance(s.consequence, (n.Requirement, n.Compare, n.Chain, n.Test)):
            return f"{k['if']} {self.expr(s.cond)} {k['then']} {cons}"
        return f"{self.expr(s.cond)} {k['implies']} {cons}"

    def stmt_Assertion(self, s) -> str:
        return f"{self.expr(s.cond)}{self.unless(s.unless)}"

    def stmt_Otherwise(self, s) -> str:
        return f"{self.k['otherwise']} {self.k['implies']} {self.consequence(s.consequence)}"

    def unless(self, cond) -> str:
        return f" {self.k['unless']} {self.expr(cond)}" if cond is not None else ""

    # What follows 则 / ⇒: a flag or score node, a requirement, else an expression (a comparison).
    consequence = dispatch("cons_", "expr", "A consequence node → its text.")

    def cons_Flag(self, c) -> str:
        return self.k[c.severity] + (f" {self.string(c.message)}" if c.message is not None else "")

    def cons_Deduct(self, c) -> str:
        k = self.k
        return k["deduct"].format(self.num(c.points)) + (f" {k['from']} {c.item}" if c.item else "")

    def cons_SetScore(self, c) -> str:
        return self.k["set"].format(self.num(c.points))

    def cons_Cap(self, c) -> str:
        return self.k["cap"].format(self.num(c.points))

    def cons_Halve(self, c) -> str:
        return self.k["halve"]

    def cons_GradeCap(self, c) -> str:
        return f"{self.k['grade_cap']} {c.grade}"

    def cons_Requirement(self, c) -> str:
        return self.stmt(c)

    # ---- expressions ---------------------------------------------------------------------------

    def expr(self, e, parent: int = 0) -> str:
        text, prec = self._expr(e)
        return f"({text})" if prec < parent else text

    _expr = dispatch("expr_", doc="An expression node → (its text, its precedence).")

    def expr_Number(self, e):
        return e.text, PREC["atom"]

    def expr_String(self, e):
        return self.string(e.text), PREC["atom"]

    def expr_Name(self, e):
        return e.text, PREC["atom"]

    def expr_ListLit(self, e):
        return self.list(e.items), PREC["atom"]

    def expr_Call(self, e):
        k = self.k
        args = ", ".join(self.expr(a) for a in e.args)
        where = f"{' ' if args else ''}{k['where']} {self.expr(e.where)}" if e.where is not None else ""
        return f"{k[e.func]}({args}{where})", PREC["atom"]

    def expr_Neg(self, e):
        return f"−{self.expr(e.operand, PREC['unary'])}", PREC["unary"]

    def expr_BinOp(self, e):
        p = PREC["sum"] if e.op in ("+", "−") else PREC["product"]
        return f"{self.expr(e.left, p)} {e.op} {self.expr(e.right, p + 1)}", p

    def expr_Compare(self, e):
        return f"{self.expr(e.left, PREC['sum'])} {e.op} {self.expr(e.right, PREC['sum'])}", PREC["test"]

    def expr_Chain(self, e):
        out = self.expr(e.operands[0], PREC["sum"])
        for op, x in zip(e.ops, e.operands[1:]):
            out += f" {op} {self.expr(x, PREC['sum'])}"
        return out, PREC["test"]

    def expr_BoolOp(self, e):
        # A chain prints flat; an operand that is itself a chain of the same kind came
        # from brackets and keeps them (p + 1), so the printed text parses to the same tree.
        p = PREC[e.op]
        return f" {self.k[e.op]} ".join(self.expr(x, p + 1) for x in e.operands), p

    def expr_Not(self, e):
        return f"{self.k['not']} {self.expr(e.operand, PREC['not'])}", PREC["not"]

    def expr_Test(self, e):
        return f"{self.expr(e.subject, PREC['sum'])} {self.test_pred(e.pred, e.negated)}", PREC["test"]

    # A predicate in a condition (x 属于 …, x 不是 …); 是 / 不是 and the predicate otherwise.
    test_pred = dispatch("test_", "test_is", "A predicate node in a test → its text after the subject.", extra=True)

    def test_PredIn(self, p, negated: bool) -> str:
        word = "notin" if negated else ("between" if isinstance(p.target, n.Interval) else "in")
        return f"{self.k[word]} {self.target(p.target)}"

    def test_PredContains(self, p, negated: bool) -> str:
        word = ("not" if negated else "") + "contains" + ("phrase" if p.phrase else "")
        return f"{self.k[word]} {self.target(p.target)}"

    def test_PredEndsIn(self, p, negated: bool) -> str:
        return f"{self.k['notendsin' if negated else 'endsin']} {self.target(p.target)}"

    def test_PredEmpty(self, p, negated: bool) -> str:
        if negated:
            return self.test_is(p, negated)
        return self.k["nonempty" if p.negated else "empty"]

    def test_is(self, p, negated: bool) -> str:
        return f"{self.k['isnot' if negated else 'is']} {self.pred(p)}"

    # A predicate after a modal (须 …) or after 是 / 不是.
    pred = dispatch("pred_", doc="A predicate node → its text.", extra=True)

    def pred_PredNamed(self, p, requirement: bool = False) -> str:
        return p.name

    def pred_PredEmpty(self, p, requirement: bool = False) -> str:
        return self.k[("req_" if requirement else "") + ("nonempty" if p.negated else "empty")]

    def pred_PredIn(self, p, requirement: bool = False) -> str:
        return f"{self.k['between' if isinstance(p.target, n.Interval) else 'in']} {self.target(p.target)}"

    def pred_PredContains(self, p, requirement: bool = False) -> str:
        return f"{self.k['containsphrase' if p.phrase else 'contains']} {self.target(p.target)}"

    def pred_PredEndsIn(self, p, requirement: bool = False) -> str:
        return f"{self.k['req_endsin' if requirement else 'endsin']} {self.target(p.target)}"  # must end with

    def pred_PredCompare(self, p, requirement: bool = False) -> str:
        return f"{p.op} {self.expr(p.right, PREC['sum'])}"

    # What 属于 / 包含 / 词尾属于 / 介于 take: a list, an interval, else an expression (a name, a text).
    target = dispatch("target_", "expr", "A predicate's target → its text.")

    def target_ListLit(self, t) -> str:
        return self.list(t.items)

    def target_Interval(self, t) -> str:
        return f"{'[' if t.lo_closed else '('}{t.lo.text}, {t.hi.text}{']' if t.hi_closed else ')'}"

    # ---- words ---------------------------------------------------------------------------------

    def list(self, items) -> str:
        return "[" + ", ".join(self.word(w) for w in items) + "]"

    def word(self, w: str) -> str:
        return self.string(w) if _WORD_UNSAFE.search(w) or not w else w

    def string(self, text: str) -> str:
        if self.lang == "en" and '"' not in text and "\n" not in text:
            return f'"{text}"'
        if "」" in text and text.count("「") != text.count("」"):
            return f'"{text}"'
        return f"「{text}」"

    @staticmethod
    def num(x: Decimal) -> str:
        return format(x.normalize(), "f") if x == x.to_integral_value() else format(x, "f")
