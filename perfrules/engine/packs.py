"""Policy packs: a folder with a manifest (pack.yaml) and rule files, or a single rule file.

Manifest keys (all optional but ``name``)::

    name: national
    version: "1.0"
    description: 指标设置通用规则
    extends: []                 # packs whose rules this one includes
    years: [2020, 2030]         # budget years it applies to (inclusive)
    default: true               # used by `check` when no -p is given
    rounding: {places: 2, mode: ROUND_HALF_UP}
    grades: {优: "[90,100]", 良: "[80,90)", 中: "[60,80)", 差: "[0,60)"}
    veto_cap: 中                # a vetoed project is graded at most this
    severity: {N-03: warning}   # override a rule's severity by id
    disable: [N-07]             # switch rules off by id
    missing_data: unscorable    # a row with neither 指标值 nor 实际完成值: unscorable | zero
    accept_stated: false        # true: where data is missing, the input's stated score stands (each use listed)
    indicator_items: {产出指标: 项目绩效/项目产出}   # indicator rows with 分值/得分 → lines of that item
    item_aliases: {项目管理/业务管理/项目过程质量控制情况: [项目质量控制情况]}   # other names of an item
"""

from __future__ import annotations

import decimal
import os
from decimal import Decimal
from importlib import resources
from pathlib import Path

import attrs
import yaml

from ..errors import ErrorGroup, PackError, PerfrulesError, Location
from ..language.files import parse_file_partial
from ..language.keywords import SEVERITIES
from .compiler import Compiled, compile_files
from .scoring import DEFAULT_BANDS, ScoringRules, parse_band

MANIFEST = "pack.yaml"
# What a pack takes from the packs it extends unless it states its own.
INHERITED = ("years", "rounding", "grades", "veto_cap", "missing_data", "accept_stated", "indicator_items",
             "item_aliases")
MISSING_DATA = {"unscorable": "unscorable", "无法评分": "unscorable", "zero": "zero", "0": "zero", "零分": "zero",
                "计0分": "zero"}


@attrs.frozen
class Pack:
    """A compiled pack and what its manifest states."""

    name: str
    version: str
    description: str
    path: str
    compiled: Compiled
    scoring: ScoringRules
    years: tuple[int, int] | None
    default: bool
    rule_files: tuple[str, ...]  # the pack's own rule files, as findings cite them
    disabled: frozenset[str] = frozenset()  # built-in checks (RC-nn) switched off
    manifest: dict = attrs.field(factory=dict, eq=False, repr=False)  # as stated, with what it inherits

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def covers(self, year: int | None) -> bool:
        return self.years is None or year is None or self.years[0] <= year <= self.years[1]


def bundled_root() -> Path:
    return Path(str(resources.files("perfrules.policies")))


def bundled_names() -> list[str]:
    root = bundled_root()
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def resolve(spec: str) -> Path:
    """A pack given by bundled name or by path.

    A bare bundled name (``national``) is always the bundled pack, even when the working
    folder holds a file or folder of that name: a stray ``national/`` must not stand in
    for it. A local pack of such a name is given as a path (``./national``)."""
    b = bundled_root() / spec
    if "/" not in spec and "\\" not in spec and spec in bundled_names() and (b / MANIFEST).is_file():
        return b
    p = Path(spec)
    if p.exists():
        return p
    names = ", ".join(bundled_names()) or "（无）"
    raise PackError(f"找不到规则包「{spec}」；内置规则包：{names}",
                    f"no pack or file named {spec}; bundled packs: {names}")


