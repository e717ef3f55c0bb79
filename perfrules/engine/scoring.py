"""Score sheets: each item's score from its formula, ladder or the evaluator, every lost
point a deduction with its rule and arithmetic; then the total and the grade.

Invariant kept by construction: for every scored item, max − score = Σ deductions exactly
(for an item that cannot be scored, max − the most it could score = Σ deductions). Each
step works on numbers already rounded by the pack's rule, and each deduction is the exact
difference between two such numbers.

Scoring fails closed: an item whose data is missing is "无法评分" with the reason, never 0
and never the stated score, unless the pack accepts stated scores (``accept_stated``), and
then each use is noted on the item. A sheet with such an item has no total and no grade,
only the scored part and the range the total could reach.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import attrs

from .checks import Effect
from .compiled import CompiledItem
from .context import Context, Unknown
from .explain import fmt_num, quantize
from .expr import Expr, leaf_names, substituted
from ..data.indicators import ScoreEntry
from ..data.terms import BLANK
from ..data.terms import is_blank as _blank
from .results import Deduction, ItemKind, ItemScore, ScoreSheet

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
    # A row with neither 指标值 nor 实际完成值: "unscorable" (无法评分) or "zero" (0 分).
    missing_data: str = "unscorable"
    # Where the data a rule needs is missing, take the input's stated score (each use listed)
    # instead of leaving the item unscorable.
    accept_stated: bool = False
    # Indicator rows with 分值/得分 under these 一级指标 are lines of these (judgement) items.
    indicator_items: tuple[tuple[str, str], ...] = ()
    # Other paths an item is written with: (alias path, item path).
    aliases: tuple[tuple[str, str], ...] = ()

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


# ---- the evaluator's lines ---------------------------------------------------------------

@attrs.frozen
class Line:
    """One line of the score sheet an input gives: a 评分 line, or an indicator row that
    carries 分值/得分 under an 一级指标 the pack maps to an item (``indicator_items``)."""

    key: str  # its path without spaces, with the pack's aliases resolved
    entry: ScoreEntry
    row: int | None = None  # the indicator row it comes from (0-based), if any


def norm_path(path: str) -> str:
    return path.replace(" ", "").replace("　", "").strip("/")


_COMMENT_HEADINGS = ("评价情况", "评价意见", "评分说明", "备注")


def _row_comment(ind) -> str | None:
    """What an indicator row says about its score: an evaluator's 评价情况 kept beside it,
    else the row's 偏差原因."""
    extra = dict(ind.extra)
    for k in _COMMENT_HEADINGS:
        v = extra.get(k)
        if isinstance(v, str) and v.strip():
            return v
    return ind.deviation


def score_entries(ctx: Context, rules: ScoringRules) -> tuple[Line, ...]:
    """Every line the input gives for the score sheet, in input order: the indicator rows
    the pack maps to items first (they come first on a form), then the 评分 lines."""
    cached = ctx._lines
    if cached is not None and cached[0] is rules:
        return cached[1]
    aliases = dict(rules.aliases)
    out: list[Line] = []
    mapping = dict(rules.indicator_items)
    if mapping:
        for i, ind in enumerate(ctx.indicators):
            if ind.weight is None and ind.score is None:
                continue
            item = mapping.get(ctx.level1(i) or "")
            if item is None:
                continue
            name = (ind.name or "").strip()
            if name in BLANK:
                name = f"绩效指标[{i + 1}]"
            name = name.replace("/", "／")  # a name is one part of the path
            e = ScoreEntry(path=f"{item}/{name}", weight=ind.weight, score=ind.score,
                           comment=_row_comment(ind), location=ind.location)
            out.append(Line(norm_path(e.path), e, i))
    for e in ctx.iset.scores:
        k = norm_path(e.path)
        out.append(Line(aliases.get(k, k), e))
    lines = tuple(out)
    ctx._lines = (rules, lines)
    return lines


def score_lines(ctx: Context, rules: ScoringRules) -> dict[str, ScoreEntry]:
    """The input's lines by path, one per path. A path stated twice keeps the lower
    score, whatever the order of the lines (RC-10 reports the repetition)."""
    cached = ctx._score_table
    if cached is not None and cached[0] is rules:
        return cached[1]
    table: dict[str, ScoreEntry] = {}
    for ln in score_entries(ctx, rules):
        have = table.get(ln.key)
        if have is None or _lower(ln.entry, have):
            table[ln.key] = ln.entry
    ctx._score_table = (rules, table)
    return table


def _lower(a, b) -> bool:
    """Which of two lines for one path counts: the lower score, then (for lines that differ
    only there) the lower weight and the comment, so the order of the lines never matters."""
    def key(e):
        return (e.score is None, e.score if e.score is not None else ZERO,
                e.weight is None, e.weight if e.weight is not None else ZERO, e.comment or "")
    return key(a) < key(b)


