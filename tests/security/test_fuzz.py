"""Fuzzing of the loaders and the rule language (issue 13): whatever bytes or text they are
given, the answer is indicator sets, compiled rules, or a PerfrulesError for a user's mistake
-- never another exception, and never an internal error (E900) wrapped as one.

- the loaders: arbitrary bytes, seed files with bytes changed, and text made of the input
  keys and hostile values, named ``.yaml``, ``.json``, ``.csv``, ``.jsonl`` and ``.xlsx``
  (a workbook's XML members changed and the zip rebuilt); JSON Lines go through the
  pipeline (``jobs`` → ``load_job``), the others through ``load_all``;
- the rule language: text made of the keyword table, the rule vocabulary and punctuation,
  parsed, compiled beside the national pack's word lists, and formatted;
- a short run of ``bench/fuzz.py`` (300 inputs, 100 rule files) in a subprocess, limited to
  60 seconds.

The ``ci`` profile (tests/conftest.py) gives 200 examples a property; ``HYPOTHESIS_PROFILE=long``
gives 5,000. The full fuzzing run of issue 13 (100,000 inputs, 10,000 rule files) is
``bench/fuzz.py``, described in bench/README.md.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from perfrules.data.loaders import fields as F
from perfrules.data.loaders import load_all
from perfrules.engine.vocab import FIELDS, PREDICATES
from perfrules.errors import PerfrulesError
from perfrules.language import keywords as K

ROOT = Path(__file__).resolve().parents[2]
USER_ERROR = re.compile(r"^E[0-5]\d\d$")  # E900 is an internal error shown as a message

SLOW_OK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                        HealthCheck.filter_too_much])


def assert_user_error(e: PerfrulesError) -> None:
    """A refusal the user can act on: a user error's code (every one of a group), and it renders."""
    codes = [e.code, *(x.code for x in getattr(e, "errors", []))]
    assert all(USER_ERROR.match(c) for c in codes), e.render()
    assert e.render()


# ---- seeds -------------------------------------------------------------------------------------

def _seeds(*globs: str) -> list[bytes]:
    return [p.read_bytes() for g in globs for p in sorted(ROOT.glob(g)) if p.is_file()]


SEEDS = {
    ".yaml": _seeds("tests/data/sound/*.yaml", "tests/loaders/good/*.yaml", "examples/*/*.yaml"),
    ".json": _seeds("tests/loaders/*/*.json"),
    ".csv": _seeds("tests/loaders/*/*.csv"),
    ".xlsx": _seeds("examples/*/*.xlsx", "tests/loaders/twin/*.xlsx"),
}


def _forms() -> None:
    """The printed forms tests/forms.py lays out (CSV in UTF-8 and GBK, XLSX) as seeds too:
    the form reader's blocks (header, money, goal, grid, totals) are where loops can hide."""
    import forms
    for _, path, layout in forms.CASES[:6]:
        grid = forms.lay_out(forms.load_doc(path), layout).grid
        SEEDS[".csv"].append(forms.to_csv(grid, "utf-8-sig"))
        try:
            SEEDS[".csv"].append(forms.to_csv(grid, "gbk"))
        except UnicodeEncodeError:
            pass
        SEEDS[".xlsx"].append(forms.to_xlsx(grid))


_forms()
SEEDS[".jsonl"] = [b"\n".join(json.dumps(json.loads(s.decode("utf-8-sig"), parse_float=str), ensure_ascii=False)
                              .encode() for _ in range(2)) for s in SEEDS[".json"] if s.strip().startswith(b"{")]
EXTS = sorted(SEEDS)

# ---- what the input side is made of --------------------------------------------------------------

KEYS = sorted({k for t in (F.TOP, F.PROJECT, F.BUDGET, F.FUND, F.GOAL, F.INDICATOR, F.SCORE, F.WAIVER)
               for c in t.canon for k in (c, *t.aliases(c))} | set(F.KEPT))
HOSTILE = ["", "\x00", "\ud800", "\udfff", "\x1b[2J", "\x1b]0;t\x07", "\u202e", "\ufeff", "NaN", "Infinity",
           "-Infinity", "1e999999", "-1e999999", "9" * 4301, "-5", "-0", "0", "3.335", "≥90%", "150%", "−5",
           "１２３", "<script>", "|", "{}", "{三级指标}", "/", "—", "无", "申报", "自评", "评价", "产出指标",
           "[" * 120, "]" * 120, "{" * 60, "a" * 3000]
