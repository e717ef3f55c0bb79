"""Whatever text a rule file holds, perfrules answers with compiled rules or a PerfrulesError.

Three sources of text: random characters, valid rule files mutated (characters and
tokens, Chinese keywords included, inserted, deleted, replaced), and lines generated
from the grammar itself. Rules that compile are also run on a small indicator set.

Fast by default (profile ``ci``); ``HYPOTHESIS_PROFILE=long`` searches much further.
"""

from __future__ import annotations

from decimal import Decimal as D
from importlib import resources
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from perfrules.data.indicators import Budget, Indicator, IndicatorSet, Project, ScoreEntry
from perfrules.engine.compiler import compile_files
from perfrules.engine.runner import run
from perfrules.errors import PerfrulesError
from perfrules.language.parser import parse_text
from perfrules.language.vocabulary import SPELLINGS

from helpers import make_pack

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = sorted([*ROOT.glob("policies/*/*.rules"), ROOT / "tests" / "rules" / "sample.rules"])
SEEDS = [p.read_text(encoding="utf-8") for p in SEED_FILES] + [
    "指标值须可衡量\n生态效益 不适用于 信息化运维\n执行率<60% ⇒ 否决\n",
    "评分项 项目决策/绩效指标规范性 分值 4\n"
    "  计数(指标) ≥ 6 且 计数(指标值 是 量化) ≥ 4 ⇒ 4分\n  否则 ⇒ 0分\n"
    "评分项 项目管理/支出完成率 分值 8\n  得分 = (执行率 − 60%) ÷ (100% − 60%) × 分值\n",
    "rule E-1 \"x\" warning\n  for each indicator where level1 is 产出指标: target must be quantified\n",
]

# Every spelling of every keyword (the one table, perfrules/language/vocabulary.py), then the rest.
TOKENS = [
    *SPELLINGS,
    "(", ")", "（", "）", "[", "]", "「", "」", '"', "“", "”", ":", "：", ",", "，", "、", "#", "\n", " ", "　",
    "60%", "1,164.43万元", "[80%, 100%)", "0", "4", "N-01", "指标值", "三级指标", "一级指标", "执行率", "支出", "类别",
    "阶段", "可衡量", "名实相符", "生态效益", "信息化运维", "自评", "模糊用语", "\ufeff", "\r", "\t", "\x00",
]

SMALL_SET = IndicatorSet(
    (Indicator(level1="产出指标", level2="数量指标", name="资金拨付率", target="91%", actual="84.40%",
               weight=D(7), score=D(5)),
     Indicator(level1="效益指标", level2="生态效益指标", level2_raw="生态效益", name=None, target="提升"),
     Indicator(level1="满意度指标", level2="服务对象满意度指标", name="满意度", target="≥90%", actual="95%")),
    project=Project(categories=("信息化运维",), nature="经常性", year=2023), stage="自评",
    budget=Budget(annual=D("507.74"), spent=D("428.54")),
    scores=(ScoreEntry("项目绩效/项目效益", D(25), D(20), comment="x"),))


def check(text: str) -> None:
    """The property: compiled rules (which also run) or a PerfrulesError that renders."""
    try:
        compiled = compile_files([parse_text(text, "fuzz.rules")])
    except PerfrulesError as e:
        assert e.render()
        return
    pack = make_pack(compiled, name="fuzz", version="0", path="fuzz.rules")
    for data in (SMALL_SET, IndicatorSet(())):
        result = run([pack], data)
        if result.score is not None:
            for item in result.score.items:
                assert item.max - item.highest == sum((d.points for d in item.deductions), D(0))


# ---- random text ----------------------------------------------------------------------------

RULE_ALPHABET = st.sampled_from(sorted(set("".join(TOKENS)) | set("0123456789.%万元abcxyz_-")))


@given(st.text(max_size=200))
def test_random_text(text):
    check(text)


@given(st.lists(st.one_of(RULE_ALPHABET, st.sampled_from(TOKENS)), max_size=60).map("".join))
def test_random_rule_like_text(text):
    check(text)


# ---- mutated valid files ------------------------------------------------------------------------

@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "char", "dup_line", "drop_line"]))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 6)):]
        elif op == "replace":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at + draw(st.integers(1, 4)):]
        elif op == "char":
            text = text[:at] + draw(st.characters(codec="utf-8")) + text[at:]
        else:
            lines = text.split("\n")
            k = draw(st.integers(0, max(0, len(lines) - 1)))
            if op == "dup_line":
                lines.insert(k, lines[k] if lines else "")
            elif lines:
                del lines[k]
            text = "\n".join(lines)
    return text


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_rule_files(text):
    check(text)


