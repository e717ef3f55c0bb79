"""What a piece of a rule reads, for the column-wise back end (engine/columnar.py).

A condition is judged column-wise in one of three ways, told apart here from its syntax tree:

- **row**: it reads only the row's own cells (三级指标, 指标值, 一级指标 …) and constants, so its
  answer is a function of those cells. It is computed once per distinct combination of them
  (dictionary encoding), by the row engine's own compiled closure, and joined back to the rows;
- **project**: it reads nothing of a row outside a count or a sum (阶段, 执行率, 计数(…) ≥ 1):
  computed once per project by the row engine's own closure, with the counts found column-wise;
- anything else (a row's cell beside a project figure, a predicate reading the whole table or
  another stage's set, a field a pack declares on rows) is **not vectorised**: the row engine
  runs it.

:data:`ROW_ATTRS` is the one table of the row's cells each built-in field reads; a field not in
it is never treated as a row cell.
"""

from __future__ import annotations

from operator import attrgetter

import attrs

from ..language import nodes as n
from .vocab import FIELDS, PREDICATES

# A built-in field (by its label) → the Indicator attributes its value depends on, and nothing
# else: Context.level1 reads ``level1_raw or level1`` (with the pack's synonyms), 完成率 the
# target and actual readings (with the pack's word lists). 分值/得分 also look in the score
# sheet when the row has none: see TAINT.
ROW_ATTRS: dict[str, tuple[str, ...]] = {
    "一级指标": ("level1_raw", "level1"), "二级指标": ("level2_raw", "level2"), "三级指标": ("name",),
    "指标值": ("target",), "实际完成值": ("actual",), "计算方法": ("method",), "赋值依据": ("basis",),
    "佐证材料": ("evidence",), "分值": ("weight",), "得分": ("score",), "填报得分": ("score",),
    "完成率": ("target", "actual"), "最高完成率": ("target", "actual"), "偏差原因": ("deviation",),
    "一级指标分值": ("level1_weight",),
}
# A row's 分值/得分 left blank is looked up in the project's score sheet (Context.number): such a
# row is not a function of its own cells when the project has a score sheet.
TAINT = frozenset({"weight", "score"})

# Predicates on the row itself (指标 是 …, 应名实相符) that read only the row's own cells.
ROW_PREDICATES: dict[str, tuple[str, ...]] = {
    "名实相符": ("name", "target"), "达标": ("target", "actual"), "有佐证": ("evidence",),
    "类别名称规范": ("level1_raw", "level1", "level2_raw", "level2"),
}
# Predicates on a reading (指标值 是 …) that read nothing but the reading.
VALUE_PREDICATES = frozenset({"可衡量", "量化", "定性", "模糊", "百分数", "正向", "反向", "金额", "计数",
                              "时长", "时限", "带比较符号"})
# 重复 reads the whole table: judged column-wise by counting names per project (columnar_eval).
DUPLICATED = "重复"
# 预算数 reads the project's budget, but only once the reading is one amount of money
# (vocab._restates_budget): judged without a budget, its true/false answers hold whatever the
# budget, and its unknown ones are left to the row engine.
BUDGET_AMOUNT = "预算数"
AGGREGATES = frozenset({"count", "sum", "avg"})
INDICATOR = FIELDS["指标"]


def _of_project(attr: str):
    def get(iset):
        return getattr(iset.project, attr) if iset.project is not None else None
    return get


# What of an indicator set a built-in project field reads (by the field's label), named for
# sharing: a condition on the project that reads only these (and counts) is computed once per
# distinct combination of them. A field not here (分值 totals per 一级, the declared set, the
# run's findings, a pack's declared fields) is computed on each project.
PARTS = {"categories": _of_project("categories"), "nature": _of_project("nature"), "year": _of_project("year"),
         "name": _of_project("name"), "department": _of_project("department"), "unit": _of_project("unit"),
         "stage": attrgetter("stage"), "goal": attrgetter("goal"), "goal_actual": attrgetter("goal_actual"),
         "budget": attrgetter("budget"), "adjustment_docs": attrgetter("adjustment_docs"),
         "statement": attrgetter("statement"), "stated_total": attrgetter("stated_total"),
         "stated_max": attrgetter("stated_max"), "stated_grade": attrgetter("stated_grade")}
PROJECT_ATTRS: dict[str, str] = {
    "类别": "categories", "性质": "nature", "年度": "year", "项目名称": "name", "主管部门": "department",
    "实施单位": "unit", "阶段": "stage", "绩效目标": "goal", "预期目标": "goal", "实际完成情况": "goal_actual",
    "调整文件": "adjustment_docs", "陈述": "statement", "评价结论": "statement", "存在问题": "statement",
    "改进措施": "statement", "总分": "stated_total", "总分分值": "stated_max", "填报等级": "stated_grade",
    **{label: "budget" for label in ("年初预算", "年度预算", "上年结转", "调整", "支出", "平均执行进度", "执行率",
                                     "预算说明", "填报执行率", "执行率分值", "执行率得分")},
}


@attrs.define
class Reads:
    """What a node reads: the row's cells (``attrs``), anything of the project, or something
    the back end cannot judge column-wise (``why``, the first reason found)."""

    attrs: set = attrs.Factory(set)
    project: bool = False
    why: str | None = None
    duplicated: bool = False  # 指标 是 重复
    budget: bool = False  # 是 预算数: an unknown answer is not known here (BUDGET_AMOUNT)

    @property
    def kind(self) -> str:
        """row | project | no (the row engine runs it)."""
        if self.why is not None:
            return "no"
        if self.attrs or self.duplicated:
            return "no" if self.project else "row"
        return "project"

    def bad(self, why: str) -> None:
        self.why = self.why or why


