"""Pack examples: what each rule must and must not flag, run by ``perfrules test``.

A pack carries its examples in ``*.examples.yaml`` files beside its rule files. Each file
is a list of cases::

    - 用例: 三级指标写成「/」                  # case: a name for the report
      规则: N-01                             # rule: the rule this case is about
      应触发: true                           # fires: does the rule flag it?
      指标: {三级指标: "/", 指标值: "5个"}     # indicator: one indicator, or
      # 输入: {项目: …, 预算: …, 绩效指标: […], 评分: […]}   # input: a whole indicator set
      对象: [绩效指标[1] (未命名)]             # targets (optional): exactly what it flags
      得分: {项目管理/财务管理/支出完成率: "4.88"}   # scores (optional): item → score, or 无法评分
      总分: "87.38"                          # total (optional), or 不完整 (an item cannot be scored)
      等级: 良                               # grade (optional), or 不评定 (no grade given)
      申报: {绩效指标: […]}                   # declared (optional): the 申报 set beside it

English keys are accepted: case, rule, fires, indicator, input, targets, scores, total,
grade, declared.

A case whose 规则 names no rule, score item or built-in check of the pack (``SC-3`` for
``SC-03``) fails, with a did-you-mean (:func:`unknown_id`): it would otherwise pass untested.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from ..data.loaders import load_mapping
from ..data.terms import DECLARED
from ..errors import DataError, Location, PerfrulesError
from ..engine.packs import EXAMPLES, Pack, read_yaml
from ..engine.runner import run

KEYS = {"用例": "case", "case": "case", "规则": "rule", "rule": "rule", "应触发": "fires",
        "fires": "fires", "指标": "indicator", "indicator": "indicator", "输入": "input",
        "input": "input", "对象": "targets", "targets": "targets", "得分": "scores",
        "scores": "scores", "总分": "total", "total": "total", "等级": "grade", "grade": "grade",
        "申报": "declared", "declared": "declared"}


@attrs.frozen
class Case:
    """One example of a pack: an input and what the pack must give for it."""

    name: str
    where: str  # file:line
    spec: dict[str, Any]

    @property
    def rule(self) -> str | None:
        r = self.spec.get("rule")
        return None if r is None else str(r)


@attrs.frozen
class Outcome:
    case: Case
    ok: bool
    expected: str = ""
    got: str = ""
    error: str = ""  # a case that cannot be run as written (it names a rule the pack lacks)

    def report(self) -> str:
        if self.error:
            return f"✗ {self.case.name}  ({self.case.where})\n  {self.error}"
        diff = "\n".join(difflib.unified_diff(self.expected.splitlines(), self.got.splitlines(),
                                              "期望 (expected)", "实际 (got)", lineterm="", n=2))
        return f"✗ {self.case.name}  ({self.case.where})\n{diff}"


def example_files(pack: Pack) -> list[Path]:
    """The pack's own examples files, as its loader found and checked them (inside the pack,
    regular files); for a pack built without a loader, the files beside its rule file."""
    if pack.examples is not None:
        return [Path(f) for f in pack.examples]
    root = Path(pack.path)
    beside = root.with_name(root.stem + EXAMPLES)
    return [beside] if beside.is_file() else []


TRUE, FALSE = ("true", "yes", "on"), ("false", "no", "off")


def _flag(v: object) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in TRUE + FALSE:
        return v.strip().lower() in TRUE
    return None


# What each key of a case holds: (type, zh, en); a wrong type is an error at the key's line.
_SHAPES = {"case": ((str, Decimal), "文字", "text"), "rule": ((str,), "文字", "text"),
           "indicator": ((dict,), "键值表", "a mapping"), "input": ((dict,), "键值表", "a mapping"),
           "declared": ((dict,), "键值表", "a mapping"), "targets": ((list,), "列表", "a list"),
           "scores": ((dict,), "键值表", "a mapping")}


def load_cases(path: Path, shown: str) -> list[Case]:
    """The cases of an examples file, read like an input (size-capped, duplicate keys and
    alias bombs refused, regular files only) and checked key by key."""
    data, _ = read_yaml(Path(path), shown, error=DataError)
    if not isinstance(data, list):
        raise DataError("用例文件须为列表", "an examples file is a list of cases", where=Location(shown))
    lines = getattr(data, "item_lines", [])
    cases = []
    for k, raw in enumerate(data, 1):
        line = lines[k - 1] if k <= len(lines) else None
        if not isinstance(raw, dict):
            raise DataError(f"第{k}个用例须为键值表", f"case {k} must be a mapping", where=Location(shown, row=line))
        line = getattr(raw, "line", None) or line
        key_lines = getattr(raw, "key_lines", {})
        spec = {}
        for key, v in raw.items():
            at = Location(shown, row=key_lines.get(key, line), key=str(key))
            if key not in KEYS:
                raise DataError(f"用例中的未知键「{key}」", f"unknown key '{key}' in a case",
                                where=at, hint="可用: " + "、".join(k for k in KEYS if not k.isascii()))
            name = KEYS[key]
            if name == "fires":
                v = _flag(v)
                if v is None:
                    raise DataError(f"「{key}」须为 true 或 false", f"{key} must be true or false", where=at)
            elif name in _SHAPES and not isinstance(v, _SHAPES[name][0]):
                _, zh, en = _SHAPES[name]
                raise DataError(f"「{key}」须为{zh}", f"{key} must be {en}", where=at)
            spec[name] = v
        if ("indicator" in spec) == ("input" in spec):
            raise DataError("用例须给出「指标」或「输入」之一", "a case gives either indicator or input",
                            where=Location(shown, row=line))
        cases.append(Case(str(spec.get("case", f"用例{k}")), f"{shown}:{line or 0}", spec))
    return cases


def _input(case: Case, field_specs: tuple = ()):
    spec = case.spec
    data = spec["input"] if "input" in spec else {"绩效指标": [spec["indicator"]]}
    if not isinstance(data, dict):
        raise DataError("「输入」须为键值表", "input must be a mapping", where=Location(case.where))
    iset = load_mapping(data, case.where, field_specs=field_specs)  # the pack's declared fields
    related = {}
    if "declared" in spec:
        related[DECLARED] = load_mapping(spec["declared"], case.where + " 申报", field_specs=field_specs)
    if iset.stage:
        related.setdefault(iset.stage, iset)
    return iset, related


def known_ids(pack: Pack) -> set[str]:
    """The ids an example may name: the pack's rules (those it switches off too), its score
    items (an item's own statements report under its path) and the built-in checks."""
    from ..engine.reconcile import BUILTIN
    return ({r.id for r in pack.compiled.rules} | set(pack.disabled)
            | {it.path for it in pack.compiled.items} | set(BUILTIN))


def unknown_id(pack: Pack, case: Case, known: set[str] | None = None) -> str | None:
    """The message for a case that names a rule id the pack does not have (``SC-3`` for
    ``SC-03``), else None: such a case would pass without testing anything."""
    rid = case.rule
    known = known_ids(pack) if known is None else known
    if rid is None or rid in known:
        return None
    from ..suggest import suggest_id
    best = suggest_id(rid, {k for k in known if ("/" in k) == ("/" in rid)} or known)  # ids, or item paths
    file, _, line = case.where.rpartition(":")
    return (f"用例文件「{file}」第{line}行的用例「{case.name}」提到的规则「{rid}」不是规则包 {pack.label} 的规则"
            + (f"，是否指「{best}」？" if best else "") +
            f" (the example '{case.name}' in {file}:{line} names rule {rid}, which is not a rule of "
            f"{pack.label}" + (f"; did you mean {best}?" if best else "") + ")")


def run_case(pack: Pack, case: Case) -> Outcome:
    bad = unknown_id(pack, case)
    if bad is not None:
        return Outcome(case, False, error=bad)
    try:
        iset, related = _input(case, pack.fields)
        result = run([pack], iset, related or None)
    except PerfrulesError as e:
        return Outcome(case, False, "（可运行的输入）", e.render())
    expected, got = [], []
    spec = case.spec
    if case.rule is not None:
        hits = [f.target for f in result.findings if f.rule == case.rule and f.waived is None]
        if "fires" in spec:
            expected.append(f"{case.rule} 触发: {'是' if spec['fires'] else '否'}")
            got.append(f"{case.rule} 触发: {'是' if hits else '否'}")
        if "targets" in spec:
            expected.append(f"{case.rule} 对象: {', '.join(str(t) for t in spec['targets'])}")
            got.append(f"{case.rule} 对象: {', '.join(hits)}")
        messages = [f"  {f.target}: {f.message}" for f in result.findings if f.rule == case.rule]
    else:
        messages = []
    sheet = result.score
    if "scores" in spec:
        items = {i.path: i for i in sheet.items} if sheet else {}
        for path, want in spec["scores"].items():
            expected.append(f"{path} 得分: {_num(want)}")
            have = items.get(path)
            got.append(f"{path} 得分: {_num(have.score) if have else '（无此评分项）'}")
    if "total" in spec:
        expected.append(f"总分: {_num(spec['total'])}")
        got.append(f"总分: {(_num(sheet.total) if sheet.total is not None else INCOMPLETE) if sheet else '（无评分表）'}")
    if "grade" in spec:
        expected.append(f"等级: {spec['grade'] if spec['grade'] is not None else NO_GRADE}")
        got.append(f"等级: {(sheet.grade or NO_GRADE) if sheet else '（无评分表）'}")
    ok = expected == got
    if not ok and messages:
        got += ["发现 (findings):"] + messages
    return Outcome(case, ok, "\n".join(expected), "\n".join(got))


UNSCORABLE, INCOMPLETE, NO_GRADE = "无法评分", "不完整", "不评定"


def _num(x) -> str:
    from decimal import Decimal
    if x is None:
        return UNSCORABLE
    try:
        return format(Decimal(str(x)).normalize(), "f")
    except Exception:  # noqa: BLE001 - a non-number stays as written in the report
        return str(x)


def cases_of(pack: Pack) -> Iterator[Case]:
    from ..engine.packs import display_path
    for f in example_files(pack):
        yield from load_cases(f, display_path(f))


@attrs.frozen
class Coverage:
    """Which of a pack's own rules have a firing and a non-firing example."""

    rules: tuple[str, ...]
    fires: frozenset[str]
    quiet: frozenset[str]

    @property
    def complete(self) -> tuple[str, ...]:
        return tuple(r for r in self.rules if r in self.fires and r in self.quiet)

    @property
    def share(self) -> float:
        return len(self.complete) / len(self.rules) if self.rules else 1.0


def coverage(pack: Pack, cases: list[Case]) -> Coverage:
    own = _own_rules(pack)
    fires = frozenset(c.rule for c in cases if c.rule and c.spec.get("fires") is True)
    quiet = frozenset(c.rule for c in cases if c.rule and c.spec.get("fires") is False)
    return Coverage(tuple(own), fires, quiet)


def _own_rules(pack: Pack) -> list[str]:
    """The rules defined in the pack's own files (a parent's rules are covered by its examples)."""
    mine = set(pack.rule_files)
    return sorted({r.id for r in pack.compiled.rules
                   if r.source.rsplit(":", 1)[0] in mine and not r.node.anonymous})
