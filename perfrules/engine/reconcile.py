"""Reconciliation: figures an input states, checked against what follows from its own parts.

Reports contradict themselves (see ``shared/domain.md``): a subtotal of 22 over items
that add up to 23, 管理效能 48.95 after deductions of 0.5 and 1, an expenditure written
once as 49,644.69 and once as 49,664.69, 428.54 元 where 万元 is meant. These checks
need no rule file: they only compare a form with itself and, when a pack scores, with
the computed score sheet. Each has a stable id (RC-nn) so a pack can switch it off.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from ..data.indicators import IndicatorSet
from .explain import fmt_num, quantize
from .results import Finding, ScoreSheet
from .scoring import Line, ScoringRules, item_names, norm_path

ZERO = Decimal(0)
CENT = Decimal("0.01")

TITLES = {
    "RC-01": "评分项得分不得超过分值",
    "RC-02": "小计应等于所含评分项之和",
    "RC-03": "总分应等于各评分项之和",
    "RC-04": "等级应与总分及否决项相符",
    "RC-05": "执行率应等于支出除以年度预算",
    "RC-06": "金额单位应一致",
    "RC-07": "同一支出数的多处表述应一致",
    "RC-08": "评分项得分应等于分值减去所列扣分",
    "RC-09": "陈述得分应与计算得分一致",
    "RC-10": "同一评分项只应给一次分",
    "RC-11": "评分行应对应规则包的评分项",
}
BASIS = "评分表与报告自身数据核对（shared/domain.md：种子报告中的不一致）"


def _f(rule: str, target: str, message: str, location=None, severity: str = "error") -> Finding:
    return Finding(rule, TITLES[rule], severity, target, message, None, BASIS, "perfrules/engine/reconcile.py",
                   location)


def _norm(path: str) -> str:
    return norm_path(path)


def reconcile(iset: IndicatorSet, sheet: ScoreSheet | None, rules: ScoringRules | None,
              lines: list[Line] | None = None) -> list[Finding]:
    """``lines`` are the score-sheet lines as the scoring pack read them (aliases resolved,
    indicator rows it maps to items included); without them, the input's 评分 as written."""
    if lines is None:
        lines = [Line(_norm(e.path), e) for e in iset.scores]
    out: list[Finding] = []
    out += _score_entries(iset, sheet, lines)
    out += _budget(iset)
    if sheet is not None:
        out += _unmatched(sheet, lines, rules or ScoringRules())
        out += _against_sheet(iset, sheet, lines)
    if iset.stated_grade is not None:
        out += _grade(iset, sheet, rules or ScoringRules())
    return out


def _score_entries(iset: IndicatorSet, sheet: ScoreSheet | None, lines: list[Line]) -> list[Finding]:
    out = []
    seen: dict[str, list] = {}
    for ln in lines:
        seen.setdefault(ln.key, []).append(ln.entry)
    for p, group in seen.items():
        if len(group) > 1:
            scores = sorted(fmt_num(e.score) for e in group if e.score is not None)
            out.append(_f("RC-10", group[0].path, f"评分中出现 {len(group)} 次（得分 {'、'.join(scores)}），"
                                                  f"按较低者计", group[0].location))
    entries = [(ln.entry, ln.key) for ln in lines]
    paths = [p for _, p in entries]
    # Subtotals over items the sheet scores are checked against the sheet (below); over
    # items it cannot score, against the input's own lines.
    covered = {i.path for i in sheet.items if i.score is not None} if sheet is not None else set()
    leaves_sum = ZERO
    leaves_all = True
    for e, p in entries:
        if e.score is not None and e.weight is not None and e.score > e.weight:
            out.append(_f("RC-01", e.path, f"得分 {fmt_num(e.score)} 超过分值 {fmt_num(e.weight)}", e.location))
        if e.deductions and e.weight is not None and e.score is not None:
            total = sum((pts for _, pts in e.deductions), ZERO)
            expect = e.weight - total
            if expect != e.score:
                items = " − ".join(fmt_num(pts) for _, pts in e.deductions)
                out.append(_f("RC-08", e.path, f"陈述得分 {fmt_num(e.score)}，但 {fmt_num(e.weight)} − {items} = "
                                                f"{fmt_num(expect)}", e.location))
        # A subtotal is checked against the most detailed lines under it.
        leaves = [(k, q) for k, q in entries if q.startswith(p + "/")
                  and not any(r.startswith(q + "/") for r in paths)]
        if leaves:
            computed_here = any(c == p or c.startswith(p + "/") for c in covered)
            if e.score is not None and all(k.score is not None for k, _ in leaves) and not computed_here:
                s = sum((k.score for k, _ in leaves), ZERO)
                if s != e.score:
                    parts = " + ".join(fmt_num(k.score) for k, _ in leaves)
                    out.append(_f("RC-02", e.path, f"陈述小计 {fmt_num(e.score)}，所含评分项合计 {parts} = {fmt_num(s)}",
                                  e.location))
            if e.weight is not None and all(k.weight is not None for k, _ in leaves):
                w = sum((k.weight for k, _ in leaves), ZERO)
                if w != e.weight:
                    out.append(_f("RC-02", e.path, f"分值 {fmt_num(e.weight)} 与所含评分项分值合计 {fmt_num(w)} 不符",
                                  e.location))
        else:
            if e.score is None:
                leaves_all = False
            else:
                leaves_sum += e.score
    if iset.stated_total is not None and entries and leaves_all:
        if leaves_sum != iset.stated_total:
            out.append(_f("RC-03", "评分表", f"陈述总分 {fmt_num(iset.stated_total)}，各评分项得分合计 "
                                             f"{fmt_num(leaves_sum)}"))
    return out