PUNCT = ["{", "}", "[", "]", ",", ":", ": ", "\n", "\n  ", "\n- ", "- ", '"', "'", "&a ", "*a", "!!binary ",
         "\t", "\r\n", "#", "---\n", "? ", "<<: ", "，", "：", ";"]
PIECE = st.one_of(st.sampled_from(KEYS), st.sampled_from(HOSTILE), st.sampled_from(PUNCT),
                  st.text(max_size=4), st.integers(-10**30, 10**30).map(str),
                  st.decimals(allow_nan=True, allow_infinity=True).map(str))
STRUCTURED = st.lists(PIECE, max_size=80).map("".join)


@st.composite
def edited(draw, data: bytes) -> bytes:
    """``data`` with a few byte ranges replaced, inserted or cut."""
    b = bytearray(data)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(b)))
        cut = draw(st.integers(0, 16))
        b[at:at + cut] = draw(st.binary(max_size=16))
    if draw(st.booleans()) and len(b) > 1:
        del b[draw(st.integers(1, len(b))):]
    return bytes(b)


@st.composite
def lines_edited(draw, data: bytes) -> bytes:
    """A text seed with lines doubled, dropped, blanked, swapped or cut at a quote."""
    lines = data.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        k = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["double", "drop", "blank", "swap", "quote", "cell"]))
        if op == "double":
            lines.insert(k, lines[k])
        elif op == "drop" and len(lines) > 1:
            del lines[k]
        elif op == "blank":
            lines.insert(k, draw(st.sampled_from([b"", b"\r", b",,,,", b" "])))
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[j] = lines[j], lines[k]
        elif op == "quote":
            lines[k] = lines[k] + b'"'
        else:
            lines[k] = lines[k] + b"," + draw(st.sampled_from(HOSTILE)).encode("utf-8", "surrogatepass")
    return b"\n".join(lines)


