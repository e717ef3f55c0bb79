"""Speed and scale benchmark for perfrules, measured in one run on the same generated data.

    python bench/run.py [--quick] [--json] [--projects N] [--core-projects N] [--seed S]
                        [--repeat R] [--profile] [--no-peers]

Measures
  compile_s            parse + compile the bundled ``national`` pack in process (median)
  cli_single_s         ``perfrules check examples/panyu-2023-ops/申报.yaml`` as a whole process,
                       interpreter start included (median of ≥ 5 runs)
  indicators_per_s_1w  ``perfrules check data.jsonl -j 1 --format jsonl -o out.jsonl``:
  indicators_per_s_2w  indicators in the input ÷ wall time (and the same with -j 2)
  peak_rss_mb          the largest max RSS of those CLI runs (workers included)
  ratio_vs_handwritten perfrules ÷ hand-written Python, the same core rules on the same
                       pre-loaded indicator sets (below 1 means perfrules is faster)
  ratio_vs_peers       {peer: perfrules ÷ peer} for each peer rule engine installed
                       (zen-engine, common-expression-language)

``--quick`` (1,000 projects, single repeats) runs in under a minute; ``--json`` prints one
JSON object. ``--profile`` adds the cProfile top entries of ``batch.check_job`` on 1,000
projects (the end-to-end slow path). See bench/README.md for the rules and the results.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py)

EXAMPLE = "examples/panyu-2023-ops/申报.yaml"
# The core rules: the national pack's rules that every engine can express.
CORE = ("N-01", "N-02", "N-03", "N-04", "N-05", "N-06", "N-09", "N-10", "N-12")
TARGETS = {  # key: (comparison, bound)
    "ratio_vs_handwritten": ("<=", 2.0),
    "ratio_vs_peers": ("<", 1.0),       # every peer
    "indicators_per_s_2w": (">=", 200_000),
    "cli_single_s": ("<=", 0.3),
}
BLANK = ("", "/", "-", "—", "无")


# ---- machine -----------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    try:
        from importlib.metadata import version
        pv = version("perfrules")
    except Exception:  # pragma: no cover
        pv = "?"
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": platform.platform(),
            "perfrules": pv, "loadavg_at_start": [round(x, 2) for x in load] if load else None}


def perfrules_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("perfrules")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "perfrules"]


# ---- compile and the command line ---------------------------------------------------------------

def bench_compile(repeat: int) -> dict:
    t = time.perf_counter()
    from perfrules.engine.packs import load_pack
    from perfrules.language.parser import lark_parser
    imports = time.perf_counter() - t
    t = time.perf_counter()
    lark_parser()  # built once per process (Lark's disk cache), as in a real run; reported on its own
    build = time.perf_counter() - t
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        pack = load_pack("national")
        times.append(time.perf_counter() - t)
    return {"compile_s": statistics.median(times), "compile_min_s": min(times),
            "parser_build_s": build, "engine_import_s": imports, "national_rules": len(pack.compiled.rules)}


def bench_cli_single(repeat: int) -> dict:
    cmd = perfrules_cmd() + ["check", EXAMPLE]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()[-2000:]}")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t
    return {"cli_single_s": statistics.median(times), "cli_single_min_s": min(times),
            "python_startup_s": bare}


def run_child(cmd: list[str]) -> tuple[float, int, float, float]:
    """(wall s, exit code, max RSS MB of the process tree, user+sys CPU s) of one command."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {code}: {err.read().decode()[-2000:]}")
    # Linux reports ru_maxrss in KiB (macOS in bytes); a child's includes its waited workers'.
    rss = ru.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return wall, code, rss, ru.ru_utime + ru.ru_stime


def bench_batch(path: Path, indicators: int, workers: int, repeat: int, out: Path) -> dict:
    cmd = perfrules_cmd() + ["check", str(path), "-j", str(workers), "--format", "jsonl", "-o", str(out)]
    runs = [run_child(cmd) for _ in range(repeat)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[3] for r in runs)
    return {"wall_s": wall, "indicators_per_s": indicators / wall, "cpu_s": cpu,
            "indicators_per_cpu_s": indicators / cpu if cpu else None,
            "peak_rss_mb": max(r[2] for r in runs), "runs": len(runs)}