def _field(name: str, declared):
    f = FIELDS.get(name) or FIELDS.get(name.lower())
    if f is not None:
        return f
    return declared.get(name)


def reads(node: n.Node | None, declared=None, wordlists=(), acc: Reads | None = None) -> Reads:
    """What ``node`` (an expression, or a requirement's subject and predicate) reads."""
    acc = acc if acc is not None else Reads()
    _Scan(declared or {}, wordlists, acc).node(node)
    return acc


def requirement_reads(req: n.Requirement, declared=None, wordlists=()) -> Reads:
    """What a requirement's test reads (its subject and predicate; 除非 is judged apart)."""
    acc = Reads()
    scan = _Scan(declared or {}, wordlists, acc)
    scan.test(req.subject, req.pred)
    return acc


class _Scan:
    def __init__(self, declared, wordlists, acc: Reads):
        self.declared, self.wordlists, self.acc = declared, wordlists, acc

    def node(self, x) -> None:
        if x is None:
            return
        acc = self.acc
        if isinstance(x, n.Name):
            self.name(x.text)
        elif isinstance(x, (n.Number, n.String, n.ListLit, n.Interval)):
            return
        elif isinstance(x, n.Call):
            if x.func in AGGREGATES or (x.func in ("min", "max") and len(x.args) == 1):
                acc.project = True  # a count or a sum is the project's: its inside is judged apart
            elif x.func == "length" or x.func in ("min", "max"):
                for a in x.args:
                    self.node(a)
            else:
                acc.bad(f"函数 {x.func}")
        elif isinstance(x, n.Test):
            self.test(x.subject, x.pred)
        elif isinstance(x, (n.BinOp, n.Compare)):
            self.node(x.left)
            self.node(x.right)
        elif isinstance(x, n.Neg):
            self.node(x.operand)
        elif isinstance(x, n.Chain):
            for o in x.operands:
                self.node(o)
        elif isinstance(x, n.BoolOp):
            for o in x.operands:
                self.node(o)
        elif isinstance(x, n.Not):
            self.node(x.operand)
        else:
            acc.bad(type(x).__name__)

    def name(self, text: str) -> None:
        f = _field(text, self.declared)
        if f is None:
            return  # a word list, or a word compared with a text: a constant
        if f.scope == "project":
            self.acc.project = True
        elif f is INDICATOR:
            self.acc.bad("指标本身作为值")  # the row's index: never a cell
        elif f.label in ROW_ATTRS and _field(text, {}) is f:
            self.acc.attrs.update(ROW_ATTRS[f.label])
        else:
            self.acc.bad(f"字段「{text}」")

    def test(self, subject, pred: n.Pred) -> None:
        row_itself = subject is None or (isinstance(subject, n.Name) and _field(subject.text, self.declared) is INDICATOR)
        if not row_itself:
            self.node(subject)
        if isinstance(pred, n.PredNamed):
            p = PREDICATES.get(pred.name) or PREDICATES.get(pred.name.lower())
            if p is None:
                if row_itself:
                    self.acc.bad(f"指标 是 {pred.name}")
                return  # a value of the field (阶段 是 自评): a constant
            if row_itself and p.label in ROW_PREDICATES:
                self.acc.attrs.update(ROW_PREDICATES[p.label])
            elif row_itself and p.label == DUPLICATED:
                self.acc.duplicated = True
            elif not row_itself and p.label in VALUE_PREDICATES:
                return
            elif not row_itself and p.label == BUDGET_AMOUNT:
                self.acc.budget = True
            else:
                self.acc.bad(f"谓词「{p.label}」")
            return
        if row_itself:
            self.acc.bad("指标本身作为值")
            return
        if isinstance(pred, n.PredCompare):
            self.node(pred.right)
        elif isinstance(pred, (n.PredIn, n.PredContains, n.PredEndsIn, n.PredEmpty)):
            return  # a list, a word list, a word or an interval: constants
        else:
            self.acc.bad(type(pred).__name__)


def project_parts(nodes, declared=()) -> tuple[str, ...] | None:
    """The parts of an indicator set (:data:`PARTS`) a condition on the project reads, besides
    the counts at its top; None when it reads anything else (then it is computed per project).
    ``declared``: the names of the fields the pack declares."""
    out: set[str] = set()
    stack = [x for x in nodes if x is not None]
    while stack:
        x = stack.pop()
        if isinstance(x, n.Name):
            if x.text in declared:
                return None
            f = FIELDS.get(x.text) or FIELDS.get(x.text.lower())
            if f is None:
                continue  # a word list, or a word compared with a text
            if f.scope != "project" or f.label not in PROJECT_ATTRS:
                return None
            out.add(PROJECT_ATTRS[f.label])
        elif isinstance(x, n.Call):
            if x.func == "count":
                if x.args and isinstance(x.args[0], n.Name) and x.args[0].text in ("申报指标", "declared_indicators"):
                    return None  # counts the declared set given alongside
                continue  # its value is handed in, and part of the key
            if x.func == "length" or (x.func in ("min", "max") and len(x.args) != 1):
                stack.extend(x.args)
                continue
            return None
        elif isinstance(x, n.PredNamed):
            p = PREDICATES.get(x.name) or PREDICATES.get(x.name.lower())
            if p is not None and p.label not in VALUE_PREDICATES:
                return None
        elif isinstance(x, n.Node):
            from ..language.visitor import iter_children
            stack.extend(iter_children(x))
    return tuple(sorted(out))
