"""Text from inputs made safe to show: on a terminal, in Markdown, inside JSON.

A cell of a form may hold anything: an ANSI or OSC escape that clears the screen, erases a
line to forge 「共 0 项发现」 or sets the window title; a bidirectional override that shows
text in another order than it is stored; raw HTML that a Markdown viewer would run. Every
output that people read goes through one of these functions, so such text is shown as what
it is and never acts.
"""

from __future__ import annotations

import html
import re

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode format characters that
# reorder or hide text (bidi embeddings/overrides/isolates, zero-width marks, BOM inside text).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Of those, the ones JSON does not escape by itself (it escapes U+0000–U+001F).
_JSON_RAW = re.compile("[\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]")


def _shown(m: re.Match) -> str:
    c = m.group()
    n = ord(c)
    if n < 0x20:
        return chr(0x2400 + n)        # ␛ for ESC, ␇ for BEL …: the Unicode control pictures
    if n == 0x7F:
        return "\u2421"               # ␡
    return f"<U+{n:04X}>"


def printable(text: str) -> str:
    """``text`` with every control and reordering character shown as a visible sign."""
    return _CONTROL.sub(_shown, text)


def json_safe(text: str) -> str:
    """JSON text with the controls JSON leaves raw written as ``\\uXXXX`` (same value)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def md_text(text: object) -> str:
    """One line of Markdown from input text: HTML escaped, controls shown, table bars escaped."""
    s = printable(str(text if text is not None else ""))
    return html.escape(s, quote=False).replace("|", "\\|").replace("\n", " ")


def md_fence(text: str, lang: str = "text") -> str:
    """A fenced block that no backtick run inside ``text`` can close early."""
    ticks = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, ticks + 1)
    return f"{fence}{lang}\n{printable(text)}\n{fence}"


def md_code(text: str) -> str:
    """An inline code span of ``text`` (a file name): controls shown, no backtick can end it."""
    s = printable(text)
    ticks = max((len(m) for m in re.findall(r"`+", s)), default=0)
    if not ticks:
        return f"`{s}`"
    fence = "`" * (ticks + 1)
    return f"{fence} {s} {fence}"
