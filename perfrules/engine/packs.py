"""Policy packs: a folder with a manifest (pack.yaml) and rule files, or a single rule file.

Manifest keys (all optional; an unknown key is an error with a did-you-mean)::

    name: national              # letters (Chinese too), digits, - _ . ; names the `docs` file
    version: "1.0"
    description: 指标设置通用规则
    extends: []                 # bundled packs by name, or folders inside this pack's folder
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
    fields: {原因说明: {scope: project, type: text, headers: [未完成原因]}}   # fields the rules read (data.declared)

A pack stays inside its folder: the manifest, rule files (``*.rules``) and examples
(``*.examples.yaml``) are read from it and its sub-folders, only as regular files (a pipe or
a device is refused, never waited on); a symbolic link leading out of the folder is refused,
one inside it is not followed into a folder; a sub-folder with its own manifest is a pack of
its own (extend it to include it). ``extends`` names a bundled pack or a folder inside the
pack's folder; anything else is refused (give that pack with ``-p``). Manifests and
examples are read with the inputs' YAML loader: size-capped, duplicate keys and alias bombs
refused, every value's type checked with its line.
"""

from __future__ import annotations

import decimal
import os
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path, PureWindowsPath

import attrs

from ..errors import ErrorGroup, Errors, Location, PackError, PerfrulesError, RuleSyntaxError, Span
from ..language.files import parse_file_partial
from ..language.nodes import RuleFile  # noqa: F401  (named in the Reader type)
from ..language.keywords import SEVERITIES
from ..suggest import suggest_id, suggest_path
from .compiled import Compiled
from .compiler import EmptyRuleError, compile_files
from .scoring import DEFAULT_BANDS, ScoringRules, parse_band

MANIFEST = "pack.yaml"
RULES, EXAMPLES = ".rules", ".examples.yaml"
# What a pack takes from the packs it extends unless it states its own.
INHERITED = ("years", "rounding", "grades", "veto_cap", "missing_data", "accept_stated", "indicator_items",
             "item_aliases")
MISSING_DATA = {"unscorable": "unscorable", "无法评分": "unscorable", "zero": "zero", "0": "zero", "零分": "zero",
                "计0分": "zero"}
# Every key a manifest may hold (docs/packs.md lists them); a new key is checked in _value too.
KEYS = ("name", "version", "description", "extends", "years", "default", "rounding", "grades", "veto_cap",
        "severity", "disable", "missing_data", "accept_stated", "indicator_items", "item_aliases", "fields")
ROUNDING_KEYS = ("places", "mode")
MAX_MANIFEST_BYTES = 1 << 20    # a manifest is a few lines (examples files: the input file-size limit)
MAX_PLACES = 10
# A pack's name is also the file name `perfrules docs` writes: a plain name, no path.
NAME = re.compile(r"\w[\w.\-]*")
MAX_NAME = 80
TRUE, FALSE = ("true", "yes", "on"), ("false", "no", "off")


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
    disabled: frozenset[str] = frozenset()  # rules and built-in checks (RC-, SS-, WV-nn) switched off
    manifest: dict = attrs.field(factory=dict, eq=False, repr=False)  # as stated, with what it inherits
    # The pack's own examples files (checked: inside the pack, regular files); None: not looked for.
    examples: tuple[str, ...] | None = attrs.field(default=None, eq=False, repr=False)
    # The fields it declares (``fields``, with those of the packs it extends): FieldSpec tuple.
    fields: tuple = ()

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def covers(self, year: int | None) -> bool:
        return self.years is None or year is None or self.years[0] <= year <= self.years[1]

    @classmethod
    def from_text(cls, text: str | Mapping[str, str], *, name: str = "inline", version: str = "0",
                  manifest: Mapping[str, object] | None = None) -> Pack:
        """A pack from rules held as text (in a database, in a request): one rule file's text,
        or several files by name (``{"采购.rules": …, "绩效.rules": …}``, with ``"pack.yaml"``
        among them for a manifest), built exactly as a folder holding those files is (every
        error of every file reported together, located by file and line). ``manifest`` is a
        pack.yaml given as a mapping instead (keys: docs/packs.md); ``name`` and ``version`` are
        the pack's unless the manifest states its own. Findings cite the rules as
        ``NAME.rules:LINE`` (one text) or ``NAME/FILE:LINE``. ``extends`` may name bundled packs
        only (there is no folder). Raises PackError, RuleSyntaxError, RuleCompileError, or an
        ErrorGroup of several."""
        return _from_text(text, name, version, manifest)

    @classmethod
    def from_folder(cls, path: str | os.PathLike[str]) -> Pack:
        """The pack in a folder: its pack.yaml, its rule files and those of the packs it extends,
        parsed and compiled (what ``load_pack`` does for a path). A name is never looked up
        among the bundled packs here: use :func:`load_pack` for that."""
        p = Path(path)
        if not p.is_dir():
            shown = os.fspath(path)
            raise PackError(f"「{_short(shown)}」不是文件夹", f"{_short(shown)} is not a folder",
                            where=Location(shown), hint="单个规则文件请用 load_pack (a single rule file: use load_pack)")
        return _load(p, ())


def bundled_root() -> Path:
    """The folder of the bundled packs (the package ``perfrules.policies``): found by its spec,
    as ``importlib.resources.files`` finds it, without importing that (12 ms a run)."""
    import importlib.util
    return Path(importlib.util.find_spec("perfrules.policies").origin).parent


def bundled_names() -> list[str]:
    root = bundled_root()
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def is_bundled(pack: Pack) -> bool:
    return _within(Path(pack.path).resolve(), bundled_root().resolve())


