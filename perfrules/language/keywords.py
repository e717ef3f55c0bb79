"""The words of the rule language, as the parser, the cache and the report read them.

Everything here is made from the one keyword table, :mod:`perfrules.language.vocabulary`:
add or change a keyword there, not here. Kept apart from the parser so that modules which
only need the vocabulary (packs, the catalogue) do not import Lark.
"""

from __future__ import annotations

from .vocabulary import (ARITH, BOOL_OPS, CMPS, EXPECTED_WORDS, FUNCS, KEYWORDS, METAS, MODALS, QUOTE_PAIRS,
                         SEVERITIES, SEVERITY_ZH, SPELLINGS)

__all__ = ["ARITH", "BOOL_OPS", "CMPS", "EXPECTED_WORDS", "FUNCS", "KEYWORDS", "METAS", "MODALS", "QUOTE_PAIRS",
           "SEVERITIES", "SEVERITY_ZH", "SPELLINGS", "_CONSEQUENCE_ORDER", "_ORDER", "_QUOTE_PAIRS"]

# The order in which expected things are listed: what a writer most likely left out first.
_ORDER = ["_POINTS", "NAME", "NUMBER", "STRING", "WORD", "RULE_ID", "MODAL", "CMP", "SEVERITY",
          "NOT_APPLICABLE", "_IMPLIES", "_THEN", "RSQB", "RPAR", "_SEP", "_COLON", "WEIGHT", "SLASH",
          "_IS", "_IN", "_CONTAINS", "EMPTY", "_AND", "_OR", "_UNLESS", "LPAR", "LSQB", "FUNC",
          "PLUS", "MINUS", "TIMES", "DEDUCT", "HALVE", "$END"]
_CONSEQUENCE_ORDER = ["SEVERITY", "DEDUCT", "HALVE", "GET", "CAP", "GRADE_CAP"]
_QUOTE_PAIRS = QUOTE_PAIRS
