"""Rule files from disk: read as UTF-8, parsed once and cached (see :mod:`.cache`)."""

from __future__ import annotations

import os
import stat

from ..errors import RuleSyntaxError, Span, UsageError
from . import cache
from . import nodes as n


def parse_file(path: str, shown: str | None = None) -> n.RuleFile:
    """Parse a rule file; ``shown`` is the name used in messages and findings."""
    tree, errors = parse_file_partial(path, shown)
    if errors:
        from ..errors import ErrorGroup
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)
    return tree


def parse_file_partial(path: str, shown: str | None = None):
    """(the statements that parse, the syntax errors of the others); only a file without
    errors is cached."""
    try:
        text = _read_text(path, shown or path)
    except UnicodeDecodeError:
        raise RuleSyntaxError("规则文件不是 UTF-8 编码", "rule file is not UTF-8 text",
                              where=Span(shown or path, 1, 1)) from None
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


def _read_text(path: str, shown: str) -> str:
    """The file's text (newlines as ``open`` reads them); a FIFO, a device or a folder is
    refused at once, never read or waited on."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, encoding="utf-8") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError("规则文件不是普通文件", "the rule file is not a regular file",
                             where=Span(shown, 1, 1))
        return fh.read()