def origin(pack: Pack) -> str:
    """Where a pack comes from, as `perfrules packs` shows it: 内置 (bundled), a configured
    ``pack_paths`` folder, a plugin's distribution and version, or its path."""
    if is_bundled(pack):
        return "内置 (bundled)"
    real = Path(pack.path).resolve()
    for folder, _ in _PACK_PATHS:
        if _within(real, folder.resolve()):
            return Found(pack.name, real, "pack_paths", str(folder)).origin
    for pl in plugins():
        if pl.folder is not None and _within(real, pl.folder.resolve()):
            return Found(pack.name, real, "plugin", pl.dist, pl.version).origin
    return pack.path


def resolve(spec: str) -> Path:
    """A pack given by name or by path.

    A bare name is a pack's name first (:func:`locate`: bundled, then the configured
    ``pack_paths`` folders, then installed plugins), even when the working folder holds a
    folder of that name: a stray ``national/`` must not stand in for the bundled pack. A local
    pack of such a name is given as a path (``./national``)."""
    bare = "/" not in spec and "\\" not in spec and NAME.fullmatch(spec) is not None
    p = Path(spec)
    if bare and (spec in bundled_names() or not p.is_file()):  # a rule file is no pack name
        found = locate(spec)
        if found is not None:
            return found.path
    if p.exists():
        return p
    names = sorted({f.name for f, _ in available()})
    best = suggest_id(spec, names) if bare else None
    shown = ", ".join(names) or "（无）"
    raise PackError(f"找不到规则包「{spec}」" + (f"（是否指「{best}」？）" if best else "") + f"；可用的规则包：{shown}",
                    f"no pack or file named {spec}" + (f" (did you mean {best}?)" if best else "")
                    + f"; packs: {shown}")


# ---- packs found by name: bundled, configured folders (pack_paths), plugins --------------------

PLUGIN_GROUP = "perfrules.packs"  # the entry-point group of packs installed with pip (docs/packs.md)
_PACK_PATHS: tuple[tuple[Path, str], ...] = ()  # (folder, where it was configured)
_PLUGINS: tuple[Plugin, ...] | None = None  # read once per process


@attrs.frozen
class Found:
    """A pack found by its name: its folder, and where it comes from (``kind``: bundled,
    pack_paths or plugin; ``source``: the configured folder, or the plugin's distribution)."""

    name: str
    path: Path
    kind: str
    source: str = ""
    version: str = ""

    @property
    def origin(self) -> str:
        if self.kind == "bundled":
            return "内置 (bundled)"
        if self.kind == "pack_paths":
            return f"配置的文件夹 (pack_paths): {self.source}"
        return f"插件 (plugin): {self.source} {self.version}".rstrip()


@attrs.frozen
class Plugin:
    """An entry point of the ``perfrules.packs`` group: its name, its distribution and
    version, and the folder of packs it names (None, with ``problem``, when that fails)."""

    entry: str
    dist: str
    version: str
    folder: Path | None
    problem: str | None = None


def use_pack_paths(folders) -> None:
    """Search these folders (``(folder, where configured)`` pairs) for packs by name, after
    the bundled packs and before plugins: a configuration's ``pack_paths`` (set by the
    command line for the process; the Python API searches none unless told)."""
    global _PACK_PATHS
    _PACK_PATHS = tuple((Path(f), str(w)) for f, w in folders)


def plugins() -> tuple[Plugin, ...]:
    """Installed distributions' packs: each entry point of :data:`PLUGIN_GROUP` names a
    package (``mybureau_packs``: its folder) or a path (``mybureau_packs:PACKS_DIR``, a
    str, ``os.PathLike`` or ``importlib.resources`` folder) whose sub-folders holding a
    pack.yaml are packs, by folder name. Read once per process, only when a name is not
    bundled (or for ``perfrules packs``)."""
    global _PLUGINS
    if _PLUGINS is None:
        from importlib.metadata import entry_points
        found = []
        for ep in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: (e.name, e.value)):
            dist = getattr(ep, "dist", None)
            name = (dist.metadata["Name"] or "?") if dist is not None else "?"
            version = (dist.version or "") if dist is not None else ""
            try:
                found.append(Plugin(ep.name, name, version, _plugin_folder(ep)))
            except Exception as e:  # noqa: BLE001 - a broken plugin is named, never a crash
                found.append(Plugin(ep.name, name, version, None, f"{ep.value}: {type(e).__name__}: {e}"))
        _PLUGINS = tuple(found)
    return _PLUGINS


def _plugin_folder(ep) -> Path:
    if ep.attr is None:  # a package: its folder, found without running its code
        import importlib.util
        spec = importlib.util.find_spec(ep.module)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"{ep.module} 不是包 (not a package)")
        folder = Path(list(spec.submodule_search_locations)[0])
    else:
        obj = ep.load()
        folder = Path(os.fspath(obj) if isinstance(obj, (str, os.PathLike)) else str(obj))
    if not folder.is_dir():
        raise ValueError(f"{folder} 不是文件夹 (not a folder)")
    return folder


def _packs_in(folder: Path) -> list[tuple[str, Path]]:
    try:
        return sorted((p.name, p) for p in folder.iterdir() if NAME.fullmatch(p.name) and (p / MANIFEST).is_file())
    except OSError:
        return []


