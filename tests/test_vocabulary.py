"""The one keyword table (perfrules/language/vocabulary.py), the one tree walk
(perfrules/language/visitor.py) and the one did-you-mean (perfrules/suggest.py), issue 14 part 4."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from perfrules.engine.compiler import compile_files
from perfrules.errors import ErrorGroup, PerfrulesError, RuleCompileError, RuleSyntaxError
from perfrules.language import cache, fmt, keywords as K, nodes as n, vocabulary as V
from perfrules.language.fmt import format_text
from perfrules.language.parser import lark_parser, parse_text
from perfrules.language.source import _HEADER
from perfrules.language.visitor import NodeVisitor, UnknownNode, dispatch, handled, iter_children, node_classes, walk
from perfrules.suggest import close_words, did_you_mean, near, suggest

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "grammar" / "perfrules.lark"
DOCS = ROOT / "docs" / "language.md"

# Terminals of the grammar that are not keywords.
NOT_KEYWORDS = {"NAME", "WORD", "STRING", "NUMBER", "INTERVAL", "RULE_ID", "PATH", "COMMENT", "_COLON", "_SEP"}


# ---- the grammar and the table agree ----------------------------------------------------------

def _terminal_defs(text: str) -> dict[str, str]:
    """Terminal name → its definition, from the grammar's text."""
    out = {}
    for m in re.finditer(r"^([A-Z_][A-Z0-9_]*)(?:\.\d+)?:\s*(.+)$", text, re.M):
        out[m.group(1)] = m.group(2).strip()
    return out


def _split_top(s: str) -> list[str]:
    """Alternatives at the top level of a regular expression."""
    out, depth, cur, i = [], 0, "", 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            cur += s[i:i + 2]
            i += 2
            continue
        if c == "[":
            j = s.index("]", i + 1)
            cur += s[i:j + 1]
            i = j + 1
            continue
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    return out + [cur]


def _strip_lookarounds(s: str) -> str:
    out, i = "", 0
    while i < len(s):
        if s.startswith(("(?=", "(?!"), i):
            depth, j = 0, i
            while True:
                if s[j] == "\\":
                    j += 2
                    continue
                if s[j] == "[":
                    j = s.index("]", j + 1) + 1
                    continue
                depth += (s[j] == "(") - (s[j] == ")")
                if depth == 0:
                    break
                j += 1
            i = j + 1
            continue
        out += s[i]
        i += 1
    return out


def _expand(s: str) -> list[str]:
    """The words one alternative matches: 同义词? → 同义词, 同义; ``\\s+`` is a space."""
    m = re.search(r"(\\.|[^\\])\?", s)
    if m is None:
        return [re.sub(r"\\(.)", r"\1", s.replace(r"\s+", " ").replace(r"\b", ""))]
    head, tail = s[:m.start()], s[m.end():]
    return _expand(head + m.group(1) + tail) + _expand(head + tail)


def grammar_spellings(definition: str) -> set[str]:
    """Every spelling a keyword terminal's definition accepts (lower case), read from its text."""
    if definition.startswith('"'):
        return {w.lower() for w in re.findall(r'"([^"]*)"', definition)}
    m = re.fullmatch(r"/(.*)/([a-z]*)", definition)
    assert m, definition
    body = m.group(1).replace(r"\/", "/")
    whole = re.fullmatch(r"\((.*)\)(\(\?[=!].*\))", body)  # (a|b)(?=…): one lookahead for all
    if whole:
        body = whole.group(1)
    return {w.lower() for alt in _split_top(body) for w in _expand(_strip_lookarounds(alt))}


def test_grammar_keyword_terminals_are_the_table():
    defs = _terminal_defs(GRAMMAR.read_text("utf-8"))
    keywords = set(defs) - NOT_KEYWORDS
    assert keywords == set(V.BY_TOKEN), "a keyword terminal of the grammar is not in vocabulary.TABLE, or the reverse"
    for k in V.TABLE:
        assert grammar_spellings(defs[k.token]) == {s.lower() for s in k.spellings}, k.token


