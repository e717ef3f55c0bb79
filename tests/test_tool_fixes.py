"""Tool fixes of issue 14 (part 6): examples naming unknown rule ids fail; written files keep
their mode and new ones follow the umask; every built-in check has an id that `disable:` and
`severity:` accept; rule files in UTF-8 with a BOM or in GB18030 are read."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import warnings
from decimal import Decimal as D
from pathlib import Path

import pytest

from perfrules.data.indicators import Budget, Indicator, IndicatorSet
from perfrules.engine.packs import load_pack
from perfrules.engine.runner import run
from perfrules.errors import PerfrulesError

ROOT = Path(__file__).resolve().parent.parent

RULE = "规则 T-01 「三级指标须有名称」 错误\n  每个指标: 三级指标 不得为空\n"


def cli(*args, cwd=ROOT, umask: int | None = None, env=None):
    pre = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "perfrules", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, preexec_fn=pre, env=env)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---- 1. examples naming unknown rule ids ------------------------------------------------------

def _pack(tmp_path: Path, rule_in_example: str, fires: str = "false") -> Path:
    write(tmp_path / "pack.yaml", "name: t\nversion: '1'\n")
    write(tmp_path / "a.rules", RULE.replace("T-01", "SC-03") + RULE.replace("T-01", "SC-13").replace("三级指标 不得", "指标值 不得"))
    write(tmp_path / "a.examples.yaml",
          f"- 用例: 编号写错\n  规则: {rule_in_example}\n  应触发: {fires}\n  指标: {{三级指标: a, 指标值: '5个'}}\n")
    return tmp_path


def test_an_example_naming_an_unknown_rule_fails_with_a_did_you_mean(tmp_path):
    r = cli("test", _pack(tmp_path, "SC-3"))
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    assert "✗ 编号写错" in out and out.rstrip().endswith("0 passed, 1 failed")
    line = next(x for x in out.splitlines() if "SC-3」" in x)
    for part in ("a.examples.yaml", "编号写错", "「SC-3」", "是否指「SC-03」", "did you mean SC-03?"):
        assert part in line, line
    assert line.index("是否指") < line.index("did you mean")  # Chinese first, then English


def test_an_unknown_id_fails_whatever_the_example_expects(tmp_path):
    for fires in ("true", "false"):
        r = cli("test", _pack(tmp_path, "SC-99", fires))
        assert r.returncode == 1 and "「SC-99」" in r.stdout


def test_the_did_you_mean_includes_built_in_checks(tmp_path):
    from perfrules.authoring.tester import cases_of, run_case
    pack = load_pack(str(_pack(tmp_path, "RC-5")))
    out = run_case(pack, next(iter(cases_of(pack))))
    assert not out.ok and "是否指「RC-05」" in out.report()


def test_examples_may_name_rules_items_switched_off_rules_and_built_in_checks(tmp_path):
    from perfrules.authoring.tester import Case, unknown_id
    pack = load_pack("panyu-project-2023")
    for rid in ("N-01", "项目管理/财务管理/支出完成率", "RC-05", "SS-02", "WV-01"):
        assert unknown_id(pack, Case("c", "x.examples.yaml:1", {"rule": rid})) is None, rid
    assert unknown_id(pack, Case("c", "x.examples.yaml:1", {"rule": "项目管理/财务管理/支出完成"})) is not None


# ---- 2. file modes ------------------------------------------------------------------------------

UNFORMATTED = "规则 T-01 「三级指标须有名称」 错误\n    每个指标: 三级指标 不得为空\n"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_fmt_keeps_the_files_mode(tmp_path, mode):
    f = write(tmp_path / "a.rules", UNFORMATTED)
    os.chmod(f, mode)
    r = cli("fmt", f)
    assert r.returncode == 0 and "已格式化" in r.stdout, r.stderr
    assert f.read_text(encoding="utf-8") == RULE
    assert stat.S_IMODE(f.stat().st_mode) == mode


def test_fmt_drops_set_id_bits_it_would_give_to_a_new_owner(tmp_path):
    f = write(tmp_path / "a.rules", UNFORMATTED)
    os.chmod(f, 0o6755)
    assert cli("fmt", f).returncode == 0
    assert stat.S_IMODE(f.stat().st_mode) == 0o755


def test_fmt_through_a_link_rewrites_the_file_and_keeps_the_link(tmp_path):
    f = write(tmp_path / "a.rules", UNFORMATTED)
    os.chmod(f, 0o640)
    link = tmp_path / "b.rules"
    link.symlink_to(f.name)
    assert cli("fmt", link).returncode == 0
    assert link.is_symlink() and f.read_text(encoding="utf-8") == RULE
    assert stat.S_IMODE(f.stat().st_mode) == 0o640


def _rules(tmp_path: Path) -> Path:
    """A one-rule pack (the bundled packs are not needed to write a report)."""
    (tmp_path / "p").mkdir()
    return write(tmp_path / "p" / "a.rules", RULE)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_a_new_output_file_follows_the_umask(tmp_path, umask, mode):
    out = tmp_path / "report.md"
    r = cli("check", ROOT / "examples" / "panyu-2023-ops" / "申报.yaml", "-p", _rules(tmp_path), "--format", "md",
            "-o", out, umask=umask)
    assert r.returncode in (0, 1), r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_an_existing_output_file_keeps_its_mode(tmp_path):
    out = tmp_path / "report.json"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o640)
    r = cli("check", ROOT / "examples" / "panyu-2023-ops" / "申报.yaml", "-p", _rules(tmp_path), "--format", "json",
            "-o", out, umask=0o022)
    assert r.returncode in (0, 1), r.stderr
    assert out.read_text(encoding="utf-8") != "old" and stat.S_IMODE(out.stat().st_mode) == 0o640


def test_the_umask_is_read_once_and_never_set_to_zero(tmp_path, monkeypatch):
    from perfrules import outputs
    calls: list[int] = []
    real = os.umask

    def spy(mask):
        calls.append(mask)
        return real(mask)

    monkeypatch.setattr(outputs, "_UMASK", None, raising=False)
    monkeypatch.setattr(os, "umask", spy)
    before = real(0o022)
    try:
        for name in ("a.txt", "b.txt", "c.txt"):
            outputs.write_atomic(str(tmp_path / name), "x\n")
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    finally:
        real(before)
    assert len(calls) == 2 and calls[0] != 0 and calls[1] == 0o022  # read once, put back


# ---- 3. built-in checks have ids ----------------------------------------------------------------

def _row(name, weight, level1="产出指标"):
    return Indicator(level1=level1, level2="数量指标", name=name, target="≥90%", actual="95%", weight=D(weight))


FILL = [_row("效益甲", "30", "效益指标"), _row("满意度", "10", "满意度指标")]


def _selfeval(pack, rows, **budget):
    b = Budget(annual=D("507.74"), spent=D("507.74"), **budget)
    return run([pack], IndicatorSet(tuple(rows) + tuple(FILL), budget=b, stage="自评"))


def _child(tmp_path: Path, manifest: str, parent: str = "national-selfeval"):
    write(tmp_path / "pack.yaml", f"name: child\nextends: [{parent}]\n{manifest}")
    return load_pack(str(tmp_path))


WEIGHTS_OFF = [_row("完成数量", "20"), _row("其他", "20")]  # 产出指标 is worth 50: SS-03


def test_score_sheet_problems_have_ids_and_titles():
    from perfrules.engine.reconcile import BUILTIN
    result = _selfeval(load_pack("national-selfeval"), WEIGHTS_OFF)
    ss = [f for f in result.findings if f.rule == "SS-03"]
    assert [f.message for f in ss] == ["评分项「产出指标」分值 50，所含指标分值合计 40"]
    assert ss[0].title == BUILTIN["SS-03"] and ss[0].target == "产出指标" and ss[0].severity == "error"


def test_disable_switches_a_score_sheet_check_off(tmp_path):
    pack = _child(tmp_path, "disable: [SS-03]\n")
    result = _selfeval(pack, WEIGHTS_OFF)
    assert not [f for f in result.findings if f.rule == "SS-03"]
    assert result.score is not None  # the sheet is made all the same


def test_severity_changes_a_score_sheet_check(tmp_path):
    pack = _child(tmp_path, "severity: {SS-03: warning}\n")
    assert [f.severity for f in _selfeval(pack, WEIGHTS_OFF).findings if f.rule == "SS-03"] == ["warning"]


def test_severity_changes_a_reconciliation_check(tmp_path):
    plain = _selfeval(load_pack("national-selfeval"), WEIGHTS_OFF, stated_rate=D("50"))
    assert [f.severity for f in plain.findings if f.rule == "RC-05"] == ["error"]
    pack = _child(tmp_path, "severity: {RC-05: 提示}\n")
    assert [f.severity for f in _selfeval(pack, WEIGHTS_OFF, stated_rate=D("50")).findings
            if f.rule == "RC-05"] == ["info"]


@pytest.mark.parametrize(("typo", "meant"), [("SS-2", "SS-02"), ("RC-5", "RC-05"), ("SS-033", "SS-03")])
def test_a_typo_in_disable_or_severity_suggests_a_built_in_id(tmp_path, typo, meant):
    for manifest in (f"disable: [{typo}]\n", f"severity: {{{typo}: warning}}\n"):
        with pytest.raises(PerfrulesError) as e:
            _child(tmp_path, manifest)
        assert f"是否指「{meant}」" in e.value.zh and f"did you mean {meant}" in e.value.en


def test_every_problem_scoring_meets_names_its_check():
    src = (ROOT / "perfrules" / "engine" / "scoring.py").read_text(encoding="utf-8")
    sites = re.findall(r"problems\.append\((\w+)\(\"(SS-\d\d)\"", src)
    assert len(sites) == src.count("problems.append(")  # none without an id
    from perfrules.engine.reconcile import SS_TITLES
    assert {rid for _, rid in sites} == set(SS_TITLES)


def test_every_finding_of_the_bundled_packs_has_an_id():
    """On the examples and on every bundled pack's own examples (which reach the score
    sheet's problems): no finding without an id, and no score-sheet problem without SS-nn."""
    from perfrules.data.loaders import load_all
    from perfrules.engine.packs import bundled_names
    from perfrules.authoring.tester import _input, cases_of
    packs = [load_pack(n) for n in bundled_names()]
    inputs = [(iset, None) for f in sorted((ROOT / "examples").rglob("*.yaml")) for iset in load_all(f)]
    inputs += [(p, _input(c)) for p in packs for c in cases_of(p)]
    families = set()
    for x, got in inputs:
        for pack in packs if got is None else [x]:
            iset, related = (x, None) if got is None else got
            for finding in run([pack], iset, related or None).findings:
                assert finding.rule and finding.rule.strip() and finding.title, finding
                assert finding.title != "评分表核对", finding
                families.add(finding.rule.split("-")[0])
    assert {"RC", "SS"} <= families


