"""What the language server says about one rule file, without the protocol.

A :class:`Document` is a rule file as the editor holds it (its text, and its path when it
has one). It is compiled as ``perfrules compile`` would compile it: in its pack when it lies
in a pack's folder (the nearest folder above it with a ``pack.yaml``; its text stands in
for the file on disk, the pack's other files are read from disk), else on its own. From
that come:

- :meth:`Document.problems`: every error ``perfrules compile`` prints for the file (all
  syntax errors of a partial parse, the compile errors) and, when it compiles, every issue
  ``perfrules lint`` prints (L01–L07), each with its exact range; a did-you-mean carried by
  an error (:class:`perfrules.errors.Suggestion`) is a :class:`Fix`;
- :meth:`Document.hover`: a rule id's title, severity, 依据, 说明, 建议 and meaning; a field's
  or predicate's meaning (``engine/vocab.py``); a keyword's (the vocabulary table); a word
  list's words;
- :meth:`Document.completions`: every spelling of every keyword, the fields and predicates,
  the pack's word lists (those the parser can take at the cursor first);
- :meth:`Document.formatted`: ``perfrules fmt``'s text, or None when the file does not parse.

Positions are 0-based lines and columns counted in characters (code points); the server
converts them to the editor's units.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs

from ..authoring.catalogue import meaning
from ..authoring.lint import lint
from ..data.categories import LEVEL1, LEVEL2
from ..engine import packs
from ..engine.compiled import Compiled
from ..engine.compiler import EmptyRuleError, compile_files
from ..engine.vocab import FIELDS, PREDICATES, STATE_LIST, VAGUE_LIST, Field, Predicate
from ..errors import Errors, PerfrulesError, Span
from ..language import nodes as n
from ..language import vocabulary as voc
from ..language.source import Source, unquoted
from ..severity import BY_NAME as SEVERITY

# ---- records --------------------------------------------------------------------------------


@attrs.frozen
class Range:
    """0-based lines and columns (characters), the end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def of(cls, span: Span, lines: list[str]) -> Range:
        """A span's range, kept within the text; a span without an end runs to its line's end."""
        def width(k: int) -> int:
            return len(lines[k]) if 0 <= k < len(lines) else 0

        line = max(0, span.line - 1)
        col = min(max(0, span.column - 1), width(line))
        end_line = max(line, (span.end_line or span.line) - 1)
        end_col = span.end_column - 1 if span.end_column else width(end_line)
        end_col = min(max(0, end_col), width(end_line))
        if (end_line, end_col) < (line, col):
            end_line, end_col = line, col
        return cls(line, col, end_line, end_col)

    def overlaps(self, other: Range) -> bool:
        return (self.line, self.column) <= (other.end_line, other.end_column) and \
            (other.line, other.column) <= (self.end_line, self.end_column)


@attrs.frozen
class Fix:
    """A quick fix: put ``text`` in place of ``range``."""

    title: str
    range: Range
    text: str


@attrs.frozen
class Problem:
    """A diagnostic: an error of ``compile`` (severity "error") or an issue of ``lint`` ("warning")."""

    range: Range
    message: str
    severity: str
    code: str
    fixes: tuple[Fix, ...] = ()


@attrs.frozen
class Item:
    """A completion: ``kind`` is keyword, field, predicate or wordlist; a lower ``rank`` comes first."""

    label: str
    kind: str
    detail: str
    doc: str
    rank: int = 2


@attrs.frozen
class HoverText:
    text: str  # Markdown
    range: Range


# ---- compiling a document in its pack ---------------------------------------------------------

def pack_root(path: Path) -> Path | None:
    """The pack a rule file belongs to: the nearest folder above it with a ``pack.yaml``."""
    for folder in path.resolve().parents:
        if (folder / packs.MANIFEST).is_file():
            return folder
    return None


class _Overlay:
    """While ``load_pack`` runs, the editor's text stands in for one file on disk (the load's
    ``reader``), and every syntax tree read is kept (word lists for completion even when the
    pack does not compile)."""

    def __init__(self, path: Path, text: str):
        self.target = path.resolve()
        self.text = text
        self.shown: str | None = None  # how the pack names the file, once it was read
        self.trees: list[n.RuleFile] = []

    def read(self, path: str, shown: str | None = None):
        if Path(path).resolve() == self.target:
            from ..language.parser import parse_text_partial
            self.shown = shown or path
            tree, errors = parse_text_partial(self.text, self.shown)
        else:
            from ..language.files import parse_file_partial
            tree, errors = parse_file_partial(path, shown)
        self.trees.append(tree)
        return tree, errors


