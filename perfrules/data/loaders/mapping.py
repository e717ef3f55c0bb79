"""A parsed mapping (YAML, JSON, a JSON Lines record, a 项目信息 sheet) → the model.

Every format ends here, so aliases, value reading, warnings for unknown keys and the
wording of errors are the same whatever the input was. A :class:`Ctx` collects all
errors of one input (a user fixes them in one pass) and knows how to locate a path:
``$.绩效指标[3].分值`` for YAML/JSON (indices 1-based, as findings count indicators),
a sheet, row and column for CSV/XLSX.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import attrs

from ...errors import DataError, ErrorGroup, Location
from .. import declared as D
from ..categories import DEFAULT_SYNONYMS, Synonyms
from ..indicators import NATURES, Budget, FundSource, Indicator, IndicatorSet, Project, ScoreEntry, Waiver
from ..notes import Note
from . import fields as F
from .fields import Bad

Path = tuple  # of keys (str) and list indices (int, 0-based)

CATEGORY_SPLIT = r"[,，、;；\n]"
EVIDENCE_SPLIT = r"\n"  # one item per line, so a cell and a YAML list read alike


def key_path(path: Path) -> str | None:
    if not path:
        return None
    return "$" + "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in path)


class Ctx:
    """The errors and reading notes of one input, and how to say where a path is."""

    def __init__(self, source: str, synonyms: Synonyms = DEFAULT_SYNONYMS,
                 where: Callable[[Path], Location] | None = None, *, table: bool = False,
                 field_specs: tuple[D.FieldSpec, ...] = ()):
        self.source = source
        self.synonyms = synonyms
        self._where = where
        self.table = table  # a form's cells (say "column") rather than a document's keys
        # Fields the packs declare, by scope: a lookup of their spellings, and the specs by name.
        self.specs = {s.name: s for s in field_specs}
        self.declared = {scope: F.Table({s.name: s.spellings for s in field_specs if s.scope == scope})
                         for scope in D.SCOPES}
        self.errors: list[DataError] = []
        self.notes: list[Note] = []
        # Unknown indicator keys → the paths that use them: one note per key, not per row.
        self.kept_keys: dict[str, list[Path]] = {}

    def at(self, path: Path) -> Location:
        if self._where is not None:
            return self._where(path)
        return Location(self.source, key=key_path(path))

    def error(self, path: Path, zh: str, en: str, hint: str | None = None) -> None:
        self.errors.append(DataError(zh, en, where=self.at(path), hint=hint))

    def warn(self, path: Path, zh: str, en: str, kind: str = "unknown_key",
             suggestion: str | None = None) -> None:
        self.notes.append(Note(kind, self.at(path), zh, en, suggestion))

    def read(self, path: Path | None, conv: Callable, value: object, *args):
        if path is None:
            return None
        try:
            got = conv(value, *args)
        except Bad as b:
            self.error(path, b.zh, b.en, b.hint)
            return None
        if isinstance(got, F.Noted):
            self.warn(path, got.zh, got.en, "read")
            return got.value
        return got

    def unknown(self, key: str, path: Path, table: F.Table, what: tuple[str, str], kept: bool) -> None:
        """A key (or column) the table does not know: a known form heading is kept as
        written; anything else is reported with a did-you-mean."""
        done = "其值原样保留" if kept else "已忽略"
        done_en = "its value is kept as written" if kept else "ignored"
        if F.clean(key) in F.KEPT or F.norm_key(key) in F.KEPT:
            self.warn(path, f"{what[0]}中的「{key}」不是检查字段，{done}",
                      f"{key!r} in {what[1]} is not a field rules check; {done_en}", "kept_column")
            return
        if self.table and re.fullmatch(r"[A-Z]{1,3}列", key):
            self.warn(path, f"{key}没有表头，{done}", f"column {key[:-1]} has no heading; {done_en}",
                      "unknown_column")
            return
        noun = ("列", "column") if self.table else ("键", "key")
        self.warn(path, f"{what[0]}中的未知{noun[0]}「{key}」，{done}",
                  f"unknown {noun[1]} {key!r} in {what[1]}, {done_en}",
                  "unknown_column" if self.table else "unknown_key", F.suggest(key, table))

    def fields(self, m: Mapping, path: Path, table: F.Table, *, what: tuple[str, str],
               warn_unknown: bool = True, kept: bool = False, scope: str | None = None) -> tuple[dict, list]:
        """Split ``m`` into known fields {canonical: (path, value)} and the other keys.

        With ``scope``, a key naming a field the packs declare for that scope is known too,
        under the canonical ``("declared", name)`` (see :func:`declared_of`).
        Two keys for one field are an error, except where one is a soft alias
        (:data:`~.fields.SOFT_ALIASES`: 完成情况 beside 实际完成值): that one is kept as
        another key."""
        found: dict = {}
        others: list[tuple[str, Path, object]] = []
        claims: dict = {}
        order = {str(k): n for n, k in enumerate(m)}
        extra = self.declared.get(scope) if scope is not None and self.specs else None
        for key, value in m.items():
            p = path + (str(key),)
            canon = table.lookup(key)
            if canon is None and extra is not None:
                name = extra.lookup(key)
                canon = None if name is None else ("declared", name)
            if canon is None:
                others.append((F.kept_name(str(key)), p, value))
                if warn_unknown:
                    self.unknown(str(key), p, table, what, kept)
            else:
                claims.setdefault(canon, []).append((str(key), p, value))
        for canon, keys in claims.items():
            hard = [k for k in keys if type(canon) is str and F.clean(k[0]) not in F.SOFT_ALIASES]
            if len(keys) > 1 and len(hard) == 1:
                others.extend((F.kept_name(k[0]), *k[1:]) for k in keys if k is not hard[0])
                others.sort(key=lambda k: order.get(str(k[1][-1]), 0))  # as the document has them
                keys = hard
            found[canon] = keys[0][1:]
            for key, p, _ in keys[1:]:
                first = keys[0][0]
                self.error(p, f"「{key}」与「{first}」是同一字段，只能写一次",
                           f"{key!r} and {first!r} are the same field; give it once")
        return found, others

    def flush(self) -> None:
        for key, paths in self.kept_keys.items():
            n = len(paths)
            what = ("指标", "an indicator") if not self.table else ("指标表", "the indicator table")
            self.unknown(key, paths[0], F.INDICATOR, what, True)
            if n > 1:
                last = self.notes[-1]
                self.notes[-1] = attrs.evolve(last, zh=last.zh + f"（共{n}行）", en=last.en + f" ({n} rows)")
        self.kept_keys.clear()

    def raise_errors(self) -> None:
        ErrorGroup.raise_if_any(self.errors)


def _is_map(ctx: Ctx, path: Path, v: object, zh: str, en: str) -> bool:
    if isinstance(v, Mapping):
        return True
    ctx.error(path, f"{zh}应为映射（键: 值）", f"{en} must be a mapping of keys to values", F.got(v))
    return False


def _get(ctx: Ctx, found: dict, canon: str, conv: Callable, *args):
    path, value = found.get(canon, (None, None))
    return ctx.read(path, conv, value, *args)


def declared_of(ctx: Ctx, found: dict) -> tuple[tuple[str, object], ...]:
    """The declared fields among ``found`` (see :meth:`Ctx.fields`), each read as its type:
    (name, value) pairs in the order given, blanks left out, a value not of the type an error
    at its key or cell."""
    out = []
    for canon, (path, value) in found.items():
        if type(canon) is not tuple:
            continue
        spec = ctx.specs[canon[1]]
        got = ctx.read(path, lambda v, s=spec: D.convert(s, v), value)
        if spec.type == "text":
            got = _prompt_free(ctx, path, got)  # 「…(100字以内)」 left from the template: blank
        if got is not None:
            out.append((spec.name, got))
    return _declared_order(ctx, out)


def _declared_order(ctx: Ctx, pairs) -> tuple[tuple[str, object], ...]:
    """Declared values in the order the packs declare them: a form and its YAML twin, which
    give the fields in different places, load to the same model."""
    order = {name: k for k, name in enumerate(ctx.specs)}
    return tuple(sorted(pairs, key=lambda kv: order.get(kv[0], len(order))))


def build(tree: object, ctx: Ctx) -> IndicatorSet:
    """The whole indicator set from a YAML/JSON document, a JSON Lines record or a form."""
    if not isinstance(tree, Mapping):
        raise DataError("顶层应为映射（键: 值）", "the top level must be a mapping of keys to values",
                        where=Location(ctx.source),
                        hint=f"{F.got(tree)}；指标表请写在「绩效指标:」之下 "
                             "(put the indicator list under 绩效指标:)")
    top, others = ctx.fields(tree, (), F.TOP, what=("顶层", "the top level"), kept=True, scope="project")
    readers = {"绩效指标": indicators_of, "项目": project_of, "预算": budget_of,
               "评分": scores_of, "阶段": lambda p, v, c: c.read(p, F.stage, v),
               "绩效目标": goal_of, "陈述": statement_of,
               "总分": lambda p, v, c: c.read(p, F.points, v),
               "总分分值": lambda p, v, c: c.read(p, F.points, v),
               "等级": lambda p, v, c: c.read(p, F.text, v),
               "调整文件": lambda p, v, c: c.read(p, F.texts, v, EVIDENCE_SPLIT),
               "豁免": waivers_of}
    # In document order, so that errors are listed as the user reads the file.
    part = {canon: readers[canon](p, v, ctx) for canon, (p, v) in top.items() if type(canon) is str}
    # A declared project field may also stand at the top level (beside 项目 rather than in it).
    own = declared_of(ctx, top)
    if own:
        project = part.get("项目") or Project()
        given = {k for k, _ in project.fields}
        for k, _ in own:
            if k in given:
                ctx.error(top[("declared", k)][0], f"「{k}」在顶层和「项目」中各写了一次，只能写一次",
                          f"{k!r} is given both at the top level and in 项目; give it once")
        part["项目"] = attrs.evolve(project, fields=_declared_order(
            ctx, project.fields + tuple(x for x in own if x[0] not in given)))
    ctx.flush()
    if "绩效指标" not in top:
        ctx.error((), "缺少「绩效指标」", "missing 绩效指标 (indicators), the one required key",
                  "只有「绩效指标」是必需的 (only 绩效指标 is required)")
    goal, goal_actual, goal_extra = part.get("绩效目标") or (None, None, ())
    result = IndicatorSet(
        indicators=part.get("绩效指标") or (), project=part.get("项目"), budget=part.get("预算"),
        scores=part.get("评分") or (), stage=part.get("阶段"), goal=goal, goal_actual=goal_actual,
        stated_total=part.get("总分"), stated_grade=part.get("等级"), stated_max=part.get("总分分值"),
        statement=part.get("陈述") or (),
        adjustment_docs=part.get("调整文件") or (), waivers=part.get("豁免") or (),
        extra=tuple(goal_extra) + tuple((k, F.kept(v)) for k, _, v in others),
        source=ctx.source, notes=ctx.notes)
    ctx.raise_errors()
    return result


def waivers_of(path: Path, v: object, ctx: Ctx) -> tuple[Waiver, ...]:
    """豁免: [{规则, 指标?, 理由}] — a waived finding is still shown, with its reason."""
    if not isinstance(v, list):
        ctx.error(path, "「豁免」应为列表", "豁免 (waivers) must be a list", F.got(v))
        return ()
    out = []
    for k, item in enumerate(v):
        p = (*path, k)
        if not _is_map(ctx, p, item, "每条豁免", "a waiver"):
            continue
        f, _ = ctx.fields(item, p, F.WAIVER, what=("豁免", "a waiver"))
        rule, reason = _get(ctx, f, "规则", F.text), _get(ctx, f, "理由", F.text)
        if not rule or not reason:
            ctx.error(p, "豁免须写明「规则」和「理由」", "a waiver needs a rule and a reason",
                      "如 {规则: N-13, 指标: 资金拨付率, 理由: 已按调整文件变更}")
            continue
        ind = f.get("指标", (None, None))[1]
        out.append(Waiver(rule=rule, reason=reason, indicator=None if ind is None else str(ind).strip(),
                          location=ctx.at(p)))
    return tuple(out)


def _prompt_free(ctx: Ctx, path: Path, t: str | None) -> str | None:
    """A text cell, or None when it holds only the template's instruction (…(200字以内))."""
    if t is not None and F.is_prompt(t):
        ctx.warn(path, f"模板填写说明「{t[:30]}…」未替换为内容，按空白处理",
                 "a template instruction left in the cell; read as blank", "placeholder")
        return None
    return t


