"""Indicator-set inputs (YAML, JSON, CSV, XLSX) → :class:`~perfrules.data.indicators.IndicatorSet`.

:func:`load` picks the reader by extension and checks that the content agrees (a text
file named .xlsx, a workbook named .csv and an .xls binary are refused with a reason);
a file with another extension is sniffed. :func:`load_bytes` reads the bytes of a file held
in memory (an upload) the same way, by the format given or sniffed. :func:`load_record` reads one JSON Lines record
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
import re
from collections.abc import Mapping
from pathlib import Path

from ...errors import DataError, Location, UsageError
from ..categories import DEFAULT_SYNONYMS, Synonyms
from ..declared import FieldSpec
from ..indicators import IndicatorSet
from ..limits import exceeded, limit, read_file
from . import fields
from .mapping import Ctx, build
from .signatures import OLE_MAGIC, ZIP_MAGIC
from .yaml_json import load_json, load_yaml

# The readers of tables (.sheet, .tabular, .xlsx) are imported when a table is read: a YAML
# or JSON input does not pay for them.

__all__ = ["EXTENSIONS", "FORMATS", "SIDE_KINDS", "is_side_file", "load", "load_all", "load_bytes", "load_mapping",
           "load_record"]

EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv",
              ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet"}
# A YAML document's first line is a key (``项目:``, ``绩效指标:``, ``项目: 名称, 其他``): a colon before any comma.
YAML_KEY = re.compile(rb"^[^,\t:\"']+:(\s|$)")
FORMATS = ("yaml", "json", "csv", "xlsx")  # what ``format=`` names (an extension is taken too: yml, tsv, xlsm)
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
    if re.match(rb"#[^,\t]|---(\s|$)", head):
        return "yaml"  # a comment or a document start (a CSV's first column may be headed "#," though)
    first = head.split(b"\n", 1)[0]
    return "yaml" if YAML_KEY.match(first) or (b":" in first and b"," not in first) else "csv"


def named_format(name: str, source: str) -> str:
    """The reader a ``format=`` names: yaml, json, csv or xlsx (or an extension: yml, tsv,
    .xlsm …); another name is a UsageError."""
    kind = EXTENSIONS.get("." + str(name).strip().lower().lstrip("."))
    if kind is None:
        raise UsageError(f"未知的输入格式「{name}」；可用：{'、'.join(FORMATS)}",
                         f"unknown input format {name!r}; formats: {', '.join(FORMATS)}", where=Location(source))
    return kind


def _format(path: Path | None, data: bytes, source: str, given: str | None = None) -> str:
    """The reader for a file's bytes: ``given`` (a format named by the caller), else by the
    extension of ``path``, else sniffed; a workbook given as a text format is refused."""
    ext = path.suffix.lower() if path is not None else ""
    if given is None and ext == ".xls":
        return "xlsx"  # the XLSX reader's check names the old binary format
    kind = named_format(given, source) if given is not None else EXTENSIONS.get(ext) or _sniff(data)
    binary = data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)
    if kind != "xlsx" and binary and given is not None:
        raise DataError(f"指定按 {kind} 读取，但内容是 Excel 工作簿", f"format {kind} was given but the data is an "
                        "Excel workbook", where=Location(source), hint="请指定 xlsx 格式 (give the format xlsx)")
    if kind != "xlsx" and binary:
        raise DataError(f"扩展名为 {ext or '(无)'}，但内容是 Excel 工作簿",
                        f"the file is named {ext or '(no extension)'} but holds an Excel workbook",
                        where=Location(source), hint="请把扩展名改为 .xlsx (rename it to .xlsx)")
    return kind


def only(sets: tuple[IndicatorSet, ...], source: str) -> IndicatorSet:
    """The one indicator set of an input; a workbook holding several projects is a DataError."""
    if len(sets) > 1:
        raise DataError(f"工作簿中有 {len(sets)} 个项目（每张工作表一个），请逐个检查",
                        f"the workbook holds {len(sets)} projects (one per sheet)",
                        where=Location(source),
                        hint="perfrules check 会逐个检查；程序中请用 load_all (use load_all)")
    return sets[0]


def load(path: str | os.PathLike, *, synonyms: Synonyms = DEFAULT_SYNONYMS,
         field_specs: tuple[FieldSpec, ...] = (), format: str | None = None,
         source: str | None = None) -> IndicatorSet:
    """Read the one indicator set of a file; raise DataError/ErrorGroup for bad input
    (and for a workbook holding several projects: read those with :func:`load_all`)."""
    sets = load_all(path, synonyms=synonyms, field_specs=field_specs, format=format, source=source)
    return only(sets, source or os.fspath(path))


def load_all(path: str | os.PathLike, *, synonyms: Synonyms = DEFAULT_SYNONYMS,
             field_specs: tuple[FieldSpec, ...] = (), format: str | None = None,
             source: str | None = None) -> tuple[IndicatorSet, ...]:
    """Every indicator set in a file: a workbook may hold several projects (one per sheet).

    Each set's ``source`` names the file (or ``source``, when given; and the sheet when there
    are several). ``format`` reads the file as that format whatever its extension."""
    source = source or os.fspath(path)
    p = Path(path)
    data = read_file(p, source)  # a regular file only, at most the file-size limit
    if is_side_file(p):
        raise DataError("这是附属文件（项目信息/评分），不是指标表",
                        "this is a side file (项目信息/评分), not an indicator table",
                        where=Location(source),
                        hint="请载入与它同名的指标表 CSV (load the indicator CSV next to it)")
    return _read(_format(p, data, source, format), data, source, p, synonyms, field_specs)


def load_bytes(data: bytes, source: str = "<bytes>", *, format: str | None = None,
               synonyms: Synonyms = DEFAULT_SYNONYMS, field_specs: tuple[FieldSpec, ...] = ()
               ) -> tuple[IndicatorSet, ...]:
    """Every indicator set in the bytes of a file held in memory (an upload), read as the file
    would be: ``format`` (yaml, json, csv, xlsx) or, when None, sniffed (an XLSX workbook by
    its zip signature, JSON by its first bracket, YAML by a ``key:`` first line, else CSV).
    ``source`` names the input in results and errors. The file-size limit applies; a CSV has
    no folder, so no side files (项目信息/评分) are read with it."""
    data = bytes(data)
    cap = limit("file_mb") << 20
    if len(data) > cap:
        raise exceeded("file_mb", Location(source), "文件大小", "the file's size", -(-len(data) >> 20))
    return _read(_format(None, data, source, format), data, source, None, synonyms, field_specs)


def _read(kind: str, data: bytes, source: str, path: Path | None, synonyms: Synonyms,
          field_specs: tuple[FieldSpec, ...]) -> tuple[IndicatorSet, ...]:
    """A file's bytes read as ``kind``; ``path`` (None for bytes in memory) finds a CSV's side files."""
    if kind == "parquet":  # a project a row (check reads it row group by row group: pipeline.records)
        from .parquet import load_sets
        return load_sets(data, source, synonyms, field_specs)
    if kind == "xlsx":
        from .xlsx import load_xlsx
        return load_xlsx(data, source, synonyms, field_specs)
    if kind == "csv":
        from .sheet import read_csv
        from .tabular import assemble, load_csv
        if path is None:
            return assemble(source, [read_csv(data, source)], None, None, synonyms, field_specs=field_specs)
        return load_csv(path, data, source, synonyms, field_specs)
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
