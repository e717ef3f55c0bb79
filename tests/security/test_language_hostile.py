"""Hostile and broken input for the rule language (issue 13, items 4, 7 and 9).

- the parse cache can never change a result: a tampered entry (``rules: []``), a damaged
  one (wrong types, deep JSON, a bad decimal) or a special file at an entry's path (FIFO,
  directory, symlink) is ignored and replaced; a cache folder another user could write
  to, or that another user owns, is not used;
- long flat 或 / 且 chains compile and run; deep nesting is a rule error naming the file
  and line (exit 2), never a RecursionError;
- compiling is linear in the size of a rule file (10,000 rules within a CPU bound).
"""

from __future__ import annotations

import json
import os
import stat
from decimal import Decimal as D

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from perfrules.data.indicators import Indicator, IndicatorSet
from perfrules.engine.compiler import compile_files
from perfrules.engine.runner import run
from perfrules.errors import PerfrulesError
from perfrules.language import cache
from perfrules.language.files import parse_file
from perfrules.language.parser import parse_text

from conftest import MEALS, assert_contained, perfrules
from helpers import make_pack

# Fires once for each of the seven indicators of MEALS; the number gives the entry a Decimal.
RULES = "规则 T-01 「有名」 错误\n  每个指标: 三级指标 非空 且 分值 ≥ 0 ⇒ 错误\n"
NAMES = ["受资助学生人数", "营养改善计划覆盖率", "秋季学期开餐时间", "生均每日补助标准",
         "学生体质健康测试合格率", "家长对营养改善政策知晓率", "受助学生满意度"]


def _check(rules, **kw):
    p = perfrules("check", str(MEALS), "-p", str(rules), "--format", "json", **kw)
    findings = json.loads(p.stdout)["findings"] if p.returncode in (0, 1) and p.stdout.strip() else None
    return p, findings


def _ours(findings) -> list[str]:
    return sorted(f["target"] for f in findings if f["rule"] == "T-01")


def _entries(d) -> list:
    return sorted(p for p in d.rglob("*") if p.is_file() and not p.is_symlink())


def _rulefile_dicts(x):
    """Every encoded RuleFile in a cache entry, whatever the entry's layout."""
    if isinstance(x, dict):
        if x.get("$c") == "RuleFile":
            yield x
        for v in x.values():
            yield from _rulefile_dicts(v)
    elif isinstance(x, list):
        for v in x:
            yield from _rulefile_dicts(v)


def _first(x, pred):
    if pred(x):
        return x
    for v in (x.values() if isinstance(x, dict) else x if isinstance(x, list) else ()):
        found = _first(v, pred)
        if found is not None:
            return found
    return None


@pytest.fixture
def warm(tmp_path, cache_dir):
    """A rule file, run once so that the cache holds its one entry."""
    rules = tmp_path / "t.rules"
    rules.write_text(RULES, encoding="utf-8")
    p, findings = _check(rules)
    assert_contained(p, 1)
    assert len(_ours(findings)) == 7
    entries = _entries(cache_dir)
    assert len(entries) == 1, entries
    return rules, entries[0]


# ---- the cache never changes a result ---------------------------------------------------------

def test_a_tampered_entry_does_not_change_the_findings(warm):
    """Editing the entry to ``rules: []`` (its name and every hash kept) once gave "no
    findings", exit 0."""
    rules, entry = warm
    doc = json.loads(entry.read_text(encoding="utf-8"))
    for rf in _rulefile_dicts(doc):
        rf["rules"] = []
    entry.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    p, findings = _check(rules)
    assert_contained(p, 1)
    assert _ours(findings) == sorted(f"绩效指标[{k}] {name}" for k, name in enumerate(NAMES, 1))


def _set_types(doc):
    for rf in _rulefile_dicts(doc):
        rf["rules"][0]["id"] = 7
        rf["rules"][0]["clauses"] = "x"
    return json.dumps(doc)


def _rules_a_number(doc):
    for rf in _rulefile_dicts(doc):
        rf["rules"] = 5
    return json.dumps(doc)


