"""Fidelity: how much of an experienced reviewer's findings the default packs catch on real tables.

The nine real published tables in ``tests/corpus/`` each carry a reviewer's ``预期问题`` list;
``tests/corpus/expected.yaml`` annotates every item of it by hand (kind of problem, the rows or
blocks it concerns, whether it is conditional). This script runs the DEFAULT bundled packs over
each table, with the transcriber's remarks stripped first, and matches findings to items:

* an item is **caught** when some finding (not an undecided one) has a rule whose kinds in
  ``RULE_KINDS`` include the item's ``kind`` or one of its ``also`` kinds, and the finding's target
  names one of the item's rows or blocks (see ``BLOCK_SCOPE``); for ``missing_category`` the
  rule's categories (``RULE_CATEGORIES``) must meet the item's ``category`` when both are known;
* **recall** = caught ÷ listed over *firm* items: problem items that are neither ``conditional``
  nor ``unseen`` (evidence not in the transcribed data) nor of a kind in ``not_scored``
  (``parser_note``). Conditional and unseen items are matched and reported on their own lines,
  never in the headline figure;
* a finding that catches no item is **unmatched**: ``off_kind`` when its target is a row or block
  the reviewer flagged for something else, ``unlisted`` when the reviewer flagged nothing there;
* a **false alarm on a sound row** is an error (or veto) finding, not undecided and catching no
  item, whose own target is a row or block that a ✓ item names.

``python bench/fidelity.py`` prints the report; ``--json`` prints it as one JSON object;
``--pack NAME`` (repeatable) runs other bundled packs instead of the defaults. Importable:
``measure()`` returns the report as a dict, ``validate_annotation()`` lists annotation mistakes.
Deterministic; the whole corpus takes well under a second.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from perfrules.data.loaders import load  # noqa: E402
from perfrules.engine.packs import default_packs, load_pack  # noqa: E402
from perfrules.engine.runner import run  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
EXPECTED = CORPUS / "expected.yaml"

# Transcriber's remarks: not printed on any form, so never shown to the engine.
REMARK_KEYS = frozenset({"备注", "原文"})
TOP_LEVEL_REMARKS = frozenset({"预期问题"})

# Rule id → the kinds of reviewer item (tests/corpus/expected.yaml `kinds`) a finding of that rule
# is evidence for. Filled from policies/national/*.rules, policies/national-selfeval/*.rules and the
# built-in checks of perfrules/engine/reconcile.py. An empty list means: the rule checks something
# no reviewer item is about. A rule missing here is reported as unmapped: add it when you add a rule.
RULE_KINDS: dict[str, list[str]] = {
    # policies/national/指标规范.rules (the default pack)
    "N-01": ["indicator_name"],                          # 三级指标须有名称
    "N-02": ["vague_target"],                            # 指标值须可衡量
    "N-03": ["finance_as_output"],                       # 管理类指标不得作为产出或效益
    "N-04": ["category_mismatch"],                       # 生态效益不适用于信息化运维
    "N-05": ["missing_category"],                        # 须同时设置产出指标和效益指标
    "N-06": ["missing_category"],                        # 应设置满意度指标
    # 名实相符: a rate wants %, a time limit a duration, a qualitative value the name's subject.
    "N-07": ["missing_unit", "indicator_name", "vague_target"],
    "N-08": ["category_label"],                          # 二级指标应属于其一级指标
    "N-09": [],                                          # 量化指标应写明计算方法: no item asks for it
    # 实际完成值应达到指标值: no item is "target missed" as such; the reviewer flags what follows from
    # a miss (a full score anyway: arithmetic; no reason given: deviation_reason), which N-10 does not check.
    "N-10": [],
    "N-11": ["unverified_full_marks"],                   # 自评完成情况应有佐证材料
    "N-12": ["target_setting"],                          # 完成值远超指标值 (target set too low)
    "N-13": [],                                          # 自评指标应与申报指标一致 (needs the 申报 stage)
    "N-14": ["category_label"],                          # 应填写一级、二级指标
    "N-15": ["missing_unit"],                            # 指标值应带与名称相符的单位
    "N-16": ["category_mismatch"],                       # 指标名称应与所在的二级指标相符
    "N-17": ["vague_target", "indicator_name"],          # 只写方向的名称不应配百分数
    "N-18": ["survey_basis"],                            # 满意度指标应写明调查方式
    "N-19": ["missing_output", "missing_category"],      # 产出指标应计量项目交付的产品或服务
    "N-20": ["input_as_output"],                         # 产出指标值不应照抄预算金额
    "N-21": ["ceiling"],                                 # 比率的指标值不应定在上限之外
    "N-22": ["duplicate"],                               # 同一事项不应重复设置指标
    "N-23": ["unverified_full_marks", "missing_actual"], # 满分须有可核验的指标值和实际完成值
    "N-24": ["missing_actual", "unscored"],              # 自评应填写实测的实际完成值
    "N-25": ["category_label"],                          # 一级、二级指标应使用规范名称
    "N-26": ["missing_category"],                        # 涉及生态环境的项目应设置生态效益指标
    "N-27": ["missing_category"],                        # 产出指标应包括数量、质量和时效指标
    "N-28": ["indicator_name"],                          # 指标名称应说明考核的对象
    "N-29": ["header"],                                  # 主管部门与实施单位不应颠倒
    # policies/national-selfeval/*.rules (not a default pack; for --pack)
    "S-01": ["arithmetic"],                              # 定性指标得分应在其评级的区间内
    "S-02": ["vague_target"],                            # 定性指标应填写三档评级之一
    "S-03": ["missing_actual"],                          # 定量指标的实际完成值应为数值
    "S-04": ["fund_block"],                              # 执行率低于90%应说明原因
    # policies/national/表单核对.rules (the default pack: reading the whole 自评表)
    "F-01": ["fund_block"],                              # 预算调整应说明理由
    "F-02": ["fund_block"],                              # 执行率低于90%应说明原因
    "F-03": ["fund_block", "unverified_full_marks"],     # 执行率偏低时指标不应全部满分
    "F-04": ["deviation_reason"],                        # 未达到或大幅超出指标值应说明偏差原因
    "F-05": ["deviation_reason"],                        # 偏差原因应说明偏差
    "F-06": ["weight_split"],                            # 一级指标分值应为产出50分、效益30分、满意度10分
    "F-07": ["goal_text"],                               # 年度目标不应只写资金安排
    "F-08": ["goal_text"],                               # 年度目标应写明要达到的效果
    "F-09": ["goal_text"],                               # 实际完成情况不应照抄预期目标
    "F-10": ["goal_text"],                               # 实际完成情况应写明完成了多少
    "F-11": ["goal_text"],                               # 有错误时存在问题不应填「无」
    # perfrules/engine/reconcile.py (built in, always run)
    "RC-01": ["arithmetic"],                             # 评分项得分不得超过分值
    "RC-02": ["arithmetic"],                             # 小计应等于所含评分项之和
    "RC-03": ["arithmetic"],                             # 总分应等于各评分项之和
    "RC-04": ["arithmetic"],                             # 等级应与总分及否决项相符
    "RC-05": ["arithmetic", "fund_block"],               # 执行率应等于支出除以年度预算
    "RC-06": ["missing_unit"],                           # 金额单位应一致
    "RC-07": ["fund_block", "arithmetic"],               # 同一支出数的多处表述应一致
    "RC-08": ["arithmetic"],                             # 评分项得分应等于分值减去所列扣分
    "RC-09": ["arithmetic"],                             # 陈述得分应与计算得分一致
    "RC-10": ["duplicate", "arithmetic"],                # 同一评分项只应给一次分
    "RC-11": ["unclear_reading"],                        # 评分行应对应规则包的评分项
    "RC-12": ["fund_block", "arithmetic"],               # 各资金来源之和应等于资金总额
    "RC-13": ["fund_block", "arithmetic"],               # 资金来源的执行率应等于其支出除以年度预算
    "RC-14": ["arithmetic", "fund_block"],               # 执行率得分应等于执行率分值乘以执行率
    "RC-15": ["arithmetic", "weight_split"],             # 一级指标分值应等于所含指标分值之和
    "RC-16": ["arithmetic"],                             # 总分分值应等于各指标分值与执行率分值之和
    "RC-17": ["arithmetic"],                             # 总分应等于各指标得分与执行率得分之和
    # 定量指标得分应与完成率相符: an under-score is also reported as a deduction with no reason.
    "RC-18": ["arithmetic", "deviation_reason"],
    "WV-01": [],                                         # 豁免应对应实际发现
}
# Findings of what scoring meets while it makes a pack's score sheet (SS-nn, the built-in
# checks of perfrules/engine/scoring.py; title 评分表核对 before they had ids).
SCORE_ITEM_KINDS = ["arithmetic", "unscored", "weight_split"]

# For missing_category: which categories a rule's finding says are missing (exact names; an item's
# `category` must meet them). Rules not listed match any missing_category item.
RULE_CATEGORIES: dict[str, set[str]] = {
    "N-05": {"产出指标", "效益指标"},
    "N-06": {"满意度指标"},
}

# A project-level finding's target → the item blocks it may catch. Row findings catch their row and
# 指标表. `项目` is the whole project: the kind decides what it is about.
ALL_BLOCKS = frozenset({"项目", "预算", "绩效目标", "陈述", "总分", "评分表", "指标表"})
BLOCK_SCOPE: dict[str, frozenset[str]] = {
    "项目": ALL_BLOCKS,
    "预算": frozenset({"预算"}),
    "评分表": frozenset({"评分表", "总分"}),
    "总分": frozenset({"总分", "评分表"}),
}
OTHER_SCOPE = frozenset({"评分表", "总分"})  # a score item's path, 豁免 …
# For false alarms, a finding sits exactly on: its row, or this block.
BLOCK_EXACT: dict[str, frozenset[str]] = {
    "项目": frozenset({"项目"}),
    "预算": frozenset({"预算"}),
    "评分表": frozenset({"评分表", "总分"}),
    "总分": frozenset({"总分"}),
}

ROW_TARGET = re.compile(r"^绩效指标\[(\d+)\]")
ROW_KEY = re.compile(r"绩效指标\[(\d+)\]")
NAME_PREFIX = re.compile(r"^指标\s*\d+\s*[:：]")
ERRORS = ("error", "veto")


# ---- input --------------------------------------------------------------------------------

def strip_remarks(obj, top: bool = True):
    """A copy without the transcriber's remarks: 备注 and 原文 anywhere, 预期问题 at the top."""
    if isinstance(obj, dict):
        return {k: strip_remarks(v, False) for k, v in obj.items()
                if k not in REMARK_KEYS and not (top and k in TOP_LEVEL_REMARKS)}
    if isinstance(obj, list):
        return [strip_remarks(x, False) for x in obj]
    return obj


