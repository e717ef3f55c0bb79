"""``--format sarif``: a SARIF 2.1.0 log (OASIS, the format code-scanning services read).

One run of the tool ``perfrules``: ``tool.driver.rules`` names every rule that produced a
finding (its title; its 依据 and 建议 as the help text); one ``result`` per finding, at the
input file (a relative URI reference under ``%SRCROOT%``, percent-encoded, so 评价.yaml is
``%E8%AF%84%E4%BB%B7.yaml``) and, when the finding has one, its row as ``region.startLine``
(for YAML/JSON the line of the key, for CSV the line, for a workbook the sheet row, the
sheet then in ``logicalLocations`` and ``properties``). A waived finding carries a
suppression (``inSource``: the waiver is written in the input itself) with its reason; an
undecided one (the input leaves out what the rule needs) ``properties.undecided``. Inputs
not read are ``invocations[0].toolExecutionNotifications`` of level error, and the
invocation is then not successful; files a folder scan skipped are notes there.

A log is one JSON document: each entry is made in the worker as plain data, the parent
joins them at the end (:class:`Writer`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

import attrs

from ..errors import PerfrulesError, error_record
from ..severity import LEVEL
from ..version import __version__
from .terminal import json_safe
from .view import FindingView, ReportView
from .writer import TextWriter

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVELS = LEVEL  # veto and error → error, warning → warning, info → note
FINGERPRINT = "perfrules/v1"

_RECORD = re.compile(r"^(.*\.(?:jsonl|ndjson)):(\d+)$", re.IGNORECASE)  # a JSON Lines record: file:line
_SHEET = re.compile(r"^(.*\.(?:xlsx|xlsm))#(.+)$", re.IGNORECASE)         # one project of a workbook


# ---- where a finding is: shared by the CI formats (sarif, junit, github) -------------------------

@attrs.frozen
class Place:
    """A finding's (or an input's) place as CI tools name it: the file as given, the line
    (a sheet row for a workbook) and, for a workbook, the sheet; the key path of YAML/JSON."""

    file: str
    line: int | None = None
    sheet: str | None = None
    column: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.line is not None:
            parts.append(f"第{self.line}行")
        if self.column:
            parts.append(f"列「{self.column}」")
        if self.key:
            parts.append(self.key)
        return " ".join(parts)


def place(source: str, location: Any = None) -> Place:
    """Where a finding of the set read from ``source`` is: its location, else the input.

    An input names a JSON Lines record ``file:line`` and one project of a workbook holding
    several ``file#sheet``: the file is the part before, the line or sheet the part after."""
    loc = location if location is not None and getattr(location, "file", None) else None
    file = loc.file if loc is not None else source
    line = getattr(loc, "row", None) or getattr(loc, "line", None)
    sheet = getattr(loc, "sheet", None)
    m = _RECORD.match(file)
    if m:
        file, line = m.group(1), line or int(m.group(2))
    else:
        m = _SHEET.match(file)
        if m:
            file, sheet = m.group(1), sheet or m.group(2)
    column = getattr(loc, "column", None)
    return Place(file, line if isinstance(line, int) else None, sheet,
                 column if isinstance(column, str) else None, getattr(loc, "key", None))


def place_of_error(source: str, error: dict | None) -> Place:
    """The place of an input not read: its error's ``where`` (a Location or a Span), else the input."""
    where = (error or {}).get("where") or {}
    if not where.get("file"):
        return place(source)
    return place(source, _Where(where["file"], where.get("sheet"), where.get("row") or where.get("line"),
                                where.get("column") if isinstance(where.get("column"), str) else None,
                                where.get("key")))


@attrs.frozen
class _Where:
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None