def test_grammar_holds_the_generated_terminals():
    text = GRAMMAR.read_text("utf-8")
    assert V.generated_grammar(text) == text, \
        "grammar/perfrules.lark is stale: run python -m perfrules.language.vocabulary --write-grammar"


def test_name_stops_before_every_keyword_that_may_follow_a_name():
    name = _terminal_defs(GRAMMAR.read_text("utf-8"))["NAME"]
    look = re.search(r"\*\?\(\?=(.*)\)/$", name).group(1)
    words = {a for a in _split_top(look) if not a.startswith("[") and a != "$"}
    want = {s for k in V.TABLE if k.after_name for s in k.zh}
    assert {w for a in words for w in _expand(_strip_lookarounds(a))} == want
    for w in want:  # and it does: 指标值须…, 执行率介于…
        toks = [t for t in lark_parser().lex(f"指标值{w}") if t.type == "NAME"]
        assert toks and str(toks[0]) == "指标值", w


def test_every_spelling_reads_as_its_terminal_where_expected():
    parser = lark_parser()
    for k in V.TABLE:
        assert "{}" in k.example, k.token
        for spelling in k.spellings:
            line = k.example.format(spelling)
            ip = parser.parse_interactive(line)
            toks = list(ip.iter_parse())
            ip.feed_eof()  # the whole line parses
            got = [" ".join(str(t).lower().split()) for t in toks if t.type == k.token]
            assert spelling.lower() in got, (k.token, spelling, [(t.type, str(t)) for t in toks])


def test_every_spelling_prints_and_reads_back():
    for k in V.TABLE:
        for spelling in k.spellings:
            line = k.example.format(spelling) + "\n"
            tree = parse_text(line)
            for lang in ("zh", "en"):
                printed = format_text(line, lang=lang)
                assert parse_text(printed) == tree, (k.token, spelling, lang, printed)
                assert format_text(printed, lang=lang) == printed


def test_docs_hold_the_generated_keyword_table():
    text = DOCS.read_text("utf-8")
    assert V.keywords_text() in text
    assert V.generated_docs(text) == text, \
        "docs/language.md §20 is stale: run python -m perfrules.language.vocabulary --write-docs"


def test_the_check_command(capsys):
    assert V.main(["--check"]) == 0
    assert V.main([]) == 0 and V.keywords_text() in capsys.readouterr().out


def test_table_rows():
    tokens = [k.token for k in V.TABLE]
    assert len(tokens) == len(set(tokens))
    for k in V.TABLE:
        assert k.kind in V.KINDS, k.token
        assert k.spellings, k.token
        assert all(not re.search(r"[A-Za-z]", s) for s in k.zh + k.signs), k.token
        assert all(re.fullmatch(r"[a-z]+( [a-z]+)*", s) for s in k.en), k.token
        for s, _ in k.guards:
            assert s in k.spellings, (k.token, s)
    # fmt prints a spelling of the keyword (扣{}分 and be empty are made of two)
    for k in V.TABLE:
        for s in k.senses:
            for key, zh, en in s.fmt:
                if "{}" not in zh and not key.startswith("req_"):
                    assert zh in k.spellings and en in k.spellings, (k.token, key)


def test_maps_come_from_the_table():
    assert K.MODALS["须"] == K.MODALS["must"] == "must" and K.MODALS["must not"] == "must_not"
    assert K.SEVERITIES["否决"] == "veto" and K.SEVERITY_ZH == {"veto": "否决", "error": "错误", "warning": "警告", "info": "提示"}
    assert K.FUNCS["字数"] == K.FUNCS["length"] == "length"
    assert K.CMPS["不低于"] == K.CMPS[">="] == "≥" and K.CMPS["!="] == "≠"
    assert K.ARITH["/"] == K.ARITH["÷"] == "÷" and K.ARITH["-"] == "−"
    assert K.EXPECTED_WORDS["_BETWEEN"] == ("「介于」", "between") and K.EXPECTED_WORDS["NAME"] == ("名称", "a name")
    assert fmt.ZH["must"] == "须" and fmt.EN["req_empty"] == "be empty" and fmt.ZH["deduct"] == "扣{}分"
    assert {w for w in K.SEVERITIES} <= set(K.SPELLINGS)
    # the header lines that source.py cuts statements at
    for w in ("规则", "评分项", "词表", "同义", "同义词", "rule", "Item", "wordlist", "synonyms"):
        assert _HEADER.match(f"{w} x"), w
    assert not _HEADER.match("规则性 x")