@attrs.frozen
class Compilation:
    """A document compiled: the name errors give its file, the errors (a group's one by one),
    the compiled pack when it compiles, the syntax trees read, the pack's declared fields."""

    shown: str
    errors: tuple[PerfrulesError, ...]
    compiled: Compiled | None
    trees: tuple[n.RuleFile, ...]
    declared: tuple = ()
    pack_folder: str | None = None


def compile_document(text: str, path: str | None, name: str = "<untitled>.rules") -> Compilation:
    """Compile as ``perfrules compile`` does: the pack's folder when the file lies in one, else
    the file alone; a document not on disk (or not found by its pack) is compiled alone."""
    if path is not None and os.path.isfile(path):
        root = pack_root(Path(path))
        overlay = _Overlay(Path(path), text)
        pack, errors = None, Errors()
        with errors.caught():
            pack = packs.load_pack(_spec(root if root is not None else Path(path)), reader=overlay.read)
        if overlay.shown is not None:
            return Compilation(overlay.shown, tuple(errors), None if errors or pack is None else pack.compiled,
                               tuple(overlay.trees), pack.fields if pack is not None else (),
                               str(root) if root is not None else None)
        if errors:  # the pack failed before its rule files were read (its pack.yaml): say so, and go on alone
            alone = _alone(text, packs.display_path(Path(path)))
            return attrs.evolve(alone, errors=tuple(errors) + alone.errors, compiled=None)
    shown = packs.display_path(Path(path)) if path is not None else name
    return _alone(text, shown)


def _spec(path: Path) -> str:
    """A pack folder or a rule file as the command line would be given it from the working
    folder (``./本局规则``: messages name its files as ``perfrules compile`` does; never a
    bare name, which could name a bundled pack), or its absolute path when it lies elsewhere."""
    try:
        rel = os.path.relpath(path.absolute())
    except ValueError:  # another drive on Windows
        return str(path.absolute())
    return str(path.absolute()) if rel.startswith("..") else os.path.join(os.curdir, rel)


def _alone(text: str, shown: str) -> Compilation:
    """A file on its own, from its text (as ``engine.packs`` compiles a pack's files: the
    compile errors of the lines that parse are reported beside the syntax errors)."""
    from ..language.parser import parse_text_partial
    tree, bad = parse_text_partial(text, shown)
    errors = Errors()
    compiled = None
    with errors.caught():
        compiled = compile_files([tree])
    later = [e for e in errors if not (bad and isinstance(e, EmptyRuleError))]
    found = sorted(list(bad) + later, key=_position)
    return Compilation(shown, tuple(found), None if found else compiled, (tree,))


def _position(e: PerfrulesError) -> tuple[int, int]:
    w = e.where
    return (w.line, w.column) if isinstance(w, Span) else (0, 0)


# ---- the document ------------------------------------------------------------------------------