def _deep_rules(doc):
    for rf in _rulefile_dicts(doc):
        rf["rules"] = "@@deep@@"
    return json.dumps(doc).replace('"@@deep@@"', "[" * 50_000 + "]" * 50_000)


def _decimal(bad):
    def damage(doc):
        d = _first(doc, lambda x: isinstance(x, dict) and "$d" in x)
        assert d is not None
        d["$d"] = bad
        return json.dumps(doc)
    return damage


DAMAGES = {
    "wrong types": _set_types,
    "rules a number": _rules_a_number,
    "deep JSON": lambda doc: "[" * 200_000 + "]" * 200_000,
    "deep JSON in the tree": _deep_rules,
    "bad decimal": _decimal("abc"),
    "NaN decimal": _decimal("NaN"),
    "huge decimal": _decimal("1e999999999"),
    "unknown class": lambda doc: '{"$c": "os.system", "args": ["true"]}',
    "not JSON": lambda doc: "\x00\xff garbage",
    "empty": lambda doc: "",
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_entry_is_ignored_and_replaced(warm, damage):
    rules, entry = warm
    doc = json.loads(entry.read_text(encoding="utf-8"))
    bad = DAMAGES[damage](doc)
    entry.write_text(bad, encoding="utf-8")
    p, findings = _check(rules)
    assert_contained(p, 1)
    assert len(_ours(findings)) == 7
    assert entry.read_text(encoding="utf-8") != bad  # re-parsed and replaced
    assert _entries(entry.parent) == [entry]
    p, findings = _check(rules)  # and the replacement serves the next run
    assert_contained(p, 1)
    assert len(_ours(findings)) == 7


def _fifo(path):
    os.mkfifo(path)


def _directory(path):
    path.mkdir()
    (path / "x").write_text("x", encoding="utf-8")


def _symlink_to_zero(path):
    path.symlink_to("/dev/zero")


def _symlink_to_entry(path):
    """A link to a file elsewhere that holds a well-formed but tampered entry."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for rf in _rulefile_dicts(doc):
        rf["rules"] = []
    elsewhere = path.parent.parent / "planted.json"
    elsewhere.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    path.unlink()
    path.symlink_to(elsewhere)


SPECIAL = {"fifo": _fifo, "directory": _directory, "symlink to /dev/zero": _symlink_to_zero,
           "symlink to a planted entry": _symlink_to_entry}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_special_file_at_an_entry_path_is_never_read_and_is_replaced(warm, kind):
    """A FIFO there once blocked every run; /dev/zero behind a link read until memory ran out."""
    rules, entry = warm
    if kind != "symlink to a planted entry":
        entry.unlink()
    SPECIAL[kind](entry)
    p, findings = _check(rules, timeout=30, mem_mb=768)
    assert_contained(p, 1)
    assert len(_ours(findings)) == 7
    st_ = os.lstat(entry)
    assert stat.S_ISREG(st_.st_mode), kind  # replaced by a regular entry
    json.loads(entry.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_cache_folder_others_can_write_is_not_used(tmp_path, cache_dir, mode):
    rules = tmp_path / "t.rules"
    rules.write_text(RULES, encoding="utf-8")
    cache_dir.mkdir()
    cache_dir.chmod(mode)
    p, findings = _check(rules)
    assert_contained(p, 1)
    assert len(_ours(findings)) == 7
    assert list(cache_dir.iterdir()) == []  # nothing written
    assert stat.S_IMODE(cache_dir.stat().st_mode) == mode  # and the folder left alone


def test_a_cache_folder_another_user_owns_is_not_used(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(d))
    rules = tmp_path / "t.rules"
    rules.write_text(RULES, encoding="utf-8")
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # the folder, once created, is not "ours"
    first = parse_file(str(rules), "t.rules")
    assert parse_file(str(rules), "t.rules") == first == parse_text(RULES, "t.rules")
    assert not d.exists() or _entries(d) == []


def test_a_new_cache_folder_is_private(tmp_path, cache_dir):
    rules = tmp_path / "t.rules"
    rules.write_text(RULES, encoding="utf-8")
    old = os.umask(0)
    try:
        parse_file(str(rules), "t.rules")
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert [stat.S_IMODE(e.stat().st_mode) & 0o077 for e in _entries(cache_dir)] == [0]


def test_the_cache_key_covers_the_language_version():
    """The key hashes the grammar and every module of the language wing, found by listing
    the folder (not a hand-kept list), and the entry format."""
    key = cache.language_version()
    assert len(key) == 64 and key == cache.language_version()
    sources = cache.language_sources()
    names = {p.name for p in sources}
    assert {"perfrules.lark", "keywords.py", "parser.py", "nodes.py", "cache.py", "source.py"} <= names


# ---- long chains and deep nesting ---------------------------------------------------------------

def _chain(op: str, terms: list[str]) -> str:
    return f" {op} ".join(terms)


@pytest.mark.parametrize("op", ["或", "且"])
def test_a_600_way_chain_compiles_and_runs(tmp_path, cache_dir, op):
    if op == "或":  # one alternative names the third indicator: it alone fires
        terms = [f"三级指标 = 「不存在{k}」" for k in range(599)] + [f"三级指标 = 「{NAMES[2]}」"]
        want = [f"绩效指标[3] {NAMES[2]}"]
    else:  # 600 conditions that all hold: every indicator fires
        terms = [f"三级指标 ≠ 「不存在{k}」" for k in range(600)]
        want = sorted(f"绩效指标[{k}] {name}" for k, name in enumerate(NAMES, 1))
    rules = tmp_path / "t.rules"
    rules.write_text(f"规则 T-01 「长链」 错误\n  每个指标: {_chain(op, terms)} ⇒ 错误\n", encoding="utf-8")
    for _ in range(2):  # parsed, then from the cache
        p, findings = _check(rules)
        assert_contained(p, 1)
        assert _ours(findings) == want


DEEP = {
    "1,000 brackets": "(" * 1000 + "三级指标 为空" + ")" * 1000,
    "1,000 full-width brackets": "（" * 1000 + "三级指标 为空" + "）" * 1000,
    "1,000 brackets around 且": "".join("(三级指标 为空 且 " for _ in range(1000)) + "分值 ≥ 0" + ")" * 1000,
    "1,000 并非": "并非 " * 1000 + "三级指标 为空",
    "a 1,000-term sum": " + ".join(["分值"] * 1000) + " ≥ 0",
    "1,000 minus signs": "-" * 1000 + "分值 ≥ 0",
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_deep_nesting_is_a_rule_error_naming_file_and_line(tmp_path, cache_dir, case):
    rules = tmp_path / "deep.rules"
    rules.write_text(f"规则 T-01 「深」 错误\n  每个指标: {DEEP[case]} ⇒ 错误\n", encoding="utf-8")
    p, _ = _check(rules)
    assert_contained(p, 2)
    assert "RecursionError" not in p.stderr
    assert "deep.rules:2:" in p.stderr, p.stderr[-2000:]
    assert "嵌套" in p.stderr or "过长" in p.stderr, p.stderr[-2000:]
    assert len(p.stderr) < 5000  # the excerpt does not echo a thousand brackets per level


def test_deep_nesting_in_the_api_is_a_rule_error():
    with pytest.raises(PerfrulesError) as info:
        compile_files([parse_text("规则 A 「x」 错误\n  " + "并非 " * 3000 + "指标值 为空\n", "x.rules")])
    assert "x.rules:2:" in info.value.render()


# Verdicts: a flat chain gives the same findings as the same terms grouped in brackets.
SMALL = IndicatorSet((
    Indicator(level1="产出指标", level2="数量指标", name="资金拨付率", target="91%", weight=D(7)),
    Indicator(level1="效益指标", level2="生态效益指标", name=None, target="提升", weight=D(3)),
    Indicator(level1="满意度指标", level2="服务对象满意度指标", name="满意度", target="≥90%", weight=D(10)),
))
TERMS = ["三级指标 = 「资金拨付率」", "三级指标 = 「满意度」", "三级指标 ≠ 「满意度」", "三级指标 为空",
         "三级指标 非空", "分值 ≥ 5", "分值 < 5", "分值 = 3", "一级指标 是 产出指标", "指标值 是 量化",
         "并非 指标值 是 量化", "三级指标 = 「无」"]


def _targets(text: str) -> list[str]:
    compiled = compile_files([parse_text(text, "p.rules")])
    pack = make_pack(compiled, name="p", path="p.rules")
    return sorted(f.target for f in run([pack], SMALL).findings if f.rule == "P-01")


def _rule(cond: str) -> str:
    return f"规则 P-01 「链」 错误\n  每个指标: {cond} ⇒ 错误\n"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["或", "且"]), st.lists(st.sampled_from(TERMS), min_size=1, max_size=3000),
       st.integers(2, 60))
@example("或", [TERMS[-1]] * 2999 + [TERMS[0]], 25)  # hypothesis raises the recursion limit: go past it
@example("且", [TERMS[4]] * 3000, 60)
def test_a_flat_chain_means_the_same_as_the_grouped_chain(op, terms, size):
    flat = _chain(op, terms)
    chunks = [terms[k:k + size] for k in range(0, len(terms), size)]
    grouped = _chain(op, [f"({_chain(op, c)})" for c in chunks])
    want = _targets(_rule(grouped))
    assert _targets(_rule(flat)) == want
    if len(terms) <= 60:  # fully nested, both ways
        right = terms[-1]
        for t in reversed(terms[:-1]):
            right = f"{t} {op} ({right})"
        left = terms[0]
        for t in terms[1:]:
            left = f"({left}) {op} {t}"
        assert _targets(_rule(right)) == want == _targets(_rule(left))


# ---- size ---------------------------------------------------------------------------------------

def test_ten_thousand_rules_compile_in_linear_time(tmp_path, cache_dir):
    """10,000 rules took 42 s (cache or not): each rule rescanned the whole file's text.
    Now about 3 s of CPU from the cache (and about 10 s cold, most of it Lark parsing)."""
    rules = tmp_path / "big.rules"
    rules.write_text("".join(f"规则 G-{k:05d} 「规则{k}」 错误\n  每个指标: 三级指标 = 「不存在{k}」 ⇒ 错误\n"
                             for k in range(10_000)), encoding="utf-8")
    p, findings = _check(rules, cpu_s=90, timeout=240, mem_mb=2048)  # cold: parse and fill the cache
    assert_contained(p, 0)
    assert findings == []
    p, findings = _check(rules, cpu_s=15, timeout=120, mem_mb=2048)  # warm: compiling is what is left
    assert_contained(p, 0)
    assert findings == []


def test_a_fifo_as_a_rule_file_is_refused_not_waited_on(tmp_path):
    """parse_file (the API, and every pack's rule files) once blocked on a FIFO forever."""
    import subprocess
    import sys
    fifo = tmp_path / "x.rules"
    os.mkfifo(fifo)
    code = ("from perfrules.language.files import parse_file\n"
            "from perfrules.errors import PerfrulesError\n"
            f"try:\n    parse_file({str(fifo)!r})\nexcept PerfrulesError as e:\n    print(e.render())\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "不是普通文件" in p.stdout


@pytest.mark.parametrize("head", ["评分项 / 分值 10", "item / 分值 0", "评分项 项目管理//支出 分值 5"])
def test_a_score_item_path_without_a_name_is_a_syntax_error_not_an_unparsable_fmt(tmp_path, head):
    """Found by the fuzzer: 「评分项 / 分值 10」 parsed as an item with an empty path, which
    ``fmt`` printed as 「评分项  分值 10」, a file that no longer parses."""
    from perfrules.errors import RuleSyntaxError
    from perfrules.language.fmt import format_text
    from perfrules.language.parser import parse_text
    text = f"{head}\n  得分 = 10\n"
    with pytest.raises(RuleSyntaxError, match="评分项路径中缺少名称"):
        parse_text(text, "e.rules")
    with pytest.raises(RuleSyntaxError):
        format_text(text, "e.rules")
