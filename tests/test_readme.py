"""The README keeps its promises: the two set-up commands, CI running the test command exactly
as printed, and a first screen that tells a non-programmer how to start the page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAIN = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/perfrules check examples/panyu-2023-ops/自评.yaml"
TESTS = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"


def _blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_the_two_set_up_commands_are_printed_as_blocks():
    assert MAIN in _blocks(README) and TESTS in _blocks(README)


def test_ci_runs_the_readme_test_command_exactly():
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert run.rstrip().splitlines()[-1].strip() == TESTS


def test_the_first_screen_tells_how_to_start_the_page():
    first = "\n".join(README.splitlines()[:25])
    assert "perfrules serve" in first and "http://127.0.0.1:8000" in first
    assert "浏览器" in first  # said in Chinese first
    assert first.index("不用命令行") < first.index("perfrules serve")


def test_every_doc_the_readme_links_exists():
    for link in re.findall(r"\]\(((?:docs|bench)/[^)#]+)\)", README):
        assert (ROOT / link).is_file(), link