class Document:
    """One rule file as the editor holds it, compiled and linted once per text."""

    def __init__(self, text: str, path: str | None = None, name: str = "<untitled>.rules"):
        self.text = text
        self.path = path
        self.lines = text.splitlines()
        self.compilation = compile_document(text, path, name)
        self.shown = self.compilation.shown
        compiled = self.compilation.compiled
        self.issues = [i for i in lint(list(compiled.files)) if i.span.file == self.shown] if compiled else []

    # ---- diagnostics ----------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """The errors of ``compile`` and the issues of ``lint``, in the file's order. An error
        of another file of the pack (or of its pack.yaml) stands on the first line, named."""
        out = []
        for e in self.compilation.errors:
            mine = isinstance(e.where, Span) and e.where.file == self.shown
            where = Range.of(e.where, self.lines) if mine else Range(0, 0, 0, 0)
            text = f"{e.zh} ({e.en})" if mine or e.where is None else f"{e.where}: {e.zh} ({e.en})"
            if e.hint:
                text += "\n" + e.hint
            out.append(Problem(where, text, "error", e.code, self._fixes(e, where) if mine else ()))
        out += [Problem(Range.of(i.span, self.lines), f"{i.zh} ({i.en})", "warning", i.code) for i in self.issues]
        return out

    def _fixes(self, e: PerfrulesError, where: Range) -> tuple[Fix, ...]:
        s = getattr(e, "suggestion", None)
        if s is None:
            return ()
        at = Range.of(s.where, self.lines) if s.where is not None and s.where.file == self.shown \
            else self._find(s.word, where)
        if at is None:
            return ()
        return tuple(Fix(f"改为「{r}」 (replace with {r})", at, r) for r in s.replacements)

    def _find(self, word: str, where: Range) -> Range | None:
        """Where ``word`` stands within (or else after) a range: an error's span may be wider
        than the misspelt word (a list, a message)."""
        for k in range(where.line, min(where.end_line, len(self.lines) - 1) + 1):
            at = self.lines[k].find(word, where.column if k == where.line else 0)
            if at >= 0:
                return Range(k, at, k, at + len(word))
        return None

    def fixes(self, where: Range) -> list[tuple[Problem, Fix]]:
        """The quick fixes of the problems that touch ``where``."""
        return [(p, f) for p in self.problems() for f in p.fixes if p.range.overlaps(where) or f.range.overlaps(where)]

    # ---- formatting -------------------------------------------------------------------------

    def formatted(self) -> str | None:
        """The file as ``perfrules fmt`` writes it, or None when it does not parse."""
        from ..language.fmt import format_text
        try:
            return format_text(self.text, self.shown)
        except PerfrulesError:
            return None

    # ---- what the cursor is on ---------------------------------------------------------------

    def _statement(self, line: int, column: int) -> tuple[int, str, int] | None:
        """The statement at a position: its first line (0-based), its text, the position's
        offset in that text."""
        statements, _ = Source(self.shown, self.text).logical_lines()
        for st in statements:
            first = st.line - 1
            parts = st.text.split("\n")
            if first <= line < first + len(parts):
                offset = sum(len(p) + 1 for p in parts[:line - first]) + min(column, len(parts[line - first]))
                return first, st.text, offset
        return None

    def _range(self, first: int, text: str, start: int, end: int) -> Range:
        def at(offset: int) -> tuple[int, int]:
            before = text[:offset]
            return first + before.count("\n"), offset - (before.rfind("\n") + 1)
        return Range(*at(start), *at(end))

    def in_comment(self, line: int, column: int) -> bool:
        raw = self.lines[line] if 0 <= line < len(self.lines) else ""
        return any(ch == "#" and i < column for i, ch in unquoted(raw))

    def token_at(self, line: int, column: int):
        """The token under a position (or just before it), with its range; None between tokens
        and in a comment."""
        found = None if self.in_comment(line, column) else self._statement(line, column)
        if found is None:
            return None
        first, text, offset = found
        toks = tokens(text)
        for off in (offset, offset - 1):
            for tok in toks:
                if tok.start_pos <= off < tok.end_pos:
                    return tok, self._range(first, text, tok.start_pos, tok.end_pos)
        return None

    # ---- hover -----------------------------------------------------------------------------

    def hover(self, line: int, column: int) -> HoverText | None:
        """What the word under the cursor means: a rule id, a keyword, a field, a predicate, a
        word list, a category."""
        found = self.token_at(line, column)
        if found is None:
            return None
        tok, where = found
        word = str(tok)
        if tok.type == "RULE_ID":
            text = self._rule_doc(word)
        elif tok.type in voc.BY_TOKEN:
            text = keyword_doc(voc.BY_TOKEN[tok.type], word)
            if word in FIELDS:  # 分值: a header word, and the field of a score item's weight
                text += "\n\n---\n\n" + field_doc(word, FIELDS[word])
        else:
            text = self._name_doc(word)
        return HoverText(text, where) if text else None

    def wordlists(self) -> dict[str, tuple[str, ...]]:
        """The word lists the pack defines (the compiled ones, else those of the files read)."""
        lists = {wl.name: tuple(wl.words) for t in self.compilation.trees for wl in t.wordlists}
        if self.compilation.compiled is not None:
            lists.update(self.compilation.compiled.env.wordlists)
        return lists

    def _name_doc(self, word: str) -> str | None:
        lists = self.wordlists()
        if word in lists:
            return wordlist_doc(word, lists[word])
        f = FIELDS.get(word) or FIELDS.get(word.lower())
        if f is not None:
            return field_doc(word, f)
        p = PREDICATES.get(word) or PREDICATES.get(word.lower())
        if p is not None:
            return predicate_doc(word, p)
        spec = next((s for s in self.compilation.declared if s.name == word), None)
        if spec is not None:
            return f"**{word}**（规则包声明的字段 field declared in pack.yaml）\n\n{_SCOPE.get(spec.scope, spec.scope)} · 类型 type: {spec.type}"
        if word in LEVEL1:
            return f"**{word}**：一级指标类别 (a 一级指标 category)"
        if word in LEVEL2:
            return f"**{word}**：二级指标类别，属于「{LEVEL2[word]}」 (a 二级指标 category under {LEVEL2[word]})"
        return None

    def _rule_doc(self, rid: str) -> str | None:
        compiled = self.compilation.compiled
        rule = next((r for r in compiled.rules if r.id == rid), None) if compiled else None
        node = rule.node if rule is not None else next(
            (r for t in self.compilation.trees for r in t.rules if r.id == rid), None)
        if node is None:
            return None
        tree = next((t for t in self.compilation.trees if t.path == node.span.file), None)
        return rule_doc(node, rule, tree)

    # ---- completion ------------------------------------------------------------------------

    def completions(self, line: int, column: int) -> tuple[Range, list[Item]]:
        """What may be written at a position: the word being typed (its range, to replace), and
        every keyword spelling, field, predicate and word list; those the parser accepts there first.
        Nothing in a comment or a quoted text."""
        if self.in_comment(line, column):
            return Range(line, column, line, column), []
        found = self._statement(line, column)
        first, text, offset = found if found is not None else (line, "", 0)
        if any(t.type == "STRING" and t.start_pos < offset < t.end_pos for t in tokens(text)) or \
                text[:offset].count("「") > text[:offset].count("」"):
            return Range(line, column, line, column), []
        start = offset
        before = [t for t in tokens(text[:offset]) if t.end_pos == offset and _WORDY.match(str(t))]
        if before:
            start = before[-1].start_pos
        where = self._range(first, text, start, offset) if found is not None else Range(line, column, line, column)
        accepts = accepted(text[:start])
        return where, self._items(accepts)

    def _items(self, accepts: set[str] | None) -> list[Item]:
        names = 1 if accepts is None or accepts & {"NAME", "WORD"} else 2
        out = []
        for k in voc.TABLE:
            rank = 2 if accepts is None else (0 if k.token in accepts else 3)
            for s in k.spellings:
                out.append(Item(s, "keyword", f"关键词 keyword · {k.kind}", keyword_doc(k, s), rank))
        seen: set[str] = set()
        for name, f in FIELDS.items():
            out.append(Item(name, "field", f"字段 field · {f.label} · {_SCOPE_SHORT[f.scope]}", field_doc(name, f), names))
        for s in self.compilation.declared:
            out.append(Item(s.name, "field", f"字段 field · pack.yaml · {_SCOPE_SHORT.get(s.scope, s.scope)}",
                            f"**{s.name}**（规则包声明的字段 declared in pack.yaml）", names))
        for name, p in PREDICATES.items():
            out.append(Item(name, "predicate", f"谓词 predicate · {p.label}", predicate_doc(name, p), names))
        for name, words in self.wordlists().items():
            if name not in seen:
                seen.add(name)
                out.append(Item(name, "wordlist", f"词表 word list · {len(words)} 个词", wordlist_doc(name, words), names))
        return out


_WORDY = re.compile(r"[\u3400-\u9fffA-Za-z_]")


# ---- tokens ------------------------------------------------------------------------------------

def tokens(text: str) -> list:
    """The tokens of one statement as the parser reads them (its contextual lexer: a rule id is
    a RULE_ID after 规则); past a syntax error, as the plain lexer reads the rest."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    from ..language.parser import lark_parser
    out = []
    ip = lark_parser().parse_interactive(text)
    rest = None
    try:
        for tok in ip.iter_parse():
            out.append(tok)
    except UnexpectedToken as e:
        if e.token.type != "$END" and e.token.start_pos is not None:
            if not out or out[-1] is not e.token:
                out.append(e.token)
            rest = e.token.end_pos
    except UnexpectedCharacters as e:
        rest = e.pos_in_stream + 1
    except UnexpectedInput:
        return out
    while rest is not None and rest < len(text):
        rest = _lex_rest(text, rest, out)
    return [t for t in out if t.type != "$END" and t.start_pos is not None]


