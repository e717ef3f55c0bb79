"""Where a run's entries go: stdout, or a file written whole (``-o``), or line by line
(JSON Lines). The text formats' writers are :class:`TextWriter` with their own joins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ..outputs import AtomicWriter, LineWriter, console_text


@attrs.frozen
class Footer:
    """A run's summary shown at the end of the output when inputs were not read or skipped."""

    lines: tuple[str, ...]
    skipped: tuple[Any, ...] = ()  # the skipped_file notes


class Stdout:
    """The run's output on stdout, in what the console's encoding can hold (outputs.console_text)."""

    def write(self, text: str) -> None:
        import sys

        import click
        click.echo(console_text(text, sys.stdout), nl=False)

    def commit(self) -> None:
        pass

    def abort(self, interrupted: bool = False) -> None:
        pass


class TextWriter:
    """Text entries one after another; ``separator`` between two, ``footer`` rendered by
    :meth:`footer_text` (none by default)."""

    line_by_line = False  # JSON Lines: the file ends at the last whole line if stopped
    separator = ""

    def __init__(self, output: str | None):
        if not output:
            self.out: Any = Stdout()
        elif self.line_by_line:
            self.out = LineWriter(output)
        else:
            self.out = AtomicWriter(output)
        self.n = 0

    def add(self, o: Any) -> None:
        text = o.text
        if text is None:  # a skipped file: listed in the run's summary at the end
            return
        self.out.write((self.separator if self.n else "") + text)
        self.n += 1

    def footer_text(self, footer: Footer) -> str | None:
        return None

    def finish(self, footer: Footer | None = None) -> None:
        text = self.footer_text(footer) if footer else None
        if text:
            self.out.write((self.separator if self.n else "") + text)
        self.out.commit()

    def abort(self, interrupted: bool = False) -> None:
        self.out.abort(interrupted)


def skipped_lines(skipped: Sequence[Any]) -> list[tuple[str, str]]:
    """(file, why) of each skipped file."""
    from .view import note_view
    return [(n.where.file, note_view(n).text) for n in skipped]
