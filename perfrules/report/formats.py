"""The output formats of ``check``: one row each. Add a format by writing its module and
adding its row here; the command line's ``--format`` choices, the ``-o`` extensions and the
run's writer all come from this table.

A format's module (under ``perfrules.report``) holds two things:

- ``entry(outcome, show_na) -> payload``: one entry (a checked set, an input not read, a
  skipped file) in the format, made where the set was checked (a worker process with
  ``-j N``), so the parent only writes. The payload is text for text formats, rows for a
  workbook; None when the format shows nothing for the entry.
- ``Writer(output)``: joins the entries as the format joins them, on stdout (``output``
  None) or in a file written whole (:mod:`perfrules.outputs`); ``add(outcome)``,
  ``finish(footer)``, ``abort(interrupted)`` and ``n`` (entries written).

Modules are imported when the format is used, so ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import attrs

from ..errors import UsageError


@attrs.frozen
class Format:
    name: str
    module: str
    extensions: tuple[str, ...]
    zh: str
    en: str
    binary: bool = False          # bytes, never to a terminal
    folder: bool = False          # -o may name a folder: one file per entry and an index
    # The run's summary (inputs not read, files skipped) is part of the output; otherwise,
    # when inputs were not read, it goes to stderr.
    summary_inside: bool = True
    index: bool = False           # shows a summary across entries: each outcome carries an EntryView
    fail_on: bool = False         # the writer is made Writer(output, fail_on=LEVEL): it marks failures by --fail-on
    # Read by programs: a run that cannot start is written on stdout (no -o) in the format too,
    # by the module's run_error(e), besides the message on stderr.
    says_errors: bool = False


FORMATS: tuple[Format, ...] = (
    Format("table", "table", (), "终端表格", "aligned text for a terminal"),
    Format("md", "markdown", (".md", ".markdown"), "Markdown 文档", "a Markdown document"),
    Format("json", "json_out", (".json",), "JSON", "JSON", summary_inside=False, says_errors=True),
    Format("jsonl", "jsonl", (".jsonl", ".ndjson"), "JSON Lines，每行一个项目", "JSON Lines, a project a line",
           summary_inside=False, says_errors=True),
    Format("html", "html", (".html", ".htm"), "网页报告，可打印", "an HTML report, printable", folder=True,
           index=True),
    Format("xlsx", "xlsx", (".xlsx",), "Excel 工作簿：评分表、发现、读取说明",
           "an Excel workbook: score sheet, findings, reading notes", binary=True,
           index=True),
    Format("sarif", "sarif", (".sarif", ".sarif.json"), "SARIF 2.1.0，供代码扫描（GitHub 等）读取",
           "SARIF 2.1.0, for code scanning (GitHub and others)", summary_inside=False, says_errors=True),
    Format("junit", "junit", (".xml",), "JUnit XML，每个项目一个测试用例", "JUnit XML, a test case per project",
           summary_inside=False, fail_on=True, says_errors=True),
    Format("github", "github", (), "GitHub Actions 注释（工作流命令）", "GitHub Actions annotations (workflow commands)",
           summary_inside=False, says_errors=True),
    Format("parquet", "parquet", (".parquet",), "Parquet：每条发现一行，评分表另存 .scores.parquet",
           "Parquet: a row per finding, score sheets in .scores.parquet", binary=True, summary_inside=False),
)

# Names that say "text" but not which text: any text format may be written under them, and
# with no --format they hold the table.
PLAIN_TEXT = (".txt", ".text", ".log", ".out")

BY_NAME = {f.name: f for f in FORMATS}
NAMES = tuple(f.name for f in FORMATS)
DEFAULT = "table"


def get(name: str) -> Format:
    return BY_NAME[name]


def module(name: str) -> ModuleType:
    """The module that renders and writes format ``name``."""
    return importlib.import_module(f"{__package__}.{BY_NAME[name].module}")


def by_extension(path: str) -> Format | None:
    """The format an output's name says, the longest extension first (.sarif.json is sarif)."""
    name = os.path.basename(path).lower()
    named = sorted(((e, f) for f in FORMATS for e in f.extensions), key=lambda x: -len(x[0]))
    return next((f for e, f in named if name.endswith(e) and len(name) > len(e)), None)


def is_folder_target(path: str) -> bool:
    """``-o`` names a folder: an existing one, or a path ending in a separator."""
    return path.endswith(("/", os.sep)) or os.path.isdir(path)


def choose(fmt: str | None, output: str | None) -> str:
    """The format of a run: ``--format`` when given, else the one ``-o``'s extension names,
    else ``table``. A ``--format`` that the extension contradicts is refused (``-o 结果.xlsx
    --format json`` would hand someone a file Excel cannot open), and so is a binary format
    on a terminal."""
    named = by_extension(output) if output and not is_folder_target(output) else None
    plain = bool(output) and os.path.splitext(output)[1].lower() in PLAIN_TEXT
    if fmt is None and plain:
        return DEFAULT
    if fmt is None:
        if output and is_folder_target(output):
            return "html"
        if output and named is None:
            ext = os.path.splitext(output)[1] or "（无扩展名）"
            known = "、".join(e for f in FORMATS for e in f.extensions)
            raise UsageError(f"无法从输出文件「{output}」的扩展名 {ext} 判断格式",
                             f"cannot tell the format from the extension of {output}",
                             hint=f"请用 --format 指定，或使用这些扩展名之一 (use --format, or one of): {known}")
        return named.name if named else DEFAULT
    if named is not None and named.name != fmt:
        raise UsageError(f"输出文件「{output}」的扩展名是 {named.name} 格式，与 --format {fmt} 不符",
                         f"the output {output} is named as {named.name}, but --format is {fmt}",
                         hint=f"请改用 --format {named.name}，或把输出文件改名为 {BY_NAME[fmt].extensions[0]} 结尾")
    if output and is_folder_target(output) and not BY_NAME[fmt].folder:
        raise UsageError(f"「{output}」是文件夹：只有 html 格式可以写成每个项目一页",
                         f"{output} is a folder: only the html format writes a page per project",
                         hint="请给出文件名 (name a file)")
    if BY_NAME[fmt].binary and plain:
        raise UsageError(f"{fmt} 格式不能写成文本文件「{output}」", f"the {fmt} format cannot be written as the text file {output}",
                         hint=f"请把输出文件改名为 {BY_NAME[fmt].extensions[0]} 结尾")
    if BY_NAME[fmt].binary and not output:
        raise UsageError(f"{fmt} 格式须用 -o 写入文件", f"the {fmt} format must be written to a file with -o",
                         hint=f"例如 (e.g.) -o 结果{BY_NAME[fmt].extensions[0]}")
    return fmt
