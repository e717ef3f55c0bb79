"""The CI output formats of ``check`` (issue 17): SARIF 2.1.0 (validated against the OASIS
schema vendored in tests/schemas/), JUnit XML and GitHub Actions workflow commands. Each
carries the same findings, at the same rows, as ``--format json``; text from inputs is
escaped so that any message comes back whole from the parser that reads it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import jsonschema
import pytest
from hypothesis import given, strategies as st

from perfrules.report import formats, github, junit, sarif
from perfrules.report.terminal import printable
from helpers import cli

ROOT = Path(__file__).resolve().parent.parent
EX = "examples/panyu-2023-ops"
EXAMPLE = [f"{EX}/评价.yaml", f"{EX}/申报.yaml", "-p", "panyu-project-2023"]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
ORDER = {"veto": 3, "error": 2, "warning": 1, "info": 0}

RULES = """\
规则 T-01 「执行率不得低于60%」 错误
  依据 「测试依据，含逗号,冒号:百分号%」
  建议 「补上预算」
  执行率<60% ⇒ 否决

规则 T-02 「指标须写计算方法」 警告
  每个指标: 计算方法 不得为空
"""
# T-01 is undecided (no 预算), T-02 fires on both rows, the first waived by the input.
WAIVED = """\
项目: {名称: "甲项目, 测试:100%", 年度: 2023}
绩效指标:
  - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 巡检次数, 指标值: 12次}
  - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 维修次数, 指标值: 3次}
豁免:
  - {规则: T-02, 指标: 巡检次数, 理由: 巡检按制度执行}
"""




@pytest.fixture(scope="module")
def baseline():
    """The example's findings as --format json gives them: (file, rule, row, severity, waived)."""
    r = cli("check", *EXAMPLE, "--format", "json")
    assert r.exit_code == 1, r.output
    out = []
    for rec in json.loads(r.stdout):
        for f in rec["findings"]:
            loc = f.get("location") or {}
            out.append((loc.get("file", rec["input"]), f["rule"], loc.get("row"), f["severity"], f.get("waived")))
    return out


@pytest.fixture
def odd(tmp_path):
    """A folder with a pack (T-01 undecided, T-02 warning), a set with a waiver and a Chinese
    name, and an input that cannot be read."""
    (tmp_path / "t.rules").write_text(RULES, encoding="utf-8")
    (tmp_path / "表 甲.yaml").write_text(WAIVED, encoding="utf-8")
    (tmp_path / "坏.yaml").write_text("项目: [\n", encoding="utf-8")
    return tmp_path


# ---- SARIF ------------------------------------------------------------------------------------

