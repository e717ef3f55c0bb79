"""``perfrules diff``: what changes between two packs on the same inputs, and which rules cause it.

Comparison and rendering of two results that the runner already computed.
"""

from __future__ import annotations

from collections import Counter

import attrs

from ..engine.results import Result
from ..severity import ZH as SEVERITY_ZH


@attrs.frozen
class Change:
    """One input's differences between pack A and pack B."""

    input: str
    added: tuple          # findings only B gives
    removed: tuple        # findings only A gives
    items: tuple          # (path, score A, score B, rules behind B's deductions)
    total: tuple | None   # (A, B) when it changed
    grade: tuple | None   # (A, B) when it changed
    severity: tuple = ()  # (finding in A, finding in B) that differ only in severity

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.items or self.total or self.grade or self.severity)


def _key(f):
    return (f.rule, f.target, f.message)


def compare(a: Result, b: Result) -> Change:
    ka, kb = {_key(f): f for f in a.findings}, {_key(f): f for f in b.findings}
    added = tuple(kb[k] for k in kb if k not in ka)
    removed = tuple(ka[k] for k in ka if k not in kb)
    # The same finding at another severity is a change of its own (a pack override).
    severity = tuple((ka[k], kb[k]) for k in ka if k in kb and ka[k].severity != kb[k].severity)
    items = []
    sa = {i.path: i for i in a.score.items} if a.score else {}
    sb = {i.path: i for i in b.score.items} if b.score else {}
    for path in list(sa) + [p for p in sb if p not in sa]:
        x, y = sa.get(path), sb.get(path)
        if _shown(x) != _shown(y):
            rules = sorted({d.rule for d in (y.deductions if y else ())} ^ {d.rule for d in (x.deductions if x else ())})
            items.append((path, _shown(x), _shown(y), tuple(rules)))
    total = grade = None
    ta, tb = (a.score.total if a.score else None), (b.score.total if b.score else None)
    if ta != tb:
        total = (ta, tb)
    ga, gb = (a.score.grade if a.score else None), (b.score.grade if b.score else None)
    if ga != gb:
        grade = (ga, gb)
    return Change(a.input, added, removed, tuple(items), total, grade, severity)


def _shown(item):
    """An item's score as the diff shows it: 无法评分 (with its range) for one that cannot be scored."""
    if item is None:
        return None
    if item.score is None:
        return f"无法评分（{item.lowest}–{item.highest}）"
    return item.score


def render(label_a: str, label_b: str, changes: list[Change]) -> str:
    out = [f"比较 (diff): A = {label_a}   B = {label_b}", ""]
    by_rule: Counter = Counter()
    changed = [c for c in changes if not c.empty]
    for c in changed:
        out.append(f"== {c.input}")
        if c.grade:
            out.append(f"  等级: {c.grade[0] or '—'} → {c.grade[1] or '—'}")
        if c.total:
            out.append(f"  总分: {c.total[0] if c.total[0] is not None else '—'} → "
                       f"{c.total[1] if c.total[1] is not None else '—'}")
        for path, x, y, rules in c.items:
            why = f"  （{', '.join(rules)}）" if rules else ""
            out.append(f"  评分项 {path}: {x if x is not None else '—'} → {y if y is not None else '—'}{why}")
        for f in c.added:
            out.append(f"  + {SEVERITY_ZH[f.severity]} {f.rule} {f.target}: {f.message}")
            by_rule[f.rule] += 1
        for f in c.removed:
            out.append(f"  - {SEVERITY_ZH[f.severity]} {f.rule} {f.target}: {f.message}")
            by_rule[f.rule] += 1
        for x, y in c.severity:
            out.append(f"  ~ {x.rule} {x.target}: {SEVERITY_ZH[x.severity]} → {SEVERITY_ZH[y.severity]}")
            by_rule[x.rule] += 1
        out.append("")
    out.append(f"{len(changed)}/{len(changes)} 个输入有变化 (inputs changed)")
    if by_rule:
        out.append("引起变化的规则 (rules behind the changes): "
                   + "，".join(f"{r} {n}处" for r, n in sorted(by_rule.items())))
    return "\n".join(out) + "\n"
