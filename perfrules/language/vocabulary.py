"""The one table of the rule language's keywords, and everything made from it.

Each row of :data:`TABLE` is one keyword terminal of the grammar: its token name, its kind,
its spellings (Chinese, English, signs) grouped by the meaning the parser reads them as, the
words a syntax error uses for it, whether a did-you-mean may offer it, and how ``fmt`` prints
it in each language. From the table come:

- the grammar's keyword terminals and the lookahead of NAME (generated into
  ``grammar/perfrules.lark`` between marker comments: ``python -m perfrules.language.vocabulary
  --write-grammar``; a test checks the file holds exactly what the table generates);
- the maps the parser and the cache read spellings with (:data:`MODALS`, :data:`SEVERITIES`,
  :data:`METAS`, :data:`FUNCS`, :data:`CMPS`, :data:`ARITH`, re-exported by ``keywords.py``);
- :data:`EXPECTED_WORDS` (what a syntax error says is expected), :data:`KEYWORDS` (the
  did-you-mean words), :data:`HEADER_WORDS` (source.py's statement starts), fmt's ``ZH``/``EN``
  tables and its language detection, the fuzzers' token lists;
- the keyword table of docs/language.md §20 (:func:`keywords_text`, pasted between marker
  comments by ``--write-docs``; a test compares).

Adding a keyword: a row here (or a spelling in a row), then ``--write-grammar --write-docs``;
use the terminal in a grammar rule and build its node in parser.py. See docs/language.md
"添加关键词 / Adding a keyword".

Kept free of Lark, so that modules which only need the vocabulary do not import it.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import attrs

from .. import severity as _severity

# ---- the rows -------------------------------------------------------------------------------

KINDS = {
    "header": "starts a header or definition line (规则, 评分项, 词表, 同义)",
    "header-part": "a word inside a header line (分值, 酌情)",
    "meta": "starts a metadata line (依据, 说明 …)",
    "clause": "starts a clause (当, 每个指标, 否则)",
    "connective": "joins conditions and consequences (若, 则, ⇒, 且, 或, 并非, 除非, 其中)",
    "modal": "须, 不得, 应, 不应",
    "predicate-operator": "puts a predicate after its subject (是, 属于, 包含, 为空 …)",
    "severity": ", ".join(s.zh for s in _severity.TABLE),  # 否决, 错误, 警告, 提示
    "consequence": "a score consequence (扣N分, 得N分, 最高N分 …)",
    "function": "计数, 合计 … before a bracket",
    "comparison": "≥, 不低于 …",
    "operator": "+ − × ÷",
}


@attrs.frozen
class Sense:
    """Spellings the parser reads as one meaning (``None``: the terminal itself is the meaning)."""

    meaning: str | None
    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()  # words separated by one space; any run of spaces matches
    signs: tuple[str, ...] = ()  # symbols, the same in both languages
    fmt: tuple[tuple[str, str, str], ...] = ()  # (fmt key, Chinese, English): what fmt prints
    doc: str = ""  # what this meaning is for, in the docs table (else the row's doc)

    @property
    def spellings(self) -> tuple[str, ...]:
        return self.signs + self.zh + self.en


@attrs.frozen
class Keyword:
    """One keyword terminal of the grammar."""

    token: str
    kind: str
    senses: tuple[Sense, ...]
    priority: int | None = 3  # None: a plain string terminal ("+" | "＋")
    expected: tuple[str, str] | None = None  # what a syntax error says when this is expected
    suggest: bool = True  # offered by did-you-mean
    after_name: bool = False  # may follow a name: NAME stops before its Chinese spellings
    opens_line: bool = False  # a line starting with it tells fmt the file's language
    guards: tuple[tuple[str, str], ...] = ()  # (spelling, lookahead) read only where it holds
    guard: str = ""  # a lookahead after every spelling
    note: str = ""  # a comment above the terminal in the grammar
    example: str = ""  # a line where the terminal is expected, {} for the spelling (tests)
    doc: str = ""  # what it is for, in the docs table

    @property
    def spellings(self) -> tuple[str, ...]:
        return tuple(s for sense in self.senses for s in sense.spellings)

    @property
    def zh(self) -> tuple[str, ...]:
        return tuple(s for sense in self.senses for s in sense.zh)

    @property
    def en(self) -> tuple[str, ...]:
        return tuple(s for sense in self.senses for s in sense.en)

    @property
    def signs(self) -> tuple[str, ...]:
        return tuple(s for sense in self.senses for s in sense.signs)

    def meanings(self) -> dict[str, str]:
        """Spelling (lower case, one space between words) → meaning."""
        return {s.lower(): sense.meaning for sense in self.senses for s in sense.spellings
                if sense.meaning is not None}

    def pattern(self, spelling: str) -> str:
        """The regular expression of one spelling, as the terminal reads it."""
        guard = dict(self.guards).get(spelling, "")
        if spelling in self.en:
            body = r"\s+".join(re.escape(w) for w in spelling.split())
            return body + ("" if self.guard else r"\b") + guard
        return re.escape(spelling) + guard


def _split(s: str) -> tuple[str, ...]:
    return tuple(x for x in s.split("|") if x) if s else ()


def sense(meaning: str | None, zh: str = "", en: str = "", signs: str = "", fmt=None, doc: str = "") -> Sense:
    """A sense from "|"-separated spellings; ``fmt``: {key: (zh, en)}, by default
    {meaning: (first Chinese, first English spelling)}."""
    z, e = _split(zh), _split(en)
    if fmt is None:
        fmt = {meaning: (z[0], e[0])} if meaning and z and e else {}
    return Sense(meaning, z, e, _split(signs), tuple((k, a, b) for k, (a, b) in fmt.items()), doc)


def kw(token: str, kind: str, zh: str = "", en: str = "", signs: str = "", *, senses=(), fmt=None,
       guards=None, **row) -> Keyword:
    """A row; a terminal of one meaning gives its spellings here, others give ``senses``."""
    if not senses:
        senses = (sense(None, zh, en, signs, fmt or {}),)
    return Keyword(token, kind, tuple(senses), guards=tuple((guards or {}).items()), **row)


TABLE: tuple[Keyword, ...] = (
    kw("WORDLIST", "header", "词表", "wordlist", fmt={"wordlist": ("词表", "wordlist")}, opens_line=True,
       example="{} 管理类: 资金拨付率", doc="词表 §3"),
    kw("SYNONYM", "header", "同义词|同义", "synonyms|synonym", fmt={"synonym": ("同义", "synonym")},
       opens_line=True, example="{} 满意度指标: 服务对象满意度指标", doc="同义词 §3"),
    kw("RULE", "header", "规则", "rule", fmt={"rule": ("规则", "rule")}, opens_line=True,
       example="{} N-01", doc="规则标题 §4"),
    kw("ITEM", "header", "评分项", "item", fmt={"item": ("评分项", "item")}, opens_line=True,
       example="{} 项目管理/支出 分值 8", doc="评分项 §13"),
    kw("WEIGHT", "header-part", "分值", "weight", fmt={"weight": ("分值", "weight")}, after_name=True,
       expected=("「分值」", "weight"), example="评分项 项目管理/支出 {} 8", doc="评分项分值；字段 §15"),
    kw("DISCRETION", "header-part", "酌情", "discretionary", fmt={"discretion": ("酌情", "discretionary")},
       example="评分项 项目管理/支出 分值 8 {}", doc="评分项标题行末：计算分数为上限 §13"),
    kw("META", "meta", senses=(sense("basis", "依据", "basis"), sense("explain", "说明", "explain"),
                               sense("fix", "建议", "fix"), sense("message", "消息", "message"),
                               sense("source", "来源", "source")),
       opens_line=True, example="{} 「评价报告 二(二)」", doc="元信息 §4"),
    kw("WHEN", "clause", "仅当|当", "only when|when", fmt={"when": ("当", "when")},
       guards={"当": "(?![年期月日天前])"}, opens_line=True, example="{} 阶段 是 自评",
       doc="§11（当年、当期……是名称）"),
    kw("EACH", "clause", "每个指标|每项指标", "for each indicator|each indicator",
       fmt={"each": ("每个指标", "each indicator")}, opens_line=True, example="{}: 指标值 须 可衡量",
       doc="§10；评分项标题行末：逐项评分 §13"),
    kw("OTHERWISE", "clause", "否则", "otherwise|else", fmt={"otherwise": ("否则", "otherwise")},
       opens_line=True, example="{} ⇒ 0分", doc="阶梯的最后一档 §13"),
    kw("_WHERE", "connective", "其中", "where", fmt={"where": ("其中", "where")}, after_name=True,
       example="每个指标 {} 指标值 是 量化: 指标值 须 可衡量", doc="§10、§12"),
    kw("_IF", "connective", "若|如果", "if", fmt={"if": ("若", "if")}, guards={"若": "(?!干)"},
       opens_line=True, example="{} 执行率 < 60% 则 否决", doc="§8"),
    kw("_THEN", "connective", "则|那么", "then", fmt={"then": ("则", "then")}, after_name=True,
       expected=("「则」", "then"), example="若 执行率 < 60% {} 否决", doc="§8"),
    kw("_IMPLIES", "connective", signs="⇒|=>|→", fmt={"implies": ("⇒", "=>")}, priority=4,
       expected=("「⇒」", "⇒"), example="执行率 < 60% {} 否决", doc="§8"),
    kw("_UNLESS", "connective", "除非", "unless", fmt={"unless": ("除非", "unless")}, after_name=True,
       expected=("「除非」", "unless"), example="指标值 须 可衡量 {} 阶段 是 自评", doc="§9"),
    kw("MODAL", "modal", senses=(sense("must", "必须|须", "must", fmt={"must": ("须", "must")}),
                                 sense("must_not", "不得", "must not"),
                                 sense("should", "应当|应", "should", fmt={"should": ("应", "should")}),
                                 sense("should_not", "不应", "should not")),
       after_name=True, expected=("「须/不得/应」", "must / must not / should"), example="指标值 {} 可衡量",
       doc="要求 §5"),
    kw("NOT_APPLICABLE", "predicate-operator", "不适用于", "not applicable to",
       fmt={"not_applicable": ("不适用于", "not applicable to")}, after_name=True,
       expected=("「不适用于」", "not applicable to"), example="生态效益 {} 信息化运维", doc="§7"),
    # The words of perfrules/severity.py's table, worst first.
    kw("SEVERITY", "severity", senses=tuple(sense(s.name, s.zh, s.en) for s in _severity.TABLE),
       expected=("「" + "/".join(s.zh for s in _severity.TABLE) + "」", "a severity"), example="执行率 < 60% ⇒ {}", doc="严重程度 §4、§8"),
    kw("DEDUCT", "consequence", "扣", "deduct", fmt={"deduct": ("扣{}分", "deduct {} points")},
       guards={"扣": r"(?=\s*\d)"}, expected=("「扣N分」", "deduct"), example="执行率 < 60% ⇒ {} 3分",
       doc="扣N分 §14"),
    kw("GET", "consequence", "得", "score", fmt={"set": ("{}分", "score {} points")},
       guards={"得": r"(?=\s*\d)", "score": r"(?=\s*\d)"}, expected=("「得N分」", "score N"),
       example="计数(指标) ≥ 6 ⇒ {} 4分", doc="得N分、N分：阶梯的一档 §13"),
    kw("CAP", "consequence", "最高", "at most|cap", fmt={"cap": ("最高{}分", "at most {} points")},
       guards={"最高": r"(?=\s*\d)"}, expected=("「最高N分」", "at most N"), example="执行率 < 60% ⇒ {} 4分",
       doc="最高N分 §14"),
    kw("HALVE", "consequence", "得分减半", "halve", fmt={"halve": ("得分减半", "halve")},
       expected=("「得分减半」", "halve"), example="执行率 < 60% ⇒ {}", doc="§14"),
    kw("GRADE_CAP", "consequence", "等级不高于|等级最高为", "grade at most",
       fmt={"grade_cap": ("等级不高于", "grade at most")}, expected=("「等级不高于」", "grade at most"),
       example="执行率 < 60% ⇒ {} 良", doc="§14"),
    kw("_POINTS", "consequence", "分", "points|point", guards={"分": "(?![值数])"}, suggest=False,
       expected=("「分」", "points"), example="执行率 < 60% ⇒ 扣3 {}", doc="扣N分、得N分 §13、§14"),
    kw("_FROM", "consequence", "于|从", "from", fmt={"from": ("于", "from")}, suggest=False,
       example="执行率 < 60% ⇒ 扣3分 {} 项目管理/支出", doc="扣分所在的评分项 §14"),
    kw("_ISNOT", "predicate-operator", "不是", "is not", fmt={"isnot": ("不是", "is not")}, after_name=True,
       example="一级指标 {} 产出指标 ⇒ 提示", doc="条件 §6"),
    kw("_IS", "predicate-operator", "是", "is", fmt={"is": ("是", "is")}, after_name=True,
       expected=("「是」", "is"), example="一级指标 {} 产出指标 ⇒ 提示", doc="条件 §6"),
    kw("_BE", "predicate-operator", "是|为", "be", fmt={"be": ("为", "be")}, guards={"为": "(?!空)"},
       suggest=False, example="指标值 须 {} 可衡量", doc="要求中（须为、应是），可省 §5"),
    kw("_NOTIN", "predicate-operator", "不属于", "not in", fmt={"notin": ("不属于", "not in")}, after_name=True,
       example="一级指标 {} [产出指标] ⇒ 提示", doc="§5、§6"),
    kw("_IN", "predicate-operator", "属于", "in", fmt={"in": ("属于", "in")}, after_name=True,
       expected=("「属于」", "in"), example="一级指标 {} [产出指标] ⇒ 提示", doc="§5、§6"),
    kw("_NOTCONTAINS_PHRASE", "predicate-operator", "不包含短语", "not contains phrase|not contain phrase",
       fmt={"notcontainsphrase": ("不包含短语", "not contains phrase")}, priority=4, after_name=True,
       note="包含短语: the words stand whole in the text, between its ends or punctuation (「未达成年度指标」\n"
            "does not contain the phrase 达成年度指标); 包含 matches anywhere, inside words too.",
       example="评价结论 {} 「达成年度指标」 ⇒ 提示", doc="整词匹配 §5"),
    kw("_CONTAINS_PHRASE", "predicate-operator", "包含短语", "contains phrase|contain phrase",
       fmt={"containsphrase": ("包含短语", "contains phrase")}, priority=4, after_name=True,
       expected=("「包含短语」", "contains phrase"), example="评价结论 {} 「达成年度指标」 ⇒ 提示",
       doc="整词匹配：前后是文字的两端或标点 §5"),
    kw("_NOTCONTAINS", "predicate-operator", "不包含", "not contains|not contain",
       fmt={"notcontains": ("不包含", "not contains")}, after_name=True,
       example="三级指标 {} [资金] ⇒ 提示", doc="§5"),
    kw("_CONTAINS", "predicate-operator", "包含", "contains|contain", fmt={"contains": ("包含", "contains")},
       after_name=True, expected=("「包含」", "contains"), example="三级指标 {} [资金] ⇒ 提示",
       doc="文字中任何位置，词内也算 §5"),
    kw("_BETWEEN", "predicate-operator", "介于", "between", fmt={"between": ("介于", "between")},
       after_name=True, note="介于 [80%, 100%): interval membership, as 属于 an interval.",
       expected=("「介于」", "between"), example="执行率 {} [80%, 100%) ⇒ 提示", doc="区间 §5"),
    kw("_NOTENDSIN", "predicate-operator", "词尾不属于", "not ends with|not end with",
       fmt={"notendsin": ("词尾不属于", "not ends with")}, after_name=True,
       note="三级指标 词尾属于 比率名称: the name ends with one of the words (its last word is one of them).",
       example="三级指标 {} [率] ⇒ 提示", doc="§5"),
    kw("_ENDSIN", "predicate-operator", "词尾属于", "ends with|end with",
       fmt={"endsin": ("词尾属于", "ends with"), "req_endsin": ("词尾属于", "end with")}, after_name=True,
       expected=("「词尾属于」", "ends with"), example="三级指标 {} [率] ⇒ 提示", doc="§5（要求中写 end with）"),
    kw("NONEMPTY", "predicate-operator", "不为空|非空", "is not empty|not empty",
       fmt={"nonempty": ("非空", "is not empty"), "req_nonempty": ("非空", "be not empty")}, after_name=True,
       example="指标值 {} ⇒ 提示", doc="§5、§6"),
    kw("EMPTY", "predicate-operator", "为空", "is empty|empty",
       fmt={"empty": ("为空", "is empty"), "req_empty": ("为空", "be empty")}, after_name=True,
       expected=("「为空」", "empty"), example="指标值 {} ⇒ 提示", doc="§5、§6"),
    kw("_AND", "connective", senses=(sense("and", "并且|且", "and", fmt={"and": ("且", "and")}),),
       after_name=True, expected=("「且」", "and"), example="执行率 < 60% {} 支出 > 1 ⇒ 提示", doc="§6"),
    kw("_OR", "connective", senses=(sense("or", "或者|或", "or", fmt={"or": ("或", "or")}),),
       after_name=True, expected=("「或」", "or"), example="执行率 < 60% {} 支出 > 1 ⇒ 提示", doc="§6"),
    kw("_NOT", "connective", "并非", "not", fmt={"not": ("并非", "not")}, example="{} 执行率 < 60% ⇒ 提示",
       doc="§6"),
    kw("FUNC", "function", senses=(sense("count", "计数", "count"), sense("sum", "合计", "sum"),
                                   sense("avg", "平均", "avg"), sense("min", "最小", "min"),
                                   sense("max", "最大", "max"), sense("length", "字数", "length")),
       guard=r"(?=\s*[(（])", opens_line=True, note="A function name only before its bracket, so 平均执行进度 stays a name.",
       expected=("函数（计数、合计…）", "a function"), example="{}(指标) ≥ 1", doc="§12（须紧跟括号）"),
    kw("CMP", "comparison", senses=(sense("≥", "不低于|不少于", signs=">=|≥"), sense("≤", "不高于|不超过", signs="<=|≤"),
                                    sense(">", "大于|高于|超过", signs=">"), sense("<", "小于|低于|少于", signs="<"),
                                    sense("=", "等于", signs="=|=="), sense("≠", signs="!=|≠")),
       after_name=True, expected=("比较符号（≥ ≤ > < =）", "a comparison"), example="执行率 {} 60% ⇒ 提示",
       doc="比较 §5"),
    kw("PLUS", "operator", senses=(sense("+", signs="+|＋"),), priority=None, expected=("运算符", "an operator"),
       note='One terminal per sign: "/" divides in a formula and separates a score item\'s path,\n'
            '"-" is both unary and binary, so the lexer never has to guess between two.',
       example="得分 = 1 {} 2", doc="加"),
    kw("MINUS", "operator", senses=(sense("−", signs="-|−|－"),), priority=None, expected=("运算符", "an operator"),
       example="得分 = 1 {} 2", doc="减；负号"),
    kw("TIMES", "operator", senses=(sense("×", signs="*|×", doc="乘"), sense("÷", signs="÷", doc="除")),
       priority=None, expected=("运算符", "an operator"), example="得分 = 1 {} 2"),
    kw("SLASH", "operator", senses=(sense("÷", signs="/|／"),), priority=None, expected=("「/」", "/"),
       example="得分 = 1 {} 2", doc="除；评分项路径的分隔"),
)

BY_TOKEN: dict[str, Keyword] = {k.token: k for k in TABLE}

# What a policy officer reads instead of a terminal's name, for terminals that are not keywords.
OTHER_EXPECTED = {
    "NAME": ("名称", "a name"), "WORD": ("词语", "a word"), "STRING": ("引号中的文字「…」", "a quoted text"),
    "NUMBER": ("数字", "a number"), "RULE_ID": ("规则编号（如 N-01）", "a rule id such as N-01"),
    "INTERVAL": ("区间（如 [80%, 100%)）", "an interval such as [80%, 100%)"),
    "_COLON": ("冒号「:」", "a colon"), "_SEP": ("分隔符「,」", "a separator"),
    "RPAR": ("右括号「)」", "a closing bracket"), "RSQB": ("右方括号「]」", "a closing bracket"),
    "LPAR": ("左括号「(」", "an opening bracket"), "LSQB": ("方括号「[」", "a list"),
    "$END": ("行尾", "end of line"),
}

# Quote marks and their closing ones (the STRING terminal's).
QUOTE_PAIRS = {"「": "」", '"': '"', "“": "”", "『": "』"}


# ---- made from the table --------------------------------------------------------------------

def meanings(token: str) -> dict[str, str]:
    """Spelling → canonical meaning, for a terminal whose spellings mean different things."""
    return BY_TOKEN[token].meanings()


def _fmt(lang: int) -> dict[str, str]:
    return {key: words[lang] for k in TABLE for s in k.senses for key, *words in s.fmt}


MODALS = meanings("MODAL")
SEVERITIES = meanings("SEVERITY")
SEVERITY_ZH = _severity.ZH
METAS = meanings("META")
FUNCS = meanings("FUNC")
CMPS = meanings("CMP")
ARITH = {**meanings("PLUS"), **meanings("MINUS"), **meanings("TIMES"), **meanings("SLASH")}
BOOL_OPS = {**meanings("_AND"), **meanings("_OR")}  # 且 → and, 或者 → or

EXPECTED_WORDS = {**OTHER_EXPECTED, **{k.token: k.expected for k in TABLE if k.expected}}

# The did-you-mean words, and their terminals: a word is offered only where its terminal may stand.
SUGGESTED: dict[str, tuple[str, ...]] = {}
for _k in TABLE:
    if _k.suggest:
        for _s in _k.zh + _k.en:
            SUGGESTED[_s] = SUGGESTED.get(_s, ()) + (_k.token,)
del _k, _s
KEYWORDS = list(SUGGESTED)
SPELLINGS = sorted({s for k in TABLE for s in k.spellings})  # every spelling of every keyword
HEADER_WORDS = tuple(s for k in TABLE if k.kind == "header" for s in k.zh + k.en)

ZH = _fmt(0)  # fmt key → what fmt prints, in Chinese
EN = _fmt(1)  # and in English


def _alternatives(k: Keyword, spellings) -> list[str]:
    """The patterns of some spellings of a row in the table's order, except that a spelling
    comes before any that begins it (应当 before 应, must not before must, == before =): a
    regular expression takes the first alternative that matches."""
    out: list[str] = []
    for s in spellings:
        at = next((i for i, t in enumerate(out) if s.lower().startswith(t.lower())), len(out))
        out.insert(at, s)
    return [k.pattern(s) for s in out]


def _row(k: Keyword, spellings) -> str:
    """Some spellings of a row as one pattern, the row's own lookahead included."""
    body = "|".join(_alternatives(k, spellings))
    return f"(?:{body}){k.guard}" if k.guard else body


