"""A disk cache of parsed rule files, so a run does not pay for Lark when nothing changed.

Building the LALR lexers compiles many regular expressions (about 0.15 s per process),
more than the whole check of a project. A parsed file is stored as plain JSON (never
pickle: a cache file must not be able to run code) under a key made of the file's text,
its shown name and the grammar and parser sources, so any change re-parses. The cache
lives in ``$PERFRULES_CACHE_DIR`` or the user's cache folder; any problem with it (no
home, read-only disk, a damaged entry) silently falls back to parsing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

import attrs

from ..errors import Span
from . import nodes as n

_CLASSES = {c.__name__: c for c in vars(n).values() if isinstance(c, type) and attrs.has(c)}
_CLASSES["Span"] = Span


def cache_dir() -> Path | None:
    env = os.environ.get("PERFRULES_CACHE_DIR")
    if env == "":
        return None  # PERFRULES_CACHE_DIR= (empty) turns the cache off
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "perfrules"


@lru_cache(maxsize=1)
def _code_key() -> str:
    h = hashlib.sha256()
    h.update(resources.files("perfrules.grammar").joinpath("perfrules.lark").read_bytes())
    for mod in ("nodes.py", "parser.py", "keywords.py", "cache.py"):
        h.update((Path(__file__).parent / mod).read_bytes())
    return h.hexdigest()


def _key(text: str, shown: str) -> str:
    return hashlib.sha256(f"{_code_key()}\0{shown}\0{text}".encode("utf-8")).hexdigest()


def get(text: str, shown: str) -> n.RuleFile | None:
    d = cache_dir()
    if d is None:
        return None
    try:
        with open(d / f"{_key(text, shown)}.json", encoding="utf-8") as fh:
            tree = _decode(json.load(fh))
        return attrs.evolve(tree, text=text) if isinstance(tree, n.RuleFile) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def put(text: str, shown: str, tree: n.RuleFile) -> None:
    d = cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(_encode(tree), fh, ensure_ascii=False)
        os.replace(tmp, d / f"{_key(text, shown)}.json")
    except OSError:
        pass


def _encode(x):
    if isinstance(x, Decimal):
        return {"$d": str(x)}
    if isinstance(x, (tuple, list)):
        return [_encode(v) for v in x]
    if attrs.has(type(x)):
        out = {"$c": type(x).__name__}
        for f in attrs.fields(type(x)):
            if f.name != "text" or not isinstance(x, n.RuleFile):  # the file's text is not stored
                out[f.name] = _encode(getattr(x, f.name))
        return out
    return x


def _decode(x):
    if isinstance(x, list):
        return tuple(_decode(v) for v in x)
    if isinstance(x, dict):
        if "$d" in x:
            return Decimal(x["$d"])
        cls = _CLASSES[x["$c"]]
        return cls(**{k: _decode(v) for k, v in x.items() if k != "$c"})
    return x
