"""Rule text → syntax tree: builds the Lark parser once, parses each logical line, groups clauses."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from importlib import resources

import attrs
from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from ..errors import ErrorGroup, PerfrulesError, RuleSyntaxError, Span, Suggestion
from . import nodes as n
from .source import Source, unquoted

from ..suggest import close_words, suggest
from .keywords import (_CONSEQUENCE_ORDER, _ORDER, _QUOTE_PAIRS, ARITH, CMPS,  # noqa: F401
                       EXPECTED_WORDS, FUNCS, METAS, MODALS, SEVERITIES)
from .vocabulary import BY_TOKEN, SUGGESTED, spelling_pattern

@functools.lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The LALR parser, built once per process. Never with Lark's ``cache=True``: that
    stores a pickle at a predictable name in the shared temp folder, which any local user
    could replace with one that runs code. Warm runs skip Lark through the JSON parse cache."""
    text = resources.files("perfrules.grammar").joinpath("perfrules.lark").read_text("utf-8")
    return Lark(text, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True)


def parse_text(text: str, path: str = "<text>") -> n.RuleFile:
    """Parse a whole rule file; raise one error listing every bad line."""
    tree, errors = parse_text_partial(text, path)
    ErrorGroup.raise_if_any(errors)
    return tree


def parse_text_partial(text: str, path: str = "<text>") -> tuple[n.RuleFile, list[PerfrulesError]]:
    """The statements that parse, and an error for each line that does not: so that the
    compiler can still report the mistakes of the good lines in the same run."""
    source = Source(path, text)
    lines, comments = source.logical_lines()
    statements: list[n.Node] = []
    errors: list[PerfrulesError] = []
    broken: list[n.Name] = []
    parser = lark_parser()
    for ll in lines:
        too_deep = _brackets_too_deep(source, ll.line, ll.text)
        if too_deep is not None:
            errors.append(too_deep)
            continue
        try:
            tree = parser.parse(ll.text)
            too_deep = _tree_too_deep(source, ll.line, tree)
            if too_deep is not None:
                errors.append(too_deep)
                continue
            statements.append(_Build(source, ll.line).transform(tree))
        except UnexpectedInput as e:
            names, calls = _names_on(parser, source, ll.line, ll.text)
            broken += names
            err = _syntax_error(source, ll.line, ll.text, e)
            for call in calls:  # 字x(…): a word used as a function is the mistake, whatever follows
                if call.span.line == err.where.line and err.where.column in (
                        call.span.column, call.span.end_column, call.span.end_column + 1):
                    near = suggest(call.text, _FUNC_ZH + _FUNC_EN)
                    hint = (f"「{call.text}」不是函数，是否指「{near}」？ (not a function; did you mean {near}?)" if near
                            else f"「{call.text}」不是函数；可用函数：{'、'.join(_FUNC_ZH)} "
                                 f"(not a function; functions: {', '.join(_FUNC_EN)})")
                    err = RuleSyntaxError(err.zh, err.en, where=err.where, excerpt=err.excerpt, hint=hint,
                                          suggestion=Suggestion(call.text, (near,), call.span) if near else None)
            errors.append(err)
        except VisitError as e:  # errors raised in the transformer arrive wrapped
            if isinstance(e.orig_exc, PerfrulesError):
                errors.append(e.orig_exc)
            elif isinstance(e.orig_exc, RecursionError):
                errors.append(_nesting_error(source, source.span(ll.line, 1)))
            else:
                raise
        except RecursionError:  # a safety net: the depth checks above should make it unreachable
            errors.append(_nesting_error(source, source.span(ll.line, 1)))
    tree = _group(source, statements, comments)
    if broken:
        tree = attrs.evolve(tree, broken_names=tuple(broken))
    return tree, errors


# ---- names on a line that does not parse ----------------------------------------------

