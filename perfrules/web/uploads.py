"""Uploaded files, streamed straight into the run's own folder.

Nothing of a request reaches the filesystem but file contents, under names made here:
the basename of what the browser sent (``C:\\fakepath\\评价.xlsx`` → ``评价.xlsx``,
``../../x.yaml`` → ``x.yaml``), Chinese kept, control characters and characters Windows
forbids replaced, ``.``/``..``/empty refused, a second file of the same name numbered
(``评价 (2).xlsx``). Each file is created new (``O_EXCL``, no symbolic link followed) in the
folder given, and checked to lie directly in it.

Limits are applied while the body streams in, before it is all read: the number of files,
their total size and the size of the body (HTTP 413), the number and size of the other
fields (HTTP 400). Starlette's own form parser is not used: it spools large files to the
system's temporary folder, and the files must go nowhere but the run's folder.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import attrs

from ..errors import DataError, InternalError, PerfrulesError, UsageError

try:  # python-multipart ≥ 0.0.13; earlier releases are imported as `multipart`
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header
except ImportError:  # pragma: no cover
    from multipart.exceptions import FormParserError  # type: ignore[no-redef]
    from multipart.multipart import MultipartParser, parse_options_header  # type: ignore[no-redef]

MAX_NAME = 120            # characters of a saved file name
MAX_FIELDS = 100          # form fields other than files
MAX_FIELD_BYTES = 4096    # one such field (a pack name)
OVERHEAD = 1 << 20        # a body may exceed the files' total by this much (part headers, fields)
_FORBIDDEN = set('<>:"|?*') | {chr(c) for c in range(32)} | {"\x7f"}
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


class RequestError(UsageError):
    """A request that cannot be carried out, with its HTTP status (400 unless said)."""

    status = 400


class TooLarge(RequestError):
    """Too many files, or too much data (HTTP 413)."""

    status = 413


def status_of(e: PerfrulesError) -> int:
    """The HTTP status of an error: the request's own (400, 413, 503, 504), 422 for an input
    that could not be read, 500 for perfrules' own failure."""
    if isinstance(e, InternalError):
        return 500
    if isinstance(e, DataError):
        return 422
    return getattr(e, "status", 400)


@attrs.frozen
class Limits:
    """What one request may send: files, total megabytes of files."""

    max_files: int = 20
    max_upload_mb: float = 20

    @property
    def max_bytes(self) -> int:
        return int(self.max_upload_mb * (1 << 20))

    def too_many(self) -> TooLarge:
        return TooLarge(f"文件太多：一次最多上传 {self.max_files} 个文件",
                        f"too many files: at most {self.max_files} files at a time",
                        hint="请分几次检查 (check them in several goes)")

    def too_big(self) -> TooLarge:
        mb = f"{self.max_upload_mb:g}"
        return TooLarge(f"上传的文件太大：合计不能超过 {mb} MB", f"the upload is too large: at most {mb} MB in all",
                        hint="请分几次检查，或请管理员用 --max-upload-mb 提高上限 "
                             "(check fewer files at a time, or start the server with a higher --max-upload-mb)")


