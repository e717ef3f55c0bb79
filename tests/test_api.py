"""The public Python API (perfrules/__init__.py, docs/api.md): load from a path, bytes or a
mapping; Pack.from_text / from_folder built as a folder is; check; every public name typed and
exported; the lazy import kept; reuse of a pack across threads."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

import perfrules
from perfrules import DataError, ErrorGroup, Pack, PackError, PerfrulesError, UsageError, errors

ROOT = Path(__file__).resolve().parent.parent
OPS = ROOT / "examples" / "panyu-2023-ops"
NATIONAL = ROOT / "policies" / "national"


# ---- the names ---------------------------------------------------------------------------------

def _type_checking_names() -> set[str]:
    tree = ast.parse((ROOT / "perfrules" / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    return {a.asname or a.name for n in block.body if isinstance(n, ast.ImportFrom) for a in n.names}


def test_every_public_name_resolves_and_type_checkers_see_each_lazy_one():
    assert perfrules.__all__ == sorted(perfrules.__all__)
    for name in perfrules.__all__:
        assert getattr(perfrules, name) is not None, name
    assert _type_checking_names() == set(perfrules._WHERE)
    for name, where in perfrules._WHERE.items():  # each from the module the map names
        module = __import__(f"perfrules.{where}", fromlist=[name])
        assert getattr(perfrules, name) is getattr(module, name), name
    with pytest.raises(AttributeError):
        perfrules.chek  # noqa: B018


def test_every_exception_class_is_exported():
    classes = {n for n, x in vars(errors).items() if isinstance(x, type) and issubclass(x, PerfrulesError)
               and x.__module__ == errors.__name__}
    assert classes <= set(perfrules.__all__), classes - set(perfrules.__all__)
    assert {"ErrorGroup", "UsageError", "InternalError", "RuleSyntaxError", "RuleCompileError"} <= classes


def test_perfrules_help_does_not_import_lark_or_openpyxl():
    code = ("import sys; from click.testing import CliRunner; from perfrules.cli import main; "
            "import perfrules; r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'openpyxl', 'yaml')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# ---- load ----------------------------------------------------------------------------------------

def test_load_a_path_bytes_or_a_mapping_gives_the_same_set():
    from_path = perfrules.load(OPS / "自评.yaml")
    from_bytes = perfrules.load((OPS / "自评.yaml").read_bytes(), format="yaml", name="自评.yaml")
    sniffed = perfrules.load((OPS / "自评.yaml").read_bytes())
    import yaml
    doc = json.loads(json.dumps(yaml.safe_load((OPS / "自评.yaml").read_text(encoding="utf-8")), default=str))
    from_mapping = perfrules.load(doc)
    assert from_path.source == str(OPS / "自评.yaml") and from_bytes.source == "自评.yaml"
    assert sniffed.source == "<bytes>" and from_mapping.source == "<mapping>"
    for other in (from_bytes, sniffed, from_mapping):
        assert other.indicators == from_path.indicators and other.budget == from_path.budget
        assert other.project == from_path.project and other.scores == from_path.scores


def test_load_xlsx_bytes_sniffed_or_named():
    data = (OPS / "自评.xlsx").read_bytes()
    a = perfrules.load(data, name="up.xlsx")
    b = perfrules.load(bytearray(data), format="xlsx", name="up.xlsx")
    c = perfrules.load(OPS / "自评.xlsx", name="up.xlsx")
    assert a.indicators == b.indicators == c.indicators and a.source == "up.xlsx"
    with pytest.raises(DataError, match="Excel workbook"):
        perfrules.load(data, format="csv")
    with pytest.raises(UsageError, match="unknown input format"):
        perfrules.load(data, format="xls")


def test_load_csv_bytes_reads_no_side_files(tmp_path, monkeypatch):
    good = ROOT / "tests" / "loaders" / "good"
    monkeypatch.chdir(good)  # side files beside table.csv: bytes have no folder, so none is read
    from_bytes = perfrules.load((good / "table.csv").read_bytes(), format="csv", name="table.csv")
    from_path = perfrules.load("table.csv")
    assert from_bytes.indicators == from_path.indicators
    assert from_path.scores and not from_bytes.scores


def test_load_errors_are_located_and_grouped():
    with pytest.raises(ErrorGroup) as e:
        perfrules.load({"绩效指标": [{"分值": "很多"}, {"得分": -1}]}, name="req")
    assert [str(x.where) for x in e.value.errors] == ["req $.绩效指标[1].分值", "req $.绩效指标[2].得分"]
    with pytest.raises(DataError, match="绩效指标"):
        perfrules.load({"项目": {"名称": "x"}})
    with pytest.raises(DataError, match="the file is empty"):
        perfrules.load(b"   ", format="yaml")
    with pytest.raises(UsageError):
        perfrules.load(42)  # type: ignore[arg-type]


def test_load_a_workbook_of_several_projects(tmp_path):
    import openpyxl
    book = openpyxl.load_workbook(OPS / "自评.xlsx")
    book.copy_worksheet(book.worksheets[0]).title = "另一个"
    book.save(tmp_path / "two.xlsx")
    data = (tmp_path / "two.xlsx").read_bytes()
    with pytest.raises(DataError, match="load_all"):
        perfrules.load(data, name="two.xlsx")
    sets = perfrules.load_all(data, name="two.xlsx")
    assert len(sets) == 2 and sets[1].source == "two.xlsx#另一个"


def test_load_reads_the_fields_packs_declare():
    example = ROOT / "examples" / "sichuan-2023-selfeval" / "自评表.yml"
    plain = perfrules.load(example)
    declared = perfrules.load(example, packs="sichuan-selfeval-2023")
    assert not plain.project.fields and declared.project.fields
    assert any(n.kind == "unknown_key" for n in plain.notes)


# ---- packs ---------------------------------------------------------------------------------------

def _texts(folder: Path) -> dict[str, str]:
    return {f.relative_to(folder).as_posix(): f.read_text(encoding="utf-8")
            for f in sorted(folder.rglob("*")) if f.suffix == ".rules" or f.name == "pack.yaml"}


def _without_folders(result) -> list:
    """Findings with their sources cut to the file name (a folder and a text cite different paths)."""
    return [(f.rule, f.target, f.message, f.severity, f.source.rsplit("/", 1)[-1] if f.source else None)
            for f in result.findings]


@pytest.mark.parametrize("name", ["national", "panyu-project-2023", "sichuan-selfeval-2023"])
def test_from_text_builds_the_pack_its_folder_builds(name):
    folder = ROOT / "policies" / name
    from_folder = Pack.from_folder(folder)
    from_text = Pack.from_text(_texts(folder), name=name)
    assert from_text.label == from_folder.label == perfrules.load_pack(name).label
    assert [r.id for r in from_text.compiled.rules] == [r.id for r in from_folder.compiled.rules]
    assert [i.path for i in from_text.compiled.items] == [i.path for i in from_folder.compiled.items]
    assert from_text.scoring == from_folder.scoring and from_text.fields == from_folder.fields
    assert from_text.years == from_folder.years and from_text.disabled == from_folder.disabled
    assert from_text.rule_files == tuple(f"{name}/{f}" for f in _texts(folder) if f.endswith(".rules"))
    for example in (OPS / "评价.yaml", OPS / "自评.yaml"):
        iset = perfrules.load(example, packs=from_folder)
        a, b = perfrules.check(iset, from_folder), perfrules.check(iset, from_text)
        assert _without_folders(a) == _without_folders(b) and a.score == b.score


def test_from_text_one_text_names_and_manifest():
    text = '规则 T-01 「指标值须填写」 错误\n  每个指标: 指标值 不得为空\n'
    one = Pack.from_text(text)
    assert (one.name, one.version, one.rule_files, one.examples) == ("inline", "0", ("inline.rules",), ())
    named = Pack.from_text(text, name="局-2024", version="3")
    assert named.label == "局-2024@3"
    result = perfrules.check(perfrules.load({"绩效指标": [{"三级指标": "线路数"}]}), named)
    assert [(f.rule, f.source) for f in result.findings if f.rule == "T-01"] == [("T-01", "局-2024.rules:1")]
    stated = Pack.from_text({"a.rules": text}, name="x", manifest={"name": "y", "version": 2, "years": [2023, 2024],
                                                                   "disable": ["T-01"]})
    assert stated.label == "y@2" and stated.years == (2023, 2024) and stated.disabled == {"T-01"}
    assert not stated.compiled.rules
    as_yaml = Pack.from_text({"a.rules": text, "pack.yaml": "version: '5'\nextends: [national]\n"}, name="z")
    assert as_yaml.label == "z@5" and len(as_yaml.compiled.rules) > 1


def test_from_text_errors_are_those_of_files():
    with pytest.raises(ErrorGroup) as e:
        Pack.from_text({"a.rules": '规则 A 「一」 错误\n  指标值 不得为空\n  三级指标 长度 ≥\n',
                        "b.rules": '规则 B 「二」 错误\n  没有这个字段 不得为空\n'}, name="p")
    assert {x.where.file for x in e.value.errors} == {"p/a.rules", "p/b.rules"}
    with pytest.raises(PackError, match="did you mean years"):
        Pack.from_text("", manifest={"yeras": [2023, 2023]})
    with pytest.raises(PackError, match="line|行") as e2:
        Pack.from_text({"pack.yaml": "name: ok\nyears: [2023]\n"})
    assert e2.value.where.row == 2
    with pytest.raises(PackError, match="given twice"):
        Pack.from_text({"pack.yaml": ""}, manifest={})
    with pytest.raises(PackError, match="not a rule file"):
        Pack.from_text({"README.md": "x"})
    with pytest.raises(PackError, match="bundled pack"):
        Pack.from_text("", manifest={"extends": ["../national"]})
    with pytest.raises(PackError, match="invalid pack name"):
        Pack.from_text("", name="../x")
    with pytest.raises(PerfrulesError, match="surrogate"):
        Pack.from_text('规则 A 「\ud800」 错误\n  指标值 不得为空\n')


def test_from_folder_takes_folders_only(tmp_path):
    shutil.copytree(NATIONAL, tmp_path / "国家")
    assert Pack.from_folder(tmp_path / "国家").name == "national"
    with pytest.raises(PackError, match="not a folder"):
        Pack.from_folder(NATIONAL / "指标规范.rules")
    with pytest.raises(PackError, match="not a folder"):
        Pack.from_folder("national")  # a bundled name is load_pack's


# ---- check ---------------------------------------------------------------------------------------

def test_check_by_name_object_and_default():
    evaluation, declared = perfrules.load(OPS / "评价.yaml"), perfrules.load(OPS / "申报.yaml")
    by_name = perfrules.check(evaluation, "panyu-project-2023", related={"申报": declared})
    by_object = perfrules.check(evaluation, [perfrules.load_pack("panyu-project-2023")], related={"申报": declared})
    assert by_name.to_dict() == by_object.to_dict()
    assert (by_name.score.total, by_name.score.grade) == (Decimal("87.38"), "良")
    default = perfrules.check(perfrules.load(OPS / "自评.yaml"))
    assert default.packs == ("national@1.0",)
    record = default.to_dict()
    assert list(record)[0] == "schema_version" and record["schema_version"] == perfrules.SCHEMA_VERSION
    with pytest.raises(PackError):
        perfrules.check(evaluation, "no-such-pack")
    with pytest.raises(UsageError):
        perfrules.check(evaluation, [42])  # type: ignore[list-item]


def test_check_is_the_cli_run(tmp_path):
    from click.testing import CliRunner

    from perfrules.cli import main
    out = CliRunner().invoke(main, ["check", str(OPS / "自评.yaml"), "--format", "json"])
    cli = json.loads(out.stdout)
    api = perfrules.check(perfrules.load(str(OPS / "自评.yaml"))).to_dict()
    assert api == cli


def test_one_pack_serves_many_threads():
    pack = perfrules.load_pack("panyu-project-2023")
    declared = perfrules.load(OPS / "申报.yaml")
    sets = [perfrules.load(OPS / f) for f in ("评价.yaml", "自评.yaml", "申报.yaml")]
    sets.append(perfrules.load(ROOT / "examples" / "guangzhou-2022-dept" / "自评.yaml"))
    serial = [perfrules.check(s, pack, related={"申报": declared}).to_dict() for s in sets]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda k: perfrules.check(sets[k % len(sets)], pack, related={"申报": declared}).to_dict(),
                            range(200)))
    assert all(g == serial[k % len(sets)] for k, g in enumerate(got))


def test_schema_is_a_fresh_dict():
    a = perfrules.schema("result")
    a["title"] = "changed"
    assert perfrules.schema("result")["title"] != "changed"
