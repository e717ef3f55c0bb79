"""Declared fields: the extra fields a pack's rules read, as its manifest declares them.

A pack's ``pack.yaml`` may declare fields the model has no place for (原因说明, 服务对象,
是否有负外部性 …)::

    fields:
      原因说明: {scope: project, type: text, keys: [reason], headers: [未完成原因, 偏差原因说明]}
      是否有负外部性: {scope: project, type: yes-no, keys: [negative_externality]}

This module is the data half of that: :class:`FieldSpec` (one declaration), :func:`parse`
(a manifest's ``fields`` mapping → specs, every mistake as a :class:`Problem` with its key
path), :func:`convert` (one input value → the model's value for the field's type, raising
:class:`~perfrules.data.loaders.fields.Bad` with a bilingual message the loader locates) and
:func:`union` (the declarations of several packs). The loaders take a tuple of specs and read
each field from every format: a YAML/JSON key, a column heading of the indicator grid, a
header-block label of a form, a 项目信息 key. The engine turns a spec into a rule field
(``engine.vocab.declared_field``); nothing here imports the engine.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import attrs

from ..suggest import suggest_key

SCOPES = ("project", "indicator")
TYPES = ("text", "number", "amount", "rate", "date", "yes-no", "list")
KEYS = ("scope", "type", "keys", "headers")

# Spellings of the scope and type words (matched after lower-casing, "_" as "-").
SCOPE_WORDS = {"project": "project", "项目": "project", "indicator": "indicator", "指标": "indicator"}
TYPE_WORDS = {
    "text": "text", "文字": "text", "文本": "text",
    "number": "number", "数字": "number", "数值": "number",
    "amount": "amount", "金额": "amount",
    "rate": "rate", "比率": "rate", "百分数": "rate", "百分比": "rate",
    "date": "date", "日期": "date",
    "yes-no": "yes-no", "yesno": "yes-no", "是否": "yes-no",
    "list": "list", "列表": "list",
}
# Words people write for a type that is spelt otherwise here: a hint, not an alias.
TYPE_HINTS = {"bool": "yes-no", "boolean": "yes-no", "布尔": "yes-no", "int": "number", "integer": "number",
              "decimal": "number", "float": "number", "money": "amount", "percent": "rate", "percentage": "rate",
              "string": "text", "str": "text", "array": "list"}
TYPE_ZH = {"text": "文字", "number": "数值", "amount": "金额（万元）", "rate": "比率", "date": "日期",
           "yes-no": "是否", "list": "列表"}
SCOPE_ZH = {"project": "项目", "indicator": "指标"}

# A field's name is written bare in rules: letters (Chinese too), digits and _, not a digit first.
NAME = re.compile(r"[^\W\d]\w*")
MAX_NAME = 40
# What a yes-no cell may say. Blank markers (/, -, —) are blank; 无 answers 是否有…: no.
YES = frozenset({"是", "有", "yes", "y", "true", "1", "√", "✓", "对"})
NO = frozenset({"否", "无", "没有", "no", "n", "false", "0", "×", "✗", "不是"})
# A list written in one cell or string: one item per part.
LIST_SPLIT = r"[,，、;；\n]"


@attrs.frozen
class FieldSpec:
    """One declared field: its name (the name rules use), scope, type and the input keys and
    column headings it is read from (the name itself is always accepted)."""

    name: str
    scope: str  # project | indicator
    type: str = "text"
    keys: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    headers: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every spelling an input may use: the name, the keys, the headings."""
        out: list[str] = []
        for s in (self.name, *self.keys, *self.headers):
            if s not in out:
                out.append(s)
        return tuple(out)

    def describe(self) -> str:
        return f"{SCOPE_ZH[self.scope]}，{TYPE_ZH[self.type]}"


@attrs.frozen
class Problem:
    """A mistake in a declaration, at a key path under ``fields`` (e.g. ``("原因说明", "type")``)."""

    path: tuple
    zh: str
    en: str
    hint: str | None = None
    key: str = "fields"  # the manifest key it is under (extends: two parents disagree)


def _short(v: object, n: int = 40) -> str:
    s = str(v)
    return s if len(s) <= n else s[:n] + "…"


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    return suggest_key(word, list(choices))  # the rule for keys (perfrules/suggest.py); a mapping's keys


def _word(v: object) -> str:
    return re.sub(r"[\s_]+", "-", str(v).strip().lower())