def goal_of(path: Path, v: object, ctx: Ctx):
    """绩效目标: text, a list of lines, or the form's halves {预期目标, 实际完成情况}
    → (goal, achieved, [kept (heading, text)])."""
    if isinstance(v, Mapping):
        f, others = ctx.fields(v, path, F.GOAL, what=("绩效目标", "绩效目标 (goal)"), kept=True)
        expected = _get(ctx, f, "预期目标", goal)
        achieved = _get(ctx, f, "实际完成情况", goal)
        return (_prompt_free(ctx, path + ("预期目标",), expected),
                _prompt_free(ctx, path + ("实际完成情况",), achieved),
                [(f"绩效目标/{k}", F.kept(x)) for k, _, x in others])
    return _prompt_free(ctx, path, ctx.read(path, goal, v)), None, []


def goal(v: object) -> str | None:
    """绩效目标: text, or a list of lines (one target per line)."""
    return ("\n".join(F.texts(v)) or None) if isinstance(v, (list, tuple)) else F.text(v)


def statement_of(path: Path, v: object, ctx: Ctx) -> tuple[tuple[str, str], ...]:
    """陈述: the form's closing text, one string or its parts by heading (评价结论 …)."""
    items = v.items() if isinstance(v, Mapping) else [("陈述", v)]
    out = []
    for k, x in items:
        p = path + (str(k),) if isinstance(v, Mapping) else path
        t = _prompt_free(ctx, p, ctx.read(p, goal, x))
        if t is not None:
            out.append((str(k), t))
    return tuple(out)


