"""Rule files from disk: read as UTF-8, parsed once and cached (see :mod:`.cache`)."""

from __future__ import annotations

from ..errors import RuleSyntaxError, Span, UsageError
from . import cache
from . import nodes as n


def parse_file(path: str, shown: str | None = None) -> n.RuleFile:
    """Parse a rule file; ``shown`` is the name used in messages and findings."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise RuleSyntaxError("规则文件不是 UTF-8 编码", "rule file is not UTF-8 text",
                              where=Span(shown or path, 1, 1)) from None
    except OSError as e:
        raise UsageError(f"无法读取规则文件：{e.strerror}", f"cannot read rule file: {e.strerror}",
                         where=Span(shown or path, 1, 1)) from None
    tree = cache.get(text, shown or path)
    if tree is None:
        from .parser import parse_text  # Lark is loaded only when a file must be parsed
        tree = parse_text(text, shown or path)
        cache.put(text, shown or path, tree)
    return tree
