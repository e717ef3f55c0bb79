"""The published JSON Schemas (perfrules/schemas/, docs/schemas/) and `schema_version`.

- Every output perfrules writes validates against ``result.schema.json``: the golden JSON
  outputs, `perfrules check --format json|jsonl` over every example and every corpus table
  (``../shared/corpus/*.yaml`` when present), error records, skipped files, the JSON error of a
  run that cannot start, and (a Hypothesis property) any Result the engine makes.
- Every example input validates against ``input.schema.json``, which is generated from the key
  tables of perfrules/data/loaders/fields.py by :func:`input_schema` below: when a key or an
  alias is added there, rewrite it with ``PERFRULES_REGEN=1 .venv/bin/python -m pytest -q
  tests/test_schemas.py`` (the ``golden`` fixture) and read the diff.
- docs/schemas/ holds the same files as the package (rewritten by the same switch).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator

import perfrules
from perfrules.cli import main
from perfrules.data.loaders import fields as F
from perfrules.data.notes import KINDS
from perfrules.engine.runner import run
from perfrules.severity import NAMES as SEVERITIES
from perfrules.version import SCHEMA_VERSION

from strategies import indicator_sets, pack_indicator_sets, score_packs

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "perfrules" / "schemas"
DOCS = ROOT / "docs" / "schemas"
GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = ROOT / "examples"
CORPUS = ROOT.parent / "shared" / "corpus"

RESULT, INPUT = "result", "input"


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(perfrules.schema(name))


def problems(schema: str, doc) -> list[str]:
    """What is wrong with ``doc`` by the published schema ``schema`` (result or input): none when valid."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message[:300]}"
            for e in sorted(_validator(schema).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def valid_records(text: str, fmt: str) -> list[dict]:
    """Each record of a json or jsonl output, every one checked against the result schema."""
    if fmt == "jsonl":
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        doc = json.loads(text)
        records = doc if isinstance(doc, list) else [doc]
    assert records, "no record in the output"
    for r in records:
        assert not problems(RESULT, r), (r.get("input"), problems(RESULT, r))
        assert r["schema_version"] == SCHEMA_VERSION
    return records


def check(*args: str):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return CliRunner().invoke(main, ["check", *args])
    finally:
        os.chdir(cwd)


# ---- the schemas themselves ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["result", "input"])
def test_schemas_are_valid_draft_2020_12_and_carry_the_version(name):
    schema = perfrules.schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f":{name}:{SCHEMA_VERSION}")
    if name == "result":
        assert schema["$defs"]["schema_version"] == {"const": SCHEMA_VERSION, **{
            k: v for k, v in schema["$defs"]["schema_version"].items() if k != "const"}}


def test_result_schema_names_every_severity_and_note_kind():
    defs = perfrules.schema("result")["$defs"]
    assert defs["severity"]["enum"] == list(SEVERITIES)
    assert defs["note"]["properties"]["kind"]["enum"] == list(KINDS)


def test_input_schema_is_generated_from_the_key_tables(golden):
    golden(PACKAGE / "input.schema.json", json.dumps(input_schema(), ensure_ascii=False, indent=2) + "\n")


