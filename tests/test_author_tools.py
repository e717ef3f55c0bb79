"""Commands for rule authors on the bundled packs: test, explain, docs, diff, packs; waivers."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKS = sorted(str(p) for p in (ROOT / "policies").iterdir() if (p / "pack.yaml").is_file())


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "perfrules", *args], capture_output=True, text=True, cwd=cwd)


def test_test_command_runs_every_bundled_pack_with_full_coverage():
    r = cli("test", *PACKS, "--coverage")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().splitlines()[-1].endswith("passed, 0 failed")
    assert r.stdout.count("覆盖率 (coverage): 100%") == len(PACKS)


def test_a_failing_example_is_shown_as_a_diff(tmp_path):
    (tmp_path / "pack.yaml").write_text("name: t\nversion: '1'\n", encoding="utf-8")
    (tmp_path / "a.rules").write_text("规则 T-01 「名称」 错误\n  每个指标: 三级指标 不得为空\n", encoding="utf-8")
    (tmp_path / "a.examples.yaml").write_text(
        "- 用例: 写错的期望\n  规则: T-01\n  应触发: false\n  指标: {三级指标: '/', 指标值: '5个'}\n",
        encoding="utf-8")
    r = cli("test", str(tmp_path))
    assert r.returncode == 1
    assert "✗ 写错的期望" in r.stdout and "-T-01 触发: 否" in r.stdout and "+T-01 触发: 是" in r.stdout
    assert "没有触发用例的规则 (no firing example): T-01" in r.stdout
    assert r.stdout.rstrip().endswith("0 passed, 1 failed")


def test_explain_shows_text_meaning_basis_and_examples():
    r = cli("explain", "N-04")
    assert r.returncode == 0
    for part in ("N-04 生态效益不适用于信息化运维项目", "依据 (basis)", "含义 (meaning)",
                 "项目类别含「信息化运维」时，「生态效益」类指标是一项发现", "规则原文", "用例 (examples)"):
        assert part in r.stdout
    r = cli("explain", "N-4")
    assert r.returncode == 2 and "找不到规则「N-4」" in r.stderr


def test_explain_names_where_a_rule_is_overridden(tmp_path):
    (tmp_path / "pack.yaml").write_text("name: strict\nextends: [national]\nseverity: {N-09: error}\n",
                                        encoding="utf-8")
    r = cli("explain", "N-09", "-p", "national", "-p", str(tmp_path))
    assert "strict@0: 严重程度改为 error" in r.stdout


def test_docs_writes_one_catalogue_page(tmp_path):
    r = cli("docs", "panyu-project-2023", "-o", str(tmp_path / "site"))
    assert r.returncode == 0
    page = (tmp_path / "site" / "panyu-project-2023.md").read_text(encoding="utf-8")
    assert page.startswith("# 规则包 panyu-project-2023 1.0")
    assert "## 评分表" in page and "| 项目管理/财务管理/支出完成率 | 8 | 公式 |" in page
    assert "### N-01 三级指标须有名称" in page and "### P-03 指标值不具体的指标按50%计分" in page
    assert "依据:" in page and "用例:" in page


def test_diff_shows_what_a_pack_update_changes(tmp_path):
    (tmp_path / "pack.yaml").write_text(
        "name: next\nversion: '2'\nextends: [panyu-project-2023]\nseverity: {N-09: warning}\ndisable: [N-13]\n"
        "grades: {优: '[90,100]', 良: '[88,90)', 中: '[70,88)', 低: '[60,70)', 差: '[0,60)'}\n", encoding="utf-8")
    r = cli("diff", "panyu-project-2023", str(tmp_path), "examples/panyu-2023-ops/申报.yaml",
            "examples/panyu-2023-ops/自评.yaml", "examples/panyu-2023-ops/评价.yaml")
    assert r.returncode == 0, r.stderr
    assert "等级: 良 → 中" in r.stdout  # 87.38 under the new bands
    assert "~ N-09 项目: 提示 → 警告" in r.stdout  # N-09 speaks once per table
    assert "- 警告 N-13" in r.stdout
    assert "引起变化的规则 (rules behind the changes):" in r.stdout


def test_packs_lists_bundled_packs():
    r = cli("packs")
    assert r.returncode == 0
    for name in ("national", "national-selfeval", "panyu-project-2023", "guangzhou-dept-2022"):
        assert name in r.stdout


def test_waived_findings_are_shown_with_their_reason_and_stale_waivers_reported(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("豁免:\n  - {规则: N-03, 指标: 资金拨付率, 理由: 专项转移支付，拨付即产出}\n"
                 "  - {规则: N-99, 理由: 旧规则}\n"
                 "绩效指标:\n  - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 资金拨付率, 指标值: '91%',"
                 " 计算方法: 拨付数÷预算数}\n"
                 "  - {一级指标: 效益指标, 二级指标: 社会效益指标, 三级指标: 网站可用率, 指标值: '99%', 计算方法: 可用时长÷总时长}\n"
                 "  - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 运维服务次数, 指标值: '≥12次', 计算方法: 按运维记录}\n"
                 "  - {一级指标: 满意度指标, 二级指标: 服务对象满意度指标, 三级指标: 服务对象满意度, 指标值: '≥90%',"
                 " 计算方法: 问卷}\n",
                 encoding="utf-8")
    r = cli("check", str(f), "--format", "json", "--fail-on", "warning")
    data = json.loads(r.stdout)
    waived = [x for x in data["findings"] if x["rule"] == "N-03"]
    assert waived and waived[0]["waived"] == "专项转移支付，拨付即产出"
    assert [x["message"] for x in data["findings"] if x["rule"] == "WV-01"] == \
        ["豁免（规则 N-99）没有对应的发现，可能已失效"]
    assert r.returncode == 0  # a waived warning and an info do not fail the run
    table = cli("check", str(f)).stdout
    assert "已豁免: 专项转移支付，拨付即产出" in table
