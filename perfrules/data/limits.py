"""The size limits of every input, in one table, and the one bounded way to read a file.

Each limit has a default far above any real form and an environment variable that
raises (or lowers) it. Exceeding one is a :class:`~perfrules.errors.DataError` (exit 2)
naming the input (sheet, row and column where it applies), the limit and how to raise
it. ``docs/inputs.md`` lists :func:`limits_text`; a test keeps the two alike.

:func:`read_file` is how the loaders read a file: only a regular file is opened (a FIFO
would block for ever, ``/dev/zero`` never ends), and at most the file-size limit plus
one byte is read.
"""

from __future__ import annotations

import os
import stat

import attrs

from ..errors import DataError, Location, Span, UsageError


@attrs.frozen
class Limit:
    """One limit: its name, default, environment variable, unit and why it is there."""

    name: str
    default: int
    env: str
    unit: str      # what the number counts: "MB", "字符 characters", …
    zh: str        # what is limited
    en: str
    reason: str    # one line: why the default is safe for real forms

    def value(self) -> int:
        """The limit in force: the environment variable's value when set, else the default."""
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            n = int(raw.replace("_", ""))
        except ValueError:
            n = 0
        if n <= 0:
            raise UsageError(f"环境变量 {self.env} 的值「{raw[:40]}」不是正整数",
                             f"the environment variable {self.env}={raw[:40]!r} is not a positive whole number",
                             hint=f"默认值为 {self.default} (the default is {self.default})")
        return n


LIMITS: dict[str, Limit] = {x.name: x for x in (
    Limit("file_mb", 100, "PERFRULES_MAX_FILE_MB", "MB", "输入文件的大小", "size of an input file",
          "a form is well under 1 MB; a file read whole must fit in memory"),
    Limit("line_mb", 10, "PERFRULES_MAX_LINE_MB", "MB", "JSON Lines 文件中一行（一个项目）的大小",
          "size of one JSON Lines line (one project)",
          "one project is kilobytes; a JSON Lines file is read line by line, so this, not the file size, bounds it"),
    Limit("cell_chars", 32_767, "PERFRULES_MAX_CELL_CHARS", "字符 characters",
          "一个单元格或字段的文本长度", "text length of one cell or field",
          "Excel's own limit for a cell; longer text is no form's content"),
    Limit("rows", 100_000, "PERFRULES_MAX_ROWS", "行 rows", "一张工作表（或 CSV）的行数",
          "rows of a sheet (or a CSV file)", "a form is at most a few thousand rows"),
    Limit("columns", 1_000, "PERFRULES_MAX_COLUMNS", "列 columns", "一张工作表（或 CSV）的列数",
          "columns of a sheet (or a CSV file)", "a form is at most a few dozen columns"),
    Limit("cells", 2_000_000, "PERFRULES_MAX_CELLS", "个 cells", "一张工作表中有内容的单元格数",
          "filled cells of one sheet", "a form has a few thousand filled cells; each costs memory"),
    Limit("merged_cells", 1_000_000, "PERFRULES_MAX_MERGED_CELLS", "个 cells",
          "一张工作表中合并区域覆盖的单元格总数", "cells covered by the merged ranges of a sheet",
          "openpyxl makes an object per merged cell: refused before it does"),
    Limit("unpacked_mb", 256, "PERFRULES_MAX_UNPACKED_MB", "MB", "XLSX 工作簿解压后的大小",
          "size of an XLSX workbook once unpacked", "stops a zip bomb before openpyxl inflates it"),
    Limit("number_chars", 100, "PERFRULES_MAX_NUMBER_CHARS", "字符 characters",
          "一个数字的书写长度（YAML、JSON）", "length of one written number (YAML, JSON)",
          "no score, amount or rate needs more digits; Python refuses integers over 4,300 digits"),
    Limit("depth", 100, "PERFRULES_MAX_DEPTH", "层 levels", "YAML/JSON 数据的嵌套层数",
          "nesting depth of YAML/JSON data", "an indicator set nests four or five levels"),
    Limit("nodes", 500_000, "PERFRULES_MAX_NODES", "个 nodes",
          "YAML/JSON 数据的节点数（别名每用一次都计数）", "nodes of YAML/JSON data (each alias use counted)",
          "stops an alias \"billion laughs\" early"),
)}


