"""The parse cache: same tree as parsing, keyed by content and language version, and an
entry that is not exactly what parsing its text gives is never used (see also
tests/security/test_language_hostile.py)."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from test_rule_fuzz import EXPLICIT, _grammar

from perfrules.language import cache, parser
from perfrules.language.files import parse_file
from perfrules.language.parser import parse_text

TEXT = "词表 模糊用语: 提升\n规则 A-01 「名称」 错误\n  每个指标: 指标值须可衡量\n评分项 组/项 分值 8\n  得分 = 最小(执行率, 100%) × 分值\n"


def test_cached_tree_equals_parsed_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(tmp_path / "c"))
    f = tmp_path / "a.rules"
    f.write_text(TEXT, encoding="utf-8")
    first = parse_file(str(f), "a.rules")
    assert len(list((tmp_path / "c").iterdir())) == 1
    second = parse_file(str(f), "a.rules")  # from the cache
    assert second == first == parse_text(TEXT, "a.rules")
    assert second.text == TEXT and second.rules[0].span == first.rules[0].span
    f.write_text(TEXT.replace("A-01", "A-02"), encoding="utf-8")
    assert parse_file(str(f), "a.rules").rules[0].id == "A-02"  # new text, new key


def test_damaged_entry_and_disabled_cache_fall_back_to_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(tmp_path / "c"))
    f = tmp_path / "a.rules"
    f.write_text(TEXT, encoding="utf-8")
    parse_file(str(f), "a.rules")
    for entry in (tmp_path / "c").iterdir():
        entry.write_text('{"$c": "os.system"}', encoding="utf-8")  # never code: an unknown class
    assert parse_file(str(f), "a.rules") == parse_text(TEXT, "a.rules")
    monkeypatch.setenv("PERFRULES_CACHE_DIR", "")
    assert cache.cache_dir() is None
    assert parse_file(str(f), "a.rules") == parse_text(TEXT, "a.rules")


def test_the_parser_leaves_no_pickle_in_the_temp_folder(tmp_path, monkeypatch):
    """Lark's own cache is a pickle at a predictable temp path: loading one planted by
    another user would run their code. The parser must neither write nor read one."""
    import tempfile

    from perfrules.language import parser
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    parser.lark_parser.cache_clear()
    try:
        parser.lark_parser()
    finally:
        parser.lark_parser.cache_clear()
    assert list(tmp_path.iterdir()) == []


# ---- an entry is what parsing gives, or it is not used ------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = sorted([*ROOT.glob("policies/*/*.rules"), ROOT / "tests" / "rules" / "sample.rules"])


@pytest.fixture
def parses(monkeypatch, tmp_path):
    """How many times Lark parsed a file (a cache hit does not)."""
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(tmp_path / "c"))
    calls = []
    real = parser.parse_text_partial

    def counting(text, path="<text>"):
        calls.append(path)
        return real(text, path)
    monkeypatch.setattr(parser, "parse_text_partial", counting)
    return calls


def test_every_bundled_rule_file_is_served_from_the_cache(parses, tmp_path):
    """The checks on load accept every real tree: a refused entry is only slower, so this is
    what shows they are not too strict."""
    for f in SEED_FILES:
        first = parse_file(str(f), f.name)
        second = parse_file(str(f), f.name)
        assert parses == [f.name]  # parsed once, then read back
        assert second == first == parse_text(f.read_text(encoding="utf-8"), f.name)
        assert second.text == first.text and [r.span for r in second.rules] == [r.span for r in first.rules]
        parses.clear()
    assert not [p for p in (tmp_path / "c").iterdir() if not p.name.endswith(".json")]  # no temp files left


def _find(x, pred):
    if pred(x):
        return x
    for v in (x.values() if isinstance(x, dict) else x if isinstance(x, list) else ()):
        found = _find(v, pred)
        if found is not None:
            return found
    return None


def _entry(tmp_path):
    (entry,) = (tmp_path / "c").iterdir()
    return entry, json.loads(entry.read_text(encoding="utf-8"))


def test_an_entry_made_from_another_text_is_refused(parses, tmp_path):
    f = tmp_path / "a.rules"
    f.write_text(TEXT, encoding="utf-8")
    parse_file(str(f), "a.rules")
    entry, doc = _entry(tmp_path)
    other = TEXT.replace("A-01", "A-02")
    entry.rename(entry.parent / f"{cache._key(other, 'a.rules')}.json")  # under the other text's name
    f.write_text(other, encoding="utf-8")
    assert parse_file(str(f), "a.rules").rules[0].id == "A-02"
    assert len(parses) == 2


@pytest.mark.parametrize("change", ["word", "number", "comment", "statement", "span", "extra field",
                                    "severity", "operator", "title"])
def test_an_entry_that_disagrees_with_its_text_is_refused(parses, tmp_path, change):
    f = tmp_path / "a.rules"
    f.write_text(TEXT + "# 注释\n", encoding="utf-8")
    want = parse_file(str(f), "a.rules")
    entry, doc = _entry(tmp_path)
    tree = doc["tree"]
    if change == "word":
        tree["wordlists"][0]["words"] = ["降低"]
    elif change == "number":
        num = _find(tree, lambda x: isinstance(x, dict) and x.get("$c") == "Number")
        assert num["text"] == "100%"
        num["value"] = {"$d": "0.5"}  # 100% read as 50%
    elif change == "comment":
        tree["comments"] = []
    elif change == "statement":
        tree["rules"][0]["clauses"] = []
    elif change == "severity":
        tree["rules"][0]["severity"] = "info"  # 错误 read as 提示
    elif change == "operator":
        _find(tree, lambda x: isinstance(x, dict) and x.get("$c") == "BinOp")["op"] = "+"  # × read as +
    elif change == "title":
        tree["rules"][0]["title"] = "别名"
    elif change == "span":
        tree["rules"][0]["span"][0] = 99  # [line, column, end line, end column]
    else:
        tree["rules"][0]["note"] = "x"
    entry.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert parse_file(str(f), "a.rules") == want
    assert len(parses) == 2  # refused, parsed again
    assert parse_file(str(f), "a.rules") == want
    assert len(parses) == 2  # and replaced: the next run reads it


def test_the_language_version_follows_the_grammar(monkeypatch, tmp_path):
    """Editing the grammar (or any module of the language wing) invalidates every entry."""
    sources = cache.language_sources()
    grammar = next(p for p in sources if p.suffix == ".lark")
    copy = tmp_path / grammar.name
    copy.write_bytes(grammar.read_bytes() + b"\n// edited\n")
    before = cache.language_version()
    monkeypatch.setattr(cache, "language_sources", lambda: tuple(copy if p == grammar else p for p in sources))
    cache.language_version.cache_clear()
    try:
        assert cache.language_version() != before
    finally:
        cache.language_version.cache_clear()
    assert cache._schema() is not None  # every node field has a type the checks know


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                    HealthCheck.filter_too_much])
@given(st.lists(from_lark(_grammar(), explicit=EXPLICIT), min_size=1, max_size=8).map("\n".join))
def test_the_checks_accept_every_tree_the_parser_makes(tmp_path_factory, text):
    """Whatever parses is stored and read back as the same tree (so the checks on load
    never refuse an honest entry, which would only cost a parse, but silently)."""
    d = tmp_path_factory.mktemp("c")
    old = os.environ.get("PERFRULES_CACHE_DIR")
    os.environ["PERFRULES_CACHE_DIR"] = str(d / "c")
    try:
        tree, errors = parser.parse_text_partial(text, "g.rules")
        if errors:
            return
        cache.put(text, "g.rules", tree)
        assert cache.get(text, "g.rules") == tree
    finally:
        if old is None:
            os.environ.pop("PERFRULES_CACHE_DIR", None)
        else:
            os.environ["PERFRULES_CACHE_DIR"] = old