def item_names(path: str, rules: ScoringRules) -> set[str]:
    """The last parts an item may be written with: its own and its aliases'."""
    names = {path.rsplit("/", 1)[-1]}
    names |= {a.rsplit("/", 1)[-1] for a, p in rules.aliases if p == path}
    return names


def _line_index(ctx: Context, rules: ScoringRules) -> tuple[dict[str, list], dict[str, list]]:
    """The input's lines by their last part and by the path above them, in input order: made
    once per set, so that finding an item's lines is not a scan of the sheet per item."""
    cached = ctx._line_index
    if cached is not None and cached[0] is rules:
        return cached[1]
    by_tail: dict[str, list] = {}
    by_parent: dict[str, list] = {}
    for p, e in score_lines(ctx, rules).items():
        head, _, tail = p.rpartition("/")
        by_tail.setdefault(tail, []).append(e)
        if "/" in p:
            by_parent.setdefault(head, []).append(e)
    ctx._line_index = (rules, (by_tail, by_parent))
    return by_tail, by_parent


def _stated(ctx: Context, rules: ScoringRules, path: str):
    """The evaluator's line for an item: same path (or an alias), or the same last part."""
    lines = score_lines(ctx, rules)
    if path in lines:
        return lines[path]
    by_tail, _ = _line_index(ctx, rules)
    tail = [e for name in item_names(path, rules) for e in by_tail.get(name, ())]
    return tail[0] if len(tail) == 1 else None


def _children(ctx: Context, rules: ScoringRules, path: str) -> list:
    """The evaluator's lines directly under a judgement item the pack does not itemise
    (a project's own 三级 indicators under 项目绩效/项目产出)."""
    return list(_line_index(ctx, rules)[1].get(path, ()))


# ---- one item ------------------------------------------------------------------------------

class _Tracks:
    """An item's score as it is worked out: ``hi`` is what it scores on what is known (every
    point lost from it is a deduction), ``lo`` what it would score if every consequence the
    input leaves undecided applied. With nothing undecided the two are the same. ``stated``
    is the score the input states for the item (for a group, what its lines add up to)."""

    def __init__(self, weight: Decimal, rules: ScoringRules, rule_id: str, stated: Decimal | None):
        self.w, self.rules, self.rule_id = weight, rules, rule_id
        self.stated = stated
        self.hi: Decimal | None = None
        self.lo: Decimal | None = None
        self.deductions: list[Deduction] = []
        self.unknown: list[str] = []  # why the item cannot be scored
        self.notes: list[str] = []

    def base(self, x: Decimal) -> None:
        self.hi = self.lo = x

    def unscorable(self, reason: str) -> None:
        self.unknown.append(reason)
        self.hi, self.lo = self.w, ZERO

    def missing(self, reason: str) -> None:
        """The rule cannot compute the item: the stated score only if the pack accepts it."""
        w, rules = self.w, self.rules
        if rules.accept_stated and self.stated is not None:
            base = rules.round(min(max(self.stated, ZERO), w))
            if base < w:
                self.deductions.append(Deduction(w - base, self.rule_id,
                                                 f"无法计算（{reason}），采用陈述得分 {fmt_num(base)}"))
            self.notes.append(f"无法计算（{reason}），采用陈述得分 {fmt_num(base)}（规则包接受陈述得分 accept_stated）")
            self.base(base)
        else:
            self.unscorable(f"无法计算：{reason}")

    def apply(self, rid: str, e: Effect, pending: str | None) -> None:
        got = apply_effect(e, self.lo, self.w, self.rules)
        if got is not None:
            self.lo = got[0]
        if pending is not None:
            if got is not None and self.lo < self.hi and pending not in self.unknown:
                self.unknown.append(pending)
            return
        got = apply_effect(e, self.hi, self.w, self.rules)
        if got is None:
            return
        before = self.hi
        self.hi, label = got
        if self.hi < before:
            self.deductions.append(Deduction(before - self.hi, rid, label))
        self.lo = min(self.lo, self.hi)


