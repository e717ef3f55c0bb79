"""Applies compiled packs to indicator sets: findings, "not applicable", score sheet.

Order of a run: each pack's rules, then its score items, then the built-in checks
(:mod:`.reconcile`); last, the rules that read the run's own findings (a field in
``vocab.AFTER_FINDINGS``, such as 发现错误数), which see every other finding as the
report will show it (waivers marked, disabled rules dropped)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence

import attrs

from ..data.indicators import IndicatorSet
from ..language import nodes as n
from ..language.keywords import SEVERITIES
from . import checks as c
from .compiled import CompiledRule
from .context import COMPANION, Context, Unknown
from .explain import fmt_num
from .packs import Pack
from .reconcile import BUILTIN, BUILTIN_SOURCE, SS_TITLES, WV_TITLES, reconcile
from .results import SEVERITY_ORDER, Finding, ItemScore, NotApplicable, Result
from .scoring import make_sheet, score_entries, score_item, score_rows
from .vocab import AFTER_FINDINGS


def _target(ctx: Context, i) -> tuple[str, object]:
    if isinstance(i, int):
        ind = ctx.indicators[i]
        return ind.label(i + 1), ind.location
    return "项目", None


def _message(rule: CompiledRule, fail: c.Fail, ctx: Context) -> str:
    """The rule's 消息 (filled in), followed by what the check saw; else the check's own words."""
    own = fail.message  # a 消息 of its own after ⇒ is filled in when the statement fires
    if not rule.message:
        return own
    said = rule.template.fill(ctx, fail.i) if rule.template is not None else rule.message
    return said + f"（{own}）"


def _severity(stated: str | None, rule: str) -> str:
    """A finding's severity: the statement's own (否决 after ⇒), else the rule's, and a
    应 (should) requirement never above a warning."""
    if stated == "should":
        return rule if SEVERITY_ORDER[rule] <= SEVERITY_ORDER["warning"] else "warning"
    return stated or rule


_VERBS = {"veto": ("是否否决", "whether the veto applies"),
          "applies": ("是否适用", "whether the rule applies"),
          "grade": ("是否限制等级", "whether the grade is capped"),
          "score": ("是否扣分", "whether points are lost"),
          "holds": ("是否成立", "whether it holds")}
_EFFECTS = {"deduct": "扣{}分", "cap": "最高{}分", "halve": "得分减半", "set": "{}分", "veto": "否决"}
_EN = re.compile(r"\(([^()]*)\)\s*$")


class _Run:
    """What a run collects: findings, "not applicable", score consequences (those that hold
    and those the input leaves undecided), vetoes and grade caps."""

    def __init__(self):
        self.findings: list[tuple] = []
        self.nas: list[tuple] = []
        self.effects: dict[str, list] = {}  # item path → [(rule id, Effect, pending reason | None)]
        self.grade_caps: list[tuple[str, str]] = []
        self.vetoed = False
        self.undecided_vetoes: list[str] = []
        self.undecided_caps: list[tuple[str, str]] = []
        self._said: set = set()

    def undecided(self, ev: c.Undecided, ctx: Context, rid: str, title: str, severity, fix, basis, source,
                  item: str | None = None, veto_allowed: bool = True, rule: CompiledRule | None = None,
                  row_effects: list | None = None, target: str | None = None) -> None:
        """A statement the input leaves undecided (预算 or 类别 left out): its consequences are
        held as undecided, and unless what is missing is another document (the declared set)
        it is a finding that says what could not be judged — never a silent "not applicable"."""
        fails = [e for e in ev.would if isinstance(e, c.Fail)]
        effects = [e for e in ev.would if isinstance(e, c.Effect)]
        why = f"{ev.missing}未填写，无法判断「{ev.text}」是否成立"
        verb = "holds"
        for e in effects:
            if e.kind == "veto":
                if veto_allowed:
                    self.undecided_vetoes.append(f"{ev.missing}未填写，无法判断是否否决（{ev.text}）")
                    verb = "veto"
            elif e.kind == "grade_cap" and e.grade:
                self.undecided_caps.append((e.grade, why))
                verb = "grade" if verb != "veto" else verb
            else:
                then = _EFFECTS.get(e.kind, e.kind).format(fmt_num(e.amount) if e.amount is not None else "")
                pending = f"无法判断「{ev.text}」是否成立（成立则{then}）：{ev.reason}"
                if row_effects is not None:
                    row_effects.append((rid, e, pending))
                elif e.item or item:
                    self.effects.setdefault(e.item or item, []).append((rid, e, pending))
                verb = "score" if verb == "holds" else verb
        if verb == "holds" and ev.kind == "applies":
            verb = "applies"
        shown, loc = _target(ctx, ev.i)
        target = target or shown
        if ev.missing in COMPANION:
            self.nas.append((ev.i, (rid, ev.reason), NotApplicable(rid, target, ev.reason)))
            return
        sevs = [severity(f.severity) for f in fails] or [severity(None)]
        if verb == "veto" and veto_allowed:
            sevs.append("veto")
        sev = max(sevs, key=SEVERITY_ORDER.__getitem__)
        zh, en = _VERBS[verb]
        if verb == "veto":
            zh_text = f"无法判断是否否决（{ev.text}）"
        elif ev.kind == "applies" and fails:
            said = "；".join(dict.fromkeys(_message(rule, f, ctx) if rule is not None else f.message
                                           for f in fails))
            zh_text = f"无法判断是否适用（{ev.text}）：{said}" if ev.text.startswith("当") else f"无法判断是否适用：{said}"
        elif verb == "holds":
            zh_text = f"无法判断「{ev.text}」是否成立"
        else:
            zh_text = f"无法判断{zh}（{ev.text}）"
        m = _EN.search(ev.reason)
        message = f"{ev.missing}未填写，{zh_text} ({m.group(1) if m else ev.reason}: cannot tell {en})"
        if (ev.i, rid, target, message) in self._said:
            return
        self._said.add((ev.i, rid, target, message))
        self.findings.append((ev.i, (rid, message), Finding.of(
            rid, target, message, title=title, severity=sev, fix=fix, basis=basis, source=source,
            location=loc, missing=ev.missing)))


def _apply(st: _Run, rule: CompiledRule, ctx: Context, select: tuple | None = None) -> None:
    """Run one rule and collect what it gives: findings, "not applicable", score effects
    (``select``: which rows of each statement to run, see :func:`run_rule`)."""
    def severity(stated):
        return rule.override or _severity(stated, rule.severity)
    for ev in run_rule(rule, ctx, select):
        if isinstance(ev, c.Fail):
            target, loc = _target(ctx, ev.i)
            sev = severity(ev.severity)
            st.findings.append((ev.i, (rule.id, ev.message), Finding.of(
                rule.id, target, _message(rule, ev, ctx), title=rule.title, severity=sev, fix=rule.fix,
                basis=rule.basis, source=rule.source, location=loc)))
            st.vetoed |= sev == "veto"
        elif isinstance(ev, c.NA):
            st.nas.append((ev.i, (rule.id, ev.reason),
                           NotApplicable(rule.id, _target(ctx, ev.i)[0], ev.reason)))
        elif isinstance(ev, c.Effect):
            if ev.kind == "veto" and rule.override in (None, "veto"):
                st.vetoed = True
            elif ev.kind == "grade_cap" and ev.grade:
                st.grade_caps.append((ev.grade, ev.reason))
            elif ev.item:
                st.effects.setdefault(ev.item, []).append((rule.id, ev, None))
        elif isinstance(ev, c.Undecided):
            st.undecided(ev, ctx, rule.id, rule.title, severity, rule.fix, rule.basis, rule.source,
                         veto_allowed=rule.override in (None, "veto"), rule=rule)


_READS_FINDINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # a compiled rule → the answer


def reads_findings(rule: CompiledRule) -> bool:
    """Whether a rule reads the run's other findings (a field in ``AFTER_FINDINGS``, in a
    statement or in its 消息): such a rule runs after every other rule and built-in check."""
    answer = _READS_FINDINGS.get(rule)
    if answer is None:
        answer = _READS_FINDINGS[rule] = _reads_findings(rule)
    return answer


def _reads_findings(rule: CompiledRule) -> bool:
    if rule.message and any(f"{{{name}}}" in rule.message for name in AFTER_FINDINGS):
        return True
    stack: list = [rule.node]
    while stack:
        x = stack.pop()
        if isinstance(x, n.Name) and x.text in AFTER_FINDINGS:
            return True
        if isinstance(x, n.Flag) and x.message and any(f"{{{name}}}" in x.message for name in AFTER_FINDINGS):
            return True
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, n.Node):
            stack.extend(getattr(x, a.name) for a in attrs.fields(type(x)) if a.name != "span")
    return False


def _score_rows_item(st: _Run, it, ctx: Context, pack: Pack):
    """Run a row-by-row item: its checks per row (findings point at the row), then score."""
    rows = []
    for i in range(len(ctx.indicators)):
        r = it.rows.fn(ctx, i) if it.rows is not None else True
        if isinstance(r, Unknown):
            st.nas.append((i, (it.path, r.reason), NotApplicable(it.path, _target(ctx, i)[0], r.reason)))
        elif r is True:
            rows.append(i)
    effects: dict[int, list] = {}
    for i in rows:
        for s in it.stmts:
            for ev in s.run(ctx, i):
                if isinstance(ev, c.Effect):
                    effects.setdefault(i, []).append((it.path, ev, None))
                elif isinstance(ev, c.Fail):
                    target, loc = _target(ctx, i)
                    st.findings.append((i, (it.path, ev.message), Finding.of(
                        it.path, target, ev.message, title=it.title or it.path,
                        severity=_severity(ev.severity, "error"), basis=it.basis, source=it.source, location=loc)))
                elif isinstance(ev, c.NA):
                    st.nas.append((i, (it.path, ev.reason), NotApplicable(it.path, _target(ctx, i)[0], ev.reason)))
                elif isinstance(ev, c.Undecided):
                    st.undecided(ev, ctx, it.path, it.title or it.path, lambda sv: _severity(sv, "error"), None,
                                 it.basis, it.source, veto_allowed=False, row_effects=effects.setdefault(i, []))
    return score_rows(it, ctx, effects, rows, pack.scoring)


def _problems(st: _Run, it, problems: list) -> None:
    """What scoring an item met, as findings of the built-in check that names it (SS-nn,
    :class:`~.scoring.Problem`): errors, unless scoring marked one a warning (a rounding
    difference it settled and explained, :class:`~.scoring.Notice`)."""
    for p in problems:
        check = getattr(p, "check", None)
        rid, title = (check, SS_TITLES[check]) if check in SS_TITLES else (it.path, "评分表核对")
        st.findings.append((None, (it.path, str(p)), Finding.of(
            rid, it.path, str(p), title=title, severity=getattr(p, "severity", "error"), basis=it.basis,
            source=it.source)))


def builtin_severity(packs: Sequence[Pack]) -> dict[str, str]:
    """The packs' `severity:` for built-in checks (RC-, SS-, WV-nn), the first pack that
    states one winning; a rule's own override is applied when its pack is compiled."""
    out: dict[str, str] = {}
    for p in packs:
        for rid, sev in ((p.manifest or {}).get("severity") or {}).items():
            sev = SEVERITIES.get(str(sev).lower())
            if str(rid) in BUILTIN and sev:
                out.setdefault(str(rid), sev)
    return out


