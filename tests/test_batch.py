"""Batch mode: order, streaming, a broken project among good ones, interruption."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from perfrules import batch, pipeline
from perfrules.engine.packs import load_pack

ROOT = Path(__file__).resolve().parent.parent
PERFRULES = [sys.executable, "-m", "perfrules"]
BASE = yaml.safe_load((ROOT / "examples/panyu-2023-ops/申报.yaml").read_text(encoding="utf-8"))


def write_jsonl(path: Path, n: int, broken_at: int | None = None) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            if k == broken_at:
                fh.write('{"绩效指标": [ broken\n')
                continue
            d = json.loads(json.dumps(BASE, default=str))
            d["项目"]["名称"] = f"项目{k:05d}"
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")


def cli(*args, timeout=120):
    return subprocess.run([*PERFRULES, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def test_results_keep_input_order_with_two_workers_and_a_broken_line(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, 60, broken_at=17)
    r = cli("check", str(src), "-j", "2", "--format", "jsonl", "-o", str(out))
    assert r.returncode == 2  # a broken project: reported, and the rest go on
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 60
    assert "error" in lines[17] and lines[17]["input"].endswith(":18")
    names = [x["project"] for k, x in enumerate(lines) if k != 17]
    assert names == [f"项目{k:05d}" for k in range(60) if k != 17]
    assert f"共 60 个项目（无法读取 1 个：{src}:18）" in r.stderr


def test_folders_are_grouped_by_project_and_globs_expand(tmp_path):
    r = cli("check", "examples/panyu-2023-ops/*.yaml", "-p", "national", "--format", "jsonl")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [Path(x["input"]).name for x in lines] == ["申报.yaml", "自评.yaml", "评价.yaml"]
    # The 自评 set was checked with its 申报 set at hand (stages of one folder): N-13 fires.
    assert any(f["rule"] == "N-13" for f in lines[1]["findings"])


@pytest.mark.parametrize("engine", ["row", "auto"])
def test_jobs_stream_lazily(engine):
    # A generator of a million projects: taking three outcomes runs three jobs (row), or the
    # few hundred auto reads before it chooses the column-wise pass, not the lot.
    taken = []

    def records():
        for k in range(10**6):
            taken.append(k)
            yield pipeline.Job(record=json.dumps({"绩效指标": [{"三级指标": f"甲{k}", "指标值": "5个"}]}),
                               source=f"gen:{k}")
    it = pipeline.run_jobs(records(), [load_pack("national")], pipeline.Settings(fmt="jsonl", engine=engine))
    first = [next(it) for _ in range(3)]
    assert [json.loads(o.text)["input"] for o in first] == ["gen:0", "gen:1", "gen:2"]
    assert len(taken) == (3 if engine == "row" else pipeline.AUTO_MIN_RECORDS)


def test_the_former_batch_names_still_check_a_job(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 2)
    packs = [load_pack("national")]
    out = [o for job in batch.jobs([str(src)]) for o in batch.check_job(job, packs, batch.Settings(fmt="jsonl"))]
    assert [json.loads(o.text)["project"] for o in out] == ["项目00000", "项目00001"]


def test_interrupted_json_output_leaves_the_previous_file(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.json"
    write_jsonl(src, 4000)
    out.write_text("previous", encoding="utf-8")
    p = subprocess.Popen([*PERFRULES, "check", str(src), "--format", "json", "-o", str(out)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(x.name.startswith(".out.json.") and x.stat().st_size > 50_000
                                             for x in tmp_path.iterdir()):
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert out.read_text(encoding="utf-8") == "previous"  # whole or not at all
    assert sorted(x.name for x in tmp_path.iterdir()) == ["in.jsonl", "out.json"]
    assert "未写出输出文件" in err


def test_interrupt_leaves_whole_lines(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, 4000)
    p = subprocess.Popen([*PERFRULES, "check", str(src), "--format", "jsonl", "-o", str(out)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 50_000):
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = text.splitlines()
    assert 0 < len(lines) < 4000
    for line in lines:
        json.loads(line)  # every line is whole
    assert "已中断" in err
