"""Rule-file text: logical lines, spans, and excerpts with a caret under the mistake."""

from __future__ import annotations

import functools
import re

import attrs

from ..errors import Span
from .vocabulary import HEADER_WORDS, QUOTE_PAIRS as _QUOTE_PAIRS

EXCERPT_WIDTH = 160  # columns of a source line an excerpt shows at most (a CJK character takes two)

_OPEN = "[［(（"
_CLOSE = "]］)）"
_CONTINUE = ",，、"
# A 规则 / 评分项 / 词表 / 同义 line (any spelling of a header keyword) at the margin.
_HEADER = re.compile(r"(%s)(\s|$)" % "|".join(map(re.escape, HEADER_WORDS)), re.I)


@attrs.frozen
class LogicalLine:
    """One statement of a rule file: it may span physical lines (open bracket, trailing comma)."""

    line: int  # 1-based number of its first physical line
    text: str  # the physical lines, newlines kept, comments blanked out


@attrs.frozen
class Source:
    """A rule file's text and name."""

    path: str
    text: str

    @functools.cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()  # once: a file with many errors must not re-split per error

    def span(self, line: int, column: int, end_line: int | None = None,
             end_column: int | None = None) -> Span:
        return Span(self.path, line, column, end_line, end_column)

    def excerpt(self, span: Span) -> str:
        """The source line with a caret under the span, aligned for wide Chinese characters."""
        lines = self.lines
        if not 1 <= span.line <= len(lines):
            return ""
        src = lines[span.line - 1]
        col = max(1, min(span.column, len(src) + 1))
        end = span.end_column if span.end_line in (None, span.line) and span.end_column else col + 1
        end = max(col + 1, min(end, len(src) + 1))
        if len(src) > EXCERPT_WIDTH // 2 and _width(src) > EXCERPT_WIDTH:
            # A very long line (a 600-way 或, a line of brackets) is shown around the mistake:
            # a third of the width before it, the rest from it on.
            lo, room = col - 1, EXCERPT_WIDTH // 3
            while lo > 0 and room - _width(src[lo - 1]) >= 0:
                lo -= 1
                room -= _width(src[lo])
            hi, room = col - 1, EXCERPT_WIDTH - (EXCERPT_WIDTH // 3 - room)
            while hi < len(src) and room - _width(src[hi]) >= 0:
                room -= _width(src[hi])
                hi += 1
            head, tail = ("…" if lo > 0 else ""), ("…" if hi < len(src) else "")
            src = head + src[lo:hi] + tail
            col, end = col - lo + len(head), min(end, hi + 1) - lo + len(head)
        pad = _width(src[: col - 1])
        marks = max(1, _width(src[col - 1: end - 1]))
        gutter = f"{span.line:>5} | "
        return f"{gutter}{src}\n{' ' * (len(gutter) - 2)}| {' ' * pad}{'^' * marks}"

    def logical_lines(self) -> tuple[list[LogicalLine], list[tuple[int, str]]]:
        """Split into statements, and collect comments as (line, text) for the formatter."""
        out: list[LogicalLine] = []
        comments: list[tuple[int, str]] = []
        buf: list[str] = []
        start = 0
        depth = 0
        for no, raw in enumerate(self.text.splitlines(), start=1):
            if buf and _HEADER.match(raw):
                # A 规则/评分项/词表/同义 line at the margin starts a new statement even after an
                # unclosed bracket: the mistake is reported on its own line, the rest still parse.
                out.append(LogicalLine(start, "\n".join(buf)))
                buf, depth = [], 0
            code, comment, depth = _strip_comment(raw, depth)
            if comment is not None:
                comments.append((no, comment))
            if not buf and not code.strip():
                continue
            if not buf:
                start = no
            buf.append(code)
            tail = code.rstrip()
            if depth > 0 or (tail and tail[-1] in _CONTINUE):
                continue
            out.append(LogicalLine(start, "\n".join(buf)))
            buf = []
        if buf:
            out.append(LogicalLine(start, "\n".join(buf)))
        return out, comments


def unquoted(raw: str):
    """``(index, character)`` of each character of one physical line outside quotes (the
    quote marks themselves left out; 「…「…」…」 nest, as Chinese quotes do)."""
    close = None
    nest = 0
    for i, ch in enumerate(raw):
        if close is not None:
            if close == "」" and ch == "「":
                nest += 1
            elif ch == close:
                if nest:
                    nest -= 1
                else:
                    close = None
        elif ch in _QUOTE_PAIRS:
            close = _QUOTE_PAIRS[ch]
        else:
            yield i, ch


def _strip_comment(raw: str, depth: int) -> tuple[str, str | None, int]:
    """Blank a trailing ``# comment`` (outside quotes) and track bracket depth."""
    for i, ch in unquoted(raw):
        if ch == "#":
            return raw[:i], raw[i:], depth
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
    return raw, None, depth


def _width(s: str) -> int:
    from wcwidth import wcswidth  # here: only a caret under an error needs it, and it costs 15 ms
    w = wcswidth(s)
    return w if w >= 0 else len(s)