_FUNC_ZH = tuple(dict.fromkeys(k for k in FUNCS if not k.isascii()))
_FUNC_EN = tuple(dict.fromkeys(k for k in FUNCS if k.isascii()))
# A name next to one of these is read, not named: a field (三级指标 须 …, 合计(分值), x ≤ 100).
_BEFORE_FIELD = {"CMP", "MODAL", "_IS", "_ISNOT", "_IN", "_NOTIN", "_CONTAINS", "_NOTCONTAINS",
                 "_CONTAINS_PHRASE", "_NOTCONTAINS_PHRASE", "_BETWEEN", "_ENDSIN", "_NOTENDSIN",
                 "EMPTY", "NONEMPTY", "PLUS", "MINUS", "TIMES", "SLASH", "RPAR"}
_AFTER_FIELD = {"CMP", "PLUS", "MINUS", "TIMES", "LPAR"}


def _names_on(parser: Lark, source: Source, first_line: int, text: str) -> tuple[list[n.Name], list[n.Name]]:
    """On a line that does not parse: the names in a field's place (beside a comparison, an
    operator, a modal, inside brackets), and the names used as functions (a name before "(")."""
    toks: list[Token] = []
    try:
        for tok in parser.lex(text):
            toks.append(tok)
    except Exception:  # noqa: BLE001 - a character no terminal reads: keep what came before
        pass
    fields, calls = [], []
    for k, tok in enumerate(toks):
        if tok.type != "NAME":
            continue
        nxt = toks[k + 1].type if k + 1 < len(toks) else None
        prev = toks[k - 1].type if k else None
        line = first_line + tok.line - 1
        node = n.Name(span=source.span(line, tok.column, first_line + tok.end_line - 1, tok.end_column), text=str(tok))
        if nxt == "LPAR":
            calls.append(node)
        elif nxt in _BEFORE_FIELD or prev in _AFTER_FIELD:
            fields.append(node)
    return fields, calls


# ---- nesting ------------------------------------------------------------------------

# How deep a statement may nest: brackets, and levels of the syntax tree (brackets, 并非,
# signs, a run of + − × ÷). Real rules stay under 15; the bound keeps every recursive walk
# of the tree (the compiler, the formatter, the linter, the cache) far from Python's
# recursion limit. A chain of 或 / 且 is flat and does not count against it.
MAX_DEPTH = 100


def _nesting_error(source: Source, span: Span, brackets: bool = False) -> RuleSyntaxError:
    if brackets:
        zh, en = f"括号嵌套超过 {MAX_DEPTH} 层", f"brackets nested more than {MAX_DEPTH} deep"
    else:
        zh = f"表达式嵌套过深：括号、并非、负号或连续运算超过 {MAX_DEPTH} 层"
        en = f"expression nested too deep: more than {MAX_DEPTH} levels of brackets, not, signs or operators"
    return RuleSyntaxError(zh, en, where=span, excerpt=source.excerpt(span),
                           hint="请把条件拆成几行或几条规则，或用词表列出名称 (split it into several rules, or use a word list)")


def _brackets_too_deep(source: Source, first_line: int, text: str) -> RuleSyntaxError | None:
    """The first bracket that opens level MAX_DEPTH + 1, outside quotes; found before Lark
    parses, so that no tree is built for it."""
    depth = 0
    for line, raw in enumerate(text.split("\n"), first_line):  # quotes do not span lines
        for i, ch in unquoted(raw):
            if ch in "([（［":
                depth += 1
                if depth > MAX_DEPTH:
                    return _nesting_error(source, source.span(line, i + 1, line, i + 2), brackets=True)
            elif ch in ")]）］":
                depth = max(0, depth - 1)
    return None


def _tree_too_deep(source: Source, first_line: int, tree: Tree) -> RuleSyntaxError | None:
    """The first subtree below level MAX_DEPTH of a parsed statement (walked without recursion)."""
    stack = [(tree, 1)]
    while stack:
        t, d = stack.pop()
        if d > MAX_DEPTH:
            meta = t.meta
            if getattr(meta, "empty", True):
                span = source.span(first_line, 1)
            else:
                span = source.span(meta.line + first_line - 1, meta.column,
                                   meta.line + first_line - 1, meta.column + 1)
            return _nesting_error(source, span)
        stack.extend((c, d + 1) for c in t.children if isinstance(c, Tree))
    return None