def _manifest(folder: Path) -> dict:
    f = folder / MANIFEST
    if not f.is_file():
        return {"name": folder.name}
    try:
        with open(f, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise PackError("规则包清单无法解析", f"pack manifest does not parse: {e}",
                        where=Location(str(f))) from None
    if not isinstance(data, dict):
        raise PackError("规则包清单须为键值表", "pack manifest must be a mapping", where=Location(str(f)))
    return data


def _scoring(m: dict, where: str) -> ScoringRules:
    kw = {}
    r = m.get("rounding") or {}
    if r:
        kw["places"] = int(r.get("places", 2))
        mode = str(r.get("mode", "ROUND_HALF_UP"))
        if not hasattr(decimal, mode) or not mode.startswith("ROUND_"):
            raise PackError(f"未知的舍入方式「{mode}」", f"unknown rounding mode {mode}",
                            where=Location(where, key="rounding.mode"))
        kw["rounding"] = getattr(decimal, mode)
    grades = m.get("grades")
    if grades:
        bands = []
        for g, text in grades.items():
            b = parse_band(str(g), str(text))
            if b is None:
                raise PackError(f"等级「{g}」的区间「{text}」无法识别，应写作 [80,90)",
                                f"grade band {text!r} of {g} is not an interval like [80,90)",
                                where=Location(where, key=f"grades.{g}"))
            bands.append(b)
        kw["bands"] = tuple(bands)
    else:
        kw["bands"] = DEFAULT_BANDS
    if m.get("veto_cap"):
        kw["veto_cap"] = str(m["veto_cap"])
    if m.get("missing_data") is not None:
        v = MISSING_DATA.get(str(m["missing_data"]).strip().lower())
        if v is None:
            raise PackError(f"missing_data 的取值「{m['missing_data']}」无效，应为 unscorable（无法评分）或 zero（计 0 分）",
                            f"missing_data {m['missing_data']!r} is invalid: use unscorable or zero",
                            where=Location(where, key="missing_data"))
        kw["missing_data"] = v
    if m.get("accept_stated") is not None:
        v = m["accept_stated"]
        if not isinstance(v, bool):
            raise PackError(f"accept_stated 的取值「{v}」无效，应为 true 或 false",
                            f"accept_stated {v!r} is invalid: use true or false",
                            where=Location(where, key="accept_stated"))
        kw["accept_stated"] = v
    return ScoringRules(**kw)


def _item_links(m: dict, where: str, compiled: Compiled) -> dict:
    """indicator_items and item_aliases, checked against the pack's own items."""
    from ..data.categories import LEVEL1, LEVEL2
    from .compiler import suggestion
    items = {i.path: i for i in compiled.items}
    paths = list(items)
    leaves = {p for p in paths if not any(q.startswith(p + "/") for q in paths)}

    def item(path: object, key: str) -> str:
        p = str(path).replace(" ", "").strip("/")
        if p not in items:
            best = suggestion(p, paths)
            raise PackError(f"清单中的评分项「{p}」不存在" + (f"，是否指「{best}」？" if best else ""),
                            f"manifest names unknown score item {p}" + (f"; did you mean {best}?" if best else ""),
                            where=Location(where, key=key))
        return p

    def mapping(name: str) -> dict:
        v = m.get(name)
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise PackError(f"{name} 须为键值表", f"{name} must be a mapping", where=Location(where, key=name))
        return v

    links = []
    for level1, path in mapping("indicator_items").items():
        key = f"indicator_items.{level1}"
        canon = compiled.env.canonical(str(level1)) or str(level1)
        canon = LEVEL2.get(canon, canon) if canon not in LEVEL1 else canon
        if canon not in LEVEL1:
            best = suggestion(str(level1), LEVEL1)
            raise PackError(f"「{level1}」不是一级指标" + (f"，是否指「{best}」？" if best else ""),
                            f"{level1} is not a 一级指标 category", where=Location(where, key=key))
        p = item(path, key)
        if p not in leaves or items[p].kind != "judgement":
            raise PackError(f"评分项「{p}」须是末级的评价人判断项（没有公式、阶梯或逐项计分），才能由指标行给分",
                            f"score item {p} must be a leaf judgement item to take indicator rows",
                            where=Location(where, key=key))
        links.append((canon, p))
    aliases = []
    for path, names in mapping("item_aliases").items():
        p = item(path, f"item_aliases.{path}")
        for a in names if isinstance(names, list) else [names]:
            a = str(a).replace(" ", "").strip("/")
            full = a if "/" in a else (p.rsplit("/", 1)[0] + "/" + a if "/" in p else a)
            if not a or full in items:
                raise PackError(f"评分项「{p}」的别名「{a}」无效：为空或与另一评分项同名",
                                f"alias {a!r} of {p} is empty or names another item",
                                where=Location(where, key=f"item_aliases.{path}"))
            aliases.append((full, p))
    return {"indicator_items": tuple(links), "aliases": tuple(aliases)}


def display_path(f: Path) -> str:
    """How findings cite a rule file: policies/<pack>/<file> for bundled packs, else as given
    relative to the working folder, so results do not depend on where perfrules is installed."""
    f = Path(f)
    try:
        return "policies/" + f.resolve().relative_to(bundled_root().resolve()).as_posix()
    except ValueError:
        pass
    try:
        return os.path.relpath(f).replace(os.sep, "/") if not str(os.path.relpath(f)).startswith("..") else str(f)
    except ValueError:  # another drive on Windows
        return str(f)


def rule_files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.rules") if p.is_file())


def load_pack(spec: str, _seen: tuple[str, ...] = ()) -> Pack:
    """Parse and compile a pack (and the packs it extends); every error of every file is reported."""
    path = resolve(spec)
    folder = path if path.is_dir() else path.parent
    m = _manifest(path) if path.is_dir() else {"name": path.stem}
    where = str(folder / MANIFEST)
    files = []
    inherited: dict = {}  # scoring settings, overrides and switches of the packs extended
    for parent in m.get("extends") or []:
        if str(parent) in _seen:
            raise PackError(f"规则包循环继承：{' → '.join(_seen + (str(parent),))}",
                            "packs extend each other in a cycle", where=Location(where, key="extends"))
        base = load_pack(str(parent) if not (folder / str(parent)).exists() else str(folder / str(parent)),
                         _seen + (str(m.get("name")),))
        files += list(base.compiled.files)
        for key in INHERITED:
            if key in base.manifest:
                inherited[key] = base.manifest[key]
        inherited["severity"] = {**inherited.get("severity", {}), **(base.manifest.get("severity") or {})}
        inherited["disable"] = list(inherited.get("disable", [])) + list(base.manifest.get("disable") or [])
    n_inherited = len(files)
    own_manifest = m
    m = {**inherited, **m}
    m["severity"] = {**inherited.get("severity", {}), **(own_manifest.get("severity") or {})}
    m["disable"] = list(inherited.get("disable", [])) + list(own_manifest.get("disable") or [])
    errors: list[PerfrulesError] = []
    for f in rule_files_of(path):
        try:
            tree, bad = parse_file_partial(str(f), display_path(f))
            files.append(tree)
            errors += bad
        except PerfrulesError as e:  # unreadable, not UTF-8
            errors.append(e)
    if errors:
        # Report the good lines' mistakes too, in the same run, in file order.
        later: list[PerfrulesError] = []
        try:
            compile_files(files, inherited=n_inherited)
        except ErrorGroup as e:
            later = e.errors
        except PerfrulesError as e:
            later = [e]
        # A rule whose lines did not parse looks empty: that is no mistake of its own.
        bad_files = {getattr(e.where, "file", None) for e in errors}
        errors += [e for e in later if not (getattr(e, "empty_rule", False)
                                            and getattr(e.where, "file", None) in bad_files)]
        errors.sort(key=_position)
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)
    severity = {str(k): str(v) for k, v in (m.get("severity") or {}).items()}
    for rid, sev in severity.items():
        if sev.lower() not in SEVERITIES:
            raise PackError(f"规则「{rid}」的严重程度「{sev}」无效", f"invalid severity {sev} for {rid}",
                            where=Location(where, key=f"severity.{rid}"))
    compiled = compile_files(files, inherited=n_inherited)
    disabled = {str(x) for x in m.get("disable") or []}
    from .reconcile import TITLES
    known = {r.id for r in compiled.rules} | set(TITLES) | {"WV-01"}
    for rid in sorted((disabled | set(severity)) - known):
        raise PackError(f"清单提到的规则「{rid}」不存在", f"manifest names unknown rule {rid}",
                        where=Location(where))
    rules = tuple(attrs.evolve(r, severity=SEVERITIES[severity[r.id].lower()],
                               override=SEVERITIES[severity[r.id].lower()]) if r.id in severity else r
                  for r in compiled.rules if r.id not in disabled)
    compiled = attrs.evolve(compiled, rules=rules)
    years = m.get("years")
    yr = (int(years[0]), int(years[1])) if isinstance(years, list) and len(years) == 2 else None
    scoring = attrs.evolve(_scoring(m, where), **_item_links(m, where, compiled))
    return Pack(str(m.get("name", folder.name)), str(m.get("version", "0")), str(m.get("description", "")),
                str(path), compiled, scoring, yr, bool(m.get("default", False)),
                tuple(display_path(f) for f in rule_files_of(path)), frozenset(disabled), m)


def _position(e: PerfrulesError):
    w = e.where
    return (getattr(w, "file", ""), getattr(w, "line", 0) or getattr(w, "row", 0) or 0,
            getattr(w, "column", 0) if isinstance(getattr(w, "column", 0), int) else 0)


def default_packs() -> list[str]:
    out = []
    for name in bundled_names():
        if _manifest(bundled_root() / name).get("default"):
            out.append(name)
    return out


def weight_total(pack: Pack) -> Decimal:
    return sum((i.weight for i in pack.compiled.items if "/" not in i.path), Decimal(0))