def _overridden(findings: list, severity: dict[str, str]) -> list:
    """Built-in checks' findings at the severity the packs set for them."""
    if not severity:
        return findings
    return [(i, key, attrs.evolve(f, severity=severity[f.rule]) if f.rule in severity else f)
            for i, key, f in findings]


def _waive(iset: IndicatorSet, findings: list) -> list:
    """Mark the findings the input waives (shown, with the reason, never hidden); a waiver
    that matched nothing is reported, as a stale one usually means a renamed indicator."""
    if not iset.waivers:
        return findings
    used = [False] * len(iset.waivers)
    out = []
    for i, key, f in findings:
        for k, w in enumerate(iset.waivers):
            if w.rule != f.rule:
                continue
            if w.indicator is not None and not _names(iset, i, w.indicator):
                continue
            f = attrs.evolve(f, waived=w.reason)
            used[k] = True
            break
        out.append((i, key, f))
    for k, w in enumerate(iset.waivers):
        if not used[k]:
            what = f"规则 {w.rule}" + (f"、指标「{w.indicator}」" if w.indicator else "")
            out.append((None, ("WV-01", what), Finding.of(
                "WV-01", "豁免", f"豁免（{what}）没有对应的发现，可能已失效", title=WV_TITLES["WV-01"],
                severity="info", fix="删除不再需要的豁免，或核对规则编号与指标名称", source=BUILTIN_SOURCE,
                location=w.location)))
    return out