def score_item(item: CompiledItem, ctx: Context, effects: list[tuple],
               rules: ScoringRules) -> tuple[ItemScore, list[str]]:
    """One item's score and deductions; also the problems found on the way (messages).
    A row-by-row item is scored by :func:`score_rows`.

    ``effects`` are (rule id, Effect, pending) where ``pending`` is None for a consequence
    that holds, or the reason it could not be judged (the item may then not be scorable)."""
    w = item.weight
    problems: list[str] = []
    entry = _stated(ctx, rules, item.path)
    t = _Tracks(w, rules, item.path, entry.score if entry else None)
    kind = _item_kind(item, ctx, rules)
    _SCORERS[kind](item, ctx, t, entry, problems)
    if item.discretionary and kind in ("formula", "ladder"):
        _discretion(item, t, entry, problems)
    for rid, e, pending in effects:
        t.apply(rid, e, pending)
    # Never above the weight: a weight with more places than the pack keeps (2.55 at 1 place)
    # would otherwise round full marks up to 2.6.
    hi = min(rules.round(t.hi), w)
    lo = min(rules.round(t.lo), hi)
    # Most steps work on rounded numbers, so quantizing only fixes how they print; lines with
    # more places than the pack keeps (3.335 + 21.665) are settled and the sheet says how.
    deductions = _settle(item.path, w, hi, t.deductions, rules, t.notes, problems)
    if t.unknown and lo < hi:
        return ItemScore(item.path, w, None, tuple(deductions), t.stated, kind, "；".join(t.unknown), lo, hi,
                         tuple(t.notes)), problems
    # Nothing undecided, or nothing undecided that could change the score (a veto took it to 0).
    return ItemScore(item.path, w, hi, tuple(deductions), t.stated, kind, notes=tuple(t.notes)), problems


def _item_kind(item: CompiledItem, ctx: Context, rules: ScoringRules) -> ItemKind:
    """How an item is scored: its own kind, except that a judgement item with the
    evaluator's lines under it is a group, scored as their sum (a subtotal the input also
    states for it is reconciled with them, RC-02, not used in their place)."""
    if item.kind == "judgement" and _children(ctx, rules, item.path):
        return "group"
    return item.kind


def _formula_score(item: CompiledItem, ctx: Context, t: _Tracks, entry: ScoreEntry | None,
                   problems: list) -> None:
    """得分 = the formula, within [0, the weight]; the points lost are one deduction that
    shows the arithmetic (and where a derived name such as 执行率 comes from)."""
    w, rules = t.w, t.rules
    v = item.formula.fn(ctx, None)
    if isinstance(v, Unknown):
        t.missing(v.reason)
        return
    clamped = min(max(v, ZERO), w)
    current = rules.round(clamped)
    if current < w:
        lines = _derivations(item.formula, ctx)
        calc = f"得分 = {substituted(item.formula, ctx, None)} = {fmt_num(rules.round(v))}"
        if clamped != v:
            calc += f"，限于 [0, {fmt_num(w)}] 得 {fmt_num(current)}"
        t.deductions.append(Deduction(w - current, t.rule_id, "；".join(lines + [calc])))
    t.base(current)


def _ladder_score(item: CompiledItem, ctx: Context, t: _Tracks, entry: ScoreEntry | None,
                  problems: list) -> None:
    """The points of the first step whose condition holds; when none does, 否则's points (or 0)."""
    w = t.w
    for cond, points in item.ladder:
        r = cond.fn(ctx, None)
        if isinstance(r, Unknown):
            t.missing(r.reason)
            return
        if r is True:
            if points < w:
                t.deductions.append(Deduction(w - points, t.rule_id,
                                              f"{cond.text}（{substituted(cond, ctx, None)}）⇒ {fmt_num(points)}分"))
            t.base(points)
            return
    current = item.otherwise if item.otherwise is not None else ZERO
    if current < w:
        t.deductions.append(Deduction(w - current, t.rule_id, f"各档条件均不满足 ⇒ {fmt_num(current)}分"))
    t.base(current)


def _judged_score(item: CompiledItem, ctx: Context, t: _Tracks, entry: ScoreEntry | None,
                  problems: list) -> None:
    """The evaluator's score, within [0, the weight], and the evaluator's reason for what it
    loses (a score lost without one is SS-02); no score given: unscorable (SS-01)."""
    w, rules = t.w, t.rules
    if t.stated is None:
        t.unscorable("输入未给出该项评价得分 (no evaluator score given)")
        problems.append(Problem("SS-01", f"评分项「{item.path}」为评价人判断项，输入未给出得分"))
        return
    current = rules.round(min(max(t.stated, ZERO), w))
    if current < w:
        comment = (entry.comment or "").strip() or "；".join(
            f"{why} 扣{fmt_num(pts)}分" for why, pts in entry.deductions)
        if not comment:
            problems.append(Problem("SS-02", f"评分项「{item.path}」得分 {fmt_num(current)} 低于分值 {fmt_num(w)}，但未说明扣分理由"))
        t.deductions.append(Deduction(w - current, "评价人", comment or "评价人未说明扣分理由 (no reason stated)"))
    t.base(current)


@attrs.define
class _GroupLines:
    """What the evaluator's lines under a group add up to."""

    total: Decimal = ZERO  # their scores, each within [0, its 分值]
    weights: Decimal = ZERO  # their 分值, scored or not
    scored_weights: Decimal = ZERO  # the 分值 of the lines that give a score
    losses: list[Deduction] = attrs.Factory(list)  # a deduction per line that lost points
    blank: list[str] = attrs.Factory(list)  # the lines that give no score