# ---- the core rules, four ways ------------------------------------------------------------------

def core_pack(folder: Path):
    """A pack of just the CORE rules, cut from the bundled national pack's own files."""
    from perfrules.engine.packs import bundled_root, load_pack
    src = bundled_root() / "national"
    folder.mkdir(parents=True, exist_ok=True)
    for f in src.glob("*.rules"):
        text = f.read_text(encoding="utf-8")
        if "规则 " not in text:
            shutil.copy(f, folder / f.name)  # word lists and synonyms
            continue
        blocks, cur = [], None
        for line in text.splitlines(keepends=True):
            if line.startswith("规则 "):
                cur = [line]
                blocks.append(cur)
            elif cur is not None:
                cur.append(line)
        keep = [b for b in blocks if b[0].split()[1] in CORE]
        (folder / f.name).write_text("".join("".join(b) for b in keep), encoding="utf-8")
    (folder / "pack.yaml").write_text('name: bench-core\nversion: "1.0"\n', encoding="utf-8")
    pack = load_pack(str(folder))
    got = tuple(sorted(r.id for r in pack.compiled.rules))
    assert got == CORE, f"core pack has {got}, expected {CORE}"
    return pack


def load_sets(path: Path, limit: int | None = None) -> list:
    from perfrules.data.loaders import load_mapping
    out = []
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if limit is not None and len(out) >= limit:
                break
            if line.strip():
                out.append(load_mapping(json.loads(line, parse_float=Decimal), f"{path.name}:{no}"))
    return out


def eval_perfrules(pack, isets) -> Counter:
    """perfrules' own evaluation: runner.run with the compiled core pack, findings by rule."""
    from perfrules.engine.runner import run
    counts: Counter = Counter()
    packs = [pack]
    for s in isets:
        for f in run(packs, s).findings:
            if f.rule in CORE:
                counts[f.rule] += 1
    return counts


def eval_perfrules_events(pack, isets) -> Counter:
    """Only the rule evaluation inside runner.run: run_rule's events on a Context, with no
    Finding, message, sorting or built-in reconciliation (where the runner's time goes)."""
    from perfrules.engine.checks import Fail
    from perfrules.engine.runner import run_rule
    from perfrules.engine.context import Context
    counts: Counter = Counter()
    env, rules = pack.compiled.env, pack.compiled.rules
    for s in isets:
        ctx = Context(s, env)
        for rule in rules:
            for ev in run_rule(rule, ctx):
                if type(ev) is Fail:
                    counts[rule.id] += 1
    return counts


