"""What the form reader does with what real forms contain: nothing read silently wrong,
nothing dropped without a note naming where it was."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfrules.data.loaders import load, load_all
from perfrules.data.values import is_met, read_value


def _notes(s, kind=None):
    return [n for n in s.notes if kind is None or n.kind == kind]


def _csv(tmp_path, text, name="t.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_a_mistyped_yaml_key_is_named_with_a_did_you_mean(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("绩效指标:\n  - {三级指标: 线路数, 指标值值: '≥20条'}\n", encoding="utf-8")
    s = load(p)
    (note,) = _notes(s, "unknown_key")
    assert note.suggestion == "指标值" and note.unread
    assert note.where.key == "$.绩效指标[1].指标值值" and note.where.row == 2
    assert "指标值值" in str(note) and "是否指「指标值」" in str(note)
    assert s.indicators[0].target is None and s.indicators[0].extra == (("指标值值", "≥20条"),)


def test_an_unknown_column_is_named_with_its_letter_and_a_did_you_mean(tmp_path):
    s = load(_csv(tmp_path, "三级指标,指标值,实际完成zhi,分值\n线路数,≥20条,20条,4\n"))
    (note,) = _notes(s, "unknown_column")
    assert note.where.column.startswith("C") and note.where.row == 2
    assert note.suggestion == "实际完成值" and note.unread
    assert s.indicators[0].actual is None  # not guessed: reported


def test_known_form_columns_are_read_not_dropped(tmp_path):
    """权重, 指标性质, 度量单位 and 偏差原因分析及改进措施 are what Sichuan and Yunnan print."""
    s = load(_csv(tmp_path, "三级指标,指标性质,指标值,度量单位,完成值,权重,得分,偏差原因分析及改进措施\n"
                            "单台设备采购价,≤,6000,元/台,5800,10,10,\n"
                            "覆盖率,≧,100,%,98%,10,9,部分学校未按时上报\n"))
    a, b = s.indicators
    assert (a.target, a.actual, a.weight) == ("≤6000元/台", "5800元/台", Decimal(10))
    assert is_met(read_value(a.target), read_value(a.actual))  # a ceiling kept: 5800 ≤ 6000 is met
    assert (b.target, b.deviation) == ("≥100%", "部分学校未按时上报")
    assert not _notes(s, "unknown_column")


def test_level1_weights_and_numbered_names(tmp_path):
    s = load(_csv(tmp_path, "一级指标,二级指标,三级指标,指标值\n"
                            "产出指标（50分）,数量指标,指标1：服务人数,≥300人\n"
                            ",,指标2：,\n"
                            "效益指标(30分),社会效益指标,指标3:满意度,≥90%\n"))
    a, b = s.indicators
    assert (a.level1, a.level1_weight, a.name) == ("产出指标", Decimal(50), "服务人数")
    assert (b.level1, b.level1_weight, b.name) == ("效益指标", Decimal(30), "满意度")
    (placeholder,) = _notes(s, "placeholder")
    assert placeholder.where.row == 3


def test_the_header_may_sit_anywhere(tmp_path):
    junk = "".join(f"说明第{k}行,,\n" for k in range(30))
    s = load(_csv(tmp_path, junk + "三级指标,指标值,分值\n线路数,≥20条,4\n"))
    assert [i.name for i in s.indicators] == ["线路数"]
    assert s.indicators[0].location.row == 32
    assert len(_notes(s, "unread_row")) == 30  # the lines above are reported, one by one


def test_rows_after_the_total_are_not_indicators(tmp_path):
    s = load(_csv(tmp_path, "三级指标,指标值,分值,得分\n线路数,≥20条,4,4\n合计,,4,4\n"
                            ",,,\n以上数据由系统生成,,,\n"))
    assert [i.name for i in s.indicators] == ["线路数"]
    assert (s.stated_max, s.stated_total) == (Decimal(4), Decimal(4))
    (unread,) = _notes(s, "unread_row")
    assert unread.where.row == 5 and "系统生成" in unread.zh


def test_a_formula_without_a_cached_value_is_named(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["三级指标", "指标值", "实际完成值", "分值", "得分"])
    ws.append(["线路数", "≥20条", "20条", 4, "=D2*1"])  # openpyxl stores no computed value
    p = tmp_path / "f.xlsx"
    wb.save(p)
    s = load(p)
    (note,) = _notes(s, "formula")
    assert (note.where.row, note.where.column) == (2, "E") and note.unread
    assert "请在 Excel/WPS 中打开并保存后重试" in note.zh
    assert s.indicators[0].score is None  # never the formula text, never a guess


def test_a_template_prompt_is_blank_and_said_so(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("绩效目标:\n  预期目标: 保障工资足额发放\n  实际完成情况: 对照年度目标,说明完成情况(100字以内)\n"
                 "绩效指标: [{三级指标: a, 指标值: '1个'}]\n陈述: {存在问题: 无}\n", encoding="utf-8")
    s = load(p)
    assert (s.goal, s.goal_actual) == ("保障工资足额发放", None)
    assert s.statement == (("存在问题", "无"),)
    assert [n.kind for n in s.notes] == ["placeholder"]


def test_amounts_in_yuan_become_wanyuan_and_sources_are_kept(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("预算: {单位: 元, 年度预算: '250000', 支出: '215457.6', 执行率分值: 10, 执行率得分: 8.62,\n"
                 "  明细: {当年财政拨款: {年度预算: '230000'}, 上年结转资金: {年度预算: '20000'}}}\n"
                 "绩效指标: [{三级指标: a, 指标值: '1个'}]\n", encoding="utf-8")
    b = load(p).budget
    assert (b.annual, b.spent, b.rate_weight, b.rate_score) == (
        Decimal(25), Decimal("21.54576"), Decimal(10), Decimal("8.62"))
    assert [(x.name, x.annual) for x in b.sources] == [("当年财政拨款", Decimal(23)), ("上年结转资金", Decimal(2))]


def test_every_sheet_with_a_form_is_a_project(tmp_path):
    wb = openpyxl.Workbook()
    for k, ws in enumerate([wb.active, wb.create_sheet()]):
        ws.title = f"项目{k + 1}"
        ws.append(["项目名称", f"第{k + 1}个项目"])
        ws.append(["三级指标", "指标值"])
        ws.append([f"指标{k}", "1个"])
    wb.create_sheet("说明").append(["本工作簿由某系统导出"])
    p = tmp_path / "two.xlsx"
    wb.save(p)
    a, b = load_all(p)
    assert (a.project.name, b.project.name) == ("第1个项目", "第2个项目")
    assert a.source.endswith("#项目1") and b.source.endswith("#项目2")
    assert any(n.kind == "unread_sheet" and n.where.sheet == "说明" for n in a.notes)
    with pytest.raises(Exception, match="2 个项目"):
        load(p)


ROWS = [("产出指标", "数量指标", "线路数", "≥20条", "20条", "4", "4"),
        ("", "质量指标", "验收合格率", "100%", "100%", "4", "3.5"),
        ("效益指标", "社会效益指标", "可用率", "≥99%", "99.5%", "2", "2")]
HEADERS = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]


@settings(max_examples=40, deadline=None)
@given(st.permutations(range(len(HEADERS))), st.integers(0, 25), st.sampled_from(["xlsx", "csv"]))
def test_column_order_and_position_do_not_change_the_reading(order, offset, fmt):
    """Forms put 分值 before or after the target and the grid at any depth: the model is
    the same whatever the column order and however many title lines come first."""
    import tempfile
    from pathlib import Path
    lines = [["项目支出绩效自评表"]] + [[f"注{k}"] for k in range(offset)]
    lines.append([HEADERS[k] for k in order])
    lines += [[row[k] for k in order] for row in ROWS]
    with tempfile.TemporaryDirectory() as d:
        if fmt == "csv":
            p = Path(d) / "t.csv"
            p.write_text("\n".join(",".join(r) for r in lines) + "\n", encoding="utf-8")
        else:
            wb = openpyxl.Workbook()
            for r in lines:
                wb.active.append([v or None for v in r])
            p = Path(d) / "t.xlsx"
            wb.save(p)
        s = load(p)
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in s.indicators]
    assert got == [("产出指标", "数量指标", "线路数", "≥20条", "20条", Decimal(4), Decimal(4)),
                   ("产出指标", "质量指标", "验收合格率", "100%", "100%", Decimal(4), Decimal("3.5")),
                   ("效益指标", "社会效益指标", "可用率", "≥99%", "99.5%", Decimal(2), Decimal(2))]
    assert s.stage == "自评"


def test_the_input_reference_lists_every_key_the_loader_accepts():
    """docs/inputs.md is the user's list of keys and headings: it must not drift from the tables."""
    from pathlib import Path

    from perfrules.data.loaders import fields as F
    from perfrules.data.notes import KINDS
    doc = (Path(__file__).resolve().parent.parent / "docs" / "inputs.md").read_text(encoding="utf-8")
    for table in (F.TOP, F.PROJECT, F.BUDGET, F.FUND, F.GOAL, F.INDICATOR, F.SCORE, F.WAIVER):
        for canon in table.canon:
            assert f"| {canon} |" in doc, canon
            for alias in table.aliases(canon):
                assert f"`{alias}`" in doc, (canon, alias)
    for word in F.KEPT:
        assert word in doc, word
    for kind in KINDS:
        assert f"`{kind}`" in doc, kind


