"""A parsed mapping (YAML, JSON, a JSON Lines record, a 项目信息 sheet) → the model.

Every format ends here, so aliases, value reading, warnings for unknown keys and the
wording of errors are the same whatever the input was. A :class:`Ctx` collects all
errors of one input (a user fixes them in one pass) and knows how to locate a path:
``$.绩效指标[3].分值`` for YAML/JSON (indices 1-based, as findings count indicators),
a sheet, row and column for CSV/XLSX.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ...errors import DataError, ErrorGroup, Location
from ..categories import DEFAULT_SYNONYMS, Synonyms
from ..indicators import NATURES, Budget, Indicator, IndicatorSet, Project, ScoreEntry, Waiver
from ..notes import Note
from . import fields as F
from .fields import Bad

Path = tuple  # of keys (str) and list indices (int, 0-based)

CATEGORY_SPLIT = r"[,，、;；\n]"
EVIDENCE_SPLIT = r"\n"
INFO_TOP = ("阶段", "绩效目标", "总分", "等级", "调整文件")  # top-level keys a 项目信息 sheet may hold  # one item per line, so a cell and a YAML list read alike


def key_path(path: Path) -> str | None:
    if not path:
        return None
    return "$" + "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in path)


class Ctx:
    """The errors and warnings of one input, and how to say where a path is."""

    def __init__(self, source: str, synonyms: Synonyms = DEFAULT_SYNONYMS,
                 where: Callable[[Path], Location] | None = None):
        self.source = source
        self.synonyms = synonyms
        self._where = where
        self.errors: list[DataError] = []
        self.notes: list[Note] = []
        # Unknown indicator keys → the paths that use them: one warning per key, not per row.
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
            return conv(value, *args)
        except Bad as b:
            self.error(path, b.zh, b.en, b.hint)
            return None

    def fields(self, m: Mapping, path: Path, table: F.Table, *, what: tuple[str, str],
               warn_unknown: bool = True) -> tuple[dict, list]:
        """Split ``m`` into known fields {canonical: (path, value)} and the other keys."""
        found: dict[str, tuple[Path, object]] = {}
        others: list[tuple[str, Path, object]] = []
        for key, value in m.items():
            p = path + (str(key),)
            canon = table.lookup(key)
            if canon is None:
                others.append((str(key), p, value))
                if warn_unknown:
                    self.warn(p, f"{what[0]}中的未知键「{key}」，已忽略",
                              f"unknown key {str(key)!r} in {what[1]}, ignored")
            elif canon in found:
                first = found[canon][0][-1]
                self.error(p, f"「{key}」与「{first}」是同一字段，只能写一次",
                           f"{str(key)!r} and {first!r} are the same field; give it once")
            else:
                found[canon] = (p, value)
        return found, others

    def flush(self) -> None:
        for key, paths in self.kept_keys.items():
            n = len(paths)
            self.warn(paths[0], f"指标中的未知键「{key}」" + (f"（共{n}处）" if n > 1 else "") + "，其值原样保留",
                      f"unknown indicator key {key!r}" + (f" in {n} indicators" if n > 1 else "")
                      + ", value kept")
        self.kept_keys.clear()

    def raise_errors(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ErrorGroup(self.errors)


def _is_map(ctx: Ctx, path: Path, v: object, zh: str, en: str) -> bool:
    if isinstance(v, Mapping):
        return True
    ctx.error(path, f"{zh}应为映射（键: 值）", f"{en} must be a mapping of keys to values", F.got(v))
    return False


def _get(ctx: Ctx, found: dict, canon: str, conv: Callable, *args):
    path, value = found.get(canon, (None, None))
    return ctx.read(path, conv, value, *args)


def build(tree: object, ctx: Ctx) -> IndicatorSet:
    """The whole indicator set from a YAML/JSON document or a JSON Lines record."""
    if not isinstance(tree, Mapping):
        raise DataError("顶层应为映射（键: 值）", "the top level must be a mapping of keys to values",
                        where=Location(ctx.source),
                        hint=f"{F.got(tree)}；指标表请写在「绩效指标:」之下 "
                             "(put the indicator list under 绩效指标:)")
    top, _ = ctx.fields(tree, (), F.TOP, what=("顶层", "the top level"))
    readers = {"绩效指标": indicators_of, "项目": project_of, "预算": budget_of,
               "评分": scores_of, "阶段": lambda p, v, c: c.read(p, F.stage, v),
               "绩效目标": lambda p, v, c: c.read(p, goal, v),
               "总分": lambda p, v, c: c.read(p, F.number, v),
               "等级": lambda p, v, c: c.read(p, F.text, v),
               "调整文件": lambda p, v, c: c.read(p, F.texts, v, EVIDENCE_SPLIT),
               "豁免": waivers_of}
    # In document order, so that errors are listed as the user reads the file.
    part = {canon: readers[canon](p, v, ctx) for canon, (p, v) in top.items()}
    ctx.flush()
    if "绩效指标" not in top:
        ctx.error((), "缺少「绩效指标」", "missing 绩效指标 (indicators), the one required key",
                  "只有「绩效指标」是必需的 (only 绩效指标 is required)")
    result = IndicatorSet(
        indicators=part.get("绩效指标") or (), project=part.get("项目"), budget=part.get("预算"),
        scores=part.get("评分") or (), stage=part.get("阶段"), goal=part.get("绩效目标"),
        stated_total=part.get("总分"), stated_grade=part.get("等级"),
        adjustment_docs=part.get("调整文件") or (), waivers=part.get("豁免") or (),
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


def goal(v: object) -> str | None:
    """绩效目标: text, or a list of lines (one target per line)."""
    return ("\n".join(F.texts(v)) or None) if isinstance(v, (list, tuple)) else F.text(v)


def indicators_of(path: Path, v: object, ctx: Ctx) -> tuple[Indicator, ...]:
    if v is None:
        ctx.warn(path, "「绩效指标」为空", "绩效指标 (indicators) is empty")
        return ()
    if not isinstance(v, (list, tuple)):
        ctx.error(path, "「绩效指标」应为列表，每项一个三级指标",
                  "绩效指标 (indicators) must be a list with one item per indicator", F.got(v))
        return ()
    if not v:
        ctx.warn(path, "「绩效指标」为空", "绩效指标 (indicators) is empty")
    return tuple(ind for i, item in enumerate(v)
                 if _is_map(ctx, path + (i,), item, "每个指标", "each indicator")
                 and (ind := indicator_of(item, path + (i,), ctx)) is not None)


def indicator_of(m: Mapping, path: Path, ctx: Ctx, *,
                 extra: tuple[tuple[str, object], ...] = ()) -> Indicator:
    """One 三级指标; ``extra`` are columns a table reader already set aside."""
    f, others = ctx.fields(m, path, F.INDICATOR, what=("指标", "an indicator"), warn_unknown=False)
    l1 = _get(ctx, f, "一级指标", F.text)
    l2 = _get(ctx, f, "二级指标", F.text)
    for k, p, _ in others:
        ctx.kept_keys.setdefault(k, []).append(p)
    kept = [(k, F.kept(v)) for k, v in extra] + [(k, F.kept(v)) for k, _, v in others]
    return Indicator(
        level1=ctx.synonyms.canonical(l1), level1_raw=l1,
        level2=ctx.synonyms.canonical(l2), level2_raw=l2,
        name=_get(ctx, f, "三级指标", F.text), target=_get(ctx, f, "指标值", F.text),
        actual=_get(ctx, f, "实际完成值", F.text), method=_get(ctx, f, "计算方法", F.text),
        basis=_get(ctx, f, "赋值依据", F.text),
        evidence=_get(ctx, f, "佐证材料", F.texts, EVIDENCE_SPLIT) or (),
        weight=_get(ctx, f, "分值", F.number), score=_get(ctx, f, "得分", F.number),
        extra=tuple(kept), location=ctx.at(path))


def project_of(path: Path, v: object, ctx: Ctx) -> Project | None:
    if v is None:  # an empty section: as if absent
        return None
    if not _is_map(ctx, path, v, "「项目」", "项目 (project)"):
        return None
    f, _ = ctx.fields(v, path, F.PROJECT, what=("项目", "项目 (project)"))
    nature = _get(ctx, f, "性质", F.nature)
    if nature is not None and nature not in NATURES:
        ctx.warn(f["性质"][0], f"未知的项目性质「{nature}」（应为 经常性 或 一次性）",
                 f"unknown project nature {nature!r} (expected 经常性 or 一次性)")
    return Project(name=_get(ctx, f, "名称", F.text), department=_get(ctx, f, "主管部门", F.text),
                   categories=_get(ctx, f, "类别", F.texts, CATEGORY_SPLIT) or (),
                   nature=nature, year=_get(ctx, f, "年度", F.year))


def budget_of(path: Path, v: object, ctx: Ctx) -> Budget | None:
    if v is None:  # an empty section: as if absent
        return None
    if not _is_map(ctx, path, v, "「预算」", "预算 (budget)"):
        return None
    f, _ = ctx.fields(v, path, F.BUDGET, what=("预算", "预算 (budget)"))
    return Budget(initial=_get(ctx, f, "年初预算", F.amount),
                  adjustments=_get(ctx, f, "调整", F.amounts) or (),
                  carryover=_get(ctx, f, "上年结转", F.amount),
                  annual=_get(ctx, f, "年度预算", F.amount), spent=_get(ctx, f, "支出", F.amount),
                  stated_rate=_get(ctx, f, "执行率", F.rate),
                  spent_total=_get(ctx, f, "支出合计", F.amount),
                  spent_parts=_get(ctx, f, "支出明细", F.amounts) or (),
                  progress=_get(ctx, f, "执行进度", F.rates) or (),
                  progress_total=_get(ctx, f, "执行进度合计", F.percent),
                  progress_count=_get(ctx, f, "通报次数", F.count), location=ctx.at(path))


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
    weight, score = _get(ctx, f, "分值", F.number), _get(ctx, f, "得分", F.number)
    if where is None:
        ctx.error(path, "评分条目缺少「路径」", "score line without 路径 (path)",
                  "如 项目管理/财务管理/支出完成率 (e.g. 项目管理/财务管理/支出完成率)")
        return None
    return ScoreEntry(path=where, weight=weight, score=score,
                      comment=_get(ctx, f, "评价情况", F.text),
                      deductions=_get(ctx, f, "扣分", F.deductions) or (), location=ctx.at(path))


def info_of(pairs: list[tuple[str, Path, object]], path: Path, ctx: Ctx):
    """A flat 项目信息 table (key, value rows) → (project, budget, {top-level field: value})."""
    project: dict[str, object] = {}
    budget: dict[str, object] = {}
    top: dict[str, object] = {}
    seen: dict[str, str] = {}
    for key, p, value in pairs:
        for table, into in ((F.PROJECT, project), (F.BUDGET, budget), (F.TOP, top)):
            canon = table.lookup(key)
            if canon is None or (table is F.TOP and canon not in INFO_TOP):
                continue
            if canon in seen:
                ctx.error(p, f"「{key}」与「{seen[canon]}」是同一字段，只能写一次",
                          f"{key!r} and {seen[canon]!r} are the same field; give it once")
            else:
                seen[canon] = key
                into[key] = value
            break
        else:
            ctx.warn(p, f"项目信息中的未知键「{key}」，已忽略",
                     f"unknown key {key!r} in 项目信息, ignored")
    f, _ = ctx.fields(top, path, F.TOP, what=("项目信息", "项目信息"))
    return (project_of(path, project, ctx) if project else None,
            budget_of(path, budget, ctx) if budget else None,
            {"stage": _get(ctx, f, "阶段", F.stage), "goal": _get(ctx, f, "绩效目标", goal),
             "stated_total": _get(ctx, f, "总分", F.number),
             "stated_grade": _get(ctx, f, "等级", F.text),
             "adjustment_docs": _get(ctx, f, "调整文件", F.texts, EVIDENCE_SPLIT) or ()})