def handwritten_rules(env):
    """The core rules as plain Python over the same IndicatorSet objects, with perfrules'
    value reader (read_value, is_met, peak_rate: the meaning of 可衡量, 量化, 达标, 最高完成率)
    and the pack's synonyms and word lists. Returns check(iset) → [(rule, indicator index)]."""
    from perfrules.data.categories import LEVEL1, LEVEL2, clean
    from perfrules.data.values import is_met, peak_rate, read_value
    syn = env.synonyms.canonical
    vague, state = env.vague_words, env.state_words
    mgmt = tuple(clean(w) for w in env.wordlists["管理类用语"])
    budget_words = tuple(clean(w) for w in env.wordlists["预算执行用语"])
    env_words = tuple(clean(w) for w in env.wordlists["环境关键词"])
    eco, it_ops = syn("生态效益"), syn("信息化运维")
    blank = frozenset(BLANK)
    over = Decimal("1.5")

    def check(iset) -> list[tuple[str, int | None]]:
        out = []
        p = iset.project
        it = p is not None and bool(p.categories) and it_ops in {syn(c) or c for c in p.categories}
        self_eval = iset.stage == "自评"
        has_l1 = has_out = has_ben = has_sat = no_method = False
        for i, ind in enumerate(iset.indicators):
            l1 = syn(ind.level1_raw or ind.level1)
            if l1 not in LEVEL1:
                l1 = LEVEL2.get(l1, l1)
            name = ind.name
            if name is None or name.strip() in blank:                              # N-01
                out.append(("N-01", i))
            t = read_value(ind.target, vague_words=vague, state_words=state)
            if not t.measurable:                                                      # N-02
                out.append(("N-02", i))
            cname = clean(name or "")
            if ((l1 in ("产出指标", "效益指标") or l1 is None or l1.strip() in blank)         # N-03
                    and any(w in cname for w in mgmt) and not any(w in cname for w in budget_words)):
                out.append(("N-03", i))
            if it and eco in (l1, syn(ind.level2_raw or ind.level2)):                  # N-04
                m = clean(ind.method or "")
                if not any(w in m for w in env_words):
                    out.append(("N-04", i))
            if l1 is not None and l1.strip() not in blank:
                has_l1 = True
            has_out |= l1 == "产出指标"
            has_ben |= l1 == "效益指标"
            has_sat |= l1 == "满意度指标"
            no_method |= t.quantified and (ind.method is None or ind.method.strip() in blank)
            if ind.actual is not None:
                a = read_value(ind.actual, vague_words=vague, state_words=state)
                if not a.empty and is_met(t, a) is False and not self_eval:           # N-10
                    out.append(("N-10", i))
                rate = peak_rate(t, a)
                no_reason = ind.deviation is None or ind.deviation.strip() in blank
                if rate is not None and rate > over and not (self_eval and no_reason):  # N-12
                    out.append(("N-12", i))
        if has_l1 and not (has_out and has_ben):                                      # N-05
            out.append(("N-05", None))
        if has_l1 and not has_sat:                                                    # N-06
            out.append(("N-06", None))
        if no_method:                                                                 # N-09 (once a table)
            out.append(("N-09", None))
        return out
    return check


def eval_handwritten(check, isets) -> Counter:
    counts: Counter = Counter()
    for s in isets:
        for rule, _ in check(s):
            counts[rule] += 1
    return counts


def flatten(iset, env) -> dict:
    """An indicator set as plain data for the peer engines. The value reader's verdicts
    (可衡量, 量化, 达标, 最高完成率) and the synonym-normalised 一级/二级 are computed here, once,
    outside the timing, so every engine evaluates the same predicates."""
    from perfrules.data.categories import LEVEL1, LEVEL2, clean
    from perfrules.data.values import is_met, peak_rate, read_value
    syn = env.synonyms.canonical
    inds = []
    for i, ind in enumerate(iset.indicators):
        l1 = syn(ind.level1_raw or ind.level1)
        if l1 not in LEVEL1:
            l1 = LEVEL2.get(l1, l1)
        t = read_value(ind.target, vague_words=env.vague_words, state_words=env.state_words)
        a = read_value(ind.actual, vague_words=env.vague_words, state_words=env.state_words)
        met = is_met(t, a)
        rate = peak_rate(t, a)
        dev = ind.deviation
        inds.append({"i": i, "name": syn(ind.name) or "", "cname": clean(ind.name or ""), "l1": l1 or "",
                     "l2": syn(ind.level2_raw or ind.level2) or "", "method": clean(ind.method or ""),
                     "measurable": t.measurable, "quantified": t.quantified, "has_actual": not a.empty,
                     "met": -1 if met is None else int(met), "completion": -1.0 if rate is None else float(rate),
                     "no_reason": dev is None or dev.strip() in BLANK})
    p = iset.project
    cats = sorted({syn(c) or c for c in p.categories}) if p is not None else []
    return {"cats": cats, "stage": iset.stage or "", "inds": inds}


def _lit(words) -> str:
    return "[" + ", ".join(json.dumps(w, ensure_ascii=False) for w in words) + "]"


