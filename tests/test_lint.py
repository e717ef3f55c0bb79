"""perfrules lint: each listed mistake in a file made for it, nothing in the bundled packs."""

import pytest

from perfrules.authoring.lint import lint
from perfrules.engine.packs import bundled_names, load_pack

HERE = "tests/rules/lint"


def issues_of(spec):
    pack = load_pack(spec)
    return lint(list(pack.compiled.files))


def test_each_mistake_is_found_where_it_is():
    got = sorted((i.code, i.span.line) for i in issues_of(HERE))
    assert got == [("L01", 7), ("L02", 11), ("L02", 14), ("L03", 20), ("L04", 1), ("L05", 26),
                   ("L06", 30), ("L06", 36), ("L07", 24)]


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_packs_are_clean(name):
    assert [i.render() for i in issues_of(name)] == []


def test_lint_skips_what_a_shell_glob_adds_that_is_no_pack(tmp_path):
    from click.testing import CliRunner

    from perfrules.cli import main
    stray = tmp_path / "__init__.py"
    stray.write_text("", encoding="utf-8")
    r = CliRunner().invoke(main, ["lint", str(stray), "policies/national"])
    assert r.exit_code == 0, r.output
    assert "不是规则包" in r.output and "policies/national: 0 个问题" in r.output


def test_compile_skips_what_a_shell_glob_adds_but_compiling_nothing_is_no_pass(tmp_path):
    from click.testing import CliRunner

    from perfrules.cli import main
    stray = tmp_path / "__init__.py"
    stray.write_text('"""not rules"""\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["compile", str(stray), "policies/national"])
    assert r.exit_code == 0, r.output
    assert "不是规则包" in r.output and "policies/national: 通过" in r.output
    r = CliRunner().invoke(main, ["compile", str(stray)])
    assert r.exit_code == 2 and "没有可编译的规则包" in r.output


def test_fmt_keeps_a_rule_files_mode(tmp_path):
    import os
    import stat

    from click.testing import CliRunner

    from perfrules.cli import main
    f = tmp_path / "a.rules"
    f.write_text("规则 X-01 「名称」 错误\n  每个指标:   三级指标 不得为空\n", encoding="utf-8")
    os.chmod(f, 0o644)
    r = CliRunner().invoke(main, ["fmt", str(f)])
    assert r.exit_code == 0, r.output
    assert "每个指标: 三级指标" in f.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o644
