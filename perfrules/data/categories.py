"""The indicator framework (一级 → 二级) and the synonyms seen in real forms.

Forms write the same category many ways (产出数量, 数量, 数量指标); loaders keep the
original text and store the canonical name. Rule files extend the table with
``同义`` lines (see the language reference); :class:`Synonyms` is that table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")

# 二级 canonical name → its 一级. 成本 has two layouts, both accepted: the older one
# (财预〔2020〕10号 自评表) files 成本指标 as a 二级 under 产出指标; 财预〔2021〕101号 makes
# 成本指标 a 一级 with three 二级 of its own, 经济成本指标, 社会成本指标 and 生态环境成本指标
# (shared/national-rules.md R17: the 101号 指引 as restated at qddinggu.cn/caishui/35371.html).
# 成本指标 is therefore both a 一级 and a 二级 name; a row's 一级 says which layout it uses.
LEVEL2 = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济成本指标": "成本指标",
    "社会成本指标": "成本指标",
    "生态环境成本指标": "成本指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "文化效益指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
}

# Variant → canonical, from the seeds (002 tables 3/4, 004's long table) and R16.
SYNONYMS = {
    "产出": "产出指标",
    "效益": "效益指标",
    # Hebei's system print names the benefit block 效果指标 (corpus LAYOUTS D).
    "效果": "效益指标",
    "效果指标": "效益指标",
    "满意度": "满意度指标",
    "服务对象满意度": "服务对象满意度指标",
    "公众满意度": "服务对象满意度指标",
    "公众满意度指标": "服务对象满意度指标",
    "社会公众满意度": "服务对象满意度指标",
    "利益相关者满意度": "服务对象满意度指标",
    "利益相关者满意度指标": "服务对象满意度指标",
    # The older national 申报表 files satisfaction as a 二级 of 效益 (corpus LAYOUTS E).
    "社会公众或服务对象满意度指标": "服务对象满意度指标",
    "社会公众或服务对象满意度": "服务对象满意度指标",
    "服务对象满意度指标等": "服务对象满意度指标",
    "满意度指标(二级)": "服务对象满意度指标",
    "数量": "数量指标",
    "产出数量": "数量指标",
    "质量": "质量指标",
    "产出质量": "质量指标",
    "时效": "时效指标",
    "产出时效": "时效指标",
    "成本": "成本指标",
    "产出成本": "成本指标",
    # The 101号 cost categories without 指标, as forms print 二级 (like 产出数量 → 数量指标).
    # 生态成本 / 环境成本 are not listed: no form or policy text using them was found.
    "经济成本": "经济成本指标",
    "社会成本": "社会成本指标",
    "生态环境成本": "生态环境成本指标",
    "经济效益": "经济效益指标",
    "社会效益": "社会效益指标",
    "生态效益": "生态效益指标",
    "文化效益": "文化效益指标",
    "可持续影响": "可持续影响指标",
    "可持续发展影响": "可持续影响指标",
    "可持续影响力": "可持续影响指标",
}

_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """Drop the spaces PDF extraction and Excel wrapping put inside Chinese words."""
    return _SPACE.sub("", text).strip()


class Synonyms:
    """A variant → canonical table; packs and rule files add to a copy of the default."""

    def __init__(self, table: Mapping[str, str] | None = None):
        self._table: dict[str, str] = dict(SYNONYMS if table is None else table)
        self._memo: dict[str, str | None] = {}  # the same few category words recur on every row

    def extended(self, pairs: Iterable[tuple[str, str]]) -> "Synonyms":
        table = dict(self._table)
        for variant, canonical in pairs:
            table[clean(variant)] = clean(canonical)
        return Synonyms(table)

    def canonical(self, text: str | None) -> str | None:
        """The canonical name of a category, or the cleaned text when it is unknown."""
        if text is None:
            return None
        hit = self._memo.get(text, False)
        if hit is not False:
            return hit
        t = clean(text)
        if t:
            seen = set()
            while t in self._table and t not in seen:  # chains: 公众满意度 → … → canonical
                seen.add(t)
                t = self._table[t]
        result = t or None
        if len(self._memo) < 65536:
            self._memo[text] = result
        return result

    def items(self):
        return self._table.items()


DEFAULT_SYNONYMS = Synonyms()
