"""Broken rule files and the exact error text a policy officer sees for each.

Every ``tests/rules/broken/NAME.rules`` has the full ``render()`` output of its error
in ``NAME.expected`` (the ``golden`` fixture, tests/conftest.py). To regenerate after a
deliberate change of wording::

    PERFRULES_REGEN=1 pytest tests/test_rule_errors.py

then read every changed ``.expected`` file before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perfrules.engine.compiler import compile_files
from perfrules.errors import ErrorGroup, PerfrulesError, RuleCompileError, RuleSyntaxError
from perfrules.language.files import parse_file

BROKEN = Path(__file__).parent / "rules" / "broken"
CASES = sorted(p.stem for p in BROKEN.glob("*.rules"))


def _error_of(name: str, monkeypatch) -> PerfrulesError:
    monkeypatch.chdir(BROKEN)  # messages name the file as the user gave it: NAME.rules
    with pytest.raises(PerfrulesError) as info:
        compile_files([parse_file(f"{name}.rules")])
    return info.value


def test_enough_cases():
    assert len(CASES) >= 15  # a case without its .expected fails in test_broken_file


@pytest.mark.parametrize("name", CASES)
def test_broken_file(name, monkeypatch, golden):
    err = _error_of(name, monkeypatch)
    golden(BROKEN / f"{name}.expected", err.render() + "\n")


# ---- properties every error message keeps -----------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_every_error_has_position_and_both_languages(name, monkeypatch):
    err = _error_of(name, monkeypatch)
    errors = err.errors if isinstance(err, ErrorGroup) else [err]
    for e in errors:
        assert str(e.where).startswith(f"{name}.rules:")
        assert e.zh and e.en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.zh)
        assert e.en.isascii() or any(ch.isascii() and ch.isalpha() for ch in e.en)
        if name != "not_utf8":  # a file that cannot be decoded has no line to show
            assert "^" in (e.excerpt or "")


def test_error_kinds(monkeypatch):
    assert isinstance(_error_of("misspelt_keyword", monkeypatch), RuleSyntaxError)
    assert isinstance(_error_of("not_utf8", monkeypatch), RuleSyntaxError)
    assert isinstance(_error_of("unknown_field", monkeypatch), RuleCompileError)


def test_several_errors_are_all_reported(monkeypatch):
    syntax = _error_of("several_errors", monkeypatch)
    assert isinstance(syntax, ErrorGroup) and len(syntax.errors) == 3
    assert [e.where.line for e in syntax.errors] == [2, 5, 6]
    names = _error_of("several_compile_errors", monkeypatch)
    assert isinstance(names, ErrorGroup) and len(names.errors) == 4
    assert [e.where.line for e in names.errors] == [3, 5, 7, 9]
    assert names.render().endswith("共 4 个错误 (4 errors)")


def test_did_you_mean_hints(monkeypatch):
    hints = {
        "unknown_field": "是否指「三级指标」",
        "misspelt_predicate": "是否指「可衡量」",
        "misspelt_keyword": "是否指「规则」",
        "unknown_category": "是否指「生态效益」",
        "unknown_stage": "是否指「自评」",
    }
    for name, hint in hints.items():
        assert hint in (_error_of(name, monkeypatch).hint or ""), name


def test_unknown_stage_is_reported_once(monkeypatch):
    # Regression: 阶段 是 自平 was reported twice (once as a word, once as a list item).
    err = _error_of("unknown_stage", monkeypatch)
    assert not isinstance(err, ErrorGroup)


def test_syntax_and_name_errors_of_one_file_are_reported_together(tmp_path):
    # An unclosed bracket no longer swallows the next rule, and the next rule's misspelt
    # predicate is reported in the same run as the bracket.
    from perfrules.engine.packs import load_pack
    from perfrules.errors import ErrorGroup
    f = tmp_path / "a.rules"
    f.write_text("规则 A-01 「一」 错误\n  若 一级指标 属于 [产出指标, 效益指标 则 三级指标 不得为空\n\n"
                 "规则 A-02 「二」 错误\n  指标值 须可衡亮\n", encoding="utf-8")
    with pytest.raises(ErrorGroup) as e:
        load_pack(str(f))
    got = [(err.where.line, err.zh.split("，")[0]) for err in e.value.errors]
    assert got == [(2, "此处不能出现「则」"), (5, "未知谓词「可衡亮」")]