def test_docs_list_every_built_in_check():
    from perfrules.engine.reconcile import BUILTIN, CHECKS
    assert set(CHECKS) == set(BUILTIN)
    doc = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    for rid, title in BUILTIN.items():
        assert re.search(rf"^\| `{rid}` \| {re.escape(title)} \|", doc, re.M), rid


def test_explain_covers_a_built_in_check():
    r = cli("explain", "SS-02")
    assert r.returncode == 0 and "SS-02 得分低于分值应说明扣分理由" in r.stdout and "disable: [SS-02]" in r.stdout
    r = cli("explain", "SS-2")
    assert r.returncode == 2 and "是否指「SS-02」" in r.stderr


# ---- 4. rule files with a BOM or in GB18030 -----------------------------------------------------

def test_a_rule_file_with_a_bom_compiles_and_columns_on_line_1_stay_right(tmp_path):
    f = tmp_path / "a.rules"
    f.write_bytes(b"\xef\xbb\xbf" + RULE.encode("utf-8"))
    r = cli("compile", f)
    assert r.returncode == 0 and "1 条规则" in r.stdout, r.stderr
    bad = "规则 T-01 「名称」 错误 多余\n  每个指标: 三级指标 不得为空\n"
    plain = write(tmp_path / "plain.rules", bad)
    f.write_bytes(b"\xef\xbb\xbf" + bad.encode("utf-8"))
    first = [x for x in cli("compile", f).stderr.splitlines() if x.startswith(str(f))]
    want = [x for x in cli("compile", plain).stderr.splitlines() if x.startswith(str(plain))]
    assert first and [x.replace(str(f), "F") for x in first] == [x.replace(str(plain), "F") for x in want]


