"""Declared fields (issue 14, parts 1, 2 and 5): a pack declares the fields its rules read,
every input format reads them, presence fails closed, and both 成本指标 layouts are accepted.

Declarations are checked as the manifest is read (every mistake a PackError at its key, with
the exact bilingual wording asserted here); values are read per type with located errors; rules
use declared fields like built-in ones; 为空 / 非空 read a field left out or a cell left blank
as empty; 成本指标 is a 一级 with 经济/社会/生态环境成本指标 (101号) or a 二级 under 产出指标.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfrules.data import declared as D
from perfrules.data.categories import LEVEL1, LEVEL2, DEFAULT_SYNONYMS
from perfrules.data.loaders import load, load_mapping, load_record
from perfrules.data.loaders.fields import DASHES as D_BLANKS
from perfrules.data.loaders.fields import Bad, is_prompt
from perfrules.engine.packs import load_pack
from perfrules.engine.runner import run
from perfrules.authoring.tester import cases_of, run_case
from perfrules.errors import DataError, ErrorGroup, PackError, PerfrulesError
from perfrules.pipeline import check, load_packs

SPECS = (
    D.FieldSpec("原因说明", "project", "text", ("reason",), ("未完成原因", "偏差原因说明")),
    D.FieldSpec("服务对象", "project", "text"),
    D.FieldSpec("是否有负外部性", "project", "yes-no", ("negative_externality",)),
    D.FieldSpec("偏差说明", "indicator", "text", (), ("偏差情况说明",)),
    D.FieldSpec("人均成本", "indicator", "amount"),
    D.FieldSpec("完成日期", "indicator", "date"),
    D.FieldSpec("达成率", "project", "rate"),
    D.FieldSpec("受益人数", "indicator", "number"),
    D.FieldSpec("服务范围", "project", "list"),
)

MANIFEST = """name: 本省自评
fields:
  原因说明: {scope: project, type: text, keys: [reason], headers: [未完成原因, 偏差原因说明]}
  服务对象: {scope: project, type: text}
  是否有负外部性: {scope: project, type: yes-no, keys: [negative_externality]}
  偏差说明: {scope: indicator, type: text, headers: [偏差情况说明]}
  人均成本: {scope: indicator, type: amount}
"""

RULES = """规则 SC-02 「执行率未达到90%须说明原因」 错误
  若 执行率 < 90% 则 原因说明 须 非空

规则 SC-08 「有负外部性的项目须设社会或生态环境成本指标」 错误
  是否有负外部性 = 是 ⇒ 计数(二级指标 属于 [社会成本指标, 生态环境成本指标]) ≥ 1

规则 SC-11 「服务对象明确的项目须设满意度指标」 警告
  服务对象 非空 ⇒ 计数(一级指标 是 满意度指标) ≥ 1

规则 SC-12 「人均成本不超过500元」 警告
  每个指标: 人均成本 应 ≤ 0.05

规则 SC-13 「偏差须说明」 警告
  每个指标: 偏差说明 须 非空
