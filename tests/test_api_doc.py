"""docs/api.md runs: its ```python blocks, in order, in one namespace, from the repository's root.

A block's prints and asserts are the test: a block that raises fails it, naming the block and
its first line in docs/api.md.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[int, str]]:
    """(line in docs/api.md where the code starts, code) of each ```python block."""
    text = DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_the_api_doc_has_a_back_end_example():
    codes = [code for _, code in blocks()]
    assert len(codes) >= 5
    whole = "\n".join(codes)
    for call in ("perfrules.load(", "perfrules.check(", "Pack.from_text(", ".to_dict()", "ErrorGroup",
                 "perfrules.schema(", "json.loads(", "json.dumps("):
        assert call in whole, call


def test_the_api_doc_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "api_doc"}
    printed = io.StringIO()
    for line, code in blocks():
        with contextlib.redirect_stdout(printed):
            try:  # padded, so that a traceback names the line of docs/api.md
                exec(compile("\n" * (line - 1) + code, "docs/api.md", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"the block at docs/api.md:{line} failed: {type(e).__name__}: {e}\n"
                                     f"printed so far:\n{printed.getvalue()}") from e
    out = printed.getvalue()
    assert "87.38 良" in out, out
    assert os.getcwd() == str(ROOT)