def _names(iset: IndicatorSet, i, indicator: str) -> bool:
    if not isinstance(i, int):
        return False
    if indicator.isdigit():
        return int(indicator) == i + 1
    return (iset.indicators[i].name or "").strip() == indicator


def _sort_key(x):
    i = x[0]
    return (-1 if i is None else i, x[1])


def run(packs: Sequence[Pack], iset: IndicatorSet,
        related: dict[str, IndicatorSet] | None = None, plan: Sequence | None = None) -> Result:
    """Apply packs to one indicator set; ``related`` holds the same project's other stages.

    ``plan`` (from the column-wise back end, engine/columnar.py): per pack, a mapping from a
    rule's index to ``SKIP`` (the rule gives nothing here) or the rows of each statement that
    can give something (see :func:`run_rule`); rules it does not name run in full. What is
    left out gives no event, so the result is the same as without it."""
    st = _Run()
    items: list[ItemScore] = []
    lines: list = []  # the input's score-sheet lines, for the built-in checks
    late: list[tuple[Pack, CompiledRule]] = []
    for k, pack in enumerate(packs):
        ctx = Context(iset, pack.compiled.env, related)
        late += [(pack, rule) for rule in _run_rules(st, pack, ctx, plan[k] if plan is not None else None)]
        scored = _score_items(st, pack, ctx)
        if scored is not None:
            lines = lines or list(score_entries(ctx, pack.scoring))
            items += scored
    return _finish(st, packs, iset, related, items, lines, late)


