"""Issue 13, items 4 (containment, writes that fail), 5 (inputs destroyed), 6 (input folders
left through symbolic links) and 10 (terminal and Markdown injection)."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys

import pytest
import yaml

from conftest import MEALS, ROOT, assert_contained, perfrules


def _meals(tmp_path, name="自评.yaml", **changes):
    d = yaml.safe_load(MEALS.read_text(encoding="utf-8"))
    for k, v in changes.items():
        d["绩效指标"][0][k] = v
    p = tmp_path / name
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return p


def _jsonl(tmp_path, n=5, name="all.jsonl"):
    d = yaml.safe_load(MEALS.read_text(encoding="utf-8"))
    p = tmp_path / name
    lines = []
    for i in range(n):
        d["项目"]["名称"] = f"项目{i}"
        lines.append(json.dumps(d, ensure_ascii=False))
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


# ---- 5: -o never destroys an input, nor lands where it is read back as one --------------------

@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
def test_output_naming_an_input_is_refused_and_the_input_kept(tmp_path, fmt):
    src = _jsonl(tmp_path) if fmt == "jsonl" else _meals(tmp_path)
    before = src.read_bytes()
    p = perfrules("check", str(src), "--format", fmt, "-o", str(src))
    assert_contained(p, 2)
    assert "输入" in p.stderr and "input" in p.stderr
    assert src.read_bytes() == before


def test_output_inside_a_scanned_folder_is_refused(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    _meals(folder)
    p = perfrules("check", str(folder), "--format", "jsonl", "-o", str(folder / "out.jsonl"))
    assert_contained(p, 2)
    assert not (folder / "out.jsonl").exists()
    sub = perfrules("check", str(tmp_path / "*.yaml"), str(folder / "*.yaml"), "-o", str(folder / "自评.yaml"))
    assert_contained(sub, 2)


def test_output_through_a_symbolic_link_keeps_the_link(tmp_path):
    src = _meals(tmp_path)
    real = tmp_path / "reports" / "real.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    os.chmod(real, 0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    p = perfrules("check", str(src), "--format", "json", "-o", str(link))
    assert_contained(p, (0, 1))
    assert link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["input"] == str(src)
    assert real.stat().st_mode & 0o777 == 0o640


def test_leftover_temporary_files_of_a_killed_run_are_cleaned(tmp_path):
    src = _meals(tmp_path)
    out = tmp_path / "out.json"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.json.perfrules-{dead.pid}-abc123"
    stale.write_text("half", encoding="utf-8")
    live = tmp_path / f".out.json.perfrules-{os.getpid()}-def456"  # a write still going on
    live.write_text("busy", encoding="utf-8")
    p = perfrules("check", str(src), "--format", "json", "-o", str(out))
    assert_contained(p, (0, 1))
    assert not stale.exists() and live.exists() and out.exists()
    assert [x.name for x in tmp_path.iterdir() if ".perfrules-" in x.name] == [live.name]


# ---- 4: writes that fail (a full disk, a read-only folder) -----------------------------------

def _full_disk(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _run_full(args, limit):
    p = subprocess.run([sys.executable, "-m", "perfrules", *args], cwd=ROOT, capture_output=True,
                       text=True, timeout=120, preexec_fn=_full_disk(limit))
    return p


def test_a_full_disk_leaves_a_batch_file_at_its_last_whole_line(tmp_path):
    src = _jsonl(tmp_path, n=20)
    out = tmp_path / "out.jsonl"
    p = _run_full(["check", str(src), "--format", "jsonl", "-o", str(out)], 5000)
    assert_contained(p, 2)
    assert "无法写入" in p.stderr and "cannot write" in p.stderr
    data = out.read_bytes()
    assert 0 < len(data) <= 5000 and data.endswith(b"\n")
    for line in data.decode("utf-8").splitlines():  # every line whole, no character cut
        json.loads(line)


@pytest.mark.parametrize("fmt", ["json", "table", "md"])
def test_a_full_disk_leaves_the_previous_output_and_no_temporary_file(tmp_path, fmt):
    src = _jsonl(tmp_path, n=20)
    out = tmp_path / "out.txt"
    out.write_text("previous", encoding="utf-8")
    p = _run_full(["check", str(src), "--format", fmt, "-o", str(out)], 3000)
    assert_contained(p, 2)
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["all.jsonl", "out.txt"]


def test_a_write_refused_by_the_file_system_is_exit_2_with_a_message(tmp_path, monkeypatch, capsys):
    """A read-only file system (the tests run as root, so permissions cannot show it)."""
    from perfrules import batch, outputs

    def refuse(*a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs.tempfile, "mkstemp", refuse)
    code = batch.check_command((str(_meals(tmp_path)),), (), "json", str(tmp_path / "out.json"))
    err = capsys.readouterr().err
    assert code == 2 and "无法写入" in err and "Read-only file system" in err


# ---- 4: one containment point: an unforeseen error in one project is its record --------------

def test_an_unforeseen_error_in_one_project_is_its_record_and_the_rest_go_on(tmp_path, monkeypatch, capsys):
    from perfrules import batch
    from perfrules.engine import runner
    src = _jsonl(tmp_path, n=3)
    real = runner.run

    def flaky(packs, iset, related=None, **kw):  # kw: the column-wise pre-pass's plan
        if iset.project.name == "项目1":
            raise KeyError("boom")
        return real(packs, iset, related, **kw)

    monkeypatch.setattr(runner, "run", flaky)
    code = batch.check_command((str(src),), (), "jsonl")
    out, err = capsys.readouterr()
    records = [json.loads(x) for x in out.splitlines()]
    assert code == 2 and len(records) == 3
    assert records[1]["error"]["code"] == "E900" and "KeyError" in records[1]["error"]["message"]
    assert records[0]["project"] == "项目0" and records[2]["project"] == "项目2"
    assert "Traceback" not in err and "内部错误" in err


def test_an_unforeseen_error_in_a_command_is_a_message_not_a_traceback(monkeypatch):
    from click.testing import CliRunner

    from perfrules import cli
    from perfrules.engine import packs

    def broken(*a, **k):
        raise ZeroDivisionError("x")

    monkeypatch.setattr(packs, "load_pack", broken)
    r = CliRunner().invoke(cli.main, ["compile", "national"])
    assert r.exit_code == 2 and "内部错误" in r.output and "internal error" in r.output
    assert "ZeroDivisionError" in r.output and r.exc_info[0] is SystemExit


# ---- 6: input folders are not left through symbolic links ------------------------------------

def test_a_symbolic_link_out_of_a_scanned_folder_is_refused_by_name(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    _meals(folder)
    secret = tmp_path / "secret.yaml"
    secret.write_text("项目: {名称: 机密内容XYZ}\n", encoding="utf-8")
    (folder / "link.yaml").symlink_to(secret)
    (folder / "gone.yaml").symlink_to(tmp_path / "nothing.yaml")
    p = perfrules("check", str(folder))
    assert_contained(p, 2)
    assert "机密内容XYZ" not in p.stdout + p.stderr
    assert "符号链接指向所检查的文件夹之外" in p.stderr and "符号链接指向的文件不存在" in p.stderr
    assert "义务教育营养改善计划专项资金" in p.stdout  # the real form is still checked


def test_a_pipe_in_a_scanned_folder_is_noted_not_opened(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    _meals(folder)
    os.mkfifo(folder / "pipe.yaml")
    p = perfrules("check", str(folder), "--strict", timeout=60)
    assert_contained(p, 2)  # --strict: a file skipped
    assert "不是普通文件" in p.stdout + p.stderr
    assert perfrules("check", str(folder), timeout=60).returncode in (0, 1)


# ---- 10: cell text cannot drive the terminal or inject HTML ---------------------------------

HOSTILE = "\x1b[2J\x1b[1A\x1b[2K共 0 项发现\x1b]0;pwned\x07\u202e受资助\x9b31m<script>alert(1)</script>"


def test_control_characters_in_cells_never_reach_the_terminal(tmp_path):
    src = _meals(tmp_path, 三级指标=HOSTILE, 指标值="好")
    for fmt in ("table", "md", "json", "jsonl"):
        p = perfrules("check", str(src), "--format", fmt)
        assert_contained(p, (0, 1))
        for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert bad not in p.stdout and bad not in p.stderr, (fmt, repr(bad))
        if fmt in ("json", "jsonl"):  # the same value, escaped
            record = json.loads(p.stdout)
            assert any(f["target"].endswith(HOSTILE) for f in record["findings"])
    table = perfrules("check", str(src)).stdout
    assert "␛[2J" in table and "<U+202E>" in table


def test_markdown_output_escapes_html_in_cell_text(tmp_path):
    src = _meals(tmp_path, 三级指标="<img src=x onerror=alert(1)>|x", 指标值="好")
    md = perfrules("check", str(src), "--format", "md").stdout
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;\\|x" in md


def test_an_error_message_cannot_close_its_markdown_fence(tmp_path):
    bad = tmp_path / "bad```\n# 伪造.yaml"
    try:
        bad.write_text("绩效指标: [", encoding="utf-8")
    except OSError:
        pytest.skip("the file system refuses such a name")
    p = perfrules("check", str(bad), "--format", "md")
    assert_contained(p, 2)
    head, _, rest = p.stdout.partition("\n")
    assert head.startswith("# ") and head.endswith("# 伪造.yaml")  # the name's newline shown as a space
    _, opened, body = rest.partition("\n````text\n")  # a fence longer than the ``` in the message
    body, closed, _ = body.partition("\n````\n")
    assert opened and closed and "bad```" in body and "# 伪造.yaml:2:1" in body