def test_did_you_mean_words_are_every_suggested_spelling():
    chinese = {s for k in V.TABLE for s in k.zh}
    offered = {s for s in K.KEYWORDS if not s.isascii()}
    unsuggested = {s for k in V.TABLE if not k.suggest for s in k.zh}
    assert chinese - offered <= unsuggested
    assert unsuggested <= {"分", "于", "从", "为", "是"}  # a character of its own, or 是 again (as 为)
    assert len(offered) >= 70


def test_language_detection_uses_the_table():
    assert fmt.language_of("rule A\n  only when stage is 自评\n  sum(分值) ≤ 10\n") == "en"
    assert fmt.language_of("规则 A\n  仅当 阶段 是 自评\n  合计(分值) ≤ 10\n") == "zh"
    assert fmt.language_of("当年预算 > 0\nrule A\n") == "en"  # 当年 is a name, not 当


# ---- one way to walk a tree ----------------------------------------------------------------------

STATEMENTS = {n.Meta, n.When, n.Each, n.Requirement, n.Applicability, n.Implication, n.Assertion, n.Otherwise}
EXPRESSIONS = {n.Number, n.String, n.Name, n.ListLit, n.BinOp, n.Neg, n.Compare, n.Chain, n.BoolOp, n.Not,
               n.Test, n.Call}
PREDICATES = {c for c in node_classes() if issubclass(c, n.Pred)}
CONSEQUENCES = {n.Flag, n.Deduct, n.SetScore, n.Cap, n.Halve, n.GradeCap}
OTHERS = {n.Interval, n.WordList, n.Synonym, n.Rule, n.ScoreItem, n.RuleFile}


def test_node_kinds_are_all_sorted_into_a_group():
    # A new node class fails here first: put it in its group, and the tests below say which walks need it.
    groups = [STATEMENTS, EXPRESSIONS, PREDICATES, CONSEQUENCES, OTHERS]
    assert set().union(*groups) == set(node_classes())
    assert sum(map(len, groups)) == len(node_classes())


def test_every_walk_knows_every_node_class_it_can_meet():
    from perfrules.engine.compile_expr import ExprCompiler
    from perfrules.authoring.lint import _Conditions
    from perfrules.authoring.catalogue import _Say
    assert handled(ExprCompiler, "x_") == EXPRESSIONS
    assert handled(fmt._Printer, "stmt_") == STATEMENTS
    assert handled(fmt._Printer, "expr_") == EXPRESSIONS
    assert handled(fmt._Printer, "cons_") == CONSEQUENCES | {n.Requirement}  # others print as expressions
    assert handled(fmt._Printer, "pred_") == PREDICATES
    assert handled(fmt._Printer, "target_") == {n.ListLit, n.Interval}  # others print as expressions
    assert handled(_Conditions) == STATEMENTS
    assert handled(_Say) == STATEMENTS
    assert handled(cache._Consistency) == set(node_classes())


@attrs.frozen(kw_only=True)
class Strange(n.Node):
    """A node kind no walk knows yet."""

    operand: n.Node | None = None


