"""``--format table`` (the default): an aligned text report for a terminal, from the
report's sections (:mod:`perfrules.report.view`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .terminal import printable
from .view import UNSCORABLE, ReportView, SheetView
from .writer import Footer, TextWriter, skipped_lines

NOTES_SHOWN = 5  # notes of one kind listed before "另有 N 处" (notes of unread content: all)


def entry(o: Any, show_na: bool = False) -> str | None:
    if o.kind == "result":
        return to_table([o.result], show_na)
    if o.kind == "error":
        return error_text(o.input, o.message)
    return None  # a skipped file: listed in the run's summary at the end


class Writer(TextWriter):
    separator = "\n"

    def footer_text(self, footer: Footer) -> str:
        return footer_text(footer)


def clip(text: str, n: int = 160) -> str:
    """An evaluator's long 评价情况 shortened for the terminal (JSON and Markdown keep it whole).

    Such a text usually praises first and gives the reason for the lost points after a 但
    ("…立项依据充分…但…立项申报工作存在一定滞后性"): that part is the one kept."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    cut = text.find("但", 0, len(text) - 10)
    if cut > 0:
        tail = text[cut:]
        return "…" + (tail if len(tail) <= n else tail[:n] + "…") + "（全文见 --format json/md）"
    return text[:n] + "…（全文见 --format json/md）"


def to_table(results: Sequence[Any], show_na: bool = False) -> str:
    return printable("\n".join(line for r in results for line in _report(ReportView.of(r), show_na)))


def _report(v: ReportView, show_na: bool) -> list[str]:
    out = [f"== {v.input}" + (f"  {v.project}" if v.project else "") + f"  [{', '.join(v.packs)}]"]
    if not v.findings:
        out.append("  未发现问题 (no findings)")
    for g in v.groups:
        out.append(f"\n{g.target}" + (f"  ({g.where})" if g.where else ""))
        for f in g.findings:
            out.append(f"  {f.severity_zh} {f.rule} {f.title}")
            out.append(f"  {f.message}")
            if f.basis:
                out.append(f"  依据: {f.basis}")
            if f.fix:
                out.append(f"  建议: {f.fix}")
            if f.waived:
                out.append(f"  已豁免: {f.waived}")
    if show_na and v.not_applicable:
        from tabulate import tabulate  # here: it costs a check with no table to draw 30 ms
        out.append("\n不适用 (not applicable)")
        out.append(tabulate([(x.rule, x.target, x.reason) for x in v.not_applicable],
                            headers=["规则", "对象", "原因"]))
    if v.sheet is not None:
        out += sheet_lines(v.sheet)
    out += _notes(v)
    summary = "，".join(f"{c.zh} {c.n}" for c in v.counts if c.n)
    out.append(f"\n共 {len(v.findings)} 项发现" + (f"（{summary}）" if summary else "")
               + f"，{len(v.not_applicable)} 项不适用" + _notes_count(v) + "\n")
    return out


def sheet_lines(s: SheetView) -> list[str]:
    """评分表: items, total, and below them every deduction, every item that cannot be scored
    (with why and what it could still score) and every stated score the pack took."""
    from tabulate import tabulate  # here: it costs a check with no table to draw 30 ms
    out = ["\n评分表 (score sheet)"]
    rows = [(i.path, i.max, i.score if i.scored else UNSCORABLE, i.lost) for i in s.items]
    rows.append(("合计", s.max, s.total_shown, s.lost if s.total is not None else ""))
    out.append(tabulate(rows, headers=["评分项", "分值", "得分", "扣分"], disable_numparse=True))
    for i in s.items:
        for d in i.deductions:
            out.append(f"  {i.path}  扣 {d.points}  [{d.rule}]\n    {clip(d.reason)}")
        if not i.scored:
            out.append(f"  {i.path}  {UNSCORABLE} (cannot be scored)  可能得分 {i.low}–{i.high}\n"
                       f"    {clip(i.reason or '')}")
        for note in i.notes:
            out.append(f"  {i.path}  注 (note)\n    {clip(note)}")
    veto = "  (否决)" if s.vetoed else ""
    if s.total is None:
        out.append(f"\n{s.incomplete_line}\n总分 — / {s.max}  等级 不评定 (no grade)" + veto)
    else:
        out.append(f"\n总分 {s.total} / {s.max}  等级 {s.grade or '—'}" + veto)
    if s.grade_note:
        out.append(f"  {s.grade_note}")
    for why in s.undecided:
        out.append(f"  待定 (undecided): {why}")
    return out


def _notes_count(v: ReportView) -> str:
    if not v.notes:
        return ""
    return f"，读取说明 {len(v.notes)} 条" + (f"（未读取 {v.unread} 处）" if v.unread else "")


def _notes(v: ReportView) -> list[str]:
    """读取说明: notes grouped by kind. Notes of content left unread are all listed; of
    other kinds the first few, and how many more (every one is in JSON and Markdown)."""
    if not v.notes:
        return []
    out = ["\n读取说明 (input notes)"]
    for g in v.note_groups:
        out.append(f"  {g.zh} ({g.en})：{len(g.notes)} 处" + ("，内容未读取 (left unread)" if g.unread else ""))
        shown = g.notes if g.unread else g.notes[:NOTES_SHOWN]
        for n in shown:
            out.append(f"    {n.where(v.input)}: {n.text}")
        if len(shown) < len(g.notes):
            more = len(g.notes) - len(shown)
            out.append(f"    …另有 {more} 处，全部见 --format json 或 md ({more} more, all in --format json or md)")
    return out


def error_text(source: str, message: str) -> str:
    """An input that could not be read, in its place among the results."""
    body = "\n".join("  " + line for line in message.splitlines())
    return printable(f"== {source}  无法读取 (could not be read)\n{body}\n")


def footer_text(footer: Footer) -> str:
    """A run's summary, shown when an input could not be read or a file was skipped."""
    out = ["== 汇总 (summary)", *footer.lines]
    if footer.skipped:
        out.append("跳过的文件 (files skipped):")
        out += [f"  {file}: {why}" for file, why in skipped_lines(footer.skipped)]
    return printable("\n".join(out) + "\n")
