"""Errors a user can cause: every one has a code, a bilingual message and a position.

A user's mistake (a rule file that does not parse, a form with a bad cell) is never
shown as a Python traceback: the CLI catches :class:`PerfrulesError` and prints
:meth:`PerfrulesError.render`, then exits with code 2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs


@attrs.frozen
class Span:
    """Where something is in a text file: 1-based line and column, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class Location:
    """Where a datum is in an input: file, and where known sheet, row and column."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None  # a path such as $.绩效指标[2].指标值 for YAML/JSON

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列「{self.column}」")
        if self.key:
            parts.append(self.key)
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


@attrs.frozen
class Suggestion:
    """A did-you-mean an error offers, for tools that fix it (the language server's quick fix):
    ``word`` as the rule file has it, and what it may be meant for, closest first. ``where``:
    the word's own place when known (else it lies within the error's span). The error's hint
    says the same in words; this only makes it readable by a program."""

    word: str
    replacements: tuple[str, ...]
    where: Span | None = None


class PerfrulesError(Exception):
    """Base of every error caused by user input; rendered without a traceback."""

    code = "E000"

    def __init__(self, zh: str, en: str, *, where: Span | Location | None = None,
                 hint: str | None = None, excerpt: str | None = None, suggestion: Suggestion | None = None):
        self.zh = zh
        self.en = en
        self.where = where
        self.hint = hint
        self.excerpt = excerpt
        self.suggestion = suggestion  # a did-you-mean as data; not rendered (the hint says it)
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.where}: " if self.where is not None else ""
        lines = [f"{head}错误 {self.zh} ({self.en})"]
        if self.excerpt:
            lines.append(self.excerpt)
        if self.hint:
            lines.append(f"  {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        where: dict[str, Any] | None = None
        if isinstance(self.where, (Span, Location)):
            where = attrs.asdict(self.where)
        return {"code": self.code, "message": self.zh, "message_en": self.en,
                "where": where, "hint": self.hint}


class RuleSyntaxError(PerfrulesError):
    """A rule file that does not parse."""

    code = "E100"


class RuleCompileError(PerfrulesError):
    """A rule file that parses but names something unknown or mixes types."""

    code = "E200"


class DataError(PerfrulesError):
    """An indicator-set input that cannot be read as the contract says."""

    code = "E300"


class PackError(PerfrulesError):
    """A policy pack whose manifest or layout is wrong."""

    code = "E400"


class UsageError(PerfrulesError):
    """A command-line call that cannot be carried out."""

    code = "E500"


def error_record(e: "PerfrulesError") -> dict[str, Any]:
    """An error as JSON output holds it: its ``to_dict()``, and a group's errors each in ``errors``."""
    d = e.to_dict()
    if isinstance(e, ErrorGroup):
        d["errors"] = [x.to_dict() for x in e.errors]
    return d


class ErrorGroup(PerfrulesError):
    """Several errors of one run (all errors of a file are reported, not only the first)."""

    code = "E001"

    def __init__(self, errors: list[PerfrulesError]):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.zh, first.en, where=first.where)

    def render(self) -> str:
        body = "\n\n".join(e.render() for e in self.errors)
        n = len(self.errors)
        return f"{body}\n\n共 {n} 个错误 ({n} error{'s' if n != 1 else ''})"

    @classmethod
    def of(cls, errors: Sequence[PerfrulesError]) -> PerfrulesError:
        """The one error itself, or a group of several (``errors`` must not be empty)."""
        if not errors:
            raise ValueError("ErrorGroup.of needs at least one error")
        return errors[0] if len(errors) == 1 else cls(list(errors))

    @classmethod
    def raise_if_any(cls, errors: Sequence[PerfrulesError]) -> None:
        """Raise the one error, or a group of several; nothing when there are none."""
        if errors:
            raise cls.of(errors)


class Errors:
    """Errors gathered while going on, to report all at once (a group's members one by one)::

        errors = Errors()
        for t in targets:
            with errors.caught():
                load(t)
        errors.raise_if_any()
    """

    def __init__(self, errors: Iterable[PerfrulesError] = ()):
        self.errors: list[PerfrulesError] = []
        for e in errors:
            self.add(e)

    def add(self, e: PerfrulesError) -> None:
        self.errors += e.errors if isinstance(e, ErrorGroup) else [e]

    @contextlib.contextmanager
    def caught(self) -> Iterator[None]:
        """Add a PerfrulesError the block raises, and go on after the block."""
        try:
            yield
        except PerfrulesError as e:
            self.add(e)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def __iter__(self) -> Iterator[PerfrulesError]:
        return iter(self.errors)

    def raise_if_any(self) -> None:
        ErrorGroup.raise_if_any(self.errors)


class InternalError(PerfrulesError):
    """Something perfrules itself did not foresee, met while handling one input or command.

    Not the user's mistake, but shown like one: a message naming the input and the
    exception, never a traceback (``PERFRULES_DEBUG=1`` shows the traceback, for a report).
    Within a run it becomes that input's error record and the other inputs go on."""

    code = "E900"

    @classmethod
    def wrap(cls, exc: BaseException, where: str | None = None) -> InternalError:
        import traceback
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "perfrules" in f.filename.replace("\\", "/")]
        last = (ours or frames or [None])[-1]
        at = "?"
        if last is not None:
            name = last.filename.replace("\\", "/")
            at = f"{'perfrules/' + name.rsplit('/perfrules/', 1)[-1] if '/perfrules/' in name else name}:{last.lineno}"
        kind = type(exc).__name__
        text = str(exc)
        text = text if len(text) <= 300 else text[:300] + "…"
        if isinstance(exc, RecursionError):
            zh, en = "输入嵌套过深，超出了 perfrules 能处理的层数", "the input is nested deeper than perfrules can handle"
        elif isinstance(exc, MemoryError):
            zh, en = "处理这一输入所需的内存超出了限制", "this input needs more memory than allowed"
        else:
            zh, en = "perfrules 内部错误", "internal error in perfrules"
        return cls(f"{zh}（{kind}: {text}，位于 {at}）", f"{en} ({kind}: {text}, at {at})",
                   where=Location(where) if where else None,
                   hint="请把这条信息（可以的话连同输入文件）报告给 perfrules 的维护者；设置 PERFRULES_DEBUG=1 "
                        "可显示完整的调用栈 (please report this, with the input if you can; PERFRULES_DEBUG=1 "
                        "shows the traceback)")

    @staticmethod
    def debugging() -> bool:
        """``PERFRULES_DEBUG`` is set: print the traceback (to stderr) besides the message."""
        import os
        return bool(os.environ.get("PERFRULES_DEBUG"))
