"""The loaders: every format, the conventions of real forms, and every bad input's message.

Golden error texts live in tests/loaders/broken/<file>.expected (the ``golden`` fixture,
tests/conftest.py); regenerate them after a deliberate wording change with
``PERFRULES_REGEN=1 pytest tests/test_loaders.py`` and review the diff.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfrules.data.indicators import Indicator
from perfrules.data.loaders import is_side_file, load, load_mapping
from perfrules.errors import DataError, ErrorGroup, PerfrulesError

HERE = Path(__file__).parent / "loaders"
GOOD, BROKEN, TWIN = HERE / "good", HERE / "broken", HERE / "twin"
EXAMPLES = Path(__file__).parent.parent / "examples"
D = Decimal


# ----------------------------------------------------------------- XLSX builders

def _save(wb: openpyxl.Workbook, path: Path | None = None) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    if path is not None:
        path.write_bytes(buf.getvalue())
    return buf.getvalue()


def build_form(path: Path | None = None) -> bytes:
    """A self-evaluation form as offices send it: title, merged categories, info sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:H1")
    ws["A2"] = "金额单位：万元"
    ws.merge_cells("A2:H2")
    for c, h in enumerate(["一级指标", "二级\n指标", "三级指标", "年度指标值", "实际完成值（%）",
                           "分值（分）", "得分", "备注"], 1):
        ws.cell(3, c, h)
    rows = [
        ["产 出指标", "产出数量", "租用网络线路数", "≥20条", "20条", 4, 4, None],
        [None, None, "政务外网光纤抢修次数", "≥10次", "12次", 4, 3.5, "见台账"],
        [None, "产出 时效", "响应时效", "10分钟内", "达到", 0.1, 0.1, None],
        [None, None, "资金拨付率", "91%", 0.844, 2, 1.5, None],
        ["效益指标", None, "网络带宽年可用率", "99%", "99.5%", 10, 10, None],
    ]
    for r, row in enumerate(rows, 4):
        for c, v in enumerate(row, 1):
            ws.cell(r, c, v)
    ws.cell(7, 5).number_format = "0.00%"
    ws.merge_cells("A4:A7")
    ws.merge_cells("B4:B5")
    ws.merge_cells("B6:B7")
    info = wb.create_sheet("项目信息")
    info["A1"] = "项目名称：测试运维项目"
    for r, (k, v) in enumerate([("主管部门", "番禺区政务服务数据管理局"), ("类别", "信息化运维, 政务服务"),
                                ("年度", 2023), ("阶段", "自评"), ("年初预算", 1164.43),
                                ("调整", -30.01), ("年度预算", "507.74万元"), ("支出", 428.54),
                                ("执行率", 0.844), ("绩效目标", "保障运行")], 2):
        info.cell(r, 1, k)
        info.cell(r, 2, v)
    info.cell(7, 3, -626.68)  # a second adjustment in the next cell of the same row
    info.cell(11, 2).number_format = "0.00%"
    score = wb.create_sheet("评分")
    for c, h in enumerate(["一级指标", "二级指标", "三级指标", "分值", "评价得分", "评价情况"], 1):
        score.cell(1, c, h)
    for r, row in enumerate([["项目管理", "财务管理", "支出完成率", 8, 4.88, "执行率84.40%"],
                             [None, None, "财务管理情况", 7, 7, None],
                             [None, "业务管理", "质量控制", 5, 5, None]], 2):
        for c, v in enumerate(row, 1):
            score.cell(r, c, v)
    score.merge_cells("A2:A4")
    score.merge_cells("B2:B3")
    return _save(wb, path)