def indicators_of(path: Path, v: object, ctx: Ctx) -> tuple[Indicator, ...]:
    if v is None:
        ctx.warn(path, "「绩效指标」为空", "绩效指标 (indicators) is empty", "empty")
        return ()
    if not isinstance(v, (list, tuple)):
        ctx.error(path, "「绩效指标」应为列表，每项一个三级指标",
                  "绩效指标 (indicators) must be a list with one item per indicator", F.got(v))
        return ()
    if not v:
        ctx.warn(path, "「绩效指标」为空", "绩效指标 (indicators) is empty", "empty")
    return tuple(ind for i, item in enumerate(v)
                 if _is_map(ctx, path + (i,), item, "每个指标", "each indicator")
                 and (ind := indicator_of(item, path + (i,), ctx)) is not None)


# 产出指标（50分） / 产出指标(70分): the 一级 weight printed in the 一级 cell.
_LEVEL_WEIGHT = re.compile(r"^(.*?)\s*[（(]\s*(\d{1,3}(?:\.\d{1,2})?)\s*分\s*[)）]\s*$")
# 指标1： / 指标 12: — a template's numbering kept before a real name (稷山).
_NUMBERED = re.compile(r"^\s*指标\s*[0-9０-９一二三四五六七八九十]{1,3}\s*[:：]\s*")
_ELLIPSIS = {"……", "…", "...", "......", "。。。"}
# A comparison sign in a 指标性质/符号 cell, as printed → as the value reader writes it.
_SIGNS = {"≧": "≥", ">=": "≥", "≥": "≥", "≦": "≤", "<=": "≤", "≤": "≤", "═": "=", "=": "=",
          "==": "=", ">": ">", "<": "<", "＞": ">", "＜": "<", "＝": "="}