SKIP = "skip"  # a plan's word for a rule that gives nothing on an indicator set (see run)


def _run_rules(st: _Run, pack: Pack, ctx: Context, plan=None) -> list[CompiledRule]:
    """Run a pack's rules (as far as ``plan`` says, see :func:`run`); those that read the
    run's own findings are returned, to run once every other check has reported."""
    late = []
    for r, rule in enumerate(pack.compiled.rules):
        # A plan never names a rule that reads the run's findings (so a rule it names is not one).
        select = plan.get(r) if plan is not None else None
        if select is SKIP:
            continue
        if select is None and reads_findings(rule):
            late.append(rule)
        else:
            _apply(st, rule, ctx, select)
    return late


def _score_items(st: _Run, pack: Pack, ctx: Context) -> list[ItemScore] | None:
    """Run and score a pack's items, each with what its own statements and the pack's rules
    gave it; None when the pack has none, or the input has no evaluator scores to judge by."""
    items = pack.compiled.items
    if not items:
        return None
    # An item with another under it is a subtotal: the leaves are scored (a set of the
    # paths above each item, not a scan of every item per item).
    above = {it.path[:k] for it in items for k, ch in enumerate(it.path) if ch == "/"}
    leaves = [it for it in items if it.path not in above]
    if not score_entries(ctx, pack.scoring) and any(it.kind == "judgement" for it in leaves):
        # Judgement items need the evaluator's scores (评分 lines, or indicator rows the
        # pack maps to items); an indicator table alone has none.
        st.nas.append((None, (pack.name, ""), NotApplicable(
            pack.label, "评分表", "输入没有评价人给分（评分），不生成评分表 (no evaluator scores in input)")))
        return None
    out = []
    for it in leaves:
        if it.per_indicator:
            score, problems = _score_rows_item(st, it, ctx, pack)
        else:
            score, problems = score_item(it, ctx, _item_events(st, it, ctx), pack.scoring)
        out.append(score)
        _problems(st, it, problems)
    return out


def _item_events(st: _Run, it, ctx: Context) -> list:
    """Run the statements under a whole item (on the project, or on each row) and collect
    what they give; returns the item's score consequences, the pack's rules' among them."""
    item_effects = st.effects.setdefault(it.path, [])
    for s in it.stmts:
        for ev in (s.run(ctx, None) if s.scope == "project" else
                   (e for k in range(len(ctx.indicators)) for e in s.run(ctx, k))):
            if isinstance(ev, c.Effect):
                if ev.kind == "veto":
                    st.vetoed = True
                if ev.kind == "grade_cap" and ev.grade:
                    st.grade_caps.append((ev.grade, ev.reason))
                else:
                    item_effects.append((it.path, ev, None))
            elif isinstance(ev, c.Fail):
                sev = _severity(ev.severity, "error")
                st.vetoed |= sev == "veto"
                st.findings.append((None, (it.path, ev.message), Finding.of(
                    it.path, it.path, ev.message, title=it.title or it.path, severity=sev, basis=it.basis,
                    source=it.source)))
            elif isinstance(ev, c.NA):
                st.nas.append((None, (it.path, ev.reason), NotApplicable(it.path, it.path, ev.reason)))
            elif isinstance(ev, c.Undecided):
                st.undecided(attrs.evolve(ev, i=None), ctx, it.path, it.title or it.path,
                             lambda sv: _severity(sv, "error"), None, it.basis, it.source, item=it.path,
                             target=it.path)
    return item_effects