def test_an_unknown_node_fails_loudly_in_every_walk():
    from perfrules.authoring.lint import _conditions
    from perfrules.authoring.catalogue import _say
    tree = parse_text("执行率 < 60% ⇒ 否决\n", "x.rules")
    odd = Strange(span=tree.span)
    p = fmt._Printer("zh", "")
    for walk_one in (p.stmt, p._expr, p.pred, p.consequence, p.target, lambda x: p.test_pred(x, False),
                     _conditions, lambda x: _say(x, lambda span: "")):
        with pytest.raises(UnknownNode, match="Strange"):
            walk_one(odd)
    check = cache._Consistency(tree, "x.rules")
    with pytest.raises(UnknownNode):
        check.visit(odd)
    with pytest.raises(UnknownNode):
        NodeVisitor().visit(odd)
    assert issubclass(UnknownNode, TypeError)
    # the compiler says so at the node, as for any node that is not an expression
    bad = attrs.evolve(tree, rules=(attrs.evolve(tree.rules[0], clauses=(n.Assertion(span=tree.span, cond=odd),)),))
    with pytest.raises(RuleCompileError, match="此处不能写这种表达式"):
        compile_files([bad])


def test_dispatch_and_children():
    class Count(NodeVisitor):
        def visit_Name(self, node):
            return 1

        def generic_visit(self, node):
            return sum(self.visit(c) for c in iter_children(node))

    class Twice(Count):
        def visit_Name(self, node):
            return 2

        other = dispatch("other_", "visit")

    tree = parse_text("若 执行率 < 60% 且 支出 > 预算数 则 否决\n")
    assert Count().visit(tree) == 3 and Twice().visit(tree) == 6 and Count().visit(tree) == 3
    assert Twice().other(tree) == 6
    names = [x.text for x in walk(tree) if isinstance(x, n.Name)]
    assert names == ["执行率", "支出", "预算数"]
    imp = tree.rules[0].clauses[0]
    assert list(iter_children(imp)) == [imp.cond, imp.consequence]


# ---- did you mean: one rule, words of the same kind only ------------------------------------------

@pytest.mark.parametrize("word,candidates,want", [
    ("规侧", ["规则", "评分项"], "规则"),
    ("指标直", ["指标值", "指标"], "指标值"),
    ("生态效益果", ["生态效益", "社会效益"], "生态效益"),
    ("字", ["计数", "字数"], "字数"),
    ("rul", ["rule", "item"], "rule"),
    ("SC-3", ["SC-03", "SC-13"], "SC-03"),
    ("指标值值值值值值值", ["指标值值值值值值值值值"], None),  # two apart, long: still one length apart at most
    ("预算执行数", ["执行率"], None),
    ("调整后预算数", ["调整"], None),
    ("经济成本指标", ["经济效益指标"], None),  # two characters: another word, not a typo
    ("达成年度指标", ["达标"], None),
    ("一", ["是"], None),  # nothing in common
    ("rule", ["规则"], None),  # another script
    ("item", ["rule"], None),
])
def test_suggest_rule(word, candidates, want):
    assert suggest(word, candidates) == want


def test_suggest_long_chinese_words_may_differ_in_two():
    assert suggest("项目资金管理办法规定的", ["项目资金管理制度规定的"]) == "项目资金管理制度规定的"
    assert not near("资金管理办法", "资金管理制度")


def test_suggest_kinds():
    words = {"执行率": "field", "介于": "keyword", "属于": "keyword"}
    assert suggest("介与", words, kind="keyword") == "介于"
    assert suggest("执行律", words, kind="keyword") is None
    assert close_words("不德", ["不得", "不应", "不是", "规则"]) == ["不得", "不应", "不是"]
    assert did_you_mean("规侧", ["规则"]) == "是否指「规则」？ (did you mean 规则?)"


def _errors(text: str) -> list[RuleSyntaxError]:
    try:
        parse_text(text, "x.rules")
    except ErrorGroup as g:
        return [e for e in g.errors if isinstance(e, RuleSyntaxError)]
    except RuleSyntaxError as e:
        return [e]
    return []


