"""The column-wise back end (perfrules/engine/columnar.py) against the row engine, its reference:
``run_batch(packs, sets)`` must give exactly ``[run(packs, s) for s in sets]`` — result by
result, findings, "not applicable" and score sheets (``Result.to_dict()``) — for the bundled
packs and generated rule texts, on generated indicator sets (missing fields, unnamed rows, vague
values, score sheets), on the bench generator's projects; and without polars it runs the row
engine and says so."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from perfrules.data.indicators import Budget, IndicatorSet, Project, ScoreEntry
from perfrules.engine import columnar
from perfrules.engine.packs import load_pack
from perfrules.engine.runner import run
from perfrules.errors import PerfrulesError
from perfrules.language.parser import parse_text
from perfrules.engine.compiler import compile_files

from helpers import ind, make_pack
from strategies import indicator_sets, indicators, pack_indicator_sets, rich_budgets, scored_indicators

pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ["national", "national-selfeval", "panyu-project-2023", "sichuan-selfeval-2023", "guangzhou-dept-2022"]
PACKS = {name: load_pack(name) for name in BUNDLED}
# Fewer examples than the profile's: each one runs a whole batch both ways.
HEAVY = settings(max_examples=max(10, settings().max_examples // 4), deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def same(packs, sets, related=None):
    """run_batch equals the row engine, result by result (and says what differs when not);
    where the row engine fails (a rule it cannot run on a set), run_batch fails the same way."""
    try:
        want = [run(packs, s, r) for s, r in zip(sets, related or [None] * len(sets))]
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            columnar.run_batch(packs, sets, related, strict=True)
        return
    got = columnar.run_batch(packs, sets, related, strict=True)
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(want, got)):
        da, db = a.to_dict(), b.to_dict()
        if da != db:
            diff = {key: (da[key], db[key]) for key in da if da[key] != db.get(key)}
            pytest.fail(f"set {k} differs:\n" + json.dumps(diff, ensure_ascii=False, indent=1, default=str)[:4000])


# ---- indicator sets with what is often missing -----------------------------------------------

@st.composite
def odd_sets(draw) -> IndicatorSet:
    """Sets with fields left out: no project, no 类别, no stage, no budget; rows without
    分值/得分 beside a score sheet naming them; goal and closing texts sometimes."""
    rows = tuple(draw(st.lists(st.one_of(indicators(), scored_indicators()), max_size=8)))
    project = draw(st.none() | st.builds(
        Project, name=st.sampled_from(["生态环境监测项目", "政务云运维项目", None]),
        categories=st.lists(st.sampled_from(["信息化运维", "信息化建设", "环境保护"]), max_size=2, unique=True),
        year=st.sampled_from([2022, 2023, None]), department=st.sampled_from([None, "区财政局", "某中心"]),
        unit=st.sampled_from([None, "区政务服务数据管理局", "某公司"]), nature=st.sampled_from([None, "经常性"])))
    names = [x.name for x in rows if x.name] + ["其他"]
    scores = tuple(draw(st.lists(st.builds(
        ScoreEntry, path=st.sampled_from(names).map(lambda x: f"项目绩效/{x}"),
        weight=st.none() | st.integers(0, 20).map(Decimal), score=st.none() | st.integers(0, 20).map(Decimal)),
        max_size=3)))
    return IndicatorSet(rows, project=project, budget=draw(st.none() | rich_budgets() | st.just(Budget())),
                        stage=draw(st.sampled_from([None, "申报", "自评", "评价"])), scores=scores,
                        goal=draw(st.sampled_from([None, "提高服务质量", "资金用于运维"])),
                        goal_actual=draw(st.sampled_from([None, "已完成", "提高服务质量"])),
                        statement=draw(st.sampled_from([(), (("存在问题", "无"),), (("评价结论", "执行率低因尾款未付"),)])),
                        adjustment_docs=draw(st.sampled_from([(), ("调整批复",)])), source="odd.yaml")


any_sets = st.one_of(indicator_sets(), odd_sets())


@HEAVY
@given(name=st.sampled_from(BUNDLED), data=st.data())
def test_bundled_packs_give_the_row_engines_results(name, data):
    pack = PACKS[name]
    sets = data.draw(st.lists(st.one_of(any_sets, pack_indicator_sets(pack)), min_size=1, max_size=6))
    same([pack], sets)


@HEAVY
@given(sets=st.lists(any_sets, min_size=1, max_size=5))
def test_several_packs_at_once(sets):
    same([PACKS["national"], PACKS["national-selfeval"]], sets)


@HEAVY
@given(sets=st.lists(any_sets, min_size=1, max_size=4), declared=st.lists(st.none() | indicator_sets(), min_size=4,
                                                                            max_size=4))
def test_with_another_stage_alongside(sets, declared):
    related = [{"申报": d} if d is not None else None for d, _ in zip(declared, sets)]
    same([PACKS["national"]], sets, related)


ROWS = (ind("服务对象满意度", "≥90%", level1="满意度指标", level2="服务对象满意度指标", actual="95%", weight=Decimal(10)),
        ind("/", "提升", level1="效益指标", level2="生态效益", actual="已完成"),
        ind("资金拨付率", "91%", level1="产出指标", level2="数量指标", actual="84.40%", weight=Decimal(5)),
        ind("资金拨付率", "≥100万元", level1="产出指标", level2="成本指标"),
        ind(None, None))
SAMPLE = [IndicatorSet(ROWS, project=Project(name="甲", categories=("信息化运维",), year=2023), stage="自评",
                       budget=Budget(annual=Decimal(100), spent=Decimal(80)), source="a"),
          IndicatorSet(ROWS[:3], project=Project(name="乙"), stage="申报",
                       scores=(ScoreEntry(path="项目绩效/资金拨付率", weight=Decimal(5), score=Decimal(3)),), source="b"),
          IndicatorSet((), source="empty")]


def test_a_set_repeated_in_a_batch_and_across_batches(monkeypatch):
    """Answers kept per distinct cell (and per project's parts) across batches stay right."""
    monkeypatch.setattr(columnar, "BATCH", 2)
    same([PACKS["national"], PACKS["sichuan-selfeval-2023"]], SAMPLE * 3)


def test_a_batch_of_empty_sets_and_no_sets():
    same([PACKS["national"]], [IndicatorSet((), source="a"), IndicatorSet((), stage="自评", source="b")])
    assert columnar.run_batch([PACKS["national"]], []) == []


# ---- generated rule texts ---------------------------------------------------------------------

ROW_ATOMS = [
    "三级指标 为空", "三级指标 非空", "指标值 是 可衡量", "指标值 是 量化", "指标值 是 定性", "指标值 是 模糊",
    "指标值 是 百分数", "指标值 是 正向", "指标值 是 带比较符号", "指标值 是 时限", "指标值 是 金额", "指标值 是 计数",
    "一级指标 是 产出指标", "一级指标 属于 [产出指标, 效益指标]", "一级指标 为空", "二级指标 非空",
    "二级指标 是 数量指标", "三级指标 包含 [率, 数量]", "三级指标 包含短语 「满意度」", "三级指标 词尾属于 [率, 数量, 满意度]",
    "三级指标 不包含 「资金」", "指标值 ≥ 90%", "指标值 < 100", "得分 < 分值", "分值 > 5", "得分 = 分值",
    "指标 是 达标", "指标 不是 达标", "指标 是 重复", "指标 不是 重复", "指标 是 名实相符", "最高完成率 > 150%",
    "完成率 < 80%", "实际完成值 为空", "实际完成值 是 带比较符号", "计算方法 为空", "计算方法 包含 「调查」",
    "佐证材料 非空", "佐证材料 为空", "指标值 是 预算数", "字数(三级指标) > 4", "指标值 属于 [90%, 100%]",
    "指标 是 有佐证", "指标 是 类别名称规范", "偏差原因 为空", "赋值依据 非空", "60% ≤ 完成率 < 120%",
    "一级指标权重 ≥ 30", "三级指标 = 「服务对象满意度」", "指标 是 与申报一致", "实际完成值 ≥ 指标值",
]
PROJECT_ATOMS = [
    "阶段 是 自评", "阶段 非空", "阶段 属于 [自评, 评价]", "类别 包含 信息化运维", "类别 非空", "执行率 < 90%",
    "年度预算 > 100", "支出 为空", "项目名称 包含 「项目」", "性质 是 经常性", "年度 ≥ 2023", "产出指标权重 ≠ 50",
    "预算说明 为空", "计数(指标) ≥ 3", "合计(分值) ≠ 100", "平均(分值) > 5", "最小(执行率, 100%) ≥ 60%",
    "计数(申报指标) ≥ 1", "主管部门 不包含 [局, 委]",
]
REQUIREMENTS = [
    "三级指标 须 非空", "指标值 须 可衡量", "指标值 应 百分数", "二级指标 应属于 [数量指标, 质量指标]",
    "计算方法 应包含 「调查」", "实际完成值 应 非空", "指标 应达标", "应名实相符", "三级指标 不应属于 [完成率, 满意度]",
    "得分 须 ≤ 分值", "指标值 不应预算数", "不应重复", "偏差原因 应包含 [未, 因]", "指标值 须 属于 [0%, 100%]",
    "类别 须 非空", "执行率 须 ≥ 60%", "阶段 须 属于 [自评, 评价]",
]


def _count(draw) -> str:
    row = draw(st.sampled_from(ROW_ATOMS))
    form = draw(st.sampled_from(["计数({r}) ≥ {k}", "计数({r}) = 0", "计数(指标) = 计数({r})",
                                 "计数({r} 其中 {s}) ≥ {k}", "计数({r} 且 计数({s}) ≥ 1) ≥ 1"]))
    return form.format(r=row, s=draw(st.sampled_from(ROW_ATOMS)), k=draw(st.integers(0, 3)))


@st.composite
def conditions(draw, depth: int = 2, project_only: bool = False) -> str:
    kind = draw(st.integers(0, 5 if depth else 2))
    if kind == 0 or (kind == 1 and project_only):
        return draw(st.sampled_from(PROJECT_ATOMS))
    if kind == 1:
        return draw(st.sampled_from(ROW_ATOMS))
    if kind == 2:
        return _count(draw)
    if kind == 5:
        return f"并非 ({draw(conditions(depth - 1, project_only))})"
    parts = draw(st.lists(conditions(depth - 1, project_only), min_size=2, max_size=3))
    return f" {'且' if kind == 3 else '或'} ".join(f"({p})" for p in parts)


@st.composite
def statements(draw) -> str:
    cond, req = draw(conditions()), draw(st.sampled_from(REQUIREMENTS))
    unless = draw(st.sampled_from(["", f" 除非 {draw(conditions(1))}"]))
    return draw(st.sampled_from([
        f"每个指标: {req}{unless}", f"每个指标 其中 {cond}: {req}{unless}", f"{req}{unless}",
        f"{cond} ⇒ 警告 「生成的发现」", f"若 {cond} 则 {req}{unless}", f"{cond}{unless}",
        f"{cond} ⇒ 否决", f"{cond} ⇒ 扣2分 于 总评", f"若 {cond} 则 {draw(st.sampled_from(ROW_ATOMS))}",
        f"每个指标 其中 {cond}: {draw(conditions(1))} ⇒ 提示", "生态效益 不适用于 信息化运维",
        f"成本指标 不适用于 信息化建设 除非 {draw(st.sampled_from(ROW_ATOMS))}",
        f"若 {cond} 则 {req} 且 {draw(st.sampled_from(REQUIREMENTS))}"]))


@st.composite
def rule_texts(draw) -> str:
    lines = []
    for k in range(draw(st.integers(1, 4))):
        lines.append(f"规则 G-{k} 「生成的规则」 {draw(st.sampled_from(['错误', '警告', '提示']))}")
        for _ in range(draw(st.integers(0, 2))):
            lines.append(f"  当 {draw(conditions(1))}")
        lines += [f"  {draw(statements())}" for _ in range(draw(st.integers(1, 3)))]
    lines += ["评分项 总评 分值 10", "  得分 = 分值"]
    return "\n".join(lines)


def _compiled(text: str):
    try:
        return compile_files([parse_text(text, "generated.rules")])
    except PerfrulesError:
        return None


@HEAVY
@given(text=rule_texts(), sets=st.lists(any_sets, min_size=1, max_size=5))
def test_generated_rules_give_the_row_engines_results(text, sets):
    compiled = _compiled(text)
    assume(compiled is not None)
    same([make_pack(compiled, name="generated", path="generated.rules")], sets)


def test_most_generated_statements_compile():
    """The generator's pieces are valid rules (else the property above tests little)."""
    for atom in ROW_ATOMS + PROJECT_ATOMS:
        assert _compiled(f"规则 A 「a」\n  {atom}") is not None, atom
    for req in REQUIREMENTS:
        assert _compiled(f"规则 A 「a」\n  {req}") is not None, req


# ---- the bench data, the vectoriser, the fallback --------------------------------------------

def test_the_bench_generators_first_300_projects_with_the_national_pack():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from perfrules.data.loaders import load_record
    sets = [load_record(json.dumps(generate.project(7, k), ensure_ascii=False), f"bench:{k + 1}") for k in range(300)]
    same([PACKS["national"]], sets)


def test_most_of_the_national_pack_is_judged_column_wise():
    rows = columnar.vectorised(PACKS["national"])
    status = {(rid, k): s for rid, k, _, s, _ in rows}
    assert status[("N-02", 1)] == "columnar" and status[("N-19", 1)] == "columnar"
    assert status[("F-11", None)] == "row"  # it reads the run's own findings: it runs last, in full
    assert sum(s == "columnar" for s in status.values()) >= 0.9 * len(status)


def test_explain_names_how_each_statement_is_judged():
    out = subprocess.run([sys.executable, "-m", "perfrules.engine.columnar", "--explain", "national"],
                         capture_output=True, text=True, encoding="utf-8", check=True, cwd=ROOT).stdout
    assert out.startswith("national@") and "N-02#1" in out and "列式" in out and "F-11" in out


def test_without_polars_the_row_engine_runs_and_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars now raises ImportError
    assert "polars" in columnar.unavailable()
    sets = SAMPLE
    with pytest.warns(columnar.ColumnarUnavailable, match="polars"):
        got = columnar.run_batch([PACKS["national"]], sets)
    assert [r.to_dict() for r in got] == [run([PACKS["national"]], s).to_dict() for s in sets]


def test_a_failing_columnar_pass_falls_back_to_the_row_engine(monkeypatch):
    from perfrules.engine import columnar_eval

    def broken(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(columnar_eval, "Verdicts", broken)
    sets = SAMPLE
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = columnar.run_batch([PACKS["national"]], sets)
    assert any("row engine" in str(w.message) for w in caught)
    assert [r.to_dict() for r in got] == [run([PACKS["national"]], s).to_dict() for s in sets]
    with pytest.raises(RuntimeError):
        columnar.run_batch([PACKS["national"]], sets, strict=True)


# ---- perfrules check --engine ------------------------------------------------------------------

def _jsonl(tmp_path, n: int = 40) -> Path:
    """Bench projects as JSON Lines, with a broken line and a blank one among them."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    lines = [json.dumps(generate.project(11, k), ensure_ascii=False) for k in range(n)]
    lines[5:5] = ["{not json", ""]
    path = tmp_path / "projects.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _check(*args, hide_polars: bool = False):
    code = ("import sys; sys.modules['polars'] = None; " if hide_polars else "import sys; ") + \
        "from perfrules.cli import main; sys.argv = ['perfrules'] + sys.argv[1:]; main()"
    return subprocess.run([sys.executable, "-c", code, "check", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_engine_columnar_writes_what_the_row_engine_writes(tmp_path, jobs):
    data = _jsonl(tmp_path)
    out = {}
    for engine in ("row", "columnar", "auto"):
        r = _check(data, "-p", "national", "--format", "jsonl", "--engine", engine, "-j", jobs,
                   "-o", tmp_path / f"{engine}.jsonl")
        assert r.returncode == 2, r.stderr  # the broken line
        out[engine] = (tmp_path / f"{engine}.jsonl").read_bytes()
    assert out["columnar"] == out["row"] == out["auto"]
    assert len(out["row"].splitlines()) == 41


def test_check_engine_columnar_without_polars_says_so_and_runs_the_row_engine(tmp_path):
    data = _jsonl(tmp_path, 5)
    r = _check(data, "-p", "national", "--format", "jsonl", "--engine", "columnar", hide_polars=True)
    assert "polars" in r.stderr
    assert r.stdout == _check(data, "-p", "national", "--format", "jsonl", "--engine", "row").stdout


def test_check_records_gives_what_check_job_gives(tmp_path):
    from perfrules import pipeline
    data = _jsonl(tmp_path, 30)
    jobs = list(pipeline.records(str(data)))
    packs = pipeline.load_packs(["national"])
    for how in (pipeline.Settings(), pipeline.Settings(fmt="json")):
        want = [o for j in jobs for o in pipeline.check_job(j, packs, how)]
        got = pipeline.check_records(jobs, packs, how)
        assert [(o.kind, o.input, o.text, o.error) for o in got] == [(o.kind, o.input, o.text, o.error) for o in want]
        assert [o.to_dict() for o in got if o.result is not None] == [o.to_dict() for o in want if o.result is not None]
