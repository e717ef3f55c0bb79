"""The settings of a run, and where each came from: a default, a configuration file, the
environment, or the command line (each overriding the one before).

**The file.** ``.perfrules.toml`` (its keys at the top level) or the ``[tool.perfrules]``
table of a ``pyproject.toml``, looked for in the working folder and then in each folder
above it; the nearest wins (in one folder ``.perfrules.toml`` before ``pyproject.toml``; a
``pyproject.toml`` without ``[tool.perfrules]`` is no configuration and the search goes on).
The search stops at the first folder that holds ``.git`` (a repository's top: it is looked
in, the folders above it are not) or at the filesystem root. ``PERFRULES_CONFIG=FILE`` names
the file instead (a ``.perfrules.toml`` or a ``pyproject.toml``); ``PERFRULES_CONFIG=``
(empty) reads none. A file the search finds that belongs to another user (not root) is not
read (a warning says so): one planted in a shared folder must not steer this user's runs.

**The keys** (:data:`KEYS`): ``packs`` (the packs ``check`` uses when ``-p`` is not given,
instead of the bundled default packs; like ``-p``, used for every set whatever its year),
``pack_paths`` (folders searched for packs by name after the bundled ones, relative to the
file), ``fail_on``, ``format``, ``jobs``, ``strict``. Each has an environment variable,
``PERFRULES_PACKS`` (names separated by commas), ``PERFRULES_PACK_PATHS`` (folders separated
by ``os.pathsep``, relative to the working folder), ``PERFRULES_FAIL_ON``,
``PERFRULES_FORMAT``, ``PERFRULES_JOBS``, ``PERFRULES_STRICT`` (1/0, true/false, yes/no,
on/off). An unknown key or a bad value is a usage error (exit 2) naming the file, the key and
its line, with a did-you-mean. ``perfrules config`` prints the effective settings.

``format`` from a file or the environment applies when ``-o`` does not name one by its
extension: ``-o 结果.xlsx`` is still an Excel workbook.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .errors import Location, Span, UsageError
from .report.formats import NAMES as FORMATS
from .severity import NAMES as SEVERITIES
from .suggest import suggest_key

FILE = ".perfrules.toml"
PYPROJECT = "pyproject.toml"
DEFAULT, ENVIRONMENT, COMMAND_LINE = "默认 (default)", "环境变量 (environment)", "命令行 (command line)"
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@attrs.frozen
class Key:
    """A setting: its name in the file, its environment variable, its default, what it
    holds (for messages and ``perfrules config``), and how a file's and a variable's value
    become its value (each raises ``ValueError(zh, en)``, the reason in both languages)."""

    name: str
    env: str
    default: Any
    zh: str
    en: str
    from_file: Callable[[Any], Any]
    from_env: Callable[[str], Any]


def _names(v: Any) -> tuple[str, ...]:
    if isinstance(v, str) or not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise ValueError('应为非空文字的列表，如 ["national"]', 'a list of names, e.g. ["national"]')
    return tuple(x.strip() for x in v)


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(v: Any) -> str:
        if not isinstance(v, str) or v.strip().lower() not in options:
            best = suggest_key(str(v).strip().lower(), options) if isinstance(v, str) else None
            raise ValueError(f"应为 {' | '.join(options)} 之一" + (f"，是否指「{best}」？" if best else ""),
                             f"one of {', '.join(options)}" + (f"; did you mean {best}?" if best else ""))
        return v.strip().lower()
    return parse


def _jobs(v: Any) -> int:
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v.strip())
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError("应为不小于 1 的整数", "a whole number, at least 1")
    return v


def _flag(v: Any) -> bool:
    if isinstance(v, str) and v.strip().lower() in TRUE + FALSE:
        return v.strip().lower() in TRUE
    if not isinstance(v, bool):
        raise ValueError("应为 true 或 false", "true or false")
    return v


def _env_list(sep: str) -> Callable[[str], tuple[str, ...]]:
    return lambda raw: tuple(x.strip() for x in raw.split(sep) if x.strip())


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("packs", "PERFRULES_PACKS", (), "check 未给 -p 时使用的规则包", "packs check uses when -p is not given",
        _names, _env_list(",")),
    Key("pack_paths", "PERFRULES_PACK_PATHS", (), "按名称查找规则包的文件夹", "folders searched for packs by name",
        _names, _env_list(os.pathsep)),
    Key("fail_on", "PERFRULES_FAIL_ON", "error", "达到此级别即以 1 退出", "exit 1 at or above this severity",
        _choice(SEVERITIES), _choice(SEVERITIES)),
    Key("format", "PERFRULES_FORMAT", None, "输出格式（未设：按 -o 的扩展名，否则 table）",
        "output format (unset: from -o's extension, else table)", _choice(FORMATS), _choice(FORMATS)),
    Key("jobs", "PERFRULES_JOBS", 1, "并行进程数", "worker processes", _jobs, _jobs),
    Key("strict", "PERFRULES_STRICT", False, "有未读取的内容时以 2 退出", "exit 2 if any content was left unread",
        _flag, _flag),
)}


@attrs.frozen
class Setting:
    """A setting's value and where it came from: :data:`DEFAULT`, a file's path,
    ``环境变量 (environment) PERFRULES_X`` or :data:`COMMAND_LINE`."""

    value: Any
    source: str


@attrs.frozen
class Config:
    """The effective settings (``config["fail_on"]``), each with its source, and the file
    read (None: none found, or ``PERFRULES_CONFIG=``)."""

    settings: dict[str, Setting]
    file: Path | None = None
    ignored: Path | None = None  # a file found but not read: another user's (warning)

    def __getitem__(self, key: str) -> Any:
        return self.settings[key].value

    def source(self, key: str) -> str:
        return self.settings[key].source

    def format_for(self, output: str | None) -> str | None:
        """The ``--format`` a run uses: the configured one unless ``-o``'s extension (or a
        folder) names the format; None leaves the choice to ``report.formats.choose``."""
        from .report.formats import by_extension, is_folder_target
        fmt = self["format"]
        if fmt is None or self.source("format") == COMMAND_LINE or not output:
            return fmt
        if is_folder_target(output) or by_extension(output) is not None:
            return None
        return fmt

    def pack_specs(self) -> tuple[str, ...]:
        """The packs ``check`` uses (``()``: the bundled default packs). A name found in a
        ``pack_paths`` folder is given as that folder, so worker processes started afresh
        (Windows) find it without the configuration."""
        from .engine.packs import locate
        out = []
        for spec in self["packs"]:
            found = locate(spec) if "/" not in spec and "\\" not in spec else None
            out.append(str(found.path) if found is not None and found.kind == "pack_paths" else spec)
        return tuple(out)

    def apply(self) -> None:
        """Make the ``pack_paths`` folders searched for packs by name in this process."""
        from .engine.packs import use_pack_paths
        use_pack_paths((p, self.source("pack_paths")) for p in self["pack_paths"])


# ---- finding and reading the file -------------------------------------------------------------

def find_file(start: Path | None = None) -> Path | None:
    """The configuration file for a run in ``start`` (default: the working folder): the
    nearest ``.perfrules.toml``, or ``pyproject.toml`` with a ``[tool.perfrules]`` table, in
    ``start`` or a folder above it, up to the first folder holding ``.git`` or the root."""
    folder = (start or Path.cwd()).resolve()
    while True:
        if (folder / FILE).is_file():
            return folder / FILE
        py = folder / PYPROJECT
        if py.is_file() and _has_table(py):
            return py
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*perfrules\s*[\].]", re.MULTILINE)


def _has_table(py: Path) -> bool:
    try:
        return _TABLE.search(py.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return False


def _toml(path: Path) -> tuple[dict, str]:
    """The file's settings table and its text (for lines); a file that cannot be read or
    parsed is a usage error at the line tomllib names."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        text = path.read_bytes().decode("utf-8")
        doc = tomllib.loads(text)
    except OSError as e:
        raise UsageError(f"无法读取配置文件：{e.strerror or e}", f"cannot read the configuration file: {e.strerror or e}",
                         where=Location(str(path))) from None
    except (UnicodeDecodeError, ValueError) as e:  # TOMLDecodeError is a ValueError
        m = re.search(r"line (\d+), column (\d+)", str(e))
        where = Span(str(path), int(m.group(1)), int(m.group(2))) if m else Location(str(path))
        raise UsageError(f"配置文件不是有效的 TOML：{e}", f"the configuration file is not valid TOML: {e}",
                         where=where) from None
    if path.name != PYPROJECT:
        return doc, text
    table = doc.get("tool", {}).get("perfrules", {})
    if not isinstance(table, dict):
        raise UsageError("[tool.perfrules] 应为表", "[tool.perfrules] must be a table", where=Location(str(path)))
    return table, text


