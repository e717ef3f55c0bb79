"""A ``Result`` as the sections every report shows, computed once for every format.

Header (input, project, packs, reading notes), counts by severity, findings grouped by the
row or item they are about (with place, basis and fix), the score sheet with each
deduction and its arithmetic, items that cannot be scored and rules not applicable, with
why. Renderers (``table``, ``markdown``, ``html``, ``xlsx`` …) lay these out; none of them
walks a ``Result`` or decides what a number means. Values stay as the engine made them
(Decimals shown with ``str``, which keeps the places the pack rounds to); text from inputs
is left raw here and made safe by each renderer for its medium.

A run of many inputs is summarised by :class:`RunView` (counts, grades, most frequent
rules), from the small per-entry :class:`EntryView` each outcome carries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from ..data.notes import KINDS
from ..errors import Location
from ..severity import BY_NAME, TABLE, worst

UNSCORABLE = "无法评分"
NO_GRADE = "不评定"      # a sheet that is incomplete, or a pack without grades
NO_SHEET = "无评分表"    # no pack scored this set


def places(x: Decimal | None) -> str:
    """A Decimal as reports print it: as the engine kept it (4.88, 3.50, 100), no exponent."""
    return "" if x is None else format(x, "f")


@attrs.frozen
class Count:
    """How many live (not waived) findings of one severity."""

    name: str
    zh: str
    en: str
    n: int


@attrs.frozen
class FindingView:
    rule: str
    title: str
    severity: str
    severity_zh: str
    severity_en: str
    message: str
    fix: str | None
    basis: str | None
    source: str | None
    waived: str | None
    missing: str | None
    target: str
    location: Location | None

    @property
    def where(self) -> str:
        return str(self.location) if self.location is not None else ""

    @property
    def live(self) -> bool:
        return self.waived is None


@attrs.frozen
class Group:
    """The findings on one target (an indicator row, the project, a score item), in order."""

    target: str
    location: Location | None
    findings: tuple[FindingView, ...]

    @property
    def where(self) -> str:
        return str(self.location) if self.location is not None else ""

    @property
    def worst(self) -> str | None:
        return worst(f.severity for f in self.findings if f.live)


@attrs.frozen
class DeductionView:
    points: str
    rule: str
    reason: str  # the arithmetic, or the evaluator's words


@attrs.frozen
class ItemView:
    """One line of the score sheet. ``lost``: the points known to be lost ('' when none)."""

    path: str
    max: str
    score: str | None  # None: 无法评分
    lost: str
    deductions: tuple[DeductionView, ...]
    kind: str
    reason: str | None  # why it cannot be scored
    low: str
    high: str
    stated: str | None
    notes: tuple[str, ...]

    @property
    def scored(self) -> bool:
        return self.score is not None

    @property
    def shown(self) -> str:
        """The score cell: the score, or 无法评分 with the range it could reach."""
        return self.score if self.score is not None else f"{UNSCORABLE}（{self.low}–{self.high}）"


@attrs.frozen
class SheetView:
    """The 评分表: items, total or the range it could be, grade (None when not given)."""

    items: tuple[ItemView, ...]
    max: str
    total: str | None
    lost: str
    grade: str | None
    vetoed: bool
    incomplete: bool
    scored: str
    unscorable: str
    low: str
    high: str
    grade_note: str | None
    undecided: tuple[str, ...]

    @property
    def total_shown(self) -> str:
        return self.total if self.total is not None else f"{self.low}–{self.high}"

    @property
    def incomplete_line(self) -> str:
        return (f"总分不完整 (incomplete)：已评分 {self.scored}，无法评分 {self.unscorable} 分，"
                f"总分可能在 {self.low}–{self.high} 之间 (the total could be {self.low}–{self.high} of {self.max})")


@attrs.frozen
class NoteView:
    kind: str
    kind_zh: str
    kind_en: str
    location: Location
    zh: str
    en: str
    suggestion: str | None
    unread: bool

    @property
    def text(self) -> str:
        tip = f"（是否指「{self.suggestion}」？ did you mean {self.suggestion}?）" if self.suggestion else ""
        return f"{self.zh}{tip} ({self.en})"

    def where(self, source: str) -> str:
        """The note's place, without the file when it is the input's own."""
        text = str(self.location)
        if getattr(self.location, "file", None) == source and text.startswith(source):
            text = text[len(source):].strip()
        return text or "整个文件 (whole file)"


@attrs.frozen
class NoteGroup:
    kind: str
    zh: str
    en: str
    unread: bool
    notes: tuple[NoteView, ...]


@attrs.frozen
class NotApplicableView:
    rule: str
    target: str
    reason: str


@attrs.frozen
class ReportView:
    """One checked indicator set, in the sections of a report."""

    input: str
    project: str | None
    packs: tuple[str, ...]
    counts: tuple[Count, ...]      # every severity, worst first (n may be 0)
    findings: tuple[FindingView, ...]
    groups: tuple[Group, ...]
    waived: int
    undecided: int
    sheet: SheetView | None
    unscorable: tuple[ItemView, ...]
    not_applicable: tuple[NotApplicableView, ...]
    notes: tuple[NoteView, ...]
    note_groups: tuple[NoteGroup, ...]

    @property
    def title(self) -> str:
        return self.project or self.input

    @property
    def worst(self) -> str | None:
        return worst(f.severity for f in self.findings if f.live)

    @property
    def unread(self) -> int:
        return sum(1 for n in self.notes if n.unread)

    @classmethod
    def of(cls, r: Any) -> ReportView:
        findings = tuple(finding_view(f) for f in r.findings)
        groups: dict[str, list[FindingView]] = {}
        for f in findings:
            groups.setdefault(f.target, []).append(f)
        live = Counter(f.severity for f in findings if f.live)
        sheet = sheet_view(r.score) if r.score is not None else None
        notes = tuple(note_view(n) for n in r.input_notes)
        return cls(
            input=r.input, project=r.project, packs=tuple(r.packs),
            counts=tuple(Count(s.name, s.zh, s.en, live.get(s.name, 0)) for s in TABLE),
            findings=findings,
            groups=tuple(Group(t, fs[0].location, tuple(fs)) for t, fs in groups.items()),
            waived=sum(1 for f in findings if not f.live),
            undecided=sum(1 for f in findings if f.missing is not None),
            sheet=sheet,
            unscorable=tuple(i for i in sheet.items if not i.scored) if sheet else (),
            not_applicable=tuple(NotApplicableView(x.rule, x.target, x.reason) for x in r.not_applicable),
            notes=notes, note_groups=note_groups(notes))


def finding_view(f: Any) -> FindingView:
    sev = BY_NAME[f.severity]
    return FindingView(f.rule, f.title, f.severity, sev.zh, sev.en, f.message, f.fix, f.basis, f.source,
                       f.waived, f.missing, f.target, f.location)


def item_view(i: Any) -> ItemView:
    lost = (i.max - i.score) if i.score is not None else (i.max - i.highest)
    return ItemView(
        path=i.path, max=places(i.max), score=places(i.score) if i.score is not None else None,
        lost=places(lost) if lost else "",
        deductions=tuple(DeductionView(places(d.points), d.rule, d.reason) for d in i.deductions),
        kind=i.kind, reason=i.reason, low=places(i.lowest), high=places(i.highest),
        stated=places(i.stated) if i.stated is not None else None, notes=tuple(i.notes))


def sheet_view(s: Any) -> SheetView:
    lost = (s.max - s.total) if s.total is not None else None
    return SheetView(
        items=tuple(item_view(i) for i in s.items), max=places(s.max),
        total=places(s.total) if s.total is not None else None,
        lost=places(lost) if lost else "", grade=s.grade, vetoed=s.vetoed, incomplete=s.incomplete,
        scored=places(s.scored), unscorable=places(s.unscorable), low=places(s.low), high=places(s.high),
        grade_note=s.grade_note, undecided=tuple(s.undecided))


def note_view(n: Any) -> NoteView:
    zh, en, _ = KINDS.get(n.kind, (n.kind, n.kind, True))
    return NoteView(n.kind, zh, en, n.where, n.zh, n.en, n.suggestion, n.unread)


def note_groups(notes: Iterable[NoteView]) -> tuple[NoteGroup, ...]:
    """Notes by kind, kinds in the order first met."""
    groups: dict[str, list[NoteView]] = {}
    for n in notes:
        groups.setdefault(n.kind, []).append(n)
    return tuple(NoteGroup(k, ns[0].kind_zh, ns[0].kind_en, ns[0].unread, tuple(ns)) for k, ns in groups.items())


# ---- a run of many inputs ---------------------------------------------------------------------

@attrs.frozen
class EntryView:
    """What the summary of a run keeps of one entry (small: a batch holds one per input)."""

    input: str
    kind: str                    # result | error | skipped
    project: str | None = None
    total: str | None = None
    max: str | None = None
    range: str | None = None     # low–high when the total is incomplete
    grade: str | None = None
    counts: tuple[int, ...] = ()  # live findings by severity, in TABLE order
    rules: tuple[tuple[str, int], ...] = ()
    unread: int = 0
    message: str | None = None   # why an input could not be read, or was skipped
    page: str | None = None      # the entry's own page, when a renderer writes one per entry

    @classmethod
    def of(cls, v: ReportView, page: str | None = None) -> EntryView:
        s = v.sheet
        rules = Counter(f.rule for f in v.findings if f.live)
        return cls(v.input, "result", v.project, s.total if s else None, s.max if s else None,
                   f"{s.low}–{s.high}" if s and s.total is None else None, s.grade if s else None,
                   tuple(c.n for c in v.counts), tuple(sorted(rules.items())), v.unread, page=page)

    @property
    def title(self) -> str:
        return self.project or self.input


@attrs.frozen
class RunView:
    """A run across inputs: projects checked, not read and skipped; findings by severity;
    grades; the rules most often broken."""

    entries: tuple[EntryView, ...]
    counts: tuple[Count, ...]
    grades: tuple[tuple[str, int], ...]   # grade → projects; 不评定 (incomplete), 无评分表 (no sheet)
    rules: tuple[tuple[str, int], ...]    # rule → findings, most frequent first
    projects: int
    errors: int
    skipped: int

    TOP_RULES = 10

    @classmethod
    def of(cls, entries: Iterable[EntryView]) -> RunView:
        entries = tuple(entries)
        done = [e for e in entries if e.kind == "result"]
        sev = [sum(e.counts[i] for e in done if e.counts) for i in range(len(TABLE))]
        grades = Counter(e.grade or (NO_SHEET if e.max is None else NO_GRADE) for e in done)
        rules: Counter = Counter()
        for e in done:
            rules.update(dict(e.rules))
        top = sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))[:cls.TOP_RULES]
        return cls(entries, tuple(Count(s.name, s.zh, s.en, n) for s, n in zip(TABLE, sev)),
                   tuple(sorted(grades.items(), key=lambda kv: kv[0] in (NO_GRADE, NO_SHEET))), tuple(top),
                   len(done), sum(1 for e in entries if e.kind == "error"),
                   sum(1 for e in entries if e.kind == "skipped"))
