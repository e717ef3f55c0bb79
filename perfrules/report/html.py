"""``--format html``: a self-contained, printable web page per run (``-o 报告.html``) or a
folder with a page per project and an ``index.html`` (``-o 报告/``), from the report's
sections (:mod:`perfrules.report.view`) laid out by the jinja2 templates in ``templates/``.

- :func:`entry` renders one outcome's fragment where it was checked (a worker with ``-j N``):
  a ``<section class="project">`` per indicator set, or a section saying the input could not
  be read; a skipped file gives None (it is listed in the summary).
- :func:`document` joins rendered outcomes into one page (the run's summary first when there
  is more than one entry), with optional links at the top; :class:`Writer` writes with it, so
  the page of ``check`` and of the web server are the same.

The page fetches nothing: its CSS (``templates/report.css``) is inlined, it has no script, no
font or image by address; it carries the perfrules version but no time, so a run rendered
twice gives the same bytes. Every input text is autoescaped after :func:`printable` (the
``printable`` filter, and the environment's ``finalize`` for any string a template prints),
so a cell's ``<script>`` shows as text and a control character as a visible sign.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..outputs import write_atomic
from ..version import __version__
from . import formats
from .terminal import printable
from .view import EntryView, ReportView, RunView
from .writer import Footer, Stdout, skipped_lines

TEMPLATES = Path(__file__).resolve().parent / "templates"
INDEX = "index.html"
SLUG_MAX = 60  # characters of an input's stem kept in a page's file name
TITLE = "预算绩效指标检查报告 (perfrules)"

_ENV: Any = None  # the jinja2 Environment: made on first use, once per process


# ---- the templates -----------------------------------------------------------------------------

def _printable(value: object) -> str:
    """The ``printable`` filter: raw input text with its control characters shown; the
    autoescape then makes it safe. Markup is refused: a sign like ``<U+202E>`` put into
    markup unescaped would read as a tag."""
    from markupsafe import Markup
    if isinstance(value, Markup):
        raise TypeError("the printable filter takes raw text, not markup")
    return printable("" if value is None else str(value))


def _finalize(value: Any) -> Any:
    """Every string a template prints, shown printable too (markup made here, the CSS and
    the rendered fragments, is left as it is)."""
    from markupsafe import Markup
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


def environment() -> Any:
    """The jinja2 Environment of the templates (autoescape, StrictUndefined), made once."""
    global _ENV
    if _ENV is None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined
        from markupsafe import Markup
        env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                          undefined=StrictUndefined, finalize=_finalize, trim_blocks=True,
                          lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)
        env.filters["printable"] = _printable
        env.globals["version"] = __version__
        env.globals["css"] = Markup((TEMPLATES / "report.css").read_text(encoding="utf-8"))
        _ENV = env
    return _ENV


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


# ---- one entry ---------------------------------------------------------------------------------

def entry(o: Any, show_na: bool = False) -> str | None:
    """One outcome's HTML fragment: a checked set, or an input not read; None for a skipped file."""
    if o.kind == "result":
        return fragment(ReportView.of(o.result), show_na)
    if o.kind == "error":
        return _render("unreadable.html.j2", input=o.input, message=o.message or "")
    return None


def fragment(v: ReportView, show_na: bool = False) -> str:
    """A ``<section class="project">`` of one checked set: header, findings, score sheet,
    rules not applicable (open with ``show_na``), reading notes."""
    return _render("project.html.j2", v=v, show_na=show_na)


@attrs.frozen
class Part:
    """What a page keeps of one outcome: its summary entry and its fragment (None: skipped)."""

    entry: EntryView
    html: str | None

    @classmethod
    def of(cls, o: Any) -> Part:
        text = o.text
        if text is None and o.kind != "skipped":
            text = entry(o)  # an outcome kept as a Result, not rendered in a worker
        e = o.entry
        if e is None:
            e = (EntryView.of(ReportView.of(o.result)) if o.kind == "result"
                 else EntryView(o.input, o.kind, message=o.message))
        return cls(e, text)


@attrs.frozen
class Row:
    """One line of the summary's table of projects: its number, entry and link (None: no page)."""

    number: int | None
    entry: EntryView
    href: str | None

    @property
    def why(self) -> str:
        """Why an input was not read or was skipped: the first line of its message."""
        lines = (self.entry.message or "").strip().splitlines()
        return lines[0] if lines else ""


def _numbered(parts: Iterable[Part]) -> list[tuple[int | None, Part]]:
    """Parts with the number of their section (1, 2 …; None for a skipped file)."""
    out, n = [], 0
    for p in parts:
        if p.html is None:
            out.append((None, p))
        else:
            n += 1
            out.append((n, p))
    return out


def anchor(number: int) -> str:
    return f"p{number:03d}"


# ---- pages -------------------------------------------------------------------------------------