_KINDS = {"定量", "定性", "定量指标", "定性指标"}
_NUMBER = re.compile(r"^-?[0-9][0-9,]*(?:\.[0-9]+)?$")


def _unit(u: str | None) -> str | None:
    """度量单位 without a gloss: "%(百分比)" → "%"."""
    if u is None:
        return None
    bare = re.sub(r"\s*[（(][^()（）]*[)）]\s*$", "", u).strip()
    return bare or u


def split_target(sign: str | None, value: str | None, unit: str | None) -> str | None:
    """One 指标值 from a form's split cells: ≥ | 98 | %(百分比) → "≥98%"."""
    if value is None:
        return None
    s = _SIGNS.get(sign.replace(" ", ""), sign) if sign else ""
    if s and value.startswith(s):
        s = ""
    u = unit if unit and _NUMBER.match(value) else ""
    return f"{s}{value}{u}"


def indicator_of(m: Mapping, path: Path, ctx: Ctx, *,
                 extra: tuple[tuple[str, object], ...] = ()) -> Indicator | None:
    """One 三级指标 (None for a category row or a template placeholder, with a note);
    ``extra`` are columns a table reader already set aside."""
    f, others = ctx.fields(m, path, F.INDICATOR, what=("指标", "an indicator"), warn_unknown=False,
                           scope="indicator")
    l1 = _get(ctx, f, "一级指标", F.text)
    l2 = _get(ctx, f, "二级指标", F.text)
    w1 = None
    l1_name = l1
    if l1 is not None:
        l1_name = _NUMBERED.sub("", l1)
        hit = _LEVEL_WEIGHT.match(l1_name)
        if hit:
            l1_name, w1 = hit.group(1), F.number(hit.group(2))
    l2_name = _NUMBERED.sub("", l2) if l2 is not None else None
    raw_name = _get(ctx, f, "三级指标", F.text)
    name = _NUMBERED.sub("", raw_name).strip() if raw_name is not None else None
    if name is not None and (not name or name in _ELLIPSIS):
        name = None
    sign = _get(ctx, f, "指标性质", F.text)
    unit = _unit(_get(ctx, f, "度量单位", F.text))
    kind = None
    if sign is not None and sign.replace(" ", "") in _KINDS:
        kind, sign = sign, None
    target = split_target(sign, _get(ctx, f, "指标值", F.text), unit)
    actual = _get(ctx, f, "实际完成值", F.text)
    if actual is not None and unit and _NUMBER.match(actual):
        actual += unit  # 完成值 735 under 度量单位 人次: the same unit as the target
    row = dict(
        name=name, target=target, actual=actual, method=_get(ctx, f, "计算方法", F.text),
        basis=_get(ctx, f, "赋值依据", F.text),
        evidence=_get(ctx, f, "佐证材料", F.texts, EVIDENCE_SPLIT) or (),
        weight=_get(ctx, f, "分值", F.points), score=_get(ctx, f, "得分", F.points),
        deviation=_prompt_free(ctx, path, _get(ctx, f, "偏差原因", F.text)),
        fields=declared_of(ctx, f))
    kept = [(k, F.kept(v)) for k, v in extra] + [(k, F.kept(v)) for k, _, v in others]
    if kind is not None:
        kept.insert(0, ("指标性质", kind))
    if not any(v not in (None, ()) for v in row.values()) and not kept:
        # Nothing but 一级/二级 (a category the form prints with no indicator) or a
        # template placeholder row (指标1： / ……): nothing to check, and said so.
        if raw_name is not None:
            ctx.warn(path, f"模板占位行「{raw_name}」没有内容，未作为指标读取",
                     f"template placeholder row {raw_name!r} has no content, not read as an indicator",
                     "placeholder")
        elif l1 is not None or l2 is not None:
            label = "/".join(x for x in (l1, l2) if x)
            ctx.warn(path, f"「{label}」下没有三级指标", f"no indicator under {label!r}", "empty")
        return None
    for k, p, _ in others:
        ctx.kept_keys.setdefault(k, []).append(p)
    # level*_raw: the category as the form names it, without its weight or numbering.
    return Indicator(
        level1=ctx.synonyms.canonical(l1_name), level1_raw=l1_name,
        level2=ctx.synonyms.canonical(l2_name), level2_raw=l2_name, level1_weight=w1,
        extra=tuple(kept), location=ctx.at(path), **row)