def locate(name: str) -> Found | None:
    """The pack a bare name means: a bundled pack, else the first configured ``pack_paths``
    folder holding ``name/pack.yaml``, else the first plugin that does (entry points in name
    order). An earlier place always wins: ``perfrules packs`` lists what it shadows."""
    if name in bundled_names():
        return Found(name, bundled_root() / name, "bundled")
    if not NAME.fullmatch(name):
        return None
    for folder, _ in _PACK_PATHS:
        if (folder / name / MANIFEST).is_file():
            return Found(name, folder / name, "pack_paths", str(folder))
    for pl in plugins():
        if pl.folder is not None and (pl.folder / name / MANIFEST).is_file():
            return Found(name, pl.folder / name, "plugin", pl.dist, pl.version)
    return None


def available() -> list[tuple[Found, Found | None]]:
    """Every pack found by name, in lookup order, each with the pack that shadows it (the
    first of its name, which a bare name means), or None."""
    out: list[tuple[Found, Found | None]] = []
    first: dict[str, Found] = {}
    every = [Found(n, bundled_root() / n, "bundled") for n in bundled_names()]
    every += [Found(n, p, "pack_paths", str(folder)) for folder, _ in _PACK_PATHS for n, p in _packs_in(folder)]
    every += [Found(n, p, "plugin", pl.dist, pl.version) for pl in plugins() if pl.folder is not None
              for n, p in _packs_in(pl.folder)]
    for f in every:
        out.append((f, first.get(f.name)))
        first.setdefault(f.name, f)
    return out


# ---- reading a pack's files ------------------------------------------------------------------

def _within(p: Path, root: Path) -> bool:
    """Whether resolved ``p`` is ``root`` or lies under it (both resolved)."""
    return p == root or root in p.parents


def _short(v: object, n: int = 60) -> str:
    s = str(v)
    return s if len(s) <= n else s[:n] + "…"


def _confine(f: Path, root: Path, shown: str) -> None:
    """Refuse a file or folder of a pack that is reached through a symbolic link leading out of
    the pack's (resolved) folder ``root``."""
    if not _within(f.resolve(), root):
        raise PackError(f"「{shown}」是指向规则包文件夹之外的符号链接，不读取",
                        f"{shown} is a symlink leading out of the pack's folder: not followed",
                        where=Location(shown),
                        hint="请把文件复制到规则包文件夹中，或用 -p 另外给出那个规则包 "
                             "(copy the file into the pack, or give that pack with -p)")


def _regular(f: Path, shown: str) -> None:
    """Refuse what is not a regular file (a pipe, a device, a socket): reading it could block."""
    from ..data.limits import check_regular
    check_regular(f, shown)


def read_text(f: Path, shown: str, limit: int | None = None, error=PackError) -> str:
    """The text of a pack file (a manifest, an examples file), read like an input: a regular
    file only (a pipe is refused at once, never waited on), within the input size limit and,
    when given, ``limit`` bytes; decoded like an input."""
    from ..data.limits import check_regular, read_file
    from ..data.loaders.fields import decode
    if limit is not None and check_regular(f, shown).st_size > limit:
        raise error(f"「{shown}」超过 {limit >> 10} KB 的上限，不读取",
                    f"{shown} is larger than the limit of {limit >> 10} KB: not read", where=Location(shown))
    return decode(read_file(f, shown), shown)


def read_yaml(f: Path, shown: str, limit: int | None = None, error=PackError):
    """A pack file's YAML through the inputs' loader: (tree, line of every path)."""
    from ..data.loaders.yaml_json import _index, parse_yaml
    tree = parse_yaml(read_text(f, shown, limit, error), shown)
    return tree, _index(tree, shown)


def _walk(path: Path, root: Path, skip: set[Path]) -> tuple[list[Path], list[Path]]:
    """A pack folder's rule and examples files, sub-folders included, except sub-folders that
    are packs of their own (a manifest) or extended ones (``skip``). Symbolic links are not
    followed into folders; one leading out of the pack is refused, whatever it names."""
    rules: list[Path] = []
    examples: list[Path] = []

    def failed(e: OSError) -> None:
        shown = display_path(Path(e.filename or path))
        raise PackError(f"无法读取文件夹「{shown}」：{e.strerror}", f"cannot read the folder {shown}: {e.strerror}",
                        where=Location(shown))

    for dirpath, dirnames, filenames in os.walk(path, onerror=failed, followlinks=False):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            sub = here / name
            if os.path.islink(sub):
                _confine(sub, root, display_path(sub))
                continue  # inside the pack: its files are read where they are
            if os.path.lexists(sub / MANIFEST) or sub.resolve() in skip:
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in filenames:
            if not (name.endswith(RULES) or name.endswith(EXAMPLES)):
                continue
            f = here / name
            shown = display_path(f)
            if os.path.islink(f):
                _confine(f, root, shown)
            _regular(f, shown)
            (rules if name.endswith(RULES) else examples).append(f)
    return sorted(rules), sorted(examples)


def rule_files_of(path: Path) -> list[Path]:
    """A pack's own rule files (a single rule file is its own)."""
    path = Path(path)
    if not path.is_dir():
        _regular(path, display_path(path))
        return [path]
    return _walk(path, path.resolve(), set())[0]


# ---- the manifest ----------------------------------------------------------------------------

class _At:
    """Where a manifest key is: the file, the line the YAML loader recorded, the key path."""

    def __init__(self, file: str, lines: dict | None = None):
        self.file, self.lines = file, lines or {}

    def __call__(self, *path) -> Location:
        row = next((self.lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in self.lines), None)
        key = "".join(f"[{p}]" if isinstance(p, int) else ("." if i else "") + str(p) for i, p in enumerate(path))
        return Location(self.file, row=row, key=key or None)


def _got(v: object) -> tuple[str, str]:
    if v is None:
        return "空值", "null"
    if isinstance(v, dict):
        return "键值表", "a mapping"
    if isinstance(v, list):
        return "列表", "a list"
    if isinstance(v, (Decimal, int, float)):
        return f"数字 {_short(v)}", f"the number {_short(v)}"
    return f"「{_short(v)}」", repr(_short(v))