def test_seed_files_compile():
    # A pack's files share word lists, so each pack folder compiles as one.
    groups: dict[str, list] = {}
    for text, path in zip(SEEDS, [*map(str, SEED_FILES), "inline1", "inline2", "inline3"]):
        key = str(Path(path).parent) if path.endswith(".rules") and "/policies/" in path else path
        groups.setdefault(key, []).append(parse_text(text, path))
    from perfrules.engine.packs import load_pack
    for key, files in groups.items():
        try:
            if (Path(key) / "pack.yaml").exists():
                load_pack(key)  # with the fields its manifest declares
            else:
                compile_files(files)
        except PerfrulesError as e:  # pragma: no cover - a message for whoever breaks a seed
            raise AssertionError(e.render()) from None


# ---- text generated from the grammar -----------------------------------------------------------

def _grammar() -> Lark:
    text = resources.files("perfrules.grammar").joinpath("perfrules.lark").read_text("utf-8")
    return Lark(text, parser="lalr", lexer="contextual", start="start")


def _spaced(words):
    # Surrounding spaces keep a generated name from gluing onto the keyword beside it.
    return st.sampled_from(words).map(lambda w: f" {w} ")


NAMES = ["指标值", "三级指标", "一级指标", "二级指标", "实际完成值", "执行率", "支出", "年度预算", "分值", "得分",
         "类别", "阶段", "性质", "指标", "可衡量", "量化", "定性", "名实相符", "百分数", "产出指标", "满意度指标",
         "生态效益", "信息化运维", "自评", "申报", "模糊用语", "管理类", "level1", "target", "未知名"]
EXPLICIT = {
    "NAME": _spaced(NAMES),
    "WORD": _spaced(NAMES + ["提升", "资金拨付率", "服务对象满意度指标"]),
    "STRING": _spaced(["「a」", "「指标{三级指标}须有名称」", "「如「资金拨付率」等」", '"x"', "“y”", "『z』"]),
    "NUMBER": _spaced(["0", "4", "60%", "100%", "1,164.43", "428.54万元", "4285400元", "1亿元", "5‰", "0.5"]),
    "RULE_ID": _spaced(["N-01", "R1", "a.b_c", "E-2"]),
    "COMMENT": st.just(" # 注释\n"),
}


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(st.lists(from_lark(_grammar(), explicit=EXPLICIT), min_size=1, max_size=8).map("\n".join))
@example("生态效益 不适用于 信息化运维\n执行率 < 60% ⇒ 否决")
def test_grammar_generated_files(text):
    check(text)


# ---- explicit regressions ------------------------------------------------------------------------

def test_points_finer_than_the_sheet_are_rejected():
    # Found by test_grammar_generated_files: a weight of 5‰ (0.005 points) compiled, then the
    # score sheet could not hold it at two decimals (max − score ≠ Σ deductions: AssertionError);
    # a weight of 10^29 made Decimal.quantize raise InvalidOperation.
    for text in ["评分项0分值 5‰ ", "评分项 a 分值 0.005",
                 "评分项 a 分值 99999999999999999999999999999.99\n  计数(指标) ≥ 1 ⇒ 扣0.01分",
                 "评分项 a 分值 5\n  计数(指标) ≥ 1 ⇒ 扣0.005分",
                 "评分项 a 分值 5\n  计数(指标) ≥ 1 ⇒ 最高0.005分",
                 "评分项 a 分值 5\n  计数(指标) ≥ 1 ⇒ 0.005分\n  否则 ⇒ 0分"]:
        try:
            compile_files([parse_text(text, "fuzz.rules")])
        except PerfrulesError as e:
            assert "最多两位小数" in e.zh
        else:  # pragma: no cover
            raise AssertionError(f"compiled: {text!r}")
        check(text)


def test_regressions():
    for text in [
        "",                      # an empty file is no rules, not an error
        "\ufeff指标值须可衡量",      # a byte-order mark
        "评分项 a 分值 0\n  得分 = 执行率 ÷ 0",   # division by zero is "cannot compute", not a crash
        "评分项 a 分值 4\n  得分 = 分值 × 99999999999999999999999999",
        "每个指标: 指标值 须 可衡亮",  # used to compile silently as an equality test
        "计数(一级指标 是 满意度指标 ≥ 1",
    ]:
        check(text)
