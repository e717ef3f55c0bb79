"""``--format github``: GitHub Actions workflow commands, one line per finding, which the
runner turns into annotations on the files (and on the pull request's diff)::

    ::error file=examples/评价.yaml,line=42,title=N-02 指标值须可衡量::绩效指标[5] 提高网络稳定性：指标值…

veto and error → ``::error``, warning → ``::warning``, info → ``::notice``; a waived
finding is a ``::notice`` saying so. ``line`` is the finding's row (the line of the key in
YAML/JSON; for a workbook the sheet row, the sheet then named in the message). An input not
read is an ``::error`` on its file, a skipped file a ``::notice``. The last line is a plain
summary of the run.

Text is escaped as the runner unescapes it (actions/runner ``ActionCommand``): in the
message ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``; in a property also ``:`` → ``%3A`` and
``,`` → ``%2C``. Controls and reordering characters from inputs are first shown as signs
(:func:`~perfrules.report.terminal.printable`), so no input text can end a line or start a
command of its own.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import PerfrulesError, error_record
from ..severity import LEVEL, NAMES
from .sarif import Place, place, place_of_error
from .terminal import printable
from .view import ReportView
from .writer import TextWriter

# SARIF's note is a workflow's notice.
LEVELS = {name: "notice" if level == "note" else level for name, level in LEVEL.items()}


def escape_data(text: str) -> str:
    """A command's message as the runner reads it back (``%`` first)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property's value (``file=``, ``title=``) as the runner reads it back."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, *, file: str | None = None, line: int | None = None,
            title: str | None = None) -> str:
    """One workflow command line. The runner trims the properties' ends, so the values are
    trimmed here (their controls shown as signs first)."""
    props = []
    for name, value in (("file", file), ("line", line), ("title", title)):
        shown = printable(str(value)).strip() if value is not None else ""
        if shown:
            props.append(f"{name}={escape_property(shown)}")
    head = f"::{level}" + (" " + ",".join(props) if props else "")
    return f"{head}::{escape_data(printable(message))}\n"


def _at(at: Place) -> str:
    return f"工作表「{at.sheet}」 " if at.sheet else ""


def finding_line(v: ReportView, f: Any) -> str:
    at = place(v.input, f.location)
    text = _at(at) + (f"{f.target}：{f.message}" if f.target else f.message)
    if f.fix:
        text += f"\n建议 (fix)：{f.fix}"
    level = LEVELS[f.severity]
    if f.waived is not None:
        text += f"\n已豁免 (waived)：{f.waived}"
        level = "notice"
    return command(level, text, file=at.file, line=at.line, title=f"{f.rule} {f.title}")


def entry(o: Any, show_na: bool = False) -> dict[str, Any]:
    """One outcome's lines, and what the summary counts of it (plain data: it crosses from a
    worker process)."""
    if o.kind == "result":
        v = ReportView.of(o.result)
        live = Counter(f.severity for f in v.findings if f.live)
        return {"kind": "result", "text": "".join(finding_line(v, f) for f in v.findings),
                "severities": dict(live), "waived": v.waived}
    if o.kind == "error":
        at = place_of_error(o.input, o.error)
        return {"kind": "error", "text": command("error", o.message or o.input, file=at.file, line=at.line,
                                                 title="无法读取 (could not be read)")}
    return {"kind": "skipped", "text": command("notice", o.message or o.input, file=place(o.input).file,
                                               title="跳过 (skipped)")}


def run_error(e: PerfrulesError) -> str:
    """A run that cannot start, as one error annotation (formats.Format.says_errors)."""
    d = error_record(e)
    at = place_of_error("", d if (d.get("where") or {}).get("file") else next(iter(d.get("errors") or ()), d))
    return command("error", e.render(), file=at.file or None, line=at.line, title="perfrules 无法运行 (cannot run)")


class Writer(TextWriter):
    """The lines as they come; a summary line at the end."""

    def __init__(self, output: str | None):
        super().__init__(output)
        self.kinds: Counter = Counter()
        self.severities: Counter = Counter()
        self.waived = 0

    def add(self, o: Any) -> None:
        p = o.text
        if p is None:
            return
        self.kinds[p["kind"]] += 1
        self.severities.update(p.get("severities") or {})
        self.waived += p.get("waived", 0)
        if p["text"]:
            self.out.write(p["text"])
        self.n += 1

    def summary(self) -> str:
        projects = self.kinds["result"] + self.kinds["error"]
        found = ", ".join(f"{s} {self.severities[s]}" for s in NAMES if self.severities[s]) or "无 (none)"
        extra = "".join(x for x in (f"，无法读取 {self.kinds['error']} 个 ({self.kinds['error']} not read)"
                                    if self.kinds["error"] else "",
                                    f"，跳过 {self.kinds['skipped']} 个文件 ({self.kinds['skipped']} skipped)"
                                    if self.kinds["skipped"] else "",
                                    f"，已豁免 {self.waived} 项 ({self.waived} waived)" if self.waived else ""))
        plural = "" if projects == 1 else "s"
        return f"perfrules: {projects} 个项目 ({projects} project{plural}){extra}；发现 (findings): {found}\n"

    def finish(self, footer=None) -> None:
        self.out.write(self.summary())
        self.out.commit()
