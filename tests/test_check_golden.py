"""Golden outputs of `perfrules check` on the seed examples (table, JSON, Markdown).

Regenerate with ``PERFRULES_REGEN=1 python -m pytest tests/test_check_golden.py`` (the
``golden`` fixture, tests/conftest.py) and review the diff line by line against the seeds
before committing it.
"""

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfrules.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "panyu-2023-自评-national": (["examples/panyu-2023-ops/自评.yaml"], []),
    "panyu-2023-申报-national": (["examples/panyu-2023-ops/申报.yaml"], []),
    "panyu-2023-评价-panyu": (["examples/panyu-2023-ops/评价.yaml", "examples/panyu-2023-ops/申报.yaml"],
                            ["-p", "panyu-project-2023"]),
}
FORMATS = {"table": "txt", "json": "json", "md": "md"}


def run_check(args):
    cwd = os.getcwd()
    os.chdir(ROOT)  # inputs and rule sources are shown relative to the project
    try:
        return CliRunner().invoke(main, ["check", *args])
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", CASES)
def test_golden(name, fmt, golden):
    inputs, packs = CASES[name]
    result = run_check([*inputs, *packs, "--format", fmt])
    assert result.exit_code in (0, 1), result.output
    golden(GOLDEN / f"{name}.{FORMATS[fmt]}", result.output)


def test_json_matches_contract_and_deductions_add_up():
    result = run_check(["examples/panyu-2023-ops/评价.yaml", "examples/panyu-2023-ops/申报.yaml",
                        "-p", "panyu-project-2023", "--format", "json"])
    data = json.loads(result.output)
    assert isinstance(data, list) and len(data) == 2
    for r in data:
        assert set(r) == {"schema_version", "input", "project", "packs", "findings", "not_applicable", "score",
                          "input_notes"}
        assert r["schema_version"] == "1.0"
        assert r["packs"] == ["panyu-project-2023@1.0"]
        for f in r["findings"]:
            assert {"rule", "title", "severity", "target", "message", "fix", "basis", "source"} <= set(f)
            assert f["severity"] in ("veto", "error", "warning", "info")
        for x in r["not_applicable"]:
            assert set(x) == {"rule", "target", "reason"}
    sheet = data[0]["score"]
    assert (sheet["total"], sheet["max"], sheet["grade"], sheet["vetoed"]) == ("87.38", "100", "良", False)
    for item in sheet["items"]:
        lost = sum((Decimal(d["points"]) for d in item["deductions"]), Decimal(0))
        assert Decimal(item["max"]) - Decimal(item["score"]) == lost, item["path"]
        assert all(d["rule"] and d["reason"] for d in item["deductions"])
    spend = next(i for i in sheet["items"] if i["path"] == "项目管理/财务管理/支出完成率")
    assert spend["score"] == "4.88"
    assert spend["deductions"][0]["reason"] == (
        "执行率 = 支出 428.54 ÷ 年度预算 507.74 = 84.40%；得分 = (84.40% − 60%) ÷ (100% − 60%) × 8 = 4.88")
    rc = [f for f in data[0]["findings"] if f["rule"] == "RC-02"]
    assert [f["message"] for f in rc] == ["陈述小计 22，按评分表计算为 23"]
    # The declared set of the same folder has no score sheet: noted, not scored as zeros.
    assert data[1]["score"] is None
    assert any(x["target"] == "评分表" for x in data[1]["not_applicable"])


def test_output_is_deterministic(tmp_path):
    args = ["examples/panyu-2023-ops/", "-p", "panyu-project-2023", "--format", "json"]
    assert run_check(args).output == run_check(args).output