def build_bad_cells(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效指标"
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:F1")
    for c, h in enumerate(["一级指标", "二级指标", "三级指标", "指标值", "分值", "得分"], 1):
        ws.cell(2, c, h)
    for r, row in enumerate([["产出指标", "数量指标", "线路数", "≥20条", "四分", 4],
                             [None, None, "合格率", "100%", 4, "#DIV/0!"],
                             [None, None, "抢修次数", "≥10次", 4, 4]], 3):
        for c, v in enumerate(row, 1):
            ws.cell(r, c, v)
    info = wb.create_sheet("项目信息")
    for r, (k, v) in enumerate([("名称", "运维项目"), ("年度", "明年"), ("阶段", "中期"),
                                ("负责人", "张三")], 1):
        info.cell(r, 1, k)
        info.cell(r, 2, v)
    _save(wb, path)


def build_no_header(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "项目支出绩效自评表"
    wb.active.append(["名称", "数量"])
    wb.active.append(["线路", 20])
    _save(wb, path)


def build_corrupt(path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(build_form())) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<workbook><sheets><sheet" if item.filename == "xl/workbook.xml" else data)


def build_workbook_named_csv(path: Path) -> None:
    path.write_bytes(build_form())


BUILT = {"bad_cells.xlsx": build_bad_cells, "no_header.xlsx": build_no_header,
         "corrupt.xlsx": build_corrupt, "workbook_named.csv": build_workbook_named_csv}


@pytest.fixture(scope="session")
def form(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "自评表.xlsx"
    build_form(path)
    return path


# ------------------------------------------------------------------ good inputs

def test_yaml_full_and_exact_decimals():
    s = load(GOOD / "full.yaml")
    assert s.stage == "自评" and s.goal.startswith("保障")
    assert s.project.year == 2023 and s.project.categories == ("信息化运维",)
    b = s.budget
    assert (b.initial, b.adjustments, b.annual, b.spent) == (
        D("1164.43"), (D("-30.01"), D("-626.68")), D("507.74"), D("428.54"))
    assert str(b.initial) == "1164.43" and str(b.spent) == "428.54"  # exact, no float noise
    assert b.carryover == 0 and b.stated_rate == D("0.8440")
    first, second, third = s.indicators
    assert first.evidence == ("支付凭证", "合同") and first.score == D("3.71")
    assert str(third.weight) == "0.10"
    assert (second.level1, second.level1_raw) == ("产出指标", "产出")
    assert (second.level2, second.level2_raw) == ("时效指标", "产出 时效")  # raw keeps the space
    assert second.location.row == 28 and second.location.key == "$.绩效指标[2]"
    assert s.scores[0].path == "项目管理/财务管理/支出完成率" and s.scores[0].score == D("4.88")
    assert s.notes == ()


def test_json_english_aliases_equal_yaml():
    y, j = load(GOOD / "full.yaml"), load(GOOD / "full.json")
    assert (y.indicators, y.project, y.budget, y.scores, y.stage, y.goal) == (
        j.indicators, j.project, j.budget, j.scores, j.stage, j.goal)


def test_indicator_aliases_and_unknown_keys_are_kept():
    s = load(GOOD / "aliases.yaml")
    a, b, c = s.indicators
    assert (a.name, a.target, a.actual, a.method) == (
        "政务外网光纤应急抢修验收合格率", "100%", "100%", "验收合格次数 ÷ 抢修次数")
    assert (b.target, b.actual, c.target, c.actual) == ("长期", "正常运行", "≥90%", "95%")
    assert a.extra == (("备注", "第三方验收"),)
    assert len(s.notes) == 2 and any("负责人" in str(w) for w in s.notes)


def test_yaml_scalars_read_for_this_schema(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("项目: {年度: '2023年'}\n阶段: selfeval\n绩效指标:\n"
                 "  - {三级指标: 010, 指标值: 0.950, 分值: 1_000.5, 佐证材料: yes, 实际完成值: 2023-12-31}\n",
                 encoding="utf-8")
    s = load(p)
    ind = s.indicators[0]
    assert (ind.name, ind.target, ind.weight) == ("10", "0.950", D("1000.5"))
    assert ind.evidence == ("yes",) and ind.actual == "2023-12-31"
    assert s.project.year == 2023 and s.stage == "自评"


@pytest.mark.parametrize("text,expected", [
    ("428.54", "428.54"), ("428.54万元", "428.54"), ("1,164.43万元", "1164.43"),
    ("4285400元", "428.54"), ("1.2亿元", "12000"), ("５０万元", "50"), (" -30.01 万元", "-30.01"),
])
def test_amount_units(text, expected):
    from perfrules.data.loaders.fields import amount
    assert str(amount(text)) == expected


@pytest.mark.parametrize("word,stage", [("申报", "申报"), ("declared", "申报"),
                                        ("Self-Evaluation", "自评"), ("evaluation", "评价")])
def test_stage_aliases(word, stage):
    assert load_mapping({"阶段": word, "绩效指标": []}, "<t>").stage == stage


def test_csv_with_side_files_inheritance_and_totals():
    s = load(GOOD / "table.csv")
    names = [i.name for i in s.indicators]
    assert names == ["资金拨付率", "租用网络线路数", "验收合格率", "网络带宽年可用率", "服务对象满意度", None]
    levels = [(i.level1, i.level2) for i in s.indicators]
    assert levels[1] == ("产出指标", "数量指标")       # blank 一级 and 二级 inherit
    assert levels[2] == ("产出指标", "质量指标")       # a new 二级 under the same 一级
    assert levels[4] == ("满意度指标", None)           # a new 一级 does not borrow the old 二级
    assert s.indicators[2].evidence == ("验收报告", "测试报告")
    unnamed = s.indicators[5]  # content but no name: loaded for the validator to report
    assert unnamed.target == "无名指标的值" and unnamed.location.row == 9
    assert any("合计" in str(w) for w in s.notes)
    assert s.project.name == "测试运维项目" and s.project.categories == ("信息化运维", "政务服务")
    assert s.budget.initial == D("1164.43") and s.budget.adjustments == (D("-30.01"), D("-626.68"))
    assert [e.path for e in s.scores] == ["项目管理/财务管理/支出完成率", "项目管理/财务管理/财务管理情况"]
    assert s.scores[1].location.file.endswith("table.评分.csv")


def test_csv_shared_side_file_and_gb18030(tmp_path):
    shutil.copy(GOOD / "gbk.csv", tmp_path / "gbk.csv")
    (tmp_path / "项目信息.csv").write_bytes("名称,国标编码项目\n阶段,申报\n".encode("gb18030"))
    s = load(tmp_path / "gbk.csv")
    assert s.project.name == "国标编码项目" and s.stage == "申报"
    assert [i.target for i in s.indicators] == ["≥20条", "上班时间10分钟内"]
    assert s.indicators[1].level1 == "产出指标"


def test_csv_two_row_header_and_tabs(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("\t\t\t指标值\n一级指标\t二级指标\t三级指标\t\n产出\t数量\t线路数\t≥20条\n",
                 encoding="utf-8")
    (ind,) = load(p).indicators
    assert (ind.level1, ind.level2, ind.name, ind.target) == ("产出指标", "数量指标", "线路数", "≥20条")


def test_xlsx_form_merged_title_info_and_scores(form):
    s = load(form)
    assert [i.location.row for i in s.indicators] == [4, 5, 6, 7, 8]
    assert {i.location.sheet for i in s.indicators} == {"自评表"}
    a, b, c, d, e = s.indicators
    assert (b.level1, b.level1_raw, b.level2, b.level2_raw) == ("产出指标", "产 出指标", "数量指标", "产出数量")
    assert (c.level2, d.level2) == ("时效指标", "时效指标")  # merged B6:B7
    assert (e.level1, e.level2) == ("效益指标", None)
    assert c.weight == D("0.1") and b.score == D("3.5")
    assert d.actual == "84.40%"  # a percent-formatted cell reads as Excel shows it
    assert b.extra == (("备注", "见台账"),) and a.extra == ()
    p = s.project
    assert (p.name, p.year, p.categories) == ("测试运维项目", 2023, ("信息化运维", "政务服务"))
    assert s.stage == "自评" and s.goal == "保障运行"
    assert s.budget.adjustments == (D("-30.01"), D("-626.68"))
    assert s.budget.annual == D("507.74") and s.budget.stated_rate == D("0.8440")
    assert [x.path for x in s.scores] == ["项目管理/财务管理/支出完成率", "项目管理/财务管理/财务管理情况",
                                          "项目管理/业务管理/质量控制"]
    assert s.scores[0].location.row == 2 and s.scores[0].location.sheet == "评分"


def test_unknown_extension_is_sniffed(tmp_path):
    (tmp_path / "a.txt").write_text("绩效指标:\n  - 三级指标: 线路数\n", encoding="utf-8")
    (tmp_path / "b").write_bytes(build_form())
    assert load(tmp_path / "a.txt").indicators[0].name == "线路数"
    assert len(load(tmp_path / "b").indicators) == 5


def test_side_files_are_not_indicator_sets():
    assert is_side_file("x/table.项目信息.csv") and is_side_file("评分.csv")
    assert not is_side_file("table.csv")
    with pytest.raises(DataError, match="side file"):
        load(GOOD / "table.项目信息.csv")


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_inputs_are_never_modified(form):
    for path in [*GOOD.iterdir(), form]:
        before = (path.read_bytes(), path.stat().st_mtime_ns)
        if not is_side_file(path):
            load(path)
        assert (path.read_bytes(), path.stat().st_mtime_ns) == before, path


# ------------------------------------------------------------ YAML ↔ XLSX twins

def _twins() -> list[Path]:
    yamls = sorted(EXAMPLES.glob("**/*.yaml")) + sorted(TWIN.glob("*.yaml"))
    return [y for y in yamls if y.with_suffix(".xlsx").exists()]


@pytest.mark.parametrize("yaml_path", _twins(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_yaml_and_its_xlsx_form_load_alike(yaml_path):
    stale = f"{yaml_path.with_suffix('.xlsx')} is stale: run .venv/bin/python examples/make_forms.py"
    y, x = load(yaml_path), load(yaml_path.with_suffix(".xlsx"))
    assert len(y.indicators) == len(x.indicators), stale
    for a, b in zip(y.indicators, x.indicators):
        assert a == b, stale  # Indicator equality ignores location
    assert (y.project, y.budget, y.stage, y.goal, y.scores) == (
        x.project, x.budget, x.stage, x.goal, x.scores), stale
    assert (y.stated_total, y.stated_grade, y.adjustment_docs) == (
        x.stated_total, x.stated_grade, x.adjustment_docs), stale


@pytest.mark.parametrize("yaml_path", sorted(EXAMPLES.glob("**/*.yaml")) + sorted(TWIN.glob("*.yaml")),
                         ids=lambda p: str(p.relative_to(p.parents[1])))
def test_make_forms_round_trips_every_example(yaml_path, tmp_path):
    """Independent of the committed twins: the form written now reads back the same."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_forms", EXAMPLES / "make_forms.py")
    make_forms = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_forms)
    y = load(yaml_path)
    make_forms.write_form(y, tmp_path / "form.xlsx")
    x = load(tmp_path / "form.xlsx")
    assert x.indicators == y.indicators and x.scores == y.scores
    assert (x.project, x.budget, x.stage, x.goal) == (y.project, y.budget, y.stage, y.goal)


def test_own_twin_exists():
    assert TWIN / "自评.yaml" in _twins()


# ------------------------------------------------------------------ bad inputs

CASES = sorted({p.name for p in BROKEN.iterdir() if p.suffix != ".expected"} | set(BUILT))


@pytest.mark.parametrize("name", CASES)
def test_broken_input_message(name, tmp_path, monkeypatch, golden):
    if name in BUILT:
        BUILT[name](tmp_path / name)
    else:
        shutil.copy(BROKEN / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)  # messages then name the file as the user typed it
    with pytest.raises((DataError, ErrorGroup)) as info:
        load(name)
    got = info.value.render() + "\n"
    golden(BROKEN / f"{name}.expected", got)
    assert name in got


def test_enough_broken_cases():
    assert len(CASES) >= 10
    assert {Path(c).suffix for c in CASES} >= {".csv", ".xlsx", ".yaml", ".json"}


def test_every_bad_row_is_reported():
    with pytest.raises(ErrorGroup) as info:
        load(BROKEN / "bad_number.csv")
    assert [e.where.row for e in info.value.errors] == [2, 3]
    assert [e.where.column for e in info.value.errors] == ["E 分值", "F 得分"]


# ------------------------------------------------------------------- robustness

EXTS = [".yaml", ".yml", ".json", ".csv", ".xlsx", ".xls", ".txt", ""]
SEEDS = [GOOD / "full.yaml", GOOD / "full.json", GOOD / "table.csv", GOOD / "gbk.csv"]
SEED_BYTES = [p.read_bytes() for p in SEEDS] + [build_form()]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _load_only_user_errors(path: Path) -> None:
    try:
        load(path)
    except PerfrulesError as e:
        assert e.render()  # and it renders


@FUZZ
@given(data=st.binary(max_size=600), ext=st.sampled_from(EXTS))
def test_random_bytes_raise_only_perfrules_errors(tmp_path, data, ext):
    path = tmp_path / f"f{ext}"
    path.write_bytes(data)
    _load_only_user_errors(path)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("绩效指标三级值分:-[]{},\"'\n 0123.%&*!|>#")),
                    max_size=200), ext=st.sampled_from([".yaml", ".json", ".csv"]))
def test_random_text_raises_only_perfrules_errors(tmp_path, text, ext):
    path = tmp_path / f"f{ext}"
    path.write_bytes(text.encode("utf-8"))
    _load_only_user_errors(path)


@FUZZ
@given(seed=st.sampled_from(range(len(SEED_BYTES))), ext=st.sampled_from([".yaml", ".csv", ".xlsx"]),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
       cut=st.integers(0, 10**6) | st.none())
def test_damaged_files_raise_only_perfrules_errors(tmp_path, seed, ext, edits, cut):
    data = bytearray(SEED_BYTES[seed])
    for pos, byte in edits:
        data[pos % len(data)] = byte
    path = tmp_path / f"f{ext}"
    path.write_bytes(bytes(data[:cut % len(data)] if cut is not None else data))
    _load_only_user_errors(path)


KEYS = ["项目", "阶段", "预算", "绩效目标", "绩效指标", "评分", "名称", "年度", "类别", "年初预算",
        "调整", "执行率", "三级指标", "指标值", "分值", "得分", "佐证材料", "路径", "x"]
SCALARS = st.none() | st.booleans() | st.integers() | st.decimals() | st.floats() | st.text(max_size=8)
TREES = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=3)
                     | st.dictionaries(st.sampled_from(KEYS), kids, max_size=4), max_leaves=25)


@FUZZ
@given(tree=st.dictionaries(st.sampled_from(KEYS), TREES, max_size=6))
def test_any_mapping_gives_a_set_or_a_data_error(tree):
    try:
        result = load_mapping(tree, "<fuzz>")
    except (DataError, ErrorGroup) as e:
        assert e.render()
    else:
        assert all(isinstance(i, Indicator) for i in result.indicators)


def test_json_lines_record_keeps_its_path():
    with pytest.raises(DataError) as info:
        load_mapping(json.loads('{"绩效指标": [{"分值": "x"}]}'), "in.jsonl:3")
    assert str(info.value.where) == "in.jsonl:3 $.绩效指标[1].分值"


@pytest.mark.parametrize("name,text", [
    ("deep.yaml", "[" * 50_000), ("dashes.yaml", "- " * 60_000 + "x"), ("deep.json", "[" * 100_000),
    ("loop.yaml", "a: &a [*a]\n绩效指标: []\n"),
    ("bomb.yaml", "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"
     + "".join(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
     + "绩效指标: [{三级指标: x, 备注: *a8}]\n"),
])
def test_nesting_and_alias_bombs_are_data_errors(tmp_path, name, text):
    # libyaml's C composer recurses without a limit: 50 000 "[" used to crash the process.
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="嵌套过深|别名"):
        load(tmp_path / name)


def test_yaml_merge_keys_may_be_overridden(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("base: &b {三级指标: x, 指标值: y}\n绩效指标:\n  - <<: *b\n    指标值: z\n",
                 encoding="utf-8")
    (ind,) = load(p).indicators
    assert (ind.name, ind.target) == ("x", "z")


def test_stated_results_and_deductions():
    s = load_mapping({"总分": "87.38", "等级": "良", "调整文件": ["调整通知"],
                      "预算": {"支出": 428.54, "支出合计": "428.54万元", "支出明细": "100.5、328.04"},
                      "评分": [{"路径": "a/b", "扣分": ["合同未按时备案：0.5", {"原因": "公开", "扣分": 1}]}],
                      "绩效指标": []}, "<t>")
    assert (s.stated_total, s.stated_grade, s.adjustment_docs) == (D("87.38"), "良", ("调整通知",))
    assert s.budget.spent_total == D("428.54") and s.budget.spent_parts == (D("100.5"), D("328.04"))
    assert s.scores[0].deductions == (("合同未按时备案", D("0.5")), ("公开", D("1")))


def test_numbered_rows_totals_and_headless_columns(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("说明：本表由单位填报,,,,\n填表日期,2024-01-05,,,\n"
                 "序号,三级指标,指标值,分值,\n1,线路数,≥20条,4,\n2,合格率,100%,4,见附件\n"
                 "3,,,,\n合计,,,8,\n", encoding="utf-8")
    s = load(p)
    assert [i.name for i in s.indicators] == ["线路数", "合格率"]  # row 3 holds only its 序号
    assert s.indicators[1].extra == (("E列", "见附件"),)
    text = "\n".join(map(str, s.notes))
    assert "第2行" in text and "未读取" in text and "2024-01-05" in text  # a row above the header
    assert "E列没有表头" in text and "合计" in text
    assert s.stated_max == 8  # the 合计 row states the weights' total