# ---- errors -----------------------------------------------------------------------

def _syntax_error(source: Source, first_line: int, text: str, e: UnexpectedInput) -> RuleSyntaxError:
    line = first_line + (e.line - 1 if getattr(e, "line", -1) and e.line > 0 else 0)
    col = e.column if getattr(e, "column", -1) and e.column > 0 else 1
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        lines = text.splitlines() or [""]
        line, col = first_line + len(lines) - 1, len(lines[-1].rstrip()) + 1
    span = source.span(line, col, line, col + 1)
    expected = set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    found = _keyword_hint(text)
    misspelt_start = False
    if found is not None:
        # The parser read a misspelt keyword at the start of the line (规侧) as a name and
        # stopped just after it: the word is the mistake, not what follows.
        end = found.offset + len(found.word)
        gap = len(text[end:]) - len(text[end:].lstrip())
        misspelt_start = (found.offset == len(text) - len(text.lstrip()) and line == first_line
                          and "\n" not in text[:end + gap] and col == end + gap + 1)
    hint = _hint_text(found, short=misspelt_start) if found is not None else None
    suggestion = _suggestion(source, first_line, text, found) if found is not None else None
    if not hint:
        hint = _unclosed_hint(text, first_line, line, col)
        if hint:
            # Inside an unclosed bracket the parser's list of what may follow is noise:
            # only the closing bracket (or another list item) is worth naming.
            expected &= {"RPAR", "RSQB", "_SEP"}
    # After ⇒ / 则 a consequence is due: list those first, not the names a requirement may start with.
    order = _CONSEQUENCE_ORDER + _ORDER if "DEDUCT" in expected and "SEVERITY" in expected else _ORDER
    ordered = sorted(expected, key=lambda t: (order.index(t) if t in order else len(order), t))
    words_zh = _unique(EXPECTED_WORDS.get(t, (None,))[0] for t in ordered)
    words_en = _unique(EXPECTED_WORDS.get(t, (None, None))[1] for t in ordered)
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        got_zh, got_en = "语句不完整", "incomplete statement"
    elif isinstance(e, UnexpectedToken):
        tok = str(e.token)
        got_zh, got_en = f"此处不能出现「{tok}」", f"unexpected '{tok}'"
        span = source.span(line, col, line, col + len(tok))
    elif isinstance(e, UnexpectedCharacters):
        ch = text.splitlines()[e.line - 1][e.column - 1] if e.line > 0 else "?"
        got_zh, got_en = f"无法识别的字符「{ch}」", f"unexpected character '{ch}'"
        if ch in _QUOTE_PAIRS:  # an opening quote the STRING terminal could not close
            close = _QUOTE_PAIRS[ch]
            got_zh, got_en = f"引号 {ch} 没有闭合，缺少与之配对的 {close}", f"unclosed quote: {ch} has no matching {close}"
            words_zh = words_en = []
    else:  # UnexpectedEOF
        got_zh, got_en = "语句不完整", "incomplete statement"
    zh, en = got_zh, got_en
    if words_zh:
        zh += "，此处应为：" + "、".join(words_zh[:6])
        en += "; expected " + ", ".join(words_en[:6])
    if misspelt_start:
        word = found.word
        span = source.span(first_line, found.offset + 1, first_line, found.offset + len(word) + 1)
        zh, en = f"无法识别行首的「{word}」", f"unknown word '{word}' at the start of the line"
    return RuleSyntaxError(zh, en, where=span, excerpt=source.excerpt(span), hint=hint, suggestion=suggestion)


def _suggestion(source: Source, first_line: int, text: str, found: _Misspelt) -> Suggestion:
    """The misspelt keyword as data, at its own place in the file (the error may stand after it)."""
    before = text[:found.offset]
    line = first_line + before.count("\n")
    col = found.offset - (before.rfind("\n") + 1) + 1
    return Suggestion(found.word, found.keywords, source.span(line, col, line, col + len(found.word)))


