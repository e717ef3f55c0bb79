"""Results → text: an aligned table for a terminal, JSON and Markdown (a JSON Lines record is
``Result.to_dict()`` on one line, written by the pipeline).

Rendering only: nothing here computes a finding or a score.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tabulate import tabulate

from ..engine.results import Result
from ..severity import NAMES as SEVERITIES, ZH as SEVERITY_ZH  # the one table of severities
from .terminal import md_code, md_fence, md_text, printable


def to_json(results: Sequence[Result]) -> str:
    data = [r.to_dict() for r in results]
    return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2) + "\n"


def _by_target(r: Result):
    groups: dict[str, list] = {}
    for f in r.findings:
        groups.setdefault(f.target, []).append(f)
    return groups


def _clip(text: str, n: int = 160) -> str:
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


def to_table(results: Sequence[Result], show_na: bool = False) -> str:
    out: list[str] = []
    for r in results:
        out.append(f"== {r.input}" + (f"  {r.project}" if r.project else "") + f"  [{', '.join(r.packs)}]")
        if not r.findings:
            out.append("  未发现问题 (no findings)")
        for target, fs in _by_target(r).items():
            loc = fs[0].location
            out.append(f"\n{target}" + (f"  ({loc})" if loc else ""))
            for f in fs:
                out.append(f"  {SEVERITY_ZH[f.severity]} {f.rule} {f.title}")
                out.append(f"  {f.message}")
                if f.basis:
                    out.append(f"  依据: {f.basis}")
                if f.fix:
                    out.append(f"  建议: {f.fix}")
                if f.waived:
                    out.append(f"  已豁免: {f.waived}")
        if show_na and r.not_applicable:
            out.append("\n不适用 (not applicable)")
            out.append(tabulate([(x.rule, x.target, x.reason) for x in r.not_applicable],
                                headers=["规则", "对象", "原因"]))
        if r.score is not None:
            out += _sheet_table(r.score)
        out += _notes_table(r.input_notes, r.input)
        counts = {}
        for f in r.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        summary = "，".join(f"{SEVERITY_ZH[k]} {counts[k]}" for k in SEVERITIES if k in counts)
        out.append(f"\n共 {len(r.findings)} 项发现" + (f"（{summary}）" if summary else "")
                   + f"，{len(r.not_applicable)} 项不适用" + _notes_count(r.input_notes) + "\n")
    return printable("\n".join(out))


_md_cell = md_text  # every cell of input text: HTML escaped, controls shown, bars escaped


def to_markdown(results: Sequence[Result]) -> str:
    out: list[str] = []
    for r in results:
        out.append(f"# {md_text(r.project or r.input)}\n")
        out.append(f"- 输入: {md_code(r.input)}\n- 规则包: {md_text(', '.join(r.packs))}\n")
        out.append("## 发现 (findings)\n")
        if r.findings:
            out.append("| 对象 | 级别 | 规则 | 说明 | 建议 | 依据 |\n| --- | --- | --- | --- | --- | --- |")
            for f in r.findings:
                out.append("| " + " | ".join(_md_cell(x) for x in (
                    f.target, SEVERITY_ZH[f.severity], f"{f.rule} {f.title}", f.message, f.fix, f.basis)) + " |")
        else:
            out.append("未发现问题。")
        if r.not_applicable:
            out.append("\n## 不适用 (not applicable)\n")
            out.append("| 规则 | 对象 | 原因 |\n| --- | --- | --- |")
            for x in r.not_applicable:
                out.append(f"| {_md_cell(x.rule)} | {_md_cell(x.target)} | {_md_cell(x.reason)} |")
        if r.score is not None:
            out += _sheet_markdown(r.score)
        out += _notes_markdown(r.input_notes, r.input)
        out.append("")
    return "\n".join(out) + "\n"


# ---- score sheets -----------------------------------------------------------------------------

UNSCORABLE = "无法评分"


def _incomplete_line(s) -> str:
    return (f"总分不完整 (incomplete)：已评分 {s.scored}，无法评分 {s.unscorable} 分，"
            f"总分可能在 {s.low}–{s.high} 之间 (the total could be {s.low}–{s.high} of {s.max})")


def _sheet_table(s) -> list[str]:
    """评分表: items, total, and below them every deduction, every item that cannot be scored
    (with why and what it could still score) and every stated score the pack took."""
    out = ["\n评分表 (score sheet)"]
    rows = [(i.path, i.max, i.score if i.score is not None else UNSCORABLE,
             ((i.max - i.score) if i.score is not None else (i.max - i.highest)) or "") for i in s.items]
    if s.total is not None:
        rows.append(("合计", s.max, s.total, (s.max - s.total) or ""))
    else:
        rows.append(("合计", s.max, f"{s.low}–{s.high}", ""))
    out.append(tabulate(rows, headers=["评分项", "分值", "得分", "扣分"], disable_numparse=True))
    for i in s.items:
        for d in i.deductions:
            out.append(f"  {i.path}  扣 {d.points}  [{d.rule}]\n    {_clip(d.reason)}")
        if i.score is None:
            out.append(f"  {i.path}  {UNSCORABLE} (cannot be scored)  可能得分 {i.lowest}–{i.highest}\n"
                       f"    {_clip(i.reason or '')}")
        for note in i.notes:
            out.append(f"  {i.path}  注 (note)\n    {_clip(note)}")
    if s.total is None:
        out.append(f"\n{_incomplete_line(s)}\n总分 — / {s.max}  等级 不评定 (no grade)"
                   + ("  (否决)" if s.vetoed else ""))
    else:
        grade = s.grade or "—"
        out.append(f"\n总分 {s.total} / {s.max}  等级 {grade}" + ("  (否决)" if s.vetoed else ""))
    if s.grade_note:
        out.append(f"  {s.grade_note}")
    for why in s.undecided:
        out.append(f"  待定 (undecided): {why}")
    return out


def _sheet_markdown(s) -> list[str]:
    out = ["\n## 评分表 (score sheet)\n", "| 评分项 | 分值 | 得分 | 扣分说明 |\n| --- | ---: | ---: | --- |"]
    for i in s.items:
        parts = [f"扣{d.points}：{d.reason}" for d in i.deductions]
        if i.score is None:
            parts.append(f"{UNSCORABLE}：{i.reason}")
        parts += [f"注：{note}" for note in i.notes]
        shown = i.score if i.score is not None else f"{UNSCORABLE}（{i.lowest}–{i.highest}）"
        out.append(f"| {_md_cell(i.path)} | {i.max} | {shown} | {_md_cell('；'.join(parts))} |")
    if s.total is None:
        out.append(f"| **合计** | {s.max} | {s.low}–{s.high} | 不完整 (incomplete) |")
        out.append(f"\n{_incomplete_line(s)}；等级 **不评定** (no grade)" + ("（存在否决项）" if s.vetoed else ""))
    else:
        out.append(f"| **合计** | {s.max} | {s.total} | |")
        out.append(f"\n总分 **{s.total}**，等级 **{s.grade or '—'}**" + ("（存在否决项）" if s.vetoed else ""))
    if s.grade_note:
        out.append(f"\n{_md_cell(s.grade_note)}")
    for why in s.undecided:
        out.append(f"\n待定 (undecided)：{_md_cell(why)}")
    return out


# ---- reading notes, inputs not read, and a run's summary -------------------------------------

NOTES_SHOWN = 5  # notes of one kind listed in the table before "另有 N 处" (unread ones: all)


def _where(loc, source: str) -> str:
    """A note's place, without the file when it is the input's own."""
    text = str(loc)
    if getattr(loc, "file", None) == source and text.startswith(source):
        text = text[len(source):].strip()
    return text or "整个文件 (whole file)"


def _note_text(n) -> str:
    tip = f"（是否指「{n.suggestion}」？ did you mean {n.suggestion}?）" if n.suggestion else ""
    return f"{n.zh}{tip} ({n.en})"


def _notes_count(notes) -> str:
    if not notes:
        return ""
    unread = sum(1 for n in notes if n.unread)
    return f"，读取说明 {len(notes)} 条" + (f"（未读取 {unread} 处）" if unread else "")


def _notes_table(notes, source: str) -> list[str]:
    """读取说明: notes grouped by kind. Notes of content left unread are all listed; of
    other kinds the first few, and how many more (every one is in JSON and Markdown)."""
    from ..data.notes import KINDS
    if not notes:
        return []
    out = ["\n读取说明 (input notes)"]
    groups: dict[str, list] = {}
    for n in notes:
        groups.setdefault(n.kind, []).append(n)
    for kind, ns in groups.items():
        zh, en, _ = KINDS.get(kind, (kind, kind, True))
        unread = ns[0].unread
        out.append(f"  {zh} ({en})：{len(ns)} 处" + ("，内容未读取 (left unread)" if unread else ""))
        shown = ns if unread else ns[:NOTES_SHOWN]
        for n in shown:
            out.append(f"    {_where(n.where, source)}: {_note_text(n)}")
        if len(shown) < len(ns):
            more = len(ns) - len(shown)
            out.append(f"    …另有 {more} 处，全部见 --format json 或 md ({more} more, all in --format json or md)")
    return out


def _notes_markdown(notes, source: str) -> list[str]:
    from ..data.notes import KINDS
    if not notes:
        return []
    out = ["\n## 读取说明 (input notes)\n", "| 类别 | 位置 | 说明 | 未读取 |\n| --- | --- | --- | --- |"]
    for n in notes:
        label = KINDS.get(n.kind, (n.kind,))[0]
        out.append(f"| {_md_cell(label)} | {_md_cell(_where(n.where, source))} | {_md_cell(_note_text(n))} "
                   f"| {'是' if n.unread else ''} |")
    return out


def error_table(source: str, message: str) -> str:
    """An input that could not be read, in its place among the results."""
    body = "\n".join("  " + line for line in message.splitlines())
    return printable(f"== {source}  无法读取 (could not be read)\n{body}\n")


def error_markdown(source: str, message: str) -> str:
    return f"# {md_text(source)}\n\n**无法读取 (could not be read)**\n\n{md_fence(message)}\n\n"


def footer_table(lines: Sequence[str], skipped: Sequence) -> str:
    """A run's summary, shown when an input could not be read or a file was skipped."""
    out = ["== 汇总 (summary)", *lines]
    if skipped:
        out.append("跳过的文件 (files skipped):")
        out += [f"  {n.where.file}: {_note_text(n)}" for n in skipped]
    return printable("\n".join(out) + "\n")


def footer_markdown(lines: Sequence[str], skipped: Sequence) -> str:
    out = ["# 汇总 (summary)\n", *(f"- {_md_cell(x)}" for x in lines)]
    if skipped:
        out.append("\n## 跳过的文件 (files skipped)\n")
        out.append("| 文件 | 原因 |\n| --- | --- |")
        out += [f"| {_md_cell(n.where.file)} | {_md_cell(_note_text(n))} |" for n in skipped]
    return "\n".join(out) + "\n"
