"""Indicator-set inputs (YAML, JSON, CSV, XLSX) → :class:`~perfrules.data.indicators.IndicatorSet`.

:func:`load` picks the reader by extension and checks that the content agrees (a text
file named .xlsx, a workbook named .csv and an .xls binary are refused with a reason);
a file with another extension is sniffed. :func:`load_record` reads one JSON Lines record
as a ``.json`` file is read; :func:`load_mapping` builds a set from an already parsed
mapping. Each takes ``field_specs``, the fields packs declare (pack.yaml ``fields``,
:class:`~perfrules.data.declared.FieldSpec`), read from every format like the built-in
ones. Every user mistake is a
:class:`~perfrules.errors.DataError` (several at once: an
:class:`~perfrules.errors.ErrorGroup`); unknown keys and columns are warnings in
``IndicatorSet.warnings``. Inputs are only ever read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ...errors import DataError, Location
from ..categories import DEFAULT_SYNONYMS, Synonyms
from ..declared import FieldSpec
from ..indicators import IndicatorSet
from ..limits import read_file
from . import fields
from .mapping import Ctx, build
from .tabular import load_csv
from .xlsx import OLE_MAGIC, ZIP_MAGIC, load_xlsx
from .yaml_json import load_json, load_yaml

__all__ = ["EXTENSIONS", "SIDE_KINDS", "is_side_file", "load", "load_all", "load_mapping", "load_record"]

EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv",
              ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
SIDE_KINDS = ("项目信息", "评分")  # CSV side files, see tabular


def is_side_file(path: str | os.PathLike) -> bool:
    """Whether a CSV is a 项目信息/评分 side file of a table, not an indicator set itself."""
    p = Path(path)
    return p.suffix.lower() == ".csv" and any(
        p.stem == kind or p.stem.endswith("." + kind) for kind in SIDE_KINDS)


def _sniff(data: bytes) -> str:
    """The format of a file whose extension says nothing."""
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        return "xlsx"  # the XLSX reader explains an .xls or a zip that is no workbook
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    first = head.split(b"\n", 1)[0]
    return "yaml" if b":" in first and b"," not in first else "csv"


def _format(path: Path, data: bytes, source: str) -> str:
    ext = path.suffix.lower()
    if ext == ".xls":
        return "xlsx"  # the XLSX reader's check names the old binary format
    kind = EXTENSIONS.get(ext) or _sniff(data)
    binary = data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)
    if kind != "xlsx" and binary:
        raise DataError(f"扩展名为 {ext or '(无)'}，但内容是 Excel 工作簿",
                        f"the file is named {ext or '(no extension)'} but holds an Excel workbook",
                        where=Location(source), hint="请把扩展名改为 .xlsx (rename it to .xlsx)")
    return kind


def load(path: str | os.PathLike, *, synonyms: Synonyms = DEFAULT_SYNONYMS,
         field_specs: tuple[FieldSpec, ...] = ()) -> IndicatorSet:
    """Read the one indicator set of a file; raise DataError/ErrorGroup for bad input
    (and for a workbook holding several projects: read those with :func:`load_all`)."""
    sets = load_all(path, synonyms=synonyms, field_specs=field_specs)
    if len(sets) > 1:
        raise DataError(f"工作簿中有 {len(sets)} 个项目（每张工作表一个），请逐个检查",
                        f"the workbook holds {len(sets)} projects (one per sheet)",
                        where=Location(os.fspath(path)),
                        hint="perfrules check 会逐个检查；程序中请用 load_all (use load_all)")
    return sets[0]


def load_all(path: str | os.PathLike, *, synonyms: Synonyms = DEFAULT_SYNONYMS,
             field_specs: tuple[FieldSpec, ...] = ()) -> tuple[IndicatorSet, ...]:
    """Every indicator set in a file: a workbook may hold several projects (one per sheet).

    Each set's ``source`` names the file (and the sheet when there are several)."""
    source = os.fspath(path)
    p = Path(path)
    data = read_file(p, source)  # a regular file only, at most the file-size limit
    if is_side_file(p):
        raise DataError("这是附属文件（项目信息/评分），不是指标表",
                        "this is a side file (项目信息/评分), not an indicator table",
                        where=Location(source),
                        hint="请载入与它同名的指标表 CSV (load the indicator CSV next to it)")
    kind = _format(p, data, source)
    if kind == "xlsx":
        return load_xlsx(data, source, synonyms, field_specs)
    if kind == "csv":
        return load_csv(p, data, source, synonyms, field_specs)
    text = fields.decode(data, source) if data.strip() else ""
    if not text:
        raise DataError("文件为空", "the file is empty", where=Location(source))
    if kind == "json":
        return (load_json(text, source, synonyms, field_specs=field_specs),)
    return (load_yaml(text, source, synonyms, field_specs),)





def load_record(text: str, source: str, *, at: tuple[str, int] | None = None,
                synonyms: Synonyms = DEFAULT_SYNONYMS, field_specs: tuple[FieldSpec, ...] = ()) -> IndicatorSet:
    """An indicator set from one JSON Lines record, read like a ``.json`` file (the same
    parser, checks and limits: duplicate keys, lone surrogates, over-long numbers, depth).
    ``source`` names the record (``file:line``); ``at`` = (file, line) places positions."""
    return load_json(text, source, synonyms, at=at, field_specs=field_specs)


def load_mapping(obj: Mapping, source: str, *, synonyms: Synonyms = DEFAULT_SYNONYMS,
                 field_specs: tuple[FieldSpec, ...] = ()) -> IndicatorSet:
    """An indicator set from a parsed mapping (e.g. one JSON Lines record).

    Numbers should already be Decimal or int (``json.loads(parse_float=Decimal)``);
    errors name ``source`` and the key path, e.g. ``$.绩效指标[2].分值``.
    """
    return build(obj, Ctx(source, synonyms, field_specs=field_specs))