def _yaml(path: Path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_expected(path: Path = EXPECTED) -> dict:
    return _yaml(path)


def table_files(corpus: Path = CORPUS) -> list[Path]:
    return sorted(p for p in corpus.glob("*.yaml") if p.name != EXPECTED.name)


def row_names(data: dict) -> list[str | None]:
    """三级指标 of each 绩效指标 row as written (None for a category row with no indicator)."""
    out = []
    for r in data.get("绩效指标") or []:
        name = r.get("三级指标") if isinstance(r, dict) else None
        out.append(str(name) if name is not None else None)
    return out


def _norm(name: str) -> str:
    return NAME_PREFIX.sub("", re.sub(r"\s+", "", name or ""))


def _targets(item: dict) -> list[str]:
    t = item.get("target") or []
    return [str(x) for x in (t if isinstance(t, list) else [t])]


def validate_annotation(expected: dict | None = None, corpus: Path = CORPUS) -> list[str]:
    """Mistakes in the annotation: missing or extra tables and items, ✓ marks that disagree, unknown
    kinds, targets that name neither a row of the table nor a known block."""
    expected = expected if expected is not None else load_expected()
    kinds = set(expected.get("kinds") or {})
    blocks = set(expected.get("blocks") or {})
    tables = expected.get("tables") or {}
    problems = []
    files = {p.name: p for p in table_files(corpus)}
    for name in sorted(set(files) - set(tables)):
        problems.append(f"{name}: not annotated")
    for name in sorted(set(tables) - set(files)):
        problems.append(f"{name}: annotated but not in the corpus")
    for name in sorted(set(files) & set(tables)):
        data = _yaml(files[name])
        listed = data.get("预期问题") or []
        items = tables[name] or []
        rows = {r for r in row_names(data) if r is not None}
        if len(items) != len(listed):
            problems.append(f"{name}: {len(items)} entries for {len(listed)} 预期问题 items")
        for k, item in enumerate(items):
            where = f"{name} #{k + 1}"
            if item.get("n") != k + 1:
                problems.append(f"{where}: n is {item.get('n')}, expected {k + 1}")
            text = str(listed[k]) if k < len(listed) else ""
            if bool(item.get("ok")) != text.startswith("✓"):
                problems.append(f"{where}: ok is {bool(item.get('ok'))} but the item "
                                f"{'starts' if text.startswith('✓') else 'does not start'} with ✓")
            if item.get("ok"):
                if item.get("kind") or item.get("also"):
                    problems.append(f"{where}: a ✓ item has a kind")
            else:
                if item.get("kind") not in kinds:
                    problems.append(f"{where}: unknown kind {item.get('kind')!r}")
                for a in item.get("also") or []:
                    if a not in kinds:
                        problems.append(f"{where}: unknown kind {a!r} in also")
            targets = _targets(item)
            if not targets:
                problems.append(f"{where}: no target")
            for t in targets:
                if t not in rows and t not in blocks:
                    problems.append(f"{where}: target {t!r} is neither a 三级指标 of the table nor a block")
            if item.get("category") and "missing_category" not in [item.get("kind"), *(item.get("also") or [])]:
                problems.append(f"{where}: category given but the item is not missing_category")
    return problems


# ---- running ------------------------------------------------------------------------------

def run_table(path: Path, packs) -> tuple[dict, object, object]:
    """(original data, indicator set, result) for one corpus table, remarks stripped first."""
    data = _yaml(path)
    clean = strip_remarks(data)
    with tempfile.TemporaryDirectory(prefix="perfrules-fidelity-") as tmp:
        copy = Path(tmp) / path.name
        with open(copy, "w", encoding="utf-8") as fh:
            yaml.safe_dump(clean, fh, allow_unicode=True, sort_keys=False)
        iset = load(copy)
        result = run(packs, iset)
    return data, iset, result


def _finding_row(f, iset, names: list[str | None]) -> str | None:
    """The table's own 三级指标 name of the row a finding is on, or None for a project-level one."""
    m = ROW_TARGET.match(f.target or "") or ROW_TARGET.match(f.message or "")
    if not m:
        return None
    k = int(m.group(1)) - 1
    ind = iset.indicators[k] if 0 <= k < len(iset.indicators) else None
    loc = getattr(ind, "location", None)
    key = ROW_KEY.search(getattr(loc, "key", None) or "") if loc is not None else None
    if key:  # the YAML row the loader read it from ($.绩效指标[N], 1-based)
        j = int(key.group(1)) - 1
        if 0 <= j < len(names) and names[j] is not None:
            return names[j]
    # Else by name (the loader strips a template prefix such as 指标1:).
    name = getattr(ind, "name", None) or (f.target or "").split(" ", 1)[-1]
    for n in names:
        if n is not None and _norm(n) == _norm(name):
            return n
    return name


def _kinds_of(f) -> list[str] | None:
    if f.rule in RULE_KINDS:
        return RULE_KINDS[f.rule]
    if f.title == "评分表核对" or (f.rule or "").startswith("SS-"):  # the score sheet's built-in checks
        return SCORE_ITEM_KINDS
    return None


def _scope(f, row: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """(what a finding may catch, where it exactly sits): row names and block names."""
    if row is not None:
        return frozenset({row, "指标表"}), frozenset({row})
    t = (f.target or "").strip()
    return BLOCK_SCOPE.get(t, OTHER_SCOPE), BLOCK_EXACT.get(t, OTHER_SCOPE)


def _catches(f, kinds: list[str], scope: frozenset[str], item: dict) -> str | None:
    """The item's kind (its own or one of `also`) that the finding catches it as, if any."""
    if item.get("ok"):
        return None
    if not scope & set(_targets(item)):
        return None
    for k in [item.get("kind"), *(item.get("also") or [])]:
        if k not in kinds:
            continue
        if k == "missing_category" and item.get("category") and f.rule in RULE_CATEGORIES:
            if not RULE_CATEGORIES[f.rule] & set(item["category"]):
                continue
        return k
    return None


def _status(item: dict, not_scored: set[str]) -> str:
    if item.get("ok"):
        return "ok"
    if item.get("kind") in not_scored:
        return "not_scored"
    if item.get("unseen"):
        return "unseen"
    if item.get("conditional"):
        return "conditional"
    return "firm"


def _short(text: str, n: int = 140) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n - 1] + "…"


def measure(corpus: Path = CORPUS, expected: dict | None = None, packs: list[str] | None = None) -> dict:
    """Run the packs over the corpus and match findings to the annotated items."""
    expected = expected if expected is not None else load_expected()
    names = packs or default_packs()
    loaded = [load_pack(p) for p in names]
    not_scored = set(expected.get("not_scored") or [])
    kinds_order = list(expected.get("kinds") or {})
    tables_out = []
    per_kind = {k: Counter() for k in kinds_order}
    totals = Counter()
    unmapped: Counter = Counter()
    for path in table_files(corpus):
        items = (expected.get("tables") or {}).get(path.name) or []
        data, iset, result = run_table(path, loaded)
        listed = data.get("预期问题") or []
        rows = row_names(data)
        confirmed = set()
        flagged = set()
        for it in items:
            (confirmed if it.get("ok") else flagged).update(_targets(it))
        caught_by: dict[int, list[str]] = {it["n"]: [] for it in items}
        as_kind: dict[int, set[str]] = {it["n"]: set() for it in items}
        unmatched, false_alarms = [], []
        for f in result.findings:
            row = _finding_row(f, iset, rows)
            scope, exact = _scope(f, row)
            kinds = _kinds_of(f)
            if kinds is None:
                unmapped[f.rule] += 1
                kinds = []
            undecided = getattr(f, "missing", None) is not None
            hits = [] if undecided else [(it["n"], k) for it in items
                                         if (k := _catches(f, kinds, scope, it)) is not None]
            ref = f"{f.rule} {f.severity} {row if row is not None else f.target}"
            for n, k in hits:
                caught_by[n].append(ref)
                as_kind[n].add(k)
            if hits:
                continue
            entry = {"rule": f.rule, "severity": f.severity, "target": row if row is not None else f.target,
                     "message": _short(f.message), "undecided": undecided,
                     "relation": "off_kind" if exact & flagged else "unlisted"}
            unmatched.append(entry)
            if f.severity in ERRORS and not undecided and exact & confirmed:
                sound = [it["n"] for it in items if it.get("ok") and exact & set(_targets(it))]
                false_alarms.append({**entry, "confirmed_by": sound})
        out_items = []
        for it in items:
            k = it["n"] - 1
            st = _status(it, not_scored)
            rec = {"n": it["n"], "status": st, "kind": it.get("kind"), "target": _targets(it),
                   "caught": bool(caught_by[it["n"]]), "by": caught_by[it["n"]],
                   "via_also": bool(caught_by[it["n"]]) and it.get("kind") not in as_kind[it["n"]],
                   "text": _short(listed[k] if k < len(listed) else "")}
            out_items.append(rec)
            if st == "ok":
                totals["ok"] += 1
                continue
            totals[f"{st}_listed"] += 1
            totals[f"{st}_caught"] += rec["caught"]
            totals[f"{st}_via_also"] += rec["via_also"]
            c = per_kind.setdefault(it.get("kind"), Counter())
            c[f"{st}_listed"] += 1
            c[f"{st}_caught"] += rec["caught"]
        firm = [r for r in out_items if r["status"] == "firm"]
        tables_out.append({
            "file": path.name,
            "stage": data.get("阶段"),
            "findings": len(result.findings),
            "firm_caught": sum(r["caught"] for r in firm),
            "firm_listed": len(firm),
            "items": out_items,
            "unmatched": unmatched,
            "false_alarms": false_alarms,
        })
        totals["findings"] += len(result.findings)
        totals["unmatched"] += len(unmatched)
        totals["false_alarms"] += len(false_alarms)
        for u in unmatched:
            totals[f"unmatched_{u['severity']}"] += 1
    listed, caught = totals["firm_listed"], totals["firm_caught"]
    return {
        "packs": names,
        "recall": (caught / listed) if listed else 0.0,
        "totals": {
            "firm": {"caught": caught, "listed": listed, "caught_via_also": totals["firm_via_also"]},
            "conditional": {"caught": totals["conditional_caught"], "listed": totals["conditional_listed"]},
            "unseen": {"caught": totals["unseen_caught"], "listed": totals["unseen_listed"]},
            "not_scored": totals["not_scored_listed"],
            "confirmations": totals["ok"],
            "findings": totals["findings"],
            "unmatched": totals["unmatched"],
            "unmatched_by_severity": {s: totals[f"unmatched_{s}"] for s in ("veto", "error", "warning", "info")},
            "false_alarms_on_sound_rows": totals["false_alarms"],
        },
        "per_kind": {k: {"caught": c["firm_caught"], "listed": c["firm_listed"],
                         "conditional_caught": c["conditional_caught"], "conditional_listed": c["conditional_listed"],
                         "unseen_listed": c["unseen_listed"], "not_scored": c["not_scored_listed"]}
                     for k, c in per_kind.items() if sum(c.values())},
        "unmapped_rules": dict(sorted(unmapped.items())),
        "tables": tables_out,
    }


# ---- report -------------------------------------------------------------------------------

def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}%" if b else "–"


