"""YAML and JSON indicator sets: parsed exactly, duplicate keys refused, lines kept.

YAML is read with a safe loader (the C one when PyYAML has it) whose scalars are
constructed for this schema, not YAML 1.1's guesses:
- numbers become :class:`~decimal.Decimal` from the scalar's text (428.54 stays
  Decimal("428.54"); "010" is ten, not octal eight);
- ``yes``/``no``/``on``/``off`` and dates stay text: no field is a boolean or a date,
  so coercing 是否-like words or 2023-01-01 would only lose what the user wrote;
- mappings and sequences remember the line of each key and item, so an error in
  ``$.绩效指标[3].分值`` also names the line.
JSON uses the standard library with ``parse_float=Decimal`` and an
``object_pairs_hook`` that records duplicate keys (JSON has no line numbers here).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import yaml

from ...errors import DataError, ErrorGroup, Location, Span
from ..categories import Synonyms
from ..indicators import IndicatorSet
from .mapping import Ctx, Path, build, key_path

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Walking the parsed tree visits every node once per alias use; this many nodes is far
# beyond any real indicator set and stops an alias "billion laughs" early.
_MAX_NODES = 1_000_000
_MAX_DEPTH = 100


class _Map(dict):
    """A mapping that remembers its keys' lines and any key given twice."""

    line: int | None = None

    def __init__(self):
        super().__init__()
        self.key_lines: dict[str, int | None] = {}
        self.dups: list[tuple[str, int | None]] = []


class _Seq(list):
    """A sequence that remembers its items' lines."""

    def __init__(self):
        super().__init__()
        self.item_lines: list[int] = []


class _Loader(_Base):
    """The safe loader with this schema's scalars and line-keeping containers."""


class _PyLoader(yaml.SafeLoader):
    """The same in pure Python, for input nested deeper than libyaml's C recursion
    survives (50 000 "[" crash the C composer; Python raises RecursionError instead)."""


def _line(node) -> int:
    return node.start_mark.line + 1


def _key(loader, node) -> str:
    key = loader.construct_object(node, deep=False)
    if isinstance(key, (dict, list)):
        raise yaml.constructor.ConstructorError(
            None, None, "a mapping or list cannot be a key", node.start_mark)
    return str(key)


def _construct_map(loader, node):
    data = _Map()
    data.line = _line(node)
    yield data
    explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit  # `<<` pairs come first; explicit keys override them
    for i, (key_node, value_node) in enumerate(node.value):
        key = _key(loader, key_node)
        if i >= merged and key in data.key_lines and data.key_lines[key] is not None:
            data.dups.append((key, _line(key_node)))
            continue
        data.key_lines[key] = _line(key_node) if i >= merged else None
        data[key] = loader.construct_object(value_node, deep=False)
    for key in list(data.key_lines):  # merged keys: the line of the `<<`
        data.key_lines[key] = data.key_lines[key] or data.line


def _construct_seq(loader, node):
    data = _Seq()
    yield data
    data.item_lines = [_line(n) for n in node.value]
    data.extend(loader.construct_object(n, deep=False) for n in node.value)


def _construct_number(loader, node):
    raw = loader.construct_scalar(node)
    try:
        value = Decimal(raw.replace("_", ""))
        if value.is_finite():
            return value
    except InvalidOperation:
        pass
    # YAML 1.1 spellings Decimal does not read (0x1F, 1:30, .inf) keep their YAML value;
    # a non-finite float is then refused by the field that reads it.
    if node.tag.endswith(":int"):
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    return yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)


def _construct_text(loader, node):
    return loader.construct_scalar(node)


for _cls in (_Loader, _PyLoader):
    _cls.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _cls.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
    _cls.add_constructor("tag:yaml.org,2002:int", _construct_number)
    _cls.add_constructor("tag:yaml.org,2002:float", _construct_number)
    _cls.add_constructor("tag:yaml.org,2002:bool", _construct_text)
    _cls.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)

_C_DEPTH = 500


def _max_depth(text: str) -> int:
    """An upper bound of the nesting depth: open brackets, plus indentation and
    compact "- "/": "/"? " indicators on one line (each can open one level)."""
    depth = peak = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            peak = max(peak, depth)
        elif ch in "]}" and depth:
            depth -= 1
    lines = max((len(ln) - len(ln.lstrip()) + ln.count("- ") + ln.count(": ") + ln.count("? ")
                 for ln in text.splitlines()), default=0)
    return peak + lines


def _excerpt(text: str, line: int, column: int) -> str | None:
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    return f"{line:>5} | {lines[line - 1]}\n      | {' ' * (column - 1)}^"