"""


def make_pack(folder: Path, manifest: str = MANIFEST, rules: str = RULES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(manifest, encoding="utf-8")
    (folder / "x.rules").write_text(rules, encoding="utf-8")
    return folder


def errors_of(spec: str) -> list[PerfrulesError]:
    with pytest.raises(PerfrulesError) as e:
        load_pack(spec)
    return e.value.errors if isinstance(e.value, ErrorGroup) else [e.value]


def declaration_errors(tmp_path: Path, fields: str) -> list[str]:
    pack = make_pack(tmp_path / "p", "name: p\nfields:\n" + fields, "规则 X-01\n  每个指标: 三级指标 不得为空\n")
    errs = errors_of(str(pack))
    assert all(isinstance(e, PackError) for e in errs), errs
    return [f"{e.where.row} {e.where.key}: {e.zh} ({e.en})" for e in errs]


# ---- declarations ---------------------------------------------------------------------------

def test_a_pack_declares_fields_and_its_rules_use_them(tmp_path):
    pack = load_pack(str(make_pack(tmp_path / "p")))
    assert [s.name for s in pack.fields] == ["原因说明", "服务对象", "是否有负外部性", "偏差说明", "人均成本"]
    assert pack.fields[0] == D.FieldSpec("原因说明", "project", "text", ("reason",), ("未完成原因", "偏差原因说明"))
    assert pack.manifest["fields"] == pack.fields


@pytest.mark.parametrize("fields,expected", [
    ("  偏差原因: {scope: indicator, type: text, headers: [偏差原因分析]}\n",
     "3 fields.偏差原因: 「偏差原因」已是内置字段，无需声明：规则中可直接使用 "
     "('偏差原因' is already a built-in field: rules use it without a declaration)"),
    ("  类别: {scope: indicator, type: text}\n",
     "3 fields.类别: 字段名「类别」与内置字段「类别」（项目，列表）同名，请换一个名称 "
     "(field name '类别' is the name of the built-in field 类别 (project, list); choose another name)"),
    ("  原因说明: {scope: project, typ: text}\n",
     "3 fields.原因说明.typ: 字段「原因说明」的声明中的未知键「typ」，是否指「type」？ "
     "(unknown key 'typ' in the declaration of field '原因说明'; did you mean type?)"),
    ("  原因说明: {scope: projct}\n",
     "3 fields.原因说明.scope: 字段「原因说明」的 scope「projct」无效，应为 project（项目）或 indicator（指标）；"
     "是否指「project」？ (scope 'projct' of field '原因说明' is invalid: use project or indicator; did you mean project?)"),
    ("  完成: {scope: project, type: bool}\n",
     "3 fields.完成.type: 字段「完成」的 type「bool」无效，应为 text、number、amount、rate、date、yes-no、list；"
     "是否指「yes-no」？ (type 'bool' of field '完成' is invalid: use text, number, amount, rate, date, yes-no, "
     "list; did you mean yes-no?)"),
    ("  完成: {scope: project, type: 5}\n",
     "3 fields.完成.type: 字段「完成」的 type「5」无效，应为 text、number、amount、rate、date、yes-no、list "
     "(type '5' of field '完成' is invalid: use text, number, amount, rate, date, yes-no, list)"),
    ("  补充: {scope: indicator, headers: [a, 7]}\n",
     "3 fields.补充.headers: 字段「补充」的 headers 须为文字列表（如 [原因说明, reason]） "
     "(headers of field '补充' must be a list of texts such as [原因说明, reason])"),
    ("  补充: {scope: indicator, keys: {a: b}}\n",
     "3 fields.补充.keys: 字段「补充」的 keys 须为文字列表（如 [原因说明, reason]） "
     "(keys of field '补充' must be a list of texts such as [原因说明, reason])"),
    ("  补充: text\n",
     "3 fields.补充: 字段「补充」的声明须为键值表（如 {scope: project, type: text}） "
     "(the declaration of field '补充' must be a mapping such as {scope: project, type: text})"),
    ("  补充: {type: text}\n",
     "3 fields.补充: 字段「补充」缺少 scope：project（项目，每张表一个）或 indicator（指标，每行一个） "
     "(field '补充' needs a scope: project (one per form) or indicator (one per row))"),
    ("  原因 说明: {scope: project}\n",
     "3 fields.原因 说明: 字段名「原因 说明」无效：只能用文字、数字和 _，不以数字开头，不超过 40 个字符（规则中直接写这个名称） "
     "(invalid field name '原因 说明': letters, digits and _, not a digit first, at most 40 characters "
     "(rules write the name bare))"),
    ("  补充: {scope: indicator, keys: [指标解释]}\n",
     "3 fields.补充.keys[0]: 「指标解释」已是输入中内置字段「计算方法」的写法，不能再作字段「补充」的写法 "
     "('指标解释' already names the built-in input field 计算方法; it cannot also name field '补充')"),
    ("  项目类别: {scope: project}\n",
     "3 fields.项目类别: 「项目类别」已是输入中内置字段「类别」的写法，不能再作字段「项目类别」的名称 "
     "('项目类别' already names the built-in input field 类别; it cannot also name field '项目类别')"),
    ("  应急响应时间: {scope: project}\n",
     "3 fields.应急响应时间: 字段名「应急响应时间」在规则中无法直接书写：名称中含有规则语言的关键词，请换一个名称 "
     "(field name '应急响应时间' cannot be written in a rule: it holds a keyword of the rule language; choose another name)"),
    ("  申报指标: {scope: project}\n",
     "3 fields.申报指标: 字段名「申报指标」是规则语言的保留名称，请换一个名称 "
     "(field name '申报指标' is reserved by the rule language; choose another name)"),
])
def test_a_bad_declaration_is_a_pack_error_at_its_key(tmp_path, fields, expected):
    assert declaration_errors(tmp_path, fields) == [expected]


def test_fields_must_be_a_mapping(tmp_path):
    got = declaration_errors(tmp_path, "  - 原因说明\n")
    assert len(got) == 1 and got[0].startswith("2 fields: 清单中「fields」须为键值表"), got


def test_two_fields_sharing_a_spelling_and_all_mistakes_are_reported_together(tmp_path):
    got = declaration_errors(tmp_path, "  甲: {scope: project, keys: [c1]}\n  乙: {scope: project, keys: [C1]}\n"
                                       "  丙: {scope: projekt}\n")
    assert got[0].startswith("5 fields.丙.scope"), got
    assert got[1] == ("4 fields.乙: 「C1」同时是字段「甲」和「乙」的写法 ('C1' names both field '甲' and field '乙')")
    assert len(got) == 2


def test_the_same_spelling_may_serve_two_scopes(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\nfields:\n  备注甲: {scope: project, keys: [note]}\n"
                                     "  备注乙: {scope: indicator, keys: [note]}\n", "规则 X-01\n  备注甲 须 非空\n")
    assert len(load_pack(str(pack)).fields) == 2


def test_an_undeclared_name_in_a_rule_says_how_to_declare_it(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\n", "规则 X-01\n  原因说明 须 非空\n")
    (e,) = errors_of(str(pack))
    assert e.zh == "未知字段「原因说明」"
    assert "输入中的其他字段须先在 pack.yaml 的 fields 中声明 (declare other input fields under fields in pack.yaml)" \
        in e.hint


def test_a_pack_inherits_its_parents_declarations_and_may_add_spellings(tmp_path):
    parent = make_pack(tmp_path / "child" / "base", "name: base\nfields:\n  原因说明: {scope: project, keys: [reason]}\n",
                       "规则 B-01\n  若 执行率 < 90% 则 原因说明 须 非空\n")
    child = make_pack(tmp_path / "child", "name: child\nextends: [base]\nfields:\n"
                                          "  原因说明: {scope: project, type: text, headers: [未完成原因]}\n",
                      "规则 C-01\n  原因说明 须 非空\n")
    assert parent.exists()
    pack = load_pack(str(child))
    assert pack.fields == (D.FieldSpec("原因说明", "project", "text", ("reason",), ("未完成原因",)),)
    iset = load_mapping({"项目": {"未完成原因": "晚了"}, "预算": {"年度预算": 10, "支出": 5},
                         "绩效指标": [{"三级指标": "a"}]}, "x", field_specs=pack.fields)
    assert not [f for f in run([pack], iset).findings if f.rule in ("B-01", "C-01")]


def test_a_child_may_not_change_a_parents_field(tmp_path):
    make_pack(tmp_path / "child" / "base", "name: base\nfields:\n  原因说明: {scope: project}\n",
              "规则 B-01\n  原因说明 须 非空\n")
    child = make_pack(tmp_path / "child", "name: child\nextends: [base]\nfields:\n"
                                          "  原因说明: {scope: project, type: number}\n", "规则 C-01\n  原因说明 须 非空\n")
    (e,) = errors_of(str(child))
    assert (e.where.row, e.where.key) == (4, "fields.原因说明")
    assert e.zh == "字段「原因说明」在所继承的规则包中声明为（项目，文字），这里是（项目，数值）：不能改变它的范围或类型"


def test_packs_used_together_may_not_declare_a_field_differently(tmp_path):
    a = make_pack(tmp_path / "a", "name: a\nfields:\n  原因说明: {scope: project}\n", "规则 A-01\n  原因说明 须 非空\n")
    b = make_pack(tmp_path / "b", "name: b\nfields:\n  原因说明: {scope: indicator}\n",
                  "规则 B-01\n  每个指标: 原因说明 须 非空\n")
    with pytest.raises(PackError) as e:
        load_packs([str(a), str(b)])
    assert e.value.zh == ("同时使用的规则包对同一字段的声明不同：规则包「a@0」与「b@0」对字段「原因说明」的声明不同"
                          "（项目，文字；指标，文字）")
    assert e.value.en == "packs a@0 and b@0 declare field '原因说明' differently"


# ---- reading ---------------------------------------------------------------------------------

DOC = {
    "项目": {"名称": "乡村道路改造", "reason": "资金晚到", "服务范围": "东村、西村；南村"},
    "negative_externality": "有",
    "达成率": "84.5%",
    "绩效指标": [
        {"三级指标": "改造道路长度", "指标值": "≥5公里", "偏差情况说明": "雨季停工", "人均成本": "120元",
         "完成日期": "2023年12月31日", "受益人数": "1,200", "用途": "x"},
        {"三级指标": "每公里成本", "指标值": "≤100万元", "人均成本": 0.02, "完成日期": "/"},
    ],
}


def check_read(s) -> None:
    # In the order the pack declares them, wherever the input gives them.
    assert s.project.fields == (("原因说明", "资金晚到"), ("是否有负外部性", True), ("达成率", Decimal("0.845")),
                                ("服务范围", ("东村", "西村", "南村")))
    assert s.project.field("服务对象") is None
    a, b = s.indicators
    assert a.fields == (("偏差说明", "雨季停工"), ("人均成本", Decimal("0.012")), ("完成日期", dt.date(2023, 12, 31)),
                        ("受益人数", Decimal("1200")))
    assert b.fields == (("人均成本", Decimal("0.02")),)
    assert a.extra == (("用途", "x"),)
    assert [(n.kind, n.zh) for n in s.notes] == [("unknown_key", "指标中的未知键「用途」，其值原样保留")]


def test_yaml_keys_at_project_and_top_level_and_per_indicator(tmp_path):
    import yaml
    f = tmp_path / "a.yaml"
    f.write_text(yaml.safe_dump(DOC, allow_unicode=True, sort_keys=False), encoding="utf-8")
    check_read(load(f, field_specs=SPECS))


def test_json_and_json_lines_records(tmp_path):
    f = tmp_path / "a.json"
    text = json.dumps(DOC, ensure_ascii=False)
    f.write_text(text, encoding="utf-8")
    check_read(load(f, field_specs=SPECS))
    check_read(load_record(text, "a.jsonl:1", field_specs=SPECS))


def test_without_declarations_the_same_keys_are_noted_as_today(tmp_path):
    s = load_mapping(DOC, "x")
    assert s.project.fields == () and s.indicators[0].fields == ()
    kinds = sorted((n.kind, n.zh) for n in s.notes)
    assert ("unknown_key", "指标中的未知键「偏差情况说明」，其值原样保留") in kinds
    assert ("unknown_key", "项目中的未知键「reason」，其值原样保留") in kinds
    assert ("unknown_key", "顶层中的未知键「negative_externality」，其值原样保留") in kinds


def test_a_field_at_the_top_level_and_in_the_project_is_an_error():
    with pytest.raises(DataError) as e:
        load_mapping({"项目": {"原因说明": "a"}, "reason": "b", "绩效指标": [{"三级指标": "x"}]}, "x", field_specs=SPECS)
    assert e.value.zh == "「原因说明」在顶层和「项目」中各写了一次，只能写一次"


def form_rows(answer: object = "是") -> list[list[object]]:
    return [
        ["项目支出绩效自评表"],
        ["项目名称", "乡村道路改造", "主管部门", "交通局"],
        ["未完成原因", "资金晚到", "是否有负外部性", answer],
        ["服务对象：沿线村民"],
        ["一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "偏差情况说明(100字以内)", "人均成本", "备注"],
        ["产出指标", "数量指标", "改造道路长度", "≥5公里", "4公里", "雨季停工", "120元", "x"],
        ["成本指标", "经济成本指标", "每公里成本", "≤100万元", "84万元", None, "200元", None],
    ]


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


@pytest.mark.parametrize("write", [write_xlsx, write_csv], ids=["xlsx", "csv"])
def test_forms_read_header_block_labels_and_grid_columns(tmp_path, write):
    f = write(tmp_path / ("form.xlsx" if write is write_xlsx else "form.csv"), form_rows())
    s = load(f, field_specs=SPECS)
    assert s.project.name == "乡村道路改造"
    assert s.project.fields == (("原因说明", "资金晚到"), ("服务对象", "沿线村民"), ("是否有负外部性", True))
    a, b = s.indicators
    assert a.fields == (("偏差说明", "雨季停工"), ("人均成本", Decimal("0.012")))
    assert b.fields == (("人均成本", Decimal("0.02")),)
    assert a.extra == (("备注", "x"),)
    # The declared column is not an unknown column; the kept one is still noted.
    assert [n.kind for n in s.notes if n.kind in ("unknown_column", "unread_row")] == []
    assert [n.zh for n in s.notes if n.kind == "kept_column"] == ["指标表中的「备注」不是检查字段，其值原样保留"]


@pytest.mark.parametrize("write", [write_xlsx, write_csv], ids=["xlsx", "csv"])
def test_without_declarations_a_form_reports_those_cells_unread_as_today(tmp_path, write):
    f = write(tmp_path / ("form.xlsx" if write is write_xlsx else "form.csv"), form_rows())
    s = load(f)
    assert s.project.fields == () and s.indicators[0].fields == ()
    got = [(n.kind, n.where.row, n.zh) for n in s.notes if n.kind in ("unknown_column", "unread_row")]
    assert got == [
        ("unread_row", 3, "未读取的内容：A「未完成原因」、B「资金晚到」、C「是否有负外部性」、D「是」"),
        ("unread_row", 4, "未读取的内容：A「服务对象：沿线村民」"),
        ("unknown_column", 6, "指标表中的未知列「偏差情况说明」，其值原样保留"),
        ("unknown_column", 6, "指标表中的未知列「人均成本」，其值原样保留（共2行）"),
    ]


def test_a_project_field_from_the_project_info_side_file(tmp_path):
    rows = form_rows()[4:]
    f = write_csv(tmp_path / "表.csv", rows)
    write_csv(tmp_path / "表.项目信息.csv", [["名称", "乡村道路改造"], ["negative_externality", "否"],
                                             ["服务范围", "东村、西村"]])
    s = load(f, field_specs=SPECS)
    assert s.project.fields == (("是否有负外部性", False), ("服务范围", ("东村", "西村")))


@pytest.mark.parametrize("write,where", [
    (write_xlsx, "form.xlsx 工作表「自评表」 第3行 列「D 是否有负外部性」"),
    (write_csv, "form.csv 第3行 列「D 是否有负外部性」"),
], ids=["xlsx", "csv"])
def test_a_value_not_of_its_type_is_a_located_error(tmp_path, write, where):
    f = write(tmp_path / ("form.xlsx" if write is write_xlsx else "form.csv"), form_rows("可能"))
    with pytest.raises(DataError) as e:
        load(f, field_specs=SPECS)
    assert str(e.value.where).endswith(where), str(e.value.where)
    assert e.value.zh == "「是否有负外部性」应为「是」或「否」，这里是「可能」"
    assert e.value.en == "是否有负外部性 must be yes or no (是/否), not '可能'"
    assert e.value.hint == "可写 是/否、有/无、yes/no、true/false (write 是 or 否)"


def test_type_errors_in_yaml_name_the_line_and_key(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("项目:\n  名称: x\n  达成率: 1.5\n绩效指标:\n  - 三级指标: a\n    人均成本: 很多\n"
                 "    完成日期: 2023-02-30\n", encoding="utf-8")
    with pytest.raises(ErrorGroup) as e:
        load(f, field_specs=SPECS)
    got = [(x.where.row, x.where.key, x.zh) for x in e.value.errors]
    assert got == [
        (3, "$.项目.达成率", "「达成率」的「1.5」不明确：是 1.5% 还是 1.5 倍？"),
        (6, "$.绩效指标[1].人均成本", "「人均成本」：「很多」不是数字"),
        (7, "$.绩效指标[1].完成日期", "「完成日期」应为日期，这里是「2023-02-30」"),
    ]


def test_a_template_prompt_in_a_declared_text_cell_is_blank():
    s = load_mapping({"项目": {"原因说明": "请说明原因(100字以内)"}, "绩效指标": [{"三级指标": "a"}]}, "x",
                     field_specs=SPECS)
    assert s.project.field("原因说明") is None
    assert [n.kind for n in s.notes] == ["placeholder"]


# ---- values by type (properties) --------------------------------------------------------------

TEXT = D.FieldSpec("说明", "project", "text")


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).map(str.strip)
       .filter(lambda t: t and not is_prompt(t)))
def test_any_text_round_trips_through_a_declared_field(t):
    for scope in ("project", "indicator"):
        spec = D.FieldSpec("说明", scope, "text")
        doc = {"项目": {"说明": t}, "绩效指标": [{"三级指标": "a"}]} if scope == "project" else \
            {"绩效指标": [{"三级指标": "a", "说明": t}]}
        s = load_mapping(doc, "x", field_specs=(spec,))
        owner = s.project if scope == "project" else s.indicators[0]
        assert owner.field("说明") == t


def _variants(word: str):
    return st.sampled_from([word, word.upper(), f" {word} ", unicodedata.normalize("NFKC", word),
                            "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)])


@given(st.sampled_from(sorted(D.YES | D.NO)).flatmap(lambda w: st.tuples(st.just(w), _variants(w))))
def test_yes_no_reads_every_accepted_spelling(pair):
    word, written = pair
    spec = D.FieldSpec("是否", "project", "yes-no")
    assert D.convert(spec, written) is (word in D.YES)


def _folded(t: str) -> str:
    return "".join(unicodedata.normalize("NFKC", t).split()).lower().rstrip("。.")


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
       .filter(lambda t: _folded(t) not in D.YES | D.NO and t.strip() not in D_BLANKS and t.strip()))
def test_yes_no_refuses_anything_else(t):
    spec = D.FieldSpec("是否", "project", "yes-no")
    with pytest.raises(Bad) as e:
        D.convert(spec, t)
    assert e.value.zh.startswith("「是否」应为「是」或「否」，这里是")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
       st.sampled_from(["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y.%m.%d}", "{d.year}年{d.month}月{d.day}日", "{:%Y%m%d}"]))
def test_dates_read_in_every_written_form(d, form):
    text = form.format(d, d=d)
    assert D.convert(D.FieldSpec("日", "indicator", "date"), text) == d
    assert D.convert(D.FieldSpec("日", "indicator", "date"), dt.datetime(d.year, d.month, d.day)) == d


@given(st.decimals(min_value=0, max_value=1, places=4))
def test_a_rate_written_as_a_percentage_is_its_fraction(x):
    got = D.convert(D.FieldSpec("率", "project", "rate"), f"{x * 100}%")
    assert got == x


# ---- rules on declared fields ----------------------------------------------------------------

def findings(pack, doc) -> list[tuple[str, str, str]]:
    iset = load_mapping(doc, "x", field_specs=pack.fields)
    return [(f.rule, f.target, f.message) for f in run([pack], iset).findings]


def test_rules_on_declared_fields_fire_and_stay_quiet(tmp_path):
    pack = load_pack(str(make_pack(tmp_path / "p")))
    bad = {"项目": {"名称": "a", "服务对象": "村民"}, "是否有负外部性": "是", "预算": {"年度预算": 100, "支出": 84},
           "绩效指标": [{"一级指标": "成本指标", "二级指标": "经济成本指标", "三级指标": "每公里成本", "指标值": "≤100万元",
                     "人均成本": "600元"}]}
    got = findings(pack, bad)
    # The wording of a failed comparison is the expression code's; here: who fires, on what figures.
    assert [(r, t) for r, t, _ in got] == [("SC-02", "项目"), ("SC-08", "项目"), ("SC-11", "项目"),
                                           ("SC-12", "绩效指标[1] 每公里成本"), ("SC-13", "绩效指标[1] 每公里成本")]
    assert got[0][2] == "原因说明为空" and got[4][2] == "偏差说明为空"
    assert got[1][2].startswith("是否有负外部性 = 是（是 = 是），但不满足「计数(二级指标 属于 [社会成本指标, 生态环境成本指标]) ≥ 1」")
    assert got[2][2].startswith("服务对象 非空（村民 非空），但不满足「计数(一级指标 是 满意度指标) ≥ 1」")
    assert got[3][2].startswith("人均成本 为 0.06万元")
    good = {"项目": {"名称": "a", "reason": "资金晚到"}, "negative_externality": "否",
            "预算": {"年度预算": 100, "支出": 84},
            "绩效指标": [{"一级指标": "成本指标", "二级指标": "社会成本", "三级指标": "交通影响", "指标值": "无投诉",
                      "人均成本": "300元", "偏差说明": "无偏差"}]}
    assert findings(pack, good) == []


def test_a_missing_project_field_in_a_condition_is_undecided_not_silent(tmp_path):
    pack = load_pack(str(make_pack(tmp_path / "p")))
    got = findings(pack, {"绩效指标": [{"三级指标": "a", "偏差说明": "x"}]})
    assert ("SC-08", "项目", "是否有负外部性未填写，无法判断「是否有负外部性 = 是」是否成立 (是否有负外部性 not given: "
                             "cannot tell whether it holds)") in got


def test_a_pack_with_declared_fields_checks_files_through_the_pipeline(tmp_path):
    pack = make_pack(tmp_path / "p")
    f = write_xlsx(tmp_path / "form.xlsx", form_rows())
    (o,) = check([str(f)], [str(pack)])
    assert o.kind == "result"
    assert [x.message.split("，")[0] for x in o.result.findings if x.rule == "SC-08"] == ["是否有负外部性 = 是（是 = 是）"]
    assert not [x for x in o.result.findings if x.rule == "SC-02"]
    assert not [n for n in o.result.input_notes if n.kind in ("unknown_column", "unread_row")]


def test_pack_examples_are_read_with_the_packs_declarations(tmp_path):
    folder = make_pack(tmp_path / "p")
    (folder / "x.examples.yaml").write_text(
        "- 用例: 说明了原因\n  规则: SC-02\n  应触发: false\n"
        "  输入: {项目: {reason: 晚了}, 预算: {年度预算: 10, 支出: 5}, 绩效指标: [{三级指标: a}]}\n"
        "- 用例: 偏差说明为空\n  规则: SC-13\n  应触发: true\n  指标: {三级指标: a, 偏差情况说明: \"/\"}\n",
        encoding="utf-8")
    pack = load_pack(str(folder))
    assert [run_case(pack, c).ok for c in cases_of(pack)] == [True, True]


# ---- presence fails closed ---------------------------------------------------------------------

PRESENCE = """规则 P-01
  类别 须 非空