@pytest.mark.parametrize("name", ["result", "input"])
def test_docs_publish_the_same_schemas(name, golden):
    golden(DOCS / f"{name}.schema.json", (PACKAGE / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_schema_command_prints_each_schema():
    for name in ("result", "input"):
        out = CliRunner().invoke(main, ["schema", name])
        assert out.exit_code == 0, out.output
        assert out.stdout_bytes == (PACKAGE / f"{name}.schema.json").read_bytes()
        assert json.loads(out.output) == perfrules.schema(name)
        (PACKAGE / f"{name}.schema.json").read_text(encoding="utf-8").encode("gbk")  # a Chinese console prints it
    bad = CliRunner().invoke(main, ["schema", "output"])
    assert bad.exit_code == 2 and "result" in bad.output


def test_an_unknown_schema_name_is_a_usage_error():
    with pytest.raises(perfrules.UsageError, match="result"):
        perfrules.schema("sarif")


def test_the_result_schema_refuses_what_perfrules_never_writes():
    r = json.loads((GOLDEN / "panyu-2023-评价-panyu.json").read_text(encoding="utf-8"))[0]
    assert not problems(RESULT, r) and r["score"]["total"] == "87.38"
    bad = [
        {**r, "schema_version": "0.9"},
        {**r, "extra": 1},
        {k: v for k, v in r.items() if k != "schema_version"},
        {**r, "score": {**r["score"], "total": 87.38}},  # an amount as a float
        {**r, "findings": [{**r["findings"][0], "severity": "fatal"}]},
        {**r, "findings": [{**r["findings"][0], "undecided": True}]},  # undecided without what is missing
    ]
    for doc in bad:
        assert problems(RESULT, doc), doc.keys()


# ---- every output validates ------------------------------------------------------------------

GOLDEN_JSON = sorted(p.name for p in GOLDEN.iterdir() if p.suffix in (".json", ".jsonl"))


@pytest.mark.parametrize("name", GOLDEN_JSON)
def test_golden_outputs_validate(name):
    valid_records((GOLDEN / name).read_text(encoding="utf-8"), "jsonl" if name.endswith(".jsonl") else "json")


def _example_inputs() -> list[str]:
    out = []
    for p in sorted(EXAMPLES.rglob("*")):
        if p.suffix.lower() in (".yaml", ".yml", ".json", ".xlsx", ".csv") and p.is_file():
            out.append(p.relative_to(ROOT).as_posix())
    return out


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_check_output_over_every_example_validates(fmt):
    out = check(*_example_inputs(), "--format", fmt)
    assert out.exit_code in (0, 1), out.output
    records = valid_records(out.stdout, fmt)
    assert {r["input"] for r in records} >= set(_example_inputs()) - {"examples/sichuan-2023-selfeval/自评表.xlsx"}


@pytest.mark.parametrize("pack", ["panyu-project-2023", "sichuan-selfeval-2023", "guangzhou-dept-2022",
                                  "national-selfeval"])
def test_check_output_of_every_bundled_pack_validates(pack):
    out = check(*_example_inputs(), "-p", pack, "--format", "jsonl")
    assert out.exit_code in (0, 1, 2), out.output
    valid_records(out.stdout, "jsonl")


def test_check_output_over_the_corpus_validates():
    tables = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []
    tables = [p for p in tables if p.name != "LAYOUTS.md"]
    if not tables:
        pytest.skip("../shared/corpus is not here")
    out = check(*map(str, tables), "--format", "jsonl")
    assert out.exit_code in (0, 1, 2), out.output
    assert len(valid_records(out.stdout, "jsonl")) >= len(tables)


def test_error_and_skipped_records_validate(tmp_path):
    shutil.copy(EXAMPLES / "panyu-2023-ops" / "申报.yaml", tmp_path / "申报.yaml")
    (tmp_path / "坏.yaml").write_text("项目: [\n", encoding="utf-8")            # does not parse
    (tmp_path / "错.yaml").write_text("绩效指标:\n  - 分值: 很多\n  - 得分: -1\n", encoding="utf-8")  # a group
    (tmp_path / "说明.txt").write_text("不是数据\n", encoding="utf-8")          # skipped, noted
    (tmp_path / "报告.docx").write_bytes(b"PK\x03\x04")                      # refused by name
    for fmt in ("json", "jsonl"):
        out = check(str(tmp_path), "--format", fmt)
        assert out.exit_code == 2, out.output
        records = valid_records(out.stdout, fmt)
        kinds = sorted("error" if "error" in r else "skipped" if r.get("skipped") else "result" for r in records)
        assert kinds == ["error", "error", "error", "result", "skipped"], kinds
        group = next(r for r in records if r["input"].endswith("错.yaml"))
        assert group["error"]["code"] == "E001" and len(group["error"]["errors"]) == 2


# ---- the JSON error of a run that cannot start -----------------------------------------------

def _run_error(out, fmt: str) -> dict:
    assert out.exit_code == 2, out.output
    text = out.stdout
    if fmt == "jsonl":
        assert text.count("\n") == 1 and text.endswith("\n"), text
    [record] = valid_records(text, fmt)
    assert set(record) == {"schema_version", "error"}
    assert record["error"]["message"] in out.stderr  # the human message stays on stderr
    return record["error"]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_missing_input_is_a_json_error(fmt):
    error = _run_error(check("examples/没有这个文件.yaml", "--format", fmt), fmt)
    assert error["code"] == "E500" and "没有这个文件" in error["message"]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_pack_that_does_not_compile_is_a_json_error(fmt, tmp_path):
    pack = tmp_path / "坏包"
    pack.mkdir()
    (pack / "a.rules").write_text('规则 X-01 "一":\n  指标值 必填\n  三级指标 长度 ≥\n', encoding="utf-8")
    (pack / "b.rules").write_text('规则 X-02 "二":\n  没有这个字段 必填\n', encoding="utf-8")
    error = _run_error(check("examples/panyu-2023-ops/申报.yaml", "-p", str(pack), "--format", fmt), fmt)
    assert error["code"] == "E001" and len(error["errors"]) >= 2
    assert all(e["where"]["file"].endswith(".rules") for e in error["errors"])


def test_a_bad_argument_is_a_json_error():
    error = _run_error(check("policies/national/指标规范.rules", "--format", "json"), "json")
    assert error["code"] == "E500" and "-p" in error["message"]


def test_nothing_to_check_is_a_json_error(tmp_path):
    (tmp_path / "README.md").write_text("只有说明\n", encoding="utf-8")
    error = _run_error(check(str(tmp_path), "--format", "json"), "json")
    assert error["code"] == "E500"


def test_other_formats_keep_errors_on_stderr_only():
    out = check("examples/没有这个文件.yaml", "--format", "table")
    assert out.exit_code == 2 and out.stdout == "" and "没有这个文件" in out.stderr


# ---- any result the engine makes ---------------------------------------------------------------

@settings(max_examples=60)
@given(st.data())
def test_any_result_the_engine_makes_validates(data):
    pack, _ = data.draw(score_packs())
    iset = data.draw(st.one_of(indicator_sets(), pack_indicator_sets(pack), pack_indicator_sets(pack, full=True)))
    result = run([pack], iset)
    record = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert not problems(RESULT, record), problems(RESULT, record)


# ---- every example input validates against the input schema ------------------------------------

def _input_documents() -> list[Path]:
    found = [p for p in sorted(EXAMPLES.rglob("*")) if p.suffix in (".yaml", ".yml", ".json")]
    found += sorted((Path(__file__).parent / "loaders" / "good").glob("*.yaml"))
    found += sorted((Path(__file__).parent / "loaders" / "good").glob("*.json"))
    return found


def _as_json(doc):
    """A YAML document as JSON carries it (dates as text, as a JSON body would)."""
    return json.loads(json.dumps(doc, ensure_ascii=False, default=str))


@pytest.mark.parametrize("path", _input_documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_example_inputs_validate(path):
    doc = _as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert not problems(INPUT, doc), problems(INPUT, doc)
    perfrules.load(doc)  # and the loader takes it


def test_corpus_inputs_validate():
    tables = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []
    if not tables:
        pytest.skip("../shared/corpus is not here")
    for path in tables:
        doc = _as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert not problems(INPUT, doc), (path.name, problems(INPUT, doc))


def test_the_input_schema_refuses_what_the_loader_refuses():
    good = {"绩效指标": [{"三级指标": "线路数", "指标值": "≥5条", "分值": 10}]}
    assert not problems(INPUT, good)
    bad = [
        {},                                                     # 绩效指标 is the one required key
        {"绩效指标": {"三级指标": "线路数"}},                       # a list, not a mapping
        {"绩效指标": ["线路数"]},                                  # each indicator a mapping
        {"绩效指标": [{"分值": -1}]},                               # points are never negative
        {"绩效指标": [], "预算": {"年度预算": -5}},                  # nor amounts
        {"绩效指标": [], "预算": {"单位": None}},
        {"绩效指标": [], "项目": {"年度": 1800}},
        {"绩效指标": [], "豁免": None},
        {"绩效指标": [], "豁免": [{"规则": "N-01"}]},                # a waiver needs its reason
    ]
    for doc in bad:
        assert problems(INPUT, doc), doc
        with pytest.raises(perfrules.PerfrulesError):
            perfrules.load(doc)


def test_the_input_schema_takes_aliases_numbers_as_text_and_unknown_keys():
    doc = {"project": {"name": "x", "year": "2023年"}, "stage": "self_evaluation",
           "budget": {"annual": "507.74万元", "spent": 428.54, "adjustments": "-30.01、-626.68",
                      "sources": {"财政拨款": 100}},
           "goal": {"expected": ["一", "二"], "achieved": "完成"},
           "indicators": [{"name": "线路数", "target": "≥5条", "weight": "4分", "score": 3.5, "备注": "x"}],
           "scores": [{"path": ["项目管理", "财务管理"], "weight": 8, "score": "4.88",
                       "deductions": ["合同未备案：0.5", ["逾期", 1], {"原因": "超支", "扣分": 0.2}]}],
           "负责人": "张三"}
    assert not problems(INPUT, doc), problems(INPUT, doc)
    assert perfrules.load(doc).project.year == 2023


# ---- the input schema, generated from the key tables -------------------------------------------

def _kinds() -> dict[str, dict]:
    """Each kind of value the loader reads (data/loaders/fields.py converters), as JSON takes it."""
    text = {"type": ["string", "number", "boolean", "null"]}
    number_text = {"type": "string", "description": "a number written as text, with its unit if any"}
    def many(item): return {"anyOf": [item, {"type": "array", "items": item}]}
    points = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "description": "4、3.5 or 3.5分"},
                        {"type": "null"}], "description": "分值/得分: points, never negative"}
    money = {"anyOf": [{"type": "number", "minimum": 0}, number_text, {"type": "null"}],
             "description": "an amount, in 万元 unless 预算.单位 says otherwise or the text carries a unit "
                            "(428.54万元, 4285400元); never negative"}
    amounts = {"anyOf": [{"type": ["number", "string", "null"]}, {"type": "array", "items": {"type": ["number", "string"]}}],
               "description": "amounts that may be negative (调整): one, a list, or text such as -30.01、-626.68"}
    moneys = {"anyOf": [{"type": "number", "minimum": 0}, {"type": ["string", "null"]},
                        {"type": "array", "items": {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}]}}],
              "description": "amounts, never negative (支出明细): one, a list, or text such as 100、28.54"}
    rate = {"anyOf": [{"type": "number"}, number_text, {"type": "null"}],
            "description": "a rate: 84.40% or 0.844 (a bare number above 2 is read as a percentage, with a note)"}
    deduction = {"anyOf": [{"type": "string", "description": "reason：points, several split by ； or lines"},
                           {"type": "number", "minimum": 0},
                           {"type": "array", "prefixItems": [text, {"type": ["number", "string"]}],
                            "minItems": 2, "maxItems": 2},
                           {"type": "object", "description": "{原因|reason, 扣分|分值|points}"}]}
    return {
        "text": text, "texts": many(text), "points": points, "money": money, "moneys": moneys,
        "amounts": amounts, "rate": rate, "rates": many({"type": ["number", "string", "null"]}),
        "count": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}, {"type": "null"}]},
        "year": {"anyOf": [{"type": "integer", "minimum": 1900, "maximum": 2200},
                           {"type": "string", "description": "2023 or 2023年"}, {"type": "null"}]},
        "unit": {"type": "string", "examples": ["元", "万元", "亿元"],
                 "description": "the unit of amounts written as bare numbers; default 万元"},
        "stage": {"type": ["string", "null"], "examples": list(F.STAGE_ALIASES),
                  "description": "申报, 自评 or 评价, or another spelling of one: "
                                 + ", ".join(a for v in F.STAGE_ALIASES.values() for a in v)},
        "goal_text": {"anyOf": [text, {"type": "array", "items": text}], "description": "text, or a list of lines"},
        "path": {"anyOf": [text, {"type": "array", "items": text}],
                 "description": "项目管理/财务管理/支出完成率, or the list of its parts"},
        "deductions": {"anyOf": [{"type": "null"}, deduction, {"type": "array", "items": deduction}]},
    }