def test_golden_keyword_hints():
    [e] = _errors("规侧 N-01 「三级指标须有名称」 错误\n")
    assert (e.zh, e.en, e.hint) == ("无法识别行首的「规侧」", "unknown word '规侧' at the start of the line",
                                    "是否指「规则」？ (did you mean 规则?)")
    assert (e.where.line, e.where.column, e.where.end_column) == (1, 1, 3)
    [e] = _errors("执行率 < 60% ⇒ 否诀\n")
    assert e.hint == "「否诀」是否指「否决」？ (did you mean 否决?)"
    [e] = _errors("x 介与 [1, 2]\n")
    assert e.hint == "「介与」是否指「介于」？ (did you mean 介于?)"
    [e] = _errors("每个指标: 字(原因说明) ≤ 100\n")
    assert "计数" not in (e.hint or "").split("；")[0] and "是否指「计数」" not in (e.hint or "")
    assert "did you mean count" not in (e.hint or "")


MISSPELT = [
    "规侧 N-01", "评份项 a/b 分值 8", "词标 x: a", "同议 a: b", "依局 「x」", "建意 「x」", "每个指票: 指标值 须 可衡量",
    "若 执行率 < 60% 侧 否决", "执行率 < 60% ⇒ 否诀", "执行率 < 60% ⇒ 警吿", "执行率 < 60% ⇒ 介与",
    "x 介与 [1, 2]", "x 属与 [a]", "x 不属与 [a]", "三级指标 不德 为空",
    "指标值 须 可衡量 除飞 阶段 是 自评", "生态效益 不适用与 信息化运维", "每个指标 其种 指标值 是 量化: 指标值 须 可衡量",
    "三级指标 包涵 [资金] ⇒ 提示", "三级指标 包含短于 [资金] ⇒ 提示", "三级指标 词尾属与 [率] ⇒ 提示",
    "执行率 不底于 60% ⇒ 提示", "执行率 < 60% 并切 支出 > 1 ⇒ 提示", "执行率 < 60% 或著 支出 > 1 ⇒ 提示",
    "计树(指标) ≥ 1", "合记(分值) ≤ 10", "字树(原因说明) ≤ 100", "执行率 < 60% ⇒ 得分减伴", "执行率 < 60% ⇒ 等级不高与 良",
    "评分项 a/b 分直 8", "rulle N-01", "itme a/b 分值 8", "执行率 < 60% ⇒ vetoo", "x must nott 可衡量",
    "执行率 < 60% ⇒ 否诀 「x」", "  每个指标: 三级指标 不的为空", "当 阶段 是 自评 或着 阶段 是 评价",
]


@pytest.mark.parametrize("line", MISSPELT)
def test_suggestions_are_of_the_kind_the_parser_expects(line):
    """Whatever a hint offers, putting it in the word's place reads on past the word: it is a
    word the parser could take there, never one of another kind."""
    errors = _errors(line + "\n")
    assert errors, line
    for e in errors:
        m = re.match(r"(?:「(.+?)」)?是否指((?:「[^」]+」或?)+)？", e.hint or "")
        if not m:
            continue
        word = m.group(1) or e.zh.split("「")[1].split("」")[0]
        at = line.index(word)
        for kw in re.findall(r"「([^」]+)」", m.group(2)):
            fixed = line[:at] + kw + line[at + len(word):]
            later = _errors(fixed + "\n")
            assert all(x.where.column > at + len(kw) for x in later), (line, kw, [x.zh for x in later])


def test_misspelt_keywords_are_found():
    found = {line: (_errors(line + "\n")[0].hint or "") for line in MISSPELT}
    hinted = [line for line, h in found.items() if "是否指" in h]
    assert len(hinted) >= len(MISSPELT) - 6, [line for line in MISSPELT if line not in hinted]
    for line, want in [("评份项 a/b 分值 8", "评分项"), ("若 执行率 < 60% 侧 否决", None), ("三级指标 不德 为空", "不得"),
                       ("执行率 不底于 60% ⇒ 提示", "不低于"), ("rulle N-01", "rule"),
                       ("x 不属与 [a]", "不属于"), ("评分项 a/b 分直 8", "分值")]:
        if want is None:
            assert "是否指" not in found[line], line
        else:
            assert f"「{want}」" in found[line], (line, found[line])
    # a word used as a function: the hint names the functions (or offers the nearest one)
    assert "计数" in found["计树(指标) ≥ 1"] and "字数" in found["字树(原因说明) ≤ 100"]


