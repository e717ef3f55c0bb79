"""The compiler's state in view: the scope it builds under is a frozen record set for a block
and restored after it; statements are built as they run (never changed afterwards); what a
compiled predicate offers the hot path is a frozen record, not attributes on a function."""

import attrs
import pytest
from helpers import compile_text

from perfrules.engine import checks as c
from perfrules.engine import compiler
from perfrules.engine.compile_expr import ExprCompiler
from perfrules.engine.expr import CompiledPred
from perfrules.engine.vocab import PREDICATES
from perfrules.errors import ErrorGroup, RuleCompileError
from perfrules.language import nodes as n
from perfrules.language.parser import parse_text
from perfrules.language.visitor import handled, node_classes

ROWS = """评分项 产出/数量 分值 20 每个指标
  得分 = 分值 × 最小(完成率, 100%)
  合计(分值) ≤ 100
  若 执行率 < 60% 则 提示
  每个指标: 三级指标 不得为空
"""


def test_every_predicate_class_has_its_method():
    assert handled(ExprCompiler, "pred_") == {k for k in node_classes() if issubclass(k, n.Pred)}


def test_statements_of_a_row_by_row_item_are_built_to_run_per_row():
    (item,) = compile_text(ROWS).items
    assert item.kind == "rows"
    kinds = [type(s) for s in item.stmts]
    assert kinds == [c.Assertion, c.Implication, c.Each]
    assert all(s.scope == "indicator" for s in item.stmts)  # 合计(分值) and 执行率 are project-wide
    # the same statements in a rule keep their own scope
    (rule,) = compile_text("规则 R-01\n  合计(分值) ≤ 100\n  若 执行率 < 60% 则 提示\n").rules
    assert [s.scope for s in rule.stmts] == ["project", "project"]


def test_the_scope_is_back_after_each_block_errors_included():
    comp = compiler._Compiler([parse_text(ROWS + "规则 R-01\n  扣3分\n", "t.rules")], "error")
    seen = []
    real = comp.stmt

    def spy(s, severity):
        seen.append(comp.at)
        return real(s, severity)
    comp.stmt = spy
    with pytest.raises(RuleCompileError):
        comp.run()  # 扣3分 outside a score item names no item
    assert comp.at == compiler.Scope()
    assert all(attrs.has(type(at)) and at.file is not None for at in seen)
    assert {(at.item is not None, at.rows_item) for at in seen} == {(True, True), (False, False)}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        comp.at.file = None


def test_an_empty_rule_is_an_error_of_its_own_kind():
    with pytest.raises(ErrorGroup) as e:
        compile_text("规则 A-01\n规则 A-02\n  每个指标: 三级指标 不得为空\n规则 A-03 「x」\n  当 阶段 是 自评\n")
    assert [type(x) for x in e.value.errors] == [compiler.EmptyRuleError, compiler.EmptyRuleError]
    assert all(isinstance(x, RuleCompileError) and x.code == "E200" for x in e.value.errors)


def test_what_a_predicate_offers_the_hot_path_is_a_frozen_record():
    assert PREDICATES["可衡量"].value_attr == "measurable"
    assert PREDICATES["名实相符"].value_attr is None
    pred = CompiledPred(lambda ctx, i, v: True, fast_in=frozenset({"产出指标"}))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        pred.fast_in = None
    (rule,) = compile_text("规则 R-01\n  每个指标: 类别 不得为空\n  每个指标: 指标值 须 可衡量\n").rules
    reqs = [s.stmt for s in rule.stmts]
    assert [r.accepts_missing for r in reqs] == [True, False]
    assert all(not isinstance(r.test, CompiledPred) and callable(r.test) for r in reqs)  # the function itself
