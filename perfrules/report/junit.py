"""``--format junit``: a JUnit XML report, for CI services that show test results.

One ``<testsuite>`` for the run (inside ``<testsuites>``), one ``<testcase>`` per checked
project: ``classname`` the input file, ``name`` the project's name (else the input). A
project whose live (not waived) findings reach the ``--fail-on`` level has a ``<failure>``
listing them (severity, rule, title, place, message); every finding of the project,
those below the level and the waived ones too, is in its ``<system-out>``. An input not
read is a testcase with an ``<error>``; a file a folder scan skipped one with ``<skipped>``.

Built with :mod:`xml.etree.ElementTree`, which escapes the text; characters XML 1.0 cannot
hold at all are shown as :func:`~perfrules.report.terminal.printable` shows controls (or as
U+FFFD), so the file always parses.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from typing import Any

from ..errors import PerfrulesError
from ..severity import BY_NAME, ORDER
from .sarif import place, place_of_error
from .terminal import printable
from .view import ReportView
from .writer import TextWriter

# What XML 1.0 cannot hold once printable() has shown the controls: surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text that XML 1.0 can hold: controls shown as signs (tab and newline kept)."""
    return _NOT_XML.sub("\ufffd", printable(text))


def entry(o: Any, show_na: bool = False) -> dict[str, Any]:
    """One outcome as plain data (it crosses from a worker process)."""
    if o.kind == "result":
        v = ReportView.of(o.result)
        at = place(v.input)
        return {"kind": "result", "classname": at.file, "name": v.project or v.input,
                "findings": [finding(v, f) for f in v.findings]}
    at = place_of_error(o.input, o.error) if o.kind == "error" else place(o.input)
    code = (o.error or {}).get("code") if o.kind == "error" else None
    return {"kind": o.kind, "classname": at.file, "name": o.input, "message": o.message or "", "code": code}


def finding(v: ReportView, f: Any) -> dict[str, Any]:
    sev = BY_NAME[f.severity]
    return {"severity": f.severity, "text": finding_text(v, f, sev.zh), "live": f.live}


def finding_text(v: ReportView, f: Any, zh: str) -> str:
    """A finding as the failure lists it: severity, rule, title; the place; the message."""
    lines = [f"[{zh} {f.severity}] {f.rule} {f.title}",
             f"  位置 (where): {place(v.input, f.location)}" + (f"（{f.target}）" if f.target else ""),
             f"  {f.message}"]
    if f.missing is not None:
        lines.append(f"  待定 (undecided): {f.missing}")
    if f.waived is not None:
        lines.append(f"  已豁免 (waived): {f.waived}")
    return "\n".join(lines)


class Writer(TextWriter):
    """Holds the entries; writes the XML document at :meth:`finish`. ``fail_on``: the level
    from which a project's findings fail its testcase (``--fail-on``)."""

    def __init__(self, output: str | None, fail_on: str = "error"):
        super().__init__(output)
        self.fail_on = fail_on
        self.cases: list[dict] = []
        self.start = time.monotonic()

    def add(self, o: Any) -> None:
        if o.text is None:
            return
        self.cases.append(o.text)
        self.n += 1

    def failing(self, case: dict) -> list[dict]:
        """A project's live findings at or above the fail-on level."""
        floor = ORDER[self.fail_on]
        return [f for f in case.get("findings", ()) if f["live"] and ORDER[f["severity"]] >= floor]

    def document(self) -> str:
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite = ET.Element("testsuite", name="perfrules check")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="fail_on", value=self.fail_on)
        for case in self.cases:
            counts[self._case(suite, case)] += 1
        stats = {"tests": str(len(self.cases)), **{k: str(n) for k, n in counts.items() if k != "tests"}}
        suite.attrib.update(stats)
        suite.set("time", f"{time.monotonic() - self.start:.3f}")
        root = ET.Element("testsuites", {"name": "perfrules", **stats})
        root.append(suite)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def _case(self, suite: ET.Element, case: dict) -> str:
        """Add one testcase; which count it adds to (tests, failures, errors, skipped)."""
        el = ET.SubElement(suite, "testcase", classname=xml_text(case["classname"]), name=xml_text(case["name"]))
        if case["kind"] == "error":
            err = ET.SubElement(el, "error", message="无法读取 (could not be read)", type=case.get("code") or "error")
            err.text = xml_text(case["message"])
            return "errors"
        if case["kind"] == "skipped":
            ET.SubElement(el, "skipped", message=xml_text(case["message"]))
            return "skipped"
        failing = self.failing(case)
        if case["findings"]:
            ET.SubElement(el, "system-out").text = xml_text("\n\n".join(f["text"] for f in case["findings"]))
        if not failing:
            return "tests"
        worst = max((f["severity"] for f in failing), key=ORDER.__getitem__)
        fail = ET.Element("failure", type=worst,
                          message=f"{len(failing)} 项发现达到 {self.fail_on} 级 "
                                  f"({len(failing)} finding{'s' if len(failing) != 1 else ''} at or above {self.fail_on})")
        fail.text = xml_text("\n\n".join(f["text"] for f in failing))
        el.insert(0, fail)  # <failure> before <system-out>
        return "failures"

    def finish(self, footer=None) -> None:
        self.out.write(self.document())
        self.out.commit()


def run_error(e: PerfrulesError) -> str:
    """A run that cannot start, as a suite on stdout (formats.Format.says_errors): one testcase,
    ``perfrules check``, in error, so that a CI step reading the report fails with the reason."""
    w = Writer(None)
    w.cases.append({"kind": "error", "classname": "perfrules", "name": "perfrules check",
                    "code": e.code, "message": e.render()})
    return w.document()