def _group_lines(item: CompiledItem, children: list, problems: list, rules: ScoringRules) -> _GroupLines:
    """Add up the evaluator's lines under a group, each within [0, its 分值]; a line without
    a score is SS-01, a line that loses points without a reason SS-02."""
    g = _GroupLines()
    for e in children:
        name = norm_path(e.path).rsplit("/", 1)[-1]
        if e.score is None:
            problems.append(Problem("SS-01", f"评分项「{item.path}/{name}」未给出得分"))
            g.blank.append(name)
            g.weights += max(e.weight, ZERO) if e.weight is not None else ZERO
            continue
        sc = rules.round(e.score)
        # A line's weight is never below 0: a negative 分值, or a negative 得分 standing in for
        # a missing 分值, would take the item below 0.
        wt = max(e.weight if e.weight is not None else sc, ZERO)
        got = min(max(sc, ZERO), wt)
        g.total += got
        g.weights += wt
        g.scored_weights += wt
        if got < wt:
            comment = (e.comment or "").strip()
            if not comment:
                problems.append(Problem("SS-02", f"评分项「{item.path}/{name}」得分 {fmt_num(got)} 低于分值 {fmt_num(wt)}，但未说明扣分理由"))
            g.losses.append(Deduction(wt - got, "评价人", f"{name}（{_as_written(got)}/{_as_written(wt)}）："
                                      + (comment or "评价人未说明扣分理由 (no reason stated)")))
    return g


def _group_score(item: CompiledItem, ctx: Context, t: _Tracks, entry: ScoreEntry | None,
                 problems: list) -> None:
    """A judgement item scored as the sum of the evaluator's lines under it. The item states
    what they add up to (``t.stated``), or nothing when a line gives no score or lines are
    missing for part of the weight: then the item cannot be scored, only given a range."""
    w, rules = t.w, t.rules
    g = _group_lines(item, _children(ctx, rules, item.path), problems, rules)
    t.stated = None
    if g.weights != w:
        problems.append(Problem("SS-03", f"评分项「{item.path}」分值 {fmt_num(w)}，但所列各项分值合计 {fmt_num(g.weights)}"))
    if g.blank:
        # What the lines without a score would add is unknown: the item cannot be scored; it
        # scores at least what the others give and at most all the rest of its weight.
        t.unknown.append(f"评价人未给出{'、'.join(f'「{n}」' for n in g.blank)}的得分 (no score given)")
        t.lo = rules.round(min(g.total, w))
        t.hi = rules.round(min(w, g.total + max(ZERO, w - g.scored_weights)))
        if sum((d.points for d in g.losses), ZERO) == w - t.hi:
            t.deductions.extend(g.losses)
        elif t.hi < w:
            t.deductions.append(Deduction(w - t.hi, "评价人",
                                          f"已给分各项得分合计 {fmt_num(g.total)}，分值合计 {fmt_num(g.scored_weights)}"))
        return
    current = rules.round(min(g.total, w))
    if g.weights < w:
        # Lines missing for part of the weight: what they would give is unknown, as above.
        t.unknown.append(f"所列各项分值合计 {fmt_num(g.weights)}，少于本项分值 {fmt_num(w)}：缺少 "
                         f"{fmt_num(w - g.weights)} 分的评分行 (lines missing for part of the weight)")
        t.lo = current
        t.hi = rules.round(min(w, g.total + (w - g.weights)))
        t.deductions.extend(g.losses)
        return
    if g.weights == w:
        t.deductions.extend(g.losses)
    elif current < w:
        t.deductions.append(Deduction(w - current, "评价人",
                                      f"所列各项得分合计 {fmt_num(g.total)}，各项分值合计 {fmt_num(g.weights)}"))
    t.base(current)
    t.stated = g.total


# How each kind of item is scored (a row-by-row item, "rows", by score_rows): each scorer
# takes (item, ctx, tracks, the input's line for the item or None, problems) and sets the
# tracks from its rule or the evaluator's lines, before the consequences are applied.
_SCORERS = {"formula": _formula_score, "ladder": _ladder_score,
            "judgement": _judged_score, "group": _group_score}


def _discretion(item: CompiledItem, t: _Tracks, entry: ScoreEntry | None, problems: list) -> None:
    """酌情: the rule gives the ceiling, the evaluator may go below it with a reason (a stated
    score below 0, or that rounds to the ceiling, lowers nothing: no 0-point deduction)."""
    rules = t.rules
    if t.stated is None or t.unknown or rules.round(max(t.stated, ZERO)) >= t.hi:
        return
    lowered = rules.round(max(t.stated, ZERO))
    comment = ((entry.comment if entry else "") or "").strip()
    if not comment:
        problems.append(Problem("SS-02", f"评分项「{item.path}」酌情扣分但未说明理由"))
    t.deductions.append(Deduction(t.hi - lowered, "评价人",
                                  f"评价人酌情扣分：{comment or '未说明理由 (no reason stated)'}"))
    t.base(lowered)


