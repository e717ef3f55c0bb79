"""``check -`` reads standard input (issue 17): YAML, JSON or an XLSX workbook, sniffed or
named by --stdin-name, bounded by the file-size limit, named ``<stdin>`` in every output and
error. ``--select`` / ``--ignore`` narrow the rules run as a pack's ``disable:`` does; an id
no rule has is exit 2 with the closest one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from perfrules import pipeline
from perfrules.errors import UsageError
from helpers import cli

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "panyu-2023-ops"
SHENBAO = (EX / "申报.yaml").read_bytes()




def records(r) -> list[dict]:
    data = json.loads(r.stdout)
    return data if isinstance(data, list) else [data]


def findings(rec: dict) -> list[tuple]:
    return [(f["rule"], (f.get("location") or {}).get("row"), f["message"]) for f in rec["findings"]]


@pytest.fixture(scope="module")
def from_file():
    r = cli("check", EX / "申报.yaml", "--format", "json")
    assert r.exit_code == 0, r.output
    return records(r)[0]


# ---- standard input ---------------------------------------------------------------------------

def test_yaml_on_stdin_gives_the_findings_of_the_file(from_file):
    r = cli("check", "-", "--format", "json", input=SHENBAO)
    assert r.exit_code == 0, r.output
    (rec,) = records(r)
    assert rec["input"] == "<stdin>"
    assert findings(rec) == findings(from_file)
    assert all(f["location"]["file"] == "<stdin>" for f in rec["findings"] if "location" in f)


def test_json_on_stdin(from_file):
    data = yaml.safe_load(SHENBAO.decode("utf-8"))
    text = json.dumps(data, ensure_ascii=False, default=str)
    r = cli("check", "-", "--format", "json", input=text.encode("utf-8"))
    assert r.exit_code == 0, r.output
    (rec,) = records(r)
    assert [x[0] for x in findings(rec)] == [x[0] for x in findings(from_file)]
    assert rec["project"] == from_file["project"]


def test_a_workbook_on_stdin_is_read_from_its_bytes():
    r = cli("check", "-", "--format", "json", input=(EX / "申报.xlsx").read_bytes())
    assert r.exit_code == 0, r.output
    want = records(cli("check", EX / "申报.xlsx", "--format", "json"))[0]
    (rec,) = records(r)
    assert [(f["rule"], (f.get("location") or {}).get("row")) for f in rec["findings"]] == \
        [(f["rule"], (f.get("location") or {}).get("row")) for f in want["findings"]]


def test_stdin_name_names_it_and_its_extension_names_the_format():
    r = cli("check", "-", "--stdin-name", "项目/申报.yaml", "--format", "github", input=SHENBAO)
    assert r.exit_code == 0
    assert "::warning file=项目/申报.yaml,line=37,title=N-03" in r.stdout
    csv = "三级指标,指标值\n巡检次数,12次\n".encode("utf-8")
    r = cli("check", "-", "--stdin-name", "表.csv", "--format", "json", input=csv)
    assert r.exit_code in (0, 1), r.output
    assert records(r)[0]["input"] == "表.csv"


def test_stdin_among_files_keeps_its_place_and_runs_on_workers():
    r = cli("check", EX / "自评.yaml", "-", EX / "评价.yaml", "--format", "jsonl", "-j", "2", input=SHENBAO)
    assert r.exit_code in (0, 1), r.output
    inputs = [json.loads(x)["input"] for x in r.stdout.splitlines()]
    assert inputs == [str(EX / "自评.yaml"), "<stdin>", str(EX / "评价.yaml")]


def test_a_broken_input_on_stdin_is_a_located_error():
    r = cli("check", "-", input="项目: [\n".encode("utf-8"))
    assert r.exit_code == 2
    assert "<stdin>:2:1: 错误 YAML 语法错误" in r.stderr
    r = cli("check", "-", "--format", "json", input=b"")
    assert r.exit_code == 2 and "文件为空" in r.stderr
    (rec,) = records(r)
    assert rec["input"] == "<stdin>" and rec["error"]["where"]["file"] == "<stdin>"


def test_stdin_is_bounded_by_the_file_size_limit(monkeypatch):
    monkeypatch.setenv("PERFRULES_MAX_FILE_MB", "1")
    r = cli("check", "-", input=b"# x\n" * (1 << 18) + b"x")
    assert r.exit_code == 2
    assert "标准输入的大小超过上限 1 MB" in r.stderr and "PERFRULES_MAX_FILE_MB" in r.stderr


def test_stdin_arguments_that_cannot_be():
    r = cli("check", "-", "-", input=SHENBAO)
    assert r.exit_code == 2 and "只能给出一次" in r.stderr and r.stdout == ""
    r = cli("check", EX / "申报.yaml", "--stdin-name", "x.yaml")
    assert r.exit_code == 2 and "--stdin-name" in r.stderr and r.stdout == ""
    r = cli("check", "-", "--annotate", "标注.xlsx", input=SHENBAO)
    assert r.exit_code == 2 and "标准输入" in r.stderr


def test_a_terminal_on_stdin_is_refused(monkeypatch):
    class Tty:
        def isatty(self):
            return True
    monkeypatch.setattr("sys.stdin", Tty())
    with pytest.raises(UsageError, match="标准输入是终端"):
        pipeline.check_specs(["-"])


# ---- --select / --ignore ----------------------------------------------------------------------

EXAMPLE = [EX / "评价.yaml", "-p", "panyu-project-2023", "--format", "json"]


@pytest.fixture(scope="module")
def everything():
    r = cli("check", *EXAMPLE)
    return [f["rule"] for f in records(r)[0]["findings"]]


def test_ignore_leaves_out_exactly_those_rules(everything):
    assert {"N-09", "N-14", "RC-02", "N-02"} <= set(everything)
    r = cli("check", *EXAMPLE, "--ignore", "N-09,N-14", "--ignore", "RC-02")
    rules = [f["rule"] for f in records(r)[0]["findings"]]
    assert rules == [x for x in everything if x not in ("N-09", "N-14", "RC-02")]
    said = r.stderr.split("--select/--ignore): ")[1].strip()
    assert "3 条规则" in r.stderr and sorted(said.split(", ")) == ["N-09", "N-14", "RC-02"]
    assert r.exit_code == 1  # N-02 errors are still there


def test_select_by_prefix_runs_only_those(everything):
    r = cli("check", *EXAMPLE, "--select", "RC-*")
    rules = [f["rule"] for f in records(r)[0]["findings"]]
    assert rules and all(x.startswith("RC-") for x in rules)
    assert rules == [x for x in everything if x.startswith("RC-")]
    assert "N-02" in r.stderr  # said as left out
    r = cli("check", *EXAMPLE, "--select", "N-*", "--ignore", "N-02")
    rules = {f["rule"] for f in records(r)[0]["findings"]}
    assert rules == {x for x in everything if x.startswith("N-") and x != "N-02"}


@pytest.mark.parametrize("option, value, best", [("--ignore", "N-9", "N-09"), ("--select", "rc-02", "RC-02"),
                                                 ("--select", "ZZ-*", None)])
def test_an_id_no_rule_has_is_exit_2_with_the_closest(option, value, best):
    r = cli("check", *EXAMPLE[:-2], option, value)  # the table: nothing on stdout
    assert r.exit_code == 2 and r.stdout == ""
    assert f"{option} {value}" in r.stderr and "没有这条规则" in r.stderr
    if best:
        assert f"did you mean {best}?" in r.stderr


def test_an_id_a_pack_already_switched_off_is_no_error():
    pack = "sichuan-selfeval-2023"  # its pack.yaml: disable: [SS-03, RC-18]
    r = cli("check", ROOT / "examples" / "sichuan-2023-selfeval" / "自评表.yml", "-p", pack, "--ignore", "SS-03")
    assert r.exit_code in (0, 1), r.output


def test_select_rules_is_a_packs_disable():
    packs = pipeline.load_packs(("national",))
    same, left = pipeline.select_rules(packs)
    assert same == packs and left == ()
    narrowed, left = pipeline.select_rules(packs, ignore=("N-0*",))
    assert left and all(x.startswith("N-0") for x in left)
    assert not any(r.id.startswith("N-0") for p in narrowed for r in p.compiled.rules)
    assert all(set(left) <= p.disabled for p in narrowed)
    assert [r.id for r in packs[0].compiled.rules][:1] == ["N-01"]  # the packs given are not changed


def test_a_worker_that_compiles_the_packs_again_narrows_them_too(monkeypatch):
    monkeypatch.setattr("signal.signal", lambda *a: None)
    monkeypatch.setattr(pipeline, "_WORKER_PACKS", None)
    monkeypatch.setattr(pipeline, "_WORKER_SETTINGS", None)
    pipeline.init_worker(None, ("national",), pipeline.Settings(ignore=("N-02",)))
    assert "N-02" not in {r.id for p in pipeline._WORKER_PACKS for r in p.compiled.rules}
