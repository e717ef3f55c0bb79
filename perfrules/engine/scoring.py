"""Score sheets: each item's score from its formula, ladder or the evaluator, every lost
point a deduction with its rule and arithmetic; then the total and the grade.

Invariant kept by construction: for every item, max − score = Σ deductions exactly.
Each step works on numbers already rounded by the pack's rule, and each deduction is
the exact difference between two such numbers.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import attrs

from .checks import Effect
from .compiler import CompiledItem
from .context import Context, Unknown
from .explain import fmt_num, quantize
from .expr import Expr, leaf_names, substituted
from .results import Deduction, ItemScore, ScoreSheet

ZERO = Decimal(0)


@attrs.frozen
class Band:
    """A grade's half-open (or closed) interval of totals: 良 = [80, 90)."""

    grade: str
    low: Decimal
    high: Decimal
    low_closed: bool = True
    high_closed: bool = False

    def holds(self, x: Decimal) -> bool:
        lo = x >= self.low if self.low_closed else x > self.low
        hi = x <= self.high if self.high_closed else x < self.high
        return lo and hi

    def __str__(self) -> str:
        return (f"{self.grade}={'[' if self.low_closed else '('}{fmt_num(self.low)},"
                f"{fmt_num(self.high)}{']' if self.high_closed else ')'}")


_BAND = re.compile(r"^\s*([\[(])\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*([\])])\s*$")


def parse_band(grade: str, text: str) -> Band | None:
    m = _BAND.match(text)
    if not m:
        return None
    return Band(grade, Decimal(m.group(2)), Decimal(m.group(3)), m.group(1) == "[", m.group(4) == "]")


# National four bands (R1), half-open as a pack must state them.
DEFAULT_BANDS = (Band("优", Decimal(90), Decimal(100), True, True), Band("良", Decimal(80), Decimal(90)),
                 Band("中", Decimal(60), Decimal(80)), Band("差", Decimal(0), Decimal(60)))


@attrs.frozen
class ScoringRules:
    """What a pack states about scoring: rounding, grade bands, what a veto caps."""

    places: int = 2
    rounding: str = ROUND_HALF_UP
    bands: tuple[Band, ...] = DEFAULT_BANDS
    veto_cap: str = "中"  # a vetoed project may be graded at most this

    def round(self, x: Decimal) -> Decimal:
        # quantize with enough digits: a formula's raw value (shown before it is limited to
        # the weight) can exceed the default 28 digits.
        return quantize(x, Decimal(1).scaleb(-self.places), self.rounding)

    def grade(self, total: Decimal) -> str | None:
        hits = [b.grade for b in self.bands if b.holds(total)]
        return hits[0] if hits else None

    def cap(self, grade: str | None, at_most: str) -> str | None:
        order = [b.grade for b in self.bands]
        if grade is None or at_most not in order or grade not in order:
            return grade
        return order[max(order.index(grade), order.index(at_most))]


def _derivations(e: Expr, ctx: Context) -> list[str]:
    """Lines that show where derived names come from: 执行率 = 支出 428.54 ÷ 年度预算 507.74 = 84.40%."""
    out = []
    for leaf in leaf_names(e):
        if leaf.label == "执行率":
            b = ctx.iset.budget
            v = leaf.fn(ctx, None)
            if b is not None and not isinstance(v, Unknown):
                out.append(f"执行率 = 支出 {fmt_num(b.spent)} ÷ 年度预算 {fmt_num(b.denominator)} = "
                           f"{fmt_num(v, '%')}")
    return out


def score_lines(ctx: Context) -> dict[str, object]:
    """The input's 评分 lines by path, one per path. A path stated twice keeps the lower
    score, whatever the order of the lines (RC-10 reports the repetition)."""
    table = getattr(ctx, "_score_lines", None)
    if table is None:
        table = {}
        for e in ctx.iset.scores:
            p = e.path.replace(" ", "").strip("/")
            have = table.get(p)
            if have is None or _lower(e, have):
                table[p] = e
        ctx._score_lines = table
    return table


def _lower(a, b) -> bool:
    ka = (a.score is None, a.score if a.score is not None else ZERO, a.comment or "")
    kb = (b.score is None, b.score if b.score is not None else ZERO, b.comment or "")
    return ka < kb


def _stated(ctx: Context, path: str):
    """The evaluator's line for an item: same path, or the same last part of the path."""
    lines = score_lines(ctx)
    if path in lines:
        return lines[path]
    last = path.rsplit("/", 1)[-1]
    tail = [e for p, e in lines.items() if p.rsplit("/", 1)[-1] == last]
    return tail[0] if len(tail) == 1 else None


