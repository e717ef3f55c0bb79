"""``--format parquet`` (``-o 结果.parquet``): a run's findings and score sheets as two Parquet
tables, for columnar pipelines (polars, DuckDB, Spark, pandas).

- ``结果.parquet``: **one row per finding** (waived ones too, with ``waived`` saying why), in the
  order of the JSON output: :data:`FINDINGS` (input, project, rule, title, severity, target,
  sheet, row, column, key, message, fix, basis, waived).
- ``结果.scores.parquet`` beside it: **one row per score-sheet item** (:data:`SCORES`), with the
  sheet's total, maximum, grade and veto repeated on each of its rows; written only when a
  checked set has a score sheet, and removed when an earlier run's is there and this one has none.
- Inputs that could not be read are not rows: they are listed (input, message, the error as
  JSON) in the findings file's key-value metadata ``perfrules.not_read``, and said on stderr
  with the run's summary, as for the other formats.

Points are doubles (4.88, 87.38: as the engine kept them, read from the report's own text).
Rows are written a row group at a time (:data:`GROUP_ROWS`), so memory stays flat; each file
is written whole or not at all (:mod:`perfrules.outputs`). pyarrow is the optional extra
``perfrules[columnar]``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import UsageError
from ..outputs import AtomicWriter
from .view import ReportView

EXTRA = ("写出 Parquet 需要可选组件 pyarrow：pip install 'perfrules[columnar]'",
         "writing Parquet needs the optional extra: pip install 'perfrules[columnar]'")
GROUP_ROWS = 65_536
NOT_READ = "perfrules.not_read"

# (column, type): "s" text, "i" whole number, "f" double, "b" yes/no, "d" the deductions
FINDINGS: tuple[tuple[str, str], ...] = (
    ("input", "s"), ("project", "s"), ("rule", "s"), ("title", "s"), ("severity", "s"), ("target", "s"),
    ("sheet", "s"), ("row", "i"), ("column", "s"), ("key", "s"), ("message", "s"), ("fix", "s"),
    ("basis", "s"), ("waived", "s"))
SCORES: tuple[tuple[str, str], ...] = (
    ("input", "s"), ("project", "s"), ("path", "s"), ("kind", "s"), ("max", "f"), ("score", "f"),
    ("stated", "f"), ("lost", "f"), ("low", "f"), ("high", "f"), ("reason", "s"), ("deductions", "d"),
    ("total", "f"), ("total_max", "f"), ("grade", "s"), ("vetoed", "b"))


def scores_path(output: str) -> str:
    """Where the score sheets go: ``结果.parquet`` → ``结果.scores.parquet``."""
    stem, _ = os.path.splitext(output)
    return stem + ".scores.parquet"


def _num(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def entry(o: Any, show_na: bool = False) -> tuple[list, list, dict | None]:
    """(finding rows, score rows, the input not read) of one outcome: plain tuples, picklable."""
    if o.kind == "error":
        return [], [], {"input": o.input, "message": o.message or "",
                        "error": json.dumps(o.error, ensure_ascii=False)}
    if o.kind != "result":
        return [], [], None
    v = ReportView.of(o.result)
    findings = []
    for f in v.findings:
        at = f.location
        findings.append((v.input, v.project, f.rule, f.title, f.severity, f.target,
                         getattr(at, "sheet", None), getattr(at, "row", None), getattr(at, "column", None),
                         getattr(at, "key", None), f.message, f.fix, f.basis, f.waived))
    scores = []
    s = v.sheet
    if s is not None:
        total = _num(s.total)
        for i in s.items:
            deductions = [{"points": _num(d.points), "rule": d.rule, "reason": d.reason} for d in i.deductions]
            scores.append((v.input, v.project, i.path, i.kind, _num(i.max), _num(i.score), _num(i.stated),
                           _num(i.lost), _num(i.low), _num(i.high), i.reason, deductions,
                           total, _num(s.max), s.grade, s.vetoed))
    return findings, scores, None


def _schema(columns: tuple[tuple[str, str], ...]):
    import pyarrow as pa
    deduction = pa.list_(pa.struct([("points", pa.float64()), ("rule", pa.string()), ("reason", pa.string())]))
    kinds = {"s": pa.string(), "i": pa.int64(), "f": pa.float64(), "b": pa.bool_(), "d": deduction}
    return pa.schema([(name, kinds[k]) for name, k in columns])


def _pyarrow():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(*EXTRA) from None
    return pq


class _Table:
    """One Parquet file written a row group at a time into a temporary file beside it."""

    def __init__(self, path: str, columns: tuple[tuple[str, str], ...]):
        self.path = path
        self.columns = columns
        self.schema = _schema(columns)
        self.rows: list[tuple] = []
        self.n = 0
        self.out: Any = None     # the AtomicWriter, once the first rows come
        self.writer: Any = None  # pyarrow's ParquetWriter on it

    def add(self, rows: list[tuple]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= GROUP_ROWS:
            self.flush()

    def _open(self) -> None:
        if self.writer is None:
            self.out = AtomicWriter(self.path, binary=True)
            self.writer = _pyarrow().ParquetWriter(self.out.fh, self.schema)

    def flush(self) -> None:
        self._open()
        if not self.rows:
            return
        import pyarrow as pa
        cols = list(zip(*self.rows))
        self.writer.write_table(pa.table([pa.array(c, type=f.type) for c, f in zip(cols, self.schema)],
                                         schema=self.schema))
        self.n += len(self.rows)
        self.rows = []

    def table(self, table) -> None:
        """Append an Arrow table of this schema (merging part files)."""
        self._open()
        if table.num_rows:
            self.writer.write_table(table.cast(self.schema))
            self.n += table.num_rows

    def finish(self, metadata: dict[str, str] | None = None) -> None:
        self.flush()
        if metadata:
            self.writer.add_key_value_metadata(metadata)
        self.writer.close()
        self.out.commit()

    def abort(self) -> None:
        if self.out is not None:
            self.out.abort()


class Writer:
    """Findings and score rows of every entry, in order; both files written whole on :meth:`finish`."""

    def __init__(self, output: str | None):
        if not output:  # formats.choose refuses this before a writer is made
            raise ValueError("the parquet format writes to a file (-o)")
        _pyarrow()
        self.output = output
        self.findings = _Table(output, FINDINGS)
        self.scores = _Table(scores_path(output), SCORES)
        self.not_read: list[dict] = []
        self.n = 0

    def add(self, o: Any) -> None:
        if o.text is None:
            return
        findings, scores, error = o.text
        self.findings.add(findings)
        self.scores.add(scores)
        if error is not None:
            self.not_read.append(error)
        self.n += 1

    def finish(self, footer=None) -> None:
        meta = {NOT_READ: json.dumps(self.not_read, ensure_ascii=False)}
        if self.scores.n or self.scores.rows:
            self.scores.finish()
        elif os.path.isfile(self.scores.path):
            os.unlink(self.scores.path)  # an earlier run's sheets: not this run's
        self.findings.finish(meta)

    def abort(self, interrupted: bool = False) -> None:
        self.findings.abort()
        self.scores.abort()


def merge(parts: list[str], output: str) -> int:
    """Part files (``part-00001.parquet`` … and their ``.scores.parquet``) joined in order into
    ``output`` and its scores file; the rows of findings written."""
    pq = _pyarrow()
    findings, scores = _Table(output, FINDINGS), _Table(scores_path(output), SCORES)
    not_read: list = []
    try:
        for part in parts:
            pf = pq.ParquetFile(part)
            for i in range(pf.metadata.num_row_groups):
                findings.table(pf.read_row_group(i))
            meta = pf.metadata.metadata or {}
            not_read += json.loads(meta.get(NOT_READ.encode(), b"[]"))
            if os.path.isfile(scores_path(part)):
                sf = pq.ParquetFile(scores_path(part))
                for i in range(sf.metadata.num_row_groups):
                    scores.table(sf.read_row_group(i))
        if scores.n:
            scores.finish()
        elif os.path.isfile(scores.path):
            os.unlink(scores.path)
        findings.finish({NOT_READ: json.dumps(not_read, ensure_ascii=False)})
    except BaseException:
        findings.abort()
        scores.abort()
        raise
    return findings.n