def line_start(lang: str) -> re.Pattern:
    """A line that starts with a word of the language ("zh" or "en") only a statement starts with."""
    rows = [k for k in TABLE if k.opens_line]
    alts = "|".join(_row(k, k.zh if lang == "zh" else k.en) for k in rows)
    return re.compile(r"^\s*(?:%s)" % alts, re.M if lang == "zh" else re.M | re.I)


def spelling_pattern(token: str, spelling: str) -> re.Pattern:
    """One spelling as its terminal reads it (its lookahead included), case-insensitive."""
    k = BY_TOKEN[token]
    pat = k.pattern(spelling)
    if k.guard:
        pat = f"(?:{pat}){k.guard}"
    return re.compile(pat, re.I)


# ---- the grammar ----------------------------------------------------------------------------

GRAMMAR_BEGIN = ("// ---- keywords: generated from perfrules/language/vocabulary.py by\n"
                 "// python -m perfrules.language.vocabulary --write-grammar (edit the table, not these lines)")
GRAMMAR_END = "// ---- end of the generated keywords"
NAME_BEGIN = "// ---- NAME: generated (its lookahead is every keyword that may follow a name)"
NAME_END = "// ---- end of the generated NAME"
GRAMMAR_PATH = Path(__file__).resolve().parent.parent.parent / "grammar" / "perfrules.lark"