def parse(tree: object, builtin: Callable[[FieldSpec], list[Problem]] | None = None
          ) -> tuple[tuple[FieldSpec, ...], list[Problem]]:
    """A manifest's ``fields`` mapping → the specs, and every mistake found in it (a spec with
    a mistake is left out). Checked here: the shape of each declaration, unknown keys (with a
    did-you-mean), the scope and type words, the name, the keys and headings as lists of texts,
    a spelling that already names a built-in input key of the scope, and a spelling shared by two
    declared fields. Clashes with the rule language's own field names are the engine's to check:
    ``builtin`` gives the problems of a spec whose name the language already uses (checked first,
    so that 偏差原因 is "already built in" rather than a clash of spellings)."""
    problems: list[Problem] = []
    specs: list[FieldSpec] = []
    if not isinstance(tree, Mapping):
        return (), [Problem((), "「fields」须为键值表（如 {原因说明: {scope: project, type: text}}）",
                            "fields must be a mapping such as {原因说明: {scope: project, type: text}}")]
    for raw_name, decl in tree.items():
        spec, found = _declaration(str(raw_name), decl)
        if spec is not None:  # well formed: may a spelling of it stand for this field?
            found = (builtin(spec) if builtin is not None else []) or _taken(spec)
            if not found:
                specs.append(spec)
        problems += found
    problems += _shared(specs)
    bad = {pr.path[0] for pr in problems if pr.path}
    return tuple(s for s in specs if s.name not in bad), problems


def _declaration(name: str, decl: object) -> tuple[FieldSpec | None, list[Problem]]:
    """One field's declaration → its spec, or None and the mistakes in it."""
    p = (name,)
    problems: list[Problem] = []
    if not (NAME.fullmatch(name) and len(name) <= MAX_NAME):
        problems.append(Problem(p, f"字段名「{_short(name)}」无效：只能用文字、数字和 _，不以数字开头，"
                                   f"不超过 {MAX_NAME} 个字符（规则中直接写这个名称）",
                                f"invalid field name {_short(name)!r}: letters, digits and _, not a digit "
                                f"first, at most {MAX_NAME} characters (rules write the name bare)"))
    if not isinstance(decl, Mapping):
        problems.append(Problem(p, f"字段「{_short(name)}」的声明须为键值表（如 {{scope: project, type: text}}）",
                                f"the declaration of field {_short(name)!r} must be a mapping such as "
                                "{scope: project, type: text}"))
        return None, problems
    scope, kind, lists = None, "text", {"keys": (), "headers": ()}
    for key, v in decl.items():
        k = str(key)
        at = p + (k,)
        if k not in KEYS:
            best = _suggest(k, KEYS)
            problems.append(Problem(at, f"字段「{_short(name)}」的声明中的未知键「{_short(k)}」"
                                        + (f"，是否指「{best}」？" if best else ""),
                                    f"unknown key {_short(k)!r} in the declaration of field {_short(name)!r}"
                                    + (f"; did you mean {best}?" if best else ""),
                                    "可用的键 (keys): " + ", ".join(KEYS)))
        elif k == "scope":
            scope, problem = _scope_of(name, v, at)
            problems += [problem] if problem else []
        elif k == "type":
            kind, problem = _type_of(name, v, at)
            problems += [problem] if problem else []
        else:  # keys, headers
            items = [v] if isinstance(v, str) else v if isinstance(v, list) else None
            if items is None or not all(isinstance(x, str) and x.strip() for x in items):
                problems.append(Problem(at, f"字段「{_short(name)}」的 {k} 须为文字列表（如 [原因说明, reason]）",
                                        f"{k} of field {_short(name)!r} must be a list of texts such as "
                                        "[原因说明, reason]"))
                continue
            lists[k] = tuple(x.strip() for x in items)
    if scope is None and "scope" not in decl:
        problems.append(Problem(p, f"字段「{_short(name)}」缺少 scope：project（项目，每张表一个）"
                                   "或 indicator（指标，每行一个）",
                                f"field {_short(name)!r} needs a scope: project (one per form) or "
                                "indicator (one per row)"))
    if problems or scope is None or kind is None:
        return None, problems
    return FieldSpec(name, scope, kind, lists["keys"], lists["headers"]), []