def cel_expression(env) -> str:
    """The core rules as one CEL expression: a map rule → fired indicator indices (or a bool)."""
    from perfrules.data.categories import clean
    syn = env.synonyms.canonical
    mgmt = _lit(clean(w) for w in env.wordlists["管理类用语"])
    budget = _lit(clean(w) for w in env.wordlists["预算执行用语"])
    kw = _lit(clean(w) for w in env.wordlists["环境关键词"])
    blank = _lit(BLANK)
    return f"""{{
  "N-01": inds.filter(x, x.name in {blank}).map(x, x.i),
  "N-02": inds.filter(x, !x.measurable).map(x, x.i),
  "N-03": inds.filter(x, (x.l1 in ["产出指标", "效益指标"] || x.l1 in {blank})
                         && {mgmt}.exists(k, x.cname.contains(k))
                         && !{budget}.exists(k, x.cname.contains(k))).map(x, x.i),
  "N-04": "{syn('信息化运维')}" in cats
          ? inds.filter(x, (x.l1 == "{syn('生态效益')}" || x.l2 == "{syn('生态效益')}")
                           && !{kw}.exists(k, x.method.contains(k))).map(x, x.i)
          : [],
  "N-05": inds.exists(x, !(x.l1 in {blank}))
          && !(inds.exists(x, x.l1 == "产出指标") && inds.exists(x, x.l1 == "效益指标")),
  "N-06": inds.exists(x, !(x.l1 in {blank})) && !inds.exists(x, x.l1 == "满意度指标"),
  "N-09": inds.exists(x, x.quantified && x.method in {blank}),
  "N-10": stage == "自评" ? [] : inds.filter(x, x.has_actual && x.met == 0).map(x, x.i),
  "N-12": inds.filter(x, x.completion > 1.5 && !(stage == "自评" && x.no_reason)).map(x, x.i)
}}"""


def zen_expression(env) -> str:
    """The same in the GoRules zen expression language (``#`` is the current element; a
    nested closure cannot see the outer one, so the keyword test is spelt out)."""
    from perfrules.data.categories import clean
    syn = env.synonyms.canonical
    mgmt = " or ".join(f"contains(#.cname, {json.dumps(clean(w), ensure_ascii=False)})"
                       for w in env.wordlists["管理类用语"])
    budget = " or ".join(f"contains(#.cname, {json.dumps(clean(w), ensure_ascii=False)})"
                         for w in env.wordlists["预算执行用语"])
    kw = " or ".join(f"contains(#.method, {json.dumps(clean(w), ensure_ascii=False)})"
                     for w in env.wordlists["环境关键词"])
    blank = _lit(BLANK)
    eco = json.dumps(syn("生态效益"), ensure_ascii=False)
    return f"""{{
  "N-01": map(filter(inds, #.name in {blank}), #.i),
  "N-02": map(filter(inds, not #.measurable), #.i),
  "N-03": map(filter(inds, (#.l1 in ["产出指标", "效益指标"] or #.l1 in {blank}) and ({mgmt})
                           and not ({budget})), #.i),
  "N-04": "{syn('信息化运维')}" in cats
          ? map(filter(inds, (#.l1 == {eco} or #.l2 == {eco}) and not ({kw})), #.i)
          : [],
  "N-05": some(inds, not (#.l1 in {blank}))
          and not (some(inds, #.l1 == "产出指标") and some(inds, #.l1 == "效益指标")),
  "N-06": some(inds, not (#.l1 in {blank})) and not some(inds, #.l1 == "满意度指标"),
  "N-09": some(inds, #.quantified and #.method in {blank}),
  "N-10": stage == "自评" ? [] : map(filter(inds, #.has_actual and #.met == 0), #.i),
  "N-12": stage == "自评" ? map(filter(inds, #.completion > 1.5 and not #.no_reason), #.i)
          : map(filter(inds, #.completion > 1.5), #.i)
}}"""


def _tally(counts: Counter, result: dict) -> None:
    for rule, v in result.items():
        if v is True:
            counts[rule] += 1
        elif v and v is not False:
            counts[rule] += len(v)


