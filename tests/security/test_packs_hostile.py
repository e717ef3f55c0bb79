"""Hostile and broken policy packs (issue 13, items 4 and 6): manifests, extends, examples, docs.

Every pack is built under ``tmp_path``; every run is a subprocess under CPU and memory limits
(``conftest.perfrules``), so a regression shows as a failure, not a hung machine.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from conftest import assert_contained, perfrules

RULE = "规则 X-01 「三级指标须有名称」 错误\n  每个指标: 三级指标 不得为空\n"
SECRET = "TOPSECRET-4c1f"


def make_pack(folder: Path, manifest: str | None = "name: p\n", rules: str | None = RULE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if manifest is not None:
        (folder / "pack.yaml").write_text(manifest, encoding="utf-8")
    if rules is not None:
        (folder / "x.rules").write_text(rules, encoding="utf-8")
    return folder


def out(p) -> str:
    return p.stdout + p.stderr


def refused(p) -> None:
    """Exit 2 with a message about the pack, not the internal-error net (E900) catching a crash."""
    assert_contained(p, 2)
    assert "PERFRULES_DEBUG" not in out(p), p.stderr[-2000:]


# ---- manifest types ------------------------------------------------------------------------

# (manifest text, the line the error must name); each raised a traceback, was silently
# ignored, or was refused without its line before.
BAD_TYPES = [
    ("name: p\nextends: 5\n", 2),
    ("name: p\nextends: [1]\n", 2),
    ("name: p\nextends: [{a: b}]\n", 2),
    ("name: p\nrounding: {places: abc}\n", 2),
    ("name: p\nrounding: 5\n", 2),
    ("name: p\nrounding: [2]\n", 2),
    ("name: p\nrounding: {places: 100000}\n", 2),
    ("name: 5\n", 1),
    ("name: [a, b]\n", 1),
    ("name: p\nversion: [1, 2]\n", 2),
    ("name: p\nversion: {a: 1}\n", 2),
    ("name: p\ndescription: [a]\n", 2),
    ("name: p\ndefault: [true]\n", 2),
    ("name: p\ndefault: 5\n", 2),
    ("name: p\nyears: abc\n", 2),
    ("name: p\nyears: [2020]\n", 2),
    ("name: p\nyears: [a, b]\n", 2),
    ("name: p\nyears: [2030, 2020]\n", 2),
    ("name: p\ngrades: [优]\n", 2),
    ("name: p\nseverity: [X-01]\n", 2),
    ("name: p\nseverity: {X-01: [error]}\n", 2),
    ("name: p\ndisable: 5\n", 2),
    ("name: p\ndisable: [[X-01]]\n", 2),
    ("name: p\nveto_cap: [中]\n", 2),
    ("name: p\naccept_stated: 5\n", 2),
    ("name: p\nmissing_data: [zero]\n", 2),
    ("name: p\nindicator_items: [产出指标]\n", 2),
    # Declared fields (issue 14): every part of a declaration is checked, at its own line.
    ("name: p\nfields: [原因说明]\n", 2),
    ("name: p\nfields: 5\n", 2),
    ("name: p\nfields:\n  原因说明: text\n", 3),
    ("name: p\nfields:\n  原因说明: {scope: [project]}\n", 3),
    ("name: p\nfields:\n  原因说明: {scope: project, type: {a: 1}}\n", 3),
    ("name: p\nfields:\n  原因说明: {scope: project, keys: 5}\n", 3),
    ("name: p\nfields:\n  原因说明: {scope: project, headers: [[x]]}\n", 3),
    ("name: p\nfields:\n  原因说明: {scope: project}\n  \"\\e[31m\": {scope: project}\n", 4),
]


@pytest.mark.parametrize("manifest,line", BAD_TYPES, ids=[m.split("\n")[-2] for m, _ in BAD_TYPES])
def test_a_manifest_value_of_the_wrong_type_is_a_located_error(tmp_path, manifest, line):
    pack = make_pack(tmp_path / "p", manifest)
    p = perfrules("compile", str(pack))
    refused(p)
    assert "pack.yaml" in p.stderr and f"第{line}行" in p.stderr, p.stderr


@pytest.mark.parametrize("key,meant", [("extend", "extends"), ("defualt", "default"),
                                       ("rounding_mode", "rounding"), ("veto-cap", "veto_cap")])
def test_an_unknown_manifest_key_is_refused_with_a_suggestion(tmp_path, key, meant):
    pack = make_pack(tmp_path / "p", f"name: p\n{key}: x\n")
    p = perfrules("compile", str(pack))
    refused(p)
    assert key in p.stderr and meant in p.stderr and "第2行" in p.stderr, p.stderr


@pytest.mark.parametrize("decl,key,meant", [("{scope: project, typ: text}", "typ", "type"),
                                            ("{scope: projct}", "projct", "project"),
                                            ("{scope: project, type: yesno_}", "yesno_", "yes-no")])
def test_a_mistyped_field_declaration_is_refused_with_a_suggestion(tmp_path, decl, key, meant):
    pack = make_pack(tmp_path / "p", f"name: p\nfields:\n  原因说明: {decl}\n")
    p = perfrules("compile", str(pack))
    refused(p)
    assert key in p.stderr and f"是否指「{meant}」" in p.stderr and "第3行" in p.stderr, p.stderr


def test_an_unknown_rounding_key_is_refused(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\nrounding: {place: 3}\n")
    p = perfrules("compile", str(pack))
    refused(p)
    assert "place" in p.stderr and "places" in p.stderr, p.stderr


def test_a_duplicate_manifest_key_is_refused(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\ndisable: []\ndisable: [X-01]\n")
    p = perfrules("compile", str(pack))
    refused(p)
    assert "disable" in p.stderr and "第3行" in p.stderr, p.stderr


def test_a_veto_cap_that_names_no_grade_is_refused(tmp_path):
    pack = make_pack(tmp_path / "p", 'name: p\ngrades: {A: "[50,100]", B: "[0,50)"}\nveto_cap: C\n')
    p = perfrules("compile", str(pack))
    refused(p)
    assert "veto_cap" in p.stderr and "第3行" in p.stderr, p.stderr


def test_a_huge_manifest_is_refused_before_it_is_parsed(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\n" + "# padding padding padding padding\n" * 200_000)
    p = perfrules("compile", str(pack), mem_mb=512)
    refused(p)
    assert "pack.yaml" in p.stderr


def _bomb(indent: str) -> str:
    """Nine anchored lists of ten, each of the one before: 10**9 leaves when walked."""
    rows = [f"{indent}- &a [x, x, x, x, x, x, x, x, x, x]\n"]
    rows += [f"{indent}- &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi")]
    return "".join(rows)


def test_an_alias_bomb_in_a_manifest_is_refused(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\ndescription:\n" + _bomb("  "))
    p = perfrules("compile", str(pack), cpu_s=20, timeout=60)
    refused(p)


def test_bundled_manifests_still_load():
    p = perfrules("packs")
    assert_contained(p, 0)
    assert "national-selfeval" in p.stdout


# ---- extends: confinement and cycles ---------------------------------------------------------

def _secret(tmp_path: Path) -> Path:
    s = tmp_path / "secret.txt"
    s.write_text(f"{SECRET} line one\n{SECRET} line two\n", encoding="utf-8")
    return s


@pytest.mark.parametrize("target", ["abs-file", "rel-file", "root", "parent", "sibling", "dotdot-inside"])
def test_extends_may_not_leave_the_pack_folder(tmp_path, target):
    secret = _secret(tmp_path)
    make_pack(tmp_path / "other", "name: other\n", RULE.replace("X-01", "O-01"))
    make_pack(tmp_path / "p" / "sub", "name: sub\n", None)
    spec = {"abs-file": str(secret), "rel-file": "../secret.txt", "root": "/", "parent": "..",
            "sibling": "../other", "dotdot-inside": "sub/../../other"}[target]
    pack = make_pack(tmp_path / "p", f"name: p\nextends: [{spec!r}]\n".replace("'", '"'))
    p = perfrules("compile", str(pack), cpu_s=20, timeout=40)
    refused(p)
    assert SECRET not in out(p) and "O-01" not in out(p)
    assert "-p" in p.stderr and "第2行" in p.stderr, p.stderr


def test_extends_of_etc_passwd_echoes_nothing(tmp_path):
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd here")
    pack = make_pack(tmp_path / "p", "name: p\nextends: [/etc/passwd]\n")
    p = perfrules("compile", str(pack))
    refused(p)
    assert "root:" not in out(p) and "/bin/" not in out(p)


def test_extends_a_folder_inside_the_pack(tmp_path):
    """The one path extends may name: a pack folder inside this one (its rules counted once)."""
    pack = make_pack(tmp_path / "p", "name: p\nextends: [base]\n", RULE.replace("X-01", "C-01"))
    make_pack(pack / "base", "name: base\nyears: [2020, 2021]\n", RULE)
    p = perfrules("compile", str(pack))
    assert_contained(p, 0)
    assert "2 条规则" in p.stdout


def test_extends_may_be_one_name_without_brackets(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\nextends: national\n")
    p = perfrules("compile", str(pack))
    assert_contained(p, 0)
    assert "41 条规则" in p.stdout, p.stdout


def test_a_pack_extending_itself_is_a_reported_cycle(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\nextends: [.]\n")
    p = perfrules("compile", str(pack), cpu_s=20, timeout=40)
    refused(p)
    assert "循环" in p.stderr and "cycle" in p.stderr, p.stderr


def test_a_pack_extending_itself_through_a_subfolder_is_a_reported_cycle(tmp_path):
    pack = make_pack(tmp_path / "p", "name: p\nextends: [sub/..]\n")
    (pack / "sub").mkdir()
    p = perfrules("compile", str(pack), cpu_s=20, timeout=40)
    refused(p)
    assert "循环" in p.stderr, p.stderr


def test_two_packs_extending_each_other_end_with_an_error(tmp_path):
    make_pack(tmp_path / "a", "name: a\nextends: [../b]\n")
    make_pack(tmp_path / "b", "name: b\nextends: [../a]\n")
    p = perfrules("compile", str(tmp_path / "a"), cpu_s=20, timeout=40)
    refused(p)
    assert "-p" in p.stderr


def test_a_cycle_of_named_packs_lists_the_cycle(tmp_path, monkeypatch):
    """Cycles between packs found by name (the bundled ones) list every step."""
    from perfrules.engine import packs
    from perfrules.errors import PackError
    root = tmp_path / "bundled"
    make_pack(root / "alpha", "name: alpha\nextends: [beta]\n", RULE)
    make_pack(root / "beta", "name: beta\nextends: [alpha]\n", RULE.replace("X-01", "Y-01"))
    monkeypatch.setattr(packs, "bundled_root", lambda: root)
    with pytest.raises(PackError) as e:
        packs.load_pack("alpha")
    text = e.value.render()
    assert "alpha → beta → alpha" in text, text


# ---- symlinks and special files ------------------------------------------------------------

needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks")


@needs_symlinks
@pytest.mark.parametrize("what", ["rules", "manifest", "folder"])
def test_a_symlink_out_of_a_pack_is_refused(tmp_path, what):
    outside = make_pack(tmp_path / "outside", "name: outside\n", f"# {SECRET}\n" + RULE.replace("X-01", "O-01"))
    pack = make_pack(tmp_path / "p", None if what == "manifest" else "name: p\n")
    if what == "rules":
        (pack / "linked.rules").symlink_to(outside / "x.rules")
    elif what == "manifest":
        (pack / "pack.yaml").symlink_to(outside / "pack.yaml")
    else:
        (pack / "linked").symlink_to(outside, target_is_directory=True)
    p = perfrules("compile", str(pack))
    refused(p)
    assert "符号链接" in p.stderr and "symlink" in p.stderr, p.stderr
    assert SECRET not in out(p) and "O-01" not in out(p)


@needs_symlinks
def test_a_symlinked_examples_file_out_of_a_pack_is_refused(tmp_path):
    outside = tmp_path / "outside.examples.yaml"
    outside.write_text(f"- 用例: {SECRET}\n  规则: X-01\n  应触发: true\n  指标: {{三级指标: ''}}\n",
                       encoding="utf-8")
    pack = make_pack(tmp_path / "p")
    (pack / "x.examples.yaml").symlink_to(outside)
    p = perfrules("test", str(pack))
    refused(p)
    assert "符号链接" in p.stderr and SECRET not in out(p), out(p)


@needs_symlinks
def test_a_symlink_inside_a_pack_to_its_own_file_is_read(tmp_path):
    pack = make_pack(tmp_path / "p")
    (pack / "rules").mkdir()
    (pack / "x.rules").rename(pack / "rules" / "x.rules")
    (pack / "here").symlink_to(pack / "rules", target_is_directory=True)  # not followed: read once
    p = perfrules("compile", str(pack))
    assert_contained(p, 0)
    assert "1 条规则" in p.stdout


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")


@needs_fifo
@pytest.mark.parametrize("name,command", [("y.rules", "compile"), ("pack.yaml", "compile"),
                                          ("y.examples.yaml", "test")])
def test_a_fifo_in_a_pack_does_not_block(tmp_path, name, command):
    pack = make_pack(tmp_path / "p", None if name == "pack.yaml" else "name: p\n")
    os.mkfifo(pack / name)
    p = perfrules(command, str(pack), timeout=20)
    refused(p)
    assert name in p.stderr, p.stderr


@needs_fifo
def test_a_fifo_given_as_a_rule_file_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "x.rules")
    p = perfrules("compile", str(tmp_path / "x.rules"), timeout=20)
    refused(p)


# ---- examples files through the input loader -------------------------------------------------

def test_an_alias_bomb_in_an_examples_file_is_refused(tmp_path):
    pack = make_pack(tmp_path / "p")
    (pack / "x.examples.yaml").write_text(
        "- 用例: a\n  规则: X-01\n  应触发: true\n  指标: {三级指标: '/', 指标值: 5次}\n  对象:\n" + _bomb("    "),
        encoding="utf-8")
    p = perfrules("test", str(pack), cpu_s=20, timeout=60)
    refused(p)


def test_a_duplicate_key_in_an_example_is_refused(tmp_path):
    pack = make_pack(tmp_path / "p")
    (pack / "x.examples.yaml").write_text(
        "- 用例: a\n  规则: X-01\n  应触发: true\n  应触发: false\n  指标: {三级指标: '/', 指标值: 5次}\n", encoding="utf-8")
    p = perfrules("test", str(pack))
    refused(p)
    assert "应触发" in p.stderr and "第4行" in p.stderr, p.stderr


def test_examples_still_run_with_booleans_and_numbers(tmp_path):
    pack = make_pack(tmp_path / "p")
    (pack / "x.examples.yaml").write_text(
        "- 用例: 空名称\n  规则: X-01\n  应触发: true\n  指标: {三级指标: '/', 指标值: 5次}\n"
        "- 用例: 有名称\n  规则: X-01\n  应触发: false\n  指标: {三级指标: 巡检次数, 指标值: 5次, 分值: 10}\n",
        encoding="utf-8")
    p = perfrules("test", str(pack))
    assert_contained(p, 0)
    assert "2 passed, 0 failed" in p.stdout


# ---- docs writes inside its folder only ------------------------------------------------------

@pytest.mark.parametrize("kind", ["absolute", "parent", "nested"])
def test_docs_never_writes_outside_the_output_folder(tmp_path, kind):
    victim = tmp_path / "victim"
    victim.mkdir()
    name = {"absolute": str(victim / "x"), "parent": "../victim/x", "nested": "a/../../victim/x"}[kind]
    pack = make_pack(tmp_path / "p", f'name: "{name}"\n')
    p = perfrules("docs", str(pack), "-o", str(tmp_path / "out"))
    refused(p)
    assert not (victim / "x.md").exists()
    assert list(victim.iterdir()) == []
    assert "name" in p.stderr and "第1行" in p.stderr, p.stderr


@needs_symlinks
def test_docs_does_not_write_through_a_symlink_out_of_the_output_folder(tmp_path):
    victim = tmp_path / "victim.md"
    victim.write_text("keep me\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "p.md").symlink_to(victim)
    pack = make_pack(tmp_path / "p", "name: p\n")
    p = perfrules("docs", str(pack), "-o", str(out_dir))
    refused(p)
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert "符号链接" in p.stderr, p.stderr


@pytest.mark.parametrize("name,shown", [("my pack", "my_pack.md"), (".hidden", "hidden.md")])
def test_docs_makes_a_plain_file_name_of_a_folder_name(tmp_path, name, shown):
    pack = make_pack(tmp_path / name, None)
    p = perfrules("docs", str(pack), "-o", str(tmp_path / "out"))
    assert_contained(p, 0)
    assert [x.name for x in (tmp_path / "out").iterdir()] == [shown]


@pytest.mark.parametrize("name", ["本局规则", "national-2024", "v1.2_x"])
def test_docs_writes_a_plain_name_into_the_output_folder(tmp_path, name):
    pack = make_pack(tmp_path / "p", f"name: {name}\n")
    p = perfrules("docs", str(pack), "-o", str(tmp_path / "out"))
    assert_contained(p, 0)
    assert (tmp_path / "out" / f"{name}.md").is_file()


@pytest.mark.parametrize("name", [".hidden", "a b", "a/b", "a\\b", "-x", ""])
def test_a_name_that_is_no_plain_identifier_is_refused(tmp_path, name):
    pack = make_pack(tmp_path / "p", f'name: "{name}"\n')
    p = perfrules("compile", str(pack))
    refused(p)
    assert "name" in p.stderr and "第1行" in p.stderr, p.stderr


# ---- packs shows where each pack comes from --------------------------------------------------

def test_packs_shows_each_packs_origin(tmp_path):
    pack = make_pack(tmp_path / "mine", "name: mine\n")
    p = perfrules("packs", "-p", str(pack))
    assert_contained(p, 0)
    header = p.stdout.splitlines()[0]
    assert "来源" in header, header
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith("mine"))
    assert str(pack) in line
    national = next(ln for ln in p.stdout.splitlines() if re.match(r"national\s", ln))
    assert "内置" in national
