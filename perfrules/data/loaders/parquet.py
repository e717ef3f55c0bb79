"""Parquet indicator sets: one row per project, read as JSON Lines records are read.

The layout (docs/inputs.md, "Parquet"): **one row per project**, a column per top-level key
of the canonical record — ``项目`` a struct (名称, 主管部门, 类别 list, 性质, 年度), ``阶段`` text,
``预算`` a struct, ``绩效指标`` a list of structs (一级指标, 二级指标, 三级指标, 指标值, 实际完成值,
佐证材料 list, 分值 …), ``评分`` a list of structs, and any other key the JSON Lines record may
hold. It is what ``pyarrow.Table.from_pylist(records)`` (or polars' ``write_parquet``) makes
of the JSON Lines records, so a columnar pipeline writes it without reshaping.

Each row becomes the record's JSON text and goes down the JSON Lines path
(:func:`perfrules.data.loaders.load_record`): the same keys, checks, limits, errors and
reading notes. Its name is ``file.parquet:ROW`` (the row's 1-based number in the file,
across row groups). Values: a null is a key left out; a double is written as its shortest
decimal form (an integral one as an integer: ``10.0`` is ``10``); a decimal column's value
as written, trailing zeros dropped; dates and times as ISO text; a map with text keys as a
mapping. A binary column is refused (that row's error). NaN and infinities are refused as
in JSON.

pyarrow is an optional extra (``pip install 'perfrules[columnar]'``): without it a Parquet
input is that input's error, and the rest of a run goes on.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ...errors import DataError, Location
from ..limits import exceeded, limit, open_regular

EXTRA = ("读取 Parquet 需要可选组件 pyarrow：pip install 'perfrules[columnar]'",
         "reading Parquet needs the optional extra: pip install 'perfrules[columnar]'")
BATCH_ROWS = 1024  # rows decoded at a time: memory stays flat however large a row group is


def _pq(source: str):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(*EXTRA, where=Location(source)) from None
    return pq


def _file(path: str, source: str):
    """The ParquetFile of a regular file (the handle is the caller's to close), or a DataError."""
    pq = _pq(source)
    fh = open_regular(path, source)
    try:
        return fh, pq.ParquetFile(fh)
    except Exception as e:  # noqa: BLE001 — pyarrow's errors for a file that is no Parquet
        fh.close()
        raise DataError("不是可读取的 Parquet 文件", f"not a readable Parquet file: {_why(e)}",
                        where=Location(source)) from None


def _why(e: Exception) -> str:
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__


def row_groups(path: str, source: str | None = None) -> list[tuple[int, int, int]]:
    """(index, number of its first row (1-based), rows) of each row group of a Parquet file."""
    fh, pf = _file(path, source or path)
    with fh:
        out, first = [], 1
        for i in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(i).num_rows
            out.append((i, first, n))
            first += n
        return out


def rows(path: str, source: str | None = None, start: int = 0, end: int | None = None,
         first: int = 1) -> Iterator[tuple[int, str | DataError]]:
    """(row number, the row as JSON record text, or that row's DataError) for each row of row
    groups ``start`` to ``end`` (exclusive; None: to the last), the first numbered ``first``.
    A file that cannot be read gives ``(0, DataError)`` once; a read failing part-way gives it
    for the row where it failed, and stops."""
    source = source or path
    try:
        fh, pf = _file(path, source)
    except DataError as e:
        yield 0, e
        return
    with fh:
        yield from _rows(pf, source, start, end, first)


def _rows(pf, source: str, start: int, end: int | None, first: int) -> Iterator[tuple[int, str | DataError]]:
    no = first - 1
    cap = limit("line_mb") << 20
    groups = list(range(start, pf.metadata.num_row_groups if end is None else end))
    try:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, row_groups=groups, use_threads=False):
            for row in batch.to_pylist():
                no += 1
                yield no, _record(row, f"{source}:{no}", cap)
    except Exception as e:  # noqa: BLE001 — a damaged page: this row's error, the file ends here
        yield no + 1, DataError("Parquet 文件在这一行无法继续读取", f"the Parquet file cannot be read "
                                f"from this row on: {_why(e)}", where=Location(f"{source}:{no + 1}"))


def load_sets(data: bytes, source: str, synonyms, field_specs: tuple = ()) -> tuple:
    """Every row of a Parquet file held in memory as an indicator set (``load_all``'s reader;
    ``perfrules check`` reads a Parquet file row group by row group instead, a row a record):
    each named ``source:ROW``; the rows' errors raised together."""
    from ...errors import ErrorGroup, PerfrulesError
    from .yaml_json import load_json
    pq = _pq(source)
    import pyarrow as pa
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
    except Exception as e:  # noqa: BLE001
        raise DataError("不是可读取的 Parquet 文件", f"not a readable Parquet file: {_why(e)}",
                        where=Location(source)) from None
    sets: list = []
    errors: list[PerfrulesError] = []
    for no, item in _rows(pf, source, 0, None, 1):
        if isinstance(item, DataError):
            errors.append(item)
            continue
        try:
            sets.append(load_json(item, f"{source}:{no}", synonyms, field_specs=field_specs))
        except PerfrulesError as e:
            errors.append(e)
    ErrorGroup.raise_if_any(errors)
    if not sets:
        raise DataError("Parquet 文件中没有行", "the Parquet file has no rows", where=Location(source))
    return tuple(sets)


def _record(row: dict, source: str, cap: int) -> str | DataError:
    try:
        text = to_json(row)
    except _Unsupported as e:
        return DataError(f"Parquet 列「{e.args[0]}」是二进制或不支持的类型，无法作为指标表读取",
                         f"the Parquet column {e.args[0]} is binary or of an unsupported type",
                         where=Location(source, key=e.args[0]))
    if len(text) > cap:  # the JSON Lines limit of one project
        return exceeded("line_mb", Location(source), "这一行（一个项目）的大小", "the row's size",
                        -(-len(text.encode("utf-8")) >> 20))
    return text


class _Unsupported(ValueError):
    pass


def to_json(row: dict) -> str:
    """A row as the JSON text of its record (see the module's notes on values)."""
    return _json(row, "$")


def _json(v: Any, path: str) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, Decimal):
        return _decimal(v)
    if isinstance(v, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_json(x, f'{path}.{k}')}"
                              for k, x in v.items() if x is not None) + "}"
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str) for x in v):
            return _json(dict(v), path)  # a map column: (key, value) pairs
        return "[" + ",".join("null" if x is None else _json(x, f"{path}[{k}]") for k, x in enumerate(v)) + "]"
    if isinstance(v, (datetime.date, datetime.time)):
        return json.dumps(v.isoformat())
    raise _Unsupported(path)


def _float(v: float) -> str:
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")  # refused as in JSON
    if v.is_integer() and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(v)


def _decimal(d: Decimal) -> str:
    if not d.is_finite():
        return "NaN"
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def to_parquet(records: list[dict], path: str, row_group_rows: int | None = None) -> None:
    """Write JSON Lines records (parsed: dicts) as a Parquet file of this layout (for tests,
    examples and pipelines that start from JSON Lines); ``row_group_rows`` rows a group."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pa.Table.from_pylist(records)
    pq.write_table(table, path, row_group_size=row_group_rows)
