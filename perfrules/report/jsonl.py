"""``--format jsonl``: one JSON record per entry on its own line, written as soon as it is
ready; with ``-o`` the file ends at the last whole line if the run is stopped."""

from __future__ import annotations

import json
from typing import Any

from ..errors import PerfrulesError
from .json_out import record, run_error_record
from .terminal import json_safe
from .writer import TextWriter


def entry(o: Any, show_na: bool = False) -> str:
    return json_safe(json.dumps(record(o), ensure_ascii=False) + "\n")


def run_error(e: PerfrulesError) -> str:
    """A run that cannot start: its one record, one line (formats.Format.says_errors)."""
    return json_safe(json.dumps(run_error_record(e), ensure_ascii=False) + "\n")


class Writer(TextWriter):
    line_by_line = True