def safe_name(raw: str) -> str:
    """The name a file is saved under: the basename of what was sent, made safe (see the
    module's docstring). Raises :class:`RequestError` for a name with nothing left."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join("_" if c in _FORBIDDEN else c for c in name).rstrip(". ")
    if name in ("", ".", ".."):
        shown = raw if len(raw) <= 80 else raw[:80] + "…"
        raise RequestError(f"文件名「{shown}」不能作为文件名使用", f"the file name {shown!r} cannot be used",
                           hint="请把文件改成普通的名字后再上传，如 评价.xlsx (rename the file, e.g. 评价.xlsx)")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME - len(ext) - 1] + ("." + ext if ext else "")
    return name


def _numbered(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    k = 2
    while (candidate := f"{stem} ({k})" + (f".{ext}" if ext else "")) in taken:
        k += 1
    return candidate


def create(folder: Path, name: str):
    """A new file ``name`` directly inside ``folder`` (never through a link, never outside)."""
    path = folder / name
    if path.parent != folder or os.path.basename(path) != name:  # a safe name has no separator
        raise RequestError("文件名不安全", f"unsafe file name {name!r}")
    return os.fdopen(os.open(path, _FLAGS, 0o600), "wb")


@attrs.define
class Upload:
    """What a multipart body held: the files saved (their names, in order) and the fields."""

    folder: Path
    limits: Limits
    files: list[str] = attrs.field(factory=list)
    fields: dict[str, list[str]] = attrs.field(factory=dict)
    total: int = 0
    _headers: list = attrs.field(factory=list)
    _field: bytes = b""
    _value: bytes = b""
    _name: str | None = None
    _file: object = None
    _kind: str = ""  # file | field | skip

    def field(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    # ---- python-multipart callbacks
    def on_part_begin(self) -> None:
        self._headers, self._name, self._file, self._kind, self._value = [], None, None, "", b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers.append((self._field.lower(), self._value))
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        disposition = next((v for k, v in self._headers if k == b"content-disposition"), b"")
        _, options = parse_options_header(disposition)
        self._name = _text(options.get(b"name", b""))
        if b"filename" not in options:
            if sum(len(v) for v in self.fields.values()) >= MAX_FIELDS:
                raise RequestError("表单字段太多", "too many form fields")
            self._kind = "field"
            return
        raw = _text(options[b"filename"])
        if not raw:  # a file input left empty: the browser sends a part with no name and no data
            self._kind = "skip"
            return
        if len(self.files) >= self.limits.max_files:
            raise self.limits.too_many()
        name = _numbered(safe_name(raw), set(self.files))
        self._file = create(self.folder, name)
        self.files.append(name)
        self._kind = "file"

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._kind == "file":
            self.total += len(chunk)
            if self.total > self.limits.max_bytes:
                raise self.limits.too_big()
            self._file.write(chunk)
        elif self._kind == "field":
            self._value += chunk
            if len(self._value) > MAX_FIELD_BYTES:
                raise RequestError("表单字段太长", "a form field is too long")

    def on_part_end(self) -> None:
        if self._kind == "file":
            self._file.close()
            self._file = None
        elif self._kind == "field":
            self.fields.setdefault(self._name or "", []).append(_text(self._value))
        self._value = b""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def callbacks(self) -> dict:
        return {k: getattr(self, k) for k in (
            "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value",
            "on_header_end", "on_headers_finished")}


def _text(raw: bytes) -> str:
    """A header parameter or field as sent: UTF-8 (what browsers send for a UTF-8 page)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def check_length(headers, cap: int, limits: Limits) -> None:
    """Refuse at once a body whose declared length is already past ``cap``."""
    length = headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > cap:
        raise limits.too_big()


async def receive_form(headers, stream: AsyncIterator[bytes], folder: Path, limits: Limits) -> Upload:
    """Stream a multipart/form-data body into ``folder`` (see the module's docstring)."""
    ctype, params = parse_options_header(headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise RequestError("请求应以 multipart/form-data 上传文件",
                           "the request must upload files as multipart/form-data")
    cap = limits.max_bytes + OVERHEAD
    check_length(headers, cap, limits)
    upload = Upload(folder, limits)
    parser = MultipartParser(params[b"boundary"], upload.callbacks())
    size = 0
    try:
        async for chunk in stream:
            size += len(chunk)
            if size > cap:
                raise limits.too_big()
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise RequestError("上传的内容不完整或格式不对", "the upload is incomplete or malformed") from None
    finally:
        upload.close()
    return upload


async def receive_body(headers, stream: AsyncIterator[bytes], folder: Path, name: str, limits: Limits) -> str:
    """Stream a request body (a JSON indicator set) into ``folder/name``, within the size limit."""
    check_length(headers, limits.max_bytes, limits)
    size = 0
    with create(folder, name) as fh:
        async for chunk in stream:
            size += len(chunk)
            if size > limits.max_bytes:
                raise limits.too_big()
            fh.write(chunk)
    if size == 0:
        raise RequestError("请求内容为空：请在请求体中给出指标表（JSON），或以 multipart 上传文件",
                           "the request body is empty: send an indicator set as JSON, or upload files")
    return name