def peers(env) -> dict:
    """{name: (prepare(flat sets) → inputs, evaluate(inputs) → Counter)} for installed peers."""
    out = {}
    try:
        import zen
    except ImportError:
        zen = None
    if zen is not None:
        expr = zen.compile_expression(zen_expression(env))

        def zen_eval(inputs) -> Counter:
            counts: Counter = Counter()
            ev = expr.evaluate
            for s in inputs:
                _tally(counts, ev(s))
            return counts
        # zen takes a JSON string or a dict; a pre-serialised string is its fastest input.
        out["zen-engine"] = (lambda flat: [json.dumps(f, ensure_ascii=False) for f in flat], zen_eval)
    try:
        import cel
    except ImportError:
        cel = None
    if cel is not None:
        prog = cel.compile(cel_expression(env))

        def cel_eval(inputs) -> Counter:
            counts: Counter = Counter()
            ex = prog.execute
            for s in inputs:
                _tally(counts, ex(s))
            return counts
        def cel_prepare(flat) -> list:
            # A cel.Context built once per project holds the converted values: faster than
            # handing execute() a dict, which it converts on every call.
            ctxs = []
            for f in flat:
                c = cel.Context()
                c.add_variable("inds", f["inds"])
                c.add_variable("cats", f["cats"])
                c.add_variable("stage", f["stage"])
                ctxs.append(c)
            return ctxs
        out["common-expression-language"] = (cel_prepare, cel_eval)
    return out


def _timed(fn, arg, repeat: int):
    fn(arg)  # warm-up: value-reader cache, first-call costs
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        result = fn(arg)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def bench_core(path: Path, n_projects: int, repeat: int, use_peers: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="perfrules-bench-core-") as tmp:
        pack = core_pack(Path(tmp) / "core")
    env = pack.compiled.env
    isets = load_sets(path, n_projects)
    indicators = sum(len(s.indicators) for s in isets)
    check = handwritten_rules(env)
    t_pr, c_pr = _timed(lambda xs: eval_perfrules(pack, xs), isets, repeat)
    t_hw, c_hw = _timed(lambda xs: eval_handwritten(check, xs), isets, repeat)
    assert c_pr == c_hw, f"perfrules and hand-written disagree: {dict(c_pr)} vs {dict(c_hw)}"
    t_ev, c_ev = _timed(lambda xs: eval_perfrules_events(pack, xs), isets, repeat)
    assert c_ev == c_pr, f"run_rule events and findings disagree: {dict(c_ev)} vs {dict(c_pr)}"
    res = {"projects": len(isets), "indicators": indicators, "rules": list(CORE),
           "findings": sum(c_pr.values()), "findings_by_rule": dict(sorted(c_pr.items())),
           "perfrules_s": t_pr, "handwritten_s": t_hw, "ratio_vs_handwritten": t_pr / t_hw,
           "perfrules_rules_only_s": t_ev, "rules_only_vs_handwritten": t_ev / t_hw,
           "perfrules_indicators_per_s": indicators / t_pr, "peers_s": {}, "ratio_vs_peers": {}}
    if use_peers:
        flat = [flatten(s, env) for s in isets]
        for name, (prepare, evaluate) in peers(env).items():
            inputs = prepare(flat)
            t, c = _timed(evaluate, inputs, repeat)
            assert c == c_pr, f"{name} and perfrules disagree: {dict(c)} vs {dict(c_pr)}"
            res["peers_s"][name] = t
            res["ratio_vs_peers"][name] = t_pr / t
    return res


# ---- profile ------------------------------------------------------------------------------------

def profile_check_job(path: Path, n_projects: int, top: int = 25) -> str:
    """cProfile of batch.check_job (load one JSON line, run the national pack, write the
    JSON line) on the first n projects: the per-project work of `perfrules check -j N`."""
    import cProfile
    import io
    import itertools
    import pstats
    from perfrules import batch
    from perfrules.engine.packs import load_pack
    packs, settings = [load_pack("national")], batch.Settings(fmt="jsonl")
    jobs = list(itertools.islice(batch.jobs([str(path)]), n_projects))
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for job in jobs:
        batch.check_job(job, packs, settings)
    prof.disable()
    wall = time.perf_counter() - t
    buf = io.StringIO()
    buf.write(f"check_job on {len(jobs)} projects: {wall:.2f} s under cProfile\n")
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)
    return buf.getvalue().replace(str(ROOT) + "/", "")


