"""Rule files from disk: decoded (:func:`decode_rules`), parsed once and cached (see :mod:`.cache`).

A rule file is UTF-8, with or without the byte-order mark Notepad writes (removed, so
columns on line 1 stay right); a file that is not UTF-8 is read as GB18030 (GBK, what
Chinese Windows saves) with a :class:`RuleFileEncodingWarning`; UTF-16 with a BOM is read
too, as the data loaders do. Text that is none of these is an error naming the byte offset.
Decoding happens before the parse cache is asked, which keys on the decoded text.
"""

from __future__ import annotations

import os
import stat
import warnings

import attrs

from ..errors import ErrorGroup, RuleSyntaxError, Span, UsageError
from . import cache
from . import nodes as n

BOM = b"\xef\xbb\xbf"


class RuleFileEncodingWarning(UserWarning):
    """A rule file that is not UTF-8 was read as GB18030. ``perfrules`` prints it on stderr;
    a program sees it through :mod:`warnings` (``warnings.catch_warnings(record=True)``),
    with ``file`` and ``encoding`` as attributes."""

    def __init__(self, file: str, encoding: str = "gb18030"):
        self.file = file
        self.encoding = encoding
        super().__init__(f"规则文件「{file}」不是 UTF-8，已按 GB18030 读取 "
                         f"(rule file {file} is not UTF-8; read as GB18030)")


@attrs.frozen
class Decoded:
    """A rule file's text and how it was stored: ``utf-8``, ``utf-8-sig`` (with a BOM, now
    removed), ``utf-16`` (with a BOM) or ``gb18030``."""

    text: str
    encoding: str

    @property
    def utf8(self) -> bool:
        """Stored as plain UTF-8 (what ``fmt`` writes)."""
        return self.encoding == "utf-8"


def decode_rules(data: bytes, shown: str) -> Decoded:
    """A rule file's bytes as text, newlines as ``open`` reads them (CRLF and CR as LF).

    UTF-8 first, as the data loaders do (GB18030 would accept many UTF-8 byte strings as
    other characters); not UTF-8: GB18030, with a :class:`RuleFileEncodingWarning`."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return Decoded(_lines(data.decode("utf-16")), "utf-16")
        except UnicodeDecodeError as e:
            raise _undecodable(data, shown, e.start, None, "UTF-16") from None
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        return Decoded(_lines(data[skip:].decode("utf-8")), "utf-8-sig" if skip else "utf-8")
    except UnicodeDecodeError as e:
        bad_utf8 = skip + e.start
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise _undecodable(data, shown, bad_utf8, e.start) from None
    warnings.warn(RuleFileEncodingWarning(shown), stacklevel=2)
    return Decoded(_lines(text), "gb18030")


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _undecodable(data: bytes, shown: str, at: int, at_gb: int | None, what: str = "UTF-8") -> RuleSyntaxError:
    """Neither UTF-8 nor GB18030: the byte offset (from 0) where reading stopped, with its line
    and column, in the encoding that read further (where the text most likely breaks)."""
    if at_gb is not None and at_gb > at:
        at, what = at_gb, "GB18030"
    codec = {"UTF-8": "utf-8", "GB18030": "gb18030", "UTF-16": "utf-16"}[what]
    start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    column = len(data[start:at].decode(codec if codec != "utf-16" else "latin-1", "replace")) + 1
    byte = f"0x{data[at]:02X}" if at < len(data) else "EOF"
    head = (f"规则文件「{shown}」既不是 UTF-8 也不是 GB18030 编码" if at_gb is not None
            else f"规则文件「{shown}」不是有效的 {what} 文本")
    head_en = (f"rule file {shown} is neither UTF-8 nor GB18030 text" if at_gb is not None
               else f"rule file {shown} is not valid {what} text")
    return RuleSyntaxError(f"{head}：按 {what} 读到第 {at} 字节（{byte}，从 0 起数）无法继续",
                           f"{head_en}: read as {what}, byte offset {at} ({byte}) cannot be decoded",
                           where=Span(shown, line, column),
                           hint="请用文本编辑器另存为 UTF-8 编码 (save the file as UTF-8)")


def parse_file(path: str, shown: str | None = None) -> n.RuleFile:
    """Parse a rule file; ``shown`` is the name used in messages and findings."""
    tree, errors = parse_file_partial(path, shown)
    ErrorGroup.raise_if_any(errors)
    return tree


def parse_file_partial(path: str, shown: str | None = None):
    """(the statements that parse, the syntax errors of the others); only a file without
    errors is cached."""
    try:
        text = read_rules(path, shown or path).text  # decoded before the cache, which keys on text
    except OSError as e:
        raise UsageError(f"无法读取规则文件：{e.strerror}", f"cannot read rule file: {e.strerror}",
                         where=Span(shown or path, 1, 1)) from None
    tree = cache.get(text, shown or path)
    if tree is not None:
        return tree, []
    from .parser import parse_text_partial  # Lark is loaded only when a file must be parsed
    tree, errors = parse_text_partial(text, shown or path)
    if not errors:
        cache.put(text, shown or path, tree)
    return tree, errors


def read_rules(path: str, shown: str | None = None) -> Decoded:
    """A rule file's text and encoding (see :func:`decode_rules`); a FIFO, a device or a
    folder is refused at once, never read or waited on."""
    shown = shown or path
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError("规则文件不是普通文件", "the rule file is not a regular file",
                             where=Span(shown, 1, 1))
        data = fh.read()
    return decode_rules(data, shown)
