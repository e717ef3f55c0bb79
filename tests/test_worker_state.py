"""Module state for -j N workers: set only by the pool's initializer, read only by the worker's
entry point, so no run (and no test) leaves packs behind for the next one to pick up."""

import ast
import inspect
import json
from pathlib import Path

from perfrules import batch, pipeline
from perfrules.engine.packs import load_pack

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "panyu-2023-ops"
SICHUAN = ROOT / "examples" / "sichuan-2023-selfeval"


def _functions_naming(module, predicate) -> set[str]:
    tree = ast.parse(inspect.getsource(module))
    return {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
            and any(predicate(x) for x in ast.walk(f))}


def test_only_the_worker_initializer_sets_module_state():
    sets = _functions_naming(pipeline, lambda x: isinstance(x, ast.Global))
    assert sets == {"init_worker"}
    reads = _functions_naming(pipeline, lambda x: isinstance(x, ast.Name) and x.id.startswith("_WORKER_"))
    assert reads == {"init_worker", "_worker_check"}
    # batch keeps no packs of its own (its one global is the umask, read under a lock)
    assert not [k for k in vars(batch) if "PACKS" in k.upper() or k.startswith("_WORKER")]


def test_runs_in_this_process_leave_no_packs_behind():
    packs = [load_pack("national")]
    for workers in (1, 2):
        out = list(pipeline.run_jobs(pipeline.jobs(pipeline.expand([str(EX / "自评.yaml")])), packs,
                                     pipeline.Settings(fmt="jsonl"), workers=workers))
        assert [json.loads(o.text)["input"] for o in out] == [str(EX / "自评.yaml")]
    assert pipeline._WORKER_PACKS is None and pipeline._WORKER_SETTINGS is None


def test_reading_a_job_depends_on_its_arguments_only():
    """load_job reads the declared fields it is given (none by default), whatever ran before."""
    sichuan = [load_pack("sichuan-selfeval-2023")]
    specs = pipeline.field_specs(sichuan)
    assert specs  # the Sichuan pack declares fields
    (src,) = sorted(p for p in SICHUAN.iterdir() if p.suffix in (".xlsx", ".yaml"))[:1]
    job = next(iter(pipeline.jobs(pipeline.expand([str(src)]))))
    list(pipeline.run_jobs(iter([job]), sichuan, pipeline.Settings()))  # a run with declared fields

    def declared(items):
        return [sorted(x.iset.project.fields) for x in items if isinstance(x, pipeline.Loaded)]
    plain, read = declared(pipeline.load_job(job)), declared(pipeline.load_job(job, specs=specs))
    assert plain and all(f == [] for f in plain)
    assert read != plain
