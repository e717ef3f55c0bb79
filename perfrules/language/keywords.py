"""The words of the rule language: each keyword's spellings, and what parser errors call them.

Kept apart from the parser so that modules which only need the vocabulary (packs, the
catalogue) do not import Lark.
"""

from __future__ import annotations

# Canonical meaning of each spelling, Chinese and English.
MODALS = {"必须": "must", "须": "must", "must": "must", "不得": "must_not", "must not": "must_not",
          "应": "should", "应当": "should", "should": "should", "不应": "should_not",
          "should not": "should_not"}
SEVERITIES = {"否决": "veto", "veto": "veto", "错误": "error", "error": "error",
              "警告": "warning", "warning": "warning", "提示": "info", "info": "info"}
SEVERITY_ZH = {"veto": "否决", "error": "错误", "warning": "警告", "info": "提示"}
METAS = {"依据": "basis", "basis": "basis", "说明": "explain", "explain": "explain",
         "建议": "fix", "fix": "fix", "消息": "message", "message": "message",
         "来源": "source", "source": "source"}
FUNCS = {"计数": "count", "count": "count", "合计": "sum", "sum": "sum", "平均": "avg",
         "avg": "avg", "最小": "min", "min": "min", "最大": "max", "max": "max"}
CMPS = {">=": "≥", "≥": "≥", "不低于": "≥", "不少于": "≥", "<=": "≤", "≤": "≤", "不高于": "≤",
        "不超过": "≤", ">": ">", "大于": ">", "高于": ">", "超过": ">", "<": "<", "小于": "<",
        "低于": "<", "少于": "<", "=": "=", "==": "=", "等于": "=", "!=": "≠", "≠": "≠"}
ARITH = {"+": "+", "＋": "+", "-": "−", "−": "−", "－": "−", "*": "×", "×": "×",
         "÷": "÷", "/": "÷", "／": "÷"}

# What a policy officer reads instead of a terminal's name.
EXPECTED_WORDS = {
    "NAME": ("名称", "a name"), "WORD": ("词语", "a word"), "STRING": ("引号中的文字「…」", "a quoted text"),
    "NUMBER": ("数字", "a number"), "RULE_ID": ("规则编号（如 N-01）", "a rule id such as N-01"),
    "MODAL": ("「须/不得/应」", "must / must not / should"), "SEVERITY": ("「否决/错误/警告/提示」", "a severity"),
    "CMP": ("比较符号（≥ ≤ > < =）", "a comparison"), "NOT_APPLICABLE": ("「不适用于」", "not applicable to"),
    "_IMPLIES": ("「⇒」", "⇒"), "_THEN": ("「则」", "then"), "_COLON": ("冒号「:」", "a colon"),
    "_SEP": ("分隔符「,」", "a separator"), "WEIGHT": ("「分值」", "weight"), "SLASH": ("「/」", "/"),
    "_POINTS": ("「分」", "points"), "RPAR": ("右括号「)」", "a closing bracket"),
    "RSQB": ("右方括号「]」", "a closing bracket"), "LPAR": ("左括号「(」", "an opening bracket"),
    "LSQB": ("方括号「[」", "a list"), "_IS": ("「是」", "is"), "_IN": ("「属于」", "in"),
    "_CONTAINS": ("「包含」", "contains"), "_ENDSIN": ("「词尾属于」", "ends with"), "EMPTY": ("「为空」", "empty"), "_AND": ("「且」", "and"),
    "_OR": ("「或」", "or"), "_UNLESS": ("「除非」", "unless"), "$END": ("行尾", "end of line"),
    "PLUS": ("运算符", "an operator"), "MINUS": ("运算符", "an operator"),
    "TIMES": ("运算符", "an operator"), "FUNC": ("函数（计数、合计…）", "a function"),
    "DEDUCT": ("「扣N分」", "deduct"), "HALVE": ("「得分减半」", "halve"),
    "GET": ("「得N分」", "score N"), "CAP": ("「最高N分」", "at most N"),
    "GRADE_CAP": ("「等级不高于」", "grade at most"),
}

# The order in which expected things are listed: what a writer most likely left out first.
_ORDER = ["_POINTS", "NAME", "NUMBER", "STRING", "WORD", "RULE_ID", "MODAL", "CMP", "SEVERITY",
          "NOT_APPLICABLE", "_IMPLIES", "_THEN", "RSQB", "RPAR", "_SEP", "_COLON", "WEIGHT", "SLASH",
          "_IS", "_IN", "_CONTAINS", "EMPTY", "_AND", "_OR", "_UNLESS", "LPAR", "LSQB", "FUNC",
          "PLUS", "MINUS", "TIMES", "DEDUCT", "HALVE", "$END"]
_CONSEQUENCE_ORDER = ["SEVERITY", "DEDUCT", "HALVE", "GET", "CAP", "GRADE_CAP"]
_QUOTE_PAIRS = {"「": "」", '"': '"', "“": "”", "『": "』"}

KEYWORDS = ["规则", "评分项", "词表", "同义", "依据", "说明", "建议", "消息", "来源", "每个指标", "其中",
            "若", "则", "否则", "除非", "当", "须", "必须", "不得", "应", "不应", "是", "不是", "属于",
            "不属于", "包含", "不包含", "词尾属于", "词尾不属于", "为空", "非空", "不适用于", "否决", "错误", "警告", "提示",
            "扣", "得分减半", "等级不高于", "最高", "计数", "合计", "平均", "最小", "最大", "分值",
            "rule", "item", "wordlist", "synonym", "basis", "explain", "fix", "message", "each",
            "where", "if", "then", "otherwise", "unless", "when", "must", "should", "is", "in",
            "contains", "empty", "veto", "error", "warning", "info", "deduct", "halve", "count",
            "sum", "weight"]