def _where(path: Path, text: str, key: str) -> Span | Location:
    """The line of ``key`` in the file (in ``[tool.perfrules]`` for a pyproject.toml)."""
    lines = text.splitlines()
    inside = path.name != PYPROJECT
    for k, line in enumerate(lines, 1):
        if line.lstrip().startswith("["):
            inside = (path.name == PYPROJECT and re.match(r"\s*\[\s*tool\s*\.\s*perfrules\s*\]", line) is not None)
            continue
        m = re.match(rf"""\s*(["']?){re.escape(key)}\1\s*=""", line)
        if inside and m:
            return Span(str(path), k, len(line) - len(line.lstrip()) + 1)
    return Location(str(path), key=key)


def _from_file(path: Path) -> dict[str, Setting]:
    table, text = _toml(path)
    out = {}
    for key, v in table.items():
        if key not in KEYS:
            best = suggest_key(key, list(KEYS)) or suggest_key(key.replace("-", "_"), list(KEYS))
            raise UsageError(f"未知的配置项「{key}」" + (f"，是否指「{best}」？" if best else ""),
                             f"unknown setting {key}" + (f"; did you mean {best}?" if best else ""),
                             where=_where(path, text, key), hint="可用 (settings): " + ", ".join(KEYS))
        try:
            value = KEYS[key].from_file(v)
        except ValueError as e:
            raise UsageError(f"配置项「{key}」的值 {_short(v)} 无效：{e.args[0]}",
                             f"invalid value {_short(v)} for {key}: {e.args[-1]}", where=_where(path, text, key)) from None
        if key == "pack_paths":
            value = tuple(_folder(path.parent / p, f"{path}: pack_paths", _where(path, text, key)) for p in value)
        out[key] = Setting(value, str(path))
    return out


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "…"