def _wrong(at: _At, path: tuple, want_zh: str, want_en: str, v: object, hint: str | None = None) -> PackError:
    got_zh, got_en = _got(v)
    key = at(*path).key
    return PackError(f"清单中「{key}」须为{want_zh}，这里是{got_zh}", f"manifest key {key} must be {want_en}, not {got_en}",
                     where=at(*path), hint=hint)


def _text(v: object, at: _At, path: tuple, numbers: bool = True) -> str:
    if isinstance(v, str):
        return v
    if numbers and isinstance(v, (Decimal, int)) and not isinstance(v, bool):
        return str(v)
    raise _wrong(at, path, "文字", "text", v,
                 hint=None if numbers or not isinstance(v, (Decimal, int)) else '数字请加引号，如 "2024" (quote it)')


def _texts(v: object, at: _At, path: tuple, example: str) -> list[str]:
    """A list of texts; one text stands for a list of one."""
    if v is None:
        return []
    if isinstance(v, str):
        items = [v]
    elif isinstance(v, list):
        items = v
    else:
        raise _wrong(at, path, f"列表（如 {example}）", f"a list such as {example}", v)
    out = []
    for i, x in enumerate(items):
        t = _text(x, at, path + (i,) if isinstance(v, list) else path, numbers=False)
        if not t.strip():
            raise _wrong(at, path + (i,) if isinstance(v, list) else path, "非空的文字", "non-empty text", x)
        out.append(t)
    return out


def _mapping(v: object, at: _At, path: tuple, example: str) -> dict:
    if not isinstance(v, dict):
        raise _wrong(at, path, f"键值表（如 {example}）", f"a mapping such as {example}", v)
    return v


def _flag(v: object, at: _At, path: tuple) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in TRUE + FALSE:
        return v.strip().lower() in TRUE
    raise _wrong(at, path, "true 或 false", "true or false", v)


def _whole(v: object, at: _At, path: tuple, lo: int, hi: int, what_zh: str, what_en: str) -> int:
    d = v
    if isinstance(v, str) and v.strip().isdigit() and len(v.strip()) <= 10:
        d = Decimal(v.strip())
    if isinstance(d, (Decimal, int)) and not isinstance(d, bool):
        d = Decimal(d)
        if d.is_finite() and lo <= d <= hi and d == d.to_integral_value():
            return int(d)
    raise _wrong(at, path, f"{lo} 到 {hi} 之间的整数（{what_zh}）", f"a whole number from {lo} to {hi} ({what_en})", v)


def _unknown(key: str, known: tuple[str, ...], at: _At, path: tuple) -> PackError:
    from ..data.loaders.fields import Table, suggest
    best = suggest(key, Table({k: () for k in known}))
    return PackError(f"清单中的未知键「{_short(key)}」" + (f"，是否指「{best}」？" if best else ""),
                     f"unknown manifest key {_short(key)!r}" + (f"; did you mean {best}?" if best else ""),
                     where=at(*path), hint="可用的键 (keys): " + ", ".join(known))


def _check(tree: dict, at: _At) -> dict:
    """The manifest with every value's type checked (texts, lists, mappings as documented);
    all of its mistakes are reported together."""
    out: dict = {}
    errors = Errors()
    for key, v in tree.items():
        with errors.caught():
            if key not in KEYS:
                raise _unknown(key, KEYS, at, (key,))
            if v is None and key != "name":
                out[key] = None  # stated empty: nothing (and nothing inherited)
                continue
            out[key] = _value(key, v, at)
    errors.raise_if_any()
    return out


def _value(key: str, v: object, at: _At):
    p = (key,)
    if key == "name":
        name = _text(v, at, p, numbers=False)
        if len(name) > MAX_NAME or not NAME.fullmatch(name):
            raise PackError(f"规则包名称「{_short(name)}」无效：只能用文字、数字、-、_ 和 .，不以 . 或 - 开头，"
                            f"不超过 {MAX_NAME} 个字符（它也是 perfrules docs 写出的文件名）",
                            f"invalid pack name {_short(name)!r}: use letters, digits, -, _ and . (not first), "
                            f"at most {MAX_NAME} characters (it also names the file perfrules docs writes)",
                            where=at(*p))
        return name
    if key in ("version", "description", "veto_cap", "missing_data"):
        return _text(v, at, p)
    if key in ("extends", "disable"):
        return _texts(v, at, p, "[national]" if key == "extends" else "[N-07, RC-05]")
    if key in ("default", "accept_stated"):
        return _flag(v, at, p)
    if key == "years":
        if not isinstance(v, list) or len(v) != 2:
            raise _wrong(at, p, "[起始年, 截止年]（如 [2023, 2023]）", "[first year, last year] such as [2023, 2023]", v)
        a, b = (_whole(x, at, p + (i,), 1000, 9999, "年份", "a year") for i, x in enumerate(v))
        if a > b:
            raise PackError(f"适用年度 [{a}, {b}] 的起始年晚于截止年", f"years [{a}, {b}]: the first is after the last",
                            where=at(*p))
        return [a, b]
    if key == "rounding":
        r = _mapping(v, at, p, "{places: 2, mode: ROUND_HALF_UP}")
        out = {}
        for k, x in r.items():
            if k not in ROUNDING_KEYS:
                raise _unknown(k, ROUNDING_KEYS, at, p + (k,))
            out[k] = (_whole(x, at, p + (k,), 0, MAX_PLACES, "小数位数", "decimal places") if k == "places"
                      else _text(x, at, p + (k,), numbers=False))
        return out
    if key in ("grades", "severity", "indicator_items"):
        example = {"grades": '{优: "[90,100]", 良: "[80,90)"}', "severity": "{N-03: warning}",
                   "indicator_items": "{产出指标: 项目绩效/项目产出}"}[key]
        return {str(k): _text(x, at, p + (k,), numbers=key == "severity")
                for k, x in _mapping(v, at, p, example).items()}
    if key == "item_aliases":
        m = _mapping(v, at, p, "{项目管理/项目质量控制情况: [质量控制情况]}")
        return {str(k): _texts(x, at, p + (k,), "[质量控制情况]") for k, x in m.items()}
    if key == "fields":
        from ..data.declared import parse
        from .vocab import declaration_problems
        specs, problems = parse(_mapping(v, at, p, "{原因说明: {scope: project, type: text}}"), declaration_problems)
        _declaration_errors(problems, at)
        return specs
    raise AssertionError(key)  # pragma: no cover - KEYS and this function list the same keys