def _finish(st: _Run, packs: Sequence[Pack], iset: IndicatorSet, related: dict[str, IndicatorSet] | None,
            items: list[ItemScore], lines: list, late: list[tuple[Pack, CompiledRule]]) -> Result:
    """The end of a run: the score sheet, the built-in checks, then the rules that read the
    run's findings; the findings as the report shows them (waivers marked, the packs'
    severities for built-in checks, switched-off rules left out), in report order."""
    scoring = next((p.scoring for p in packs if p.compiled.items), packs[0].scoring if packs else None)
    sheet = None
    if items:
        sheet = make_sheet(items, scoring, st.vetoed, st.grade_caps, st.undecided_vetoes, st.undecided_caps)
    disabled = frozenset().union(*(p.disabled for p in packs)) if packs else frozenset()
    severity = builtin_severity(packs)
    for f in reconcile(iset, sheet, scoring, lines or None):
        if f.rule not in disabled:
            st.findings.append((None, (f.rule, f.message), f))
    if late:
        # Rules about the run itself (存在问题 says 无 while there are errors) see every other
        # finding, waived ones marked and switched-off rules left out, as the report will show them.
        prior = tuple(f for *_, f in _as_reported(iset, st.findings, severity, disabled))
        for pack, rule in late:
            ctx = Context(iset, pack.compiled.env, related)
            ctx.prior_findings = prior
            _apply(st, rule, ctx)
    findings = _as_reported(iset, st.findings, severity, disabled)
    findings.sort(key=lambda x: (_sort_key(x), -SEVERITY_ORDER[x[2].severity]))
    nas = sorted(st.nas, key=_sort_key)
    project = iset.project.name if iset.project else None
    return Result(iset.source, project, tuple(p.label for p in packs),
                  tuple(f for *_, f in findings), tuple(x for *_, x in nas), sheet, iset.notes)


def _as_reported(iset: IndicatorSet, findings: list, severity: dict[str, str], disabled: frozenset) -> list:
    """Findings as the report shows them: waivers marked, built-in checks at the packs'
    severities, the checks a pack switched off left out."""
    return [x for x in _overridden(_waive(iset, findings), severity) if x[2].rule not in disabled]


# ---- one rule on one indicator set ----------------------------------------------------------

def run_rule(rule: CompiledRule, ctx: Context, select: tuple | None = None):
    """Events of one rule on one context, with "not applicable" when a 当 is false.

    ``select`` (None: everything) holds, per statement, None (run it), the row indices to
    run it on (a statement per indicator), or ``()`` (a statement on the project: skip it);
    a plan passes only what it knows can give an event, so the events are the same.

    A 当 that cannot be judged because the input left something out (阶段, 类别 …) does not
    silence the rule: it runs as if the 当 held, and whatever it would report comes back
    undecided (:class:`~perfrules.engine.checks.Undecided`), or "not applicable" if nothing."""
    undecided = None
    for w in rule.when:
        r = w.fn(ctx, None) if w.scope == "project" else True
        if isinstance(r, Unknown):
            if r.missing is None:
                yield c.NA(None, r.reason)
                return
            undecided = undecided or (w, r)
        elif r is not True:
            yield c.NA(None, f"仅当「{w.text}」时适用 (applies only when {w.text})")
            return
    if undecided is None:
        yield from _statements(rule, ctx, select)
        return
    w, r = undecided
    hits = c.consequential(_statements(rule, ctx, select))
    if not hits:
        yield c.NA(None, r.reason)
        return
    for i in sorted({e.i for e in hits}, key=lambda k: -1 if k is None else k):
        yield c.Undecided(i, r.missing, r.reason, tuple(e for e in hits if e.i == i), f"当 {w.text}", "applies")


def _statements(rule: CompiledRule, ctx: Context, select: tuple | None = None):
    ind_whens = [w for w in rule.when if w.scope == "indicator"]
    every = range(len(ctx.indicators))
    held: dict[int, bool] = {}  # whether a row's 当 holds: judged once per rule, not once per statement

    def when_holds(i: int) -> bool:
        v = held.get(i)
        if v is None:
            v = held[i] = all(w.fn(ctx, i) is True for w in ind_whens)
        return v
    for k, s in enumerate(rule.stmts):
        rows = every if select is None or select[k] is None else select[k]
        if isinstance(s, c.Applicability):
            u = s.project_na(ctx)
            if u is not None:
                # Without 类别 the rule is undecided for each indicator it would report.
                hits = [] if u.missing is None else [
                    e for i in rows
                    if not ind_whens or when_holds(i)
                    for e in s.run(ctx, i)]
                if not hits:
                    yield c.NA(None, u.reason)
                for e in hits:
                    yield c.Undecided(e.i, u.missing, u.reason, (e,), s.text, "applies")
                continue
        if s.scope == "indicator":
            run = s.run
            for i in rows:
                if ind_whens and not when_holds(i):
                    continue
                events = run(ctx, i)
                if events:  # most rows give none
                    yield from events
        elif select is None or select[k] is None:  # a statement on the project, unless the plan skips it
            yield from s.run(ctx, None)
