"""Packs installed with pip (issue 17, item 5): a distribution's entry point in the group
``perfrules.packs`` names a package (or ``module:ATTR``, a path) whose sub-folders holding a
pack.yaml are packs, found by folder name after the bundled packs; `perfrules packs` lists
each with its origin.

An installed distribution is faked: a package folder and a ``*.dist-info`` folder (METADATA,
entry_points.txt) in tmp_path, on PYTHONPATH of a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOUND = str(ROOT / "examples/panyu-2023-ops/申报.yaml")


def a_pack(folder: Path, name: str, default: bool = False) -> Path:
    """A copy of a small bundled pack (national-selfeval, 4 rules) under another name."""
    dest = folder / name
    shutil.copytree(ROOT / "policies" / "national-selfeval", dest)
    manifest = dest / "pack.yaml"
    lines = [f"name: {name}" if ln.startswith("name:") else ln
             for ln in manifest.read_text(encoding="utf-8").splitlines() if not ln.startswith("default:")]
    manifest.write_text("\n".join(lines + (["default: true"] if default else [])) + "\n", encoding="utf-8")
    return dest


def distribution(site: Path, dist: str, version: str, entry_points: str) -> None:
    info = site / f"{dist}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[perfrules.packs]\n{entry_points}\n", encoding="utf-8")


def mybureau(site: Path, *packs: str, default: bool = False) -> Path:
    """mybureau_packs 1.0: a package folder holding the packs, named by its entry point."""
    pkg = site / "mybureau_packs"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    for name in packs:
        a_pack(pkg, name, default)
    distribution(site, "mybureau_packs", "1.0", "mybureau = mybureau_packs")
    return pkg


def run(site: Path, *args: str, cwd: Path | None = None):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    return subprocess.run([sys.executable, "-m", "perfrules", *args], cwd=cwd or site, env=env,
                          capture_output=True, text=True, timeout=300)


def row(out: str, name: str) -> list[str]:
    return [ln for ln in out.splitlines() if ln.split() and ln.split()[0] == name]


def test_a_pack_installed_as_a_plugin_is_listed_and_used_by_name(tmp_path):
    mybureau(tmp_path, "mybureau-pack")
    listed = run(tmp_path, "packs")
    assert listed.returncode == 0, listed.stderr
    (line,) = row(listed.stdout, "mybureau-pack")
    assert "插件 (plugin): mybureau_packs 1.0" in line
    assert "内置 (bundled)" in row(listed.stdout, "national")[0]
    p = run(tmp_path, "check", "-p", "mybureau-pack", SOUND, "--format", "json", "--fail-on", "veto")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["packs"] == ["mybureau-pack@1.0"]
    # -j 2: workers find it too; compile and explain by name
    p2 = run(tmp_path, "check", "-p", "mybureau-pack", SOUND, "--format", "json", "--fail-on", "veto", "-j", "2")
    assert p2.returncode == 0 and json.loads(p2.stdout)["packs"] == ["mybureau-pack@1.0"]
    c = run(tmp_path, "compile", "mybureau-pack")
    assert c.returncode == 0 and "4 条规则" in c.stdout


def test_an_entry_point_may_name_a_path(tmp_path):
    """``name = module:ATTR``: ATTR a path (str, PathLike or importlib.resources folder)."""
    pkg = tmp_path / "cityrules"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pathlib import Path\nPACKS_DIR = Path(__file__).parent / 'packs'\n",
                                     encoding="utf-8")
    a_pack(pkg / "packs", "city-2024")
    distribution(tmp_path, "cityrules", "2.3.1", "city = cityrules:PACKS_DIR")
    listed = run(tmp_path, "packs")
    assert "插件 (plugin): cityrules 2.3.1" in row(listed.stdout, "city-2024")[0]
    p = run(tmp_path, "check", "-p", "city-2024", SOUND, "--format", "json", "--fail-on", "veto")
    assert json.loads(p.stdout)["packs"] == ["city-2024@1.0"]


def test_a_bundled_name_wins_over_a_plugin_with_a_warning(tmp_path):
    mybureau(tmp_path, "national")
    listed = run(tmp_path, "packs")
    assert listed.returncode == 0
    rows = row(listed.stdout, "national")
    assert len(rows) == 2 and "内置" in rows[0] and "mybureau_packs 1.0" in rows[1] and "遮蔽" in rows[1]
    assert "有两个规则包名为「national」" in listed.stderr and "插件 (plugin): mybureau_packs 1.0" in listed.stderr
    p = run(tmp_path, "compile", "national")
    assert "40 条规则" in p.stdout  # the bundled pack, not the plugin's four rules


def test_plugin_packs_are_never_default_packs(tmp_path):
    mybureau(tmp_path, "mybureau-pack", default=True)
    p = run(tmp_path, "check", SOUND, "--format", "json", "--fail-on", "veto")
    assert json.loads(p.stdout)["packs"] == ["national@1.0"]
    (line,) = row(run(tmp_path, "packs").stdout, "mybureau-pack")
    assert line.split()[:5] == ["mybureau-pack", "1.0", "4", "4", "插件"]  # no 是 in the 默认 column


def test_a_broken_entry_point_is_named_and_skipped(tmp_path):
    distribution(tmp_path, "broken_packs", "0.1", "broken = no_such_module_here")
    mybureau(tmp_path, "mybureau-pack")
    listed = run(tmp_path, "packs")
    assert listed.returncode == 0
    assert "broken_packs" in listed.stderr and "no_such_module_here" in listed.stderr
    assert row(listed.stdout, "mybureau-pack")
    p = run(tmp_path, "check", "-p", "mybureau-packs", SOUND)
    assert p.returncode == 2
    assert "mybureau-packs" in p.stderr and "mybureau-pack" in p.stderr  # did you mean, and the list


def test_a_local_folder_does_not_stand_in_for_a_plugin_pack(tmp_path):
    """As for bundled names: a bare name is a pack's name first; ./name is the folder."""
    site = tmp_path / "site"
    mybureau(site, "mybureau-pack")
    work = tmp_path / "work"
    a_pack(work, "mybureau-pack")
    (work / "mybureau-pack" / "extra.rules").write_text(
        "规则 X-01 「多余的规则」 提示\n  每个指标: 实际完成值 须非空\n", encoding="utf-8")
    by_name = run(site, "compile", "mybureau-pack", cwd=work)
    by_path = run(site, "compile", "./mybureau-pack", cwd=work)
    assert "4 条规则" in by_name.stdout, by_name.stderr
    assert "5 条规则" in by_path.stdout, by_path.stderr
