"""Text on a console whose encoding cannot hold every character (issue 17, item 1).

A GBK console on Windows (or ``PYTHONIOENCODING=gbk``/``ascii``) has no − (U+2212): the run
must still exit as usual with its output readable in that encoding, each character the
encoding lacks in its ASCII form (outputs.ASCII_FORMS) or ``?``; files written with ``-o``
stay UTF-8; a UTF-8 console keeps everything.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfrules.outputs import ASCII_FORMS, ConsoleStream, console_text

ROOT = Path(__file__).resolve().parent.parent
# Its score lines print 陈述得分 48.95，但 50 − 0.5 − 1 = 48.5 (− is not in GBK).
EXAMPLE = "examples/guangzhou-2022-dept/自评.yaml"


def _run(args, encoding: str, cwd=ROOT, **kw):
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    env.pop("PYTHONUTF8", None)
    kw.setdefault("stdout", subprocess.PIPE)  # or a file: `> out.txt`
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "perfrules", *args], cwd=cwd, env=env, timeout=300, **kw)


def _stream(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding)


# ---- the function ------------------------------------------------------------------------------

def test_a_character_the_console_lacks_is_written_in_its_ascii_form():
    text = "陈述得分 48.95，但 50 − 0.5 − 1 = 48.5；执行率 ≥ 90% ⇒ 满分 ✓"
    assert console_text(text, _stream("utf-8")) == text
    assert console_text(text, _stream("gbk")) == "陈述得分 48.95，但 50 - 0.5 - 1 = 48.5；执行率 ≥ 90% => 满分 v"
    assert console_text(text, _stream("ascii")) == "???? 48.95,? 50 - 0.5 - 1 = 48.5;??? >= 90% => ?? v"
    assert console_text("“引号” – … × ÷ ≤", _stream("ascii")) == '"??" - ... x / <='


def test_controls_shown_by_printable_keep_a_readable_ascii_form():
    from perfrules.report.terminal import printable
    shown = printable("a\x1b[2Jb\x07")
    assert console_text(shown, _stream("gbk")) == "a^[[2Jb^G"


def test_the_table_is_ascii():
    assert all(form.isascii() and form for form in ASCII_FORMS.values())


@given(st.text())
def test_any_text_fits_the_console_and_utf8_keeps_it(text):
    for encoding in ("gbk", "ascii", "cp1252", "gb2312", "latin-1"):
        out = console_text(text, _stream(encoding))
        out.encode(encoding)  # never raises
    assert console_text(text, _stream("utf-8")) == text


@given(st.text(alphabet=st.characters(codec="gbk")))
def test_text_the_console_holds_is_unchanged(text):
    assert console_text(text, _stream("gbk")) == text


def test_a_stream_without_an_encoding_is_taken_as_utf8():
    class Bare:
        def write(self, s):
            return len(s)
    assert console_text("50 − 1", Bare()) == "50 − 1"


def test_the_progress_bar_stream_writes_what_the_console_holds():
    raw = _stream("gbk")
    s = ConsoleStream(raw)
    s.write("⠋ 已检查 3 项 −")
    raw.flush()
    assert raw.buffer.getvalue().decode("gbk") == "? 已检查 3 项 -"
    assert s.encoding == "gbk"  # everything else is the stream's


# ---- the command on such a console -------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gbk", "ascii"])
def test_check_on_a_console_that_lacks_characters_exits_as_usual(encoding, tmp_path):
    """`PYTHONIOENCODING=gbk perfrules check … > out.txt`: exit 1 (findings), the file readable."""
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "wb") as o, open(err, "wb") as e:
        p = _run(["check", EXAMPLE], encoding, stdout=o, stderr=e)
    assert p.returncode == 1, err.read_bytes().decode(encoding, "replace")
    text = out.read_bytes().decode(encoding)  # decodes: nothing but what the encoding holds
    assert "50 - 0.5 - 1 = 48.5" in text
    if encoding == "gbk":
        assert "陈述得分 48.95，但 50 - 0.5 - 1 = 48.5" in text
    assert "\u2212" not in text and "Error" not in err.read_bytes().decode(encoding)


@pytest.mark.parametrize("encoding, line", [
    ("gbk", "得分 = (84.40% - 60%) ÷ (100% - 60%) × 8 = 4.88"),
    ("ascii", "= (84.40% - 60%) / (100% - 60%) x 8 = 4.88"),
])
def test_a_score_formula_on_such_a_console(encoding, line, tmp_path):
    out = tmp_path / "out.txt"
    with open(out, "wb") as o:
        p = _run(["check", "examples/panyu-2023-ops/评价.yaml", "-p", "panyu-project-2023"], encoding, stdout=o)
    assert p.returncode in (0, 1), p.stderr.decode(encoding, "replace")
    text = out.read_bytes().decode(encoding)
    assert line in text
    if encoding == "gbk":
        assert "番禺区2023年“数字政府”建设专项资金（运维类）项目" in text  # the Chinese text, “” kept: GBK has them


@pytest.mark.parametrize("fmt", ["md", "json", "jsonl"])
def test_every_text_format_on_a_gbk_console(fmt):
    p = _run(["check", EXAMPLE, "--format", fmt], "gbk")
    assert p.returncode == 1, p.stderr.decode("gbk", "replace")
    out = p.stdout.decode("gbk")
    assert "50 - 0.5 - 1" in out
    if fmt == "json":
        json.loads(out)  # still JSON: only characters inside strings changed
    elif fmt == "jsonl":
        for line in out.splitlines():
            json.loads(line)


@pytest.mark.parametrize("encoding", ["gbk", "ascii"])
def test_stderr_on_such_a_console(encoding, tmp_path):
    """An error naming a file whose name holds a character the console lacks: exit 2, the
    message readable, the name in its ASCII form."""
    err_file = tmp_path / "err.txt"
    with open(err_file, "wb") as e:
        p = _run(["check", "缺少−的文件.yaml"], encoding, stderr=e)
    assert p.returncode == 2
    err = err_file.read_bytes().decode(encoding)
    assert "-的文件.yaml" in err or "-???.yaml" in err
    assert "Traceback" not in err and "UnicodeEncodeError" not in err


def test_a_file_written_with_o_is_utf8_whatever_the_console(tmp_path):
    """-o writes UTF-8 (− kept); paths with Chinese characters, in and out."""
    folder = tmp_path / "广州 自评"
    folder.mkdir()
    shutil.copy(ROOT / EXAMPLE, folder / "自评表.yaml")
    out = tmp_path / "报告 输出.md"
    p = _run(["check", str(folder / "自评表.yaml"), "-o", str(out)], "gbk")
    assert p.returncode == 1, p.stderr.decode("gbk", "replace")
    text = out.read_bytes().decode("utf-8")
    assert "50 − 0.5 − 1 = 48.5" in text and "自评表.yaml" in text


def test_help_and_usage_errors_on_an_ascii_console():
    for args in (["--help"], ["check", "--help"], ["check", "--format", "nope", "x"]):
        p = _run(args, "ascii")
        assert p.returncode in (0, 2)
        assert b"Traceback" not in p.stderr


def test_a_utf8_console_keeps_everything():
    p = _run(["check", EXAMPLE], "utf-8")
    assert p.returncode == 1
    assert "50 − 0.5 − 1 = 48.5" in p.stdout.decode("utf-8")