def sarif_validate(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_the_vendored_schema_is_the_oasis_sarif_2_1_0_schema():
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    assert SCHEMA["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


def test_sarif_of_the_example_is_valid_and_has_every_finding(baseline):
    r = cli("check", *EXAMPLE, "--format", "sarif")
    assert r.exit_code == 1, r.output
    log = json.loads(r.stdout)
    sarif_validate(log)
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "perfrules" and driver["version"]
    got = []
    for res in run["results"]:
        (loc,) = res["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "%SRCROOT%" and art["uri"].isascii()
        assert art["uri"] in (f"{EX}/%E8%AF%84%E4%BB%B7.yaml", f"{EX}/%E7%94%B3%E6%8A%A5.yaml")
        line = loc["physicalLocation"].get("region", {}).get("startLine")
        got.append((unquote(art["uri"]), res["ruleId"], line, res["properties"]["severity"], None))
        rule = driver["rules"][res["ruleIndex"]]
        assert rule["id"] == res["ruleId"]
        assert res["level"] == sarif.LEVELS[res["properties"]["severity"]]
    assert Counter(got) == Counter(baseline)
    ids = [x["id"] for x in driver["rules"]]
    assert sorted(ids) == sorted({b[1] for b in baseline})  # each rule that produced a finding, once
    n02 = next(x for x in driver["rules"] if x["id"] == "N-02")
    assert n02["shortDescription"]["text"] == "指标值须可衡量" and "财预〔2015〕88号" in n02["help"]["text"]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert {x["level"] for x in run["results"]} == {"error", "warning", "note"}


def test_sarif_written_with_o_by_its_extension_and_alike_for_any_j(tmp_path):
    for name in ("a.sarif", "b.sarif.json"):
        r = cli("check", *EXAMPLE, "-o", tmp_path / name)
        assert r.exit_code == 1 and r.stdout == ""
        sarif_validate(json.loads((tmp_path / name).read_text(encoding="utf-8")))
    r = cli("check", *EXAMPLE, "-o", tmp_path / "c.sarif", "-j", "2")
    assert (tmp_path / "c.sarif").read_text(encoding="utf-8") == (tmp_path / "a.sarif").read_text(encoding="utf-8")
    assert formats.by_extension("x.json").name == "json" and formats.by_extension("x.sarif.json").name == "sarif"
    assert formats.by_extension(".sarif") is None
    r = cli("check", *EXAMPLE, "--format", "json", "-o", tmp_path / "d.sarif")
    assert r.exit_code == 2 and "--format json" in r.stderr


def test_sarif_waived_undecided_and_unread_inputs(odd):
    r = cli("check", "表 甲.yaml", "坏.yaml", "-p", "t.rules", "--format", "sarif", cwd=odd)
    assert r.exit_code == 2, r.output
    log = json.loads(r.stdout)
    sarif_validate(log)
    (run,) = log["runs"]
    by_rule = {}
    for res in run["results"]:
        by_rule.setdefault(res["ruleId"], []).append(res)
    (undecided,) = by_rule["T-01"]
    assert undecided["level"] == "error" and undecided["properties"]["undecided"] is True
    assert undecided["properties"]["missing"] == "预算" and undecided["properties"]["severity"] == "veto"
    waived, live = by_rule["T-02"]
    assert waived["suppressions"] == [{"kind": "inSource", "justification": "巡检按制度执行"}]
    assert "suppressions" not in live and live["level"] == "warning"
    art = waived["locations"][0]["physicalLocation"]
    assert art["artifactLocation"]["uri"] == "%E8%A1%A8%20%E7%94%B2.yaml" and art["region"] == {"startLine": 3}
    assert unquote(art["artifactLocation"]["uri"]) == "表 甲.yaml"
    t01 = next(x for x in run["tool"]["driver"]["rules"] if x["id"] == "T-01")
    assert t01["help"]["text"] == "依据 (basis)：测试依据，含逗号,冒号:百分号%\n建议 (fix)：补上预算"
    (inv,) = run["invocations"]
    assert inv["executionSuccessful"] is False
    (note,) = inv["toolExecutionNotifications"]
    assert note["level"] == "error" and "坏.yaml" in note["message"]["text"]
    loc = note["locations"][0]["physicalLocation"]
    assert unquote(loc["artifactLocation"]["uri"]) == "坏.yaml" and loc["region"]["startLine"] == 2


def test_sarif_places_of_workbooks_records_and_absolute_paths(tmp_path):
    r = cli("check", f"{EX}/申报.xlsx", "--format", "sarif")
    log = json.loads(r.stdout)
    sarif_validate(log)
    rows = [res["locations"][0] for res in log["runs"][0]["results"] if "region" in res["locations"][0]["physicalLocation"]]
    assert rows and all(x["logicalLocations"] == [{"name": "绩效指标", "kind": "sheet"}] for x in rows)
    assert all(x["properties"]["sheet"] == "绩效指标" for x in rows)
    assert sarif.place("a.jsonl:7", None) == sarif.Place("a.jsonl", 7)
    assert sarif.place("书.xlsx#表2", None) == sarif.Place("书.xlsx", None, "表2")
    absolute = sarif.artifact(str(tmp_path / "评价.yaml"))
    assert absolute["uri"].startswith("file:///") and "uriBaseId" not in absolute
    assert sarif.artifact("a b/评:价.yaml") == {"uri": "a%20b/%E8%AF%84%3A%E4%BB%B7.yaml", "uriBaseId": "%SRCROOT%"}


# ---- JUnit ------------------------------------------------------------------------------------

def junit_doc(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))


@pytest.mark.parametrize("fail_on", ["error", "warning", "info", "veto"])
def test_junit_of_the_example_has_a_testcase_per_project(baseline, fail_on):
    r = cli("check", *EXAMPLE, "--format", "junit", "--fail-on", fail_on)
    root = junit_doc(r.stdout)
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == [f"{EX}/评价.yaml", f"{EX}/申报.yaml"]
    assert all(c.get("name").startswith("番禺区2023年") for c in cases)
    failing = []
    for c in cases:
        want = [b for b in baseline if b[0] == c.get("classname") and ORDER[b[3]] >= ORDER[fail_on] and not b[4]]
        fail = c.find("failure")
        if want:
            failing.append(c)
            assert fail.get("message").startswith(f"{len(want)} 项发现达到 {fail_on} 级")
            assert Counter(line.split()[2] for line in fail.text.split("\n\n")) == Counter(b[1] for b in want)
        else:
            assert fail is None
        every = [b for b in baseline if b[0] == c.get("classname")]
        assert len(c.find("system-out").text.split("\n\n")) == len(every)
    assert suite.get("tests") == root.get("tests") == "2"
    assert suite.get("failures") == root.get("failures") == str(len(failing))
    assert suite.get("errors") == "0" and suite.get("skipped") == "0"
    assert r.exit_code == (1 if failing else 0)


def test_junit_failure_text_names_rule_severity_place_and_message():
    r = cli("check", *EXAMPLE, "--format", "junit")
    text = junit_doc(r.stdout).find("testsuite/testcase/failure").text
    assert ("[错误 error] N-02 指标值须可衡量\n  位置 (where): examples/panyu-2023-ops/评价.yaml 第42行 "
            "$.绩效指标[5]（绩效指标[5] 提高网络稳定性）\n  指标值「提高网络速度") in text


def test_junit_errors_skips_and_waivers(odd, tmp_path_factory):
    (odd / "说明.txt").write_text("x", encoding="utf-8")
    out = tmp_path_factory.mktemp("out") / "r.xml"  # outside the folder checked
    r = cli("check", ".", "-p", "t.rules", "-o", out, "--fail-on", "warning", cwd=odd)
    assert r.exit_code == 2
    root = junit_doc(out.read_text(encoding="utf-8"))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("3", "1", "1", "1")
    cases = {c.get("classname").replace("\\", "/"): c for c in suite.findall("testcase")}
    err = cases["坏.yaml"].find("error")
    assert err.get("type").startswith("E") and "YAML" in err.text
    assert cases["说明.txt"].find("skipped") is not None
    fail = cases["表 甲.yaml"].find("failure")
    # the waived T-02 does not fail; the live one and the undecided veto do
    assert fail.get("message").startswith("2 项发现达到 warning 级") and "巡检按制度执行" not in fail.text
    assert "已豁免 (waived): 巡检按制度执行" in cases["表 甲.yaml"].find("system-out").text
    assert "待定 (undecided): 预算" in fail.text


@given(st.text(), st.text(), st.text())
def test_junit_keeps_any_text_and_always_parses(name, file, message):
    w = junit.Writer(None)
    chunks = []
    w.out = SimpleNamespace(write=chunks.append, commit=lambda: None)
    w.add(SimpleNamespace(text={"kind": "result", "classname": file, "name": name,
                                "findings": [{"severity": "error", "text": message, "live": True}]}))
    w.add(SimpleNamespace(text={"kind": "error", "classname": file, "name": name, "message": message, "code": "E200"}))
    w.finish()
    case, bad = junit_doc("".join(chunks)).findall("testsuite/testcase")
    assert case.get("name") == junit.xml_text(name) and case.get("classname") == junit.xml_text(file)
    assert (case.find("failure").text or "") == junit.xml_text(message)
    assert (bad.find("error").text or "") == junit.xml_text(message)


# ---- GitHub workflow commands --------------------------------------------------------------------
# actions/runner src/Runner.Common/ActionCommand.cs, TryParseV2 and its unescaping, in Python.

def _unescape(text: str, pairs) -> str:
    for token, code in pairs:
        text = text.replace(code, token)
    return text


DATA = (("\r", "%0D"), ("\n", "%0A"), ("%", "%25"))
PROPERTY = (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25"))


def parse_command(line: str):
    """(command, properties, data) as the runner reads a line, or None for a plain line."""
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    props = {}
    if space > 0:
        for prop in info[space + 1:].strip().split(","):
            key, _, value = prop.partition("=")
            if prop and key and value:
                props[key.lower()] = _unescape(value, PROPERTY)
    return name, props, _unescape(message[end + 2:], DATA)


def lines_of(text: str) -> list[str]:
    """The lines the runner reads (it ends a line at LF, CR or CRLF, and at nothing else)."""
    assert "\r" not in text and text.endswith("\n")
    return text[:-1].split("\n")


def test_github_of_the_example_has_a_line_per_finding(baseline):
    r = cli("check", *EXAMPLE, "--format", "github")
    assert r.exit_code == 1
    lines = lines_of(r.stdout)
    commands = [parse_command(x) for x in lines[:-1]]
    assert all(commands) and parse_command(lines[-1]) is None
    assert lines[-1].startswith("perfrules: 2 个项目 (2 projects)；发现 (findings): error 4")
    level = {"veto": "error", "error": "error", "warning": "warning", "info": "notice"}
    got = [(p["file"], p["title"].split()[0], int(p["line"]) if "line" in p else None, name)
           for name, p, _ in commands]
    assert Counter(got) == Counter((b[0], b[1], b[2], level[b[3]]) for b in baseline)
    name, props, data = commands[4]
    assert props["title"] == "P-03 指标值不具体的指标按50%计分" and "%25" in lines[4]
    assert data.startswith("绩效指标[5] 提高网络稳定性：得分 为 4，应不超过 分值 × 50%（= 2.5）")


def test_github_errors_skips_and_waivers(odd):
    (odd / "说明.txt").write_text("x", encoding="utf-8")
    r = cli("check", ".", "-p", "t.rules", "--format", "github", cwd=odd)
    assert r.exit_code == 2
    commands = [c for c in map(parse_command, lines_of(r.stdout)) if c]
    by_file = {}
    for name, props, data in commands:
        by_file.setdefault(props["file"].replace("\\", "/"), []).append((name, props, data))
    ((name, props, data),) = by_file["坏.yaml"]
    assert (name, props["line"], props["title"]) == ("error", "2", "无法读取 (could not be read)") and "YAML" in data
    assert by_file["说明.txt"][0][0] == "notice"
    kinds = sorted((name, props["title"]) for name, props, _ in by_file["表 甲.yaml"])
    assert kinds == [("error", "T-01 执行率不得低于60%"), ("notice", "T-02 指标须写计算方法"),
                     ("warning", "T-02 指标须写计算方法")]
    waived = next(d for n, p, d in by_file["表 甲.yaml"] if n == "notice")
    assert waived.endswith("\n已豁免 (waived)：巡检按制度执行")
    assert r.stdout.rstrip("\n").split("\n")[-1].startswith("perfrules: 2 个项目 (2 projects)，无法读取 1 个")


def test_github_escapes_as_the_runner_documents():
    assert github.escape_data("50%\r\n") == "50%25%0D%0A"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = github.command("warning", "100%\n第二行", file="a,b:c.yaml", line=3, title="X-1 标题")
    assert line == "::warning file=a%2Cb%3Ac.yaml,line=3,title=X-1 标题::100%25%0A第二行\n"


@given(message=st.text(), title=st.text(), file=st.text(), line=st.one_of(st.none(), st.integers(1, 10**6)))
def test_any_message_comes_back_whole_from_the_runner(message, title, file, line):
    text = github.command("error", message, file=file, line=line, title=title)
    (one,) = lines_of(text)
    name, props, data = parse_command(one)
    assert name == "error"
    assert data == printable(message)
    want = {k: v for k, v in (("file", printable(file).strip()), ("line", str(line) if line else ""),
                              ("title", printable(title).strip())) if v}
    assert props == want


# ---- every format ---------------------------------------------------------------------------------

def test_every_format_is_in_the_table_and_the_command_line():
    assert {"sarif", "junit", "github"} <= set(formats.NAMES)
    r = cli("check", "--help")
    for name in ("sarif", "junit", "github"):
        assert name in r.output
    assert formats.get("junit").fail_on and not formats.get("sarif").fail_on
    assert formats.by_extension("r.xml").name == "junit"


# ---- a run that cannot start, in the CI formats -------------------------------------------------

def bad_pack(tmp_path) -> Path:
    pack = tmp_path / "坏包"
    pack.mkdir()
    (pack / "a.rules").write_text('规则 X-01 「一」\n  没有这个字段 不得为空\n', encoding="utf-8")
    return pack


CANNOT_START = [
    pytest.param(lambda tmp: ["examples/没有这个文件.yaml"], "E500", None, id="missing input"),
    pytest.param(lambda tmp: [f"{EX}/申报.yaml", "-p", str(bad_pack(tmp))], "E200", ".rules", id="bad pack"),
    pytest.param(lambda tmp: [f"{EX}/申报.yaml", "--fail-on", "bogus"], "E500", None, id="option refused"),
]


@pytest.mark.parametrize("args, code, file_suffix", CANNOT_START)
def test_sarif_of_a_run_that_cannot_start_is_a_valid_log_that_failed(args, code, file_suffix, tmp_path):
    r = cli("check", *args(tmp_path), "--format", "sarif")
    assert r.exit_code == 2 and r.stderr
    log = json.loads(r.stdout)
    sarif_validate(log)
    [run] = log["runs"]
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is False
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and note["descriptor"]["id"] == code and note["message"]["text"]
    if file_suffix:
        uri = unquote(note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        assert uri.endswith(file_suffix), uri


@pytest.mark.parametrize("args, code, file_suffix", CANNOT_START)
def test_junit_of_a_run_that_cannot_start_is_a_suite_in_error(args, code, file_suffix, tmp_path):
    r = cli("check", *args(tmp_path), "--format", "junit")
    assert r.exit_code == 2 and r.stderr
    root = junit_doc(r.stdout)
    assert root.get("tests") == "1" and root.get("errors") == "1" and root.get("failures") == "0"
    [case] = root.iter("testcase")
    [err] = case.findall("error")
    assert case.get("name") == "perfrules check" and err.get("type") == code and err.text


@pytest.mark.parametrize("args, code, file_suffix", CANNOT_START)
def test_github_of_a_run_that_cannot_start_is_one_error_annotation(args, code, file_suffix, tmp_path):
    r = cli("check", *args(tmp_path), "--format", "github")
    assert r.exit_code == 2 and r.stderr
    [line] = lines_of(r.stdout)
    name, props, data = parse_command(line)
    assert name == "error" and "perfrules" in props["title"] and data
    if file_suffix:
        assert props["file"].endswith(file_suffix)


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github"])
def test_with_o_a_run_that_cannot_start_writes_no_file_and_nothing_on_stdout(fmt, tmp_path):
    target = tmp_path / f"out.{'xml' if fmt == 'junit' else 'txt'}"
    r = cli("check", "examples/没有这个文件.yaml", "--format", fmt, "-o", target)
    assert r.exit_code == 2 and r.stdout == "" and not target.exists()