def _unmatched(sheet: ScoreSheet, lines: list[Line], rules: ScoringRules) -> list[Finding]:
    """A line the sheet cannot place is reported, never dropped: its points would be lost
    without a word (the seed 002 annex writes 项目质量控制情况 where the report says
    项目过程质量控制情况)."""
    from .compiler import suggestion
    leaves = {i.path: i for i in sheet.items}
    parents = {q.rsplit("/", k)[0] for q in leaves for k in range(1, q.count("/") + 1)}
    groups = {p for p, i in leaves.items() if i.kind in ("judgement", "group")}
    names = {n for p in leaves for n in item_names(p, rules)}
    out = []
    for ln in lines:
        k = ln.key
        if k in leaves or k in parents or k.rsplit("/", 1)[-1] in names:
            continue
        if "/" in k and k.rsplit("/", 1)[0] in groups:
            continue  # a line under a judgement item (项目绩效/项目产出/<指标>)
        e = ln.entry
        known = {**{p: p for p in leaves}, **{a: p for a, p in rules.aliases if p in leaves}}
        best = suggestion(k, known)
        best = known.get(best) if best else None  # an alias points at its item
        tip = f"，是否指「{best}」？" if best else ""
        tip_en = f"; did you mean {best}?" if best else ""
        got = f"，其得分 {fmt_num(e.score)} 未计入任何评分项" if e.score is not None else ""
        out.append(_f("RC-11", e.path, f"评分中的「{e.path}」不对应规则包的任何评分项{got}{tip} "
                                       f"(matches no score item of the pack{tip_en})", e.location))
    return out


def _budget(iset: IndicatorSet) -> list[Finding]:
    b = iset.budget
    if b is None:
        return []
    out = []
    where = b.location
    den = b.denominator
    if b.stated_rate is not None and b.spent is not None and den:
        computed = b.spent / den
        # The stated rate is compared at its own precision (84.40% → to 0.01%).
        places = max(0, -b.stated_rate.as_tuple().exponent)
        q = Decimal(1).scaleb(-places)
        mode = decimal.getcontext().rounding  # as before: the context's own rounding
        if quantize(computed, q, mode) != quantize(b.stated_rate, q, mode):
            out.append(_f("RC-05", "预算", f"陈述执行率 {fmt_num(b.stated_rate, '%')}，但支出 {fmt_num(b.spent)} ÷ "
                                         f"年度预算 {fmt_num(den)} = {fmt_num(computed, '%')}", where))
    if b.spent is not None and den:
        ratio = b.spent / den
        if ratio < Decimal("0.001") or ratio > 100:
            out.append(_f("RC-06", "预算", f"支出 {fmt_num(b.spent)} 万元与年度预算 {fmt_num(den)} 万元相差数千倍以上，"
                                         "金额单位可能误写（元与万元）", where))
    if b.annual is not None and b.initial is not None and (b.adjustments or b.carryover is not None):
        adjusted = b.adjusted
        if adjusted is not None and adjusted != b.annual:
            parts = f"上年结转 {fmt_num(b.carryover or ZERO)} + 年初预算 {fmt_num(b.initial)}" + "".join(
                f" {'−' if a < 0 else '+'} {fmt_num(abs(a))}" for a in b.adjustments)
            out.append(_f("RC-07", "预算", f"年度预算 {fmt_num(b.annual)}，但 {parts} = {fmt_num(adjusted)}", where))
    stated = [(label, v) for label, v in (("支出", b.spent), ("支出合计", b.spent_total)) if v is not None]
    if len(stated) == 2 and stated[0][1] != stated[1][1]:
        out.append(_f("RC-07", "预算", f"支出 {fmt_num(stated[0][1])} 与支出合计 {fmt_num(stated[1][1])} 不一致", where))
    if b.spent_parts:
        s = sum(b.spent_parts, ZERO)
        for label, v in stated:
            if v != s:
                parts = " + ".join(fmt_num(x) for x in b.spent_parts)
                out.append(_f("RC-07", "预算", f"{label} {fmt_num(v)}，但支出明细 {parts} = {fmt_num(s)}", where))
    return out


