"""Running ``check`` on a Dask cluster (issue 18, item 3): partitions, part files, a summary
merged as a tree, and the same output, summary and exit code as the single-process run.

One ``distributed.LocalCluster`` (two worker processes, a thread each) serves the module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from perfrules import cluster
from perfrules.batch import check_command
from perfrules.pipeline import Outcome, Summary

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py: the synthetic national data)

PROJECTS = 300


@pytest.fixture(scope="module")
def address():
    with warnings.catch_warnings():  # another cluster on this machine holds 8787: a free port is used
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        lc = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    with lc:
        yield lc.scheduler_address


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cluster")
    path, _ = generate.write(PROJECTS, 7, folder / "national.jsonl")
    return path


def single(inputs, out: Path, capsys, fmt: str | None = "jsonl", packs=("national",)) -> tuple[int, bytes, str]:
    """The single-process run: exit code, output bytes, stderr."""
    capsys.readouterr()
    code = check_command(tuple(map(str, inputs)), packs, fmt, str(out))
    return code, out.read_bytes(), capsys.readouterr().err


def on_cluster(inputs, out: Path, scheduler, fmt: str | None = "jsonl", packs=("national",), **kw):
    said: list[str] = []
    code = cluster.run(tuple(map(str, inputs)), packs, fmt, str(out), scheduler=scheduler, echo=said.append, **kw)
    return code, out.read_bytes(), "\n".join(said)


def test_the_cluster_run_equals_the_single_process_run(address, data, tmp_path, capsys):
    code1, out1, err1 = single([data], tmp_path / "one.jsonl", capsys)
    code2, out2, err2 = on_cluster([data], tmp_path / "many.jsonl", address, partition_mb=0.2)
    assert out2 == out1 and len(out1.splitlines()) == PROJECTS
    assert code2 == code1 == 1
    assert err1.strip() in err2  # the same summary, line for line
    parts = sorted(os.listdir(tmp_path / "many.jsonl.parts"))
    assert len(parts) > 2 and parts[0] == "part-00001.jsonl"
    assert b"".join((tmp_path / "many.jsonl.parts" / p).read_bytes() for p in parts) == out1


def test_partitions_cut_at_line_starts_and_know_their_first_line(data):
    raw = data.read_bytes()
    parts = cluster.partitions([str(data)], 50_000)
    assert len(parts) > 5
    assert parts[0].start == 0 and parts[-1].end == len(raw)
    for a, b in zip(parts, parts[1:]):
        assert a.end == b.start and raw[b.start - 1:b.start] == b"\n"  # contiguous, cut after a newline
    for p in parts:
        assert p.line == raw.count(b"\n", 0, p.start) + 1
    assert [p.index for p in parts] == list(range(1, len(parts) + 1))


def test_a_boundary_in_the_middle_keeps_record_names_right(address, data, tmp_path, capsys):
    """Cut into many small partitions (one or two records each): every record keeps its line."""
    sample = tmp_path / "sample.jsonl"
    lines = data.read_bytes().splitlines(keepends=True)[:40]
    sample.write_bytes(b"".join(lines))
    code1, out1, _ = single([sample], tmp_path / "one.jsonl", capsys)
    code2, out2, _ = on_cluster([sample], tmp_path / "many.jsonl", address, partition_mb=0.005)
    names = [json.loads(x)["input"] for x in out2.splitlines()]
    assert names == [f"{sample}:{k}" for k in range(1, 41)]
    assert out2 == out1 and code2 == code1
    assert len(os.listdir(tmp_path / "many.jsonl.parts")) > 10


def test_a_broken_line_is_that_records_error_and_the_rest_go_on(address, data, tmp_path, capsys):
    lines = data.read_bytes().splitlines(keepends=True)[:60]
    lines[25] = b'{"\xe9\xa1\xb9\xe7\x9b\xae": {\n'  # not JSON
    lines[40] = b"\n"                                # blank: no record, the numbering goes on
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"".join(lines))
    code1, out1, err1 = single([broken], tmp_path / "one.jsonl", capsys)
    code2, out2, err2 = on_cluster([broken], tmp_path / "many.jsonl", address, partition_mb=0.02)
    assert out2 == out1 and code2 == code1 == 2
    records = [json.loads(x) for x in out2.splitlines()]
    assert len(records) == 59 and [r["input"] for r in records if "error" in r] == [f"{broken}:26"]
    assert records[-1]["input"] == f"{broken}:60"
    assert f"{broken}:26" in err2 and "无法读取 1 个" in err2
    assert err1.strip() in err2


def test_json_output_is_the_single_process_array(address, data, tmp_path, capsys):
    sample = tmp_path / "sample.jsonl"
    sample.write_bytes(b"".join(data.read_bytes().splitlines(keepends=True)[:30]))
    code1, out1, _ = single([sample], tmp_path / "one.json", capsys, fmt="json")
    code2, out2, _ = on_cluster([sample], tmp_path / "many.json", address, fmt="json", partition_mb=0.01)
    assert out2 == out1 and code2 == code1
    assert len(json.loads(out2)) == 30
    one = tmp_path / "one-line.jsonl"
    one.write_bytes(data.read_bytes().splitlines(keepends=True)[0])
    assert on_cluster([one], tmp_path / "single.json", address, fmt="json")[1] == \
        single([one], tmp_path / "single-1.json", capsys, fmt="json")[1]  # one entry: an object


def test_parquet_input_row_groups_are_partitions(address, data, tmp_path, capsys):
    from perfrules.data.loaders.parquet import to_parquet
    records = [json.loads(x) for x in data.read_text(encoding="utf-8").splitlines()[:50]]
    path = tmp_path / "national.parquet"
    to_parquet(records, str(path), row_group_rows=7)
    code1, out1, _ = single([path], tmp_path / "one.jsonl", capsys)
    code2, out2, _ = on_cluster([path], tmp_path / "many.jsonl", address, partition_mb=0.001)
    assert out2 == out1 and code2 == code1
    assert len(os.listdir(tmp_path / "many.jsonl.parts")) == 8  # 50 rows, 7 a group
    assert json.loads(out2.splitlines()[-1])["input"] == f"{path}:50"


def test_the_rollup_adds_up(data, tmp_path):
    """--rollup without a scheduler: the same partitions, here, one after another."""
    sample = tmp_path / "sample.jsonl"
    sample.write_bytes(b"".join(data.read_bytes().splitlines(keepends=True)[:80]))
    said: list[str] = []
    code = cluster.run((str(sample),), ("national",), None, str(tmp_path / "r.jsonl"),
                       rollup=str(tmp_path / "r.json"), partition_mb=0.1, echo=said.append)
    assert code == 1
    roll = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    out = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(d["projects"] for d in roll["by_department"]) == len(out) == 80
    assert sum(y["projects"] for y in roll["by_year"]) == 80
    live = Counter(f["rule"] for r in out for f in r["findings"] if not f.get("waived"))
    assert {r["rule"]: r["findings"] for r in roll["by_rule"]} == dict(live)
    projects = {r["project"] for r in out}
    assert all(d["主管部门"] for d in roll["by_department"]) and len(projects) > 1
    assert roll["region"] is None and "地区" in roll["region_note"]
    one = tmp_path / "one.jsonl"
    one.write_bytes(data.read_bytes().splitlines(keepends=True)[0])
    cluster.run((str(one),), ("national",), None, str(tmp_path / "r2.jsonl"), rollup=str(tmp_path / "r.md"),
                echo=said.append)
    table = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "按主管部门" in table and "| 主管部门" in table and "按规则" in table


# ---- the reduce --------------------------------------------------------------------------------

def _note(name: str):
    from perfrules.data.notes import Note
    from perfrules.errors import Location
    return Note("skipped_file", Location(name), "跳过", "skipped")


outcomes = st.builds(
    lambda kind, k, sev, rules, grade, notes: Outcome(
        f"in-{k}", kind, severities=Counter(sev) if kind == "result" else Counter(),
        rules=Counter(rules) if kind == "result" else Counter(), grade=grade if kind == "result" else None,
        notes=notes, unread=notes // 2, message=f"in-{k}: 错误" if kind == "error" else None,
        note=_note(f"in-{k}") if kind == "skipped" else None,
        hint=((None, 2019, 2020)[k % 3], f"提示 {k % 3}") if kind == "result" and k % 4 < 2 else None),
    st.sampled_from(["result", "result", "error", "skipped"]), st.integers(0, 30),
    st.lists(st.sampled_from(["veto", "error", "warning", "info"]), max_size=4),
    st.lists(st.sampled_from(["N-01", "N-02", "F-04", "RC-01"]), max_size=4),
    st.sampled_from([None, "优", "良", "中"]), st.integers(0, 3))


def _piece(xs) -> cluster.Piece:
    p = cluster.Piece()
    for o in xs:
        p.add(o, ("部门", 2023))
    return p


@given(st.lists(outcomes, max_size=40), st.data())
def test_summary_merge_is_associative_and_equals_adding_in_order(xs, data):
    i = data.draw(st.integers(0, len(xs)))
    j = data.draw(st.integers(i, len(xs)))
    a, b, c = _piece(xs[:i]), _piece(xs[i:j]), _piece(xs[j:])
    whole = _piece(xs)
    left, right = cluster.merge(cluster.merge(a, b), c), cluster.merge(a, cluster.merge(b, c))
    for m in (left, right):
        assert m.summary == whole.summary and m.summary.lines() == whole.summary.lines()
        assert m.said == whole.said
        assert m.summary.exit_code("warning", strict=True) == whole.summary.exit_code("warning", strict=True)
        assert m.rollup.to_dict() == whole.rollup.to_dict()
    s = Summary()
    for o in xs:
        s.add(o)
    assert a.summary.merge(b.summary).merge(c.summary) == s == a.summary.merge(b.summary.merge(c.summary))


def test_the_tree_merges_neighbours_only():
    assert cluster.tree(list("abcdefg"), lambda x, y: f"({x}{y})") == "(((ab)(cd))((ef)g))"
    assert cluster.tree(["a"], lambda x, y: x + y) == "a"


# ---- the command line ------------------------------------------------------------------------

def test_the_command_line_on_a_local_cluster(data, tmp_path, capsys):
    sample = tmp_path / "sample.jsonl"
    sample.write_bytes(b"".join(data.read_bytes().splitlines(keepends=True)[:40]))
    code, out, err = single([sample], tmp_path / "one.jsonl", capsys)
    many = subprocess.run([sys.executable, "-m", "perfrules", "check", str(sample), "-p", "national",
                           "-o", str(tmp_path / "many.jsonl"), "--scheduler", "local:2", "--partition-mb", "0.02"],
                          capture_output=True, text=True, cwd=ROOT)
    assert many.returncode == code == 1, many.stderr
    assert (tmp_path / "many.jsonl").read_bytes() == out
    assert err.strip() in many.stderr and "many.jsonl.parts" in many.stderr


@pytest.mark.parametrize("args, says", [
    (["--format", "table"], "jsonl、json、parquet"),
    (["-j", "2", "-o", "x.jsonl"], "-j"),
    (["-o", "x.xlsx"], "jsonl、json、parquet"),
])
def test_what_a_partitioned_run_cannot_do_is_refused(data, tmp_path, capsys, args, says):
    args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
    fmt = args[args.index("--format") + 1] if "--format" in args else None
    out = args[args.index("-o") + 1] if "-o" in args else None
    workers = int(args[args.index("-j") + 1]) if "-j" in args else 1
    assert check_command((str(data),), ("national",), fmt, out, workers, rollup=str(tmp_path / "r.json")) == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["row", "columnar"])
def test_a_partition_checks_with_the_engine_asked_for(data, tmp_path, engine):
    """--engine reaches the partitions: row and columnar partitioned runs write the bytes of
    the single-process run (the column-wise pass leaves out only what gives no event)."""
    single = tmp_path / "single.jsonl"
    assert check_command((str(data),), ("national",), "jsonl", str(single), engine="row") in (0, 1)
    out = tmp_path / f"{engine}.jsonl"
    assert check_command((str(data),), ("national",), "jsonl", str(out), engine=engine,
                         rollup=str(tmp_path / "r.json"), partition_mb=0.02) in (0, 1)
    assert out.read_bytes() == single.read_bytes()


def test_only_json_lines_and_parquet_inputs(tmp_path, capsys):
    example = str(ROOT / "examples" / "panyu-2023-ops" / "自评.yaml")
    assert check_command((example,), (), "jsonl", str(tmp_path / "x.jsonl"), rollup=str(tmp_path / "r.json")) == 2
    assert "JSON Lines 或 Parquet" in capsys.readouterr().err


def test_without_dask_the_extra_to_install_is_named(data, tmp_path):
    code = ("import sys; sys.modules['distributed'] = None\nfrom perfrules.cli import main\nmain()")
    run = subprocess.run([sys.executable, "-c", code, "check", str(data), "-o", str(tmp_path / "x.jsonl"),
                          "--scheduler", "local:2"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and "pip install 'perfrules[cluster]'" in run.stderr
