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


def read_csv(data: bytes, source: str) -> Sheet:
    text = F.decode(data, source)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[None if blank(v) else v for v in row] for row in reader]
    except csv.Error as e:
        raise DataError("CSV 无法读取", f"CSV cannot be read: {e}",
                        where=Location(source, row=reader.line_num)) from None
    return Sheet(source, None, rows)