class Problem(str):
    """A problem met while scoring: its message, and the built-in check that reports it
    (``check``, an SS-nn id of ``reconcile.SS_TITLES`` that `disable:` and `severity:` accept)."""

    severity = "error"
    check: str

    def __new__(cls, check: str, text: str):
        self = super().__new__(cls, text)
        self.check = check
        return self

    def __reduce__(self):
        return (type(self), (self.check, str(self)))


class Notice(Problem):
    """A problem met while scoring that is a warning, not an error (the runner reads ``severity``)."""

    severity = "warning"


def _as_written(x: Decimal) -> str:
    """A figure of the input as written, even with more places than a message usually shows."""
    return format(x.normalize(), "f") if x.as_tuple().exponent < -2 else fmt_num(x)


SUM_SHOWN = 10  # the terms a rounding note lists before "…（共 N 项）"


def _sum_text(xs: list[Decimal], show=_as_written) -> str:
    terms = " + ".join(show(x) for x in xs[:SUM_SHOWN])
    return terms if len(xs) <= SUM_SHOWN else f"{terms} + …（共 {len(xs)} 项）"


def _settle(path: str, w: Decimal, score: Decimal, deductions: list[Deduction], rules: ScoringRules,
            notes: list[str], problems: list) -> list[Deduction]:
    """An item's deductions as the sheet lists them: each at the pack's places, adding up to
    exactly the points the item lost (max − score), never a crash.

    Rounding each deduction on its own can miss that sum when the input's figures have more
    places than the pack keeps: lines of 3.335 and 21.665 points scored 3 and 21 lose
    0.335 + 0.665 = 1, but 0.34 + 0.67 = 1.01. Then the points are apportioned by largest
    remainders (the rounding difference, 尾差, goes where rounding moved a deduction most),
    and the item carries a note, and the run a warning, that name the lines and the arithmetic.
    A deduction of 0 at the pack's places is no lost point and is not listed. Ties and the
    note's terms go by size, then by reason, never by the order of the lines."""
    exact = [d.points for d in deductions]
    rounded = [rules.round(x) for x in exact]
    lost = w - score
    if sum(rounded, ZERO) == lost:
        return [attrs.evolve(d, points=x) for d, x in zip(deductions, rounded) if x != 0]
    places = rules.places
    got = _largest_remainders(exact, lost, deductions, rules)
    # The note lists the deductions largest first (the same note whatever the order of the lines).
    shown = sorted(range(len(exact)), key=lambda j: (-exact[j], deductions[j].reason, deductions[j].rule))
    how = (f"各项扣分 {_sum_text([exact[j] for j in shown])} = {_as_written(sum(exact, ZERO))}，按 {places} 位小数"
           f"逐项取整为 {_sum_text([rounded[j] for j in shown], fmt_num)} = {fmt_num(sum(rounded, ZERO))}，"
           f"与本项失分 {_as_written(lost)}"
           f"（{_as_written(w)} − {_as_written(score)}）相差 {_as_written(abs(sum(rounded, ZERO) - lost))}"
           if exact else f"本项分值 {_as_written(w)}、得分 {_as_written(score)}")
    if got is not None:
        changed = [(deductions[j], rounded[j], got[j]) for j in shown if rounded[j] != got[j]]
        where = "、".join(f"「{_short(d.reason)}」{fmt_num(x)} → {fmt_num(y)}" for d, x, y in changed[:SUM_SHOWN])
        if len(changed) > SUM_SHOWN:
            where += f" 等 {len(changed)} 项"
        note = (f"{how}：尾差按最大余数法分摊，列为 {_sum_text([got[j] for j in shown], fmt_num)} = "
                f"{fmt_num(sum(got, ZERO))}"
                f"（{where}） (the deductions, rounded one by one, did not add up to the points lost: the "
                f"rounding difference is apportioned by largest remainders)")
        points = got
    else:
        # The item's own weight has more places than the pack keeps (a pack's matter, not the
        # input's): the deductions are listed as they are, the difference taken up by the largest.
        points, diff = _unrounded(exact, lost, shown)
        note = (f"{how}：本项分值或得分的小数位多于规则包的 {places} 位，扣分按原值列出"
                + (f"，仍差 {_as_written(diff)}" if diff else "")
                + " (the item's figures have more places than the pack keeps: deductions listed unrounded)")
    notes.append(note)
    problems.append(Notice("SS-06", f"评分项「{path}」{note}"))
    return [attrs.evolve(d, points=x) for d, x in zip(deductions, points) if x != 0]


