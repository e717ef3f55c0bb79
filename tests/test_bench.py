"""bench/: the generator is deterministic and its cold variant repeats no value string; the
findings comparison catches a difference; every contender of bench/run.py finds the same
(line, rule, row) set on a small generated file, so the speed comparison in bench/README.md
compares like with like; the process-tree memory measure counts the children."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module(name: str, file: str):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(BENCH))  # run.py imports generate.py and contenders.py from beside it
    spec = importlib.util.spec_from_file_location(name, BENCH / file)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


generate = _module("generate", "generate.py")
contenders = _module("contenders", "contenders.py")
bench_run = _module("perfrules_bench_run", "run.py")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("bench")
    warm, n = generate.write(100, seed=7, out=d / "warm.jsonl")
    cold, _ = generate.write(100, seed=7, out=d / "cold.jsonl", unique=True)
    pack = bench_run.core_pack(d / "core")
    return SimpleNamespace(dir=d, warm=warm, cold=cold, indicators=n, pack=pack,
                           vocab=contenders.vocab_of(pack.compiled.env))


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_generator_is_deterministic_and_canonical(data, tmp_path):
    # Project k depends only on (seed, k): written again, the first 20 are the same lines.
    again, _ = generate.write(20, seed=7, out=tmp_path / "again.jsonl")
    assert _lines(data.warm)[:20] == _lines(again)
    shorter, _ = generate.write(5, seed=7, out=tmp_path / "five.jsonl")
    other, _ = generate.write(5, seed=8, out=tmp_path / "other.jsonl")
    assert other.read_bytes() != shorter.read_bytes()
    lines = [json.loads(x) for x in _lines(data.warm)]
    assert len(lines) == 100 and sum(len(p["绩效指标"]) for p in lines) == data.indicators
    for p in lines:
        assert set(p) == {"项目", "阶段", "预算", "绩效指标"}
        assert set(p["项目"]) == {"名称", "主管部门", "类别", "性质", "年度"}
        assert 8 <= len(p["绩效指标"]) <= 15
        for row in p["绩效指标"]:
            assert {"一级指标", "三级指标", "指标值", "分值"} <= set(row) <= {
                "一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "佐证材料", "分值", "计算方法"}


def test_unique_values_repeat_no_string_and_say_the_same(data, tmp_path):
    # The warm data repeats its value strings across projects; the cold variant never does.
    assert bench_run.repeated_across_projects(data.warm) > 50
    assert bench_run.repeated_across_projects(data.cold) == 0
    # Deterministic and a prefix of the bigger set, like the warm data.
    shorter, _ = generate.write(5, seed=7, out=tmp_path / "five.jsonl", unique=True)
    assert _lines(data.cold)[:5] == _lines(shorter)
    # The same projects: only 指标值 and 实际完成值 differ, and every one of them does.
    changed = 0
    for w, c in zip(map(json.loads, _lines(data.warm)), map(json.loads, _lines(data.cold))):
        assert {k: v for k, v in w.items() if k != "绩效指标"} == {k: v for k, v in c.items() if k != "绩效指标"}
        for rw, rc in zip(w["绩效指标"], c["绩效指标"], strict=True):
            values = ("指标值", "实际完成值")
            assert {k: v for k, v in rw.items() if k not in values} == {k: v for k, v in rc.items() if k not in values}
            for k in values:
                assert (k in rw) == (k in rc)
                if k in rw:
                    assert rw[k] != rc[k]
                    changed += 1
    assert changed > 1000
    # Numbers scale alike in target and actual: the values read the same (kind, 可衡量, 达标,
    # completion rate) on all but a stray row, should the reader change.
    rc = bench_run.reading_changes(30, 7, data.vocab)
    assert rc["changed"] <= rc["rows"] // 100, rc
    assert generate.unique_value("≥90%", 0) == "≥89.9999901000%"
    assert generate.unique_value("完成年度任务数", 0) == "完成（AAAAA）年度任务数"


def test_differences_catch_a_difference():
    a = {(1, "N-01", 0), (1, "N-05", None), (2, "N-02", 3), (3, "N-09", None)}
    b = (a - {(2, "N-02", 3)}) | {(2, "N-02", 4)}
    d = bench_run.differences(a, b, "perfrules", "handwritten")
    assert len(d) == 2
    assert d[0].startswith("1 only in perfrules") and "(2, 'N-02', 3)" in d[0]
    assert d[1].startswith("1 only in handwritten") and "(2, 'N-02', 4)" in d[1]
    assert bench_run.differences(a, set(a)) == []
    # A finding on a row is not the same finding as on the project (row None).
    assert bench_run.differences({(1, "N-09", None)}, {(1, "N-09", 0)})
    # check_same names only the contenders that differ from the reference.
    assert bench_run.check_same({"ref": a, "same": set(a), "other": b}, "ref") == {
        "other": bench_run.differences(a, b, "ref", "other")}
    assert bench_run.check_same({"ref": a, "same": set(a)}, "ref") == {}


def _perfrules_set(path: Path, pack, out: Path) -> set:
    """perfrules in process, as a worker of ``perfrules check -j N --format jsonl`` renders,
    read back with the same parser run.py uses on the CLI's output file."""
    from perfrules import pipeline
    settings = pipeline.Settings(fmt="jsonl")
    with open(out, "w", encoding="utf-8") as fh:
        for job in pipeline.jobs([str(path)]):
            for o in pipeline.check_job(job, [pack], settings):
                fh.write(o.text)
    return bench_run.perfrules_findings(out)


def _program_set(path: Path, flatten, check) -> set:
    import orjson
    out = set()
    with open(path, "rb") as fh:
        for no, line in enumerate(fh, 1):
            d = orjson.loads(line)
            out |= {(no, rule, row) for rule, row in check(flatten(d) if flatten else d)}
    return out


@pytest.mark.parametrize("variant,projects", [("warm", 100), ("cold", 30)])
def test_contenders_agree_finding_by_finding(data, variant, projects):
    path = data.dir / f"{variant}-{projects}.jsonl"
    path.write_text("".join(x + "\n" for x in _lines(getattr(data, variant))[:projects]), encoding="utf-8")
    v = contenders.Vocab(data.vocab)
    flatten = contenders.flattener(v)
    sets = {"handwritten": _program_set(path, None, contenders.handwritten_check(v)),
            "flat-python": _program_set(path, flatten, contenders.flat_python_check(v)),
            "perfrules": _perfrules_set(path, data.pack, data.dir / f"{variant}.out")}
    for peer in ("zen", "cel"):
        if contenders.available(peer):
            sets[peer] = _program_set(path, flatten, contenders.peer_evaluator(peer, v))
    assert bench_run.check_same(sets, "handwritten") == {}
    found = sets["handwritten"]
    assert len({rule for _, rule, _ in found}) >= 7  # the data exercises the rules
    assert any(row is None for _, _, row in found) and any(row is not None for _, _, row in found)


def test_tree_memory_counts_the_children():
    # A parent holding ~40 MiB starts a child holding ~40 MiB; both wait a moment.
    child = "b = bytearray(40 << 20); import time; time.sleep(0.4)"
    parent = (f"import subprocess, sys; b = bytearray(40 << 20); "
              f"subprocess.run([sys.executable, '-c', {child!r}], check=True)")
    m = bench_run.run_measured([sys.executable, "-c", parent])
    if m.tree_mb is None:
        pytest.skip("no /proc")
    assert m.processes >= 2
    assert m.tree_mb >= 80, m
    assert m.cpu >= 0 and m.wall > 0.4
