"""Hypothesis strategies for perfrules: indicator sets that look like the real ones,
budgets, score sheets and small generated packs. Reusable by pack authors::

    from strategies import indicator_sets, score_packs   # with tests/ on sys.path, as pytest sets it
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from perfrules.data.indicators import Budget, Indicator, IndicatorSet, Project, ScoreEntry
from perfrules.engine.compiler import compile_files
from perfrules.engine.packs import Pack
from perfrules.engine.scoring import ScoringRules
from perfrules.language.parser import parse_text

# Names, categories and value styles drawn from the seeds (002 tables 3/4/7, 004, 001).
NAMES = ["资金拨付率", "互联网出口接口流量", "政务外网光纤应急抢修验收合格率", "办公自动化系统响应时效",
         "网络带宽年可用率", "政府网站运行正常", "双活云平台可用率", "服务对象满意度", "虚拟防火墙数量",
         "运维项目完成数量", "硬件设施维护及时率", "资金回笼节约", "项目有效高质", "/", ""]
LEVELS = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("产出指标", "产出数量"),
          ("效益指标", "社会效益指标"), ("效益指标", "生态效益"), ("效益指标", "经济效益"),
          ("满意度指标", "服务对象满意度指标"), ("服务对象满意度指标", "服务对象满意度"), (None, None)]
QUALITATIVE = ["保障政务网络光纤通畅", "提升", "定性指标", "无", "按合同约定", "运行正常（定性指标）",
               "年度内未发生网络安全事故", "按计划", ""]
UNITS = ["%", "个", "秒", "分钟", "万元", "人次", "套", "台", ""]
COMPARATORS = ["", "≥", "≤", "不少于", "大于", "约"]
CN_NUMERALS = ["五个", "十分钟", "三台", "两个", "一千二百个"]


@st.composite
def quantities(draw) -> str:
    n = draw(st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False))
    comp = draw(st.sampled_from(COMPARATORS))
    unit = draw(st.sampled_from(UNITS))
    tail = draw(st.sampled_from(["", "以上", "以内"])) if not comp else ""
    return f"{comp}{n.normalize():f}{unit}{tail}"


values = st.one_of(quantities(), st.sampled_from(QUALITATIVE), st.sampled_from(CN_NUMERALS))


@st.composite
def indicators(draw) -> Indicator:
    l1, l2 = draw(st.sampled_from(LEVELS))
    return Indicator(level1=l1, level2=l2, name=draw(st.sampled_from(NAMES)), target=draw(values),
                     actual=draw(st.none() | values), method=draw(st.none() | st.just("完成数÷计划数×100%")),
                     evidence=draw(st.lists(st.sampled_from(["验收报告", "运行报告"]), max_size=2)))


amounts = st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def budgets(draw) -> Budget:
    annual = draw(st.decimals(min_value=Decimal("0.01"), max_value=20000, places=2))
    return Budget(annual=annual, spent=draw(amounts))


@st.composite
def indicator_sets(draw, scores=st.just(())) -> IndicatorSet:
    cats = draw(st.lists(st.sampled_from(["信息化运维", "信息化建设", "基础设施"]), max_size=2, unique=True))
    return IndicatorSet(tuple(draw(st.lists(indicators(), max_size=12))),
                        project=Project(name="生成项目", categories=cats, year=2023),
                        budget=draw(st.none() | budgets()), stage=draw(st.sampled_from(["申报", "自评", "评价"])),
                        scores=draw(scores), source="generated.yaml")


# ---- small generated packs with score items ------------------------------------------

weights = st.integers(min_value=1, max_value=30).map(Decimal)


@st.composite
def score_items(draw, path: str) -> tuple[str, Decimal, str]:
    """(rule text, weight, kind) for one leaf item of a generated pack."""
    w = draw(weights)
    kind = draw(st.sampled_from(["formula", "ladder", "judgement"]))
    lines = [f"评分项 {path} 分值 {w}"]
    if kind == "formula":
        lo = draw(st.integers(min_value=0, max_value=90))
        lines.append(f"  得分 = (执行率 − {lo}%) ÷ (100% − {lo}%) × 分值")
    elif kind == "ladder":
        steps = sorted(draw(st.lists(st.integers(0, int(w)), min_size=1, max_size=4)), reverse=True)
        for k, pts in enumerate(steps):
            lines.append(f"  计数(指标值 是 量化) ≥ {len(steps) - k} ⇒ {pts}分")
        lines.append(f"  否则 ⇒ {draw(st.integers(0, steps[-1]))}分")
    for _ in range(draw(st.integers(0, 2))):
        extra = draw(st.sampled_from([f"计数(指标) ≥ {draw(st.integers(0, 5))} ⇒ 扣{draw(st.integers(1, 5))}分",
                                      f"计数(三级指标 为空) ≥ 1 ⇒ 最高{draw(st.integers(0, int(w)))}分",
                                      "计数(指标值 是 模糊) ≥ 2 ⇒ 得分减半",
                                      "执行率 < 60% ⇒ 否决"]))
        lines.append("  " + extra)
    return "\n".join(lines), w, kind


@st.composite
def score_packs(draw) -> tuple[Pack, list[tuple[str, Decimal, str]]]:
    n = draw(st.integers(min_value=1, max_value=5))
    items = [draw(score_items(f"组/项{k}")) for k in range(n)]
    text = "\n".join(t for t, _, _ in items)
    compiled = compile_files([parse_text(text, "generated.rules")])
    rules = ScoringRules(places=draw(st.sampled_from([0, 1, 2])))
    pack = Pack("generated", "0", "", "generated", compiled, rules, None, False, ())
    return pack, [(f"组/项{k}", w, kind) for k, (_, w, kind) in enumerate(items)]


@st.composite
def evaluator_scores(draw, items) -> tuple[ScoreEntry, ...]:
    out = []
    for path, w, kind in items:
        if kind == "judgement" or draw(st.booleans()):
            score = draw(st.decimals(min_value=-2, max_value=w + 3, places=2))
            out.append(ScoreEntry(path=path, weight=w, score=score,
                                  comment=draw(st.sampled_from(["", "资料不全，酌情扣分"]))))
    return tuple(out)