def _folder(p: Path, what: str, where: Span | Location | None = None) -> Path:
    real = Path(os.path.normpath(p.absolute()))
    if not real.is_dir():
        raise UsageError(f"{what} 中的文件夹「{p}」不存在", f"{what}: the folder {p} does not exist", where=where)
    return real


def _from_env(env: Mapping[str, str]) -> dict[str, Setting]:
    out = {}
    for key, k in KEYS.items():
        raw = env.get(k.env)
        if raw is None or not raw.strip():  # an empty variable is as good as unset
            continue
        try:
            value = k.from_env(raw)
        except ValueError as e:
            raise UsageError(f"环境变量 {k.env} 的值 {_short(raw)} 无效：{e.args[0]}",
                             f"invalid value {_short(raw)} of the environment variable {k.env}: {e.args[-1]}") from None
        if key == "pack_paths":
            value = tuple(_folder(Path(p), k.env) for p in value)
        out[key] = Setting(value, f"{ENVIRONMENT} {k.env}")
    return out


def config_file(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The file a run reads: ``PERFRULES_CONFIG`` (empty: none), else :func:`find_file`."""
    env = os.environ if env is None else env
    named = env.get("PERFRULES_CONFIG")
    if named is None:
        return find_file(cwd)
    if not named.strip():
        return None
    p = Path(named) if Path(named).is_absolute() else (cwd or Path.cwd()) / named
    if not p.is_file():
        raise UsageError(f"PERFRULES_CONFIG 指定的配置文件「{named}」不存在",
                         f"the configuration file {named} named by PERFRULES_CONFIG does not exist")
    return Path(os.path.normpath(p.absolute()))


def load(command_line: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None,
         cwd: Path | None = None) -> Config:
    """The effective settings: each key's default, overridden by the file, then by the
    environment, then by ``command_line`` (its values that are not None or empty)."""
    env = os.environ if env is None else env
    path = config_file(env, cwd)
    ignored = None
    if path is not None and env.get("PERFRULES_CONFIG") is None and not _trusted(path):
        path, ignored = None, path
    settings = {key: Setting(k.default, DEFAULT) for key, k in KEYS.items()}
    if path is not None:
        settings.update(_from_file(path))
    settings.update(_from_env(env))
    for key, v in (command_line or {}).items():
        if v is not None and v != ():
            settings[key] = Setting(tuple(v) if isinstance(v, list) else v, COMMAND_LINE)
    return Config(settings, path, ignored)


def _trusted(path: Path) -> bool:
    """A file found by the search is read only if it is the user's own (or root's): one
    another user put in a shared folder above the working folder (``/tmp/.perfrules.toml``)
    must not choose the packs or the fail-on level of this user's runs."""
    if not hasattr(os, "geteuid"):
        return True
    try:
        return path.stat().st_uid in (os.geteuid(), 0)
    except OSError:
        return False


