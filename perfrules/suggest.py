"""Did-you-mean: one rule, for every wing, for offering a known word in place of an unknown one.

A suggestion must be a likely typo of the word, and a word of the same kind (a field for a
field, a keyword the parser could take at that point for a keyword), never a word that only
looks alike and means something else (预算执行数 is not a misspelt 执行率):

- Chinese (any word that is not all ASCII): the same length or one character longer or
  shorter, and at most one character different (inserted, left out or replaced) for words of
  up to seven characters, two for longer ones; and something in common (一个 is not a
  misspelt 是);
- ASCII: a similarity ratio (``difflib``) of at least 0.75, letter case ignored;
- a Chinese word is never offered an ASCII one, nor the other way round; with ``kind``, only
  candidates of that kind are offered.

The closest candidate wins (fewest differences, then the same length, then the highest
ratio, then the candidates' order).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

RATIO = 0.75  # ASCII: the least similarity ratio
SHORT = 7  # Chinese: words up to this long may differ in one character, longer ones in two


def _distance(a: str, b: str, limit: int) -> int:
    """The edit distance of a and b, or limit + 1 when it is larger."""
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    if limit == 1:  # the common case, without a table: one replaced, inserted or left-out character
        if la == lb:
            return min(2, sum(x != y for x, y in zip(a, b)))
        if la > lb:
            a, b, la, lb = b, a, lb, la
        i = 0
        while i < la and a[i] == b[i]:
            i += 1
        return 1 if a[i:] == b[i + 1:] else 2
    prev = list(range(lb + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return min(prev[-1], limit + 1)


def _score(word: str, cand: str) -> tuple | None:
    """How close ``cand`` is to ``word`` (smaller is closer), or None when it is not near enough."""
    if cand == word or not cand or not word:
        return None
    lw, lc = len(word), len(cand)
    if word.isascii():
        if not cand.isascii() or 2 * min(lw, lc) < RATIO * (lw + lc):  # the ratio's bound by length
            return None
        m = difflib.SequenceMatcher(None, word.lower(), cand.lower())
        if m.quick_ratio() < RATIO:
            return None
        r = m.ratio()
        return (0, 0, -r) if r >= RATIO else None
    if abs(lw - lc) > 1 or cand.isascii():
        return None
    limit = 1 if lw <= SHORT else 2
    d = _distance(word, cand, limit)
    if d > limit or d >= max(lw, lc):
        return None
    return (d, lc != lw, -difflib.SequenceMatcher(None, word, cand).ratio())


def near(word: str, candidate: str) -> bool:
    """Whether ``candidate`` may be suggested for ``word`` (see the module's rule)."""
    return _score(word, candidate) is not None


def close_words(word: str, candidates: Iterable[str] | Mapping[str, object], kind: str | None = None,
                n: int = 3) -> list[str]:
    """Up to ``n`` candidates that may be suggested for ``word``, closest first. ``candidates``
    may map each word to its kind (a string, or a collection of kinds); with ``kind``, only
    candidates of that kind are considered."""
    if kind is not None and isinstance(candidates, Mapping):
        pool = [c for c, k in candidates.items() if k == kind or (not isinstance(k, str) and kind in k)]
    else:
        pool = list(dict.fromkeys(candidates))
    scored = []
    for i, c in enumerate(pool):
        s = _score(word, c)
        if s is not None:
            scored.append((s, i, c))
    return [c for _, _, c in sorted(scored)[:n]]


def suggest(word: str, candidates: Iterable[str] | Mapping[str, object], kind: str | None = None) -> str | None:
    """The candidate to suggest for ``word``, or None."""
    best = close_words(word, candidates, kind, n=1)
    return best[0] if best else None


def did_you_mean(word: str, candidates: Iterable[str] | Mapping[str, object], kind: str | None = None) -> str | None:
    """The hint line for ``word``: ``是否指「x」？ (did you mean x?)``, or None."""
    best = suggest(word, candidates, kind)
    return f"是否指「{best}」？ (did you mean {best}?)" if best else None
