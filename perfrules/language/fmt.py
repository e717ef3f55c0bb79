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
from .parser import parse_text

ZH = {"rule": "规则", "item": "评分项", "weight": "分值", "wordlist": "词表", "synonym": "同义",
      "basis": "依据", "explain": "说明", "fix": "建议", "message": "消息", "source": "来源",
      "when": "当", "each": "每个指标", "where": "其中", "if": "若", "then": "则", "implies": "⇒",
      "unless": "除非", "otherwise": "否则", "must": "须", "must_not": "不得", "should": "应",
      "should_not": "不应", "is": "是", "isnot": "不是", "in": "属于", "notin": "不属于",
      "contains": "包含", "notcontains": "不包含", "endsin": "词尾属于", "notendsin": "词尾不属于",
      "empty": "为空", "nonempty": "非空",
      "req_empty": "为空", "req_nonempty": "非空",
      "not_applicable": "不适用于", "and": "且", "or": "或", "not": "并非", "count": "计数",
      "sum": "合计", "avg": "平均", "min": "最小", "max": "最大", "deduct": "扣{}分",
      "from": "于", "set": "{}分", "cap": "最高{}分", "halve": "得分减半", "grade_cap": "等级不高于",
      "discretion": "酌情", "veto": "否决", "error": "错误", "warning": "警告", "info": "提示"}
EN = {"rule": "rule", "item": "item", "weight": "weight", "wordlist": "wordlist", "synonym": "synonym",
      "basis": "basis", "explain": "explain", "fix": "fix", "message": "message", "source": "source",
      "when": "when", "each": "each indicator", "where": "where", "if": "if", "then": "then",
      "implies": "=>", "unless": "unless", "otherwise": "otherwise", "must": "must",
      "must_not": "must not", "should": "should", "should_not": "should not", "is": "is",
      "isnot": "is not", "in": "in", "notin": "not in", "contains": "contains",
      "notcontains": "not contains", "endsin": "ends with", "notendsin": "not ends with",
      "empty": "is empty", "nonempty": "is not empty",
      "req_empty": "be empty", "req_nonempty": "be not empty",
      "not_applicable": "not applicable to", "and": "and", "or": "or", "not": "not", "count": "count",
      "sum": "sum", "avg": "avg", "min": "min", "max": "max", "deduct": "deduct {} points",
      "from": "from", "set": "score {} points", "cap": "at most {} points", "halve": "halve",
      "grade_cap": "grade at most", "discretion": "discretionary", "veto": "veto", "error": "error",
      "warning": "warning", "info": "info"}

_EN_WORDS = re.compile(r"^\s*(rule|item|wordlist|synonyms?|basis|explain|fix|message|when|each|if|"
                       r"otherwise|count|sum)\b", re.I | re.M)
