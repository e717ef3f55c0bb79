"""One path from files to results: every format and every -j behave alike; every file of a
folder scan is read, refused by name, or skipped with a note; reading notes in every format."""

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfrules import pipeline
from perfrules.cli import main
from perfrules.data.notes import Note
from perfrules.engine.results import Result
from perfrules.errors import Location, UsageError
from perfrules.report import formats, json_out, markdown, table

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "panyu-2023-ops"
OLD_XLS = ROOT / "tests" / "loaders" / "broken" / "old.xls"
FORMATS = ("table", "json", "jsonl", "md")
TYPO = ("项目: {名称: 甲项目, 年度: 2023, 类别: [信息化运维]}\n"
        "绩效指标:\n"
        "  - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 巡检次数, 指标值: 12次, 计算方法: 记录, 指标值值: 12次}\n")


def cli(*args, cwd=None):
    old = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        return CliRunner().invoke(main, [str(a) for a in args])
    finally:
        os.chdir(old)


def records(r):
    """The JSON entries of a json or jsonl run, as a list."""
    text = r.stdout.strip()
    if text.startswith("{") and "\n{" in text:  # JSON Lines
        return [json.loads(x) for x in text.splitlines()]
    data = json.loads(text)
    return data if isinstance(data, list) else [data]


@pytest.fixture
def mixed(tmp_path):
    """A folder holding a good form, an old .xls, a .docx, a note and plainly unrelated files."""
    d = tmp_path / "报表"
    d.mkdir()
    shutil.copy(EX / "申报.yaml", d / "申报.yaml")
    shutil.copy(OLD_XLS, d / "a.xls")
    (d / "b.docx").write_bytes(b"PK\x03\x04 a Word document")
    return d


# ---- a folder holding an .xls, a .docx and a good form -----------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_unreadable_files_in_a_folder_are_named_and_exit_2(mixed, fmt):
    r = cli("check", mixed, "--format", fmt)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    a, b = str(mixed / "a.xls"), str(mixed / "b.docx")
    assert a in r.stderr and b in r.stderr  # each named, with its reason, as it is met
    assert "旧版 Excel 97-2003 (.xls)" in r.stderr and "Word 文档（.docx）不能读取" in r.stderr
    assert "cannot be read" in r.stderr  # the English half
    summary = f"共 3 个项目（无法读取 2 个：{a}、{b}）"
    if fmt in ("json", "jsonl"):
        recs = records(r)
        assert [x["input"] for x in recs] == [a, b, str(mixed / "申报.yaml")]
        assert recs[0]["error"]["code"] == "E300" and recs[1]["error"]["where"]["file"] == b
        assert recs[0]["input_notes"] == [] and recs[2]["input_notes"] == []
        assert summary in r.stderr
    else:
        assert summary in r.stdout  # the document itself says what it lacks
        assert f"{b}  无法读取 (could not be read)" in r.stdout or f"# {b}" in r.stdout


def test_the_same_folder_exits_alike_in_every_mode_and_with_workers(mixed):
    (mixed / "坏.yaml").write_text("绩效指标: [\n", encoding="utf-8")
    codes = {(fmt, j): cli("check", mixed, "--format", fmt, "-j", j).exit_code
             for fmt in FORMATS for j in (1, 2)}
    assert set(codes.values()) == {2}, codes
    clean = {(fmt, j): cli("check", EX / "申报.yaml", "--format", fmt, "-j", j, "--fail-on", "warning").exit_code
             for fmt in FORMATS for j in (1, 2)}
    assert set(clean.values()) == {1}, clean


def test_explicit_unreadable_file_is_refused_with_its_reason(tmp_path):
    f = tmp_path / "指标.pdf"
    f.write_bytes(b"%PDF-1.7")
    r = cli("check", f, "--format", "json")
    assert r.exit_code == 2
    rec = json.loads(r.stdout)  # one entry: one object
    assert rec["input"] == str(f) and "PDF" in rec["error"]["message"] and rec["error"]["hint"]


# ---- what a folder scan passes over, and what it notes -----------------------------------------

