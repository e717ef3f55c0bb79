"""``--format md``: a Markdown document per entry, from the report's sections
(:mod:`perfrules.report.view`); every cell of input text escaped (:func:`md_text`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .terminal import md_code, md_fence, md_text
from .view import UNSCORABLE, ReportView, SheetView
from .writer import Footer, TextWriter, skipped_lines

_cell = md_text  # every cell of input text: HTML escaped, controls shown, bars escaped


def entry(o: Any, show_na: bool = False) -> str | None:
    if o.kind == "result":
        return to_markdown([o.result])
    if o.kind == "error":
        return error_text(o.input, o.message)
    return None


class Writer(TextWriter):
    def footer_text(self, footer: Footer) -> str:
        return footer_text(footer)


def to_markdown(results: Sequence[Any]) -> str:
    out: list[str] = []
    for r in results:
        out += _report(ReportView.of(r))
    return "\n".join(out) + "\n"


def _summary(v: ReportView) -> str:
    counts = "，".join(f"{c.zh} {c.n}" for c in v.counts if c.n)
    line = f"- 发现: {len(v.findings)} 项" + (f"（{counts}）" if counts else "")
    if v.sheet is not None:
        s = v.sheet
        line += (f"\n- 总分: {s.total} / {s.max}，等级 {s.grade or '—'}" if s.total is not None
                 else f"\n- 总分: 不完整（{s.low}–{s.high} / {s.max}），不评定等级")
    return line


def _report(v: ReportView) -> list[str]:
    out = [f"# {md_text(v.title)}\n",
           f"- 输入: {md_code(v.input)}\n- 规则包: {md_text(', '.join(v.packs))}\n{_summary(v)}\n",
           "## 发现 (findings)\n"]
    if v.findings:
        out.append("| 对象 | 级别 | 规则 | 说明 | 建议 | 依据 |\n| --- | --- | --- | --- | --- | --- |")
        for f in v.findings:
            out.append("| " + " | ".join(_cell(x) for x in (
                f.target, f.severity_zh, f"{f.rule} {f.title}", f.message, f.fix, f.basis)) + " |")
    else:
        out.append("未发现问题。")
    if v.not_applicable:
        out.append("\n## 不适用 (not applicable)\n")
        out.append("| 规则 | 对象 | 原因 |\n| --- | --- | --- |")
        for x in v.not_applicable:
            out.append(f"| {_cell(x.rule)} | {_cell(x.target)} | {_cell(x.reason)} |")
    if v.sheet is not None:
        out += _sheet(v.sheet)
    out += _notes(v)
    out.append("")
    return out


def _sheet(s: SheetView) -> list[str]:
    out = ["\n## 评分表 (score sheet)\n", "| 评分项 | 分值 | 得分 | 扣分说明 |\n| --- | ---: | ---: | --- |"]
    for i in s.items:
        parts = [f"扣{d.points}：{d.reason}" for d in i.deductions]
        if not i.scored:
            parts.append(f"{UNSCORABLE}：{i.reason}")
        parts += [f"注：{note}" for note in i.notes]
        out.append(f"| {_cell(i.path)} | {i.max} | {i.shown} | {_cell('；'.join(parts))} |")
    veto = "（存在否决项）" if s.vetoed else ""
    if s.total is None:
        out.append(f"| **合计** | {s.max} | {s.low}–{s.high} | 不完整 (incomplete) |")
        out.append(f"\n{s.incomplete_line}；等级 **不评定** (no grade)" + veto)
    else:
        out.append(f"| **合计** | {s.max} | {s.total} | |")
        out.append(f"\n总分 **{s.total}**，等级 **{s.grade or '—'}**" + veto)
    if s.grade_note:
        out.append(f"\n{_cell(s.grade_note)}")
    for why in s.undecided:
        out.append(f"\n待定 (undecided)：{_cell(why)}")
    return out


def _notes(v: ReportView) -> list[str]:
    if not v.notes:
        return []
    out = ["\n## 读取说明 (input notes)\n", "| 类别 | 位置 | 说明 | 未读取 |\n| --- | --- | --- | --- |"]
    for n in v.notes:
        out.append(f"| {_cell(n.kind_zh)} | {_cell(n.where(v.input))} | {_cell(n.text)} | {'是' if n.unread else ''} |")
    return out


def error_text(source: str, message: str) -> str:
    return f"# {md_text(source)}\n\n**无法读取 (could not be read)**\n\n{md_fence(message)}\n\n"


def footer_text(footer: Footer) -> str:
    out = ["# 汇总 (summary)\n", *(f"- {_cell(x)}" for x in footer.lines)]
    if footer.skipped:
        out.append("\n## 跳过的文件 (files skipped)\n")
        out.append("| 文件 | 原因 |\n| --- | --- |")
        out += [f"| {_cell(file)} | {_cell(why)} |" for file, why in skipped_lines(footer.skipped)]
    return "\n".join(out) + "\n"
