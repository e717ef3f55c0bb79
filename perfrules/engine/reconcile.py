"""Reconciliation: figures an input states, checked against what follows from its own parts.

Reports contradict themselves (the seeds: a subtotal of 22 over items
that add up to 23, 管理效能 48.95 after deductions of 0.5 and 1, an expenditure written
once as 49,644.69 and once as 49,664.69, 428.54 元 where 万元 is meant). These checks
need no rule file: they only compare a form with itself and, when a pack scores, with
the computed score sheet. Each has a stable id (RC-nn) so a pack can switch it off.

RC-12…RC-18 read the whole 项目支出绩效自评表 (财预〔2020〕10号 附件1): the fund block by
source, the 执行率 item's score, the 一级 weight annotations, 总分分值 and 总分, and each
quantitative row's score against its completion. A figure the form does not print is not
checked; a stated figure is compared at its own precision (or the pack's), half up.
"""

from __future__ import annotations

import decimal
import heapq
import itertools
import re
from decimal import Decimal

import attrs

from ..data.indicators import IndicatorSet
from ..data.values import completion_rate, read_value
from ..suggest import suggest_path
from .explain import fmt_num, quantize
from .results import Finding, ScoreSheet
from .scoring import Line, ScoringRules, item_names, norm_path

ZERO = Decimal(0)

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
    # The whole 项目支出绩效自评表: fund block, 执行率 item, 一级 weights, totals, row scores.
    "RC-12": "各资金来源之和应等于资金总额",
    "RC-13": "资金来源的执行率应等于其支出除以年度预算",
    "RC-14": "执行率得分应等于执行率分值乘以执行率",
    "RC-15": "一级指标分值应等于所含指标分值之和",
    "RC-16": "总分分值应等于各指标分值与执行率分值之和",
    "RC-17": "总分应等于各指标得分与执行率得分之和",
    "RC-18": "定量指标得分应与完成率相符",
}
_FORM = "财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）附件1 项目支出绩效自评表"
_SHEET = ("财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）附件 评分表：各级指标得分不超过其分值，"
          "下级指标分值、得分之和即上级指标的分值、得分，总分按得分区间评定等级")
_SAME = (f"{_FORM}：项目资金以万元列示（年初预算数、全年预算数、全年执行数）；同一金额在表和报告各处所列应相同，"
         "单位应一致，合计等于其组成部分之和")
BASIS = {
    **{rule: _SHEET for rule in ("RC-01", "RC-02", "RC-03", "RC-04", "RC-08", "RC-09", "RC-10", "RC-11")},
    "RC-05": f"{_FORM}：执行率 = 全年执行数(B) ÷ 全年预算数(A)",
    "RC-06": _SAME,
    "RC-07": _SAME,
    "RC-12": f"{_FORM}：年度资金总额按当年财政拨款、上年结转资金、其他资金分列，各列（年初预算数、全年预算数、全年执行数）"
             "分项之和即总额",
    "RC-13": f"{_FORM}：执行率 = 全年执行数(B) ÷ 全年预算数(A)；预算数为 0 的来源没有执行率",
    "RC-14": f"{_FORM}：预算执行率一项单列分值（通常 10 分），得分 = 分值 × 执行率，执行率超过 100% 的按 100% 计",
    "RC-15": f"{_FORM}：一级指标下各三级指标的分值之和即该一级指标的分值",
    "RC-16": f"{_FORM}：各指标分值与预算执行率分值之和为总分的分值（表注：产出50、效益30、满意度10、预算执行率10，合计100）",
    "RC-17": f"{_FORM}：总分 = 各三级指标得分 + 预算执行率得分",
    "RC-18": f"{_FORM}；各地自评表填报说明：定量指标实际完成值达到指标值的得全部分值，未达到的按"
             "「实际完成值 ÷ 指标值 × 分值」计分，越低越好的指标按「指标值 ÷ 实际完成值 × 分值」计分",
}


