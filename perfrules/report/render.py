"""Results → text: an aligned table for a terminal, JSON, JSON Lines and Markdown.

Rendering only: nothing here computes a finding or a score.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tabulate import tabulate

from ..engine.results import Result

SEVERITY_ZH = {"veto": "否决", "error": "错误", "warning": "警告", "info": "提示"}


def to_json(results: Sequence[Result]) -> str:
    data = [r.to_dict() for r in results]
    return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2) + "\n"


def to_jsonl(results: Sequence[Result]) -> str:
    return "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in results)


def error_line(e) -> str:
    """A JSON Lines record for an input that could not be read (the rest go on)."""
    where = getattr(e, "where", None)
    return json.dumps({"input": getattr(where, "file", None), "error": e.to_dict()}, ensure_ascii=False) + "\n"


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
            s = r.score
            out.append("\n评分表 (score sheet)")
            rows = [(i.path, i.max, i.score, (i.max - i.score) or "") for i in s.items]
            rows.append(("合计", s.max, s.total, (s.max - s.total) or ""))
            out.append(tabulate(rows, headers=["评分项", "分值", "得分", "扣分"], disable_numparse=True))
            for i in s.items:
                for d in i.deductions:
                    out.append(f"  {i.path}  扣 {d.points}  [{d.rule}]\n    {_clip(d.reason)}")
            grade = s.grade or "—"
            out.append(f"\n总分 {s.total} / {s.max}  等级 {grade}" + ("  (否决)" if s.vetoed else ""))
            if s.grade_note:
                out.append(f"  {s.grade_note}")
        counts = {}
        for f in r.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        summary = "，".join(f"{SEVERITY_ZH[k]} {counts[k]}" for k in ("veto", "error", "warning", "info") if k in counts)
        out.append(f"\n共 {len(r.findings)} 项发现" + (f"（{summary}）" if summary else "")
                   + f"，{len(r.not_applicable)} 项不适用\n")
    return "\n".join(out)


def _md_cell(s) -> str:
    return str(s if s is not None else "").replace("|", "\\|").replace("\n", " ")


def to_markdown(results: Sequence[Result]) -> str:
    out: list[str] = []
    for r in results:
        out.append(f"# {r.project or r.input}\n")
        out.append(f"- 输入: `{r.input}`\n- 规则包: {', '.join(r.packs)}\n")
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
            s = r.score
            out.append("\n## 评分表 (score sheet)\n")
            out.append("| 评分项 | 分值 | 得分 | 扣分说明 |\n| --- | ---: | ---: | --- |")
            for i in s.items:
                why = "；".join(f"扣{d.points}：{d.reason}" for d in i.deductions)
                out.append(f"| {_md_cell(i.path)} | {i.max} | {i.score} | {_md_cell(why)} |")
            out.append(f"| **合计** | {s.max} | {s.total} | |")
            out.append(f"\n总分 **{s.total}**，等级 **{s.grade or '—'}**" + ("（存在否决项）" if s.vetoed else ""))
        out.append("")
    return "\n".join(out) + "\n"
