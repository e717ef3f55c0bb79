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

Two other kinds of word have looser rules of their own, here too so that every did-you-mean
of perfrules comes from this module:

- :func:`suggest_path` and :func:`suggest_id`, for score-item paths, grade names and rule
  ids: a path is often written shortened or lengthened, so a similarity ratio of 0.4 will do;
- :func:`suggest_key`, for the keys and column headings of an input and the keys of a
  manifest: a ratio of 0.6, or a known key with a stray character or two around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .errors import Suggestion

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
    import difflib  # here: the start-up of a run that suggests nothing does not pay for it
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


class DidYouMean(str):
    """A hint line that is a did-you-mean: the text itself, with the word and the suggestion
    as data (``.suggestion``), so that an error made with it can offer the fix to a program
    (the language server's quick fix) while printing exactly what it always printed."""

    suggestion: Suggestion

    def __new__(cls, text: str, word: str, best: str) -> DidYouMean:
        self = super().__new__(cls, text)
        self.suggestion = Suggestion(word, (best,))
        return self

    def __reduce__(self):
        return DidYouMean, (str(self), self.suggestion.word, self.suggestion.replacements[0])


def did_you_mean(word: str, candidates: Iterable[str] | Mapping[str, object], kind: str | None = None) -> DidYouMean | None:
    """The hint line for ``word``: ``是否指「x」？ (did you mean x?)``, or None."""
    best = suggest(word, candidates, kind)
    return DidYouMean(f"是否指「{best}」？ (did you mean {best}?)", word, best) if best else None


# ---- paths, grade names and rule ids ----------------------------------------------------

PATH_RATIO = 0.4  # the least similarity ratio for a path, a grade name or a rule id


def suggest_path(word: str, candidates: Iterable[str]) -> str | None:
    """The closest score-item path (or grade name, or rule id): a looser match than for words
    of the language, as a path is often written shortened or lengthened (项目过程质量控制 for
    项目过程质量控制情况); a typo keeps its length, so same-length ones are preferred
    (指标直 → 指标值, not 指标)."""
    import difflib
    scored = []
    for cand in set(candidates):
        m = difflib.SequenceMatcher(None, word, cand)
        # real_quick_ratio ≥ quick_ratio ≥ ratio: the cheap bounds skip the far ones.
        if m.real_quick_ratio() < PATH_RATIO or m.quick_ratio() < PATH_RATIO:
            continue
        r = m.ratio()
        if r >= PATH_RATIO:
            scored.append((r + (0.2 if len(cand) == len(word) else 0), cand))
    return max(scored)[1] if scored else None


def suggest_id(word: str, known: Iterable[str]) -> str | None:
    """The known rule id closest to ``word``: the same letters and number first (``SC-3`` →
    ``SC-03``, not ``SC-13``), else the closest spelling (:func:`suggest_path`)."""
    known = list(known)

    def key(x: str):
        m = re.fullmatch(r"\s*([^\d\s]*?)[\s\-_]*0*(\d+)\s*", x)
        return (m.group(1).upper(), int(m.group(2))) if m else None

    want = key(word)
    same = sorted(k for k in set(known) if want is not None and key(k) == want and k != word)
    return same[0] if same else suggest_path(word, known)


# ---- keys and column headings -----------------------------------------------------------

KEY_RATIO = 0.6  # the least similarity ratio for a key or a heading


def suggest_key(word: str, spellings: Mapping[str, str] | Iterable[str]) -> str | None:
    """The key a mistyped key most likely means (指标值值 → 指标值), or None. ``spellings``
    maps each accepted spelling to the key it means (or lists keys that mean themselves);
    the caller normalises ``word`` and the spellings alike."""
    if not word:
        return None
    if not isinstance(spellings, Mapping):
        spellings = {s: s for s in spellings}
    import difflib
    hits = difflib.get_close_matches(word, list(spellings), n=1, cutoff=KEY_RATIO)
    if not hits and len(word) > 2:
        # 指标值值, 三级指标名: a known key with a stray character or two around it.
        hits = [s for s in sorted(spellings, key=len, reverse=True) if len(s) >= 2 and s in word][:1]
    return spellings[hits[0]] if hits else None
