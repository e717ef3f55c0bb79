"""``perfrules lsp``: the language server for rule files (diagnostics, hover, completion, formatting).

- :mod:`perfrules.lsp.analysis`: what the server says about a document, without any editor
  protocol: its diagnostics (the errors ``perfrules compile`` gives, compiled in its pack,
  and the issues ``perfrules lint`` gives), the did-you-mean fixes, hover texts, completion
  items and the formatted text;
- :mod:`perfrules.lsp.server`: the Language Server Protocol over stdio (pygls), which only
  translates between the protocol and :mod:`~perfrules.lsp.analysis`;
- :mod:`perfrules.lsp.textmate`: the TextMate grammar in ``editors/textmate/``, generated from
  the keyword table (``python -m perfrules.lsp.textmate --write``; ``--check`` in the tests).

The server needs the ``[lsp]`` extra (``pip install 'perfrules[lsp]'``). Only
:mod:`perfrules.lsp.server` imports pygls, so the rest of perfrules works without it;
:func:`require` says, in Chinese and English, what to install when it is missing.
"""

from __future__ import annotations

import importlib.util

from ..errors import UsageError

INSTALL = "pip install 'perfrules[lsp]'"
NEEDED = ("pygls", "lsprotocol")


def missing() -> list[str]:
    """The modules of the ``[lsp]`` extra that cannot be imported."""
    return [m for m in NEEDED if importlib.util.find_spec(m) is None]


def require() -> None:
    """Raise a :class:`~perfrules.errors.UsageError` naming what to install when the ``[lsp]``
    extra (pygls, lsprotocol) is not installed."""
    gone = missing()
    if gone:
        raise UsageError(f"语言服务器所需的组件未安装（缺少 {', '.join(gone)}）：请运行 {INSTALL}",
                         f"the language server needs the [lsp] extra (missing: {', '.join(gone)}): run {INSTALL}",
                         hint=f"安装后再运行 perfrules lsp (then run perfrules lsp again): {INSTALL}")