def _unclosed_hint(text: str, first_line: int, error_line: int, error_col: int) -> str | None:
    """When a bracket left open made later lines part of this statement, say where it opened."""
    stack: list[tuple[int, int, str]] = []
    close = None
    for ln, raw in enumerate(text.split("\n")):
        for col, ch in enumerate(raw, start=1):
            if close is not None:
                if ch == close:
                    close = None
            elif ch in _QUOTE_PAIRS:
                close = _QUOTE_PAIRS[ch]
            elif ch in "[［(（":
                stack.append((first_line + ln, col, ch))
            elif ch in "]］)）" and stack:
                stack.pop()
    if not stack or stack[0][:2] >= (error_line, error_col):
        return None
    ln, col, ch = stack[0]
    if ln < error_line:
        return (f"第 {ln} 行第 {col} 列的「{ch}」没有闭合，之后的行被当作同一语句 "
                f"(the '{ch}' opened on line {ln} is never closed)")
    return f"第 {ln} 行第 {col} 列的「{ch}」没有闭合 (the '{ch}' at column {col} is never closed)"


# A word a misspelt keyword may be: a run of Chinese characters or of Latin letters.
_WORD_RUN = re.compile(r"[\u3400-\u9fff]+|[A-Za-z]+")
_KEYWORD_CHARS = frozenset("".join(w for w in SUGGESTED if not w.isascii()))
_LONGEST_KEYWORD = max(len(w) for w in SUGGESTED)


@attrs.frozen
class _Misspelt:
    offset: int  # where the word starts in the statement's text
    word: str
    keywords: tuple[str, ...]  # what it may be meant for, closest first


def _keyword_hint(text: str) -> _Misspelt | None:
    """A misspelt keyword on a line that does not parse (规侧 → 规则, 否诀 → 否决, 介与 → 介于):
    the word nearest the error that the parser read as a name (or could not read, or read as a
    keyword and a name: 或著 → 或 · 著) and that is near a keyword the parser could have taken at
    that point. Only those keywords are offered, only where the keyword's own condition holds
    (字数 before a bracket, 扣 before a number), and of several the ones the line reads furthest
    with: a word is never offered one of another kind (介于 for 属于, 计数 for a field)."""
    scan = _HintScan(text)
    scan.run()
    found = scan.found
    # A keyword run on into a name is a misspelling only when the line fails just after it.
    for g in scan.glued:
        end = g.offset + len(g.word)
        if end <= scan.error_at and not text[end:scan.error_at].strip() and (found is None or found.offset < g.offset):
            found = g
    return _furthest(text, found) if found is not None else None


def _near(text: str, offset: int, word: str, acceptable) -> list[str]:
    """The keywords close to ``word`` (at ``offset`` in ``text``) among the terminals
    ``acceptable``, each only where its spelling's own condition holds on the rest of the line."""
    if not word or len(word) > _LONGEST_KEYWORD + 2 or word in SUGGESTED:
        return []
    if not word.isascii() and not _KEYWORD_CHARS.intersection(word):
        return []
    pool = {w: ts for w, ts in SUGGESTED.items() if not acceptable.isdisjoint(ts)}
    rest = text[offset + len(word):]
    return [w for w in close_words(word, pool, n=3)
            if any(spelling_pattern(t, w).match(w + rest) for t in pool[w] if t in acceptable)]