@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk"])
def test_a_whole_national_form_scores_as_its_yaml(tmp_path, fmt):
    """The national 自评表 as a bureau sends it (XLSX, or a GBK CSV export): fund block and
    stated figures read, the same total as the YAML, and the stated 执行率 slip reported."""
    import sys
    from pathlib import Path

    from perfrules.engine.packs import load_pack
    from perfrules.engine.runner import run
    sys.path.insert(0, str(Path(__file__).parent))
    import forms
    doc = "tests/data/forms/national-selfeval.yaml"
    form = forms.LAYOUTS["A"](forms.load_doc(doc))
    p = tmp_path / ("form.xlsx" if fmt == "xlsx" else "form.csv")
    p.write_bytes(forms.to_xlsx(form.grid) if fmt == "xlsx" else forms.to_csv(form.grid, "gbk"))
    pack = load_pack("national-selfeval")
    root = Path(__file__).resolve().parent.parent
    want, got = run([pack], load(root / doc)), run([pack], load(p))
    assert got.score.total == want.score.total == Decimal("95.12")
    assert got.score.grade == want.score.grade == "优"
    assert [(i.path, i.score) for i in got.score.items] == [(i.path, i.score) for i in want.score.items]
    rc = [f.message for f in got.findings if f.rule == "RC-05"]
    assert len(rc) == 1 and "86.19%" in rc[0] and "86.18%" in rc[0]
    b = load(p).budget
    assert (b.rate_weight, b.rate_score, len(b.sources)) == (Decimal(10), Decimal("8.62"), 3)


def test_a_stray_far_cell_is_refused_by_name_not_by_exhausting_memory(tmp_path):
    from perfrules.errors import DataError
    wb = openpyxl.Workbook()
    wb.active.append(["三级指标", "指标值"])
    wb.active["XFD1048576"] = "x"
    p = tmp_path / "far.xlsx"
    wb.save(p)
    with pytest.raises(DataError, match="XFD1048576"):
        load(p)


def test_a_huge_merged_range_is_refused_before_openpyxl_expands_it(tmp_path):
    from perfrules.errors import DataError
    import zipfile
    wb = openpyxl.Workbook()
    wb.active.append(["三级指标", "指标值"])
    wb.active.merge_cells("A3:Z4")
    small = io.BytesIO()
    wb.save(small)
    p = tmp_path / "merged.xlsx"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(p, "w") as dst:
        for item in src.infolist():  # the 5 KB file a hostile sender writes by hand
            data = src.read(item.filename).replace(b'ref="A3:Z4"', b'ref="A3:Z1000000"')
            dst.writestr(item, data)
    with pytest.raises(DataError, match="A3:Z1000000"):
        load(p)
