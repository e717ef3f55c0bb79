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
A JSON Lines record is read by the same :func:`parse_json` and :func:`load_tree`, so it
meets the same checks and limits as a ``.json`` file.

Both formats refuse, with the place where possible: a lone UTF-16 surrogate in a key or
string (``"\\ud800"``: no text can be written with one), a number written longer than
the limit ``number_chars``, text longer than ``cell_chars``, data nested deeper than
``depth`` or with more than ``nodes`` nodes (limits in :mod:`perfrules.data.limits`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

import yaml

from ...errors import DataError, ErrorGroup, Location, Span
from ..categories import Synonyms
from ..indicators import IndicatorSet
from ..limits import exceeded, limit
from .mapping import Ctx, Path, build, key_path

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Walking the parsed tree visits every node once per alias use: the limit "nodes" stops
# an alias "billion laughs" early; "depth" bounds the nesting (perfrules.data.limits).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(where, key: bool = False, excerpt: str | None = None) -> DataError:
    zh, en = ("键", "a key") if key else ("文本", "the text")
    return DataError(f"{zh}中有单独的代理码位（如 \\ud800），这不是合法的字符",
                     f"{en} holds a lone surrogate code point (such as \\ud800), which is no character",
                     where=where, excerpt=excerpt,
                     hint="请删除这个转义，或写出完整的字符 (remove the escape, or write the whole character)")


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


def _span(source: str | None, node) -> Span | Location:
    mark = node.start_mark
    name = source or mark.name
    return Span(name, mark.line + 1, mark.column + 1) if mark else Location(name)


def _construct_number(loader, node):
    raw = loader.construct_scalar(node)
    if len(raw) > limit("number_chars"):
        raise exceeded("number_chars", _span(getattr(loader, "source", None), node),
                       "数字的书写长度", "the written number's length", len(raw))
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


def _construct_str(loader, node):
    value = loader.construct_scalar(node)
    if _SURROGATE.search(value):
        raise _surrogate(_span(getattr(loader, "source", None), node))
    return value


for _cls in (_Loader, _PyLoader):
    _cls.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _cls.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
    _cls.add_constructor("tag:yaml.org,2002:int", _construct_number)
    _cls.add_constructor("tag:yaml.org,2002:float", _construct_number)
    _cls.add_constructor("tag:yaml.org,2002:bool", _construct_text)
    _cls.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
    _cls.add_constructor("tag:yaml.org,2002:str", _construct_str)

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


_EXCERPT = 60  # characters shown either side of the column in a long line


def _excerpt(text: str, line: int, column: int, number: int | None = None) -> str | None:
    """The line of ``text`` with a caret under ``column``, numbered ``number`` (default: ``line``)."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    shown = lines[line - 1]
    if len(shown) > 2 * _EXCERPT:  # a long line (a JSON Lines record): the part around the column
        start = max(0, column - 1 - _EXCERPT)
        head = "…" if start else ""
        shown = head + shown[start:column - 1 + _EXCERPT] + ("…" if column - 1 + _EXCERPT < len(shown) else "")
        column = column - start + len(head)
    return f"{number or line:>5} | {shown}\n      | {' ' * (column - 1)}^"


def parse_yaml(text: str, source: str):
    try:
        cls = _Loader if _max_depth(text) < _C_DEPTH else _PyLoader
        loader = cls(text)
        loader.source = source  # named in the errors its constructors raise
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
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


class _Long(ValueError):
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


def _number(cap: int):
    def read(s: str) -> Decimal:
        if len(s) > cap:
            raise _Long(s)
        return Decimal(s)
    return read


# A \uXXXX escape of a surrogate, paired (high then low: one character) or lone; any other
# escape is matched too, so that "\\ud800" (an escaped backslash) is not taken for one.
_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                     r"|(\\u[dD][89a-fA-F][0-9a-fA-F]{2})|\\.", re.S)


def _position(text: str, index: int, at: tuple[str, int] | None, source: str) -> tuple[Span, str | None]:
    """The Span of ``text[index]`` (in the file and line ``at`` names, for a JSON Lines
    record) and its excerpt."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    if at is not None:
        number = at[1] + line - 1
        return Span(at[0], number, column), _excerpt(text, line, column, number)
    return Span(source, line, column), _excerpt(text, line, column)


def parse_json(text: str, source: str, *, at: tuple[str, int] | None = None):
    """JSON text → Decimal numbers, :class:`_Map` objects (duplicate keys kept for
    :func:`_index` to report); a DataError for anything else. ``at`` is (file, line) when
    the text is one line of a JSON Lines file: positions then name that file and line."""
    cap = limit("number_chars")
    try:
        tree = json.loads(text, object_pairs_hook=_pairs, parse_float=_number(cap),
                          parse_int=_number(cap), parse_constant=_constant)
    except json.JSONDecodeError as e:
        where, excerpt = _position(text, e.pos, at, source)
        if at is not None:  # a JSON Lines record: worded as batch outputs have always said it
            raise DataError(f"不是合法的 JSON（第{where.column}列）：{e.msg}",
                            f"not valid JSON (column {where.column}): {e.msg}", where=where,
                            excerpt=excerpt) from None
        raise DataError("JSON 语法错误", f"JSON syntax error: {e.msg}", where=where,
                        excerpt=excerpt) from None
    except _Constant as e:
        raise DataError(f"JSON 中不允许 {e}", f"{e} is not allowed in JSON input",
                        where=Location(source)) from None
    except _Long as e:
        # The number's first place in the text (the decoder does not say which one it was).
        raw = str(e)
        index = text.find(raw)
        where = _position(text, index, at, source)[0] if index >= 0 else Location(source)
        raise exceeded("number_chars", where, "数字的书写长度", "the written number's length",
                       len(raw)) from None
    except RecursionError:
        raise DataError("JSON 嵌套过深", "the JSON is nested too deeply",
                        where=Location(source)) from None
    except ValueError as e:
        raise DataError("JSON 无法读取", f"JSON cannot be read: {type(e).__name__}",
                        where=Location(source)) from None
    if "\\u" in text:
        for m in _ESCAPE.finditer(text):
            if m.group(1):
                where, excerpt = _position(text, m.start(), at, source)
                raise _surrogate(where, excerpt=excerpt)
    return tree


def _bad_text(s: str, where: Location, max_chars: int, key: bool) -> None:
    """The error for a text past the cell limit or holding a lone surrogate."""
    if len(s) > max_chars:
        raise exceeded("cell_chars", where, "键的长度" if key else "文本长度",
                       "the key's length" if key else "the text's length", len(s),
                       hint="过长的内容请放在附件中 (put long text in an attachment)")
    raise _surrogate(where, key)


def _index(tree, source: str) -> dict[Path, int]:
    """The line of every path, and an error for each duplicate key, alias loop or bomb,
    text past the cell limit or holding a lone surrogate. (A Location is made only for an
    error: making one per node was a tenth of a JSON Lines run.)"""
    lines: dict[Path, int] = {}
    dups: list[DataError] = []
    count = 0
    active: set[int] = set()
    max_depth, max_nodes, max_chars = limit("depth"), limit("nodes"), limit("cell_chars")

    def at(line: int | None, path: Path) -> Location:
        return Location(source, row=line, key=key_path(path))

    def text(s: str, line: int | None, path: Path, key: bool = False) -> None:
        if len(s) > max_chars or (not s.isascii() and _SURROGATE.search(s)):
            _bad_text(s, at(line, path), max_chars, key)

    def walk(node, path: Path, line: int | None) -> None:
        nonlocal count
        count += 1
        if line is not None:
            lines.setdefault(path, line)
        if isinstance(node, str):
            text(node, line, path)
            return
        if not isinstance(node, (dict, list)):
            return
        if id(node) in active:
            raise DataError("数据中的别名循环引用自身", "an alias in the data refers to itself", where=at(line, path))
        if len(path) > max_depth:
            raise exceeded("depth", Location(source, row=line, key=key_path(path[:6]) + "…"),
                           "数据嵌套过深：嵌套层数", "the data is nested too deeply: its depth")
        if count > max_nodes:
            raise exceeded("nodes", at(line, path), "数据过大或别名引用过多：节点数",
                           "the data is too large or uses aliases too often: its nodes")
        active.add(id(node))
        if isinstance(node, dict):
            klines = getattr(node, "key_lines", {})
            for key in node:
                if isinstance(key, str):
                    text(key, klines.get(key, line), path, key=True)
            for key, at_line in getattr(node, "dups", ()):
                first = klines.get(key)
                dups.append(DataError(
                    f"重复的键「{key}」", f"duplicate key {key!r}",
                    where=Location(source, row=at_line, key=key_path(path + (key,))),
                    hint=f"第一次出现在第{first}行 (first given on line {first})" if first else None))
            for key, value in node.items():
                walk(value, path + (key,), klines.get(key))
        else:
            ilines = getattr(node, "item_lines", [])
            for i, value in enumerate(node):
                walk(value, path + (i,), ilines[i] if i < len(ilines) else None)
        active.discard(id(node))

    walk(tree, (), getattr(tree, "line", None))
    ErrorGroup.raise_if_any(dups)
    return lines


def load_tree(tree, source: str, synonyms: Synonyms, field_specs: tuple = ()) -> IndicatorSet:
    """A parsed document → the model, locating paths by line where the parser gave one."""
    lines = _index(tree, source)

    def where(path: Path) -> Location:
        row = next((lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in lines), None)
        return Location(source, row=row, key=key_path(path))

    return build(tree, Ctx(source, synonyms, where, field_specs=field_specs))


def load_yaml(text: str, source: str, synonyms: Synonyms, field_specs: tuple = ()) -> IndicatorSet:
    tree = parse_yaml(text, source)
    if tree is None:  # only comments
        raise DataError("文件为空", "the file is empty", where=Location(source))
    return load_tree(tree, source, synonyms, field_specs)


def load_json(text: str, source: str, synonyms: Synonyms, *,
              at: tuple[str, int] | None = None, field_specs: tuple = ()) -> IndicatorSet:
    """A JSON document (or, with ``at`` = (file, line), one JSON Lines record) → the model."""
    return load_tree(parse_json(text, source, at=at), source, synonyms, field_specs)