FIX = {
    "RC-12": "逐列核对资金总额与各来源的金额（年初预算数、全年预算数、全年执行数），改正写错的一项。",
    "RC-13": "按 全年执行数 ÷ 全年预算数 重算该来源的执行率；预算数为 0 的来源不填执行率。",
    "RC-14": "按 执行率分值 × 执行率（超过 100% 按 100%）重算执行率得分，保留两位小数。",
    "RC-15": "使一级指标的标注分值与其下各三级指标分值之和一致，改正标注或各行分值。",
    "RC-16": "各指标分值与预算执行率分值合计应为总分的分值（通常 100）：按表注调整各行分值。",
    "RC-17": "总分填写各指标得分与预算执行率得分之和。",
    "RC-18": "定量指标按 分值 × 实际完成值 ÷ 指标值 计分（达到或超过指标值的得满分）；另有扣分的，在偏差原因中写明。",
}


# What a built-in check's finding gives as its source: it comes from no rule file of a pack.
BUILTIN_SOURCE = "perfrules 内置检查 (built-in check)"

# Built-in checks outside this module, with ids a pack's `disable:` and `severity:` accept
# like the RC-nn above: what scoring meets while it makes the sheet (SS-nn, raised as
# scoring.Problem), and a waiver that matches nothing (WV-01, the runner).
SS_TITLES = {
    "SS-01": "评价人判断项应给出得分",
    "SS-02": "得分低于分值应说明扣分理由",
    "SS-03": "所列各项分值之和应等于评分项分值",
    "SS-04": "逐项评分的评分项应有可计分的指标行",
    "SS-05": "指标填报得分应与按规则计算的得分一致",
    "SS-06": "各项扣分取整后应与本项失分一致",
}
WV_TITLES = {"WV-01": "豁免应对应实际发现"}
# Every built-in check: id → title (docs/packs.md lists them; a test compares).
BUILTIN = {**TITLES, **SS_TITLES, **WV_TITLES}
# What each check compares, for `perfrules explain` and the docs: (zh, en).
CHECKS = {
    "RC-01": ("评分中一行的得分大于它的分值", "a 评分 line scores more than its weight"),
    "RC-02": ("小计（得分或分值）与其下各行之和不符", "a subtotal (score or weight) differs from the sum of the lines under it"),
    "RC-03": ("陈述总分与各评分项得分之和不符", "the stated total differs from the sum of the items"),
    "RC-04": ("陈述等级与总分、否决项推出的等级不符", "the stated grade differs from the one the total and vetoes give"),
    "RC-05": ("陈述执行率与 支出 ÷ 年度预算 不符", "the stated rate differs from spent ÷ budget"),
    "RC-06": ("金额单位不一致（如把万元写成元）", "amounts in mixed units (元 for 万元)"),
    "RC-07": ("同一支出数在各处写得不同", "one expenditure written differently in different places"),
    "RC-08": ("陈述得分与 分值 − 所列扣分 不符", "a stated score differs from weight − the deductions listed"),
    "RC-09": ("陈述得分与规则包算出的得分不符", "a stated score differs from the one the pack computes"),
    "RC-10": ("同一评分项在评分中出现多次", "one item scored more than once"),
    "RC-11": ("评分中的一行对不上规则包的任何评分项", "a 评分 line matches no item of the pack"),
    "RC-12": ("各资金来源之和与资金总额不符", "the fund sources do not add up to the total"),
    "RC-13": ("资金来源的执行率与其 支出 ÷ 预算 不符", "a fund source's rate differs from its spent ÷ budget"),
    "RC-14": ("执行率得分与 执行率分值 × 执行率 不符", "the rate's score differs from its weight × the rate"),
    "RC-15": ("一级指标标注的分值与其下指标分值之和不符", "a 一级 weight differs from the sum of its rows"),
    "RC-16": ("总分分值与各指标分值加执行率分值之和不符", "the total's weight differs from the rows' and the rate's weights"),
    "RC-17": ("总分与各指标得分加执行率得分之和不符", "the total differs from the rows' and the rate's scores"),
    "RC-18": ("定量指标的得分与其完成率不符", "a quantitative row's score does not match its completion"),
    "SS-01": ("评价人判断项（或其下一行）没有得分：该项无法评分", "a judgement item (or a line under it) has no score: the item cannot be scored"),
    "SS-02": ("得分低于分值（含酌情扣分），却没有写扣分理由", "a score below the weight (or lowered at discretion) with no reason given"),
    "SS-03": ("评分项下所列各行（或所含指标）的分值之和不等于该项分值", "the weights of the lines or rows under an item do not add up to its weight"),
    "SS-04": ("逐项评分的评分项有指标行未填分值，或没有适用的指标行", "a row-by-row item has rows without 分值, or no rows that apply"),
    "SS-05": ("指标行填报的得分与按规则算出的得分不同", "a row's stated score differs from the one its rules give"),
    "SS-06": ("各项扣分按规则包的小数位取整后与本项失分不符，尾差已分摊（警告）",
              "the deductions, rounded to the pack's places, do not add up to the points lost; the difference is apportioned (warning)"),
    "WV-01": ("输入中的豁免没有对应任何发现（多半是指标改了名）", "a waiver in the input matches no finding (usually a renamed indicator)"),
}