def terminal(k: Keyword) -> str:
    """The row as a Lark terminal definition."""
    if k.priority is None:
        return f"{k.token}: " + " | ".join(f'"{s}"' for s in k.spellings)
    alts = _alternatives(k, k.signs) + _alternatives(k, k.zh) + _alternatives(k, k.en)
    body = "|".join(alts).replace("/", r"\/")
    if k.guard:
        body = f"({body}){k.guard}"
    flags = "i" if any(re.search("[A-Za-z]", s) for s in k.spellings) else ""
    return f"{k.token}.{k.priority}: /{body}/{flags}"


def grammar_block() -> str:
    """The keyword terminals, as they stand in grammar/perfrules.lark between the markers."""
    out = [GRAMMAR_BEGIN, "// Keywords: priority 3 so that they win over NAME where both are possible."]
    for k in TABLE:
        out += [f"// {line}" for line in k.note.splitlines()]
        out.append(terminal(k))
    out.append(GRAMMAR_END)
    return "\n".join(out)


_NAME_CHARS = r"\u3400-\u9fffA-Za-z0-9_·."


def _after_name() -> list[str]:
    """The patterns of the keywords that may follow a name, as NAME's lookahead lists them."""
    alts: list[str] = []
    for k in TABLE:
        if k.after_name:
            alts += [a for a in _alternatives(k, k.zh) if a not in alts]
    return alts


