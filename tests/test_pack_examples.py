"""Every bundled pack's own examples (``*.examples.yaml``) pass, and cover every rule both ways."""

from __future__ import annotations

import pytest

from perfrules.engine.packs import bundled_names, load_pack
from perfrules.authoring.tester import cases_of, coverage, run_case

PACKS = {name: load_pack(name) for name in bundled_names()}
CASES = [(name, case) for name, pack in PACKS.items() for case in cases_of(pack)]


def test_every_bundled_pack_is_found():
    assert {"national", "national-selfeval", "panyu-project-2023", "guangzhou-dept-2022"} <= set(PACKS)


@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{name}:{case.name}" for name, case in CASES])
def test_example_passes(name, case):
    outcome = run_case(PACKS[name], case)
    assert outcome.ok, outcome.report()


@pytest.mark.parametrize("name", sorted(PACKS))
def test_every_rule_has_a_firing_and_a_quiet_example(name):
    pack = PACKS[name]
    cov = coverage(pack, list(cases_of(pack)))
    missing = [r for r in cov.rules if r not in cov.complete]
    assert cov.share == 1.0, f"{name}: 缺少触发或不触发用例的规则 (rules lacking an example): {missing}"
