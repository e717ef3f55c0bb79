"""``--format json``: one object when the run has one entry, else an array of them (each a
``Result.to_dict()``, an input not read or a skipped file: :meth:`Outcome.to_dict`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..errors import PerfrulesError, error_record
from ..version import SCHEMA_VERSION
from .terminal import json_safe
from .writer import TextWriter


def record(o: Any) -> dict:
    return o.to_dict()


def run_error_record(e: PerfrulesError) -> dict[str, Any]:
    """The JSON record of a run that cannot start (or checks nothing): ``{schema_version,
    error}``, the error as an input's error record holds it (result.schema.json, run_error)."""
    return {"schema_version": SCHEMA_VERSION, "error": error_record(e)}


def run_error(e: PerfrulesError) -> str:
    """A run that cannot start, as the json output on stdout (formats.Format.says_errors)."""
    return json_safe(json.dumps(run_error_record(e), ensure_ascii=False, indent=2)) + "\n"


def entry(o: Any, show_na: bool = False) -> str:
    return json_safe(json.dumps(record(o), ensure_ascii=False, indent=2))


def to_json(results: Sequence[Any]) -> str:
    """Results (not outcomes) as the json format writes them."""
    data = [r.to_dict() for r in results]
    return json_safe(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2)) + "\n"


def _indent(text: str) -> str:
    return "  " + text.replace("\n", "\n  ")  # JSON text has no raw newline inside a string


class Writer(TextWriter):
    """Built on the fly: the first entry is held until a second shows whether it is an array."""

    def __init__(self, output: str | None):
        super().__init__(output)
        self.first: str | None = None

    def add(self, o: Any) -> None:
        text = o.text
        if text is None:
            return
        if self.n == 0:
            self.first = text
        elif self.n == 1:
            self.out.write("[\n" + _indent(self.first) + ",\n" + _indent(text))
            self.first = None
        else:
            self.out.write(",\n" + _indent(text))
        self.n += 1

    def finish(self, footer=None) -> None:
        if self.n == 1:
            self.out.write(self.first + "\n")
        elif self.n > 1:
            self.out.write("\n]\n")
        self.out.commit()