def _footer(footer: Footer | None) -> dict | None:
    if footer is None:
        return None
    return {"lines": tuple(footer.lines), "skipped": tuple(skipped_lines(footer.skipped))}


def _page(title: str, *, links: Sequence[tuple[str, str]] = (), run: RunView | None = None,
          rows: Sequence[Row] = (), parts: Sequence[tuple[str, str]] = (),
          footer: Footer | None = None) -> str:
    from markupsafe import Markup
    return _render("page.html.j2", title=title, links=tuple(links), run=run, rows=tuple(rows),
                   parts=tuple((a, Markup(html)) for a, html in parts), footer=_footer(footer))


def _title(parts: Sequence[Part]) -> str:
    shown = [p for p in parts if p.html is not None]
    if len(parts) == 1 and len(shown) == 1:
        return f"{shown[0].entry.title} — {TITLE}"
    return TITLE


def document(outcomes: Iterable[Any], *, links: Sequence[tuple[str, str]] = (),
             footer: Footer | None = None) -> str:
    """A whole page from outcomes rendered with ``fmt="html"`` (their ``.text`` fragments and
    ``.entry``): the run's summary first when there is more than one entry, then a section
    per entry, then ``footer`` (inputs not read, files skipped). ``links``: (label, href)
    pairs shown at the top (downloads offered by the web server)."""
    return _document([Part.of(o) for o in outcomes], links=links, footer=footer)


def _document(parts: Sequence[Part], *, links: Sequence[tuple[str, str]] = (),
              footer: Footer | None = None) -> str:
    numbered = _numbered(parts)
    rows = [Row(n, p.entry, f"#{anchor(n)}" if n else None) for n, p in numbered]
    run = RunView.of(p.entry for p in parts) if len(parts) > 1 else None
    return _page(_title(parts), links=links, run=run, rows=rows if run else (),
                 parts=[(anchor(n), p.html) for n, p in numbered if n and p.html is not None],
                 footer=footer)


# ---- a folder: a page per entry and an index ---------------------------------------------------

_NAME = re.compile(r"(.+?)(\.[A-Za-z0-9]{1,10})?(:\d+)?")


def slug(source: str) -> str:
    """A file-name-safe stem of an input: ``data/评价.yaml`` → ``评价``, ``all.jsonl:3`` →
    ``all-3``; letters and digits of any script kept, anything else (separators, spaces,
    punctuation, controls) a ``-``; at most SLUG_MAX characters; ``project`` when none is left."""
    name = re.split(r"[\\/]", source.rstrip("/\\"))[-1]
    m = _NAME.fullmatch(name)
    stem = (m.group(1) + (f"-{m.group(3)[1:]}" if m.group(3) else "")) if m else name
    out = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)
    out = re.sub(r"-{2,}", "-", out).strip("-_")[:SLUG_MAX].strip("-_")
    return out or "project"


def page_name(number: int, source: str) -> str:
    """The file of entry ``number`` in a folder: ``001-评价.html``."""
    return f"{number:03d}-{slug(source)}.html"


def write_folder(folder: str, parts: Sequence[Part], footer: Footer | None = None) -> list[str]:
    """A page per entry (skipped files have none) and ``index.html`` with the run's summary
    linking to each, every file written whole; the index last. Returns the files' names."""
    os.makedirs(folder, exist_ok=True)
    back = (("返回汇总 (index)", INDEX),)
    rows, names = [], []
    for n, p in _numbered(parts):
        name = page_name(n, p.entry.input) if n and p.html is not None else None
        if name:
            write_atomic(os.path.join(folder, name),
                         _page(f"{p.entry.title} — {TITLE}", links=back, parts=[(anchor(n), p.html)]))
            names.append(name)
        rows.append(Row(n, attrs.evolve(p.entry, page=name), name))
    run = RunView.of(r.entry for r in rows)
    write_atomic(os.path.join(folder, INDEX), _page(TITLE, run=run, rows=rows, footer=footer))
    return names + [INDEX]


class Writer:
    """Holds each entry's fragment (not its Result) and writes the page, or the folder, at
    :meth:`finish`: to ``output`` whole, or to stdout when ``output`` is None."""

    def __init__(self, output: str | None):
        self.output = output or None
        self.folder = bool(output) and formats.is_folder_target(output)
        self.parts: list[Part] = []
        self.n = 0  # sections (checked sets and inputs not read)

    def add(self, o: Any) -> None:
        p = Part.of(o)
        self.parts.append(p)
        if p.html is not None:
            self.n += 1

    def finish(self, footer: Footer | None = None) -> None:
        if self.folder:
            write_folder(self.output, self.parts, footer)
            return
        text = _document(self.parts, footer=footer)
        if self.output:
            write_atomic(self.output, text)
        else:
            Stdout().write(text)

    def abort(self, interrupted: bool = False) -> None:
        self.parts = []  # nothing was written: files are written only at finish