def _f(rule: str, target: str, message: str, location=None, severity: str = "error") -> Finding:
    return Finding.of(rule, target, message, title=TITLES[rule], severity=severity, fix=FIX.get(rule),
                      basis=BASIS[rule], source=BUILTIN_SOURCE, location=location)


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
    out += _form(iset, rules or ScoringRules(), {ln.row for ln in lines if ln.row is not None})
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
    # Each line's most detailed lines below it, summed once for the whole sheet (a tree of the
    # paths, n log n): a search per line was cubic on a nested sheet (600 lines: 184 s).
    below = _below(entries)
    # Subtotals over items the sheet scores are checked against the sheet (below); over
    # items it cannot score, against the input's own lines.
    covered = {i.path for i in sheet.items if i.score is not None} if sheet is not None else set()
    covered_here = {c[:k] for c in covered for k in range(len(c) + 1) if k == len(c) or c[k] == "/"}
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
        leaves = below.get(p)
        if leaves is not None:
            computed_here = p in covered_here
            if e.score is not None and not leaves.score_missing and not computed_here:
                s = leaves.score_sum
                if s != e.score:
                    parts = _parts(leaves.largest, leaves.count)
                    out.append(_f("RC-02", e.path, f"陈述小计 {fmt_num(e.score)}，所含评分项合计 {parts} = {fmt_num(s)}",
                                  e.location))
            if e.weight is not None and not leaves.weight_missing:
                w = leaves.weight_sum
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


PARTS_SHOWN = 20  # the lines a subtotal message lists before "…（共 N 项）"


@attrs.frozen
class _Leaves:
    """The most detailed lines under one path: their sums, whether any leaves a figure out,
    how many there are and the largest few scores for the message (largest first: the same
    message whatever the order of the lines)."""

    score_sum: Decimal
    score_missing: bool
    weight_sum: Decimal
    weight_missing: bool
    count: int
    largest: tuple[Decimal, ...]  # the PARTS_SHOWN largest scores given


def _below(entries: list[tuple]) -> dict[str, _Leaves]:
    """For each path with lines under it, the most detailed of those lines (lines with no line
    under them), aggregated bottom-up over a tree of the paths: each path hangs under the
    nearest path above it that is itself a line. Sorting by parts puts every path right
    before the paths under it, so one pass with a stack finds each one's parent."""
    at: dict[str, list[int]] = {}
    for k, (_, key) in enumerate(entries):
        at.setdefault(key, []).append(k)
    order = sorted(at, key=lambda key: key.split("/"))
    children: dict[str, list[str]] = {key: [] for key in order}
    stack: list[tuple[str, list[str]]] = []
    for key in order:
        parts = key.split("/")
        while stack and not (len(parts) > len(stack[-1][1]) and parts[:len(stack[-1][1])] == stack[-1][1]):
            stack.pop()
        if stack:
            children[stack[-1][0]].append(key)
        stack.append((key, parts))
    own: dict[str, _Leaves] = {}
    out: dict[str, _Leaves] = {}
    for key in reversed(order):  # the paths under a path come after it
        kids = children[key]
        if not kids:
            es = [entries[k][0] for k in at[key]]
            own[key] = _Leaves(sum((e.score for e in es if e.score is not None), ZERO),
                               any(e.score is None for e in es),
                               sum((e.weight for e in es if e.weight is not None), ZERO),
                               any(e.weight is None for e in es), len(es),
                               tuple(heapq.nlargest(PARTS_SHOWN, (e.score for e in es if e.score is not None))))
            continue
        parts = [own[c] for c in kids]
        own[key] = out[key] = _Leaves(
            sum((x.score_sum for x in parts), ZERO), any(x.score_missing for x in parts),
            sum((x.weight_sum for x in parts), ZERO), any(x.weight_missing for x in parts),
            sum(x.count for x in parts), tuple(heapq.nlargest(PARTS_SHOWN, itertools.chain(*(x.largest for x in parts)))))
    return out


