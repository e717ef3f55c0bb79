"""``--format jsonl``: one JSON record per entry on its own line, written as soon as it is
ready; with ``-o`` the file ends at the last whole line if the run is stopped."""

from __future__ import annotations

import json
from typing import Any

from .json_out import record
from .terminal import json_safe
from .writer import TextWriter


def entry(o: Any, show_na: bool = False) -> str:
    return json_safe(json.dumps(record(o), ensure_ascii=False) + "\n")


class Writer(TextWriter):
    line_by_line = True