def _largest_remainders(exact: list[Decimal], lost: Decimal, deductions: list[Deduction],
                        rules: ScoringRules) -> list[Decimal] | None:
    """The deductions at the pack's places adding up to ``lost``: each rounded down, the
    units left over going to those rounding moved most (ties by size, reason, rule); None
    when no such list exists (a loss with more places than the pack keeps, or below 0)."""
    places = rules.places
    units_lost = lost.scaleb(places)
    units = [x.scaleb(places) for x in exact]
    if not (lost >= 0 and units_lost == units_lost.to_integral_value() and all(u >= 0 for u in units)):
        return None
    floors = [int(u) for u in units]  # non-negative: int() is the floor
    extra = int(units_lost) - sum(floors)
    if not 0 <= extra <= len(units):
        return None
    ranked = sorted(range(len(units)), key=lambda j: (floors[j] - units[j], -units[j],
                                                     deductions[j].reason, deductions[j].rule))
    given = set(ranked[:extra])
    return [rules.round(Decimal(f + (j in given)).scaleb(-places)) for j, f in enumerate(floors)]


def _unrounded(exact: list[Decimal], lost: Decimal, shown: list[int]) -> tuple[list[Decimal], Decimal]:
    """The deductions as they are, the largest (``shown[0]``) taking up the difference to
    ``lost`` if it can; returns them and what is still missing."""
    points = list(exact)
    diff = lost - sum(points, ZERO)
    if points:
        j = shown[0]  # the largest
        if points[j] + diff >= 0:
            points[j] += diff
            diff = ZERO
    return points, diff


def _short(reason: str) -> str:
    """A deduction named in a note: its line's name (the part before ：or （), shortened."""
    head = re.split(r"[：（]", reason, maxsplit=1)[0].strip() or reason
    return head if len(head) <= 30 else head[:29] + "…"


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


def make_sheet(items: list[ItemScore], rules: ScoringRules, vetoed: bool,
               grade_caps: list[tuple[str, str]], undecided_vetoes: list[str] = (),
               undecided_caps: list[tuple[str, str]] = ()) -> ScoreSheet:
    """The total and grade of a sheet. An item that cannot be scored leaves the total
    incomplete and the sheet ungraded; so does a veto or grade cap that could not be judged
    and would lower the grade."""
    top = sum((i.max for i in items), ZERO)
    notes: list[str] = []
    undecided = [f"{why}（否决项：等级不高于「{rules.veto_cap}」）" for why in undecided_vetoes] + \
        [f"{why}（等级不高于「{at_most}」）" for at_most, why in undecided_caps]
    if any(i.score is None for i in items):
        # Incomplete: no total, no grade (the sheet's scored part and range say how far it got).
        return ScoreSheet(None, top, None, vetoed, tuple(items), None, tuple(undecided))
    total = sum((i.score for i in items), ZERO)
    grade = rules.grade(total)
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
    # A veto or a cap that could not be judged: no grade it might lower.
    could = [(rules.veto_cap, why) for why in undecided_vetoes] + list(undecided_caps)
    lower = [(at_most, why) for at_most, why in could if rules.cap(grade, at_most) != grade]
    if lower:
        worst = grade
        for at_most, _ in lower:
            worst = rules.cap(worst, at_most)
        notes.append(f"{'；'.join(why for _, why in lower)}：等级可能为「{grade}」或「{worst}」，不评定等级 "
                     "(a veto or grade cap could not be judged; no grade)")
        grade = None
    return ScoreSheet(total, top, grade, vetoed, tuple(items), "；".join(notes) or None, tuple(undecided))


# ---- a row-by-row item ---------------------------------------------------------------------

def score_rows(item: CompiledItem, ctx: Context, effects: dict[int, list[tuple]],
               rows: list[int], rules: ScoringRules) -> tuple[ItemScore, list[str]]:
    """A row-by-row item: each indicator scores within [0, its 分值] by the first step that
    applies; the item's score is their sum. Each row's lost points are one deduction that
    shows its arithmetic: 资金拨付率：得分 = 4 × 84.40% ÷ 91% = 3.71.

    A row the rules cannot score (no 分值, a formula on what is not given) leaves the item
    unscorable, unless the pack accepts stated scores; a row with neither 指标值 nor 实际完成值
    is never scored by its stated marks: the pack's ``missing_data`` makes it 0 or unscorable."""
    problems: list[str] = []
    unweighted = [ctx.indicators[i].label(i + 1) for i in rows if ctx.number(i, "weight") is None]
    if unweighted or not rows:
        whole = _rows_unscored(item, ctx, rows, unweighted, rules, problems)
        if whole is not None:
            return whole, problems
    sums = _RowSums()
    for i in rows:
        _score_row(item, ctx, i, effects.get(i, []), rules, sums, problems)
    return _rows_total(item, sums, unweighted, rules, problems), problems