# The kind of each canonical key (a $defs name of its own for sections): a new key of fields.py
# must be given its kind here.
SECTIONS = {
    "top": (F.TOP, {"项目": "project", "阶段": "stage", "预算": "budget", "绩效目标": "goal", "绩效指标": "indicators",
                    "评分": "scores", "总分": "points", "等级": "text", "总分分值": "points", "陈述": "statement",
                    "调整文件": "texts", "豁免": "waivers"}),
    "project": (F.PROJECT, {"名称": "text", "主管部门": "text", "实施单位": "text", "类别": "texts", "性质": "text",
                            "年度": "year"}),
    "budget": (F.BUDGET, {"单位": "unit", "年初预算": "money", "调整": "amounts", "上年结转": "money",
                          "年度预算": "money", "支出": "money", "执行率": "rate", "执行率分值": "points",
                          "执行率得分": "points", "明细": "sources", "支出合计": "money", "支出明细": "moneys",
                          "执行进度": "rates", "执行进度合计": "rate", "通报次数": "count"}),
    "fund_source": (F.FUND, {"来源": "text", "年初预算": "money", "年度预算": "money", "支出": "money",
                             "执行率": "rate"}),
    "goal_halves": (F.GOAL, {"预期目标": "goal_text", "实际完成情况": "goal_text"}),
    "indicator": (F.INDICATOR, {"一级指标": "text", "二级指标": "text", "三级指标": "text", "指标值": "text",
                                "指标性质": "text", "度量单位": "text", "实际完成值": "text", "计算方法": "text",
                                "赋值依据": "text", "佐证材料": "texts", "分值": "points", "得分": "points",
                                "偏差原因": "text"}),
    "score_line": (F.SCORE, {"路径": "path", "分值": "points", "得分": "points", "评价情况": "text",
                             "扣分": "deductions", "一级指标": "text", "二级指标": "text", "三级指标": "text"}),
    "waiver": (F.WAIVER, {"规则": "text", "指标": "text", "理由": "text"}),
}
DESCRIPTIONS = {
    "top": "Only 绩效指标 is required. A key not listed is kept and reported as a reading "
           "note (unknown_key), or read as a field a pack declares (pack.yaml fields), which may also stand here.",
    "project": "项目: the project's header. Other keys are kept as written (or read as declared fields).",
    "budget": "预算: the budget figures, in 万元 unless 单位 says otherwise. Other keys are kept as written.",
    "fund_source": "One fund source (预算.明细).",
    "goal_halves": "绩效目标 as the form's two halves. Other keys are kept as written.",
    "indicator": "One 三级指标 row. Other keys are kept with the row and reported once (unknown_key), or read "
                 "as fields a pack declares.",
    "score_line": "One line of the evaluator's score sheet: an item by 路径 or by its levels.",
    "waiver": "豁免: a finding the input waives, still shown with its reason.",
}
REQUIRED = {"top": "绩效指标", "waiver": ("规则", "理由")}