def _lex_rest(text: str, at: int, out: list) -> int | None:
    """Lex ``text`` from ``at`` with the plain lexer into ``out`` (positions in ``text``); where
    it stops at a character it cannot read, the offset after that character."""
    from lark import Token
    from lark.exceptions import UnexpectedCharacters

    from ..language.parser import lark_parser
    try:
        for t in lark_parser().lex(text[at:]):
            out.append(Token(t.type, str(t), start_pos=t.start_pos + at, end_pos=t.end_pos + at))
    except UnexpectedCharacters as e:
        return at + e.pos_in_stream + 1
    return None


def accepted(prefix: str) -> set[str] | None:
    """The terminals the parser can take after ``prefix`` (a statement's beginning), or None
    when the prefix does not parse."""
    from lark.exceptions import UnexpectedInput

    from ..language.parser import lark_parser
    ip = lark_parser().parse_interactive(prefix)
    try:
        for _ in ip.iter_parse():
            pass
        return set(ip.accepts())
    except UnexpectedInput:
        return None


# ---- what a word means -----------------------------------------------------------------------

_SCOPE = {"indicator": "指标字段：每个三级指标各有一个 (an indicator field: one per indicator)",
          "project": "项目字段：每个项目一个 (a project field: one per project)"}
_SCOPE_SHORT = {"indicator": "指标 indicator", "project": "项目 project"}
_TYPES = {"num": "数值 number", "text": "文字 text", "value": "指标值（数值或可核验的状态）a target value",
          "set": "列表 list", "indicator": "指标本身 the indicator row", "bool": "条件 condition"}