def name_block() -> str:
    """The NAME terminal: it stops before any keyword that may follow a name."""
    look = "|".join(_after_name() + [f"[^{_NAME_CHARS}]", "$"])
    return "\n".join([NAME_BEGIN, f"NAME: /[\\u3400-\\u9fffA-Za-z_][{_NAME_CHARS}]*?(?={look})/", NAME_END])


# The keyword terminals a line may start with (the parser's first state; tests/test_vocabulary.py
# checks this against the grammar): a name at the start of a line that begins with one of them
# is read as that keyword (应急响应时间 as 应 · 急响应时间), one that begins with another keyword
# is still a name there (是否有负外部性: 是 cannot start a line).
LINE_START = frozenset({"EACH", "FUNC", "ITEM", "META", "MINUS", "MODAL", "OTHERWISE", "RULE", "SYNONYM",
                        "WHEN", "WORDLIST", "_IF", "_NOT"})


def name_problem(name: str) -> str | None:
    """Why ``name`` could not be written bare in a rule, or None: it starts with a keyword (说明甲
    reads as 说明 · 甲), or the NAME terminal stops inside it before a keyword (应急响应时间 holds
    应). The grammar's own rules, read from this table without building the parser."""
    for k in TABLE:
        if k.token not in LINE_START:
            continue
        for spelling in k.spellings:
            if _may_start(name, spelling) and spelling_pattern(k.token, spelling).match(name):
                return f"以关键词「{spelling}」开头 (starts with the keyword {spelling!r})"
    end = _name_end(name + " ")
    if end != len(name):
        cut = end or 0
        return f"读到「{name[:cut]}」就停在了关键词之前 (the name stops before a keyword at {name[cut:]!r})"
    return None