def _between(x: Decimal, lo: Decimal, hi: Decimal) -> bool:
    return lo <= x <= hi


def _against_sheet(iset: IndicatorSet, sheet: ScoreSheet, lines: list[Line]) -> list[Finding]:
    out = []
    for item in sheet.items:
        if item.kind == "group" or item.stated is None or item.stated > item.max:
            continue  # groups: RC-02 below; above the weight: RC-01
        if item.score is None:
            if not _between(item.stated, item.lowest, item.highest):
                out.append(_f("RC-09", item.path, f"陈述得分 {fmt_num(item.stated)}，按规则应在 "
                                                  f"{fmt_num(item.lowest)}–{fmt_num(item.highest)} 之间"))
        elif item.stated != item.score:
            out.append(_f("RC-09", item.path, f"陈述得分 {fmt_num(item.stated)}，按规则计算为 {fmt_num(item.score)}"))
    # Stated subtotals against the computed leaves under them.
    for ln in lines:
        e, p = ln.entry, ln.key
        under = [i for i in sheet.items if (i.path == p and i.kind == "group") or i.path.startswith(p + "/")]
        if under and e.score is not None:
            if all(i.score is not None for i in under):
                s = sum((i.score for i in under), ZERO)
                if s != e.score:
                    out.append(_f("RC-02", e.path, f"陈述小计 {fmt_num(e.score)}，按评分表计算为 {fmt_num(s)}",
                                  e.location))
            else:
                lo, hi = sum((i.lowest for i in under), ZERO), sum((i.highest for i in under), ZERO)
                if not _between(e.score, lo, hi):
                    out.append(_f("RC-02", e.path, f"陈述小计 {fmt_num(e.score)}，按评分表应在 "
                                                   f"{fmt_num(lo)}–{fmt_num(hi)} 之间", e.location))
    if iset.stated_total is not None:
        if sheet.total is not None and sheet.total != iset.stated_total:
            out.append(_f("RC-03", "评分表", f"陈述总分 {fmt_num(iset.stated_total)}，按评分表计算为 {fmt_num(sheet.total)}"))
        elif sheet.total is None and not _between(iset.stated_total, sheet.low, sheet.high):
            out.append(_f("RC-03", "评分表", f"陈述总分 {fmt_num(iset.stated_total)}，按评分表应在 "
                                             f"{fmt_num(sheet.low)}–{fmt_num(sheet.high)} 之间"))
    return out


def _grade(iset: IndicatorSet, sheet: ScoreSheet | None, rules: ScoringRules) -> list[Finding]:
    total = sheet.total if sheet is not None else iset.stated_total
    if total is None:
        return []
    expect = sheet.grade if sheet is not None else rules.grade(total)
    if expect is not None and iset.stated_grade != expect:
        why = "（存在否决项）" if sheet is not None and sheet.vetoed else ""
        bands = "、".join(str(b) for b in rules.bands)
        return [_f("RC-04", "评分表", f"陈述等级「{iset.stated_grade}」，总分 {fmt_num(total)} 按等级区间 {bands} "
                                    f"应为「{expect}」{why}")]
    return []