class _HintScan:
    """One line fed token by token to the parser, looking for a misspelt keyword: the best
    guess so far (``found``), keywords run on into a name (``glued``: 或著, 包含短于) and
    where the line failed (``error_at``)."""

    def __init__(self, text: str):
        self.text = text
        self.ip = lark_parser().parse_interactive(text)
        self.found: _Misspelt | None = None
        self.glued: list[_Misspelt] = []
        self.checks = 0  # exact look-ups of what the parser accepts: a few per line, however long it is
        self.error_at = len(text)

    def exact(self, offset: int, word: str) -> _Misspelt | None:
        """The keywords near ``word`` that the parser accepts where it stands (its state now)."""
        if self.checks >= 20 or not _near(self.text, offset, word, _terminals(self.ip.choices())):
            return None
        self.checks += 1  # the table's choices may hold terminals only a failing reduction leads to
        keywords = _near(self.text, offset, word, self.ip.accepts())
        return _Misspelt(offset, word, tuple(keywords)) if keywords else None

    def consider(self, offset: int, word: str, acceptable) -> None:
        keywords = _near(self.text, offset, word, acceptable)
        if keywords:
            self.found = _Misspelt(offset, word, tuple(keywords))

    def run(self) -> None:
        text, ip = self.text, self.ip
        last = None
        pending = None  # a keyword and the word it starts, until the next token shows a name glued on
        try:
            for last in ip.iter_parse():
                if pending is not None and last.type == "NAME" and last.start_pos == pending[0].end_pos:
                    self.glued.append(pending[1])
                pending = None
                if last.type == "NAME":
                    self.found = self.exact(last.start_pos, str(last)) or self.found
                elif last.type in BY_TOKEN:
                    run = _WORD_RUN.match(text, last.start_pos)
                    hit = self.exact(last.start_pos, run.group()) if run and run.end() > last.end_pos else None
                    pending = (last, hit) if hit is not None else None
        except UnexpectedToken as err:
            tok = err.token
            self.error_at = tok.start_pos if tok.type != "$END" and tok.start_pos is not None else len(text)
            if pending is not None and tok.type == "NAME" and tok.start_pos == pending[0].end_pos:
                self.glued.append(pending[1])
            if tok.type != "$END" and not (tok is last and tok.type == "NAME"):
                m = _WORD_RUN.match(text, tok.start_pos or 0)
                word = str(tok) if tok.type == "NAME" else (m.group() if m else "")
                # Raised by the lexer (nothing fed yet): the parser's state is where the word stands.
                self.consider(tok.start_pos or 0, word, set(err.expected or ()) if tok is last else ip.accepts())
        except UnexpectedCharacters as err:
            self.error_at = err.pos_in_stream
            m = _WORD_RUN.match(text, err.pos_in_stream)
            if m:
                self.consider(m.start(), m.group(), ip.accepts())
        except UnexpectedInput:
            pass


def _furthest(text: str, found: _Misspelt) -> _Misspelt:
    """Of several keywords, those with which the line reads furthest (all of it, at best)."""
    if len(found.keywords) < 2:
        return found
    reach = {}
    for kw in found.keywords:
        fixed = text[:found.offset] + kw + text[found.offset + len(found.word):]
        try:
            lark_parser().parse(fixed)
            reach[kw] = len(fixed) + 1
        except UnexpectedToken as e:
            reach[kw] = len(fixed) if e.token.type == "$END" or e.token.start_pos is None else e.token.start_pos
        except UnexpectedCharacters as e:
            reach[kw] = e.pos_in_stream
        except UnexpectedInput:
            reach[kw] = len(fixed)
        reach[kw] -= found.offset + len(kw)  # past the word
    best = max(reach.values())
    keywords = [k for k in found.keywords if reach[k] == best]
    same = [k for k in keywords if len(k) == len(found.word)]  # 或著 is 或者 more likely than 或
    return attrs.evolve(found, keywords=tuple(same or keywords))


def _terminals(choices) -> set[str]:
    """The terminals among the parser's choices in a state (rules are in lower case)."""
    return {t for t in choices if t.isupper()}


def _hint_text(found: _Misspelt, short: bool) -> str:
    zh = "或".join(f"「{k}」" for k in found.keywords)
    en = " or ".join(found.keywords)
    return f"是否指{zh}？ (did you mean {en}?)" if short else f"「{found.word}」是否指{zh}？ (did you mean {en}?)"


def _unique(items) -> list[str]:
    out: list[str] = []
    for x in items:
        if x and x not in out:
            out.append(x)
    return out


# ---- tree → nodes -------------------------------------------------------------------