def project_of(path: Path, v: object, ctx: Ctx) -> Project | None:
    if v is None:  # an empty section: as if absent
        return None
    if not _is_map(ctx, path, v, "「项目」", "项目 (project)"):
        return None
    f, others = ctx.fields(v, path, F.PROJECT, what=("项目", "项目 (project)"), kept=True, scope="project")
    nature = _get(ctx, f, "性质", F.nature)
    if nature is not None and nature not in NATURES:
        ctx.warn(f["性质"][0], f"未知的项目性质「{nature}」（应为 经常性 或 一次性）",
                 f"unknown project nature {nature!r} (expected 经常性 or 一次性)")
    return Project(name=_get(ctx, f, "名称", F.text), department=_get(ctx, f, "主管部门", F.text),
                   unit=_get(ctx, f, "实施单位", F.text),
                   categories=_get(ctx, f, "类别", F.texts, CATEGORY_SPLIT) or (),
                   nature=nature, year=_get(ctx, f, "年度", F.year),
                   extra=tuple((k, F.kept(x)) for k, _, x in others), fields=declared_of(ctx, f))


def budget_of(path: Path, v: object, ctx: Ctx) -> Budget | None:
    if v is None:  # an empty section: as if absent
        return None
    if not _is_map(ctx, path, v, "「预算」", "预算 (budget)"):
        return None
    f, others = ctx.fields(v, path, F.BUDGET, what=("预算", "预算 (budget)"), kept=True)
    shift = _get(ctx, f, "单位", F.unit_shift) or 0
    # Amounts and points are never negative; only 调整 (an adjustment) may be.
    return Budget(initial=_get(ctx, f, "年初预算", F.money, shift),
                  adjustments=_get(ctx, f, "调整", F.amounts, shift) or (),
                  carryover=_get(ctx, f, "上年结转", F.money, shift),
                  annual=_get(ctx, f, "年度预算", F.money, shift),
                  spent=_get(ctx, f, "支出", F.money, shift),
                  stated_rate=_get(ctx, f, "执行率", F.rate),
                  rate_weight=_get(ctx, f, "执行率分值", F.points),
                  rate_score=_get(ctx, f, "执行率得分", F.points),
                  sources=_sources(ctx, f, shift),
                  spent_total=_get(ctx, f, "支出合计", F.money, shift),
                  spent_parts=_get(ctx, f, "支出明细", F.moneys, shift) or (),
                  progress=_get(ctx, f, "执行进度", F.rates) or (),
                  progress_total=_get(ctx, f, "执行进度合计", F.percent),
                  progress_count=_get(ctx, f, "通报次数", F.count),
                  extra=tuple((k, F.kept(x)) for k, _, x in others), location=ctx.at(path))


