"""The fidelity floor: on the real published tables of tests/corpus/, the default packs catch at
least FLOOR of the reviewer's listed problems and raise no more errors on rows the reviewer found
sound than they do today. bench/fidelity.py does the measuring; `python bench/fidelity.py` shows
what is caught, what is missed and which findings match nothing."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

# Recall over the firm items (78 / 95 = 82.1% after issue 12's rules), rounded down. A floor that only rises:
# when rules improve, run `python bench/fidelity.py` and raise FLOOR to the new whole percent.
FLOOR = 82
# Error-severity findings on rows or blocks a ✓ item confirms: none since deadlines such as
# "2025年12月" read as measurable. Never raise it.
MAX_ERRORS_ON_SOUND_ROWS = 0


def _fidelity():
    if "perfrules_bench_fidelity" in sys.modules:
        return sys.modules["perfrules_bench_fidelity"]
    spec = importlib.util.spec_from_file_location("perfrules_bench_fidelity", BENCH / "fidelity.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["perfrules_bench_fidelity"] = mod
    spec.loader.exec_module(mod)
    return mod


fidelity = _fidelity()


@pytest.fixture(scope="module")
def report():
    return fidelity.measure()


def test_annotation_is_complete():
    """One entry per 预期问题 item, ✓ marks agree, kinds from the vocabulary, targets that name a
    row of the table or a known block."""
    assert fidelity.validate_annotation() == []


def test_annotation_check_finds_mistakes():
    expected = copy.deepcopy(fidelity.load_expected())
    table = expected["tables"]["hubei-xinzhou-2020-opera-equipment.yaml"]
    table[6]["target"] = ["演出设备成本 "]  # not the name as written
    table[8]["kind"] = "typo"
    table[0]["ok"] = True  # not a ✓ item
    del table[-1]
    problems = "\n".join(fidelity.validate_annotation(expected))
    for bit in ("'演出设备成本 ' is neither", "unknown kind 'typo'", "12 entries for 13", "ok is True"):
        assert bit in problems, problems


def test_rule_kinds_use_the_vocabulary():
    kinds = set(fidelity.load_expected()["kinds"])
    used = {k for ks in fidelity.RULE_KINDS.values() for k in ks} | set(fidelity.SCORE_ITEM_KINDS)
    assert used <= kinds, used - kinds


def test_every_table_is_measured(report):
    files = {p.name for p in fidelity.table_files()}
    assert {t["file"] for t in report["tables"]} == files
    assert len(files) == 9


def test_recall_floor(report):
    t = report["totals"]["firm"]
    assert 100 * report["recall"] >= FLOOR, (
        f"recall fell to {t['caught']} / {t['listed']} = {100 * report['recall']:.1f}% (floor {FLOOR}%): "
        "run python bench/fidelity.py to see which items are no longer caught")


def test_no_new_errors_on_sound_rows(report):
    alarms = [(t["file"], a["rule"], a["target"]) for t in report["tables"] for a in t["false_alarms"]]
    assert len(alarms) <= MAX_ERRORS_ON_SOUND_ROWS, alarms


def test_remarks_are_stripped():
    """The engine never sees the transcriber's remarks or the reviewer's list."""
    data = {"预期问题": ["x"],
            "绩效指标": [{"三级指标": "a", "备注": "garbled", "原文": "a b"}],
            "预算": {"明细": [{"来源": "其他", "备注": "blank"}]},
            "陈述": {"预期问题": "kept below the top"}}
    assert fidelity.strip_remarks(data) == {"绩效指标": [{"三级指标": "a"}],
                                            "预算": {"明细": [{"来源": "其他"}]},
                                            "陈述": {"预期问题": "kept below the top"}}