def breakdown(path: Path, n_projects: int) -> str:
    """Without a profiler's overhead: check_job's phases on n projects (parse the JSON line,
    build the IndicatorSet, run the national pack, serialise the result), then the run
    phase rule by rule (each rule alone on a fresh Context, so a rule pays for the value
    readings it needs, as the first rule to need them does in a real run)."""
    import itertools
    from perfrules import batch
    from perfrules.data.loaders import load_mapping
    from perfrules.engine.context import Context
    from perfrules.engine.runner import run_rule
    from perfrules.engine.packs import load_pack
    from perfrules.engine.runner import run
    pack = load_pack("national")
    jobs = list(itertools.islice(batch.jobs([str(path)]), n_projects))
    t = {"json.loads": 0.0, "load_mapping": 0.0, "runner.run": 0.0, "to_dict + json.dumps": 0.0}
    isets, n_ind = [], 0
    for job in jobs:
        t0 = time.perf_counter()
        obj = json.loads(job.record, parse_float=Decimal)
        t1 = time.perf_counter()
        s = load_mapping(obj, job.source)
        t2 = time.perf_counter()
        res = run([pack], s)
        t3 = time.perf_counter()
        json.dumps(res.to_dict(), ensure_ascii=False)
        t4 = time.perf_counter()
        for k, a, b in (("json.loads", t0, t1), ("load_mapping", t1, t2), ("runner.run", t2, t3),
                        ("to_dict + json.dumps", t3, t4)):
            t[k] += b - a
        isets.append(s)
        n_ind += len(s.indicators)
    total = sum(t.values())
    out = [f"check_job phases on {len(jobs)} projects, {n_ind} indicators (no profiler): {total:.2f} s, "
           f"{n_ind / total:,.0f} indicators/s on one core"]
    out += [f"  {k:<22} {v:7.3f} s  {v / total:6.1%}  {v / n_ind * 1e6:7.1f} µs/indicator" for k, v in t.items()]
    env = pack.compiled.env
    per_rule = []
    for rule in pack.compiled.rules:
        t0 = time.perf_counter()
        for s in isets:
            for _ in run_rule(rule, Context(s, env)):
                pass
        per_rule.append((time.perf_counter() - t0, rule.id, rule.title))
    out.append("  runner.run by rule (each alone, fresh Context; value-reader cache warm):")
    for dt, rid, title in sorted(per_rule, reverse=True):
        out.append(f"    {rid:<6} {dt:6.3f} s  {dt / n_ind * 1e6:6.1f} µs/indicator  {title}")
    return "\n".join(out) + "\n"


def profile_cli_single(top: int = 15) -> str:
    """Where the single-file CLI run goes: ``python -X importtime`` of the same command
    (the top-level imports by cumulative time) and its wall time."""
    cmd = [sys.executable, "-X", "importtime", "-m", "perfrules", "check", EXAMPLE]
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line.split(":", 1)[1].split("|", 2)
        rows.append((int(cum_us), int(self_us), name[1:].rstrip()))  # drop the one separator space
    total = sum(c for c, _, n in rows if not n.startswith(" "))
    out = [f"perfrules check {EXAMPLE} under -X importtime: {wall:.3f} s wall, "
           f"{total / 1e6:.3f} s in imports (top level), of which:",
           f"{'cumulative ms':>14} {'self ms':>8}  module"]
    for cum, own, name in sorted(rows, reverse=True)[:top]:
        out.append(f"{cum / 1000:>14.1f} {own / 1000:>8.1f}  {name}")
    return "\n".join(out) + "\n"


# ---- main ---------------------------------------------------------------------------------------

def verdicts(r: dict) -> dict:
    out = {}
    for key, (op, bound) in TARGETS.items():
        v = r.get(key)
        if v is None or v == {}:
            out[key] = {"target": f"{op} {bound}", "value": v, "met": None}
            continue
        vals = list(v.values()) if isinstance(v, dict) else [v]
        ok = all({"<=": x <= bound, "<": x < bound, ">=": x >= bound}[op] for x in vals)
        out[key] = {"target": f"{op} {bound}", "value": v, "met": ok}
    return out