def _properties(section: str, table: F.Table, kinds: dict[str, str]) -> dict:
    assert set(kinds) == set(table.canon), (section, set(table.canon) ^ set(kinds))
    props: dict = {}
    for canon in table.canon:
        kind = kinds[canon]
        props[canon] = {"$ref": f"#/$defs/{kind}"}
        for alias in table.aliases(canon):
            props[alias] = {"$ref": f"#/$defs/{kind}", "description": f"= {canon}"}
    return props


def _one_of_spellings(table: F.Table, canon: str) -> dict:
    return {"anyOf": [{"required": [k]} for k in (canon, *table.aliases(canon))]}


def _section(section: str) -> dict:
    table, kinds = SECTIONS[section]
    out: dict = {"type": "object", "description": DESCRIPTIONS[section],
                 "properties": _properties(section, table, kinds)}
    required = REQUIRED.get(section, ())
    for canon in (required,) if isinstance(required, str) else required:
        out.setdefault("allOf", []).append(_one_of_spellings(table, canon))
    return out


def input_schema() -> dict:
    """input.schema.json: the keys of data/loaders/fields.py (each canonical key and its
    aliases), the kind of value each takes, the shapes of the sections (mapping.py)."""
    defs = _kinds()
    for section in SECTIONS:
        if section != "top":
            defs[section] = _section(section)
    defs["project"] = {**defs["project"], "type": ["object", "null"]}
    defs["budget"] = {**defs["budget"], "type": ["object", "null"]}
    defs["sources"] = {"anyOf": [{"type": "null"}, {"type": "array", "items": {"$ref": "#/$defs/fund_source"}},
                                 {"type": "object", "additionalProperties": {"anyOf": [
                                     {"$ref": "#/$defs/fund_source"}, {"$ref": "#/$defs/money"}]}}],
                       "description": "预算.明细: a list of fund sources, or a mapping by source name (to a fund "
                                      "source, or to its 支出)"}
    defs["goal"] = {"anyOf": [{"$ref": "#/$defs/goal_text"}, {"$ref": "#/$defs/goal_halves"}],
                    "description": "绩效目标: text, a list of lines, or the form's two halves"}
    defs["statement"] = {"anyOf": [{"$ref": "#/$defs/goal_text"},
                                   {"type": "object", "additionalProperties": {"$ref": "#/$defs/goal_text"}}],
                         "description": "陈述: the form's closing text, or its parts by heading (评价结论 …)"}
    defs["indicators"] = {"type": ["array", "null"], "items": {"$ref": "#/$defs/indicator"},
                          "description": "绩效指标: one mapping per 三级指标 (empty or null: noted)"}
    defs["scores"] = {"type": ["array", "null"], "items": {"$ref": "#/$defs/score_line"},
                      "description": "评分: the evaluator's score lines"}
    defs["waivers"] = {"type": "array", "items": {"$ref": "#/$defs/waiver"}}
    top = _section("top")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:perfrules:schema:input:{SCHEMA_VERSION}",
        "title": "perfrules indicator set (YAML, JSON, a JSON Lines record, perfrules.load(mapping))",
        **top,
        "description": "An indicator set as the YAML/JSON input takes it (docs/inputs.md). " + top["description"]
                       + " Keys are listed as "
                       "perfrules spells them, each Chinese key with its aliases; the loader also matches a key "
                       "after folding full-width characters, dropping spaces and lower-casing English "
                       "(Execution-Rate = execution_rate), which this schema does not check. Numbers may be "
                       "written as text (\"507.74万元\", \"84.40%\", \"4分\"). Generated from "
                       "perfrules/data/loaders/fields.py by tests/test_schemas.py.",
        "$defs": dict(sorted(defs.items())),
    }