def _rows_unscored(item: CompiledItem, ctx: Context, rows: list[int], unweighted: list[str],
                   rules: ScoringRules, problems: list) -> ItemScore | None:
    """An item whose rows cannot be scored one by one (a row without 分值, or no row applies):
    the input's score for the item if the pack accepts stated scores; with no rows,
    unscorable; else None (the rows that have 分值 are scored, the item left unscorable)."""
    w = item.weight
    entry = _stated(ctx, rules, item.path)
    why = f"{'、'.join(unweighted)} 未填分值" if unweighted else "没有适用的指标"
    if entry is not None and entry.score is not None and rules.accept_stated:
        # Rows without 分值 cannot be scored one by one (seed 001 lists 2 of its 12 output
        # indicators): the pack accepts the input's score for the item, and the gap is said.
        got = rules.round(min(max(entry.score, ZERO), w))
        problems.append(Problem("SS-04", f"评分项「{item.path}」{why}，无法逐项计分，采用输入的得分 {fmt_num(got)}"))
        reason = (entry.comment or "").strip() or "评价人未说明扣分理由 (no reason stated)"
        deds = (Deduction(w - got, "评价人", reason),) if got < w else ()
        note = f"{why}，无法逐项计分，采用陈述得分 {fmt_num(got)}（规则包接受陈述得分 accept_stated）"
        return ItemScore(item.path, w, got, deds, entry.score, "judgement", notes=(note,))
    if not rows:
        return ItemScore(item.path, w, None, (), entry.score if entry else None, "rows",
                         f"{why}，无法逐项计分 (no rows to score)", rules.round(ZERO), rules.round(w))
    return None


@attrs.define
class _RowSums:
    """A row-by-row item as its rows are scored."""

    hi: Decimal = ZERO  # what the rows score on what is known
    lo: Decimal = ZERO  # what they would score if every undecided consequence applied
    weights: Decimal = ZERO  # the 分值 of the rows that state one
    deductions: list[Deduction] = attrs.Factory(list)
    notes: list[str] = attrs.Factory(list)
    unsure: list[str] = attrs.Factory(list)  # why a row cannot be scored


def _score_row(item: CompiledItem, ctx: Context, i: int, row_effects: list[tuple], rules: ScoringRules,
               sums: _RowSums, problems: list) -> None:
    """One row: its score (:func:`_row_base`), then the consequences the item's statements
    gave it; each point it loses is a deduction, a stated score that differs is SS-05."""
    ind = ctx.indicators[i]
    label = ind.label(i + 1)
    wi = ctx.number(i, "weight")
    if wi is None:
        problems.append(Problem("SS-04", f"{label} 未填分值，无法逐项评分"))
        sums.unsure.append(f"{label} 未填分值")
        return
    wi = rules.round(wi)
    sums.weights += wi
    got, why, row_unsure = _row_base(item, ctx, i, wi, rules, sums.notes)
    if row_unsure is not None:
        hi, lo, parts = wi, ZERO, []
    else:
        hi, lo, parts = got, got, ([(wi - got, why)] if got < wi else [])
    hi, lo, pending = _row_effects(row_effects, hi, lo, wi, rules, parts)
    for pts, text in parts:
        sums.deductions.append(Deduction(pts, item.path, f"{label}（分值 {fmt_num(wi)}）：{text}"))
    if row_unsure is not None:
        sums.unsure.append(f"{label}：{row_unsure}")
    elif lo < hi:
        sums.unsure.append(f"{label}：{'；'.join(pending)}")
    elif ind.score is not None and rules.round(ind.score) != hi:
        problems.append(Problem("SS-05", f"{label} 填报得分 {fmt_num(ind.score)}，按规则计算为 {fmt_num(hi)}"))
    sums.hi += hi
    sums.lo += lo


def _row_base(item: CompiledItem, ctx: Context, i: int, wi: Decimal, rules: ScoringRules,
              notes: list[str]) -> tuple[Decimal | None, str, str | None]:
    """A row's score before consequences: (score, how it reads, None), or (None, "", why it
    cannot be scored). A row with neither 指标值 nor 实际完成值 is never scored by its stated
    marks (the pack's ``missing_data`` makes it 0 or unscorable); a row no step can compute
    takes its stated score only if the pack accepts them."""
    ind = ctx.indicators[i]
    label = ind.label(i + 1)
    if _blank(ind.target) and _blank(ind.actual):
        if rules.missing_data == "zero":
            notes.append(f"{label}：指标值与实际完成值均未填写，计 0 分（missing_data: zero）")
            return ZERO, "指标值与实际完成值均未填写，计 0 分（规则包设定 missing_data: zero）", None
        return None, "", "指标值与实际完成值均未填写 (neither target nor actual given)"
    got, why = _row_formula(item, ctx, i, wi, rules)
    if got is not None:
        return got, why, None
    cause = why or "无适用的计分公式 (no step applies)"
    stated = ctx.number(i, "score")
    if rules.accept_stated and stated is not None:
        got = rules.round(min(max(stated, ZERO), wi))
        notes.append(f"{label}：无法计算（{cause}），采用填报得分 {fmt_num(got)}（规则包接受陈述得分 accept_stated）")
        return got, f"无法计算（{cause}），采用填报得分 {fmt_num(got)}", None
    return None, "", f"无法计算：{cause}"