_ZH_WORDS = re.compile(r"^\s*(规则|评分项|词表|同义|依据|说明|建议|消息|当|每个指标|若|否则|计数|合计)", re.M)
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
    def __init__(self, lang: str, text: str):
        self.k = ZH if lang == "zh" else EN
        self.lang = lang
        self.lines = text.splitlines()

    # ---- layout and comments -----------------------------------------------------------------

    def file(self, tree: n.RuleFile) -> str:
        full = {ln: c for ln, c in tree.comments if self.lines[ln - 1].lstrip().startswith("#")}
        trailing = {ln: c for ln, c in tree.comments if ln not in full}
        blocks: list[tuple[int, list[tuple[int, int, str]]]] = []  # (first line, [(from, to, text)])
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
        out: list[str] = []
        used: set[int] = set()
        prev_kind = None
        for first, lines in blocks:
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

    def blank_after(self, ln: int) -> bool:
        return ln < len(self.lines) and not self.lines[ln].strip()

    def clauses(self, clauses) -> list[tuple[int, int, str]]:
        return [(c.span.line, c.span.end_line or c.span.line, "  " + self.stmt(c)) for c in clauses]

    # ---- statements ----------------------------------------------------------------------------

    def stmt(self, s) -> str:
        k = self.k
        if isinstance(s, n.Meta):
            return f"{k[s.key]} {self.string(s.text)}"
        if isinstance(s, n.When):
            return f"{k['when']} {self.expr(s.cond)}"
        if isinstance(s, n.Each):
            where = f" {k['where']} {self.expr(s.where)}" if s.where is not None else ""
            return f"{k['each']}{where}: {self.stmt(s.stmt)}"
        if isinstance(s, n.Requirement):
            subject = f"{self.expr(s.subject, PREC['sum'])} " if s.subject is not None else ""
            # Chinese reads the modal with its predicate: 不得为空, 须可衡量 (a comparison keeps
            # its space: 应 ≤ 150%).
            pred = self.pred(s.pred, requirement=True)
            if self.lang == "zh":
                glue = "" if not isinstance(s.pred, n.PredCompare) and re.match(r"[\u3400-\u9fff]", pred) else " "
            else:  # English reads "must be measurable", "must be in [...]"
                glue = " be " if isinstance(s.pred, (n.PredNamed, n.PredIn, n.PredCompare)) else " "
            return f"{subject}{k[s.modal]}{glue}{pred}{self.unless(s.unless)}"
        if isinstance(s, n.Applicability):
            return f"{s.category} {k['not_applicable']} {s.project_category}{self.unless(s.unless)}"
        if isinstance(s, n.Implication):
            cons = self.consequence(s.consequence)
            if isinstance(s.consequence, (n.Requirement, n.Compare)):
                return f"{k['if']} {self.expr(s.cond)} {k['then']} {cons}"
            return f"{self.expr(s.cond)} {k['implies']} {cons}"
        if isinstance(s, n.Assertion):
            return f"{self.expr(s.cond)}{self.unless(s.unless)}"
        if isinstance(s, n.Otherwise):
            return f"{k['otherwise']} {k['implies']} {self.consequence(s.consequence)}"
        raise TypeError(type(s).__name__)  # pragma: no cover - every statement node is above

    def unless(self, cond) -> str:
        return f" {self.k['unless']} {self.expr(cond)}" if cond is not None else ""

    def consequence(self, c) -> str:
        k = self.k
        if isinstance(c, n.Flag):
            return k[c.severity] + (f" {self.string(c.message)}" if c.message is not None else "")
        if isinstance(c, n.Deduct):
            return k["deduct"].format(self.num(c.points)) + (f" {k['from']} {c.item}" if c.item else "")
        if isinstance(c, n.SetScore):
            return k["set"].format(self.num(c.points))
        if isinstance(c, n.Cap):
            return k["cap"].format(self.num(c.points))
        if isinstance(c, n.Halve):
            return k["halve"]
        if isinstance(c, n.GradeCap):
            return f"{k['grade_cap']} {c.grade}"
        if isinstance(c, n.Requirement):
            return self.stmt(c)
        return self.expr(c)

    # ---- expressions ---------------------------------------------------------------------------

    def expr(self, e, parent: int = 0) -> str:
        text, prec = self._expr(e)
        return f"({text})" if prec < parent else text

    def _expr(self, e) -> tuple[str, int]:
        k = self.k
        if isinstance(e, n.Number):
            return e.text, PREC["atom"]
        if isinstance(e, n.String):
            return self.string(e.text), PREC["atom"]
        if isinstance(e, n.Name):
            return e.text, PREC["atom"]
        if isinstance(e, n.ListLit):
            return self.list(e.items), PREC["atom"]
        if isinstance(e, n.Call):
            args = ", ".join(self.expr(a) for a in e.args)
            where = f"{' ' if args else ''}{k['where']} {self.expr(e.where)}" if e.where is not None else ""
            return f"{k[e.func]}({args}{where})", PREC["atom"]
        if isinstance(e, n.Neg):
            return f"−{self.expr(e.operand, PREC['unary'])}", PREC["unary"]
        if isinstance(e, n.BinOp):
            p = PREC["sum"] if e.op in ("+", "−") else PREC["product"]
            return f"{self.expr(e.left, p)} {e.op} {self.expr(e.right, p + 1)}", p
        if isinstance(e, n.Compare):
            return (f"{self.expr(e.left, PREC['sum'])} {e.op} {self.expr(e.right, PREC['sum'])}",
                    PREC["test"])
        if isinstance(e, n.BoolOp):
            # A chain prints flat; an operand that is itself a chain of the same kind came
            # from brackets and keeps them (p + 1), so the printed text parses to the same tree.
            p = PREC[e.op]
            return f" {k[e.op]} ".join(self.expr(x, p + 1) for x in e.operands), p
        if isinstance(e, n.Not):
            return f"{k['not']} {self.expr(e.operand, PREC['not'])}", PREC["not"]
        if isinstance(e, n.Test):
            return f"{self.expr(e.subject, PREC['sum'])} {self.test_pred(e.pred, e.negated)}", PREC["test"]
        raise TypeError(type(e).__name__)  # pragma: no cover

    def test_pred(self, p, negated: bool) -> str:
        k = self.k
        if isinstance(p, n.PredIn):
            return f"{k['notin' if negated else 'in']} {self.target(p.target)}"
        if isinstance(p, n.PredContains):
            return f"{k['notcontains' if negated else 'contains']} {self.target(p.target)}"
        if isinstance(p, n.PredEndsIn):
            return f"{k['notendsin' if negated else 'endsin']} {self.target(p.target)}"
        if isinstance(p, n.PredEmpty) and not negated:
            return k["nonempty" if p.negated else "empty"]
        return f"{k['isnot' if negated else 'is']} {self.pred(p)}"

    def pred(self, p, requirement: bool = False) -> str:
        k = self.k
        if isinstance(p, n.PredNamed):
            return p.name
        if isinstance(p, n.PredEmpty):
            key = ("req_" if requirement else "") + ("nonempty" if p.negated else "empty")
            return k[key]
        if isinstance(p, n.PredIn):
            return f"{k['in']} {self.target(p.target)}"
        if isinstance(p, n.PredContains):
            return f"{k['contains']} {self.target(p.target)}"
        if isinstance(p, n.PredEndsIn):
            word = "end with" if requirement and self.lang == "en" else k["endsin"]  # must end with
            return f"{word} {self.target(p.target)}"
        if isinstance(p, n.PredCompare):
            return f"{p.op} {self.expr(p.right, PREC['sum'])}"
        raise TypeError(type(p).__name__)  # pragma: no cover

    def target(self, t) -> str:
        if isinstance(t, n.ListLit):
            return self.list(t.items)
        return self.expr(t)

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
