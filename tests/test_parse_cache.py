"""The parse cache: same tree as parsing, keyed by content and language version, and an
entry that is not exactly what parsing its text gives is never used (see also
tests/security/test_language_hostile.py)."""

import json
import os
import tempfile
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


# ---- where the cache lives, and how large it grows --------------------------------------------

COMMANDS = [  # representative runs: each parses rule files, so each may write the cache
    ("check", "examples/panyu-2023-ops/申报.yaml"),
    ("compile", "policies/national"),
    ("fmt", "--check", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "policies" / "national").glob("*.rules"))),
    ("test", "policies/national"),
]


def _fresh_env(tmp_path, xdg_cache: bool):
    """The environment of a user with an empty home (and empty XDG folders), no PERFRULES_CACHE_DIR."""
    home = tmp_path / "home"
    xdg = {k: tmp_path / "xdg" / k.lower() for k in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                      "XDG_STATE_HOME")}
    for d in (home, *xdg.values()):
        d.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "PERFRULES_CACHE_DIR" and not k.startswith("XDG_")}
    env.update({k: str(v) for k, v in xdg.items()}, HOME=str(home))
    if not xdg_cache:
        del env["XDG_CACHE_HOME"]
    return env, home, xdg


def _run_commands(env, commands=COMMANDS):
    import subprocess
    import sys
    for args in commands:
        p = subprocess.run([sys.executable, "-m", "perfrules", *args], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode in (0, 1), (args, p.stderr)  # 1: findings (check)


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("xdg_cache", [True, False], ids=["XDG_CACHE_HOME", "no XDG_CACHE_HOME"])
def test_commands_write_nothing_in_the_home_but_the_cache(tmp_path, xdg_cache):
    """A run leaves nothing in the user's home and XDG folders but the parse cache, which
    is in the platform's cache folder: $XDG_CACHE_HOME/perfrules, else ~/.cache/perfrules."""
    env, home, xdg = _fresh_env(tmp_path, xdg_cache)
    _run_commands(env)
    cache_home = xdg["XDG_CACHE_HOME"] if xdg_cache else home / ".cache"
    folder = cache_home / "perfrules"
    entries = sorted(p.name for p in folder.iterdir())
    assert entries and all(name.endswith(".json") for name in entries)  # no temporary file left
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
    for d in (home, *xdg.values()):
        expected = [str(p.relative_to(d)) for p in (folder.parent, folder, *folder.iterdir()) if d in p.parents]
        assert _tree(d) == sorted(expected), d
    _run_commands(env)  # a second run is served from the cache: no new entry
    assert sorted(p.name for p in folder.iterdir()) == entries


def test_the_cache_dir_variable_and_its_empty_value(tmp_path):
    """PERFRULES_CACHE_DIR= (empty) leaves no trace at all; a folder is used as given."""
    env, home, xdg = _fresh_env(tmp_path, True)
    env["PERFRULES_CACHE_DIR"] = ""
    _run_commands(env, COMMANDS[:2])
    assert all(_tree(d) == [] for d in (home, *xdg.values()))
    env["PERFRULES_CACHE_DIR"] = str(tmp_path / "mine")
    _run_commands(env, COMMANDS[:2])
    assert all(_tree(d) == [] for d in (home, *xdg.values()))
    assert list((tmp_path / "mine").iterdir())


def test_the_suite_points_the_cache_at_a_folder_of_its_own():
    """tests/conftest.py sets PERFRULES_CACHE_DIR for the session (subprocesses inherit it)."""
    d = cache.cache_dir()
    assert d is not None and Path(tempfile.gettempdir()).resolve() in d.resolve().parents


def test_the_cache_is_pruned_to_its_size_least_recently_used_first(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(tmp_path / "c"))
    texts = [TEXT.replace("A-01", f"A-{k:02d}") for k in range(6)]
    for k, t in enumerate(texts):
        cache.put(t, "a.rules", parse_text(t, "a.rules"))
        entry = tmp_path / "c" / f"{cache._key(t, 'a.rules')}.json"
        os.utime(entry, ns=(k * 10**9, k * 10**9))  # written one second after the other
    sizes = [p.stat().st_size for p in (tmp_path / "c").iterdir()]
    assert len(sizes) == 6
    assert cache.get(texts[0], "a.rules") is not None  # a hit: the oldest is now the newest
    # A limit of three entries' bytes: writing a seventh keeps it and the two used last.
    monkeypatch.setattr(cache, "max_bytes", lambda: 3 * max(sizes))
    seventh = TEXT.replace("A-01", "A-99")
    cache.put(seventh, "a.rules", parse_text(seventh, "a.rules"))
    kept = {p.name for p in (tmp_path / "c").iterdir()}
    assert kept == {f"{cache._key(t, 'a.rules')}.json" for t in (texts[0], texts[5], seventh)}


def test_the_size_limit_variable(monkeypatch):
    monkeypatch.delenv("PERFRULES_CACHE_MAX_MB", raising=False)
    assert cache.max_bytes() == cache.MAX_MB << 20
    monkeypatch.setenv("PERFRULES_CACHE_MAX_MB", "2")
    assert cache.max_bytes() == 2 << 20
    for bad in ("0", "-1", "lots"):  # ignored, as every problem with the cache is
        monkeypatch.setenv("PERFRULES_CACHE_MAX_MB", bad)
        assert cache.max_bytes() == cache.MAX_MB << 20


def test_the_key_follows_the_package_version(monkeypatch):
    from perfrules import version
    before = cache.language_version()
    monkeypatch.setattr(version, "__version__", version.__version__ + ".post1")
    cache.language_version.cache_clear()
    try:
        assert cache.language_version() != before
    finally:
        cache.language_version.cache_clear()


def test_the_package_version_is_the_installed_one():
    from importlib.metadata import version

    import perfrules
    assert perfrules.__version__ == version("perfrules")

