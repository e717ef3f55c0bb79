"""A sheet as a grid of cell values, from CSV text or an XLSX worksheet.

Both formats become a :class:`Sheet`, so every rule of reading a form is written once
(:mod:`.form`, :mod:`.tabular`).
"""

from __future__ import annotations

import csv
import io
import unicodedata

import attrs

from ...errors import DataError, Location
from ..categories import clean
from ..limits import exceeded, limit
from . import fields as F


@attrs.frozen
class Sheet:
    """A grid of cell values; ``covered`` maps merged cells to their top-left cell;
    ``formulas`` are cells holding a formula Excel never computed (no cached value)."""

    file: str
    name: str | None
    rows: list[list[object]]
    covered: dict[tuple[int, int], tuple[int, int]] = attrs.Factory(dict)
    formulas: frozenset[tuple[int, int]] = frozenset()

    def cell(self, r: int, c: int, *, merged: bool = False) -> object:
        if merged and (r, c) in self.covered:
            r, c = self.covered[(r, c)]
        row = self.rows[r] if 0 <= r < len(self.rows) else []
        return row[c] if c < len(row) else None

    def at(self, r: int | None = None, column: str | None = None) -> Location:
        return Location(self.file, self.name, None if r is None else r + 1, column)

    def has_content(self) -> bool:
        return any(not blank(v) for row in self.rows for v in row) or bool(self.formulas)


def letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, m = divmod(c - 1, 26)
        s = chr(65 + m) + s
    return s


def blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def header_text(v: object) -> str:
    return clean(unicodedata.normalize("NFKC", str(v))) if not blank(v) else ""


def check_text(v: str, where: Location) -> None:
    """Refuse a cell's text longer than the cell limit (it would be copied into every report)."""
    if len(v) > limit("cell_chars"):
        raise exceeded("cell_chars", where, "单元格文本长度", "the cell's text", len(v),
                       hint="过长的内容请放在附件中 (put long text in an attachment)")


def read_csv(data: bytes, source: str) -> Sheet:
    """A CSV file's grid. A quote left open is refused (it would swallow the rest of the
    file into one cell), as are rows, columns and cells past their limits."""
    text = F.decode(data, source)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    max_rows, max_cols, max_chars = limit("rows"), limit("columns"), limit("cell_chars")
    old_limit = csv.field_size_limit(max(max_chars + 1, 1 << 17))  # our message, not csv's
    try:
        try:
            return Sheet(source, None, _rows(text, delimiter, source, True, max_rows, max_cols, max_chars))
        except _Lenient:  # a stray quote inside a cell ("5"寸): read as the cell shows it, as before
            return Sheet(source, None, _rows(text, delimiter, source, False, max_rows, max_cols, max_chars))
    finally:
        csv.field_size_limit(old_limit)


class _Lenient(Exception):
    pass


def _rows(text: str, delimiter: str, source: str, strict: bool,
          max_rows: int, max_cols: int, max_chars: int) -> list[list[object]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    rows: list[list[object]] = []
    start = last = 1  # the line the next record starts on; the line the last one started on
    try:
        for row in reader:
            r, last = len(rows), start
            if r >= max_rows:
                raise exceeded("rows", Location(source, row=r + 1), "CSV 文件的行数", "the CSV file's rows")
            if len(row) > max_cols:
                raise exceeded("columns", Location(source, row=r + 1, column=letter(max_cols)),
                               "CSV 文件的列数", "the CSV file's columns", len(row))
            for c, v in enumerate(row):
                if len(v) > max_chars:
                    check_text(v, Location(source, row=r + 1, column=letter(c)))
            rows.append([None if blank(v) else v for v in row])
            start = reader.line_num + 1
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            raise exceeded("cell_chars", Location(source, row=len(rows) + 1), "单元格文本长度",
                           "the cell's text") from None
        if strict and "end of data" in str(e):
            raise _open_quote(text, delimiter, source, start) from None
        if strict:
            raise _Lenient from None
        raise DataError("CSV 无法读取", f"CSV cannot be read: {e}",
                        where=Location(source, row=reader.line_num)) from None
    if not strict and rows and _runs_off(text, delimiter, last):
        raise _open_quote(text, delimiter, source, last)  # a stray quote above, an open one here
    return rows


def _tail(text: str, line: int) -> io.StringIO:
    """The text from ``line`` on, as csv reads it."""
    buf = io.StringIO(text, newline="")
    for _ in range(line - 1):
        buf.readline()
    return buf


def _runs_off(text: str, delimiter: str, line: int) -> bool:
    """Whether the record starting on ``line`` opens a quote that the end of the file closes."""
    try:
        for _ in csv.reader(_tail(text, line), delimiter=delimiter, strict=True):
            pass
    except csv.Error as e:
        return "end of data" in str(e)
    return False


def _open_quote(text: str, delimiter: str, source: str, line: int) -> DataError:
    """The error for a quote opened on ``line`` and never closed: named by line and column."""
    fields = next(csv.reader([_tail(text, line).readline()], delimiter=delimiter), [""])  # that line alone
    column = letter(max(len(fields) - 1, 0))
    return DataError("单元格开头的引号 \" 没有闭合，文件其后的全部内容都会被读进这一个单元格",
                     "the quote \" that opens this cell is never closed: "
                     "the rest of the file would be read into that one cell",
                     where=Location(source, row=line, column=column),
                     hint='请补上结尾的引号；单元格中的引号要写成两个 "" '
                          '(close the quote; a quote inside a cell is written twice: "")')