def _may_start(name: str, spelling: str) -> bool:
    """False when the spelling's pattern surely does not match at the start of ``name``, so it
    need not be compiled (60 patterns: 5 ms a run): their first characters differ, both ASCII
    (letter case aside), or the spelling's is a CJK ideograph (no other character folds to one)."""
    c, x = spelling[:1], name[:1]
    if c.isascii() and x.isascii() and not c.isspace():
        return c.lower() == x.lower()
    if "\u3400" <= c <= "\u9fff":
        return c == x
    return True


def _name_end(text: str) -> int | None:
    """Where the NAME terminal of :func:`name_block` stops reading ``text`` (None: it reads
    nothing): a first character of a name, then the fewest name characters up to a keyword
    that may follow a name, a character no name holds, or the end. Walked here rather than by
    the terminal's own regular expression, whose three classes of the CJK range cost a run
    8 ms to compile; tests/test_vocabulary.py holds the two alike."""
    if not text or not name_char(text[0], first=True):
        return None
    keyword = _after_name_regex()
    end = 1
    while end < len(text) and name_char(text[end]) and not keyword.match(text, end):
        end += 1
    return end


def name_char(c: str, first: bool = False) -> bool:
    """Whether the character ``c`` may be in a name (:data:`_NAME_CHARS`), or begin one (``first``:
    no digit, · or .)."""
    return "\u3400" <= c <= "\u9fff" or c in (_NAME_FIRST if first else _NAME_REST)