def _declaration_errors(problems: list, at: _At) -> None:
    """Raise the mistakes found in ``fields`` (data.declared.Problem), each at its key."""
    ErrorGroup.raise_if_any([PackError(pr.zh, pr.en, where=at(pr.key, *pr.path), hint=pr.hint) for pr in problems])


def _manifest(folder: Path, root: Path | None = None) -> tuple[dict, _At]:
    """The manifest of a pack folder, checked (empty when the folder has none)."""
    f = folder / MANIFEST
    where = str(f)
    if not os.path.lexists(f):
        return {}, _At(where)
    _confine(f, root or folder.resolve(), where)
    tree, lines = read_yaml(f, where, MAX_MANIFEST_BYTES)
    return _checked(tree, _At(where, lines))


def _checked(tree: object, at: _At) -> tuple[dict, _At]:
    """A manifest's tree, checked key by key (:func:`_check`); it must be a mapping."""
    if not isinstance(tree, dict):
        raise PackError("规则包清单须为键值表", "pack manifest must be a mapping", where=at())
    return _check(tree, at), at


def _scoring(m: dict, at: _At) -> ScoringRules:
    kw = {}
    r = m.get("rounding") or {}
    if r:
        kw["places"] = int(r.get("places", 2))
        mode = str(r.get("mode", "ROUND_HALF_UP"))
        if not hasattr(decimal, mode) or not mode.startswith("ROUND_"):
            raise PackError(f"未知的舍入方式「{_short(mode)}」", f"unknown rounding mode {_short(mode)}",
                            where=at("rounding", "mode"),
                            hint="可用 (modes): " + ", ".join(x for x in dir(decimal) if x.startswith("ROUND_")))
        kw["rounding"] = getattr(decimal, mode)
    grades = m.get("grades")
    if grades:
        bands = []
        for g, text in grades.items():
            b = parse_band(str(g), str(text))
            if b is None:
                raise PackError(f"等级「{_short(g)}」的区间「{_short(text)}」无法识别，应写作 [80,90)",
                                f"grade band {_short(text)!r} of {_short(g)} is not an interval like [80,90)",
                                where=at("grades", g))
            bands.append(b)
        kw["bands"] = tuple(bands)
    else:
        kw["bands"] = DEFAULT_BANDS
    if m.get("veto_cap"):
        cap = str(m["veto_cap"])
        names = [b.grade for b in kw["bands"]]
        if cap not in names:
            best = suggest_path(cap, names)
            raise PackError(f"veto_cap「{_short(cap)}」不是本包的等级（{'、'.join(names)}）"
                            + (f"，是否指「{best}」？" if best else ""),
                            f"veto_cap {_short(cap)!r} names no grade of the pack ({', '.join(names)})",
                            where=at("veto_cap"))
        kw["veto_cap"] = cap
    if m.get("missing_data") is not None:
        v = MISSING_DATA.get(str(m["missing_data"]).strip().lower())
        if v is None:
            raise PackError(f"missing_data 的取值「{_short(m['missing_data'])}」无效，应为 unscorable（无法评分）或 zero（计 0 分）",
                            f"missing_data {_short(m['missing_data'])!r} is invalid: use unscorable or zero",
                            where=at("missing_data"))
        kw["missing_data"] = v
    if m.get("accept_stated") is not None:
        kw["accept_stated"] = bool(m["accept_stated"])
    return ScoringRules(**kw)


def _item_links(m: dict, at: _At, compiled: Compiled) -> dict:
    """indicator_items and item_aliases, checked against the pack's own items."""
    from ..data.categories import LEVEL1, LEVEL2
    items = {i.path: i for i in compiled.items}
    paths = list(items)
    leaves = {p for p in paths if not any(q.startswith(p + "/") for q in paths)}

    def item(path: object, *key) -> str:
        p = str(path).replace(" ", "").strip("/")
        if p not in items:
            best = suggest_path(p, paths)
            raise PackError(f"清单中的评分项「{_short(p)}」不存在" + (f"，是否指「{best}」？" if best else ""),
                            f"manifest names unknown score item {_short(p)}" + (f"; did you mean {best}?" if best else ""),
                            where=at(*key))
        return p

    links = []
    for level1, path in (m.get("indicator_items") or {}).items():
        key = ("indicator_items", level1)
        canon = compiled.env.canonical(str(level1)) or str(level1)
        canon = LEVEL2.get(canon, canon) if canon not in LEVEL1 else canon
        if canon not in LEVEL1:
            best = suggest_path(str(level1), LEVEL1)
            raise PackError(f"「{_short(level1)}」不是一级指标" + (f"，是否指「{best}」？" if best else ""),
                            f"{_short(level1)} is not a 一级指标 category", where=at(*key))
        p = item(path, *key)
        if p not in leaves or items[p].kind != "judgement":
            raise PackError(f"评分项「{p}」须是末级的评价人判断项（没有公式、阶梯或逐项计分），才能由指标行给分",
                            f"score item {p} must be a leaf judgement item to take indicator rows", where=at(*key))
        links.append((canon, p))
    aliases = []
    for path, names in (m.get("item_aliases") or {}).items():
        p = item(path, "item_aliases", path)
        for a in names:
            a = str(a).replace(" ", "").strip("/")
            full = a if "/" in a else (p.rsplit("/", 1)[0] + "/" + a if "/" in p else a)
            if not a or full in items:
                raise PackError(f"评分项「{p}」的别名「{_short(a)}」无效：为空或与另一评分项同名",
                                f"alias {_short(a)!r} of {p} is empty or names another item",
                                where=at("item_aliases", path))
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