def _scope_of(name: str, v: object, at: tuple) -> tuple[str | None, Problem | None]:
    """A declaration's ``scope`` word → project | indicator, or None and the mistake."""
    scope = SCOPE_WORDS.get(_word(v)) if isinstance(v, str) else None
    if scope is not None:
        return scope, None
    best = _suggest(_word(v), SCOPE_WORDS) if isinstance(v, str) else None
    best = SCOPE_WORDS[best] if best else None
    return None, Problem(at, f"字段「{_short(name)}」的 scope「{_short(v)}」无效，"
                             "应为 project（项目）或 indicator（指标）"
                             + (f"；是否指「{best}」？" if best else ""),
                         f"scope {_short(v)!r} of field {_short(name)!r} is invalid: "
                         "use project or indicator" + (f"; did you mean {best}?" if best else ""))


def _type_of(name: str, v: object, at: tuple) -> tuple[str | None, Problem | None]:
    """A declaration's ``type`` word → one of TYPES, or None and the mistake."""
    kind = TYPE_WORDS.get(_word(v)) if isinstance(v, str) else None
    if kind is not None:
        return kind, None
    w = _word(v) if isinstance(v, str) else ""
    best = TYPE_HINTS.get(w) or (TYPE_WORDS[b] if (b := _suggest(w, TYPE_WORDS)) else None)
    return None, Problem(at, f"字段「{_short(name)}」的 type「{_short(v)}」无效，应为 "
                             + "、".join(TYPES) + (f"；是否指「{best}」？" if best else ""),
                         f"type {_short(v)!r} of field {_short(name)!r} is invalid: use "
                         + ", ".join(TYPES) + (f"; did you mean {best}?" if best else ""),
                         "text 文字、number 数值、amount 金额（万元）、rate 比率、date 日期、"
                         "yes-no 是否、list 列表")


def _taken(spec: FieldSpec) -> list[Problem]:
    """The spellings of ``spec`` (name, keys, headings) that already name a built-in input
    field of its scope (the loaders' tables)."""
    from .loaders import fields as F  # the data wing's tables; imported here: loaders import this module
    tables = (F.TOP, F.PROJECT, F.BUDGET, F.GOAL) if spec.scope == "project" else (F.INDICATOR,)
    p = (spec.name,)
    problems = []
    for which in ("name", "keys", "headers"):
        words = (spec.name,) if which == "name" else getattr(spec, which)
        for n, w in enumerate(words):
            canon = next((t.lookup(w) for t in tables if t.lookup(w) is not None), None)
            if canon is None:
                continue
            at = p if which == "name" else p + (which, n)
            problems.append(Problem(at, f"「{_short(w)}」已是输入中内置字段「{canon}」的写法，"
                                        f"不能再作字段「{_short(spec.name)}」的{'名称' if which == 'name' else '写法'}",
                                    f"{_short(w)!r} already names the built-in input field {canon}; "
                                    f"it cannot also name field {_short(spec.name)!r}",
                                    "内置的键和表头见 docs/inputs.md (the built-in keys and headings: "
                                    "docs/inputs.md)"))
    return problems


def _shared(specs: list[FieldSpec]) -> list[Problem]:
    """A spelling used by two declared fields of one scope: an input could not say which."""
    from .loaders.fields import norm_key
    seen: dict[tuple[str, str], str] = {}
    out = []
    for s in specs:
        for w in s.spellings:
            k = (s.scope, norm_key(w))
            other = seen.get(k)
            if other is not None and other != s.name:
                out.append(Problem((s.name,), f"「{_short(w)}」同时是字段「{other}」和「{s.name}」的写法",
                                   f"{_short(w)!r} names both field {other!r} and field {s.name!r}"))
            seen.setdefault(k, s.name)
    return out


def extend(parents: Iterable[FieldSpec], own: Iterable[FieldSpec]) -> tuple[tuple[FieldSpec, ...], list[Problem]]:
    """A pack's declarations with those of the packs it extends. A field declared twice keeps its
    scope and type (another one is a problem: the parent's rules read it as declared there) and
    is read from the spellings of both declarations."""
    out: dict[str, FieldSpec] = {}
    problems: list[Problem] = []
    for mine, group in ((False, parents), (True, own)):
        for s in group:
            had = out.get(s.name)
            if had is None:
                out[s.name] = s
            elif (had.scope, had.type) != (s.scope, s.type):
                problems.append(Problem((s.name,) if mine else (), f"字段「{s.name}」在所继承的规则包中声明为"
                                        f"（{had.describe()}），这里是（{s.describe()}）：不能改变它的范围或类型",
                                        f"field {s.name!r} is declared ({had.scope}, {had.type}) by a pack this one "
                                        f"extends, not ({s.scope}, {s.type}): its scope and type cannot change",
                                        key="fields" if mine else "extends"))
            else:
                out[s.name] = attrs.evolve(had, keys=had.keys + tuple(k for k in s.keys if k not in had.keys),
                                           headers=had.headers + tuple(h for h in s.headers if h not in had.headers))
    specs = list(out.values())
    problems += _shared(specs)
    return tuple(specs), problems


