"""Which engine a run's jobs go to (pipeline._batched): the order kept, records judged
column-wise only in runs long enough to pay for it, and never where polars has no room."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfrules import pipeline
from perfrules.engine import columnar
from perfrules.pipeline import AUTO_MIN_RECORDS, RECORDS_PER_BATCH, Job, Settings, _batched


def record(k: int) -> Job:
    return Job(record=json.dumps({"k": k}), source=f"data.jsonl:{k}")


def loose_job(k: int) -> Job:
    return Job(source=f"file-{k}.yaml")


def flatten(items) -> list[Job]:
    out = []
    for x in items:
        assert isinstance(x, (list, tuple)), x
        out += list(x)
    return out


job_lists = st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=12).map(
    # runs of records and of other jobs, so that long runs of records occur
    lambda runs: [record(k) if is_rec else loose_job(k) for is_rec, n in runs for k in range(n)])


@settings(max_examples=150, deadline=None)
@given(job_lists, st.sampled_from(["auto", "columnar"]), st.sampled_from([1, 3, 32]), st.booleans(),
       st.integers(1, 600))
def test_every_job_once_in_order_records_only_in_batches(jobs, engine, loose, usable, minimum):
    """Whatever the mix: each job exactly once, in input order; a list holds only records; a
    tuple at most ``loose`` jobs; no list at all when the column-wise pass is not usable."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "AUTO_MIN_RECORDS", minimum)
        mp.setattr(columnar, "unavailable", lambda auto=False: None if usable else "no")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            items = list(_batched(iter(jobs), Settings(engine=engine), loose=loose))
    assert flatten(items) == jobs
    for x in items:
        if isinstance(x, list):
            assert usable and x and all(j.record is not None for j in x) and len(x) <= RECORDS_PER_BATCH
        else:
            assert 1 <= len(x) <= loose
    batched = [j for x in items if isinstance(x, list) for j in x]
    assert batched == (expected_batched(jobs, 1 if engine == "columnar" else minimum) if usable else [])


def expected_batched(jobs: list[Job], threshold: int) -> list[Job]:
    """The records that go column-wise: from the run's threshold-th record on, and those held
    before it, back to the last other job (which sent the ones before it to the row engine)."""
    positions = [k for k, j in enumerate(jobs) if j.record is not None]
    if len(positions) < threshold:
        return []
    decided = positions[threshold - 1]
    start = max([k + 1 for k in range(decided) if jobs[k].record is None], default=0)
    return [j for j in jobs[start:] if j.record is not None]


def test_auto_waits_for_enough_records_then_batches():
    if columnar.unavailable(auto=True) is not None:
        pytest.skip(columnar.unavailable(auto=True))
    n = AUTO_MIN_RECORDS + RECORDS_PER_BATCH + 5
    items = list(_batched(iter([record(k) for k in range(n)]), Settings(engine="auto")))
    sizes = [len(x) for x in items]
    assert all(isinstance(x, list) for x in items)
    assert sizes[0] == AUTO_MIN_RECORDS and sum(sizes) == n and max(sizes) <= RECORDS_PER_BATCH


def test_a_short_run_stays_on_the_row_engine():
    items = list(_batched(iter([record(k) for k in range(AUTO_MIN_RECORDS - 1)]), Settings(engine="auto")))
    assert all(isinstance(x, tuple) and len(x) == 1 for x in items)


def test_row_never_batches(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps({"项目": {"名称": f"p{k}"}, "绩效指标": []}, ensure_ascii=False)
                              for k in range(AUTO_MIN_RECORDS + 10)) + "\n", "utf-8")
    code = ("import sys; from perfrules import pipeline; from perfrules.engine.packs import load_pack;"
            f"out = list(pipeline.run([{str(data)!r}], [load_pack('national')], chosen=True, engine='row'));"
            "print(len(out), 'polars' in sys.modules)")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert got == [str(AUTO_MIN_RECORDS + 10), "False"]


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS is POSIX")
def test_auto_keeps_to_the_row_engine_under_a_tight_address_space_limit():
    """polars maps ~0.4 GB when imported: under a 1 GB RLIMIT_AS (the fuzzer's workers) auto
    must not choose it, and the reason names the limit; without a limit it is not refused for that."""
    code = ("import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
            "from perfrules.engine.columnar import unavailable; print(unavailable(auto=True))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "1024 MB" in out
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    if soft == resource.RLIM_INFINITY:
        assert columnar.unavailable(auto=True) == columnar.unavailable()