@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("args, says", [(("--fail-on", "bogus"), "'bogus' is not one of"),
                                        (("-j", "zero"), "'zero' is not a valid integer"),
                                        (("--no-such-option",), "No such option '--no-such-option'")])
def test_an_option_click_refuses_is_a_json_error_too(fmt, args, says):
    """A value or option the command line refuses before perfrules runs (click's own check):
    the usual usage text on stderr, exit 2, and under --format json|jsonl the same JSON record
    as any run that cannot start."""
    out = check("examples/panyu-2023-ops/申报.yaml", *args, "--format", fmt)
    assert out.exit_code == 2, out.output
    assert "Usage:" in out.stderr and says in out.stderr
    [record] = valid_records(out.stdout, fmt)
    assert set(record) == {"schema_version", "error"} and record["error"]["code"] == "E500"
    assert says in record["error"]["message"] and says in record["error"]["message_en"]


@pytest.mark.parametrize("form", ["-o {}", "--output={}", "-o{}"])
def test_with_an_output_file_the_refusal_is_not_json_on_stdout(form, tmp_path):
    target = tmp_path / "x.json"
    out = check("examples/panyu-2023-ops/申报.yaml", "--fail-on", "bogus", "--format", "json",
                *form.format(target).split(" "))
    assert out.exit_code == 2 and out.stdout == "" and "Usage:" in out.stderr
    assert not target.exists()


def test_a_refused_option_under_a_text_format_prints_nothing_on_stdout():
    out = check("examples/panyu-2023-ops/申报.yaml", "--fail-on", "bogus")
    assert out.exit_code == 2 and out.stdout == ""