_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_REST = _NAME_FIRST | frozenset("0123456789·.")


@functools.lru_cache(maxsize=1)
def _after_name_regex() -> re.Pattern:
    return re.compile("|".join(_after_name()))


def _replace(text: str, begin: str, end: str, block: str, where: str) -> str:
    a = text.find(begin)
    b = text.find(end, a + 1)
    if a < 0 or b < 0:
        raise ValueError(f"{where}: the markers {begin.splitlines()[0]!r} … {end!r} are missing")
    return text[:a] + block + text[b + len(end):]


def generated_grammar(text: str) -> str:
    """The grammar text with its generated parts replaced by what the table gives."""
    text = _replace(text, GRAMMAR_BEGIN, GRAMMAR_END, grammar_block(), "grammar")
    return _replace(text, NAME_BEGIN, NAME_END, name_block(), "grammar")


# ---- the docs -------------------------------------------------------------------------------

DOCS_BEGIN = "<!-- keywords: generated by python -m perfrules.language.vocabulary --write-docs -->"
DOCS_END = "<!-- end of the generated keywords -->"
DOCS_PATH = Path(__file__).resolve().parent.parent.parent / "docs" / "language.md"


def _md(s: str) -> str:
    return s.replace("|", "\\|")


def keywords_text() -> str:
    """The keyword table of docs/language.md §20: one line per meaning of each keyword."""
    rows = ["| 中文 | English | 符号 signs | 用途 |", "| --- | --- | --- | --- |"]
    for k in TABLE:
        for i, s in enumerate(k.senses):
            signs = " ".join(f"`{_md(x)}`" for x in s.signs)
            doc = s.doc or (k.doc if i == 0 else "")
            rows.append(f"| {'、'.join(s.zh)} | {', '.join(s.en)} | {signs} | {_md(doc)} |")
    return "\n".join(rows)


def generated_docs(text: str) -> str:
    return _replace(text, DOCS_BEGIN, DOCS_END, f"{DOCS_BEGIN}\n\n{keywords_text()}\n\n{DOCS_END}", "docs")


def main(argv: list[str] | None = None) -> int:
    """``--write-grammar``, ``--write-docs``: rewrite the generated parts; ``--check``: say
    whether they are up to date (exit 1 when not); no option: print the docs table."""
    args = sys.argv[1:] if argv is None else argv
    stale = []
    for flag, path, make in (("--write-grammar", GRAMMAR_PATH, generated_grammar),
                             ("--write-docs", DOCS_PATH, generated_docs)):
        if flag in args or "--check" in args:
            text = path.read_text("utf-8")
            new = make(text)
            if new != text:
                if flag in args:
                    path.write_text(new, "utf-8")
                    print(f"wrote {path}")
                else:
                    stale.append(str(path))
    for p in stale:
        print(f"{p}: out of date; run python -m perfrules.language.vocabulary --write-grammar --write-docs")
    if not any(a in args for a in ("--write-grammar", "--write-docs", "--check")):
        print(keywords_text())
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
