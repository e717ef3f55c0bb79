"""The TextMate grammar of rule files (``editors/textmate/perfrules.tmLanguage.json``, and its copy
in the VS Code extension, ``editors/vscode/syntaxes/``), made from the keyword table so that
highlighting never drifts from the language.

Every row of :data:`perfrules.language.vocabulary.TABLE` becomes one pattern of the
``keywords`` repository: all its spellings (Chinese, English without regard to case, signs),
each with the lookahead the grammar reads it with (``当`` not before 年, ``扣`` before a
number, a function name before its bracket), scoped ``keyword.<kind>…``. A spelling that
begins another (``包含`` of ``包含短语``, ``=`` of ``=>``) comes after it, as a TextMate
scanner takes the first pattern that matches where the earliest match starts. Numbers take
the grammar's NUMBER terminal (units 元, 万元, 亿元, %, ‰); rule ids, quoted texts (「…」
nested as the grammar nests them, "…", “…”, 『…』, with ``{…}`` placeholders) and comments
complete it. The regular expressions are those of Oniguruma and of Python's ``re`` alike
(tests/test_textmate.py compiles them with ``re``).

``python -m perfrules.lsp.textmate --write`` rewrites the file; ``--check`` exits 1 when it is
not what the table gives (the test suite checks the same).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ..language import vocabulary as voc

EDITORS = Path(__file__).resolve().parent.parent.parent / "editors"
PATH = EDITORS / "textmate" / "perfrules.tmLanguage.json"
# The same file inside the VS Code extension's folder, which is all an extension package holds.
PATHS = (PATH, EDITORS / "vscode" / "syntaxes" / "perfrules.tmLanguage.json")
SCOPE = "source.perfrules"

# A scope for each kind of keyword (vocabulary.KINDS); every one begins with "keyword.".
KIND_SCOPES = {
    "header": "keyword.control.header",
    "header-part": "keyword.other.header-part",
    "meta": "keyword.other.meta",
    "clause": "keyword.control.clause",
    "connective": "keyword.control.connective",
    "modal": "keyword.other.modal",
    "predicate-operator": "keyword.operator.predicate",
    "severity": "keyword.other.severity",
    "consequence": "keyword.other.consequence",
    "function": "keyword.other.function",
    "comparison": "keyword.operator.comparison",
    "operator": "keyword.operator.arithmetic",
}
# A rule id where it is not a header's (in a comment it is not highlighted): N-02, RC-01, SC-08.
LOOSE_RULE_ID = r"\b[A-Za-z]+(?:[_.\-][A-Za-z]+)*-\d+(?:[_.\-][A-Za-z0-9]+)*\b"
CJK = "\u3400-\u9fff"  # the grammar's Chinese characters (NAME); written into the file as they are


def terminal(name: str) -> str:
    """A terminal's regular expression as the grammar (grammar/perfrules.lark) has it."""
    from ..language.parser import lark_parser
    return lark_parser().get_terminal(name).pattern.value


def scope_of(k: voc.Keyword) -> str:
    """The scope of a row: its kind's, then the row's own name (``keyword.operator.predicate.in``)."""
    base = KIND_SCOPES.get(k.kind, "keyword.other")
    slug = k.token.strip("_").lower().replace("_", "-")
    return f"{base}.perfrules" if base.endswith("." + slug) else f"{base}.{slug}.perfrules"


# Rows whose one-character spellings end or begin many Chinese words (得分, 部分, 关于, 从而):
# highlighted only where no Chinese character stands just before them, as where the grammar
# reads them (扣3分, 扣3分 于 项目管理/支出).
NOT_INSIDE_WORDS = frozenset({"_POINTS", "_FROM"})


def row_regex(k: voc.Keyword) -> str:
    """One row's spellings as one regular expression, longest first, each with its lookahead;
    English ones as whole words, in any case."""
    alts = []
    for s in sorted(k.spellings, key=len, reverse=True):
        pat = k.pattern(s)
        if s in k.en:
            pat = rf"\b(?i:{pat})"
        elif k.token in NOT_INSIDE_WORDS and len(s) == 1 and s in k.zh:
            pat = f"(?<![{CJK}]){pat}"
        alts.append(pat)
    body = "|".join(dict.fromkeys(alts))
    return f"(?:{body}){k.guard}" if k.guard else f"(?:{body})"