def _parts(scores: list, count: int) -> str:
    shown = " + ".join(fmt_num(x) for x in scores)
    return shown if count <= len(scores) else f"{shown} + …（共 {count} 项）"


def _unmatched(sheet: ScoreSheet, lines: list[Line], rules: ScoringRules) -> list[Finding]:
    """A line the sheet cannot place is reported, never dropped: its points would be lost
    without a word (the seed 002 annex writes 项目质量控制情况 where the report says
    项目过程质量控制情况)."""
    leaves = {i.path: i for i in sheet.items}
    parents = {q.rsplit("/", k)[0] for q in leaves for k in range(1, q.count("/") + 1)}
    groups = {p for p, i in leaves.items() if i.kind in ("judgement", "group")}
    names = {n for p in leaves for n in item_names(p, rules)}
    known = {**{p: p for p in leaves}, **{a: p for a, p in rules.aliases if p in leaves}}
    tips: dict[str, str | None] = {}  # one did-you-mean per path, however often it is written
    out = []
    for ln in lines:
        k = ln.key
        if k in leaves or k in parents or k.rsplit("/", 1)[-1] in names:
            continue
        if "/" in k and k.rsplit("/", 1)[0] in groups:
            continue  # a line under a judgement item (项目绩效/项目产出/<指标>)
        e = ln.entry
        if k not in tips:
            best = suggest_path(k, known)
            tips[k] = known.get(best) if best else None  # an alias points at its item
        best = tips[k]
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
    if den is not None and den == 0:
        out.append(_zero_budget(b))
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


def _zero_budget(b) -> Finding:
    """RC-05 when the annual budget is stated as 0: the rate is undefined (a division by zero).
    It is named as zero, never as a budget not given; spending against it is an error."""
    label = "年度预算" if b.annual is not None else "年度预算（上年结转 + 年初预算 + 调整）"
    stated = (f"；表中填写的执行率 {fmt_num(b.stated_rate, '%')} 无从核对" if b.stated_rate is not None else "")
    if b.spent is not None and b.spent > 0:
        return _f("RC-05", "预算", f"{label}为 0，无法计算执行率：支出 {_amt(b.spent)} ÷ {label} 0，除数为 0；"
                                 f"有支出而预算为 0，请核对{label}{stated} (the annual budget is 0 but "
                                 f"{_amt(b.spent)} was spent: the execution rate is undefined)", b.location)
    # Nothing spent: a warning; no expenditure stated (a 申报 form has none yet): a notice.
    spent = f"支出 {_amt(b.spent)} ÷ {label} 0，" if b.spent is not None else ""
    return _f("RC-05", "预算", f"{label}为 0，无法计算执行率（{spent}除数为 0）：执行率及按执行率判断或计分的各项"
                             f"均无法判断{stated} (the annual budget is 0: the execution rate is undefined, "
                             f"a division by zero)", b.location, "warning" if b.spent is not None else "info")


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
    # Stated subtotals against the computed leaves under them: the items under each path
    # gathered once (not a scan of the sheet per line).
    under_path: dict[str, list] = {}
    for i in sheet.items:
        for k, c in enumerate(i.path):
            if c == "/":
                under_path.setdefault(i.path[:k], []).append(i)
        if i.kind == "group":
            under_path.setdefault(i.path, []).append(i)
    sums: dict[str, tuple] = {}
    for ln in lines:
        e, p = ln.entry, ln.key
        under = under_path.get(p)
        if under and e.score is not None:
            if p not in sums:
                scored = all(i.score is not None for i in under)
                sums[p] = (scored, sum((i.score for i in under), ZERO) if scored else None,
                           sum((i.lowest for i in under), ZERO), sum((i.highest for i in under), ZERO))
            scored, s, lo, hi = sums[p]
            if scored:
                if s != e.score:
                    out.append(_f("RC-02", e.path, f"陈述小计 {fmt_num(e.score)}，按评分表计算为 {fmt_num(s)}",
                                  e.location))
            else:
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