def union(groups: Iterable[tuple[str, Iterable[FieldSpec]]]
          ) -> tuple[tuple[FieldSpec, ...], list[tuple[str, str]]]:
    """The declarations of several packs, each name once (the first pack's when they differ),
    and (zh, en) for every name two packs declare differently."""
    out: dict[str, tuple[FieldSpec, str]] = {}
    conflicts: list[tuple[str, str]] = []
    for label, specs in groups:
        for s in specs:
            had = out.get(s.name)
            if had is None:
                out[s.name] = (s, label)
            elif had[0] != s:
                conflicts.append((f"规则包「{had[1]}」与「{label}」对字段「{s.name}」的声明不同"
                                  f"（{had[0].describe()}；{s.describe()}）",
                                  f"packs {had[1]} and {label} declare field {s.name!r} differently"))
    return tuple(s for s, _ in out.values()), conflicts


# ---------------------------------------------------------------- values by type

def _yes_no(v: object, name: str) -> bool | None:
    from .loaders import fields as F
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, Decimal)) and v in (0, 1):
        return bool(v)
    t = F.text(v)
    if t is None or t in F.DASHES:
        return None
    w = F.clean(unicodedata.normalize("NFKC", t)).lower().rstrip("。.")
    if w in YES:
        return True
    if w in NO:
        return False
    raise F.Bad(f"「{name}」应为「是」或「否」，这里是「{_short(t)}」",
                f"{name} must be yes or no (是/否), not {_short(t)!r}",
                "可写 是/否、有/无、yes/no、true/false (write 是 or 否)")


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _date(v: object, name: str) -> _dt.date | None:
    from .loaders import fields as F
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    t = F.text(v)
    if t is None or t in F.DASHES:
        return None
    m = _DATE.fullmatch(t.strip()) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", t.strip())
    if m:
        try:
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise F.Bad(f"「{name}」应为日期，这里是「{_short(t)}」", f"{name} must be a date, not {_short(t)!r}",
                "如 2023-12-31 或 2023年12月31日 (e.g. 2023-12-31)")


def _rate(v: object, name: str):
    from .loaders import fields as F
    hint = "写作百分数如 84.40% 或小数如 0.844 (write 84.40% or 0.844)"
    s, written_percent = F._fraction(v, hint)
    if s is None or written_percent or abs(s) <= 1:
        return s
    if 2 < abs(s) <= 1000:
        return F.Noted(s.scaleb(-2), f"「{name}」的「{v}」未写 %，按 {v}% 读取",
                       f"{name} {v!r} has no %, read as {v}%")
    raise F.Bad(f"「{name}」的「{v}」不明确：是 {v}% 还是 {v} 倍？", f"{name} {v!r} is ambiguous", hint)


def convert(spec: FieldSpec, v: object):
    """One input value → the model's value for the field's type (None when blank).

    text: the text; number: a Decimal; amount: a Decimal in 万元 (a unit in the value is
    read); rate: a fraction (84.40% → 0.8440); date: a :class:`datetime.date`; yes-no: a
    bool; list: a tuple of texts. A value that is not of the type raises ``Bad``."""
    from .loaders import fields as F
    kind, name = spec.type, spec.name
    if kind == "list":
        if isinstance(v, Mapping):
            raise F.Bad(f"「{name}」应为列表", f"{name} must be a list", F.got(v))
        return F.texts(v, LIST_SPLIT) or None
    if isinstance(v, (list, tuple, Mapping)):
        raise F.Bad(f"「{name}」应为{TYPE_ZH[kind]}，不能是列表或映射", f"{name} must be one value, not a list",
                    F.got(v))
    try:
        if kind == "text":
            return F.text(v)
        if kind == "number":
            return F.number(v)
        if kind == "amount":
            return F.amount(v)
        if kind == "rate":
            return _rate(v, name)
        if kind == "date":
            return _date(v, name)
        if kind == "yes-no":
            return _yes_no(v, name)
    except F.Bad as b:
        if name in b.zh:
            raise
        raise F.Bad(f"「{name}」：{b.zh}", f"{name}: {b.en}", b.hint) from None
    raise ValueError(kind)  # pragma: no cover - parse() admits only TYPES


def shown(v: object) -> str:
    """A field's value as text (for kept columns and messages)."""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return "、".join(v)
    return str(v)