@st.composite
def workbook_edited(draw, data: bytes) -> bytes:
    """A workbook with one XML member edited as text or bytes, rebuilt as a valid zip."""
    z = zipfile.ZipFile(io.BytesIO(data))
    members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    k = draw(st.integers(0, len(members) - 1))
    name, body = members[k]
    if draw(st.booleans()):
        text = body.decode("utf-8", "replace")
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.one_of(st.sampled_from(HOSTILE), st.sampled_from([
            '<c r="XFD1048576"><v>1</v></c>', '<mergeCell ref="A3:Z1000000"/>', '<mergeCells count="1">'
            '<mergeCell ref="A1:XFD1048576"/></mergeCells>', 't="e"', 't="s"', 's="999"', "<v>99999</v>",
            "<v>1e999999</v>", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"]))) + text[at:]
        body = text.encode("utf-8", "surrogatepass")
    else:
        body = draw(edited(body))
    members[k] = (name, body)
    if draw(st.booleans()) and len(members) > 1:
        del members[draw(st.integers(0, len(members) - 1))]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for n, b in members:
            w.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), b)
    return out.getvalue()


@st.composite
def input_files(draw) -> tuple[str, bytes]:
    ext = draw(st.sampled_from(EXTS))
    how = draw(st.sampled_from(["bytes", "seed", "text"] + (["workbook"] * 2 if ext == ".xlsx" else ["lines"])))
    if how == "bytes":
        data = draw(st.binary(max_size=2048))
    elif how == "seed":
        data = draw(st.sampled_from(SEEDS[ext]).flatmap(edited))
    elif how == "lines":
        data = draw(st.sampled_from(SEEDS[ext]).flatmap(lines_edited))
    elif how == "workbook":
        data = draw(st.sampled_from(SEEDS[ext]).flatmap(workbook_edited))
    else:
        enc = draw(st.sampled_from(["utf-8", "utf-8", "gbk", "utf-16"]))
        data = draw(STRUCTURED).encode(enc, "replace" if enc == "gbk" else "surrogatepass")
    return ext, data


def load_any(path: Path) -> None:
    """Read a file as ``perfrules check`` does: the loader, or the pipeline for JSON Lines."""
    if path.suffix == ".jsonl":
        from perfrules import pipeline
        for job in pipeline.jobs([str(path)]):
            for x in pipeline.load_job(job, pipeline.Settings(chosen=True)):
                if isinstance(x, pipeline.Outcome) and x.kind == "error":
                    codes = [str(x.error.get("code"))] + [str(e.get("code")) for e in x.error.get("errors") or []]
                    assert all(USER_ERROR.match(c) for c in codes), x.message
        return
    try:
        load_all(path)
    except PerfrulesError as e:
        assert_user_error(e)


# ---- the loaders ----------------------------------------------------------------------------------

@SLOW_OK
@given(input_files())
@example((".jsonl", b'{"\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87": [], "x": ' + b"9" * 5000 + b"}\n"))
@example((".jsonl", b"[" * 5000 + b"]" * 5000 + b"\n"))
@example((".jsonl", b'{"\xe9\xa1\xb9\xe7\x9b\xae": {"\xe5\x90\x8d\xe7\xa7\xb0": "\\ud800"}, '
                    b'"\xe7\xbb\xa9\xe6\x95\x88\xe6\x8c\x87\xe6\xa0\x87": []}\n'))
@example((".json", b"[" * 5000 + b"]" * 5000))
@example((".yaml", "绩效指标: [{三级指标: \"\\ud800\"}]\n".encode()))
@example((".csv", "一级指标,三级指标,指标值\n产出指标,\"未闭合,1\n".encode()))
def test_the_loaders_read_or_refuse_any_file(file):
    ext, data = file
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"input{ext}"
        path.write_bytes(data)
        load_any(path)


# ---- the rule language --------------------------------------------------------------------------

RULE_WORDS = sorted({*K.SPELLINGS,  # every spelling of every keyword (vocabulary.py)
                     *FIELDS, *PREDICATES, "或", "且", "并非", "⇒", "=>", "→", "分", "得", "于", "扣5分", "得3分",
                     "最高2分", "模糊用语", "管理类用语", "N-01", "R-1", "60%", "1,164.43万元", "0", "-1",
                     "9" * 400, "「资金拨付率」", "「{三级指标}」", "「", "」", '"', "(", ")", "（", "）",
                     "[", "]", ":", "：", ",", "、", "#", "/", "×", "÷", "\ufeff", "\x00", "\t", "　"})
RULE_LINE = st.lists(st.one_of(st.sampled_from(RULE_WORDS), st.text(max_size=3)), max_size=14).map(" ".join)
RULE_TEXT = st.lists(st.tuples(st.sampled_from(["", "", "  ", "    ", "\t"]), RULE_LINE), max_size=10).map(
    lambda lines: "\n".join(ind + ln for ind, ln in lines) + "\n")


def _vocabulary():
    from perfrules.language.parser import parse_text
    path = ROOT / "policies" / "national" / "词表.rules"
    return parse_text(path.read_text("utf-8"), "policies/national/词表.rules")


VOCABULARY = _vocabulary()


def compile_or_refuse(text: str) -> None:
    from perfrules.engine.compiler import compile_files
    from perfrules.language.fmt import format_text
    from perfrules.language.parser import parse_text
    try:
        tree = parse_text(text, "fuzz.rules")
        compile_files([VOCABULARY, tree])
    except PerfrulesError as e:
        assert_user_error(e)
    try:
        format_text(text, "fuzz.rules")
    except PerfrulesError as e:
        assert_user_error(e)


CHAIN = "规则 X-01 「链」\n  若 " + " 或 ".join(["指标值 为空"] * 600) + " 则 错误\n"
DEEP = "规则 X-02 「括号」\n  若 " + "(" * 1000 + "指标值 为空" + ")" * 1000 + " 则 错误\n"


@SLOW_OK
@given(RULE_TEXT)
@example(CHAIN)
@example(DEEP)
@example("规则 X-03 「负」\n  若 分值 < " + "9" * 5000 + " 则 错误\n")
@example("评分项 a/b 分值 -5\n  得分 = 分值 ÷ 0\n")
def test_rule_text_from_the_keyword_table_compiles_or_is_refused(text):
    compile_or_refuse(text)


# ---- a short run of the bench fuzzer -----------------------------------------------------------

def test_a_short_fuzzing_run_finds_no_failure(tmp_path):
    """300 inputs and 100 rule files through bench/fuzz.py in under 60 s: every one read,
    checked and rendered, or refused with a user error (see bench/README.md)."""
    report = tmp_path / "fuzz.json"
    start = time.monotonic()
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "fuzz.py"), "--inputs", "300", "--rules", "100",
                        "--seed", "1", "--jobs", "2", "--quiet", "--no-save", "--out", str(report)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    assert report.exists(), p.stderr[-3000:]
    rep = json.loads(report.read_text("utf-8"))
    groups = "\n".join(f"[{g['count']}] {g['type']} @ {g['frame']}: {g['message'][:160]} "
                       f"(bench/fuzz.py --seed 1 --replay {g['cases'][0]})" for g in rep["failures"])
    assert p.returncode == 0, f"{rep['failed']} failures:\n{groups}\n{p.stderr[-2000:]}"
    assert rep["inputs"] == 300 and rep["rules"] == 100
    assert elapsed < 60