# ---- extends -------------------------------------------------------------------------------

def _parent(spec: str, folder: Path | None, root: Path, at: Location) -> Path:
    """The pack ``extends`` names: a bundled pack by its bare name, or a folder inside this
    pack's folder (``root`` is that folder resolved; a pack with no folder, None, extends
    bundled packs only)."""
    if "/" not in spec and "\\" not in spec and spec in bundled_names():
        return bundled_root() / spec
    outside = PackError(f"extends 只能写内置规则包的名称或本规则包文件夹之内的文件夹，「{_short(spec)}」不是；"
                        "要同时使用那个规则包，请用 -p 另外给出它",
                        f"extends names a bundled pack or a folder inside this pack's folder; {_short(spec)!r} is "
                        "neither: give that pack with -p instead", where=at,
                        hint="内置规则包 (bundled packs): " + ", ".join(bundled_names()))
    if folder is None or Path(spec).is_absolute() or PureWindowsPath(spec).is_absolute() \
            or spec.startswith(("/", "\\")) or PureWindowsPath(spec).drive:
        raise outside
    target = folder / spec
    real = target.resolve()
    if not _within(real, root):
        raise outside
    if not real.is_dir():
        if real.exists():
            raise PackError(f"extends 须写规则包文件夹，「{_short(spec)}」不是文件夹（本文件夹中的规则文件本来就属于本包）",
                            f"extends names a pack folder; {_short(spec)!r} is not a folder "
                            "(rule files in this folder are part of this pack already)", where=at)
        names = ", ".join(bundled_names()) or "（无）"
        raise PackError(f"找不到 extends 中的规则包「{_short(spec)}」；内置规则包：{names}",
                        f"no pack named {_short(spec)!r} for extends; bundled packs: {names}", where=at)
    shown = Path(os.path.normpath(target))
    return shown if shown.resolve() == real else real


# How this thread's load reads a rule file: ``parse_file_partial``, or the ``reader`` given to
# load_pack (a context variable, so concurrent loads in other threads are not affected).
Reader = Callable[[str, str], "tuple[RuleFile, list[PerfrulesError]]"]  # (path, shown) → (tree, syntax errors)
_READER: ContextVar[Reader | None] = ContextVar("perfrules_pack_reader", default=None)


def load_pack(spec: str, *, reader: Reader | None = None) -> Pack:
    """Parse and compile a pack (and the packs it extends); every error of every file is reported.

    ``reader(path, shown) -> (tree, syntax errors)`` reads each rule file in place of
    ``parse_file_partial`` (an editor's unsaved text standing in for a file: ``perfrules lsp``)."""
    token = _READER.set(reader) if reader is not None else None
    try:
        return _load(resolve(spec), ())
    finally:
        if token is not None:
            _READER.reset(token)


def _read_rules(path: Path) -> tuple:
    """(tree, syntax errors) of a rule file on disk, through the load's reader."""
    return (_READER.get() or parse_file_partial)(str(path), display_path(path))


def _load(path: Path, chain: tuple[tuple[Path, str], ...]) -> Pack:
    real = path.resolve()
    is_dir = path.is_dir()
    folder = path if is_dir else path.parent
    if is_dir:
        m, at = _manifest(path, real)
        default_name = path.name or real.name
    else:
        _regular(path, display_path(path))
        m, at = {}, _At(str(folder / MANIFEST))
        default_name = path.stem
    return _assemble(m, at, default_name, str(path), folder, real, chain,
                     lambda extended: _own_files(path, is_dir, real, extended))


def _assemble(m: dict, at: _At, default_name: str, shown: str, folder: Path | None, real: Path,
              chain: tuple[tuple[Path, str], ...], own) -> Pack:
    """The one way a pack is built, from its checked manifest ``m`` and ``own(extended)``, its
    own rule and examples files (a folder's, less the packs it extends; or rule texts held in
    memory, :class:`_Text`): the packs it extends loaded, every file parsed, the rules compiled,
    the manifest's switches and scoring applied. ``folder`` None: no folder (``extends`` may
    name bundled packs only)."""
    name = m.get("name") or default_name
    files, inherited, extended = _extend(m, at, folder, real, chain + ((real, name),))
    n_inherited = len(files)
    own_manifest = m
    m = {**inherited, **m, "name": name}
    m["severity"] = {**inherited.get("severity", {}), **(own_manifest.get("severity") or {})}
    m["disable"] = list(inherited.get("disable", [])) + list(own_manifest.get("disable") or [])
    from ..data.declared import extend
    declared, problems = extend(inherited.get("fields", ()), own_manifest.get("fields") or ())
    _declaration_errors(problems, at)
    m["fields"] = declared
    own_rules, own_examples = own(extended)
    files = _parse_own(files, own_rules, n_inherited, declared)
    severity = _severities(m, at)
    compiled = compile_files(files, inherited=n_inherited, field_specs=declared)
    disabled = {str(x) for x in m.get("disable") or []}
    compiled = _switched(compiled, disabled, severity, own_manifest, at)
    years = m.get("years")
    yr = (int(years[0]), int(years[1])) if years else None
    scoring = attrs.evolve(_scoring(m, at), **_item_links(m, at, compiled))
    return Pack(str(name), str(m.get("version") or "0"), str(m.get("description") or ""),
                shown, compiled, scoring, yr, bool(m.get("default", False)),
                tuple(_shown(f) for f in own_rules), frozenset(disabled), m,
                tuple(str(f) for f in own_examples), declared)