def _row_formula(item: CompiledItem, ctx: Context, i: int, wi: Decimal,
                 rules: ScoringRules) -> tuple[Decimal | None, str]:
    """The row's score by the first step whose condition holds, within [0, its 分值], and
    its arithmetic; (None, why) when a condition or formula cannot be computed, (None, "")
    when no step applies."""
    for cond, formula in item.steps:
        r = cond.fn(ctx, i) if cond is not None else True
        if isinstance(r, Unknown):
            return None, r.reason
        if r is not True:
            continue
        v = as_score(formula.fn(ctx, i))
        if isinstance(v, Unknown):
            return None, v.reason
        got = rules.round(min(max(v, ZERO), wi))
        shown = substituted(formula, ctx, i)
        why = f"得分 = {shown} = {fmt_num(rules.round(v))}" if shown != fmt_num(v) else f"得分 {fmt_num(got)}"
        if cond is not None:
            why = f"{cond.text}：{why}"
        if got != rules.round(v):
            why += f"，限于 [0, {fmt_num(wi)}] 得 {fmt_num(got)}"
        return got, why
    return None, ""


def _row_effects(row_effects: list[tuple], hi: Decimal, lo: Decimal, wi: Decimal, rules: ScoringRules,
                 parts: list[tuple[Decimal, str]]) -> tuple[Decimal, Decimal, list[str]]:
    """The consequences on a row (a veto is the project's, not the row's): those that hold
    lower ``hi`` (each a part of the row's deduction), undecided ones only ``lo``; returns
    (hi, lo, why each undecided one is)."""
    pending = []
    for rid, e, undecided in row_effects:
        if e.kind == "veto":
            continue
        moved = apply_effect(e, lo, wi, rules)
        if moved is not None:
            lo = moved[0]
        if undecided is not None:
            pending.append(undecided)
            continue
        applied = apply_effect(e, hi, wi, rules)
        if applied is None:
            continue
        before = hi
        hi, text = applied
        lo = min(lo, hi)
        if hi < before:
            parts.append((before - hi, text))
    return hi, lo, pending


def _rows_total(item: CompiledItem, sums: _RowSums, unweighted: list[str], rules: ScoringRules,
                problems: list) -> ItemScore:
    """The item's score: its rows' sum within [0, its 分值] (rows without 分值 may hold the
    rest of it: the item is then unscorable), with max − score = Σ deductions settled at the
    pack's places."""
    w = item.weight
    deductions = sums.deductions
    if sums.weights != w:
        problems.append(Problem("SS-03", f"评分项「{item.path}」分值 {fmt_num(w)}，所含指标分值合计 {fmt_num(sums.weights)}"))
        if sums.weights < w and not unweighted:
            deductions.append(Deduction(w - sums.weights, item.path,
                                        f"所含指标分值合计 {fmt_num(sums.weights)}，少于本项分值 {fmt_num(w)}"))
    # Rows without 分值 may hold the rest of the item's weight.
    current = min(sums.hi + (max(ZERO, w - sums.weights) if unweighted else ZERO), w)
    low = min(sums.lo, current)
    if w - current != sum((d.points for d in deductions), ZERO):
        # The rows weigh more than the item: say so once rather than list row losses that
        # no longer add up to what the item lost.
        lost = w - current
        deductions = [Deduction(lost, item.path, f"各指标得分合计 {fmt_num(sums.hi)}，本项分值 {fmt_num(w)}")] \
            if lost > 0 else []
    current = min(rules.round(current), w)
    low = min(rules.round(low), current)
    deductions = _settle(item.path, w, current, deductions, rules, sums.notes, problems)
    if unweighted or (sums.unsure and low < current):
        return ItemScore(item.path, w, None, tuple(deductions), None, "rows", "；".join(sums.unsure), low, current,
                         tuple(sums.notes))
    return ItemScore(item.path, w, current, tuple(deductions), None, "rows", notes=tuple(sums.notes))


def as_score(v):
    """A formula's value as a number: a Value (填报 text) gives its number."""
    from .expr import as_num
    return as_num(v, "得分")
