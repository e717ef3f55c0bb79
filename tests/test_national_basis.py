"""The national pack's 依据 is written for users (issue 12, part 5): it cites documents a user can
look up, never the maintainers' confidence grades or internal file names; those stay in 来源,
which `perfrules explain` shows and findings do not carry."""

import re
from pathlib import Path

from perfrules.engine.packs import load_pack
from perfrules.engine.runner import run
from perfrules.data.loaders import load

# 「（S，低可信度）」「（Seed）」「（I）」「（T）」, the grading notes and the project's own files.
INTERNAL = re.compile(r"[（(]\s*(?:T|S|I|Seed|S/I|I/S)\s*[）)，,]|可信度|Seed|national-rules|shared/|\.md\b|种子|"
                      r"pmkpi|语料")


import pytest

from perfrules.engine.packs import bundled_names
from perfrules.engine.reconcile import BASIS


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_basis_is_for_users(name):
    for rule in load_pack(name).compiled.rules:
        assert not INTERNAL.search(rule.basis or ""), f"{name} {rule.id} 依据: {rule.basis}"
    for rule, text in BASIS.items():  # the built-in checks, shown with every pack
        assert not INTERNAL.search(text), f"{rule} 依据: {text}"


def test_every_basis_is_for_users_and_provenance_is_kept_apart():
    pack = load_pack("national")
    for rule in pack.compiled.rules:
        assert rule.basis, f"{rule.id} has no 依据"
        assert not INTERNAL.search(rule.basis), f"{rule.id} 依据: {rule.basis}"
    own = [r for r in pack.compiled.rules if r.id.startswith("N-")]
    assert all(r.provenance for r in own), [r.id for r in own if not r.provenance]


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "panyu-2023-ops" / "申报.yaml"


def test_findings_carry_the_basis_not_the_provenance():
    pack = load_pack("national")
    result = run([pack], load(str(EXAMPLE)))
    text = "\n".join(f"{f.message} {f.basis or ''} {f.fix or ''}" for f in result.findings if f.rule.startswith("N-"))
    assert result.findings and not INTERNAL.search(text)


def test_explain_shows_the_provenance():
    from click.testing import CliRunner
    from perfrules.cli import main
    out = CliRunner().invoke(main, ["explain", "N-03", "-p", "national"]).output
    assert "来源 (provenance):" in out and "依据 (basis):" in out