# ---- packs from text held in memory (Pack.from_text) -------------------------------------------

@attrs.frozen
class _Text:
    """A rule file held in memory: the name findings cite it by, and its text."""

    shown: str
    text: str


def _shown(f: Path | _Text) -> str:
    return f.shown if isinstance(f, _Text) else display_path(f)


def _parse_text(f: _Text) -> tuple:
    """(the statements that parse, the syntax errors of the others) of a rule text, as
    ``parse_file_partial`` gives them for a file: newlines and a byte-order mark as a file's
    are read, and the parse cache asked (only a text without errors is cached)."""
    from ..language import cache
    from ..language.files import decode_rules
    from ..language.parser import parse_text_partial
    try:
        data = f.text.encode("utf-8")
    except UnicodeEncodeError as e:
        line = f.text.count("\n", 0, e.start) + 1
        column = e.start - (f.text.rfind("\n", 0, e.start) + 1) + 1
        raise RuleSyntaxError("规则文本中有不能成为 UTF-8 的字符（单独的代理码位）",
                              "the rule text holds a character UTF-8 cannot encode (a lone surrogate)",
                              where=Span(f.shown, line, column)) from None
    text = decode_rules(data, f.shown).text
    tree = cache.get(text, f.shown)
    if tree is not None:
        return tree, []
    tree, errors = parse_text_partial(text, f.shown)
    if not errors:
        cache.put(text, f.shown, tree)
    return tree, errors


def _from_text(text: str | Mapping[str, str], name: str, version: str, manifest: Mapping | None) -> Pack:
    """Pack.from_text: the texts become the files of a folder named ``name`` that exists only in
    memory, and the pack is built from them by :func:`_assemble`, as a folder's would be."""
    where = f"{name}/{MANIFEST}"
    name = _value("name", name, _At(where))
    version = _text(version, _At(where), ("version",))
    single = isinstance(text, str)
    files = {f"{name}{RULES}": text} if single else dict(text)
    stated = files.pop(MANIFEST, None)
    if stated is not None and manifest is not None:
        raise PackError(f"清单给了两次：「{MANIFEST}」文本和 manifest 参数", f"the manifest is given twice: as "
                        f"{MANIFEST} and as the manifest argument", where=Location(where))
    rules = []
    for f, t in files.items():
        shown = f if single else f"{name}/{f}"
        if not isinstance(f, str) or not f.endswith(RULES) or not isinstance(t, str) or ".." in f.split("/"):
            raise PackError(f"「{_short(shown)}」不是规则文件：Pack.from_text 只接受规则文件（*.rules）的文本和 {MANIFEST}",
                            f"{_short(shown)} is not a rule file: Pack.from_text takes the texts of rule files "
                            f"(*.rules) and of {MANIFEST}", where=Location(shown))
        rules.append(_Text(shown, t))
    m, at = _inline_manifest(stated, manifest, where)
    m = {"version": version, **m}
    real = Path(f"<{name}>")  # no file: stands for the pack in the chain of packs being loaded
    return _assemble(m, at, name, f"<{name}>", None, real, (), lambda extended: (sorted(rules, key=_shown), []))


def _inline_manifest(text: str | None, mapping: Mapping | None, where: str) -> tuple[dict, _At]:
    """A manifest given as pack.yaml text or as a mapping, read with the inputs' YAML loader as
    a pack.yaml file is (a mapping through its JSON text: numbers, lists as a file gives them)."""
    from ..data.loaders.yaml_json import _index, parse_yaml
    if text is None and mapping is None:
        return {}, _At(where)
    if text is None:
        import json
        try:
            text = json.dumps(dict(mapping), ensure_ascii=False, default=str)
        except (TypeError, ValueError) as e:
            raise PackError(f"清单无法读取：{e}", f"the manifest cannot be read: {e}", where=Location(where)) from None
        tree = parse_yaml(text, where)
        return _checked(tree, _At(where))
    if not isinstance(text, str):
        raise _wrong(_At(where), (), "文字", "text", text)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_MANIFEST_BYTES:
        raise PackError(f"「{where}」超过 {MAX_MANIFEST_BYTES >> 10} KB 的上限，不读取",
                        f"{where} is larger than the limit of {MAX_MANIFEST_BYTES >> 10} KB: not read",
                        where=Location(where))
    tree = parse_yaml(text, where)
    return _checked(tree, _At(where, _index(tree, where)))