def _children(ctx: Context, path: str) -> list:
    """The evaluator's lines directly under a judgement item the pack does not itemise
    (a project's own 三级 indicators under 项目绩效/项目产出)."""
    prefix = path + "/"
    return [e for p, e in score_lines(ctx).items() if p.startswith(prefix) and "/" not in p[len(prefix):]]


def _judged_group(item: CompiledItem, children: list, deductions: list, problems: list,
                  rules: ScoringRules) -> tuple[Decimal, Decimal]:
    """Score a judgement item as the sum of the evaluator's lines under it."""
    w = item.weight
    total = ZERO
    weights = ZERO
    losses: list[Deduction] = []
    for e in children:
        name = e.path.replace(" ", "").rsplit("/", 1)[-1]
        sc = rules.round(e.score) if e.score is not None else ZERO
        # A line's weight is never below 0: a negative 分值, or a negative 得分 standing in for
        # a missing 分值, would take the item below 0.
        wt = max(e.weight if e.weight is not None else sc, ZERO)
        got = min(max(sc, ZERO), wt)
        total += got
        weights += wt
        if e.score is None:
            problems.append(f"评分项「{item.path}/{name}」未给出得分")
        if got < wt:
            comment = (e.comment or "").strip()
            if not comment:
                problems.append(f"评分项「{item.path}/{name}」得分 {fmt_num(got)} 低于分值 {fmt_num(wt)}，但未说明扣分理由")
            losses.append(Deduction(wt - got, "评价人", f"{name}（{fmt_num(got)}/{fmt_num(wt)}）："
                                    + (comment or "评价人未说明扣分理由 (no reason stated)")))
    current = rules.round(min(total, w))
    if weights == w:
        deductions.extend(losses)
    else:
        problems.append(f"评分项「{item.path}」分值 {fmt_num(w)}，但所列各项分值合计 {fmt_num(weights)}")
        if current < w:
            deductions.append(Deduction(w - current, "评价人",
                                        f"所列各项得分合计 {fmt_num(total)}，各项分值合计 {fmt_num(weights)}"))
    return current, total


def apply_effect(e: Effect, current: Decimal, weight: Decimal,
                 rules: ScoringRules) -> tuple[Decimal, str] | None:
    """A score consequence on an item or a row: (the new score, how the deduction reads)."""
    if e.kind == "deduct" and e.amount is not None:
        return max(ZERO, current - e.amount), f"{e.reason} ⇒ 扣{fmt_num(e.amount)}分"
    if e.kind == "cap" and e.amount is not None:
        return min(current, e.amount), f"{e.reason} ⇒ 最高{fmt_num(e.amount)}分"
    if e.kind == "halve":
        # 得分减半: at most half the weight ("只得该指标权重分值的一半", seed 001); applying it
        # twice changes nothing more.
        half = rules.round(weight / 2)
        return min(current, half), f"{e.reason} ⇒ 得分减半（最多得分值的一半 {fmt_num(half)}）"
    if e.kind == "set" and e.amount is not None:
        return min(current, e.amount), f"{e.reason} ⇒ {fmt_num(e.amount)}分"
    if e.kind == "veto":
        return ZERO, f"{e.reason} ⇒ 否决，本项不得分"
    return None


