"""One of each (issue 15 part 2): the domain's terms (perfrules/data/terms.py), the severity
table (perfrules/severity.py), the did-you-means (perfrules/suggest.py), raising collected
errors (``ErrorGroup.raise_if_any``, ``Errors``) and the ``Finding`` factory, each defined once;
the source is read to check that no other module spells them out again."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from perfrules import severity
from perfrules.data import terms
from perfrules.data.loaders import fields as F
from perfrules.engine import explain, results
from perfrules.engine.results import Finding
from perfrules.engine.vocab import DECLARED_TYPES, FIELDS
from perfrules.errors import DataError, ErrorGroup, Errors, UsageError
from perfrules.language import vocabulary as V
from perfrules.suggest import suggest_id, suggest_key, suggest_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "perfrules").rglob("*.py"))


def _literals(path: Path):
    """Every set, tuple, list or dict-key literal of string constants in a module, with its line."""
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        elts = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if isinstance(node, (ast.Set, ast.Tuple, ast.List, ast.Dict)) and elts:
            words = {e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if words:
                yield node.lineno, words


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---- blank markers, stages, units ---------------------------------------------------------------

# Tables that hold some of the same characters for another reason: a console's ASCII forms of
# symbols (– → -, — → --) are about printing, not about what a blank cell is.
NOT_MARKERS = {"perfrules/outputs.py": "ASCII_FORMS"}


def test_the_blank_markers_are_defined_only_in_terms():
    markers = terms.MARKERS | terms.DASHES
    found = [f"{_rel(p)}:{line}: {sorted(words & markers)}" for p in SOURCES
             if _rel(p) != "perfrules/data/terms.py" and _rel(p) not in NOT_MARKERS
             for line, words in _literals(p) if len(words & markers) >= 2]
    for path, name in NOT_MARKERS.items():  # the exemption is that table only, and it exists
        text = (ROOT / path).read_text("utf-8")
        assert f"{name}: dict[str, str] = {{" in text
        assert sum(1 for line, words in _literals(ROOT / path) if len(words & markers) >= 2) == 1
    assert not found, "blank markers spelt out again (use perfrules.data.terms):\n" + "\n".join(found)


@pytest.mark.parametrize("text, blank", [
    (None, True), ("", True), ("  ", True), ("/", True), (" — ", True), ("无", True), ("-", True),
    ("无人机", False), ("资金拨付率", False), ("0", False),
])
def test_is_blank(text, blank):
    assert terms.is_blank(text) is blank


def test_a_number_cell_reads_every_dash_as_blank_but_not_无():
    for d in terms.DASHES:
        assert F.amount(d) is None
    with pytest.raises(F.Bad):
        F.amount("无")


def test_stage_names_come_from_terms():
    assert tuple(F.STAGE_ALIASES) == terms.STAGES
    assert FIELDS["阶段"].values == terms.STAGES
    assert [F.stage(s) for s in terms.STAGES] == list(terms.STAGES)


def test_units_of_rate_and_amount_fields_come_from_terms():
    for label, unit in terms.UNITS.items():
        assert FIELDS[label].unit == unit, label
    assert {f.unit for f in FIELDS.values() if f.label not in terms.UNITS} == {""}
    assert DECLARED_TYPES["amount"][1] == terms.AMOUNT and DECLARED_TYPES["rate"][1] == terms.RATE
    assert explain.fmt_num(Decimal("0.8440"), terms.RATE) == "84.40%"
    assert [explain.fmt_num(Decimal("428.54"), u) for u in terms.MONEY_UNITS] == ["428.54万元"] * 3
    assert F.amount("4285400元") == Decimal("428.54") and F.amount("1.2亿元") == Decimal("12000")


def test_an_unnamed_row_is_labelled_so():
    from perfrules.data.indicators import Indicator
    assert Indicator(name="/").label(3) == "绩效指标[3] (未命名)"
    assert Indicator(name=" 资金拨付率 ").label(3) == "绩效指标[3] 资金拨付率"


# ---- severities ---------------------------------------------------------------------------------

def test_one_severity_table():
    assert results.SEVERITY_ORDER == severity.ORDER == {"info": 0, "warning": 1, "error": 2, "veto": 3}
    assert severity.NAMES == ("veto", "error", "warning", "info")
    senses = V.BY_TOKEN["SEVERITY"].senses
    assert [(s.meaning, s.zh, s.en) for s in senses] == [(s.name, (s.zh,), (s.en,)) for s in severity.TABLE]
    assert V.SEVERITY_ZH == severity.ZH
    assert severity.worst(["info", "veto", "warning"]) == "veto" and severity.worst([]) is None


def test_severity_names_are_spelt_out_only_in_the_table():
    names = set(severity.ORDER)
    found = [f"{_rel(p)}:{line}" for p in SOURCES if _rel(p) != "perfrules/severity.py"
             for line, words in _literals(p) if len(words & names) >= 3]
    assert not found, "severities listed again (use perfrules.severity):\n" + "\n".join(found)


# ---- did-you-mean -------------------------------------------------------------------------------

def test_every_did_you_mean_is_in_suggest():
    found = [_rel(p) for p in SOURCES if _rel(p) != "perfrules/suggest.py"
             and any(w in p.read_text("utf-8") for w in ("get_close_matches", "SequenceMatcher"))]
    assert not found, "a did-you-mean outside perfrules/suggest.py: " + ", ".join(found)


def test_suggest_path_id_and_key():
    assert suggest_path("项目过程质量控制", ["项目过程质量控制情况", "资金管理"]) == "项目过程质量控制情况"
    assert suggest_path("指标直", ["指标", "指标值"]) == "指标值"
    assert suggest_path("完全不同的路径名称", ["甲"]) is None
    assert suggest_id("SC-3", ["SC-03", "SC-13"]) == "SC-03"
    assert suggest_id("RC-1O", ["RC-10", "RC-01"]) == "RC-10"
    assert suggest_key("指标值值", {"指标值": "指标值", "target": "指标值"}) == "指标值"
    assert suggest_key("typ", ["scope", "type"]) == "type"
    assert suggest_key("", ["type"]) is None


# ---- collected errors ---------------------------------------------------------------------------

def test_raise_if_any():
    ErrorGroup.raise_if_any([])
    one = DataError("甲", "a")
    with pytest.raises(DataError) as e:
        ErrorGroup.raise_if_any([one])
    assert e.value is one
    with pytest.raises(ErrorGroup) as g:
        ErrorGroup.raise_if_any([one, UsageError("乙", "b")])
    assert len(g.value.errors) == 2


def test_the_collector_flattens_groups_and_goes_on():
    errors = Errors()
    for k in range(3):
        with errors.caught():
            if k == 1:
                raise ErrorGroup([DataError("甲", "a"), DataError("乙", "b")])
            raise UsageError("丙", "c")
    assert len(errors) == 4 and all(not isinstance(e, ErrorGroup) for e in errors)
    with pytest.raises(ErrorGroup):
        errors.raise_if_any()
    Errors().raise_if_any()


def test_no_hand_written_one_or_group():
    found = [_rel(p) for p in SOURCES if "== 1 else ErrorGroup(" in p.read_text("utf-8")]
    assert not found, "use ErrorGroup.raise_if_any: " + ", ".join(found)


# ---- findings -----------------------------------------------------------------------------------

def test_the_finding_factory_names_its_arguments():
    f = Finding.of("RC-05", "预算", "执行率不符", title="执行率", severity="warning", basis="依据",
                   source="x", missing="预算")
    assert (f.rule, f.title, f.severity, f.target, f.message, f.basis, f.source, f.missing) == (
        "RC-05", "执行率", "warning", "预算", "执行率不符", "依据", "x", "预算")
    assert f.fix is None and f.location is None and f.waived is None and f.undecided