# ---- the whole form: 项目支出绩效自评表 ----------------------------------------------------------
# The national form prints a fund block (年度资金总额 and one row per source), the 执行率 item with
# its own 分值 and 得分, the indicator grid (the 一级 cell often annotated 产出指标(50分)) and a
# 总分 row with the weight total beside it. Each figure is checked against the ones it follows
# from; a figure the form does not print is not checked.

# A fund-block row that is the total itself, not a source (年度资金总额, 合计 …).
_TOTAL_ROW = re.compile(r"^(其中[:：])?(年度资金总额|资金总额|总额|合计|小计|总计)$")
_COLUMNS = (("年初预算", "initial"), ("年度预算", "annual"), ("支出", "spent"))


def _amt(x: Decimal) -> str:
    """An amount exactly as held (万元), never rounded away: 38.766462, 20, 251.89."""
    s = format(x.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def _pct(x: Decimal) -> str:
    return fmt_num(x, "%")


def _places(x: Decimal) -> int:
    return max(0, -x.as_tuple().exponent)


def _agrees(stated: Decimal, computed: Decimal, rules: ScoringRules, at_least: int = 0) -> bool:
    """Whether a stated figure is the computed one as the form rounds it: to the stated figure's
    own places (at least ``at_least``) or to the pack's places, half up by the pack's mode."""
    own = max(_places(stated), at_least)
    return any(stated == quantize(computed, Decimal(1).scaleb(-k), rules.rounding)
               for k in range(min(own, rules.places), max(own, rules.places) + 1))


def _form(iset: IndicatorSet, rules: ScoringRules, scored_rows: set[int]) -> list[Finding]:
    out: list[Finding] = []
    b = iset.budget
    if b is not None:
        out += _sources(b, rules)
        out += _rate_score(b, rules)
    out += _level1_weights(iset)
    out += _totals(iset, rules)
    out += _rows(iset, rules, scored_rows)
    return out


def _sources(b, rules: ScoringRules) -> list[Finding]:
    """RC-12: each money column of the fund block adds up by source; RC-13: each source's 执行率."""
    out = []
    sources = [s for s in b.sources if not _TOTAL_ROW.match(re.sub(r"\s+", "", s.name))]
    # 其中 before the first source refers to the total (其中：当年财政拨款); before a later one it
    # may mark a part of the row above (财政拨款 / 其中：中央资金): either reading may add up.
    nested = {id(s) for k, s in enumerate(sources) if k > 0 and re.sub(r"\s+", "", s.name).startswith("其中")}
    for label, attr in _COLUMNS:
        total = getattr(b, attr)
        given = [(s, getattr(s, attr)) for s in sources if getattr(s, attr) is not None]
        if total is None or not given:
            continue
        s = sum((v for _, v in given), ZERO)
        if s != total and (not nested or sum((v for x, v in given if id(x) not in nested), ZERO) != total):
            parts = " + ".join(f"{src.name} {_amt(v)}" for src, v in given)
            out.append(_f("RC-12", "预算", f"资金来源的{label}：{parts} = {_amt(s)}，资金总额 {_amt(total)}，"
                                         f"差 {_amt(abs(s - total))}（万元） (the sources' {label} add up to "
                                         f"{_amt(s)}, the total says {_amt(total)})", b.location))
    for src in sources:
        if src.stated_rate is None or src.spent is None or src.annual is None:
            continue
        if src.annual == 0:
            continue  # 0 ÷ 0 printed 0.00%: the source had no budget, its rate does not apply
        computed = src.spent / src.annual
        if not _agrees(src.stated_rate, computed, rules):
            out.append(_f("RC-13", "预算", f"资金来源「{src.name}」陈述执行率 {_pct(src.stated_rate)}，但支出 "
                                         f"{_amt(src.spent)} ÷ 年度预算 {_amt(src.annual)} = {_pct(computed)} "
                                         f"(stated rate of source {src.name} is not its spent ÷ budget)",
                          src.location or b.location))
    return out


def _rate(b) -> tuple[Decimal | None, str]:
    """The execution rate and how it was found: from the amounts, else as the form states it."""
    den = b.denominator
    if b.spent is not None and den:
        return b.spent / den, f"支出 {_amt(b.spent)} ÷ 年度预算 {_amt(den)}"
    if b.stated_rate is not None:
        return b.stated_rate, "表中填写"
    return None, ""


def _rate_points(b) -> list[tuple[Decimal, Decimal, str]]:
    """What the 执行率 item scores, 分值 × min(执行率, 100%), as (points, rate, how the rate was
    found): for the rate from the amounts and for the stated one (a form that scored its own
    stated rate is not wrong twice: RC-05 reports the rate)."""
    if b.rate_weight is None:
        return []
    rates = []
    rate, how = _rate(b)
    if rate is not None:
        rates.append((rate, how))
    if b.stated_rate is not None and (rate is None or b.stated_rate != rate):
        rates.append((b.stated_rate, "表中填写"))
    return [(b.rate_weight * min(r, Decimal(1)), r, how) for r, how in rates]


def _rate_score(b, rules: ScoringRules) -> list[Finding]:
    """RC-14: the 执行率 item's stated score is its weight times the rate (capped at 100%)."""
    if b.rate_score is None:
        return []
    points = _rate_points(b)
    if not points or any(_agrees(b.rate_score, p, rules) for p, _, _ in points):
        return []
    p, rate, how = points[0]
    capped = "，超过 100% 按 100% 计" if rate > 1 else ""
    return [_f("RC-14", "预算", f"执行率得分 {fmt_num(b.rate_score)}，但 执行率分值 {fmt_num(b.rate_weight)} × 执行率 "
                              f"{_pct(rate)}（{how}{capped}） = {fmt_num(rules.round(p))} "
                              f"(the execution-rate score should be weight × rate)", b.location)]


def _level1_weights(iset: IndicatorSet) -> list[Finding]:
    """RC-15: an 一级 cell's printed weight, 产出指标（50分）, is the sum of its rows' 分值."""
    out = []
    groups: dict[tuple[str, Decimal], list] = {}
    for ind in iset.indicators:
        if ind.level1_weight is not None:
            groups.setdefault((ind.level1_raw or ind.level1 or "", ind.level1_weight), []).append(ind)
    for (name, stated), rows in groups.items():
        if any(r.weight is None for r in rows):
            continue
        s = sum((r.weight for r in rows), ZERO)
        if s != stated:
            # largest first: the same message whatever the order of the rows
            parts = " + ".join(fmt_num(w) for w in sorted((r.weight for r in rows), reverse=True))
            out.append(_f("RC-15", name, f"一级指标「{name}」标注 {fmt_num(stated)} 分，所含 {len(rows)} 项指标分值 "
                                         f"{parts} = {fmt_num(s)}，差 {fmt_num(abs(s - stated))} "
                                         f"(the 一级 weight printed is not the sum of its rows)",
                          rows[0].location))
    return out


def _totals(iset: IndicatorSet, rules: ScoringRules) -> list[Finding]:
    """RC-16: 总分分值 = Σ row 分值 + 执行率分值; RC-17: 总分 = Σ row 得分 + 执行率得分. Only for a
    form that prints its own 执行率 item and no separate score sheet (评分: RC-02, RC-03)."""
    b = iset.budget
    rows = iset.indicators
    if b is None or b.rate_weight is None or iset.scores or not rows:
        return []
    out = []
    weights = [r.weight for r in rows]
    wsum = sum(weights, ZERO) + b.rate_weight if all(w is not None for w in weights) else None
    if iset.stated_max is not None and wsum is not None and wsum != iset.stated_max:
        out.append(_f("RC-16", "总分", f"总分分值 {fmt_num(iset.stated_max)}，但各指标分值合计 "
                                     f"{fmt_num(wsum - b.rate_weight)} + 执行率分值 {fmt_num(b.rate_weight)} = "
                                     f"{fmt_num(wsum)}，差 {fmt_num(abs(wsum - iset.stated_max))} "
                                     f"(row weights and the execution-rate weight add up to {fmt_num(wsum)})"))
    scores = [r.score for r in rows]
    if iset.stated_total is None or any(x is None for x in scores):
        return out
    if iset.stated_max is None and wsum is not None and wsum < 100:
        return out  # fewer points listed than a form's 100, and no total weight printed: rows left out
    if b.rate_score is not None:
        rate_score, how = b.rate_score, ""
    else:
        points = _rate_points(b)
        if not points:
            return out
        p, rate, _ = points[0]
        rate_score = rules.round(p)
        how = f"（表中未填，按 {fmt_num(b.rate_weight)} × {_pct(min(rate, Decimal(1)))} 计）"
    ssum = sum(scores, ZERO)
    expect = ssum + rate_score
    if expect != iset.stated_total:
        out.append(_f("RC-17", "总分", f"陈述总分 {fmt_num(iset.stated_total)}，但各指标得分合计 {fmt_num(ssum)} + "
                                     f"执行率得分 {fmt_num(rate_score)}{how} = {fmt_num(expect)}，差 "
                                     f"{fmt_num(abs(expect - iset.stated_total))} (row scores and the execution-rate "
                                     f"score add up to {fmt_num(expect)})"))
    return out


def _direction_stated(v) -> bool:
    """Whether a target says which way is better: ≥ ≤ > <, 以上/以内, or an explicit "="."""
    return all(c.comparator != "=" or c.text.startswith(("=", "＝", "等于")) for c in v.clauses)


def _rows(iset: IndicatorSet, rules: ScoringRules, scored_rows: set[int]) -> list[Finding]:
    """RC-01 for the form's own rows; RC-18: a quantitative row scores 分值 × min(完成率, 100%)
    (完成率 = 实际 ÷ 指标值, or 指标值 ÷ 实际 for a ≤ target)."""
    out = []
    for k, ind in enumerate(iset.indicators):
        if ind.weight is None or ind.score is None:
            continue
        label = ind.label(k + 1)
        if ind.score > ind.weight:
            if k not in scored_rows:  # a row the pack reads as a score line: RC-01 above
                out.append(_f("RC-01", label, f"得分 {fmt_num(ind.score)} 超过分值 {fmt_num(ind.weight)}，"
                                              f"多 {fmt_num(ind.score - ind.weight)} (score above the weight)",
                              ind.location))
            continue
        target, actual = read_value(ind.target), read_value(ind.actual)
        rate = completion_rate(target, actual) if target.quantified and actual.quantified else None
        if rate is None:
            continue
        computed = ind.weight * min(rate, Decimal(1))
        if _agrees(ind.score, computed, rules, at_least=1):
            continue
        shown = fmt_num(rules.round(computed))
        ratio = (f"指标值 {target.text.strip()} ÷ 实际 {actual.text.strip()}" if target.clauses[0].comparator in ("≤", "<")
                 else f"实际 {actual.text.strip()} ÷ 指标值 {target.text.strip()}")
        how = f"分值 {fmt_num(ind.weight)} × 完成率 {_pct(min(rate, Decimal(1)))}（{ratio}）"
        diff = fmt_num(abs(rules.round(ind.score - computed)))
        if ind.score > computed:
            if _direction_stated(target):
                out.append(_f("RC-18", label, f"得分 {fmt_num(ind.score)}，但 {how} = {shown}，多 {diff} "
                                              f"(scored above its completion)", ind.location))
            else:
                out.append(_f("RC-18", label, f"得分 {fmt_num(ind.score)}，指标值未写方向，按不低于指标值计：{how} = "
                                              f"{shown}，多 {diff}；如该指标越低越好，请写明「≤{target.text.strip()}」 "
                                              f"(scored above its completion, unless lower is better: the target "
                                              f"states no direction)", ind.location, "warning"))
        elif not (ind.deviation or "").strip():
            out.append(_f("RC-18", label, f"得分 {fmt_num(ind.score)}，但 {how} = {shown}，少 {diff}，且未填写偏差原因 "
                                          f"(scored below its completion with no reason given)", ind.location,
                          "warning"))
    return out