def test_a_gb18030_rule_file_is_read_with_a_warning(tmp_path):
    f = tmp_path / "a.rules"
    f.write_bytes(RULE.encode("gb18030"))
    r = cli("compile", f)
    assert r.returncode == 0 and "1 条规则" in r.stdout, r.stderr
    assert f"规则文件「{f}」不是 UTF-8，已按 GB18030 读取 (rule file {f} is not UTF-8; read as GB18030)" in r.stderr


def test_the_warning_reaches_the_python_api(tmp_path):
    from perfrules.language.files import RuleFileEncodingWarning, parse_file, read_rules
    f = tmp_path / "a.rules"
    f.write_bytes(RULE.encode("gbk"))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        tree = parse_file(str(f), "a.rules")
    assert [r.id for r in tree.rules] == ["T-01"]
    notes = [w.message for w in said if isinstance(w.message, RuleFileEncodingWarning)]
    assert notes and notes[0].file == "a.rules" and "已按 GB18030 读取" in str(notes[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert read_rules(str(f)).encoding == "gb18030"


def test_check_and_test_say_which_rule_files_were_read_as_gb18030(tmp_path):
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "a.rules").write_bytes(RULE.encode("gb18030"))
    (pack / "pack.yaml").write_bytes(b"\xef\xbb\xbf" + "name: p\nversion: '1'\n".encode("utf-8"))
    (pack / "a.examples.yaml").write_bytes(b"\xef\xbb\xbf" + (
        "- 用例: 无名\n  规则: T-01\n  应触发: true\n  指标: {三级指标: '', 指标值: '5个'}\n"
        "- 用例: 有名\n  规则: T-01\n  应触发: false\n  指标: {三级指标: a, 指标值: '5个'}\n").encode("utf-8"))
    r = cli("test", pack, "--coverage")
    assert r.returncode == 0 and "2 passed, 0 failed" in r.stdout and "100%" in r.stdout, r.stdout + r.stderr
    assert "不是 UTF-8，已按 GB18030 读取" in r.stderr
    r = cli("check", ROOT / "examples" / "panyu-2023-ops" / "申报.yaml", "-p", pack)
    assert r.returncode in (0, 1) and "不是 UTF-8，已按 GB18030 读取" in r.stderr, r.stderr


def test_a_rule_file_in_neither_encoding_is_exit_2_naming_the_byte(tmp_path):
    f = tmp_path / "a.rules"
    data = RULE.encode("utf-8") + b"\xff\xfe\x80\n"
    f.write_bytes(data)
    r = cli("compile", f)
    assert r.returncode == 2
    at = len(RULE.encode("utf-8"))
    assert f"{f}:3:1" in r.stderr and "既不是 UTF-8 也不是 GB18030" in r.stderr
    assert f"第 {at} 字节" in r.stderr and f"byte offset {at}" in r.stderr and "Traceback" not in r.stderr


def test_decoding_happens_before_the_parse_cache(tmp_path, monkeypatch):
    from perfrules.language import cache
    from perfrules.language.files import parse_file
    seen: list[str] = []
    real = cache.get
    monkeypatch.setattr(cache, "get", lambda text, shown: seen.append(text) or real(text, shown))
    for data in (RULE.encode("utf-8"), b"\xef\xbb\xbf" + RULE.encode("utf-8"), RULE.encode("gb18030")):
        (tmp_path / "a.rules").write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert [r.id for r in parse_file(str(tmp_path / "a.rules"), "a.rules").rules] == ["T-01"]
    assert seen == [RULE] * 3


@pytest.mark.parametrize(("data", "was"), [(b"\xef\xbb\xbf" + RULE.encode("utf-8"), "带 BOM 的 UTF-8"),
                                           (RULE.encode("gb18030"), "GB18030")])
def test_fmt_writes_utf8_without_a_bom_and_says_so(tmp_path, data, was):
    f = tmp_path / "a.rules"
    f.write_bytes(data)
    os.chmod(f, 0o644)
    r = cli("fmt", "--check", f)
    assert r.returncode == 1 and was in r.stdout and "无 BOM 的 UTF-8" in r.stdout
    assert f.read_bytes() == data  # --check writes nothing
    r = cli("fmt", f)
    assert r.returncode == 0 and was in r.stdout and "已改为无 BOM 的 UTF-8" in r.stdout, r.stdout + r.stderr
    assert f.read_bytes() == RULE.encode("utf-8") and stat.S_IMODE(f.stat().st_mode) == 0o644
    assert cli("fmt", "--check", f).returncode == 0