def limit(name: str) -> int:
    """The value in force of the limit ``name`` (see :data:`LIMITS`)."""
    return LIMITS[name].value()


def exceeded(name: str, where: Location | Span, zh: str, en: str, value: int | None = None, *,
             hint: str | None = None) -> DataError:
    """The error for an input past the limit ``name``: ``zh``/``en`` say what is too large
    (「单元格文本」/"the cell's text"), ``value`` how large it is; the limit, and how to
    raise it, are added (after ``hint``, what to change in the input, if given)."""
    lim = LIMITS[name]
    n = lim.value()
    unit_zh, _, unit_en = lim.unit.partition(" ")
    unit_en = unit_en or unit_zh
    got = f"（{value:,}）" if value is not None else ""
    got_en = f" ({value:,})" if value is not None else ""
    return DataError(f"{zh}超过上限 {n:,} {unit_zh}{got}", f"{en} exceeds the limit of {n:,} {unit_en}{got_en}",
                     where=where,
                     hint=(f"{hint}\n  " if hint else "") + f"如确需读取，可设置环境变量 {lim.env} 提高上限 "
                          f"(to read it anyway, raise the limit with {lim.env}=<n>)")


def limits_text() -> str:
    """The limits as a Markdown table (the defaults; docs/inputs.md holds this text)."""
    rows = ["| 限制 limit | 默认 default | 环境变量 variable | 原因 why |", "| --- | --- | --- | --- |"]
    for x in LIMITS.values():
        rows.append(f"| {x.zh} ({x.en}) | {x.default:,} {x.unit} | `{x.env}` | {x.reason} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------- reading a file

_NOT_REGULAR = ("不是普通文件（管道、设备等），无法作为输入读取",
                "not a regular file (a pipe, a device …): it cannot be read as an input")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "命名管道 (a FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件 (a device)"
    if stat.S_ISSOCK(mode):
        return "套接字 (a socket)"
    return "特殊文件 (a special file)"


def check_regular(path: str | os.PathLike, source: str) -> os.stat_result:
    """The file's status, or a DataError when it is missing, a folder or no regular file
    (a FIFO, a device, a socket: refused before anything opens it)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError("文件不存在", "no such file", where=Location(source)) from None
    except OSError as e:
        raise DataError("无法读取文件", f"cannot read the file: {e.strerror}", where=Location(source)) from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError("这是文件夹，不是文件", "this is a folder, not a file", where=Location(source))
    if not stat.S_ISREG(st.st_mode):
        raise DataError(*_NOT_REGULAR, where=Location(source), hint=f"它是{_kind(st.st_mode)}")
    return st


def open_regular(path: str | os.PathLike, source: str):
    """A binary file object of a regular file, checked before opening and again once open
    (without blocking, should the name have become a FIFO in between)."""
    check_regular(path, source)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise DataError("文件不存在", "no such file", where=Location(source)) from None
    except OSError as e:
        raise DataError("无法读取文件", f"cannot read the file: {e.strerror}", where=Location(source)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DataError(*_NOT_REGULAR, where=Location(source), hint=f"它是{_kind(st.st_mode)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file(path: str | os.PathLike, source: str) -> bytes:
    """A regular file's bytes, at most the file-size limit (larger: a DataError)."""
    cap = limit("file_mb") << 20
    with open_regular(path, source) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > cap:
            raise exceeded("file_mb", Location(source), "文件大小", "the file's size", -(-size >> 20))
        try:
            data = fh.read(cap + 1)
        except OSError as e:
            raise DataError("无法读取文件", f"cannot read the file: {e.strerror}", where=Location(source)) from None
    if len(data) > cap:
        raise exceeded("file_mb", Location(source), "文件大小", "the file's size", None)
    return data