def score_item(item: CompiledItem, ctx: Context, effects: list[tuple[str, Effect]],
               rules: ScoringRules) -> tuple[ItemScore, list[str]]:
    """One item's score and deductions; also the problems found on the way (messages)."""
    w = item.weight
    problems: list[str] = []
    deductions: list[Deduction] = []
    stated_entry = _stated(ctx, item.path)
    stated = stated_entry.score if stated_entry else None
    rule_id = item.path

    def fallback(reason: str) -> Decimal:
        if stated is not None:
            base = rules.round(min(max(stated, ZERO), w))
            if base < w:
                deductions.append(Deduction(w - base, rule_id,
                                            f"无法计算（{reason}），采用评价人给分 {fmt_num(base)}"))
            return base
        deductions.append(Deduction(w, rule_id, f"无法计算：{reason}"))
        return ZERO

    if item.formula is not None:
        v = item.formula.fn(ctx, None)
        if isinstance(v, Unknown):
            current = fallback(v.reason)
        else:
            clamped = min(max(v, ZERO), w)
            current = rules.round(clamped)
            if current < w:
                lines = _derivations(item.formula, ctx)
                calc = f"得分 = {substituted(item.formula, ctx, None)} = {fmt_num(rules.round(v))}"
                if clamped != v:
                    calc += f"，限于 [0, {fmt_num(w)}] 得 {fmt_num(current)}"
                deductions.append(Deduction(w - current, rule_id, "；".join(lines + [calc])))
    elif item.kind == "ladder":
        current = None
        for cond, points in item.ladder:
            r = cond.fn(ctx, None)
            if isinstance(r, Unknown):
                current = fallback(r.reason)
                break
            if r is True:
                current = points
                if points < w:
                    deductions.append(Deduction(w - points, rule_id,
                                                f"{cond.text}（{substituted(cond, ctx, None)}）⇒ {fmt_num(points)}分"))
                break
        if current is None:
            current = item.otherwise if item.otherwise is not None else ZERO
            if current < w:
                deductions.append(Deduction(w - current, rule_id,
                                            f"各档条件均不满足 ⇒ {fmt_num(current)}分"))
    else:  # judgement: the evaluator's score, the evaluator's reason
        # The evaluator's lines under the item are the detail; a subtotal the input also
        # states for it is reconciled with them (RC-02), not used in their place.
        children = _children(ctx, item.path)
        if children:
            current, stated = _judged_group(item, children, deductions, problems, rules)
        elif stated is None:
            current = ZERO
            deductions.append(Deduction(w, rule_id, "输入未给出该项评价得分 (no evaluator score given)"))
            problems.append(f"评分项「{item.path}」为评价人判断项，输入未给出得分")
        else:
            current = rules.round(min(max(stated, ZERO), w))
            if current < w:
                comment = (stated_entry.comment or "").strip() or "；".join(
                    f"{why} 扣{fmt_num(pts)}分" for why, pts in stated_entry.deductions)
                if not comment:
                    problems.append(f"评分项「{item.path}」得分 {fmt_num(current)} 低于分值 {fmt_num(w)}，但未说明扣分理由")
                deductions.append(Deduction(w - current, "评价人",
                                            comment or "评价人未说明扣分理由 (no reason stated)"))
    if item.discretionary and stated is not None and item.kind != "judgement" \
            and rules.round(max(stated, ZERO)) < current:
        # 酌情: the rule gives the ceiling, the evaluator may go below it with a reason (a stated
        # score below 0, or that rounds to the ceiling, lowers nothing: no 0-point deduction).
        lowered = rules.round(max(stated, ZERO))
        comment = ((stated_entry.comment if stated_entry else "") or "").strip()
        if not comment:
            problems.append(f"评分项「{item.path}」酌情扣分但未说明理由")
        deductions.append(Deduction(current - lowered, "评价人",
                                    f"评价人酌情扣分：{comment or '未说明理由 (no reason stated)'}"))
        current = lowered

    for rid, e in effects:
        before = current
        applied = apply_effect(e, current, w, rules)
        if applied is None:
            continue
        current, label = applied
        if current < before:
            deductions.append(Deduction(before - current, rid, label))
    kind = item.kind
    # Every step above works on rounded numbers, so quantizing only fixes how they print.
    deductions = [attrs.evolve(d, points=rules.round(d.points)) for d in deductions]
    current = rules.round(current)
    assert w - current == sum((d.points for d in deductions), ZERO), (item.path, w, current, deductions)
    if kind == "judgement" and _children(ctx, item.path):
        kind = "group"  # scored as the sum of the evaluator's lines under it
    return ItemScore(item.path, w, current, tuple(deductions), stated, kind), problems


def make_sheet(items: list[ItemScore], rules: ScoringRules, vetoed: bool,
               grade_caps: list[tuple[str, str]]) -> ScoreSheet:
    total = sum((i.score for i in items), ZERO)
    top = sum((i.max for i in items), ZERO)
    grade = rules.grade(total)
    notes = []
    if vetoed:
        capped = rules.cap(grade, rules.veto_cap)
        if capped != grade:
            notes.append(f"存在否决项，等级由「{grade}」降为「{capped}」")
        grade = capped
    for at_most, why in grade_caps:
        capped = rules.cap(grade, at_most)
        if capped != grade:
            notes.append(f"{why} ⇒ 等级不高于「{at_most}」")
        grade = capped
    return ScoreSheet(total, top, grade, vetoed, tuple(items), "；".join(notes) or None)


