"""Parquet in and out (issue 18, item 3): a Parquet row is read as its JSON Lines record is
read, and ``--format parquet`` writes a row per finding (and a row per score item beside it)."""

from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

import pytest

pq = pytest.importorskip("pyarrow.parquet")

from perfrules.batch import check_command  # noqa: E402
from perfrules.data.loaders import load_all  # noqa: E402
from perfrules.data.loaders.parquet import to_json, to_parquet  # noqa: E402
from perfrules.data.loaders.yaml_json import parse_yaml  # noqa: E402
from perfrules.report.parquet import FINDINGS, NOT_READ, SCORES, scores_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(glob.glob(str(ROOT / "examples" / "*" / "*.y*ml")))


def _record(path: str) -> dict:
    """An example YAML file as the JSON Lines record a pipeline would hold (numbers as JSON numbers)."""
    tree = parse_yaml(Path(path).read_text(encoding="utf-8"), path)
    return json.loads(json.dumps(tree, default=float, ensure_ascii=False))


def _check(inputs: list[str], out: Path, *packs: str) -> tuple[int, str]:
    code = check_command(tuple(inputs), tuple(packs), None, str(out))
    return code, out.read_text(encoding="utf-8")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: "/".join(Path(p).parts[-2:]))
def test_a_parquet_row_gives_the_results_of_its_json_lines_record(example, tmp_path, capsys):
    record = _record(example)
    jsonl, parquet = tmp_path / "x.jsonl", tmp_path / "x.parquet"
    jsonl.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    to_parquet([record], str(parquet))
    code_j, from_jsonl = _check([str(jsonl)], tmp_path / "a.json")
    code_p, from_parquet = _check([str(parquet)], tmp_path / "b.json")
    assert code_p == code_j
    assert from_parquet.replace(f"{parquet}:1", f"{jsonl}:1") == from_jsonl
    assert f"{parquet}:1" in from_parquet  # a row is named file:ROW, as a line is file:LINE


def test_the_rows_of_many_row_groups_are_numbered_across_the_file(tmp_path):
    records = [_record(p) for p in EXAMPLES if "panyu-2023-ops" in p]
    path = tmp_path / "stages.parquet"
    records = [json.loads(to_json(r)) for r in records]
    try:
        to_parquet(records, str(path), row_group_rows=1)
    except Exception:  # noqa: BLE001 — the stages' columns differ in type: one file each then
        pytest.skip("the example stages do not share one schema")
    assert pq.ParquetFile(path).metadata.num_row_groups == len(records)
    sets = load_all(path)  # the library reads a whole file: a set per row
    assert [s.source for s in sets] == [f"{path}:{k}" for k in range(1, len(records) + 1)]
    assert [s.stage for s in sets] == [r.get("阶段") for r in records]


def test_values_read_as_the_json_record_writes_them():
    from decimal import Decimal
    row = {"项目": {"名称": "甲", "年度": 2023, "类别": ["信息化运维"], "主管部门": None},
           "预算": {"年度预算": 507.74, "支出": Decimal("428.540"), "调整": [10.0, -3.5]},
           "绩效指标": [{"三级指标": "乙", "分值": 10.0, "佐证材料": []}]}
    text = to_json(row)
    assert json.loads(text) == {"项目": {"名称": "甲", "年度": 2023, "类别": ["信息化运维"]},
                                "预算": {"年度预算": 507.74, "支出": 428.54, "调整": [10, -3.5]},
                                "绩效指标": [{"三级指标": "乙", "分值": 10, "佐证材料": []}]}
    assert '"支出":428.54' in text and '"分值":10' in text


def test_a_row_that_cannot_be_read_is_that_rows_error_and_the_others_go_on(tmp_path):
    path = tmp_path / "good.parquet"
    to_parquet([_record(EXAMPLES[0])], str(path))
    broken = tmp_path / "broken.parquet"  # 绩效指标 must be a list
    to_parquet([{"项目": {"名称": "丙"}, "绩效指标": "不是列表"}] * 2, str(broken))
    out = tmp_path / "out.jsonl"
    code = check_command((str(path), str(broken)), (), "jsonl", str(out))
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert code == 2
    assert [x["input"] for x in lines] == [f"{path}:1", f"{broken}:1", f"{broken}:2"]
    assert "findings" in lines[0] and "error" in lines[1] and "error" in lines[2]


def test_a_file_that_is_no_parquet_is_its_error(tmp_path):
    fake = tmp_path / "fake.parquet"
    fake.write_text("不是 Parquet", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert check_command((str(fake),), (), "jsonl", str(out)) == 2
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["input"] == str(fake) and "Parquet" in json.dumps(record["error"], ensure_ascii=False)


# ---- --format parquet -----------------------------------------------------------------------------

def test_parquet_output_has_a_row_per_finding_of_the_json_output(tmp_path):
    folder = str(ROOT / "examples" / "panyu-2023-ops")
    _, text = _check([folder], tmp_path / "r.json", "panyu-project-2023")
    code = check_command((folder,), ("panyu-project-2023",), None, str(tmp_path / "r.parquet"))
    results = json.loads(text)
    results = results if isinstance(results, list) else [results]
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.schema.names == [c for c, _ in FINDINGS]
    rows = table.to_pylist()
    findings = [(r["input"], f) for r in results for f in r.get("findings", [])]
    assert len(rows) == len(findings) > 0
    for row, (source, f) in zip(rows, findings):
        assert (row["input"], row["rule"], row["severity"], row["target"], row["message"], row["basis"]) == \
            (source, f["rule"], f["severity"], f["target"], f["message"], f.get("basis"))
        assert row["key"] == (f.get("location") or {}).get("key")
    scores = pq.read_table(scores_path(str(tmp_path / "r.parquet")))
    assert scores.schema.names == [c for c, _ in SCORES]
    items = [i for r in results if r.get("score") for i in r["score"]["items"]]
    assert scores.num_rows == len(items)
    evaluation = [r for r in scores.to_pylist() if r["input"].endswith("评价.yaml")]
    assert evaluation and {r["total"] for r in evaluation} == {87.38} and {r["grade"] for r in evaluation} == {"良"}
    deducted = next(r for r in evaluation if r["path"].endswith("支出完成率"))
    assert (deducted["max"], deducted["score"]) == (8.0, 4.88)  # the 4.88 arithmetic, as a number
    assert code in (0, 1)


def test_inputs_not_read_are_listed_in_the_files_metadata(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{不是 JSON\n", encoding="utf-8")
    out = tmp_path / "r.parquet"
    assert check_command((str(broken),), (), None, str(out)) == 2
    pf = pq.ParquetFile(out)
    assert pf.metadata.num_rows == 0
    not_read = json.loads(pf.metadata.metadata[NOT_READ.encode()])
    assert [x["input"] for x in not_read] == [f"{broken}:1"]


def test_parquet_output_needs_a_file(tmp_path, capsys):
    assert check_command((EXAMPLES[0],), (), "parquet", None) == 2
    assert "-o" in capsys.readouterr().err


def test_without_pyarrow_parquet_is_refused_with_the_extra_to_install(tmp_path):
    code = ("import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
            "from perfrules.cli import main\nmain()")
    out = tmp_path / "r.parquet"
    run = subprocess.run([sys.executable, "-c", code, "check", EXAMPLES[0], "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and "pip install 'perfrules[columnar]'" in run.stderr
    assert not out.exists()
