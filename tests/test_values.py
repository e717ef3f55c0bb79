"""Tests for perfrules.data.values: golden readings, properties, completion rates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from perfrules.data.values import (
    COMPARATORS, DEFAULT_STATE_WORDS, DEFAULT_VAGUE_WORDS, Clause, Value, completion_rate,
    format_value, is_met, read_value,
)

ROWS = yaml.safe_load((Path(__file__).parent / "data" / "values.yaml").read_text("utf-8"))


def _id(row):
    return f"{row['src']}:{row['text'][:24]}"


# ------------------------------------------------------------------ golden table

@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_golden_reading(row):
    v = read_value(row["text"])
    assert v.kind == row["kind"], v
    if v.kind == "quantitative":
        got = [[c.label, c.comparator, c.number, c.unit] for c in v.clauses]
        want = [[lb, cmp, Decimal(n), u] for lb, cmp, n, u in row["clauses"]]
        assert got == want
        # numbers are read exactly as written, not just numerically equal
        assert [str(c.number) for c in v.clauses] == [n for _, _, n, _ in row["clauses"]]
        assert v.reason is None and v.measurable and not v.vague
    elif v.kind == "qualitative":
        assert v.vague is row["vague"], v.reason
        assert v.measurable is not row["vague"]
        assert (v.reason is not None) is row["vague"]
        assert v.clauses == () and v.number is None
    else:
        assert not v.measurable and not v.vague and v.clauses == ()


def test_golden_table_covers_the_issue_strings():
    texts = {r["text"] for r in ROWS}
    for t in ["91%", "84.40%", "≥1000个", "2000个", "5个", "4G", "99%以上", "满意 90%以上",
              "124、63", "约800人次", "50个以上单位", "不少于 20000 套", "1,164.43万元",
              "70万元", "大于 99%", "30分钟内", "五个", "十分钟", "三台", "一千二百个", "两个",
              "按合同约定", "定性指标", "运行正常（定性指标）", "提升", "无",
              "保障政务网络光纤通畅", "年度内未发生网络安全事故"]:
        assert t in texts
    assert sum(r["src"].startswith("004") for r in ROWS) > 100
    assert sum(r["src"].startswith("002") for r in ROWS) == 24


def test_pdf_spaces_read_like_clean_text():
    a = read_value("上班时间 10 分 钟内, 非上班时 间 30 分钟内")
    b = read_value("上班时间10分钟内，非上班时间30分钟内")
    key = lambda v: [(c.label, c.comparator, c.number, c.unit) for c in v.clauses]  # noqa: E731
    assert key(a) == key(b)
    assert format_value(a) == format_value(b) == "上班时间≤10分钟，非上班时间≤30分钟"


# ------------------------------------------------------------------ API details

def test_value_properties():
    v = read_value("91%")
    assert (v.quantified, v.qualitative, v.empty) == (True, False, False)
    assert (v.number, v.unit, v.comparator) == (Decimal("91"), "%", "=")
    assert v.ratio == Decimal("0.91")
    assert read_value("≥1000个").ratio == Decimal("1000")
    e = read_value(None)
    assert e.text == "" and e.empty and not e.measurable and not e.vague
    assert (e.number, e.unit, e.comparator, e.ratio) == (None, None, None, None)


def test_reasons_are_chinese_and_specific():
    assert read_value("提升").reason == "「提升」只说方向，未说明达到何种状态"
    assert "占位" in read_value("定性指标").reason
    assert "保障" in read_value("保障政务网络光纤通畅").reason
    assert read_value("年度内未发生网络安全事故").reason is None


def test_word_lists_can_be_tuned():
    assert read_value("网络通畅").vague
    assert not read_value("网络通畅", state_words=DEFAULT_STATE_WORDS | {"通畅"}).vague
    assert read_value("保障网络").reason.startswith("以「保障」")
    r = read_value("保障网络", vague_words=DEFAULT_VAGUE_WORDS - {"保障"}).reason
    assert r is not None and "保障" not in r


def test_reading_is_cached_and_shared():
    assert read_value("≥1000个") is read_value("≥1000个")


def test_negated_state_words_do_not_count():
    assert read_value("验收不合格").vague
    assert read_value("未能完成年度支付目标").vague
    assert not read_value("全年未发生故障").vague


def test_first_sentence_rule_only_for_leading_quantity():
    assert read_value("100%。说明：聘用人员已到位。").number == Decimal("100")
    assert read_value("说明：聘用人员已到位。100%").qualitative


@pytest.mark.parametrize("text", ["2022年度已按期支付", "2023年12月26日验收", "五星文明户",
                                  "一般性操作", "万元", "1、政府专线线路租用；2、网站运维"])
def test_sentences_with_numbers_stay_qualitative(text):
    assert read_value(text).qualitative


# ------------------------------------------------------------------ completion

R = read_value


@pytest.mark.parametrize("target, actual, rate, met", [
    ("≤5秒", "4.24秒", Decimal(5) / Decimal("4.24"), True),
    ("≥1000个", "2000个", Decimal("2"), True),
    ("91%", "84.40%", Decimal("84.40") / Decimal("91"), False),
    ("10分钟内", "8分钟", Decimal(10) / Decimal(8), True),
    ("30分钟内", "45分钟", Decimal(30) / Decimal(45), False),
    ("≤5秒", "0.1分钟", Decimal(5) / Decimal(6), False),          # units converted
    ("1,164.43万元", "11644300元", Decimal(1), True),
    ("4G", "20G", Decimal(5), True),
    ("99%以上", "99%", Decimal(1), True),
    ("大于 99%", "99%", Decimal(1), False),
    ("低于 1%", "0.5%", Decimal(2), True),
    ("预期值：6", "6个。全区政府专线正常运行。", Decimal(1), True),  # bare number ~ count
    ("约800人次", "850人次", Decimal(850) / Decimal(800), True),
])
def test_rate_and_met(target, actual, rate, met):
    assert completion_rate(R(target), R(actual)) == rate
    assert is_met(R(target), R(actual)) is met


def test_compound_values_pair_by_label():
    t = R("上班时间10分钟内，非上班时间30分钟内")
    assert completion_rate(t, R("非上班时间20分钟，上班时间8分钟")) == Decimal(10) / Decimal(8)
    assert is_met(t, R("非上班时间20分钟，上班时间8分钟")) is True
    assert is_met(t, R("上班时间8分钟，非上班时间40分钟")) is False
    assert completion_rate(t, R("上班时间8分钟，节假日40分钟")) is None
    assert is_met(t, R("8分钟")) is True                     # first clause of each
    assert completion_rate(R("124、63"), R("124、63")) == Decimal(1)


@pytest.mark.parametrize("target, actual", [
    ("91%", "按计划完成"), ("定性指标", "100%"), ("", "5个"), ("5个", None),
    ("91%", "5个"), ("5秒", "5TB"), ("4G", "4Gbps"), ("70万元", "70"),
    ("0个", "5个"), ("≤5秒", "0秒"),
])
def test_not_comparable(target, actual):
    assert completion_rate(R(target), R(actual)) is None
    if target not in ("0个", "≤5秒"):
        assert is_met(R(target), R(actual)) is None


def test_zero_target_is_still_checked_by_is_met():
    assert is_met(R("≤0起"), R("0起")) is True
    assert is_met(R("≤5秒"), R("0秒")) is True


# ------------------------------------------------------------------ properties

@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), st.text(alphabet="0123456789.,，、%％约≥≤<>=以上内下"
                                                    "个万元秒分钟一二两十百千万亿零-— ：:（）()",
                                               max_size=40)))
def test_never_raises(text):
    v = read_value(text)
    assert isinstance(v, Value)
    assert v.kind in ("empty", "quantitative", "qualitative")
    assert (v.kind == "quantitative") == bool(v.clauses)
    for c in v.clauses:
        assert c.comparator in COMPARATORS and isinstance(c.number, Decimal)
    format_value(v)
    completion_rate(v, v)
    is_met(v, v)


def test_long_input_is_bounded():
    v = read_value("保障" + "一" * 100000 + "9" * 5000)
    assert v.qualitative


_LABELS = [None, "上班时间", "非上班时间", "一般性操作", "满意", "日志存储能力", "关键业务处理性能"]
_UNITS = ["", "%", "个", "秒", "分钟", "万元", "人次", "Gbps", "TB", "G", "套", "台", "项", "小时"]

clauses = st.builds(
    lambda label, cmp, number, unit: Clause(label, cmp, number, unit, ""),
    st.sampled_from(_LABELS), st.sampled_from(COMPARATORS),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
    | st.integers(0, 10**6).map(Decimal),
    st.sampled_from(_UNITS))


@settings(max_examples=300, deadline=None)
@given(st.lists(clauses, min_size=1, max_size=5))
def test_format_read_round_trip(cs):
    v = Value(text="", kind="quantitative", clauses=tuple(cs))
    back = read_value(format_value(v))
    assert back.quantified, format_value(v)
    assert [(c.comparator, c.number, c.unit) for c in back.clauses] == \
        [(c.comparator, c.number, c.unit) for c in cs]
    assert [c.label for c in back.clauses] == [c.label for c in cs]


def test_format_examples():
    assert format_value(R("不少于 1000 个")) == "≥1000个"
    assert format_value(R("约800人次")) == "约800人次"
    assert format_value(R("按合同约定")) == "按合同约定"


# ------------------------------------------------------------------ deadlines and vague timing (issue 12)

@pytest.mark.parametrize("text", ["12月底前", "6月30日前完成", "2025年12月", "2025年12月31日前完成", "年底前完成",
                                  "2025年底前完成", "当年12月底前完成", "2023.12.31前", "10月底前"])
def test_a_deadline_is_measurable(text):
    v = read_value(text)
    assert v.qualitative and v.deadline and v.measurable and not v.vague


@pytest.mark.parametrize("text,reason", [
    ("及时", "「及时」未写明时限"), ("按时完成", "「按时」未写明时限"), ("在计划时间内完成", "「计划时间内」未写明时限"),
    ("效果明显", "「明显」只说程度"), ("显著提升", "「显著」只说程度"), ("长期", "「长期」只说程度"),
    ("影响程度明显", "「明显」只说程度"), ("2023.07-2024.01", "写的是一段期间"), ("否", "只回答了是或否"),
])
def test_timing_and_degree_words_are_vague(text, reason):
    v = read_value(text)
    assert v.vague and not v.deadline and reason in v.reason


def test_a_stated_state_still_counts_beside_a_timing_word():
    assert read_value("故障及时处理，全年未发生网络安全事故").measurable
    assert read_value("按时办结率均达 100%").measurable