def test_a_word_of_another_kind_is_not_offered():
    # 介于 is near 介与, but a consequence cannot be 介于; 字数 is a function only before a bracket.
    for line in ("执行率 < 60% ⇒ 介与", "每个指标: 字 ≤ 100", "若 总数 > 1 则 否诀诀"):
        for e in _errors(line + "\n"):
            assert "介于" not in (e.hint or "") and "字数" not in (e.hint or "") and "计数" not in (e.hint or ""), line


def test_keyword_hint_on_a_long_line_is_bounded():
    import time
    line = "若 " + " 或 ".join(["否诀 为空"] * 600) + " 则\n"
    t = time.perf_counter()
    with pytest.raises(PerfrulesError):
        parse_text(line)
    assert time.perf_counter() - t < 5


def test_the_keywords_a_line_may_start_with_are_the_grammars():
    from perfrules.language.parser import lark_parser
    from perfrules.language.vocabulary import BY_TOKEN, LINE_START
    accepted = {t for t in lark_parser().parse_interactive("").accepts() if t in BY_TOKEN}
    assert LINE_START == accepted


@pytest.mark.parametrize("name", ["原因说明", "应急响应时间", "说明甲", "是否有负外部性", "偏差情况说明", "x包含", "包含x",
                                  "若干说明", "每个指标数", "平均执行进度", "计数器", "否则说明"])
def test_a_name_is_judged_writable_as_the_parser_reads_it(name):
    """name_problem (no parser built) agrees with parsing 「name 须 非空」."""
    from perfrules.errors import PerfrulesError
    from perfrules.language import nodes as n
    from perfrules.language.parser import parse_text
    from perfrules.language.vocabulary import name_problem
    try:
        rule = parse_text(f"规则 X-01\n  {name} 须 非空\n", "<t>").rules[0]
        subject = getattr(rule.clauses[0], "subject", None) if len(rule.clauses) == 1 else None
        parses = isinstance(subject, n.Name) and subject.text == name
    except PerfrulesError:
        parses = False
    assert (name_problem(name) is None) == parses


def test_a_name_ends_where_the_grammars_name_terminal_ends():
    """name_problem walks the NAME terminal by hand (its regular expression is slow to compile):
    on names, keywords and the characters around them, it stops where the terminal stops. So
    does the compiler's check of a bare {name} in a message."""
    import random

    from perfrules.engine.compiler import _bare_name
    name = re.compile(_terminal_defs(GRAMMAR.read_text("utf-8"))["NAME"].split("/", 1)[1].rsplit("/", 1)[0])
    bare = re.compile(r"[\u3400-\u9fffA-Za-z_][\u3400-\u9fffA-Za-z0-9_·.]*")
    pieces = list("aZ_09·. \n（-x") + ["\u3400", "\u9fff", "\u33ff", "\ua000", "指", "标", "值"] + \
        [s for k in V.TABLE if k.after_name for s in k.zh]
    rnd = random.Random(15)
    for _ in range(20000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
        m = name.match(text)
        assert V._name_end(text) == (m.end() if m else None), text
        assert _bare_name(text) == bool(bare.fullmatch(text)), text



def test_a_keyword_skipped_without_its_pattern_could_not_have_matched():
    """name_problem compiles a line-starting keyword's pattern only when the name may begin
    with it (_may_start): never skipped where the pattern would match."""
    import random

    patterns = [(s, V.spelling_pattern(k.token, s)) for k in V.TABLE if k.token in V.LINE_START for s in k.spellings]
    pieces = [s for s, _ in patterns] + list("aKkſİi指标 (（-−_1\u212a")
    rnd = random.Random(15)
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 3)))
        for name in (text, text.upper(), text.title()):
            for s, p in patterns:
                assert V._may_start(name, s) or not p.match(name), (name, s)