def _sources(ctx: Ctx, f: dict, shift: int) -> tuple[FundSource, ...]:
    """预算.明细: a list of {来源, 年初预算, 年度预算, 支出, 执行率} or a mapping by source."""
    path, v = f.get("明细", (None, None))
    if v is None:
        return ()
    if isinstance(v, Mapping):
        rows = [(path + (str(k),), {"来源": k, **(x if isinstance(x, Mapping) else {"支出": x})})
                for k, x in v.items()]
    elif isinstance(v, (list, tuple)):
        rows = [(path + (i,), x) for i, x in enumerate(v)]
    else:
        ctx.error(path, "「明细」应为按来源的列表或映射", "明细 (fund sources) must be a list or a mapping",
                  F.got(v))
        return ()
    out = []
    for p, row in rows:
        if not _is_map(ctx, p, row, "每个资金来源", "each fund source"):
            continue
        g, others = ctx.fields(row, p, F.FUND, what=("资金来源", "a fund source"), kept=True)
        name = _get(ctx, g, "来源", F.text)
        if name is None:
            ctx.error(p, "资金来源缺少「来源」", "a fund source without 来源 (its name)")
            continue
        out.append(FundSource(name=name, initial=_get(ctx, g, "年初预算", F.money, shift),
                              annual=_get(ctx, g, "年度预算", F.money, shift),
                              spent=_get(ctx, g, "支出", F.money, shift),
                              stated_rate=_get(ctx, g, "执行率", F.rate),
                              extra=tuple((k, F.kept(x)) for k, _, x in others), location=ctx.at(p)))
    return tuple(out)


def scores_of(path: Path, v: object, ctx: Ctx) -> tuple[ScoreEntry, ...]:
    if v is None:
        return ()
    if not isinstance(v, (list, tuple)):
        ctx.error(path, "「评分」应为列表，每项一个评分条目",
                  "评分 (scores) must be a list with one item per score line", F.got(v))
        return ()
    out = []
    for i, item in enumerate(v):
        if _is_map(ctx, path + (i,), item, "每个评分条目", "each score line"):
            entry = score_of(item, path + (i,), ctx)
            if entry is not None:
                out.append(entry)
    return tuple(out)


def score_path(v: object) -> str | None:
    """路径: "项目管理/财务管理/支出完成率" or the list of its parts."""
    return ("/".join(F.texts(v)) or None) if isinstance(v, (list, tuple)) else F.text(v)


def score_of(m: Mapping, path: Path, ctx: Ctx) -> ScoreEntry | None:
    f, _ = ctx.fields(m, path, F.SCORE, what=("评分", "a score line"))
    levels = [x for x in (_get(ctx, f, k, F.text) for k in ("一级指标", "二级指标", "三级指标")) if x]
    where = _get(ctx, f, "路径", score_path) or ("/".join(levels) or None)
    weight, score = _get(ctx, f, "分值", F.points), _get(ctx, f, "得分", F.points)
    if where is None:
        ctx.error(path, "评分条目缺少「路径」", "score line without 路径 (path)",
                  "如 项目管理/财务管理/支出完成率 (e.g. 项目管理/财务管理/支出完成率)")
        return None
    return ScoreEntry(path=where, weight=weight, score=score,
                      comment=_get(ctx, f, "评价情况", F.text),
                      deductions=_get(ctx, f, "扣分", F.deductions) or (), location=ctx.at(path))
