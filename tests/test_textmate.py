"""The TextMate grammar (editors/textmate/perfrules.tmLanguage.json) and the VS Code extension.

The grammar is generated from the keyword table (perfrules/lsp/textmate.py); here it is read
as an editor reads it: its regular expressions compiled with Python's ``re`` (they are kept
compatible with Oniguruma's), lines scanned as a TextMate tokenizer scans them (the earliest
match wins, the first pattern on a tie; begin/end regions; captures). Every spelling of every
keyword of the table is highlighted as a keyword in a line where the grammar takes it, and the
keyword patterns match those spellings and nothing else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from perfrules.language import vocabulary as voc
from perfrules.lsp import textmate

try:  # the parser of Python's own regular expressions
    import re._parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

EDITORS = Path(__file__).resolve().parent.parent / "editors"
GRAMMAR = json.loads((EDITORS / "textmate" / "perfrules.tmLanguage.json").read_text("utf-8"))


# ---- a small TextMate tokenizer ----------------------------------------------------------------

def _expand(patterns: list[dict]) -> list[dict]:
    out = []
    for p in patterns:
        if "include" in p:
            target = GRAMMAR if p["include"] == "$self" else GRAMMAR["repository"][p["include"][1:]]
            out += [target] if ("match" in target or "begin" in target) else _expand(target["patterns"])
        else:
            out.append(p)
    return out


def _captures(m: re.Match, caps: dict, out: list) -> None:
    for k, c in (caps or {}).items():
        if m.group(int(k)) is not None and "name" in c:
            out.append((m.start(int(k)), m.end(int(k)), c["name"]))


def tokenize(line: str) -> list[tuple[int, int, str]]:
    """(start, end, scope) of every named match and capture in one line."""
    out: list[tuple[int, int, str]] = []

    def scan(pos: int, patterns: list[dict], end: str | None) -> int:
        pats = _expand(patterns)
        while pos <= len(line):
            best = None
            if end is not None:
                m = re.compile(end).search(line, pos)
                if m:
                    best = (m.start(), -1, m, None)
            for i, p in enumerate(pats):
                m = re.compile(p.get("match") or p["begin"]).search(line, pos)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), i, m, p)
            if best is None:
                return len(line) + 1
            _, _, m, p = best
            if p is None:  # the region's end
                return m.end()
            if "match" in p:
                if "name" in p:
                    out.append((m.start(), m.end(), p["name"]))
                _captures(m, p.get("captures"), out)
                pos = m.end() if m.end() > pos else pos + 1
            else:
                _captures(m, p.get("beginCaptures"), out)
                stop = scan(m.end(), p.get("patterns", []), p["end"])
                if "name" in p:
                    out.append((m.start(), stop, p["name"]))
                pos = stop if stop > m.start() else m.start() + 1
        return pos

    scan(0, GRAMMAR["patterns"], None)
    return out


def language(regex: str, group: int | None = None) -> set[str]:
    """Every text a keyword pattern (or one of its groups) matches, in lower case, with ``\\s+``
    read as one space; lookarounds only narrow where it matches, so they are left out. Fails
    on any construct a keyword pattern has no business holding."""
    items = list(sre_parse.parse(regex))
    if group is not None:
        items = next(list(av[-1]) for op, av in items if str(op) == "SUBPATTERN" and av[0] == group)
    return set(_strings(items))


def _strings(items) -> list[str]:
    out = [""]
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            parts = [chr(av).lower()]
        elif name == "SUBPATTERN":
            parts = _strings(list(av[-1]))
        elif name == "BRANCH":
            parts = [s for branch in av[1] for s in _strings(list(branch))]
        elif name in ("ASSERT", "ASSERT_NOT", "AT"):
            parts = [""]
        elif name == "IN" and all(str(o) == "LITERAL" for o, _ in av):  # +|＋ is read as [+＋]
            parts = [chr(c).lower() for _, c in av]
        elif name == "MAX_REPEAT" and av[:2] == (1, sre_parse.MAXREPEAT) and \
                [(str(o), str(a)) for o, a in av[2]] == [("IN", "[(CATEGORY, CATEGORY_SPACE)]")]:
            parts = [" "]
        else:
            raise AssertionError(f"a keyword pattern holds {name} {av}")
        out = [a + b for a in out for b in parts]
    return out


def _keyword_patterns() -> list[dict]:
    return GRAMMAR["repository"]["keywords"]["patterns"]


# ---- the tests ---------------------------------------------------------------------------------

def test_the_grammar_files_are_what_the_table_generates():
    assert textmate.main(["--check"]) == 0, "run python -m perfrules.lsp.textmate --write"
    for path in textmate.PATHS:
        assert path.read_text("utf-8") == textmate.text()


def test_every_regular_expression_compiles_with_python_re():
    found = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("match", "begin", "end"):
                    found.append(v)
                    re.compile(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(GRAMMAR)
    assert len(found) > len(voc.TABLE)


@pytest.mark.parametrize("row", voc.TABLE, ids=lambda k: k.token)
def test_every_spelling_of_the_row_is_highlighted_as_a_keyword(row):
    owners: dict[str, set[str]] = {}  # spelling → the scopes of the rows that have it
    for k in voc.TABLE:
        for s in k.spellings:
            owners.setdefault(s.lower(), set()).add(textmate.scope_of(k))
    assert row.example.count("{}") == 1
    for spelling in row.spellings:
        line = row.example.replace("{}", spelling)
        at = row.example.index("{}")
        toks = tokenize(line)
        hits = [scope for a, b, scope in toks if (a, b) == (at, at + len(spelling))]
        assert hits and hits[0].startswith("keyword.") and hits[0] in owners[spelling.lower()], \
            f"{spelling!r} in {line!r}: {toks}"


def test_the_keyword_patterns_match_the_spellings_of_the_table_and_nothing_else():
    by_scope = {textmate.scope_of(k): k for k in voc.TABLE}
    assert len(by_scope) == len(voc.TABLE)  # one scope per row
    assert len(_keyword_patterns()) == len(voc.TABLE)
    matched: set[str] = set()
    for p in _keyword_patterns():
        assert p["name"].startswith("keyword.") and p["name"].endswith(".perfrules")
        row = by_scope[p["name"]]
        assert language(p["match"]) == {s.lower() for s in row.spellings}, row.token
        matched |= language(p["match"])
    assert matched == {s.lower() for s in voc.SPELLINGS}
    # A rule's header highlights its keyword with the RULE row's pattern, and the id after it.
    header = GRAMMAR["repository"]["rule-header"]
    assert language(header["match"], group=1) == {s.lower() for s in voc.BY_TOKEN["RULE"].spellings}
    assert header["captures"]["1"]["name"] == textmate.scope_of(voc.BY_TOKEN["RULE"])


def test_a_line_of_each_kind_is_highlighted():
    def scopes(line):
        return {line[a:b]: s for a, b, s in tokenize(line)}

    s = scopes("规则 N-02 「指标值须可衡量」 错误  # 依据见 RC-01")
    assert s["规则"].startswith("keyword.control.header") and s["N-02"].startswith("entity.name.function.rule-id")
    assert s["「指标值须可衡量」"].startswith("string.quoted.corner") and s["错误"].startswith("keyword.other.severity")
    assert s["# 依据见 RC-01"].startswith("comment.line")
    assert "依据" not in s  # inside the comment
    s = scopes("  执行率 < 60% ⇒ 扣3分 于 项目管理/支出")
    assert s["60%"] == "constant.numeric.perfrules" and s["<"].startswith("keyword.operator.comparison")
    assert s["⇒"].startswith("keyword.control.connective") and s["扣"].startswith("keyword.other.consequence")
    assert s["分"].startswith("keyword.other.consequence") and s["于"].startswith("keyword.other.consequence")
    assert scopes("年度预算 ≥ 428.54万元")["428.54万元"] == "constant.numeric.perfrules"
    s = scopes("  消息 「「{三级指标}」的指标值「如「资金拨付率」等」」")
    assert s["{三级指标}"] == "variable.other.placeholder.perfrules"
    assert s["「「{三级指标}」的指标值「如「资金拨付率」等」」"].startswith("string.quoted.corner")
    assert "资金拨付率" not in s and "指标值" not in s  # a keyword inside a quote is text
    s = scopes("得分 = 填报得分")  # 分 ends 得分, a field: not the keyword 分
    assert "分" not in s and s["="].startswith("keyword.operator.comparison")
    assert scopes("当年 ≥ 1") == {"≥": textmate.scope_of(voc.BY_TOKEN["CMP"]), "1": "constant.numeric.perfrules"}
    s = scopes("rule SC-3 \"a title\" WARNING")
    assert s["rule"].startswith("keyword.control.header") and s["WARNING"].startswith("keyword.other.severity")


def test_the_json_files_are_valid_and_the_manifest_points_at_files_that_exist():
    vscode = EDITORS / "vscode"
    manifest = json.loads((vscode / "package.json").read_text("utf-8"))
    config = json.loads((vscode / "language-configuration.json").read_text("utf-8"))
    assert config["comments"]["lineComment"] == "#"
    assert ["「", "」"] in config["surroundingPairs"]
    [lang] = manifest["contributes"]["languages"]
    assert lang["id"] == "perfrules" and lang["extensions"] == [".rules"]
    assert (vscode / lang["configuration"]).resolve() == (vscode / "language-configuration.json").resolve()
    [grammar] = manifest["contributes"]["grammars"]
    assert grammar["language"] == "perfrules" and grammar["scopeName"] == GRAMMAR["scopeName"] == "source.perfrules"
    path = (vscode / grammar["path"]).resolve()
    assert path.is_file() and path.is_relative_to(vscode.resolve())  # inside the extension's folder
    assert json.loads(path.read_text("utf-8")) == GRAMMAR
    assert GRAMMAR["fileTypes"] == ["rules"]
    assert (vscode / manifest["main"]).is_file()
    assert "vscode-languageclient" in manifest["dependencies"]
    assert "onLanguage:perfrules" in manifest["activationEvents"]
    client = (vscode / manifest["main"]).read_text("utf-8")
    assert "vscode-languageclient/node" in client and '"lsp"' in client
    assert manifest["contributes"]["configuration"]["properties"]["perfrules.server.args"]["default"] == ["lsp"]