def artifact(file: str) -> dict[str, str]:
    """A SARIF artifactLocation: a relative path as a relative URI reference under
    ``%SRCROOT%`` (percent-encoded UTF-8, ``/`` between folders), an absolute path as a
    ``file:`` URI."""
    path = file.replace("\\", "/") if os.sep == "\\" else file
    if PurePath(file).is_absolute():
        return {"uri": PurePath(file).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


# ---- one entry, in the worker ------------------------------------------------------------------

def entry(o: Any, show_na: bool = False) -> dict[str, Any]:
    """One outcome as plain data (it crosses from a worker process): a checked set's rules
    and results, or the notification of an input not read or a file skipped."""
    if o.kind == "result":
        v = ReportView.of(o.result)
        rules: dict[str, dict] = {}
        for f in v.findings:
            rules.setdefault(f.rule, rule_descriptor(f))
        return {"kind": "result", "packs": list(v.packs), "rules": rules,
                "results": [result(v, f) for f in v.findings]}
    at = place_of_error(o.input, o.error) if o.kind == "error" else place(o.input)
    note: dict[str, Any] = {
        "level": "error" if o.kind == "error" else "note",
        "message": {"text": o.message or o.input},
        "locations": [location(at)],
    }
    if o.kind == "error" and o.error and o.error.get("code"):
        note["descriptor"] = {"id": o.error["code"]}
    if o.kind == "skipped":
        note["properties"] = {"skipped": True}
    return {"kind": o.kind, "notification": note}


def rule_descriptor(f: FindingView) -> dict[str, Any]:
    """The rule of a finding: id, title, its basis and fix as help."""
    d: dict[str, Any] = {"id": f.rule, "name": f.title, "shortDescription": {"text": f.title}}
    help_lines = [x for x in (f"依据 (basis)：{f.basis}" if f.basis else "",
                              f"建议 (fix)：{f.fix}" if f.fix else "") if x]
    if help_lines:
        d["help"] = {"text": "\n".join(help_lines)}
    d["defaultConfiguration"] = {"level": LEVELS[f.severity]}
    if f.source:
        d["properties"] = {"source": f.source}
    return d


def location(at: Place) -> dict[str, Any]:
    """A SARIF location: the file, the line when known, the sheet and key path as logical
    locations, and every part of the place in ``properties``."""
    phys: dict[str, Any] = {"artifactLocation": artifact(at.file)}
    if at.line is not None and at.line >= 1:
        phys["region"] = {"startLine": at.line}
    loc: dict[str, Any] = {"physicalLocation": phys}
    logical = []
    if at.sheet:
        logical.append({"name": at.sheet, "kind": "sheet"})
    if at.key:
        logical.append({"fullyQualifiedName": at.key, "kind": "object"})
    if logical:
        loc["logicalLocations"] = logical
    props = {k: v for k, v in (("sheet", at.sheet), ("row", at.line), ("column", at.column), ("key", at.key))
             if v is not None}
    if props:
        loc["properties"] = props
    return loc


def result(v: ReportView, f: FindingView) -> dict[str, Any]:
    """One finding as a SARIF result."""
    at = place(v.input, f.location)
    text = f"{f.target}：{f.message}" if f.target else f.message
    r: dict[str, Any] = {
        "ruleId": f.rule,
        "level": LEVELS[f.severity],
        "message": {"text": text},
        "locations": [location(at)],
        "partialFingerprints": {FINGERPRINT: fingerprint(at, f)},
    }
    if f.waived is not None:
        r["suppressions"] = [{"kind": "inSource", "justification": f.waived}]
    props: dict[str, Any] = {"severity": f.severity, "target": f.target, "input": v.input}
    if v.project:
        props["project"] = v.project
    if f.fix:
        props["fix"] = f.fix
    if f.missing is not None:
        props["undecided"] = True
        props["missing"] = f.missing
    r["properties"] = props
    return r


def fingerprint(at: Place, f: FindingView) -> str:
    """A finding's identity across runs, whatever lines move: rule, file, sheet, target, message."""
    key = "\0".join((f.rule, at.file, at.sheet or "", f.target, f.message))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ---- the log, in the parent ---------------------------------------------------------------------

class Writer(TextWriter):
    """Holds the entries' rules, results and notifications; writes the log at :meth:`finish`."""

    def __init__(self, output: str | None):
        super().__init__(output)
        self.rules: dict[str, dict] = {}
        self.results: list[dict] = []
        self.notes: list[dict] = []
        self.packs: dict[str, None] = {}
        self.failed = False

    def add(self, o: Any) -> None:
        p = o.text
        if p is None:
            return
        if p["kind"] == "result":
            for rid, d in p["rules"].items():
                self.rules.setdefault(rid, d)
            self.results += p["results"]
            self.packs.update(dict.fromkeys(p["packs"]))
        else:
            self.notes.append(p["notification"])
            self.failed |= p["kind"] == "error"
        self.n += 1

    def log(self) -> dict[str, Any]:
        """The whole SARIF log of the run."""
        index = {rid: k for k, rid in enumerate(self.rules)}
        results = [{"ruleId": r["ruleId"], "ruleIndex": index[r["ruleId"]], **r} for r in self.results]
        invocation: dict[str, Any] = {"executionSuccessful": not self.failed}
        if self.notes:
            invocation["toolExecutionNotifications"] = self.notes
        run: dict[str, Any] = {
            "tool": {"driver": {"name": "perfrules", "version": __version__, "semanticVersion": __version__,
                                "rules": list(self.rules.values())}},
            "invocations": [invocation],
            "results": results,
        }
        if self.packs:
            run["properties"] = {"packs": list(self.packs)}
        return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}

    def finish(self, footer=None) -> None:
        self.out.write(json_safe(json.dumps(self.log(), ensure_ascii=False, indent=2)) + "\n")
        self.out.commit()


def run_error(e: PerfrulesError) -> str:
    """A run that cannot start, as a log on stdout (formats.Format.says_errors): no results, the
    invocation not successful, the error its notification (at its file, when it names one)."""
    d = error_record(e)
    note: dict[str, Any] = {"level": "error", "message": {"text": e.render()}, "descriptor": {"id": d["code"]}}
    first = d if (d.get("where") or {}).get("file") else next(iter(d.get("errors") or ()), d)  # a group: its first
    where = first.get("where") or {}
    if where.get("file"):
        note["locations"] = [location(place_of_error(where["file"], first))]
    w = Writer(None)
    w.notes.append(note)
    w.failed = True
    return json_safe(json.dumps(w.log(), ensure_ascii=False, indent=2)) + "\n"
