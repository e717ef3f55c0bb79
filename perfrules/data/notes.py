"""Reading notes: what a loader read, and every part of an input it did not.

A loader never drops content silently. Each sheet, row, column, cell or key it leaves
unread (or reads in a way the user should know about) becomes a :class:`Note` with its
location and, for keys and headers, a did-you-mean. Notes travel with the
:class:`~perfrules.data.indicators.IndicatorSet` into every output format, and
``check --strict`` turns any note whose kind is in :data:`UNREAD` into exit 2.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..errors import Location

# The vocabulary of note kinds: kind → (Chinese label, English label, whether content was left unread).
KINDS: dict[str, tuple[str, str, bool]] = {
    "unknown_key": ("未知键", "unknown key", True),
    "unknown_column": ("未知列", "unknown column", True),
    "kept_column": ("保留未解释的列", "column kept, not interpreted", False),
    "unread_sheet": ("未读取的工作表", "sheet not read", True),
    "unread_row": ("未读取的行", "row not read", True),
    "unread_cell": ("未读取的单元格", "cell not read", True),
    "formula": ("公式没有计算结果", "formula without a cached value", True),
    "placeholder": ("模板占位内容", "template placeholder", False),
    "total_row": ("合计行", "total row", False),
    "skipped_file": ("未读取的文件", "file not read", True),
    "read": ("已读取", "read", False),
    "empty": ("内容为空", "empty", False),
}
UNREAD = frozenset(k for k, (_, _, unread) in KINDS.items() if unread)


@attrs.frozen
class Note:
    """One reading note: its kind (a key of :data:`KINDS`), where, and what, in both languages."""

    kind: str
    where: Location
    zh: str
    en: str
    suggestion: str | None = None  # did-you-mean, for keys and headers

    @property
    def unread(self) -> bool:
        return self.kind in UNREAD

    def __str__(self) -> str:
        tip = f"（是否指「{self.suggestion}」？ did you mean {self.suggestion}?）" if self.suggestion else ""
        return f"{self.where}: {KINDS[self.kind][0]} {self.zh}{tip} ({self.en})"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "where": self.where.to_dict(),
                             "message": self.zh, "message_en": self.en}
        if self.suggestion:
            d["suggestion"] = self.suggestion
        return d
