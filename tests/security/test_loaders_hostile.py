"""Hostile and broken input in the data wing's loaders (issue 13, items 4, 8 and 10).

- A JSON Lines record is read as a ``.json`` file is (``parse_json``): a lone surrogate, a
  5,000-digit number, duplicate keys and deep nesting are the record's error (exit 2),
  and the other records are still checked.
- Every input has size limits (one table, :mod:`perfrules.data.limits`, each overridable
  by an environment variable): file size, JSON Lines line, cell text, rows, columns.
  ``/dev/zero`` and a FIFO are refused at once, never opened or read without end.
- A CSV quote left open is refused with its row, not swallowed into one cell.
- Negative 分值, 得分 and amounts are refused with their place.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
import zipfile
from pathlib import Path

import attrs
import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfrules.data.categories import DEFAULT_SYNONYMS
from perfrules.data.indicators import IndicatorSet
from perfrules.data.limits import LIMITS, limit, limits_text, read_file
from perfrules.data.loaders import load, load_all, load_record
from perfrules.data.loaders.yaml_json import load_json
from perfrules.errors import DataError, ErrorGroup, PerfrulesError

from conftest import MEALS, ROOT, assert_contained, perfrules

GOOD = yaml.safe_load(MEALS.read_text(encoding="utf-8"))   # a sound 自评表: no findings
GOOD_LINE = json.dumps(GOOD, ensure_ascii=False)
FAST = dict(cpu_s=20, timeout=30)                          # a hang or a runaway read fails the test


def _batch(tmp_path: Path, bad: str | bytes, name: str = "批.jsonl") -> Path:
    """A JSON Lines file: a sound record, the bad one, a sound record."""
    src = tmp_path / name
    bad = bad.encode("utf-8") if isinstance(bad, str) else bad
    src.write_bytes(GOOD_LINE.encode() + b"\n" + bad + b"\n" + GOOD_LINE.encode() + b"\n")
    return src


def _run_batch(src: Path, **env) -> tuple[list[dict], str]:
    """Check a batch as JSON Lines: (the records in input order, stderr); exit 2, contained."""
    p = perfrules("check", "--format", "jsonl", str(src), env=env, **FAST)
    assert_contained(p, 2)
    out = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return out, p.stderr


def _assert_only_line_2_failed(out: list[dict], src: Path) -> dict:
    """Lines 1 and 3 were checked (results), line 2 is an error record; that record."""
    assert [r["input"] for r in out] == [f"{src}:1", f"{src}:2", f"{src}:3"], out
    assert "error" not in out[0] and "error" not in out[2], (out[0], out[2])
    assert "findings" in out[0] and "findings" in out[2]
    assert "error" in out[1], out[1]
    return out[1]["error"]


def _record(**changes) -> dict:
    rec = json.loads(GOOD_LINE)
    for k, v in changes.items():
        rec[k] = v
    return rec


# ------------------------------------------------------------------ JSON Lines = JSON's limits

def test_a_lone_surrogate_in_a_jsonl_record_is_that_records_error(tmp_path):
    # Before: accepted by json.loads, then the UTF-8 output crashed the whole batch
    # (UnicodeEncodeError, exit 1, the remaining projects lost).
    src = _batch(tmp_path, GOOD_LINE.replace('"名称": "义务教育', '"名称": "\\ud800义务教育', 1))
    out, err = _run_batch(src)
    e = _assert_only_line_2_failed(out, src)
    assert "代理码位" in e["message"] and "surrogate" in e["message_en"]
    assert e["where"]["file"] == str(src) and e["where"]["line"] == 2 and e["where"]["column"] > 1


def test_a_lone_surrogate_in_a_key_is_refused_in_every_text_format(tmp_path):
    for text in ('{"\\udc00": 1, "绩效指标": []}', '{"绩效指标": [{"三级指标": "a\\udbffb"}]}'):
        with pytest.raises(DataError, match="代理码位"):
            load_record(text, "b.jsonl:1", at=("b.jsonl", 1))
        (tmp_path / "s.json").write_text(text, encoding="utf-8")
        with pytest.raises(DataError, match="代理码位"):
            load(tmp_path / "s.json")
    # A valid pair of escapes is one character; an escaped backslash before "ud800" is text.
    ok = load_record('{"绩效指标": [{"三级指标": "\\ud83d\\ude00 \\\\ud800"}]}', "b.jsonl:1")
    assert ok.indicators[0].name == "\U0001F600 \\ud800"
    # YAML: libyaml refuses the escape; the pure-Python loader (deep input) is checked too.
    (tmp_path / "s.yaml").write_text('绩效指标:\n  - 三级指标: "a\\ud800"\n', encoding="utf-8")
    with pytest.raises(DataError):
        load(tmp_path / "s.yaml")
    from perfrules.data.loaders.yaml_json import _PyLoader, load_tree, parse_yaml
    loader = _PyLoader('绩效指标:\n  - "\\udc00": x\n')
    loader.source = "deep.yaml"
    with pytest.raises(DataError, match="代理码位") as info:
        loader.get_single_data()
    assert str(info.value.where) == "deep.yaml:2:5"
    assert parse_yaml("a: 1\n", "x.yaml") == {"a": 1}
    with pytest.raises(DataError, match="代理码位"):  # a tree from anywhere: checked on the walk too
        load_tree({"绩效指标": [{"三级指标": "\ud800"}]}, "t", DEFAULT_SYNONYMS)


def test_a_5000_digit_integer_in_a_jsonl_record_is_that_records_error(tmp_path):
    # Before: ValueError (int conversion past 4,300 digits), a traceback, the batch aborted.
    src = _batch(tmp_path, GOOD_LINE.replace('"执行率分值": 10', '"执行率分值": ' + "9" * 5000, 1))
    out, _ = _run_batch(src)
    e = _assert_only_line_2_failed(out, src)
    assert "PERFRULES_MAX_NUMBER_CHARS" in e["hint"] and "5,000" in e["message"]
    assert e["where"]["line"] == 2


def test_an_absurdly_long_number_is_refused_in_json_and_yaml(tmp_path):
    for name, text in (("n.json", '{"绩效指标": [], "总分": 1' + "0" * 200 + '}'),
                       ("f.json", '{"绩效指标": [], "总分": 0.' + "1" * 200 + '}'),
                       ("n.yaml", "绩效指标: []\n总分: 1" + "0" * 200 + "\n"),
                       ("h.yaml", "绩效指标: []\n总分: 0x" + "f" * 5000 + "\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(DataError, match="数字的书写长度") as info:
            load(tmp_path / name)
        assert info.value.where.line in (1, 2), name


def test_duplicate_keys_in_a_jsonl_record_are_refused_as_in_json(tmp_path):
    # Before: accepted, last wins (exit 0), while the same text as .json was refused.
    bad = GOOD_LINE.replace('"阶段": "自评"', '"阶段": "申报", "阶段": "自评"', 1)
    src = _batch(tmp_path, bad)
    out, _ = _run_batch(src)
    e = _assert_only_line_2_failed(out, src)
    assert "重复的键「阶段」" in e["message"]
    (tmp_path / "same.json").write_text(bad, encoding="utf-8")
    with pytest.raises(DataError, match="重复的键「阶段」"):
        load(tmp_path / "same.json")


def test_an_invalid_utf8_byte_in_a_jsonl_line_is_that_records_error(tmp_path):
    raw = GOOD_LINE.encode()
    src = _batch(tmp_path, raw[:40] + b"\xff" + raw[40:])
    out, _ = _run_batch(src)
    e = _assert_only_line_2_failed(out, src)
    assert "UTF-8" in e["message"]


@pytest.mark.parametrize("bad", ["[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000])
def test_5000_deep_nesting_in_a_jsonl_record_is_that_records_error(tmp_path, bad):
    src = _batch(tmp_path, bad)
    out, _ = _run_batch(src)
    e = _assert_only_line_2_failed(out, src)
    assert "嵌套" in e["message"]


def test_a_jsonl_record_has_the_nesting_limit_of_json(tmp_path):
    # Before: a record nested 150 deep under an unknown key was accepted (its text kept in
    # the model and the report), though the same text as .json was refused at depth 100.
    deep = "[" * 150 + "]" * 150
    bad = json.dumps({"绩效指标": [{"三级指标": "x", "备忘": "@"}]}, ensure_ascii=False).replace('"@"', deep)
    src = _batch(tmp_path, bad)
    out, _ = _run_batch(src)
    e = _assert_only_line_2_failed(out, src)
    assert "PERFRULES_MAX_DEPTH" in e["hint"]
    (tmp_path / "same.json").write_text(bad, encoding="utf-8")
    with pytest.raises(DataError, match="嵌套"):
        load(tmp_path / "same.json")


# JSON texts as a hostile writer makes them: duplicate keys, lone surrogates and odd escapes,
# very long and very deep numbers, constants, nesting, stray bytes of syntax.
_STRINGS = st.one_of(
    st.sampled_from(["绩效指标", "三级指标", "分值", "得分", "预算", "年度预算", "明细", "项目", "名称", "x"]),
    st.text(max_size=6),
    st.sampled_from(["\ud800", "\udfff", "a\udc00", "\ud83d\ude00"]))
_SCALARS = st.one_of(
    st.builds(lambda s: json.dumps(s), _STRINGS),                   # ASCII-escaped: \\ud800 etc.
    st.builds(lambda s: json.dumps(s, ensure_ascii=False).replace("\\\\", "\\"), st.text(max_size=4)),
    st.integers(-10**6, 10**6).map(str), st.sampled_from(["1" * 120, "-" + "9" * 5000, "1e999999",
                                                          "0.000", "-0", "NaN", "Infinity", "true", "null"]),
    st.decimals(allow_nan=False, allow_infinity=False).map(str))
_VALUES = st.recursive(
    _SCALARS,
    lambda kids: st.lists(kids, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]")
    | st.lists(st.tuples(_STRINGS, kids), max_size=4).map(
        lambda kv: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in kv) + "}"),
    max_leaves=20)
_DOCS = st.one_of(
    st.lists(st.tuples(_STRINGS, _VALUES), max_size=5).map(
        lambda kv: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in kv) + "}"),
    _VALUES,
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.tuples(_VALUES, st.integers(0, 40), st.sampled_from(["", "}", "]", ",", "\\", '"', "\\u"])).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:]))


def _clean_text(x) -> None:
    """Every string of the result encodes as UTF-8 (nothing can crash an output later)."""
    json.dumps(attrs.asdict(x), ensure_ascii=False, default=str).encode("utf-8")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # examples: the profile's
@given(text=_DOCS)
def test_any_json_text_as_a_jsonl_line_gives_a_set_or_a_data_error(text):
    """...never another exception, nothing that cannot be written as UTF-8, and exactly what
    the same text as a .json file gives (the same parser, checks and limits)."""
    try:
        result = load_record(text, "h.jsonl:1", at=("h.jsonl", 1))
    except (DataError, ErrorGroup) as e:
        e.render().encode("utf-8")
        json.dumps(e.to_dict(), ensure_ascii=False).encode("utf-8")
        with pytest.raises((DataError, ErrorGroup)):
            load_json(text, "h.json", DEFAULT_SYNONYMS)
    else:
        assert isinstance(result, IndicatorSet)
        _clean_text(result)
        assert attrs.evolve(load_json(text, "h.json", DEFAULT_SYNONYMS), source=result.source) == result


# ------------------------------------------------------------------ special files and sizes

def test_dev_zero_as_input_is_refused_at_once():
    # Before: read to the end of memory (a MemoryError at best, a swapping machine at worst).
    p = perfrules("check", "/dev/zero", mem_mb=512, **FAST)
    assert_contained(p, 2)
    assert "不是普通文件" in p.stderr and "/dev/zero" in p.stderr


@pytest.mark.parametrize("name", ["form.yaml", "form.csv", "batch.jsonl"])
def test_a_fifo_as_input_is_refused_without_blocking(tmp_path, name):
    # Before: open() on a FIFO with no writer blocks for ever.
    fifo = tmp_path / name
    os.mkfifo(fifo)
    p = perfrules("check", str(fifo), **FAST)
    assert_contained(p, 2)
    assert "不是普通文件" in p.stderr


def test_the_library_refuses_special_files_before_opening_them(tmp_path):
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    done = []
    t = threading.Thread(target=lambda: done.append(pytest.raises(DataError, load, fifo)), daemon=True)
    t.start()
    t.join(10)
    assert done, "load() blocked on a FIFO"
    with pytest.raises(DataError, match="不是普通文件"):
        load("/dev/null")
    with pytest.raises(DataError, match="文件夹"):
        load(tmp_path)
    with pytest.raises(DataError, match="不存在"):
        load(tmp_path / "nowhere.yaml")


def test_a_file_over_the_size_limit_is_refused_and_says_how_to_raise_it(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(MEALS.read_bytes() + b"#" + b"x" * (3 << 19) + b"\n")   # 1.5 MB
    p = perfrules("check", str(big), env={"PERFRULES_MAX_FILE_MB": "1"}, **FAST)
    assert_contained(p, 2)
    assert "1 MB" in p.stderr and "PERFRULES_MAX_FILE_MB" in p.stderr and "big.yaml" in p.stderr
    p = perfrules("check", str(big), env={"PERFRULES_MAX_FILE_MB": "2"}, **FAST)
    assert_contained(p, 0)
    p = perfrules("check", str(big), env={"PERFRULES_MAX_FILE_MB": "lots"}, **FAST)
    assert_contained(p, 2)
    assert "PERFRULES_MAX_FILE_MB" in p.stderr


def test_read_file_reads_no_more_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFRULES_MAX_FILE_MB", "1")
    f = tmp_path / "a.csv"
    f.write_bytes(b"x" * (1 << 20))
    assert len(read_file(f, "a.csv")) == 1 << 20
    f.write_bytes(b"x" * ((1 << 20) + 1))
    with pytest.raises(DataError, match="PERFRULES_MAX_FILE_MB|上限"):
        read_file(f, "a.csv")


def test_a_jsonl_line_over_the_line_limit_is_that_records_error(tmp_path):
    # Before: the whole line was read into memory (400 MB, 4 GB with -j 2), whatever its size.
    long = json.dumps(_record(备忘="x" * (3 << 19)), ensure_ascii=False)   # 1.5 MB
    src = _batch(tmp_path, long)
    out, _ = _run_batch(src, PERFRULES_MAX_LINE_MB="1")
    e = _assert_only_line_2_failed(out, src)
    assert "PERFRULES_MAX_LINE_MB" in e["hint"] and "1 MB" in e["message"]


def test_an_over_long_cell_is_refused_with_its_place(tmp_path):
    # Before: a 100 MB cell was copied whole into the model and every report.
    n = limit("cell_chars") + 1
    rows = [["一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分"],
            ["产出指标", "数量指标", "人数", "≥735人", "735人", "20", "20"],
            ["产出指标", "数量指标", "x" * n, "≥1", "1", "10", "10"]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (tmp_path / "long.csv").write_text(buf.getvalue(), encoding="utf-8")
    p = perfrules("check", str(tmp_path / "long.csv"), **FAST)
    assert_contained(p, 2)
    assert "PERFRULES_MAX_CELL_CHARS" in p.stderr and "第3行" in p.stderr and "列「C」" in p.stderr
    (tmp_path / "long.yaml").write_text(f"绩效指标:\n  - 三级指标: {'x' * n}\n", encoding="utf-8")
    with pytest.raises(DataError, match="文本长度") as info:
        load(tmp_path / "long.yaml")
    assert info.value.where.row == 2
    # Lowered by its variable, the same limit applies to a short cell.
    p = perfrules("check", str(MEALS), env={"PERFRULES_MAX_CELL_CHARS": "5"}, **FAST)
    assert_contained(p, 2)
    assert "PERFRULES_MAX_CELL_CHARS" in p.stderr
    # XLSX: openpyxl cuts what a program writes at 32,767 characters, so the long cell is
    # put in the sheet's XML the way another program would write it.
    rows[2][2] = "XLONG"
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf, out = io.BytesIO(), io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w") as z:
        for i in zin.infolist():
            z.writestr(i, zin.read(i.filename).replace(b"XLONG", b"x" * n))
    (tmp_path / "long.xlsx").write_bytes(out.getvalue())
    with pytest.raises(DataError, match="单元格文本长度") as info:
        load(tmp_path / "long.xlsx")
    assert (info.value.where.sheet, info.value.where.row, info.value.where.column) == ("Sheet", 3, "C")


def test_sheet_rows_and_columns_are_capped_from_the_limits_table(tmp_path):
    # Before: the XLSX caps were constants in xlsx.py, not documented and not overridable.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分"])
    ws.append(["产出指标", "数量指标", "人数", "≥735人", "735人", 20, 20])
    ws["B40"] = "stray"
    wb.save(tmp_path / "far.xlsx")
    p = perfrules("check", str(tmp_path / "far.xlsx"), env={"PERFRULES_MAX_ROWS": "30"}, **FAST)
    assert_contained(p, 2)
    assert "PERFRULES_MAX_ROWS" in p.stderr and "B40" in p.stderr
    p = perfrules("check", str(tmp_path / "far.xlsx"), env={"PERFRULES_MAX_COLUMNS": "5"}, **FAST)
    assert_contained(p, 2)
    assert "PERFRULES_MAX_COLUMNS" in p.stderr
    (tmp_path / "wide.csv").write_text("三级指标,指标值" + ",x" * 20 + "\n人数,≥1\n", encoding="utf-8")
    p = perfrules("check", str(tmp_path / "wide.csv"), env={"PERFRULES_MAX_COLUMNS": "10"}, **FAST)
    assert_contained(p, 2)
    assert "PERFRULES_MAX_COLUMNS" in p.stderr and "第1行" in p.stderr


def test_xlsx_and_csv_text_cannot_carry_a_lone_surrogate(tmp_path):
    # XLSX: the XML parser refuses a surrogate character reference and invalid UTF-8, and
    # openpyxl does not unescape _xD800_ in cell values. CSV: the decoders are strict.
    wb = openpyxl.Workbook()
    wb.active.append(["三级指标", "指标值"])
    wb.active.append(["人数XSURR", "≥1"])
    buf = io.BytesIO()
    wb.save(buf)

    def patched(new: bytes) -> Path:
        zin, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for i in zin.infolist():
                z.writestr(i, zin.read(i.filename).replace(b"XSURR", new))
        path = tmp_path / f"s{len(new)}.xlsx"
        path.write_bytes(out.getvalue())
        return path

    with pytest.raises(DataError):
        load(patched(b"&#xD800;"))
    with pytest.raises(DataError):
        load(patched(b"\xed\xa0\x80"))
    assert load(patched(b"_xD800_")).indicators[0].name == "人数_xD800_"
    (tmp_path / "u16.csv").write_bytes("三级指标,指标值\n人数".encode("utf-16") + b"\x00\xd8" + ",1\n".encode("utf-16-le"))
    with pytest.raises(DataError, match="编码"):
        load(tmp_path / "u16.csv")
    (tmp_path / "u8.csv").write_bytes("三级指标,指标值\n人数".encode() + b"\xed\xa0\x80,1\n")
    try:
        s = load(tmp_path / "u8.csv")   # GB18030 reads these bytes as other characters
    except DataError:
        pass
    else:
        assert not re.search("[\ud800-\udfff]", s.indicators[0].name or "")


# ------------------------------------------------------------------ CSV quotes

def test_a_csv_quote_left_open_is_refused_with_its_row(tmp_path):
    # Before: the rest of the file was read into one cell, silently.
    (tmp_path / "q.csv").write_text(
        "一级指标,二级指标,三级指标,指标值,实际完成值,分值,得分\n"
        '产出指标,数量指标,"人数,≥735人,735人,20,20\n'
        "产出指标,数量指标,人数2,≥735人,735人,20,20\n", encoding="utf-8")
    p = perfrules("check", str(tmp_path / "q.csv"), **FAST)
    assert_contained(p, 2)
    assert "引号" in p.stderr and "第2行" in p.stderr and "列「C」" in p.stderr
    with pytest.raises(DataError, match="引号") as info:
        load(tmp_path / "q.csv")
    assert (info.value.where.row, info.value.where.column) == (2, "C")
    # A stray quote above it (read leniently, as before) does not hide it.
    (tmp_path / "q2.csv").write_text('三级指标,指标值\n"人数"x,1\n人数2,"≥1\n人数3,2\n', encoding="utf-8")
    with pytest.raises(DataError, match="引号") as info:
        load(tmp_path / "q2.csv")
    assert (info.value.where.row, info.value.where.column) == (3, "B")


def test_closed_and_stray_quotes_in_csv_still_read(tmp_path):
    (tmp_path / "ok.csv").write_text(
        '三级指标,指标值\n"人数, 学生","≥1\n人"\n5"寸屏幕,≥1\n', encoding="utf-8")
    s = load(tmp_path / "ok.csv")
    assert [i.name for i in s.indicators] == ["人数, 学生", '5"寸屏幕']


def test_a_fund_total_with_several_amounts_does_not_hang_the_form_reader(tmp_path):
    # Found by bench/fuzz.py (seed 1, input 213): a 年度资金总额 row with several amounts and
    # no money headings made the money-block reader loop for ever on that row.
    (tmp_path / "m.csv").write_text("项目名称,x\n年度资金总额,30,30,30\n"
                                    "一级指标,二级指标,三级指标,指标值,实际完成值,分值,得分\n"
                                    "产出指标,数量指标,人数,≥1,1,20,20\n", encoding="utf-8")
    p = perfrules("check", str(tmp_path / "m.csv"), cpu_s=10, timeout=20)
    assert_contained(p, (0, 1))
    (s,) = load_all(tmp_path / "m.csv")
    assert any(n.kind == "unread_row" and "年度资金总额" in n.zh for n in s.notes)


# ------------------------------------------------------------------ negative points and amounts

def test_a_negative_item_score_or_weight_is_refused_with_its_place(tmp_path):
    # Before: a 50-point item scored -10 was accepted and scored.
    rec = _record()
    rec["绩效指标"][0]["分值"] = -10
    (tmp_path / "w.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    p = perfrules("check", str(tmp_path / "w.json"), **FAST)
    assert_contained(p, 2)
    assert "$.绩效指标[1].分值" in p.stderr and "不能为负数" in p.stderr
    rec = _record()
    rec["绩效指标"][1]["得分"] = "-10分"
    with pytest.raises(DataError, match="不能为负数") as info:
        load_record(json.dumps(rec, ensure_ascii=False), "b.jsonl:4")
    assert str(info.value.where) == "b.jsonl:4 $.绩效指标[2].得分"
    (tmp_path / "neg.csv").write_text("三级指标,指标值,分值,得分\n人数,≥1,50,-10\n", encoding="utf-8")
    with pytest.raises(DataError, match="不能为负数") as info:
        load(tmp_path / "neg.csv")
    assert info.value.where.row == 2 and "得分" in info.value.where.column


@pytest.mark.parametrize("where,key,value", [
    ("预算", "年度预算", "-387664.62"), ("预算", "支出", -1), ("预算", "年初预算", "-5万元"),
    ("明细", "年度预算", "-1"), ("预算", "执行率得分", -2)])
def test_a_negative_amount_is_refused_with_its_place(tmp_path, where, key, value):
    rec = _record()
    (rec["预算"] if where == "预算" else rec["预算"]["明细"][0])[key] = value
    (tmp_path / "b.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    p = perfrules("check", str(tmp_path / "b.json"), **FAST)
    assert_contained(p, 2)
    path = f"$.预算.{key}" if where == "预算" else f"$.预算.明细[1].{key}"
    assert path in p.stderr and "不能为负数" in p.stderr


def test_adjustments_may_still_be_negative_and_zero_is_a_budget():
    s = load_record(json.dumps({"预算": {"年初预算": 100, "调整": "-30.01、-20", "年度预算": 0},
                                "绩效指标": []}, ensure_ascii=False), "b.jsonl:1")
    assert [str(x) for x in s.budget.adjustments] == ["-30.01", "-20"] and s.budget.annual == 0


# ------------------------------------------------------------------ the limits, documented

def test_docs_list_the_limits_table():
    for page in ("inputs.md", "commands.md"):
        docs = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert limits_text() in docs, f"docs/{page}: paste perfrules.data.limits.limits_text() under 限制 / Limits"
    for x in LIMITS.values():
        assert x.env.startswith("PERFRULES_MAX_") and x.default > 0 and x.reason


def test_each_limit_is_read_from_its_variable(monkeypatch):
    for x in LIMITS.values():
        monkeypatch.setenv(x.env, "7")
        assert limit(x.name) == 7
        monkeypatch.delenv(x.env)
        assert limit(x.name) == x.default
        monkeypatch.setenv(x.env, "-3")
        with pytest.raises(PerfrulesError, match=x.env):
            limit(x.name)
        monkeypatch.delenv(x.env)


# ------------------------------------------------------------------ found by the fuzzer

def _indicator_book(path: Path, value=None, fmt=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["一级指标", "二级指标", "三级指标", "指标值", "实际完成值"])
    ws.append(["产出指标", "数量指标", "受资助学生人数", "≥735人", value if value is not None else "735人"])
    if fmt:
        ws["E2"].number_format = fmt
    wb.save(path)
    return path


def test_a_style_index_that_points_nowhere_is_read_as_no_format(tmp_path):
    """A workbook whose cells name number format 999 (not defined): openpyxl's IndexError."""
    good = _indicator_book(tmp_path / "a.xlsx", 0.86, "0.00%")
    bad = tmp_path / "b.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/styles.xml":
                data = re.sub(rb'numFmtId="\d+"', b'numFmtId="999"', data)
                data = re.sub(rb'<numFmts.*?</numFmts>', b"", data, flags=re.S)
            zout.writestr(item, data)
    s = load(bad)
    assert s.indicators[0].actual in ("0.86", "86.00%")


def test_a_huge_number_shown_as_a_percentage_does_not_crash(tmp_path):
    s = load(_indicator_book(tmp_path / "a.xlsx", 1e30, "0.00%"))
    assert s.indicators[0].actual.endswith("%")


def test_one_far_cell_inside_the_row_and_column_limits_is_refused_by_its_area(tmp_path):
    """Rows and columns each within limits, but the grid they span is 18 million cells."""
    path = _indicator_book(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active.cell(row=20_000, column=900, value="x")
    wb.save(path)
    p = perfrules("check", str(path), cpu_s=20)
    assert_contained(p, 2)
    assert "20000 行 × 900 列" in p.stderr and "PERFRULES_MAX_CELLS" in p.stderr
