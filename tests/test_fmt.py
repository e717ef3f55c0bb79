"""perfrules fmt: canonical, idempotent, comment-keeping, meaning-preserving (hypothesis)."""

import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from perfrules.engine.compiler import compile_files
from perfrules.errors import PerfrulesError
from perfrules.language.fmt import format_text
from perfrules.language.parser import parse_text

ROOT = Path(__file__).resolve().parent.parent


def tree(text):
    import attrs
    t = parse_text(text, "x.rules")
    # An anonymous rule is named by its line, which formatting may move: compare the rest.
    rules = tuple(attrs.evolve(r, id="anon") if r.anonymous else r for r in t.rules)
    return t.wordlists, t.synonyms, rules, t.items


# Statements in both languages and several spellings; the generator glues them into files.
STATEMENTS = [
    "指标值须可衡量", "指标值 须 可衡量", "生态效益 不适用于 信息化运维", "生态效益不适用于信息化运维",
    "执行率<60% ⇒ 否决", "执行率 < 60% => 否决", "每个指标: 三级指标 不得为空",
    "若 一级指标 属于 [产出指标, 效益指标] 则 三级指标 不得属于 [资金拨付率, 支付合规性]",
    "每个指标 其中 指标值 是 量化 且 一级指标 是 产出指标: 计算方法 应 非空",
    "计数(一级指标 是 满意度指标) >= 1", "合计(分值 其中 一级指标 是 产出指标) = 50",
    "每个指标: 完成率 > 150% ⇒ 提示 「完成值偏高」", "当 阶段 属于 [自评, 评价]",
    "each indicator where level1 is 产出指标: method must not be empty", "count(level2 is 满意度指标) >= 1",
    "若 执行率 < 90% 则 执行率 ≥ 50%", "指标值 须 可衡量 除非 指标值 包含 「定性」",
    "每个指标: 得分 应 ≤ 分值 × 50%", "并非 执行率 ≥ 60% ⇒ 警告",
]
HEADERS = ["规则 R-{k} 「第{k}条」 错误", "规则 R-{k}", "rule R-{k} \"rule {k}\" warning", "规则 R-{k} 「提示{k}」 提示"]
ITEM = ["评分项 组/支出完成率{k} 分值 8\n  得分 = (执行率 − 60%) ÷ (100% − 60%) × 分值\n  执行率 < 60% ⇒ 否决",
        "评分项 组/规范性{k} 分值 4 酌情\n  计数(指标) ≥ 6 且 计数(指标值 是 量化) ≥ 4 ⇒ 4分\n  否则 ⇒ 0分",
        "评分项 产出{k} 分值 50 每个指标 其中 一级指标 是 产出指标\n  若 指标值 是 反向 则 得分 = 分值 × 指标值 ÷ 实际完成值\n"
        "  得分 = 分值 × 最小(完成率, 100%)\n  最高完成率 > 150% ⇒ 得分减半"]
DEFS = ["词表 模糊用语: 提升, 提高, 保障", "同义 满意度指标: 服务对象满意度指标, 公众满意度指标", "词表 空格词: 「两 个字」, 乙"]
COMMENTS = ["# 注释", "# comment: 说明", ""]


@st.composite
def rule_files(draw):
    parts = []
    for k, d in enumerate(draw(st.lists(st.sampled_from(DEFS), max_size=2, unique=True))):
        parts.append(d)
    for k in range(draw(st.integers(1, 5))):
        parts.append(draw(st.sampled_from(COMMENTS)))
        kind = draw(st.sampled_from(["rule", "item", "bare"]))
        if kind == "item":
            parts.append(draw(st.sampled_from(ITEM)).format(k=k))
        elif kind == "bare":
            parts.append(draw(st.sampled_from(STATEMENTS[:3])))
        else:
            head = draw(st.sampled_from(HEADERS)).format(k=k)
            body = draw(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=3))
            trail = draw(st.sampled_from(["", "  # 行尾注释"]))
            parts.append(head + trail + "\n" + "\n".join("  " + b for b in body))
    return "\n".join(parts) + "\n"


@given(rule_files())
def test_fmt_is_idempotent_and_keeps_meaning(text):
    once = format_text(text)
    assert format_text(once) == once
    assert tree(once) == tree(text)
    def compiles(t):
        try:
            compile_files([parse_text(t, "x.rules")])
            return True
        except PerfrulesError:
            return False
    assert compiles(once) == compiles(text)
    for line in text.splitlines():  # no comment is lost
        if line.strip().startswith("#"):
            assert line.strip() in once


@given(rule_files(), st.sampled_from(["zh", "en"]))
def test_either_keyword_language_keeps_meaning(text, lang):
    out = format_text(text, lang=lang)
    assert tree(out) == tree(text)
    assert format_text(out, lang=lang) == out


def test_the_three_reference_lines():
    assert format_text("指标值须可衡量\n生态效益不适用于信息化运维\n执行率<60%⇒否决\n") == \
        "指标值 须可衡量\n生态效益 不适用于 信息化运维\n执行率 < 60% ⇒ 否决\n"


def test_english_file_stays_english():
    text = 'rule N-05 "a satisfaction indicator is set" warning\n  count(level2 is 满意度指标) >= 1\n'
    assert format_text(text) == 'rule N-05 "a satisfaction indicator is set" warning\n  count(level2 is 满意度指标) ≥ 1\n'


def cli(*args):
    return subprocess.run([sys.executable, "-m", "perfrules", *args], capture_output=True, text=True, cwd=ROOT)


def test_check_mode_shows_the_diff_and_exits_1(tmp_path):
    f = tmp_path / "a.rules"
    f.write_text("规则 A-01 「名称」 错误\n每个指标:三级指标 不得为空   # 行尾\n", encoding="utf-8")
    r = cli("fmt", "--check", str(f))
    assert r.returncode == 1 and "+  每个指标: 三级指标 不得为空  # 行尾" in r.stdout
    assert f.read_text(encoding="utf-8").startswith("规则 A-01 「名称」 错误\n每个指标:")  # untouched
    assert cli("fmt", str(f)).returncode == 0
    assert cli("fmt", "--check", str(f)).returncode == 0


def test_bundled_packs_are_formatted():
    files = sorted(str(p) for p in ROOT.glob("policies/*/*.rules"))
    r = cli("fmt", "--check", *files)
    assert r.returncode == 0, r.stdout