# A bound inside an INTERVAL token: the NUMBER terminal's pattern.
_INTERVAL_BOUND = re.compile(r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?(%|％|‰|万元|亿元|元)?")


def _number(tok: Token) -> tuple[Decimal, str]:
    return n.number_value(str(tok))


@v_args(meta=True)
class _Build(Transformer):
    """Lark tree → frozen nodes with spans in file coordinates."""

    def __init__(self, source: Source, first_line: int):
        super().__init__()
        self.source = source
        self.offset = first_line - 1

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return self.source.span(self.offset + 1, 1)
        return self.source.span(meta.line + self.offset, meta.column,
                                meta.end_line + self.offset, meta.end_column)

    def _tok_span(self, tok: Token) -> Span:
        return self.source.span(tok.line + self.offset, tok.column,
                                tok.end_line + self.offset, tok.end_column)

    def start(self, meta, c):
        return c[0]

    # literals
    def number(self, meta, c):
        value, unit = _number(c[0])
        return n.Number(span=self._span(meta), value=value, unit=unit, text=str(c[0]))

    def string(self, meta, c):
        return n.String(span=self._span(meta), text=str(c[0])[1:-1])

    def name(self, meta, c):
        return n.Name(span=self._span(meta), text=str(c[0]))

    def items(self, meta, c):
        return tuple(x.text if isinstance(x, n.String) else str(x) for x in c)

    def list(self, meta, c):
        items = next(x for x in c if isinstance(x, tuple))
        return n.ListLit(span=self._span(meta), items=items)

    def path(self, meta, c):
        p = str(c[0]).replace("／", "/").strip("/")
        if not p or "//" in p:  # 「评分项 / 分值 10」: no name to score, and fmt could not print it
            span = self._span(meta)
            raise RuleSyntaxError("评分项路径中缺少名称（应如「项目管理/财务管理/支出完成率」）",
                                  "a score item path with an empty name (write it like 项目管理/财务管理/支出完成率)",
                                  where=span, excerpt=self.source.excerpt(span))
        return p

    # expressions
    def binop(self, meta, c):
        return n.BinOp(span=self._span(meta), op=ARITH[str(c[1])], left=c[0], right=c[2])

    def neg(self, meta, c):
        return n.Neg(span=self._span(meta), operand=c[1])

    def compare(self, meta, c):
        if len(c) == 3:
            return n.Compare(span=self._span(meta), op=CMPS[str(c[1])], left=c[0], right=c[2])
        return n.Chain(span=self._span(meta), ops=tuple(CMPS[str(t)] for t in c[1::2]),
                       operands=tuple(c[0::2]))

    def _interval(self, tok: Token) -> n.Interval:
        """An INTERVAL token → its node, each bound a Number at its own place in the file."""
        text = str(tok)
        bounds = []
        for m in _INTERVAL_BOUND.finditer(text):
            before = text[:m.start()]
            line = tok.line + before.count("\n")
            col = (m.start() - before.rfind("\n")) if "\n" in before else tok.column + m.start()
            span = self.source.span(line + self.offset, col, line + self.offset, col + len(m.group()))
            value, unit = _number(m.group())
            bounds.append(n.Number(span=span, value=value, unit=unit, text=m.group()))
        lo, hi = bounds
        return n.Interval(span=self._tok_span(tok), lo=lo, hi=hi, lo_closed=text[0] in "[［",
                          hi_closed=text[-1] in "]］")

    def or_(self, meta, c):
        return n.BoolOp(span=self._span(meta), op="or", operands=tuple(c))

    def and_(self, meta, c):
        return n.BoolOp(span=self._span(meta), op="and", operands=tuple(c))

    def not_(self, meta, c):
        return n.Not(span=self._span(meta), operand=c[0])

    def _test(self, meta, subject, pred, negated=False):
        return n.Test(span=self._span(meta), subject=subject, pred=pred, negated=negated)

    def is_(self, meta, c):
        return self._test(meta, c[0], c[1])

    def is_not(self, meta, c):
        return self._test(meta, c[0], c[1], True)

    def in_(self, meta, c):
        target = self._interval(c[1]) if isinstance(c[1], Token) else c[1]
        return self._test(meta, c[0], n.PredIn(span=target.span, target=target))

    def not_in(self, meta, c):
        target = self._interval(c[1]) if isinstance(c[1], Token) else c[1]
        return self._test(meta, c[0], n.PredIn(span=target.span, target=target), True)

    def _set(self, x):
        """A target_set: an INTERVAL token (``包含 [1, 2]``) becomes its node, which the
        compiler refuses after 包含 with its own message."""
        return self._interval(x) if isinstance(x, Token) else x

    def contains(self, meta, c):
        t = self._set(c[1])
        return self._test(meta, c[0], n.PredContains(span=t.span, target=t))

    def not_contains(self, meta, c):
        t = self._set(c[1])
        return self._test(meta, c[0], n.PredContains(span=t.span, target=t), True)

    def contains_phrase(self, meta, c):
        t = self._set(c[1])
        return self._test(meta, c[0], n.PredContains(span=t.span, target=t, phrase=True))

    def not_contains_phrase(self, meta, c):
        t = self._set(c[1])
        return self._test(meta, c[0], n.PredContains(span=t.span, target=t, phrase=True), True)

    def ends_in(self, meta, c):
        return self._test(meta, c[0], n.PredEndsIn(span=c[1].span, target=c[1]))

    def not_ends_in(self, meta, c):
        return self._test(meta, c[0], n.PredEndsIn(span=c[1].span, target=c[1]), True)

    def empty(self, meta, c):
        return self._test(meta, c[0], n.PredEmpty(span=self._tok_span(c[1])))

    def nonempty(self, meta, c):
        return self._test(meta, c[0], n.PredEmpty(span=self._tok_span(c[1]), negated=True))

    def call(self, meta, c):
        func = FUNCS[str(c[0]).lower()]
        rest = [x for x in c[1:]]
        where = rest.pop() if rest else None  # the [_WHERE expr] placeholder comes last
        args = tuple(x for x in rest if x is not None)
        return n.Call(span=self._span(meta), func=func, args=args, where=where)

    # predicates
    def pred_named(self, meta, c):
        return n.PredNamed(span=self._span(meta), name=c[0].text)

    def pred_empty(self, meta, c):
        return n.PredEmpty(span=self._span(meta))

    def pred_nonempty(self, meta, c):
        return n.PredEmpty(span=self._span(meta), negated=True)

    def pred_in(self, meta, c):
        target = self._interval(c[-1]) if isinstance(c[-1], Token) else c[-1]
        return n.PredIn(span=self._span(meta), target=target)

    def pred_contains(self, meta, c):
        return n.PredContains(span=self._span(meta), target=self._set(c[0]))

    def pred_contains_phrase(self, meta, c):
        return n.PredContains(span=self._span(meta), target=self._set(c[0]), phrase=True)

    def pred_ends_in(self, meta, c):
        return n.PredEndsIn(span=self._span(meta), target=c[0])

    def pred_compare(self, meta, c):
        return n.PredCompare(span=self._span(meta), op=CMPS[str(c[0])], right=c[1])

    # consequences
    def flag(self, meta, c):
        msg = c[1].text if c[1] is not None else None
        return n.Flag(span=self._span(meta), severity=SEVERITIES[str(c[0]).lower()], message=msg)

    def deduct(self, meta, c):
        item = c[2]
        return n.Deduct(span=self._span(meta), points=c[1].value, item=item)

    def from_item(self, meta, c):
        return c[0]

    def set_score(self, meta, c):
        num = c[-1]
        return n.SetScore(span=self._span(meta), points=num.value)

    def cap(self, meta, c):
        return n.Cap(span=self._span(meta), points=c[1].value)

    def halve(self, meta, c):
        return n.Halve(span=self._span(meta))

    def grade_cap(self, meta, c):
        return n.GradeCap(span=self._span(meta), grade=c[1].text)

    # clauses
    def requirement(self, meta, c):
        subject, modal, pred, unless = c
        return n.Requirement(span=self._span(meta), subject=subject,
                             modal=MODALS[re.sub(r"\s+", " ", str(modal).lower())],
                             pred=pred, unless=unless)

    def unless(self, meta, c):
        return c[0]

    def applicability(self, meta, c):
        return n.Applicability(span=self._span(meta), category=c[0].text,
                               project_category=c[2].text, unless=c[3])

    def implication(self, meta, c):
        return n.Implication(span=self._span(meta), cond=c[0], consequence=c[1], also=tuple(c[2:]))

    def assertion(self, meta, c):
        return n.Assertion(span=self._span(meta), cond=c[0], unless=c[1])

    def otherwise(self, meta, c):
        return n.Otherwise(span=self._span(meta), consequence=c[-1])

    def each(self, meta, c):
        where = c[1] if len(c) == 3 else None  # the filter is there only with 其中
        return n.Each(span=self._span(meta), where=where, stmt=c[-1])

    def when(self, meta, c):
        return n.When(span=self._span(meta), cond=c[1])

    def meta(self, meta, c):
        return n.Meta(span=self._span(meta), key=METAS[str(c[0]).lower()], text=c[1].text)

    # headers and definitions
    def wordlist(self, meta, c):
        return n.WordList(span=self._span(meta), name=str(c[1]), words=c[2])

    def synonym(self, meta, c):
        return n.Synonym(span=self._span(meta), canonical=str(c[1]), variants=c[2])

    def rule_header(self, meta, c):
        _kw, rid, title, sev = c
        return _Header("rule", self._span(meta), str(rid), title.text if title else None,
                       SEVERITIES[str(sev).lower()] if sev else None, None)

    def item_header(self, meta, c):
        _kw, path, _w, weight, title, discretion, each = c
        h = _Header("item", self._span(meta), path, title.text if title else None, None, weight.value)
        h.discretionary = discretion is not None
        h.each = each
        return h

    def item_each(self, meta, c):
        return ("each", c[1])  # the filter, or None for every indicator

    def cons_compare(self, meta, c):
        return self.compare(meta, c)

    def cons_in(self, meta, c):
        target = self._interval(c[-1])
        return self._test(meta, c[0], n.PredIn(span=target.span, target=target))


class _Header:
    __slots__ = ("kind", "span", "id", "title", "severity", "weight", "discretionary", "each")

    def __init__(self, kind, span, id, title, severity, weight):
        self.kind, self.span, self.id, self.title = kind, span, id, title
        self.severity, self.weight = severity, weight
        self.discretionary = False
        self.each = None


def _group(source: Source, statements: list, comments) -> n.RuleFile:
    """Attach each clause to the header above it; clauses before any header are anonymous rules."""
    wordlists, synonyms, rules, items = [], [], [], []
    current: _Header | None = None
    clauses: list[n.Node] = []

    def close():
        if current is None:
            return
        end = clauses[-1].span if clauses else current.span
        span = Span(source.path, current.span.line, current.span.column, end.end_line, end.end_column)
        if current.kind == "rule":
            rules.append(n.Rule(span=span, id=current.id, title=current.title,
                                severity=current.severity, clauses=tuple(clauses)))
        else:
            items.append(n.ScoreItem(span=span, path=current.id, weight=current.weight,
                                     title=current.title, clauses=tuple(clauses),
                                     discretionary=current.discretionary,
                                     per_indicator=current.each is not None,
                                     rows=current.each[1] if current.each else None))

    stem = re.sub(r"\.rules$", "", source.path.replace("\\", "/").rsplit("/", 1)[-1])
    for st in statements:
        if isinstance(st, n.WordList):
            wordlists.append(st)
        elif isinstance(st, n.Synonym):
            synonyms.append(st)
        elif isinstance(st, _Header):
            close()
            current, clauses = st, []
        elif current is None:
            rules.append(n.Rule(span=st.span, id=f"{stem}:{st.span.line}", title=None, severity=None,
                                clauses=(st,), anonymous=True))
        else:
            clauses.append(st)
    close()
    return n.RuleFile(span=Span(source.path, 1, 1), path=source.path, wordlists=tuple(wordlists),
                      synonyms=tuple(synonyms), rules=tuple(rules), items=tuple(items),
                      comments=tuple(comments), text=source.text)