def ignored_text(path: Path) -> str:
    return (f"警告 配置文件「{path}」属于另一用户，未读取；要使用它请设 PERFRULES_CONFIG={path} "
            f"(the configuration file {path} belongs to another user: not read)")


# ---- perfrules config ------------------------------------------------------------------------

def cache_setting() -> Setting:
    """Where the parse cache is, and why (``PERFRULES_CACHE_DIR``, or the platform's folder)."""
    from .language.cache import cache_dir
    raw = os.environ.get("PERFRULES_CACHE_DIR")
    folder = cache_dir()
    shown = str(folder) if folder is not None else "关闭 (off)"
    if raw is not None:
        return Setting(shown, f"{ENVIRONMENT} PERFRULES_CACHE_DIR")
    return Setting(shown, f"{DEFAULT}: platformdirs")


def shown(v: Any, key: str = "") -> str:
    if key == "packs" and v == ():
        from .engine.packs import default_packs
        return f"（内置默认规则包 the bundled default packs: {', '.join(default_packs())}）"
    if v is None:
        return "（未设：按 -o 的扩展名，否则 table; unset: from -o, else table）" if key == "format" else "（未设 unset）"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return ", ".join(str(x) for x in v) if v else "（无 none）"
    return str(v)


def describe(config: Config) -> dict[str, Any]:
    """``perfrules config --json``: each setting's value and source, the file, the cache."""
    cache = cache_setting()
    return {"file": str(config.file) if config.file else None,
            "settings": {k: {"value": list(s.value) if isinstance(s.value, tuple) else s.value,
                             "source": s.source, "env": KEYS[k].env} for k, s in config.settings.items()},
            "cache": {"value": cache.value, "source": cache.source}}


def rows(config: Config) -> list[tuple[str, str, str]]:
    """``perfrules config``: (setting, value, source) rows, the cache last."""
    out = [(k, shown(s.value, k), s.source) for k, s in config.settings.items()]
    cache = cache_setting()
    return out + [("cache_dir", cache.value, cache.source)]