def keyword_doc(k: voc.Keyword, spelling: str) -> str:
    """A keyword's meaning, from the vocabulary table."""
    sense = next((s for s in k.senses if spelling in s.spellings or spelling.lower() in
                  (x.lower() for x in s.spellings)), k.senses[0])
    lines = [f"**{spelling}**（关键词 keyword · {k.kind}）", "", voc.KINDS.get(k.kind, k.kind)]
    doc = sense.doc or k.doc
    if doc:
        lines += ["", f"用途 use: {doc}（docs/language.md）"]
    if sense.meaning and sense.meaning != spelling:
        lines.append(f"含义 meaning: {sense.meaning}")
    lines.append("写法 spellings: " + "、".join(f"`{s}`" for s in sense.spellings))
    others = [s for s in k.senses if s is not sense]
    if others:
        lines.append("同一关键词的其他意思 other senses: " + "；".join(
            f"{s.meaning}: " + "、".join(s.spellings) for s in others))
    if k.example:
        lines += ["", "例 example: `" + k.example.replace("{}", spelling) + "`"]
    return "\n".join(lines)


def field_doc(name: str, f: Field) -> str:
    """A field's meaning, from engine/vocab.py."""
    aliases = [k for k, g in FIELDS.items() if g is f and k != name]
    lines = [f"**{name}**（字段 field{'：' + f.label if f.label != name else ''}）", "",
             _SCOPE.get(f.scope, f.scope), f"类型 type: {_TYPES.get(f.type, f.type)}"]
    if f.unit:
        lines.append(f"单位 unit: {f.unit}")
    if f.values:
        lines.append("取值 values: " + "、".join(f.values))
    if aliases:
        lines.append("也写作 also written: " + "、".join(aliases))
    return "\n".join(lines)


def predicate_doc(name: str, p: Predicate) -> str:
    """A predicate's meaning, from engine/vocab.py."""
    aliases = [k for k, q in PREDICATES.items() if q is p and k != name]
    applies = "、".join(_TYPES.get(t, t) for t in p.types)
    lines = [f"**{name}**（谓词 predicate{'：' + p.label if p.label != name else ''}）", "",
             f"用于 applies to: {applies}", f"不满足时的说明 when it fails: {p.explain}"]
    if aliases:
        lines.append("也写作 also written: " + "、".join(aliases))
    return "\n".join(lines)


def wordlist_doc(name: str, words: tuple[str, ...]) -> str:
    shown = "、".join(words[:30]) + ("……" if len(words) > 30 else "")
    special = ""
    if name in VAGUE_LIST:
        special = "\n\n加在内置的「只说方向」用语之上 (adds to the built-in vague words)"
    elif name in STATE_LIST:
        special = "\n\n加在内置的「可核验的状态」用语之上 (adds to the built-in state words)"
    return f"**{name}**（词表 word list，{len(words)} 个词）\n\n{shown}{special}"


def rule_doc(node: n.Rule, rule, tree: n.RuleFile | None) -> str:
    """A rule's header and metadata; with its compiled rule (``rule``), its effective severity
    and its meaning in plain words, as ``perfrules explain`` shows them."""
    meta = {m.key: m.text for m in node.clauses if isinstance(m, n.Meta)}
    severity = rule.severity if rule is not None else (node.severity or "error")
    title = rule.title if rule is not None else (node.title or node.id)
    lines = [f"**{node.id} {title}**（{SEVERITY[severity].label}）", ""]
    for key, zh, en in (("basis", "依据", "basis"), ("explain", "说明", "explain"), ("fix", "建议", "fix"),
                        ("source", "来源", "source")):
        if meta.get(key):
            lines.append(f"{zh} ({en}): {meta[key]}")
    if rule is not None and tree is not None:
        said = meaning(attrs.evolve(rule, explain=None), lambda span: tree.excerpt(span).strip())
        if said:
            lines += ["", "含义 (meaning):"] + [f"- {m}" for m in said]
    lines += ["", f"位置 (source): {node.span.file}:{node.span.line}"]
    return "\n".join(lines)