def _extend(m: dict, at: _At, folder: Path | None, real: Path, chain: tuple[tuple[Path, str], ...]
            ) -> tuple[list, dict, set[Path]]:
    """Load the packs ``extends`` names (``chain``: the packs being loaded, this one last, to
    refuse a cycle): their rule files' trees, the settings, overrides and switches they pass
    on, and the folders of those inside this pack (not read again as its own files)."""
    files = []
    inherited: dict = {}  # scoring settings, overrides and switches of the packs extended
    extended: set[Path] = set()
    for i, spec in enumerate(m.get("extends") or []):
        where = at("extends", i) if ("extends", i) in at.lines else at("extends")
        parent = _parent(spec, folder, real, where)
        key = parent.resolve()
        seen = [k for k, _ in chain]
        if key in seen:
            cycle = [n for _, n in chain[seen.index(key):]] + [chain[seen.index(key)][1]]
            raise PackError(f"规则包循环继承：{' → '.join(cycle)}",
                            f"packs extend each other in a cycle: {' → '.join(cycle)}", where=where)
        base = _load(parent, chain)
        if not _within(key, bundled_root().resolve()):
            extended.add(key)
        files += list(base.compiled.files)
        for k in INHERITED:
            if k in base.manifest:
                inherited[k] = base.manifest[k]
        inherited["severity"] = {**inherited.get("severity", {}), **(base.manifest.get("severity") or {})}
        inherited["disable"] = list(inherited.get("disable", [])) + list(base.manifest.get("disable") or [])
        inherited["fields"] = tuple(inherited.get("fields", ())) + tuple(base.fields)
    return files, inherited, extended


def _own_files(path: Path, is_dir: bool, real: Path, extended: set[Path]) -> tuple[list[Path], list[Path]]:
    """A pack's own rule and examples files: a folder's (less the packs it extends), or a
    single rule file and the examples file beside it (NAME.examples.yaml), if any."""
    if is_dir:
        return _walk(path, real, extended)
    own_examples = []
    beside = path.with_name(path.name[:-len(RULES)] + EXAMPLES if path.name.endswith(RULES) else path.stem + EXAMPLES)
    if os.path.lexists(beside):
        _confine(beside, path.parent.resolve(), display_path(beside))
        _regular(beside, display_path(beside))
        own_examples = [beside]
    return [path], own_examples


def _parse_own(files: list, own_rules: list, n_inherited: int, declared: tuple) -> list:
    """``files`` (the trees of the packs extended) and the trees of the pack's own rule files.
    When a line does not parse, every mistake of every file is raised together, in file
    order: the syntax errors and the compile errors of the lines that did parse."""
    files = list(files)
    errors: list[PerfrulesError] = []
    for f in own_rules:
        try:
            tree, bad = _parse_text(f) if isinstance(f, _Text) else _read_rules(f)
            files.append(tree)
            errors += bad
        except PerfrulesError as e:  # unreadable, not UTF-8
            errors.append(e)
    if errors:
        # Report the good lines' mistakes too, in the same run, in file order.
        later: list[PerfrulesError] = []
        try:
            compile_files(files, inherited=n_inherited, field_specs=declared)
        except ErrorGroup as e:
            later = e.errors
        except PerfrulesError as e:
            later = [e]
        # A rule whose lines did not parse looks empty: that is no mistake of its own.
        bad_files = {getattr(e.where, "file", None) for e in errors}
        errors += [e for e in later if not (isinstance(e, EmptyRuleError)
                                            and getattr(e.where, "file", None) in bad_files)]
        errors.sort(key=_position)
        ErrorGroup.raise_if_any(errors)
    return files


def _severities(m: dict, at: _At) -> dict[str, str]:
    """The manifest's ``severity`` overrides (rule id → severity word), each word checked."""
    severity = {str(k): str(v) for k, v in (m.get("severity") or {}).items()}
    for rid, sev in severity.items():
        if sev.lower() not in SEVERITIES:
            raise PackError(f"规则「{_short(rid)}」的严重程度「{_short(sev)}」无效", f"invalid severity {_short(sev)} for {_short(rid)}",
                            where=at("severity", rid), hint="可用 (severities): " + ", ".join(SEVERITIES))
    return severity


def _switched(compiled: Compiled, disabled: set[str], severity: dict[str, str], own_manifest: dict,
              at: _At) -> Compiled:
    """The compiled pack with ``disable`` and ``severity`` applied; an id they name that is
    neither a rule of the pack nor a built-in check (RC-, SS-, WV-nn) is refused at its key."""
    from .reconcile import BUILTIN
    known = {r.id for r in compiled.rules} | set(BUILTIN)  # built-in checks: RC-, SS-, WV-nn
    for rid in sorted((disabled | set(severity)) - known):
        own_disable = list(own_manifest.get("disable") or [])
        where = (at("severity", rid) if rid in (own_manifest.get("severity") or {})
                 else at("disable", own_disable.index(rid)) if rid in own_disable else at())
        best = suggest_id(rid, known)
        raise PackError(f"清单提到的规则「{_short(rid)}」不存在" + (f"，是否指「{best}」？" if best else ""),
                        f"manifest names unknown rule {_short(rid)}" + (f"; did you mean {best}?" if best else ""),
                        where=where)
    rules = tuple(attrs.evolve(r, severity=SEVERITIES[severity[r.id].lower()],
                               override=SEVERITIES[severity[r.id].lower()]) if r.id in severity else r
                  for r in compiled.rules if r.id not in disabled)
    return attrs.evolve(compiled, rules=rules)

def _position(e: PerfrulesError):
    w = e.where
    return (getattr(w, "file", ""), getattr(w, "line", 0) or getattr(w, "row", 0) or 0,
            getattr(w, "column", 0) if isinstance(getattr(w, "column", 0), int) else 0)


def default_packs() -> list[str]:
    out = []
    for name in bundled_names():
        if _manifest(bundled_root() / name)[0].get("default"):
            out.append(name)
    return out


def weight_total(pack: Pack) -> Decimal:
    return sum((i.weight for i in pack.compiled.items if "/" not in i.path), Decimal(0))