def parse_yaml(text: str, source: str):
    try:
        loader = _Loader if _max_depth(text) < _C_DEPTH else _PyLoader
        return yaml.load(text, Loader=loader)  # noqa: S506 - both are SafeLoaders
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        detail = "; ".join(x for x in (e.context, e.problem) if x)
        where = Span(source, mark.line + 1, mark.column + 1) if mark else Location(source)
        raise DataError("YAML 语法错误", f"YAML syntax error: {detail}", where=where,
                        excerpt=mark and _excerpt(text, mark.line + 1, mark.column + 1)) from None
    except yaml.YAMLError as e:  # e.g. a control character the reader refuses
        raise DataError("YAML 无法读取", f"YAML cannot be read: {e}",
                        where=Location(source)) from None
    except RecursionError:
        raise DataError("YAML 嵌套过深", "the YAML is nested too deeply",
                        where=Location(source)) from None
    except (ValueError, OverflowError) as e:
        raise DataError("YAML 无法读取", f"YAML cannot be read: {type(e).__name__}",
                        where=Location(source)) from None


class _Constant(ValueError):
    pass


def _pairs(pairs):
    data = _Map()
    for key, value in pairs:
        if key in data:
            data.dups.append((key, None))
        else:
            data[key] = value
    return data


def _constant(name):
    raise _Constant(name)


def parse_json(text: str, source: str):
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_float=Decimal,
                          parse_int=Decimal, parse_constant=_constant)
    except json.JSONDecodeError as e:
        raise DataError("JSON 语法错误", f"JSON syntax error: {e.msg}",
                        where=Span(source, e.lineno, e.colno),
                        excerpt=_excerpt(text, e.lineno, e.colno)) from None
    except _Constant as e:
        raise DataError(f"JSON 中不允许 {e}", f"{e} is not allowed in JSON input",
                        where=Location(source)) from None
    except RecursionError:
        raise DataError("JSON 嵌套过深", "the JSON is nested too deeply",
                        where=Location(source)) from None
    except ValueError as e:
        raise DataError("JSON 无法读取", f"JSON cannot be read: {type(e).__name__}",
                        where=Location(source)) from None


def _index(tree, source: str) -> dict[Path, int]:
    """The line of every path, and an error for each duplicate key, alias loop or bomb."""
    lines: dict[Path, int] = {}
    dups: list[DataError] = []
    count = 0
    active: set[int] = set()

    def walk(node, path: Path, line: int | None) -> None:
        nonlocal count
        count += 1
        if line is not None:
            lines.setdefault(path, line)
        if not isinstance(node, (dict, list)):
            return
        if id(node) in active or len(path) > _MAX_DEPTH or count > _MAX_NODES:
            raise DataError("数据嵌套过深、过大或别名循环引用",
                            "the data is nested too deeply, too large, or an alias refers to itself",
                            where=Location(source, row=line, key=key_path(path)))
        active.add(id(node))
        if isinstance(node, dict):
            klines = getattr(node, "key_lines", {})
            for key, at in getattr(node, "dups", ()):
                first = klines.get(key)
                dups.append(DataError(
                    f"重复的键「{key}」", f"duplicate key {key!r}",
                    where=Location(source, row=at, key=key_path(path + (key,))),
                    hint=f"第一次出现在第{first}行 (first given on line {first})" if first else None))
            for key, value in node.items():
                walk(value, path + (key,), klines.get(key))
        else:
            ilines = getattr(node, "item_lines", [])
            for i, value in enumerate(node):
                walk(value, path + (i,), ilines[i] if i < len(ilines) else None)
        active.discard(id(node))

    walk(tree, (), getattr(tree, "line", None))
    if dups:
        raise dups[0] if len(dups) == 1 else ErrorGroup(dups)
    return lines


def load_tree(tree, source: str, synonyms: Synonyms) -> IndicatorSet:
    """A parsed document → the model, locating paths by line where the parser gave one."""
    lines = _index(tree, source)

    def where(path: Path) -> Location:
        row = next((lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in lines), None)
        return Location(source, row=row, key=key_path(path))

    return build(tree, Ctx(source, synonyms, where))


def load_yaml(text: str, source: str, synonyms: Synonyms) -> IndicatorSet:
    tree = parse_yaml(text, source)
    if tree is None:  # only comments
        raise DataError("文件为空", "the file is empty", where=Location(source))
    return load_tree(tree, source, synonyms)


def load_json(text: str, source: str, synonyms: Synonyms) -> IndicatorSet:
    return load_tree(parse_json(text, source), source, synonyms)
