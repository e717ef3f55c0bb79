"""The runner and packs: extension and overrides, years, determinism, exit codes, -o."""

import json
import os
import random
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfrules.cli import main
from perfrules.data.indicators import Budget, Indicator, IndicatorSet, Project
from perfrules.engine.packs import load_pack
from perfrules.engine.runner import run
from perfrules.errors import PackError

HERE = Path(__file__).parent
ROOT = HERE.parent

ROWS = (
    Indicator(level1="产出指标", level2="数量指标", name="运维项目完成数量", target="5个", actual="5个"),
    Indicator(level1="效益指标", level2="社会效益指标", name="/", target="保障政务网络光纤通畅"),
    Indicator(level1="效益指标", level2="生态效益指标", name="项目有效高质", target="提升"),
)


def iset(rows=ROWS, spent="428.54", year=2023):
    return IndicatorSet(rows, project=Project(name="测试项目", categories=["信息化运维"], year=year),
                        budget=Budget(annual=D("507.74"), spent=D(spent)), stage="自评", source="t.yaml")


def rules_hit(result):
    return sorted({(f.rule, f.severity) for f in result.findings})


def _child_with_base(tmp_path) -> Path:
    """tests/packs/child with the base it extends inside its folder (extends stays inside a pack)."""
    import shutil
    child = shutil.copytree(HERE / "packs" / "child", tmp_path / "child")
    shutil.copytree(HERE / "packs" / "base", child / "base")
    manifest = child / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("[../base]", "[base]"), encoding="utf-8")
    return child


def test_child_pack_extends_overrides_and_disables(tmp_path):
    base = load_pack(str(HERE / "packs" / "base"))
    child = load_pack(str(_child_with_base(tmp_path)))
    assert base.label == "base@2.0" and child.label == "child@1.1"
    assert {r.id for r in base.compiled.rules} == {"B-01", "B-02", "B-03"}
    assert {r.id for r in child.compiled.rules} == {"B-01", "B-02", "C-01"}  # B-03 off, C-01 added
    got_base, got_child = rules_hit(run([base], iset())), rules_hit(run([child], iset()))
    assert ("B-02", "error") in got_base and ("B-03", "warning") in got_base
    assert ("B-02", "warning") in got_child and not any(r == "B-03" for r, _ in got_child)
    assert ("C-01", "info") in got_child
    # The child keeps the parent's score items without copying them.
    sheet = run([child], iset()).score  # no evaluator scores needed: every item is computed
    assert len(child.compiled.items) == 2
    assert [(i.path, str(i.score)) for i in sheet.items] == [("管理/支出完成率", "6.10")]
    assert (str(sheet.total), sheet.grade) == ("6.10", "差")


def test_manifest_naming_an_unknown_rule_is_an_error(tmp_path):
    import shutil
    shutil.copytree(HERE / "packs" / "base", tmp_path / "base")
    (tmp_path / "pack.yaml").write_text("name: x\nextends: [base]\ndisable: [B-99]\n", encoding="utf-8")
    with pytest.raises(PackError) as e:
        load_pack(str(tmp_path))
    assert "B-99" in e.value.render()


def test_score_sheet_veto_caps_the_grade_at_the_boundary():
    pack = load_pack(str(HERE / "packs" / "base"))
    # 304.64 / 507.74 = 59.998% → veto; 304.644 / 507.74 = 60.0000…% → none.
    low, edge = run([pack], iset(spent="304.64")), run([pack], iset(spent="304.644"))
    assert any(f.severity == "veto" for f in low.findings)
    assert not any(f.severity == "veto" for f in edge.findings)


def test_result_is_deterministic_and_independent_of_rule_order(tmp_path):
    pack = load_pack(str(HERE / "packs" / "base"))
    a = json.dumps(run([pack], iset()).to_dict(), ensure_ascii=False)
    assert a == json.dumps(run([pack], iset()).to_dict(), ensure_ascii=False)
    text = (HERE / "packs" / "base" / "base.rules").read_text(encoding="utf-8")
    blocks = text.strip().split("\n\n")
    random.Random(7).shuffle(blocks)
    (tmp_path / "pack.yaml").write_text((HERE / "packs" / "base" / "pack.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    (tmp_path / "base.rules").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    shuffled = load_pack(str(tmp_path))
    strip = lambda r: [(f.rule, f.target, f.message, f.severity) for f in r.findings]  # noqa: E731
    assert strip(run([shuffled], iset())) == strip(run([pack], iset()))


def test_reordering_indicators_changes_only_positions():
    pack = load_pack("national")
    fwd, rev = run([pack], iset()), run([pack], iset(rows=tuple(reversed(ROWS))))
    name = lambda t: t.split(" ", 1)[1]  # noqa: E731  "绩效指标[3] 项目有效高质" → the name
    key = lambda r: sorted((f.rule, name(f.target) if f.target.startswith("绩效指标") else f.target,  # noqa: E731
                            f.message) for f in r.findings)
    assert key(fwd) == key(rev)
    assert [f.target for f in fwd.findings] != [f.target for f in rev.findings]


def cli(*args, cwd=ROOT):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)


def test_exit_codes_and_fail_on():
    clean = "examples/panyu-2023-ops/申报.yaml"
    assert cli("check", clean).exit_code == 0  # warnings and info only: below the default "error"
    assert cli("check", clean, "--fail-on", "warning").exit_code == 1
    assert cli("check", "examples/panyu-2023-ops/自评.yaml").exit_code == 1  # errors
    r = cli("check", "examples/nowhere.yaml")
    assert r.exit_code == 2 and "找不到输入文件" in r.output and "Traceback" not in r.output
    r = cli("check", clean, "-p", "no-such-pack")
    assert r.exit_code == 2 and "national" in r.output


def test_output_file_is_written_whole(tmp_path):
    out = tmp_path / "result.json"
    r = cli("check", "examples/panyu-2023-ops/申报.yaml", "--format", "json", "-o", str(out))
    assert r.exit_code == 0 and r.output == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["packs"] == ["national@1.0"]
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temp file left behind


def test_years_pick_packs_and_say_when_none_covers(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("项目: {名称: 远期项目, 年度: 2035}\n绩效指标:\n  - {三级指标: 甲, 指标值: 提升}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(f)])
    assert "没有覆盖 2035 年度" in r.output
    assert r.exit_code == 1  # still checked with the default packs
    p = load_pack("panyu-project-2023")
    assert p.covers(2023) and not p.covers(2022) and load_pack("national").covers(2023)


def test_not_applicable_is_listed_on_request():
    r = cli("check", "examples/panyu-2023-ops/申报.yaml", "--show-na")
    assert "不适用 (not applicable)" in r.output and "仅当「阶段 是 自评」时适用" in r.output
    assert "不适用 (not applicable)\n" not in cli("check", "examples/panyu-2023-ops/申报.yaml").output


def test_a_local_file_named_like_a_bundled_pack_does_not_replace_it(tmp_path, monkeypatch):
    """`touch national` (or a forged national/ folder) in the working folder must not stand
    in for the bundled pack; a local pack of that name is given as ./national."""
    from perfrules.engine.packs import bundled_root, load_pack
    monkeypatch.chdir(tmp_path)
    (tmp_path / "national").mkdir()
    (tmp_path / "national" / "pack.yaml").write_text("name: national\nversion: '1.0'\n", encoding="utf-8")
    real = load_pack("national")
    assert real.path.startswith(str(bundled_root())) and len(real.compiled.rules) > 10
    forged = load_pack("./national")
    assert len(forged.compiled.rules) == 0
