"""``check --annotate``: the command line's copies of input workbooks (the copies themselves are
tested in tests/test_annotate.py): one workbook → a file, several → a folder, none → exit 2,
never over an input or the output, the same with -j 2, and every original value kept."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from perfrules.cli import main

ROOT = Path(__file__).resolve().parent.parent
PANYU = ROOT / "examples" / "panyu-2023-ops"
FORM = ROOT / "examples" / "sichuan-2023-selfeval" / "自评表.xlsx"
SICHUAN = str(ROOT / "policies" / "sichuan-selfeval-2023")


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def values(path) -> dict:
    wb = openpyxl.load_workbook(path, data_only=False)
    return {ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def comments(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.row): c.comment.text for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.comment is not None}


def test_one_workbook_gives_one_annotated_copy_with_every_value_kept(tmp_path):
    src = tmp_path / "自评表.xlsx"
    shutil.copy(FORM, src)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "out" / "标注.xlsx"
    out.parent.mkdir()
    r = cli("check", src, "-p", SICHUAN, "--annotate", out, "--format", "json")
    assert r.exit_code == 1, r.output
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert values(out) == values(src)
    import json
    findings = json.loads(r.stdout)["findings"]
    rows = {f["location"]["row"] for f in findings if f.get("location", {}).get("row")}
    noted = comments(out)
    assert rows and rows <= {row for _, row in noted}  # each row finding on its row
    for f in findings:
        row = f.get("location", {}).get("row")
        if row:
            assert any(f["rule"] in text for (_, r_), text in noted.items() if r_ == row), f
    assert "已标注" in r.stderr


def test_several_workbooks_need_a_folder(tmp_path):
    r = cli("check", PANYU / "评价.xlsx", PANYU / "申报.xlsx", "--annotate", tmp_path / "a.xlsx")
    assert r.exit_code == 2 and "文件夹" in r.stderr and not (tmp_path / "a.xlsx").exists()
    r = cli("check", PANYU / "评价.xlsx", PANYU / "申报.xlsx", "--annotate", f"{tmp_path}/marked/")
    assert r.exit_code == 1, r.stderr
    made = sorted(p.name for p in (tmp_path / "marked").iterdir())
    assert made == ["申报（已标注）.xlsx", "评价（已标注）.xlsx"]
    for name in ("申报", "评价"):
        assert values(tmp_path / "marked" / f"{name}（已标注）.xlsx") == values(PANYU / f"{name}.xlsx")


def test_with_two_workers_the_copies_are_the_same(tmp_path):
    for j in ("1", "2"):
        r = cli("check", PANYU, "-j", j, "--annotate", f"{tmp_path}/j{j}/", "--format", "jsonl")
        assert r.exit_code == 1, r.stderr
    for p in (tmp_path / "j1").iterdir():
        assert p.read_bytes() == (tmp_path / "j2" / p.name).read_bytes()


def test_no_workbook_read_is_exit_2(tmp_path):
    r = cli("check", PANYU / "评价.yaml", "--annotate", tmp_path / "a.xlsx")
    assert r.exit_code == 2 and ".xlsx" in r.stderr and not (tmp_path / "a.xlsx").exists()


def test_the_copy_never_replaces_an_input_or_the_output(tmp_path):
    src = tmp_path / "表.xlsx"
    shutil.copy(FORM, src)
    before = src.read_bytes()
    r = cli("check", src, "-p", SICHUAN, "--annotate", src)
    assert r.exit_code == 2 and "输入" in r.stderr and src.read_bytes() == before
    r = cli("check", src, "-p", SICHUAN, "--annotate", tmp_path / "x.xlsx", "-o", tmp_path / "x.xlsx")
    assert r.exit_code == 2 and "同一个文件" in r.stderr
    r = cli("check", src, "-p", SICHUAN, "--annotate", tmp_path / "x.txt")
    assert r.exit_code == 2 and ".xlsx" in r.stderr