def _round(x):
    if isinstance(x, float):
        return round(x, 4) if abs(x) < 1000 else round(x)
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 projects, single repeats: under a minute")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--projects", type=int, help="projects for the CLI runs (default 10,000; quick 1,000)")
    ap.add_argument("--core-projects", type=int, help="projects for the core-rule comparison (default 2,000; quick 500)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, help="repeats of each timing (default 3; quick 1; CLI single ≥ 5)")
    ap.add_argument("--profile", action="store_true", help="add the cProfile of check_job on 1,000 projects")
    ap.add_argument("--no-peers", action="store_true", help="skip the peer engines")
    args = ap.parse_args(argv)
    projects = args.projects or (1000 if args.quick else 10_000)
    core_n = args.core_projects or (500 if args.quick else 2000)
    repeat = args.repeat or (1 if args.quick else 3)
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print

    r: dict = {"machine": machine(), "date": None, "projects": projects, "seed": args.seed}
    r["date"] = r["machine"]["date"]
    data = generate.default_path(max(projects, core_n), args.seed)
    if not data.exists():
        log(f"generating {data.relative_to(ROOT)} …")
        generate.write(max(projects, core_n), args.seed, data)
    if max(projects, core_n) != projects:  # the CLI runs read exactly `projects` lines
        cli_data = generate.default_path(projects, args.seed)
        if not cli_data.exists():
            generate.write(projects, args.seed, cli_data)
    else:
        cli_data = data
    n_proj, n_ind = generate.count_indicators(cli_data)
    r["indicators"] = n_ind

    log("compile …")
    r.update(bench_compile(max(3, repeat * 2 + 1)))
    log("cli single …")
    r.update(bench_cli_single(max(5, repeat * 2 + 1)))
    with tempfile.TemporaryDirectory(prefix="perfrules-bench-") as tmp:
        batch = {}
        for w in (1, 2):
            log(f"cli batch -j {w} on {n_proj} projects, {n_ind} indicators …")
            batch[f"{w}w"] = bench_batch(cli_data, n_ind, w, repeat, Path(tmp) / f"out{w}.jsonl")
        if (Path(tmp) / "out1.jsonl").read_bytes() != (Path(tmp) / "out2.jsonl").read_bytes():
            raise AssertionError("-j 1 and -j 2 wrote different output")
    r["indicators_per_s_1w"] = batch["1w"]["indicators_per_s"]
    r["indicators_per_s_2w"] = batch["2w"]["indicators_per_s"]
    r["indicators_per_cpu_s_1w"] = batch["1w"]["indicators_per_cpu_s"]
    r["speedup_2w"] = batch["1w"]["wall_s"] / batch["2w"]["wall_s"]
    r["peak_rss_mb"] = max(b["peak_rss_mb"] for b in batch.values())
    r["batch"] = batch
    log(f"core rules on {core_n} projects …")
    core = bench_core(data, core_n, repeat, use_peers=not args.no_peers)
    r["ratio_vs_handwritten"] = core["ratio_vs_handwritten"]
    r["ratio_vs_peers"] = core["ratio_vs_peers"]
    r["core"] = core
    r["targets"] = verdicts(r)
    r["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.profile:
        log("profile …")
        r["profile"] = "\n".join([profile_cli_single(), breakdown(cli_data, 1000), profile_check_job(cli_data, 1000)])
    r = _round(r)
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
        return 0
    for k in ("date", "projects", "indicators", "compile_s", "parser_build_s", "cli_single_s", "python_startup_s",
              "indicators_per_s_1w", "indicators_per_s_2w", "indicators_per_cpu_s_1w", "speedup_2w",
              "peak_rss_mb", "ratio_vs_handwritten", "ratio_vs_peers"):
        print(f"{k:>24}: {r.get(k)}")
    print(f"{'machine':>24}: {r['machine']}")
    c = r["core"]
    print(f"{'core rules':>24}: {c['projects']} projects, {c['indicators']} indicators, {c['findings']} findings "
          f"{c['findings_by_rule']}")
    print(f"{'core timings (s)':>24}: perfrules {c['perfrules_s']} (rule evaluation alone "
          f"{c['perfrules_rules_only_s']}), hand-written {c['handwritten_s']}, "
          + ", ".join(f"{k} {v}" for k, v in c["peers_s"].items()))
    for k, v in r["targets"].items():
        mark = "ok" if v["met"] else ("MISSED" if v["met"] is False else "n/a")
        print(f"{'target ' + k:>24}: {v['target']:<12} {mark}")
    if args.profile:
        print(r["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