def render(report: dict) -> str:
    t = report["totals"]
    out = [f"Fidelity on tests/corpus ({len(report['tables'])} tables), packs: {', '.join(report['packs'])}",
           f"recall (firm items): {t['firm']['caught']} / {t['firm']['listed']} = {100 * report['recall']:.1f}% "
           f"({t['firm']['caught_via_also']} of them only through a kind in `also`)",
           f"conditional items caught: {t['conditional']['caught']} / {t['conditional']['listed']} (not in recall); "
           f"unseen: {t['unseen']['caught']} / {t['unseen']['listed']}; parser notes (not scored): {t['not_scored']}; "
           f"✓ confirmations: {t['confirmations']}",
           f"findings: {t['findings']}, matched to no item: {t['unmatched']} "
           + "(" + ", ".join(f"{s} {n}" for s, n in t["unmatched_by_severity"].items() if n) + ")",
           f"error findings on rows/blocks the reviewer confirmed sound: {t['false_alarms_on_sound_rows']}", ""]
    if report["unmapped_rules"]:
        out.append("rules not in RULE_KINDS (add them): " +
                   ", ".join(f"{r} ×{n}" for r, n in report["unmapped_rules"].items()))
        out.append("")
    out.append(f"{'kind':24} {'caught':>7} {'listed':>7} {'recall':>7}   conditional  unseen")
    for k, c in sorted(report["per_kind"].items(), key=lambda kv: (-(kv[1]["listed"] - kv[1]["caught"]), kv[0])):
        if not (c["listed"] or c["conditional_listed"] or c["unseen_listed"]):
            continue
        cond = f"{c['conditional_caught']}/{c['conditional_listed']}" if c["conditional_listed"] else ""
        unseen = str(c["unseen_listed"]) if c["unseen_listed"] else ""
        pct = _pct(c["caught"], c["listed"])
        out.append(f"{k:24} {c['caught']:>7} {c['listed']:>7} {pct:>7}   {cond:11}  {unseen}")
    for tb in report["tables"]:
        out += ["", f"== {tb['file']} ({tb['stage']}): {tb['firm_caught']} / {tb['firm_listed']} firm items caught, "
                    f"{tb['findings']} findings"]
        for r in tb["items"]:
            if r["status"] == "ok":
                continue
            mark = ("CAUGHT*" if r["via_also"] else "CAUGHT ") if r["caught"] else "missed "
            tag = "" if r["status"] == "firm" else f" [{r['status']}]"
            by = f"  ← {'; '.join(sorted(set(r['by'])))}" if r["by"] else ""
            out.append(f"  {mark} #{r['n']:<2} {r['kind']}{tag}: {r['text']}{by}")
        if tb["unmatched"]:
            out.append("  findings matched to no item:")
            agg = Counter((u["rule"], u["severity"], u["relation"], u["undecided"]) for u in tb["unmatched"])
            for (rule, sev, rel, und), n in sorted(agg.items()):
                where = sorted({u["target"] for u in tb["unmatched"]
                                if (u["rule"], u["severity"], u["relation"], u["undecided"]) == (rule, sev, rel, und)})
                shown = ", ".join(where[:4]) + (f" … (+{len(where) - 4})" if len(where) > 4 else "")
                out.append(f"    {rule} {sev}{' undecided' if und else ''} ×{n} [{rel}]: {shown}")
        for fa in tb["false_alarms"]:
            out.append(f"  FALSE ALARM on a sound row (✓ #{', #'.join(map(str, fa['confirmed_by']))}): "
                       f"{fa['rule']} {fa['severity']} {fa['target']}: {fa['message']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the report as one JSON object")
    ap.add_argument("--pack", action="append", help="run this bundled pack (repeatable) instead of the defaults")
    args = ap.parse_args(argv)
    expected = load_expected()
    problems = validate_annotation(expected)
    report = measure(expected=expected, packs=args.pack)
    report["annotation_problems"] = problems
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        if problems:
            print("ANNOTATION PROBLEMS:\n  " + "\n  ".join(problems) + "\n")
        print(render(report))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
