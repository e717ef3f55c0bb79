"""Packs in words: ``perfrules explain`` (one rule) and ``perfrules docs`` (a whole catalogue).

Rendering only: it reads compiled packs and their examples and computes nothing; :func:`write`
puts a catalogue in the folder the user chose, and nowhere else.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

from ..language.visitor import NodeVisitor
from ..language.vocabulary import ZH as KEYWORD_ZH
from ..severity import BY_NAME as SEVERITY, ZH as SEVERITY_ZH

MODAL_ZH = {m: KEYWORD_ZH[m] for m in ("must", "must_not", "should", "should_not")}  # 须, 不得, 应, 不应


def meaning(rule, excerpt) -> list[str]:
    """Each statement of a rule in plain words (the 说明 line, when given, comes first)."""
    out = []
    if rule.explain:
        out.append(rule.explain)
    for cl in rule.node.clauses:
        out += _say(cl, excerpt)
    return out


class _Say(NodeVisitor):
    """Each kind of statement in plain words: one method per kind, so that a new kind of
    statement fails here until the catalogue can say it."""

    def __init__(self, excerpt):
        self.excerpt = excerpt

    def visit_Meta(self, cl) -> list[str]:
        return []

    def visit_When(self, cl) -> list[str]:
        return [f"只在「{self.excerpt(cl.cond.span)}」时检查，否则记为“不适用”。"]

    def visit_Each(self, cl) -> list[str]:
        where = f"（只看「{self.excerpt(cl.where.span)}」的指标）" if cl.where is not None else ""
        return [f"逐个检查每个指标{where}：{self.visit(cl.stmt)[0]}"]

    def visit_Requirement(self, cl) -> list[str]:
        excerpt = self.excerpt
        subject = excerpt(cl.subject.span) if cl.subject is not None else "指标"
        level = "，不满足时最多为警告" if cl.modal.startswith("should") else ""
        unless = f"；「{excerpt(cl.unless.span)}」时除外" if cl.unless is not None else ""
        return [f"{subject}{MODAL_ZH[cl.modal]}{excerpt(cl.pred.span)}{level}{unless}。"]

    def visit_Applicability(self, cl) -> list[str]:
        unless = f"；「{self.excerpt(cl.unless.span)}」时除外" if cl.unless is not None else ""
        return [f"项目类别含「{cl.project_category}」时，「{cl.category}」类指标是一项发现{unless}。"]

    def visit_Implication(self, cl) -> list[str]:
        then = "；".join(self.excerpt(c.span) for c in (cl.consequence, *cl.also))
        return [f"当「{self.excerpt(cl.cond.span)}」时：{then}。"]

    def visit_Assertion(self, cl) -> list[str]:
        return [f"须满足「{self.excerpt(cl.cond.span)}」，不满足即为一项发现。"]

    def visit_Otherwise(self, cl) -> list[str]:
        return [self.excerpt(cl.span)]


def _say(cl, excerpt) -> list[str]:
    return _Say(excerpt).visit(cl)


def _metadata(rule) -> list[tuple[str, str, str]]:
    """A rule's 依据, 来源 and 建议 that are given: (Chinese label, English label, text), in the
    order both ``explain`` and the catalogue show them."""
    return [(zh, en, text) for zh, en, text in (("依据", "basis", rule.basis),
                                               ("来源", "provenance", getattr(rule, "provenance", None)),
                                               ("建议", "fix", rule.fix)) if text]


def explain(pack, rule, cases, overrides: list[str]) -> str:
    files = {f.path: f for f in pack.compiled.files}
    src = files.get(rule.node.span.file)
    excerpt = (lambda span: src.excerpt(span).strip()) if src else (lambda span: "")
    lines = [f"{rule.id} {rule.title}（{SEVERITY[rule.severity].label}）",
             f"规则包 (pack): {pack.label}    位置 (source): {rule.source}"]
    lines += [f"{zh} ({en}): {text}" for zh, en, text in _metadata(rule)]
    lines.append("\n含义 (meaning):")
    lines += [f"  {m}" for m in meaning(rule, excerpt)]
    if src is not None:
        body = src.text.splitlines()
        a, b = rule.node.span.line, rule.node.span.end_line or rule.node.span.line
        lines.append("\n规则原文 (rule text):")
        lines += [f"{k:>5} | {body[k - 1]}" for k in range(a, min(b, len(body)) + 1)]
    if overrides:
        lines.append("\n在其他规则包中的调整 (overridden in):")
        lines += [f"  {o}" for o in overrides]
    mine = [c for c in cases if c.rule == rule.id]
    lines.append(f"\n用例 (examples): {len(mine)}")
    for c in mine:
        fires = {True: "触发", False: "不触发"}.get(c.spec.get("fires"), "得分")
        lines.append(f"  [{fires}] {c.name}  ({c.where})")
    return "\n".join(lines) + "\n"


def _md(s) -> str:
    return str(s or "").replace("|", "\\|").replace("\n", " ")


def catalogue(pack, cases) -> str:
    """One Markdown page: the pack, its grading, its rules by file, its score items."""
    files = {f.path: f for f in pack.compiled.files}
    out = [f"# 规则包 {pack.name} {pack.version}", "", pack.description or "", ""]
    if pack.years:
        out.append(f"- 适用年度: {pack.years[0]}–{pack.years[1]}")
    out.append("- 等级区间: " + "、".join(str(b) for b in pack.scoring.bands))
    out.append(f"- 否决项: 存在否决项时等级不高于「{pack.scoring.veto_cap}」")
    out.append(f"- 舍入: 保留 {pack.scoring.places} 位小数（{pack.scoring.rounding}）")
    sc = pack.scoring
    out.append("- 缺数据: 指标值与实际完成值都没填的行" + ("计 0 分" if sc.missing_data == "zero" else "无法评分")
               + "（missing_data）；数据缺失时" + ("采用输入陈述的得分，逐一注明" if sc.accept_stated
                                                 else "不采用陈述得分，该项无法评分") + "（accept_stated）")
    if sc.indicator_items:
        out.append("- 指标行计入评分项 (indicator_items): " + "、".join(f"{k} → {v}" for k, v in sc.indicator_items))
    if sc.aliases:
        out.append("- 评分项别名 (item_aliases): " + "、".join(f"{a} = {p}" for a, p in sc.aliases))
    groups: dict[str, list] = defaultdict(list)
    for r in pack.compiled.rules:
        groups[Path(r.source.rsplit(':', 1)[0]).stem].append(r)
    by_rule: dict[str, list] = defaultdict(list)
    for c in cases:
        if c.rule:
            by_rule[c.rule].append(c)
    for group in sorted(groups):
        out += ["", f"## {group}", ""]
        for r in sorted(groups[group], key=lambda r: r.id):
            if out[-1] != "":
                out.append("")
            src = files.get(r.node.span.file)
            excerpt = (lambda span, src=src: src.excerpt(span).strip()) if src else (lambda span: "")
            out += [f"### {r.id} {r.title}", "",
                    f"- 严重程度: {SEVERITY_ZH[r.severity]}", f"- 位置: `{r.source}`"]
            out += [f"- {zh}: {text}" for zh, _, text in _metadata(r)]
            out += ["", *[f"{m}" for m in meaning(r, excerpt)]]
            if src is not None:
                body = src.text.splitlines()
                a, b = r.node.span.line, r.node.span.end_line or r.node.span.line
                out += ["", "```", *body[a - 1:b], "```"]
            if by_rule.get(r.id):
                out += ["", "用例:", ""]
                for c in by_rule[r.id]:
                    fires = {True: "触发", False: "不触发"}.get(c.spec.get("fires"), "—")
                    out.append(f"- {c.name}（{fires}）")
    if pack.compiled.items:
        out += ["", "## 评分表", "", "| 评分项 | 分值 | 计分方式 | 依据 |", "| --- | ---: | --- | --- |"]
        kinds = {"formula": "公式", "ladder": "阶梯", "judgement": "评价人判断", "rows": "逐项计分"}
        for it in pack.compiled.items:
            kind = kinds.get(it.kind, it.kind) + ("（酌情）" if it.discretionary else "")
            out.append(f"| {_md(it.path)} | {it.weight} | {kind} | {_md(it.basis)} |")
    return "\n".join(out) + "\n"


def file_name(pack) -> str:
    """The catalogue's file name in the output folder: ``<name>.md``. Manifests hold ``name``
    to a plain name; a name taken from a folder's name is made one (anything but letters,
    digits, -, _ and . becomes _, no leading . or -), so it never names another folder."""
    from ..engine.packs import MAX_NAME, NAME
    name = str(pack.name)
    if len(name) > MAX_NAME or not NAME.fullmatch(name):
        name = re.sub(r"[^\w.\-]", "_", name)[:MAX_NAME].lstrip(".-") or "pack"
    return name + ".md"


def write(pack, text: str, out_dir: str) -> Path:
    """Write a pack's catalogue into ``out_dir`` (made if missing): only there, never through a
    symbolic link to a file outside it; a failed write is a message, not a traceback."""
    from ..outputs import write_atomic
    from ..errors import UsageError
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"无法创建输出文件夹「{out_dir}」：{e.strerror or e}",
                         f"cannot make the output folder {out_dir}: {e.strerror or e}") from None
    target = folder / file_name(pack)
    if Path(os.path.realpath(target)).parent != folder.resolve():
        raise UsageError(f"「{target}」是指向输出文件夹之外的符号链接，不写入",
                         f"{target} is a symlink leading out of the output folder: not written",
                         hint="请删除该链接或换一个输出文件夹 (remove the link or choose another folder)")
    try:
        write_atomic(str(target), text)
    except OSError as e:
        raise UsageError(f"无法写入「{target}」：{e.strerror or e}", f"cannot write {target}: {e.strerror or e}") from None
    return target