def score_rows(item: CompiledItem, ctx: Context, effects: dict[int, list[tuple[str, Effect]]],
               rows: list[int], rules: ScoringRules) -> tuple[ItemScore, list[str]]:
    """A row-by-row item: each indicator scores within [0, its 分值] by the first step that
    applies; the item's score is their sum. Each row's lost points are one deduction that
    shows its arithmetic: 资金拨付率：得分 = 4 × 84.40% ÷ 91% = 3.71."""
    w = item.weight
    problems: list[str] = []
    deductions: list[Deduction] = []
    total, weights = ZERO, ZERO
    unweighted = [ctx.indicators[i].label(i + 1) for i in rows if ctx.number(i, "weight") is None]
    entry = _stated(ctx, item.path)
    if (unweighted or not rows) and entry is not None and entry.score is not None:
        # Rows without 分值 cannot be scored one by one (seed 001 lists 2 of its 12 output
        # indicators): the evaluator's score for the item stands, and the gap is said.
        got = rules.round(min(max(entry.score, ZERO), w))
        why = (f"{'、'.join(unweighted)} 未填分值" if unweighted else "没有适用的指标") + \
            f"，无法逐项计分，采用输入的得分 {fmt_num(got)}"
        problems.append(f"评分项「{item.path}」{why}")
        reason = (entry.comment or "").strip() or "评价人未说明扣分理由 (no reason stated)"
        deds = (Deduction(w - got, "评价人", reason),) if got < w else ()
        return ItemScore(item.path, w, got, deds, entry.score, "judgement"), problems
    for i in rows:
        ind = ctx.indicators[i]
        label = ind.label(i + 1)
        wi = ctx.number(i, "weight")
        if wi is None:
            problems.append(f"{label} 未填分值，无法逐项评分")
            continue
        wi = rules.round(wi)
        weights += wi
        got, why = None, ""
        for cond, formula in item.steps:
            r = cond.fn(ctx, i) if cond is not None else True
            if isinstance(r, Unknown):
                why = r.reason
                break
            if r is not True:
                continue
            v = as_score(formula.fn(ctx, i))
            if isinstance(v, Unknown):
                why = v.reason
                break
            got = rules.round(min(max(v, ZERO), wi))
            shown = substituted(formula, ctx, i)
            why = f"得分 = {shown} = {fmt_num(rules.round(v))}" if shown != fmt_num(v) else f"得分 {fmt_num(got)}"
            if cond is not None:
                why = f"{cond.text}：{why}"
            if got != rules.round(v):
                why += f"，限于 [0, {fmt_num(wi)}] 得 {fmt_num(got)}"
            break
        if got is None:
            stated = ctx.number(i, "score")
            if stated is not None:
                got = rules.round(min(max(stated, ZERO), wi))
                why = f"无法计算（{why or '无适用的计分公式'}），采用填报得分 {fmt_num(got)}"
            else:
                got = ZERO
                why = f"无法计算：{why or '无适用的计分公式'}"
        parts = [(wi - got, why)] if got < wi else []
        for rid, e in effects.get(i, []):
            before = got
            applied = apply_effect(e, got, wi, rules) if e.kind != "veto" else None
            if applied is None:
                continue
            got, text = applied
            if got < before:
                parts.append((before - got, text))
        for pts, text in parts:
            deductions.append(Deduction(pts, item.path, f"{label}（分值 {fmt_num(wi)}）：{text}"))
        stated_row = ind.score
        if stated_row is not None and rules.round(stated_row) != got:
            problems.append(f"{label} 填报得分 {fmt_num(stated_row)}，按规则计算为 {fmt_num(got)}")
        total += got
    if weights != w:
        problems.append(f"评分项「{item.path}」分值 {fmt_num(w)}，所含指标分值合计 {fmt_num(weights)}")
        if weights < w:
            deductions.append(Deduction(w - weights, item.path,
                                        f"所含指标分值合计 {fmt_num(weights)}，少于本项分值 {fmt_num(w)}"))
    current = min(total, w)
    if w - current != sum((d.points for d in deductions), ZERO):
        # The rows weigh more than the item: say so once rather than list row losses that
        # no longer add up to what the item lost.
        lost = w - current
        deductions = [Deduction(lost, item.path, f"各指标得分合计 {fmt_num(total)}，本项分值 {fmt_num(w)}")] \
            if lost > 0 else []
    deductions = [attrs.evolve(d, points=rules.round(d.points)) for d in deductions]
    current = rules.round(current)
    assert w - current == sum((d.points for d in deductions), ZERO), (item.path, w, current, deductions)
    return ItemScore(item.path, w, current, tuple(deductions), None, "rows"), problems


def as_score(v):
    """A formula's value as a number: a Value (填报 text) gives its number."""
    from .expr import as_num
    return as_num(v, "得分")
