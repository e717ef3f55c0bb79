"""Hypothesis strategies for perfrules: indicator sets that look like the real ones,
budgets, score sheets and small generated packs. Reusable by pack authors::

    from strategies import indicator_sets, score_packs   # with tests/ on sys.path, as pytest sets it
"""

from __future__ import annotations

import functools
from decimal import Decimal

from hypothesis import strategies as st

from perfrules.data.indicators import Budget, Indicator, IndicatorSet, Project, ScoreEntry
from perfrules.engine.compiler import compile_files
from perfrules.engine.packs import Pack
from perfrules.engine.scoring import ScoringRules
from perfrules.language.parser import parse_text

from helpers import make_pack

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
    pack = make_pack(compiled, name="generated", version="0", path="generated", scoring=rules)
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


# ---- bundled packs: their leaf items, evaluator score sheets for them, scored rows ------

def pack_leaves(pack: Pack) -> list[tuple[str, Decimal, str]]:
    """(path, weight, kind) of a pack's leaf score items, as the score sheet lists them."""
    paths = [it.path for it in pack.compiled.items]
    return [(it.path, it.weight, it.kind) for it in pack.compiled.items
            if not any(p.startswith(it.path + "/") for p in paths)]


COMMENTS = ["", "资料不全，酌情扣分", "未见相关佐证材料", "  "]
CHILD_NAMES = ["租用网络线路正常运行率", "运维项目完成数量", "硬件设施维护及时率", "综合评价", "提高网络稳定性"]


def _cents(lo: int, hi: int, places: int = 2):
    return st.integers(lo * 10**places, hi * 10**places).map(lambda k: Decimal(k).scaleb(-places))


@functools.lru_cache(maxsize=None)
def _evaluator_score(w: Decimal):
    """A stated 得分 for an item worth ``w``: missing, in range, out of range, more places."""
    hi = int(w) + 3
    return st.none() | _cents(-2, hi) | _cents(-2, hi, 0) | _cents(-2, hi, 3)


_comments = st.sampled_from(COMMENTS)


@functools.lru_cache(maxsize=None)
def _leaf_line(path: str, w: Decimal, kind: str, full: bool):
    """One leaf's evaluator line(s), or none: a single tuples() draw keeps generation cheap."""
    if full:
        return st.just((ScoreEntry(path=path, weight=w, score=w, comment=""),))
    line = st.builds(ScoreEntry, st.just(path), st.just(w) | st.none(), _evaluator_score(w), _comments)
    options = [line.map(lambda e: (e,))]
    if kind != "judgement":
        options.append(st.just(()))
    else:  # itemised one level deeper: 项目绩效/项目产出/<指标>
        child = st.tuples(st.sampled_from(CHILD_NAMES), st.none() | st.integers(1, int(w)).map(Decimal),
                          _evaluator_score(w), _comments)
        options.append(st.lists(child, min_size=1, max_size=4, unique_by=lambda c: c[0]).map(
            lambda cs: tuple(ScoreEntry(path=f"{path}/{n}", weight=cw, score=sc, comment=cm)
                             for n, cw, sc, cm in cs)))
    return st.one_of(options)


@st.composite
def pack_score_sheets(draw, pack: Pack, full: bool = False) -> tuple[ScoreEntry, ...]:
    """An evaluator's 评分 for a bundled pack: some of its leaf items (every judgement item,
    every item with ``full``), sometimes itemised one level deeper (项目绩效/项目产出/<指标>),
    scores sometimes out of range, missing or with other decimals than the pack keeps,
    comments sometimes empty."""
    lines = draw(st.tuples(*(_leaf_line(p, w, k, full) for p, w, k in pack_leaves(pack))))
    return tuple(e for group in lines for e in group)


def full_marks(pack: Pack) -> tuple[ScoreEntry, ...]:
    """Every leaf of a pack given its full weight by the evaluator."""
    return tuple(ScoreEntry(path=p, weight=w, score=w, comment="") for p, w, _ in pack_leaves(pack))


# Targets and actuals that compare (same unit), so rows can be scored by formula.
COMPARABLE = [("%", Decimal("0.01"), 100), ("个", Decimal(1), 5000), ("秒", Decimal("0.1"), 600),
              ("万元", Decimal("0.01"), 20000), ("人次", Decimal(1), 100000)]
SCORED_LEVEL1 = ["产出指标", "效益指标", "满意度指标", "服务对象满意度指标"]


@st.composite
def comparable_pairs(draw) -> tuple[str, str]:
    """(target, actual) text with the same unit: "≥1000个" and "800个", "≤5秒" and "7.5秒"."""
    unit, step, top = draw(st.sampled_from(COMPARABLE))
    t = draw(st.integers(1, int(top / step))) * step
    a = draw(st.integers(0, int(2 * top / step))) * step
    cmp = draw(st.sampled_from(["", "≥", "≤", "不少于", "约"]))
    return f"{cmp}{t.normalize():f}{unit}", f"{a.normalize():f}{unit}"


@st.composite
def scored_indicators(draw) -> Indicator:
    """A self-evaluation row with 一级指标, 分值 and often a comparable actual and a 填报得分."""
    l1 = draw(st.sampled_from(SCORED_LEVEL1))
    w = draw(st.integers(0, 30).map(Decimal) | st.decimals(min_value=0, max_value=30, places=2))
    if draw(st.integers(0, 3)):
        target, actual = draw(comparable_pairs())
    else:
        target, actual = draw(values), draw(st.none() | values)
    return Indicator(level1=l1, level2=draw(st.sampled_from(["数量指标", "质量指标", "社会效益指标", None])),
                     name=draw(st.sampled_from(NAMES)), target=target, actual=actual,
                     weight=draw(st.just(w) | st.none()),
                     score=draw(st.none() | st.decimals(min_value=-1, max_value=w + 2, places=2)),
                     evidence=draw(st.lists(st.sampled_from(["验收报告", "运行报告"]), max_size=1)))


@st.composite
def rich_budgets(draw) -> Budget:
    """Budgets stated either as 年度预算 or as 年初预算 ± 调整 (+ 上年结转), with periodic progress."""
    spent = draw(amounts)
    progress = tuple(draw(st.lists(st.decimals(min_value=0, max_value=2, places=4), max_size=10)))
    if draw(st.booleans()):
        return Budget(annual=draw(st.decimals(min_value=Decimal("0.01"), max_value=20000, places=2)),
                      spent=spent, progress=progress)
    initial = draw(st.decimals(min_value=Decimal("0.01"), max_value=20000, places=2))
    adj = tuple(draw(st.lists(st.decimals(min_value=-initial / 2, max_value=5000, places=2), max_size=3)))
    return Budget(initial=initial, adjustments=adj, carryover=draw(st.none() | amounts), spent=spent,
                  progress=progress)


@st.composite
def pack_indicator_sets(draw, pack: Pack, full: bool = False) -> IndicatorSet:
    """An indicator set with rows like the seeds' (some scored row by row) and an evaluator's
    score sheet for ``pack``."""
    rows = draw(st.lists(st.one_of(indicators(), scored_indicators()), max_size=8))
    cats = draw(st.lists(st.sampled_from(["信息化运维", "信息化建设", "基础设施"]), max_size=2, unique=True))
    return IndicatorSet(tuple(rows), project=Project(name="生成项目", categories=cats,
                                                     year=draw(st.sampled_from([2022, 2023]))),
                        budget=draw(st.none() | rich_budgets()),
                        stage=draw(st.sampled_from(["申报", "自评", "评价"])),
                        scores=draw(pack_score_sheets(pack, full)), source="generated.yaml")