def ordered_rows() -> list[voc.Keyword]:
    """The table's rows, each before every row holding a spelling that begins one of its own
    (包含短语 before 包含, ⇒'s => before =), else in the table's order."""
    rows = list(voc.TABLE)

    def before(a: voc.Keyword, b: voc.Keyword) -> bool:
        return a is not b and any(x.lower() != y.lower() and x.lower().startswith(y.lower())
                                  for x in a.spellings for y in b.spellings)
    out: list[voc.Keyword] = []
    while rows:
        free = [r for r in rows if not any(before(o, r) for o in rows)]
        if not free:
            raise ValueError("keyword rows begin one another in a circle: "
                             + ", ".join(r.token for r in rows))
        out.append(free[0])
        rows.remove(free[0])
    return out


def _string(open_: str, close: str, name: str, nested: bool = False) -> dict:
    inner: list[dict] = [{"include": "#placeholder"}]
    if nested:
        inner.insert(0, {"include": "#string-corner"})
    return {"name": f"string.quoted.{name}.perfrules", "begin": re.escape(open_), "end": f"{re.escape(close)}|$",
            "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.perfrules"}},
            "endCaptures": {"0": {"name": "punctuation.definition.string.end.perfrules"}},
            "patterns": inner}


def grammar() -> dict:
    """The whole grammar, as the JSON file holds it."""
    rule = voc.BY_TOKEN["RULE"]
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "perfrules",
        "scopeName": SCOPE,
        "fileTypes": ["rules"],
        "comment": "Generated from perfrules/language/vocabulary.py by python -m perfrules.lsp.textmate --write: "
                   "edit the keyword table, not this file.",
        "patterns": [{"include": f"#{x}"} for x in ("comment", "strings", "rule-header", "rule-id", "keywords",
                                                     "number", "punctuation")],
        "repository": {
            "comment": {"name": "comment.line.number-sign.perfrules", "match": "#.*$"},
            "strings": {"patterns": [{"include": "#string-corner"}, _string('"', '"', "double"),
                                     _string("“", "”", "curly"), _string("『", "』", "white-corner")]},
            "string-corner": _string("「", "」", "corner", nested=True),
            "placeholder": {"name": "variable.other.placeholder.perfrules", "match": r"\{[^{}]+\}"},
            "rule-header": {"match": rf"^\s*({row_regex(rule)})\s+({terminal('RULE_ID')})",
                            "captures": {"1": {"name": scope_of(rule)},
                                         "2": {"name": "entity.name.function.rule-id.perfrules"}}},
            "rule-id": {"name": "constant.other.rule-id.perfrules", "match": LOOSE_RULE_ID},
            "keywords": {"patterns": [{"name": scope_of(k), "match": row_regex(k)} for k in ordered_rows()]},
            "number": {"name": "constant.numeric.perfrules", "match": rf"(?<![A-Za-z0-9_.])(?:{terminal('NUMBER')})"},
            "punctuation": {"patterns": [
                {"name": "punctuation.section.brackets.perfrules", "match": r"[\[\]［］()（）]"},
                {"name": "punctuation.separator.key-value.perfrules", "match": "[:：]"},
                {"name": "punctuation.separator.comma.perfrules", "match": "[,，、]"}]},
        },
    }


def text() -> str:
    """The grammar file's text."""
    return json.dumps(grammar(), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``--write``: rewrite the grammar files; ``--check``: exit 1 when one is out of date; no
    option: print the grammar."""
    args = sys.argv[1:] if argv is None else argv
    new = text()
    stale = [p for p in PATHS if not p.is_file() or p.read_text("utf-8") != new]
    if "--write" in args:
        for p in stale:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(new, "utf-8")
            print(f"wrote {p}")
    elif "--check" in args:
        for p in stale:
            print(f"{p}: out of date; run python -m perfrules.lsp.textmate --write")
        return 1 if stale else 0
    else:
        sys.stdout.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
