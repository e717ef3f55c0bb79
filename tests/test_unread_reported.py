"""Each silent loss the forms issue found is now reported, with its place, in every output
format; ``--strict`` turns each into exit 2."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner

from perfrules.cli import main


def _typo_key(d):
    p = d / "typo.yaml"
    p.write_text("绩效指标:\n  - {三级指标: 线路数, 指标值值: '≥20条'}\n", encoding="utf-8")
    return p, "$.绩效指标[1].指标值值"


def _unknown_column(d):
    p = d / "col.csv"
    p.write_text("三级指标,指标值,实际完成zhi\n线路数,≥20条,20条\n", encoding="utf-8")
    return p, "实际完成zhi"


def _second_sheet(d):
    wb = openpyxl.Workbook()
    wb.active.append(["三级指标", "指标值"])
    wb.active.append(["线路数", "≥20条"])
    wb.create_sheet("说明").append(["另附：2023年度项目清单"])
    p = d / "sheets.xlsx"
    wb.save(p)
    return p, "说明"


def _after_total(d):
    p = d / "total.csv"
    p.write_text("三级指标,指标值,分值\n线路数,≥20条,4\n合计,,4\n以上数据由系统生成,,\n", encoding="utf-8")
    return p, "以上数据由系统生成"


def _formula(d):
    wb = openpyxl.Workbook()
    wb.active.append(["三级指标", "指标值", "分值", "得分"])
    wb.active.append(["线路数", "≥20条", 4, "=C2"])
    p = d / "formula.xlsx"
    wb.save(p)
    return p, "公式单元格没有计算结果"


CASES = {"typo-key": _typo_key, "unknown-column": _unknown_column, "second-sheet": _second_sheet,
         "after-total": _after_total, "formula": _formula}


@pytest.mark.parametrize("fmt", ["table", "md", "json", "jsonl"])
@pytest.mark.parametrize("case", CASES)
def test_each_loss_is_reported_in_every_format_and_strict_fails(tmp_path, case, fmt):
    path, where = CASES[case](tmp_path)
    plain = CliRunner().invoke(main, ["check", str(path), "--format", fmt])
    assert plain.exit_code in (0, 1), plain.output
    assert where in plain.output, plain.output
    if fmt in ("json", "jsonl"):
        record = json.loads(plain.output.splitlines()[0] if fmt == "jsonl" else plain.output)
        assert any(n["kind"] != "total_row" and (where in json.dumps(n, ensure_ascii=False))
                   for n in record["input_notes"]), record["input_notes"]
    strict = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "--strict"])
    assert strict.exit_code == 2, strict.output


def test_a_clean_form_passes_strict(tmp_path):
    p = tmp_path / "ok.csv"
    p.write_text("三级指标,指标值,实际完成值,分值,得分\n线路数,≥20条,20条,4,4\n合计,,,4,4\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(p), "--strict"])
    assert r.exit_code in (0, 1), r.output