def test_plainly_unrelated_files_are_passed_over_and_others_noted(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(EX / "申报.yaml", d / "申报.yaml")
    for name in ("README.md", "说明.md", "pack.yaml", "x.rules", "x.examples.yaml", ".hidden.yaml",
                 "~$申报.xlsx", "Thumbs.db"):
        (d / name).write_text("not data", encoding="utf-8")
    (d / ".git").mkdir()
    (d / ".git" / "x.yaml").write_text("绩效指标: [", encoding="utf-8")
    (d / "说明.txt").write_text("附件说明", encoding="utf-8")
    (d / "项目信息.csv").write_text("项目,值\n名称,孤立\n", encoding="utf-8")  # no CSV table beside it
    r = cli("check", d, "--format", "jsonl", "--fail-on", "veto")
    assert r.exit_code == 0, r.output  # noted, not an error
    recs = records(r)
    assert [Path(x["input"]).name for x in recs] == ["申报.yaml", "说明.txt", "项目信息.csv"]
    skipped = [x for x in recs if x.get("skipped")]
    assert len(skipped) == 2
    for x in skipped:
        (note,) = x["input_notes"]
        assert note["kind"] == "skipped_file" and note["where"]["file"] == x["input"]
        assert note["message"] and note["message_en"]
    assert "跳过 2 个文件 (files skipped)" in r.stderr
    # --strict: a skipped file is content left unread
    s = cli("check", d, "--strict", "--fail-on", "veto")
    assert s.exit_code == 2
    assert "--strict" in s.stderr and "跳过 2 个文件" in s.stderr
    assert "跳过的文件 (files skipped):" in s.stdout and "不是指标表的格式（.txt）" in s.stdout


def test_a_side_file_read_with_its_table_is_not_noted(tmp_path):
    src = ROOT / "tests" / "loaders" / "good"
    for name in ("table.csv", "table.项目信息.csv", "table.评分.csv"):
        shutil.copy(src / name, tmp_path / name)
    found = list(pipeline.expand([str(tmp_path)]))
    assert [(Path(f.path).name, f.problem) for f in found] == [("table.csv", None)]


def test_folder_lists_its_files_before_its_subfolders_so_stages_stay_together(tmp_path):
    d = tmp_path / "项目"
    (d / "b子目录").mkdir(parents=True)
    shutil.copy(EX / "申报.yaml", d / "a申报.yaml")
    shutil.copy(EX / "自评.yaml", d / "c自评.yaml")
    shutil.copy(EX / "申报.yaml", d / "b子目录" / "x.yaml")
    jobs = list(pipeline.jobs(pipeline.expand([str(d)])))
    assert [[Path(f.path).name for f in j.files] for j in jobs] == [["a申报.yaml", "c自评.yaml"], ["x.yaml"]]
    out = pipeline.check([str(d)], ["national"])
    selfeval = next(o for o in out if o.input.endswith("c自评.yaml"))
    assert any(f.rule == "N-13" for f in selfeval.result.findings)  # checked with its 申报 at hand


def test_the_output_file_is_not_read_as_an_input(tmp_path):
    """Inside a scanned folder it is refused (it would be read back next time); beside the
    files a glob matches, it is not read even when the glob would match it."""
    shutil.copy(EX / "申报.yaml", tmp_path / "申报.yaml")
    r = cli("check", tmp_path, "--format", "jsonl", "-o", tmp_path / "all.jsonl")
    assert r.exit_code == 2 and "要检查的文件夹" in r.output and not (tmp_path / "all.jsonl").exists()
    out = tmp_path / "all.jsonl"
    r = cli("check", str(tmp_path / "*"), "--format", "jsonl", "-o", out)
    assert r.exit_code == 0, r.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


# ---- globs, JSON Lines and the JSON shape in every mode ----------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_a_quoted_glob_works_in_every_format(fmt):
    r = cli("check", "examples/panyu-2023-ops/*.yaml", "--format", fmt)
    assert r.exit_code == 1, r.output
    for name in ("申报.yaml", "自评.yaml", "评价.yaml"):
        assert f"examples/panyu-2023-ops/{name}" in r.stdout
    assert cli("check", "examples/nowhere/*.yaml").exit_code == 2


@pytest.mark.parametrize("fmt", ("table", "md", "json"))
def test_json_lines_input_is_read_in_every_format(tmp_path, fmt):
    src = tmp_path / "批.jsonl"
    rec = {"项目": {"名称": "甲项目"}, "绩效指标": [{"三级指标": "巡检次数", "指标值": "12次"}]}
    src.write_text(json.dumps(rec, ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    r = cli("check", src, "--format", fmt)
    assert r.exit_code == 2  # the broken line
    assert f"{src}:1" in r.stdout and f"{src}:2" in r.output and "不是合法的 JSON" in r.stderr


@pytest.mark.parametrize("jobs", (1, 2))
def test_json_is_an_object_for_one_set_and_an_array_for_several_whatever_j(jobs):
    one = cli("check", EX / "申报.yaml", "--format", "json", "-j", jobs)
    assert isinstance(json.loads(one.stdout), dict)
    two = cli("check", EX / "申报.yaml", EX / "自评.yaml", "--format", "json", "-j", jobs)
    data = json.loads(two.stdout)
    assert isinstance(data, list) and [Path(x["input"]).name for x in data] == ["申报.yaml", "自评.yaml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_the_same_with_one_worker_or_several(fmt):
    args = ("check", "examples/", "--format", fmt)
    a, b = cli(*args, "-j", 1), cli(*args, "-j", 3)
    assert a.exit_code == b.exit_code == 1
    assert a.stdout == b.stdout


def test_streamed_json_is_what_render_to_json_gives():
    outs = pipeline.check([str(EX)], ["national"])
    results = [o.result for o in outs if o.kind == "result"]
    r = cli("check", EX, "-p", "national", "--format", "json")
    assert r.stdout == json_out.to_json(results)


# ---- reading notes ------------------------------------------------------------------------------

def test_reading_notes_are_shown_in_every_format(tmp_path):
    f = tmp_path / "typo.yaml"
    f.write_text(TYPO, encoding="utf-8")
    table = cli("check", f, "--fail-on", "veto")
    assert table.exit_code == 0, table.output
    assert "读取说明 (input notes)" in table.stdout and "指标值值" in table.stdout
    md = cli("check", f, "--format", "md", "--fail-on", "veto")
    assert "## 读取说明 (input notes)" in md.stdout and "指标值值" in md.stdout
    for fmt in ("json", "jsonl"):
        (rec,) = records(cli("check", f, "--format", fmt, "--fail-on", "veto"))
        notes = rec["input_notes"]
        assert any("指标值值" in n["message"] and n["where"]["file"] == str(f) for n in notes), notes
    strict = cli("check", f, "--strict", "--fail-on", "veto", "--format", "json")
    assert strict.exit_code == 2
    assert json.loads(strict.stdout)["input_notes"]  # the output is written first
    assert "--strict" in strict.stderr and "未读取" in strict.stderr


def _result(notes):
    return Result("t.xlsx", "测试", ("national@1.0",), (), (), None, tuple(notes))


def test_table_summarises_many_notes_of_a_kind_but_lists_every_unread_one():
    many = [Note("placeholder", Location("t.xlsx", "表", row=k), f"占位内容{k}", f"placeholder {k}")
            for k in range(1, 13)]
    unread = [Note("unread_row", Location("t.xlsx", "表", row=100 + k), f"未读取的行{k}", f"row {k}")
              for k in range(1, 9)]
    text = table.to_table([_result(many + unread)])
    assert "读取说明 (input notes)" in text
    assert "占位内容1 " in text and "占位内容5 " in text and "占位内容6 " not in text
    assert "另有 7 处" in text and "7 more" in text
    assert all(f"未读取的行{k} " in text for k in range(1, 9))
    assert "第108行" in text and "t.xlsx 工作表" not in text  # places are given without the file again
    assert "读取说明 20 条（未读取 8 处）" in text
    md = markdown.to_markdown([_result(many + unread)])
    assert all(f"占位内容{k} " in md for k in range(1, 13))  # Markdown lists every note


def test_notes_with_a_suggestion_show_it():
    n = Note("unknown_key", Location("t.yaml", key="$.绩效指标[1].指标值值"), "未知键「指标值值」", "unknown key",
             suggestion="指标值")
    text = table.to_table([_result([n])])
    assert "$.绩效指标[1].指标值值: 未知键「指标值值」（是否指「指标值」？ did you mean 指标值?）" in text


# ---- output files and arguments ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", formats.NAMES)
@pytest.mark.parametrize("named", [False, True])
def test_output_into_a_missing_folder_is_a_clear_error(tmp_path, fmt, named):
    # Every format, named by --format (into out.<its extension>, or .txt) or by the extension alone.
    ext = (formats.get(fmt).extensions or (".txt",))[0]
    if named and not formats.get(fmt).extensions:
        pytest.skip(f"{fmt} has no extension of its own")
    chosen = () if named else ("--format", fmt)
    r = cli("check", EX / "申报.yaml", *chosen, "-o", tmp_path / "nowhere" / f"out{ext}")
    assert r.exit_code == 2
    assert "不存在" in r.stderr and "does not exist" in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "nowhere").exists()


def test_output_file_is_replaced_only_when_whole(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("previous", encoding="utf-8")
    r = cli("check", EX / "申报.yaml", EX / "自评.yaml", "--format", "json", "-o", out)
    assert r.exit_code == 1 and r.stdout == ""
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_bad_arguments_stop_before_any_output(tmp_path):
    r = cli("check", EX / "申报.yaml", tmp_path / "nosuch.yaml", "--format", "jsonl")
    assert r.exit_code == 2 and "找不到输入文件" in r.stderr
    # No result is written: under jsonl, stdout holds only the run's error, as JSON (tests/test_schemas.py).
    assert list(json.loads(r.stdout)) == ["schema_version", "error"] and r.stdout.count("\n") == 1
    assert json.loads(r.stdout)["error"]["code"] == "E500"
    r = cli("check", "policies/national/指标规范.rules")
    assert r.exit_code == 2 and "是规则文件" in r.stderr
    empty = tmp_path / "空"
    empty.mkdir()
    (empty / "README.md").write_text("x", encoding="utf-8")
    r = cli("check", empty)
    assert r.exit_code == 2 and "没有可检查的输入文件" in r.stderr


def test_a_json_lines_line_that_is_not_utf8_is_an_error_line(tmp_path):
    src = tmp_path / "x.jsonl"
    src.write_bytes('{"绩效指标": [{"三级指标": "甲", "指标值": "5个"}]}\n'.encode() + "{\"项目\": \"乙\"}\n".encode("gbk"))
    r = cli("check", src, "--format", "jsonl")
    assert r.exit_code == 2 and "Traceback" not in r.output
    recs = records(r)
    assert "error" in recs[1] and "UTF-8" in recs[1]["error"]["message"]


# ---- the API ------------------------------------------------------------------------------------

def test_pipeline_api_gives_outcomes_in_input_order(mixed):
    outs = pipeline.check([str(mixed), str(EX / "自评.yaml")], ["national"], workers=2)
    assert [(Path(o.input).name, o.kind) for o in outs] == [
        ("a.xls", "error"), ("b.docx", "error"), ("申报.yaml", "result"), ("自评.yaml", "result")]
    s = pipeline.Summary()
    for o in outs:
        s.add(o)
    assert (s.projects, s.broken) == (4, 2)
    assert s.exit_code("error") == 2
    assert outs[0].to_dict()["error"]["where"]["file"] == str(mixed / "a.xls")
    with pytest.raises(UsageError):
        pipeline.check([str(mixed / "nosuch.yaml")])


def test_packs_are_chosen_by_year_only_when_none_is_given(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("项目: {名称: 远期项目, 年度: 2035}\n绩效指标:\n  - {三级指标: 甲, 指标值: 提升}\n", encoding="utf-8")
    (o,) = pipeline.check([str(f)])
    assert o.hint and "2035" in o.hint[1]
    (o,) = pipeline.check([str(f)], ["panyu-project-2023"])  # chosen with -p: used as given
    assert o.hint is None and o.result.packs == ("panyu-project-2023@1.0",)


def test_diff_uses_the_same_path_and_names_what_it_could_not_read(mixed):
    r = cli("diff", "national", "national", mixed)
    assert r.exit_code == 2
    assert str(mixed / "b.docx") in r.stderr and "0/1 个输入有变化" in r.stdout
