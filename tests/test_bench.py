"""bench/: the generator is deterministic and realistic enough to fire every core rule, and
the benchmark's evaluators (perfrules, hand-written Python, the peer engines) agree on the
findings, so the speed comparison in bench/README.md compares like with like."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module(name: str, file: str):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(BENCH))  # run.py imports generate.py from beside it
    spec = importlib.util.spec_from_file_location(name, BENCH / file)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


generate = _module("generate", "generate.py")
bench_run = _module("perfrules_bench_run", "run.py")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("bench")
    path, n = generate.write(20, seed=7, out=d / "p20.jsonl")
    pack = bench_run.core_pack(d / "core")
    return path, n, pack, bench_run.load_sets(path)


def test_generator_is_deterministic_and_canonical(data, tmp_path):
    path, n, _, isets = data
    again, _ = generate.write(20, seed=7, out=tmp_path / "again.jsonl")
    assert again.read_bytes() == path.read_bytes()
    shorter, _ = generate.write(5, seed=7, out=tmp_path / "five.jsonl")  # a prefix of the bigger set
    assert path.read_text(encoding="utf-8").splitlines()[:5] == shorter.read_text(encoding="utf-8").splitlines()
    other, _ = generate.write(5, seed=8, out=tmp_path / "other.jsonl")
    assert other.read_bytes() != shorter.read_bytes()
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 20 and sum(len(p["绩效指标"]) for p in lines) == n
    for p in lines:
        assert set(p) == {"项目", "阶段", "预算", "绩效指标"}
        assert set(p["项目"]) == {"名称", "主管部门", "类别", "性质", "年度"}
        assert set(p["预算"]) == {"年度预算", "支出"}
        assert 8 <= len(p["绩效指标"]) <= 15
        for row in p["绩效指标"]:
            assert {"一级指标", "三级指标", "指标值", "分值"} <= set(row) <= {
                "一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "佐证材料", "分值", "计算方法"}
    # Every project loads cleanly: no warnings about unknown keys.
    assert len(isets) == 20 and not any(s.notes for s in isets)


def test_handwritten_and_perfrules_agree(data):
    _, _, pack, isets = data
    check = bench_run.handwritten_rules(pack.compiled.env)
    ours = bench_run.eval_perfrules(pack, isets)
    assert ours == bench_run.eval_handwritten(check, isets)
    assert sum(ours.values()) > 0 and len(ours) >= 5  # the data exercises the rules
    # Per project too, not just in total.
    for s in isets:
        assert bench_run.eval_perfrules(pack, [s]) == Counter(r for r, _ in check(s)), s.source


@pytest.mark.parametrize("module,peer", [("zen", "zen-engine"), ("cel", "common-expression-language")])
def test_peer_engines_agree(data, module, peer):
    pytest.importorskip(module)
    _, _, pack, isets = data
    env = pack.compiled.env
    prepare, evaluate = bench_run.peers(env)[peer]
    flat = [bench_run.flatten(s, env) for s in isets]
    assert evaluate(prepare(flat)) == bench_run.eval_perfrules(pack, isets)