规则 P-02
  主管部门 须 非空
规则 P-04
  每个指标: 分值 须 非空
规则 P-05
  每个指标: 偏差原因 须 非空
规则 P-07
  类别 须 为空
规则 P-08
  每个指标: 分值 须 为空
规则 P-09
  每个指标 其中 得分 为空: 实际完成值 须 非空
规则 P-10
  当 阶段 是 申报
  类别 须 非空
规则 P-11
  评价结论 须 非空
"""
PRESENCE_DECLARED = """规则 P-03
  原因说明 须 非空
规则 P-06
  每个指标: 人均成本 须 非空
规则 P-12
  若 人均成本 为空 则 偏差说明 须 非空
"""
BARE = {"阶段": "自评", "绩效指标": [{"三级指标": "培训人数", "指标值": "≥100人"}]}
FULL = {"阶段": "申报", "项目": {"类别": "信息化运维", "主管部门": "局", "原因说明": "x"}, "陈述": {"评价结论": "好"},
        "绩效指标": [{"三级指标": "a", "分值": 10, "得分": 10, "偏差原因": "无偏差", "人均成本": 1, "实际完成值": "1个"}]}


def test_presence_fails_closed_for_built_in_project_and_indicator_fields(tmp_path):
    pack = load_pack(str(make_pack(tmp_path / "p", "name: p\n", PRESENCE)))
    result = run([pack], load_mapping(BARE, "x"))
    # (P-09's message carries a "（填写为「（空）」）" for a blank 实际完成值 today: checks.Requirement's wording.)
    assert [(f.rule, f.message[:7]) for f in result.findings] == [
        ("P-01", "类别为空"), ("P-02", "主管部门为空"), ("P-04", "分值为空"), ("P-05", "偏差原因为空"),
        ("P-09", "实际完成值为空")]
    # Not applicable only where the rule's scope does not apply, or the form has no such part.
    assert {x.rule: x.reason for x in result.not_applicable} == {
        "P-10": "仅当「阶段 是 申报」时适用 (applies only when 阶段 是 申报)",
        "P-11": "表中没有「评价结论」 (no 评价结论 on the form)"}


def test_presence_fails_closed_for_declared_fields(tmp_path):
    pack = load_pack(str(make_pack(tmp_path / "p", rules=PRESENCE_DECLARED)))
    result = run([pack], load_mapping(BARE, "x", field_specs=pack.fields))
    assert [(f.rule, f.message) for f in result.findings] == [
        ("P-03", "原因说明为空"), ("P-06", "人均成本为空"), ("P-12", "偏差说明为空")]
    assert result.not_applicable == ()


def test_presence_is_satisfied_when_the_data_is_given(tmp_path):
    pack = load_pack(str(make_pack(tmp_path / "p", "name: p\n", PRESENCE)))
    assert {f.rule for f in run([pack], load_mapping(FULL, "x")).findings} == {"P-07", "P-08"}
    pack = load_pack(str(make_pack(tmp_path / "q", rules=PRESENCE_DECLARED)))
    assert run([pack], load_mapping(FULL, "x", field_specs=pack.fields)).findings == ()


# ---- 成本指标: both layouts ---------------------------------------------------------------------

def test_the_101_cost_categories_are_built_in():
    assert "成本指标" in LEVEL1
    assert {k: LEVEL2[k] for k in ("成本指标", "经济成本指标", "社会成本指标", "生态环境成本指标")} == {
        "成本指标": "产出指标", "经济成本指标": "成本指标", "社会成本指标": "成本指标", "生态环境成本指标": "成本指标"}
    assert [DEFAULT_SYNONYMS.canonical(x) for x in ("经济成本", "社会成本", "生态环境成本", "成本")] == [
        "经济成本指标", "社会成本指标", "生态环境成本指标", "成本指标"]


ROWS_101 = [
    {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "改造道路长度", "指标值": "≥5公里", "计算方法": "按验收长度"},
    {"一级指标": "产出指标", "二级指标": "质量指标", "三级指标": "工程验收合格率", "指标值": "100%", "计算方法": "合格数÷总数"},
    {"一级指标": "产出指标", "二级指标": "时效指标", "三级指标": "完工时间", "指标值": "12月底前"},
    {"一级指标": "成本指标", "二级指标": "经济成本指标", "三级指标": "每公里改造成本", "指标值": "≤200万元", "计算方法": "总成本÷长度"},
    {"一级指标": "成本指标", "二级指标": "社会成本", "三级指标": "施工期间交通事故", "指标值": "0起", "计算方法": "统计"},
    {"一级指标": "成本指标", "二级指标": "生态环境成本指标", "三级指标": "施工扬尘排放量", "指标值": "≤10吨", "计算方法": "监测"},
    {"一级指标": "效益指标", "二级指标": "社会效益指标", "三级指标": "通行时间缩短", "指标值": "≥10%", "计算方法": "测算"},
    {"一级指标": "满意度指标", "二级指标": "服务对象满意度指标", "三级指标": "沿线居民满意度", "指标值": "≥90%",
     "计算方法": "问卷调查"},
]
ROWS_OLD = [dict(r, 一级指标="产出指标", 二级指标="成本指标") if r["一级指标"] == "成本指标" else r
            for r in ROWS_101 if r["二级指标"] not in ("社会成本", "生态环境成本指标")]
CATEGORY_RULES = ("N-08", "N-14", "N-16", "N-25")


@pytest.mark.parametrize("rows", [ROWS_101, ROWS_OLD], ids=["101号", "旧布局"])
def test_neither_cost_layout_raises_a_category_finding(rows):
    national = load_pack("national")
    iset = load_mapping({"阶段": "申报", "绩效指标": rows}, "x")
    assert [(f.rule, f.target) for f in run([national], iset).findings if f.rule in CATEGORY_RULES] == []


def test_a_wrong_second_level_under_cost_is_still_a_finding():
    national = load_pack("national")
    iset = load_mapping({"绩效指标": [{"一级指标": "成本指标", "二级指标": "数量指标", "三级指标": "设备采购数量",
                                    "指标值": "≥10台"}]}, "x")
    assert [f.rule for f in run([national], iset).findings if f.rule == "N-08"] == ["N-08"]


def test_rules_can_name_the_101_categories_and_a_synonym_maps_a_local_spelling(tmp_path):
    rules = ("同义 生态环境成本指标: 环境成本指标\n"
             "规则 C-01\n  计数(二级指标 属于 [社会成本指标, 生态环境成本指标]) ≥ 1\n")
    pack = load_pack(str(make_pack(tmp_path / "p", "name: p\n", rules)))
    one = {"绩效指标": [{"一级指标": "成本指标", "二级指标": "环境成本指标", "三级指标": "扬尘", "指标值": "≤1吨"}]}
    none = {"绩效指标": [{"一级指标": "成本指标", "二级指标": "经济成本", "三级指标": "单价", "指标值": "≤1元"}]}
    assert [f.rule for f in run([pack], load_mapping(one, "x")).findings] == []
    assert [f.rule for f in run([pack], load_mapping(none, "x")).findings] == ["C-01"]
