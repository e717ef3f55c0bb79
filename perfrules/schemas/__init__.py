"""The JSON Schemas of perfrules' input and output, published with the package (docs/api.md).

- ``result`` (``result.schema.json``): one output record, as ``perfrules check --format
  json`` (each item of the array when there are several) and ``--format jsonl`` (each line)
  write it and ``Result.to_dict()`` returns it: a result, an input not read, a skipped file,
  or the error of a run that could not start.
- ``input`` (``input.schema.json``): an indicator set as the YAML/JSON/JSON Lines input takes
  it (docs/inputs.md), Chinese keys and their English aliases.

Both are JSON Schema draft 2020-12 and carry the version of the JSON perfrules writes
(:data:`perfrules.version.SCHEMA_VERSION`). ``perfrules schema result|input`` prints one;
docs/schemas/ holds copies (a test keeps them equal). A root module: it imports nothing of
perfrules but the shared floor (errors, version).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ..errors import UsageError

NAMES = ("result", "input")


def text(name: str) -> str:
    """The schema ``name`` (result or input) as the JSON text published in the package."""
    if name not in NAMES:
        raise UsageError(f"没有名为「{name}」的模式；可用：{'、'.join(NAMES)}",
                         f"no schema named {name!r}; schemas: {', '.join(NAMES)}")
    return resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    """The schema ``name`` (result or input) as a dict, ready for a validator (a new dict on
    each call: change it freely)."""
    schema: dict[str, Any] = json.loads(text(name))
    return schema
