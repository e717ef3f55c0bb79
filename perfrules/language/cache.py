"""A disk cache of parsed rule files, so a run does not pay for Lark when nothing changed.

Building the LALR lexers compiles many regular expressions (about 0.15 s per process),
more than the whole check of a project. A parsed file is stored as plain JSON (never
pickle: a cache file must not be able to run code).

The cache may never change a result, so nothing in it is trusted:

- an entry's name is a hash of the file's text, its shown name and the **language
  version**: a hash of the package's version, of the grammar and of every module of the
  language wing (found by listing their folders, so a new or edited module counts without
  anyone keeping a list), of Lark's version and of the entry format (:data:`FORMAT`);
- an entry repeats the hash of the text it was made from and is checked on load: every
  object of a known class with exactly its fields, each of its declared type; numbers
  finite and each literal's value what its text says; every span inside the file; the
  statements found exactly at the file's statement lines; every name, text, number and
  listed word where its span says, every operator and keyword meaning spelt there (so
  ``rules: []``, a changed word or ≥ turned into ≤ is refused); anything odd is ignored,
  and the file parsed again and its entry replaced atomically;
- the folder is private: created 0700, and not used at all when another user owns it or
  its group or others may write to it; an entry is read only if it is a regular file the
  user owns (never through a link, never blocking on a FIFO), and only up to a size bound.

The cache lives in ``$PERFRULES_CACHE_DIR`` (empty: off) or in the platform's folder for a
user's caches, as ``platformdirs.user_cache_dir("perfrules")`` names it (:func:`default_dir`). It holds at most
``$PERFRULES_CACHE_MAX_MB`` (default :data:`MAX_MB`) megabytes: each write removes the least
recently used entries beyond that (a hit marks its entry used). Any problem with it (no home,
a read-only disk, a damaged entry, a system without ``O_NOFOLLOW`` and directory descriptors)
silently falls back to parsing; ``logging`` at DEBUG level on ``perfrules.cache`` says why.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import stat
import types
import typing
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import attrs

from ..errors import Span
from . import nodes as n
from .keywords import ARITH, BOOL_OPS, CMPS, FUNCS, METAS, MODALS, SEVERITIES
from .source import Source
from .visitor import NodeVisitor, walk
from .vocabulary import BY_TOKEN, spelling_pattern

FORMAT = 2  # the entry layout; raise it when the layout changes
MAX_MB = 64  # the cache's size (PERFRULES_CACHE_MAX_MB): the bundled packs' entries take well under 1 MB
MAX_JSON_DEPTH = 400  # the parser refuses statements nested deeper than 100 levels


class _log:  # noqa: N801 - stands for the logger
    """``logging.getLogger("perfrules.cache")``, imported on the first message: ``logging``
    costs a run that never needs to say why 5 ms."""

    @staticmethod
    def debug(msg: str, *args) -> None:
        import logging
        logging.getLogger("perfrules.cache").debug(msg, *args)


# Node classes an entry may name: the concrete ones (not the Node / Pred bases). A node's
# span is stored as [line, column, end line, end column]; its file is the shown name.
_CLASSES = {c.__name__: c for c in vars(n).values()
            if isinstance(c, type) and attrs.has(c) and c not in (n.Node, n.Pred)}
_DECIMAL = re.compile(r"-?\d{1,40}(\.\d{1,40})?(E[+-]?\d{1,2})?")


class _Refused(Exception):
    """An entry that is not exactly what parsing the text gives."""


# ---- where --------------------------------------------------------------------------------

def cache_dir() -> Path | None:
    """``$PERFRULES_CACHE_DIR`` (empty: no cache), else :func:`default_dir`."""
    env = os.environ.get("PERFRULES_CACHE_DIR")
    if env == "":
        return None  # PERFRULES_CACHE_DIR= (empty) turns the cache off
    if env:
        return Path(env)
    return default_dir()


def default_dir() -> Path | None:
    """The platform's folder for this user's perfrules cache, as platformdirs names it:
    ``$XDG_CACHE_HOME/perfrules`` (an absolute path) or ``~/.cache/perfrules`` on Linux,
    ``~/Library/Caches/perfrules`` on macOS, ``%LOCALAPPDATA%\\perfrules\\Cache`` on Windows
    (where the cache is off: no ``O_NOFOLLOW``); None when there is no home to put it in."""
    try:
        import platformdirs
        return Path(platformdirs.user_cache_dir("perfrules", appauthor=False))
    except Exception as e:  # noqa: BLE001 - no home (HOME relative, no user entry): no cache
        _log.debug("parse cache off: no cache folder: %s: %s", type(e).__name__, e)
        return None


def max_bytes() -> int:
    """The cache's size limit: ``$PERFRULES_CACHE_MAX_MB`` megabytes (a positive whole number;
    anything else is ignored, as every problem with the cache is) or :data:`MAX_MB`."""
    raw = os.environ.get("PERFRULES_CACHE_MAX_MB", "").strip()
    try:
        mb = int(raw.replace("_", "")) if raw else MAX_MB
    except ValueError:
        mb = 0
    if mb <= 0:
        _log.debug("PERFRULES_CACHE_MAX_MB=%r is not a positive whole number: %d MB", raw[:40], MAX_MB)
        mb = MAX_MB
    return mb << 20


def _supported() -> bool:
    return (hasattr(os, "geteuid") and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
            and os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd)  # rename: replace too


def _open_dir(create: bool) -> int | None:
    """A descriptor of the cache folder, or None when there is none we may use. Entries
    are then opened relative to it, so a folder swapped for a link mid-run is never followed."""
    d = cache_dir()
    if d is None or not _supported():
        return None
    try:
        if create:
            d.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(d, 0o700)
            except FileExistsError:
                pass
        fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        _log.debug("parse cache off: %s: %s", d, e)
        return None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.geteuid():
            _log.debug("parse cache off: %s belongs to another user", d)
        elif st.st_mode & 0o022:
            _log.debug("parse cache off: others may write to %s (mode %o)", d, stat.S_IMODE(st.st_mode))
        else:
            if st.st_mode & 0o077:  # readable by others (made by an older version): make it private
                os.fchmod(fd, 0o700)
            return fd
    except OSError as e:
        _log.debug("parse cache off: %s: %s", d, e)
    os.close(fd)
    return None


# ---- the key --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def language_sources() -> tuple[Path, ...]:
    """The files whose content defines what a rule text parses to: the grammar folder's
    ``*.lark`` and every module of ``perfrules.language`` (this one included)."""
    out = []
    for package, suffix in (("perfrules.grammar", ".lark"), ("perfrules.language", ".py")):
        folder = Path(importlib.util.find_spec(package).origin).parent  # not importlib.resources: 12 ms
        out += [p for p in folder.iterdir() if p.name.endswith(suffix) and p.is_file()]
    return tuple(sorted(out, key=lambda p: (p.suffix, p.name)))


@lru_cache(maxsize=1)
def language_version() -> str:
    """A hash of the package's version, the grammar, the language wing's modules, Lark's
    version and the entry format."""
    from ..version import __version__  # not importlib.metadata: importing it costs a warm run 30 ms
    h = hashlib.sha256(f"perfrules parse cache {FORMAT}\0{__version__}\0".encode())
    for p in language_sources():
        data = p.read_bytes()
        h.update(f"{p.name}\0{len(data)}\0".encode())
        h.update(data)
    spec = importlib.util.find_spec("lark")  # Lark's own __init__ holds its version; not imported
    if spec is not None and spec.origin:
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _key(text: str, shown: str) -> str:
    h = hashlib.sha256(f"{language_version()}\0{shown}\0".encode("utf-8", "surrogatepass"))
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _limit(text: str) -> int:
    """The largest entry read: a tree is a few tens of times its text, never more."""
    return (1 << 20) + 100 * len(text.encode("utf-8", "surrogatepass"))


# ---- get / put -------------------------------------------------------------------------------

def get(text: str, shown: str) -> n.RuleFile | None:
    """The cached tree of ``text``, exactly as parsing gives it, or None."""
    dfd = _open_dir(create=False)
    if dfd is None:
        return None
    name = "?"
    try:
        name = f"{_key(text, shown)}.json"
        data = _read(dfd, name, _limit(text))
        if data is None:
            return None
        tree = _load(data, text, shown)
        try:
            os.utime(name, dir_fd=dfd, follow_symlinks=False)  # used now: pruned last
        except (OSError, NotImplementedError):
            pass
        return tree
    except Exception as e:  # noqa: BLE001 - whatever is wrong with an entry, parse instead
        _log.debug("parse cache entry %s refused: %s: %s", name, type(e).__name__, e)
        return None
    finally:
        os.close(dfd)


def put(text: str, shown: str, tree: n.RuleFile) -> None:
    """Store the tree of ``text``, replacing whatever is at its entry's name."""
    dfd = _open_dir(create=True)
    if dfd is None:
        return
    import secrets
    name, tmp = "?", f".{secrets.token_hex(8)}.tmp"
    try:
        name = f"{_key(text, shown)}.json"
        data = json.dumps({"format": FORMAT, "language": language_version(), "shown": shown,
                           "text_sha256": _text_hash(text), "tree": _encode(tree)},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                     dir_fd=dfd)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except OSError:
            # A directory at the entry's name (a file or link is replaced by the rename itself).
            if not stat.S_ISDIR(os.stat(name, dir_fd=dfd, follow_symlinks=False).st_mode):
                raise
            import shutil
            shutil.rmtree(name, dir_fd=dfd)
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        tmp = None
        try:
            _prune(dfd, name, max_bytes())
        except Exception as e:  # noqa: BLE001 - an unpruned cache is only larger
            _log.debug("parse cache not pruned: %s: %s", type(e).__name__, e)
    except Exception as e:  # noqa: BLE001 - a cache that cannot be written is no cache
        _log.debug("parse cache entry %s not written: %s: %s", name, type(e).__name__, e)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass
        os.close(dfd)


def _prune(dfd: int, keep: str, limit: int) -> None:
    """Remove the least recently used files of the cache folder (entries, and temporary
    files a killed run left) until the rest take at most ``limit`` bytes; never ``keep``,
    the entry just written. Only regular files are counted or removed."""
    files = []
    for name in os.listdir(dfd):
        try:
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except OSError:
            continue  # removed meanwhile by another run
        if stat.S_ISREG(st.st_mode):
            files.append((st.st_mtime_ns, name, st.st_size))
    total = sum(size for _, _, size in files)
    for _, name, size in sorted(files):
        if total <= limit:
            break
        if name == keep:
            continue
        try:
            os.unlink(name, dir_fd=dfd)
        except OSError:
            continue
        total -= size
        _log.debug("parse cache entry %s removed: the cache is over %d bytes", name, limit)


def _read(dfd: int, name: str, limit: int) -> bytes | None:
    """The bytes of a regular file the user owns, opened without following a link and
    without blocking on a FIFO; None for anything else or anything larger than ``limit``."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dfd)
    except OSError:
        return None  # absent, or a link (ELOOP)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > limit:
            raise _Refused(f"not a regular file of ours within {limit} bytes")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise _Refused("grew past its bound")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


# ---- encoding --------------------------------------------------------------------------------

def _encode(x):
    if isinstance(x, Decimal):
        return {"$d": str(x)}
    if isinstance(x, (tuple, list)):
        return [_encode(v) for v in x]
    if isinstance(x, Span):
        return [x.line, x.column, x.end_line, x.end_column]
    if attrs.has(type(x)):
        out = {"$c": type(x).__name__}
        for f in attrs.fields(type(x)):
            if f.name != "text" or not isinstance(x, n.RuleFile):  # the file's text is not stored
                out[f.name] = _encode(getattr(x, f.name))
        return out
    return x


def _load(data: bytes, text: str, shown: str) -> n.RuleFile:
    doc = json.loads(data.decode("utf-8", "surrogatepass"))
    if not (type(doc) is dict and set(doc) == {"format", "language", "shown", "text_sha256", "tree"}):
        raise _Refused("not an entry")
    if doc["format"] != FORMAT or doc["language"] != language_version():
        raise _Refused("another format or language version")
    if doc["shown"] != shown or doc["text_sha256"] != _text_hash(text):
        raise _Refused("made from another text")
    fields = _schema()
    if fields is None:
        raise _Refused("node fields of a type the cache cannot check")
    tree = _decode(doc["tree"], fields, shown)
    if type(tree) is not n.RuleFile or tree.path != shown:
        raise _Refused("not a rule file")
    tree = attrs.evolve(tree, text=text)
    _consistent(tree, text, shown)
    return tree


def _decode(doc, fields, shown: str):
    """The tree an entry's JSON describes, every object checked against its class."""
    spans: dict[tuple, Span] = {}  # equal spans shared, as parsing often makes them

    def span(v) -> Span:
        if type(v) is not list or len(v) != 4:
            raise _Refused("bad span")
        key = tuple(v)
        got = spans.get(key)
        if got is None:
            line, column, end_line, end_column = key
            if not (type(line) is int and type(column) is int and 0 < line < 1 << 31 and 0 < column < 1 << 31
                    and (end_line is None or type(end_line) is int and line <= end_line < 1 << 31)
                    and (end_column is None or type(end_column) is int and 0 < end_column < 1 << 31)):
                raise _Refused("bad span")
            got = spans[key] = Span(shown, line, column, end_line, end_column)
        return got

    def decode(x, depth: int):
        if depth > MAX_JSON_DEPTH:
            raise _Refused("nested too deep")
        t = type(x)
        if t is str or t is int or t is bool or x is None:
            return x
        if t is list:
            out = []
            for v in x:
                out.append(decode(v, depth + 1))
            return tuple(out)
        if t is not dict:
            raise _Refused(f"unexpected {t.__name__}")
        if "$d" in x:
            s = x["$d"]
            if len(x) != 1 or type(s) is not str or not _DECIMAL.fullmatch(s):
                raise _Refused("bad decimal")
            return Decimal(s)
        name = x.get("$c")
        cls = _CLASSES.get(name) if type(name) is str else None
        if cls is None:
            raise _Refused("unknown class")
        spec = fields[cls]
        if len(x) != len(spec) + 1:
            raise _Refused(f"{cls.__name__}: wrong fields")
        kwargs = {}
        for field, check in spec:
            if field not in x:
                raise _Refused(f"{cls.__name__}: no {field}")
            if check is None:
                kwargs[field] = span(x[field])
                continue
            v = decode(x[field], depth + 1)
            if not check(v):
                raise _Refused(f"{cls.__name__}.{field}: wrong type")
            kwargs[field] = v
        return cls(**kwargs)

    return decode(doc, 0)


@lru_cache(maxsize=1)
def _schema():
    """Each class's stored fields with a check of their declared type; None (the cache off)
    if a field has a type this module does not know how to check."""
    try:
        out = {}
        for cls in _CLASSES.values():
            attrs.resolve_types(cls, globalns=vars(n))
            out[cls] = tuple((f.name, None if f.type is Span else _checker(f.type))
                             for f in attrs.fields(cls) if not (cls is n.RuleFile and f.name == "text"))
        return out
    except Exception as e:  # noqa: BLE001
        _log.debug("parse cache off: %s", e)
        return None


def _checker(tp):
    if tp is str:
        return lambda v: type(v) is str
    if tp is bool:
        return lambda v: type(v) is bool
    if tp is int:
        return lambda v: type(v) is int and 0 <= v < 1 << 31
    if tp is Decimal:
        return lambda v: type(v) is Decimal
    if tp is type(None):
        return lambda v: v is None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        checks = [_checker(a) for a in args]
        return lambda v: any(c(v) for c in checks)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        each = _checker(args[0])
        return lambda v: type(v) is tuple and all(each(x) for x in v)
    if origin is tuple:
        checks = [_checker(a) for a in args]
        return lambda v: type(v) is tuple and len(v) == len(checks) and all(c(x) for c, x in zip(checks, v))
    if isinstance(tp, type) and attrs.has(tp):
        return lambda v: isinstance(v, tp)
    raise TypeError(f"no check for {tp!r}")


# ---- consistency with the text ---------------------------------------------------------------

def _consistent(tree: n.RuleFile, text: str, shown: str) -> None:
    """The tree belongs to this text: spans inside it, leaves where their spans say, and
    one statement at each statement line (what parsing found, no more and no less)."""
    check = _Consistency(tree, shown)
    visit = check.visit
    last, lines = check.last, check.lines
    for x in walk(tree):
        sp = x.span
        if sp.file != shown or not 1 <= sp.line <= last or not 1 <= sp.column <= 1 << 24:
            raise _Refused("span outside the file")
        visit(x)  # what is particular to its class (a class it does not know: UnknownNode, refused)
        for name, spellings in _CANONICAL.get(type(x), ()):
            meaning = getattr(x, name)
            if meaning is None and type(x) is n.Rule:
                continue
            if meaning not in spellings:
                raise _Refused(f"{type(x).__name__}.{name} {meaning!r} is no keyword's meaning")
            word = _between(lines, x.left.span, x.right.span) if type(x) in (n.Compare, n.BinOp) else None
            if word is not None:  # the operator is exactly the text between its operands
                ok = word in spellings[meaning]
            else:  # one of its spellings is in its text
                src = lines[sp.line - 1] if type(x) is n.Rule else tree.excerpt(sp)
                src = " ".join(src.lower().split())
                ok = any(w in src for w in spellings[meaning])
            if not ok:
                raise _Refused(f"{type(x).__name__}.{name} {meaning!r} is not what its text says")
        verbatim = _VERBATIM.get(type(x))
        if verbatim and not (isinstance(x, n.Rule) and x.anonymous):
            _in_order(tree.excerpt(sp), x, verbatim)
    logical, comments = Source(shown, text).logical_lines()
    if tuple(comments) != tree.comments:
        raise _Refused("other comments")
    starts = [s.span.line for s in (*tree.wordlists, *tree.synonyms)]
    for r in tree.rules:
        starts += [c.span.line for c in r.clauses] if r.anonymous else \
            [r.span.line] + [c.span.line for c in r.clauses]
    for it in tree.items:
        starts += [it.span.line] + [c.span.line for c in it.clauses]
    if sorted(starts) != [ll.line for ll in logical]:
        raise _Refused("statements at other lines than the text's")


class _Consistency(NodeVisitor):
    """The checks particular to each node class (the span, the keyword meanings and the
    verbatim words are checked for every node by :func:`_consistent`). One method per class:
    a node class this module was not written for fails (UnknownNode), and the entry is refused."""

    def __init__(self, tree: n.RuleFile, shown: str):
        self.tree = tree
        self.lines = tree.lines
        self.last = len(self.lines) + 1
        self.stem = re.sub(r"\.rules$", "", shown.replace("\\", "/").rsplit("/", 1)[-1])

    def _leaf(self, x) -> str | None:
        """The text a one-line leaf's span covers."""
        sp, lines = x.span, self.lines
        return lines[sp.line - 1][sp.column - 1:(sp.end_column or 0) - 1] \
            if sp.end_line == sp.line and sp.line <= len(lines) and sp.end_column else None

    def visit_Name(self, x) -> None:
        if self._leaf(x) != x.text:
            raise _Refused(f"{type(x).__name__} {x.text!r} is not at its span")

    def visit_String(self, x) -> None:
        src = self._leaf(x)
        if not (src is not None and len(src) >= 2 and src[1:-1] == x.text):
            raise _Refused(f"String {x.text!r} is not at its span")

    def visit_Number(self, x) -> None:
        self.visit_Name(x)
        value = x.value
        if not value.is_finite() or n.number_value(x.text) != (value, x.unit):
            raise _Refused(f"number {x.text!r} with another value")

    def visit_Deduct(self, x) -> None:
        if not x.points.is_finite():
            raise _Refused("points not finite")

    visit_SetScore = visit_Cap = visit_Deduct

    def visit_ScoreItem(self, x) -> None:
        if not x.weight.is_finite():
            raise _Refused("points not finite")

    def visit_BoolOp(self, x) -> None:
        if len(x.operands) < 2:
            raise _Refused("a chain of one")

    def visit_Chain(self, x) -> None:
        if len(x.ops) < 2 or len(x.operands) != len(x.ops) + 1:
            raise _Refused("a comparison chain of the wrong shape")
        for op, a, b in zip(x.ops, x.operands, x.operands[1:]):
            word = _between(self.lines, a.span, b.span)
            if op not in _CMP_SPELLINGS or (word is not None and word not in _CMP_SPELLINGS[op]):
                raise _Refused("a comparison chain's operator is not what its text says")

    def visit_Interval(self, x) -> None:
        src = self.tree.excerpt(x.span)
        if (not src or src[0] not in "[［(（" or src[-1] not in "]］)）"
                or x.lo_closed != (src[0] in "[［") or x.hi_closed != (src[-1] in "]］")):
            raise _Refused("an interval's brackets are not what its text says")

    def visit_PredContains(self, x) -> None:
        if x.phrase:
            if not any(w in " ".join(self.tree.excerpt(x.span).lower().split()) for w in ("短语", "phrase")) \
                    and not _PHRASE_WORD.search(" ".join(self.lines[x.span.line - 1].lower().split())):
                raise _Refused("a phrase test whose text says no phrase")

    def visit_Rule(self, x) -> None:
        if x.anonymous and x.id != f"{self.stem}:{x.span.line}":
            raise _Refused("an anonymous rule named otherwise")

    def visit_RuleFile(self, x) -> None:
        pass  # nothing beyond what every node gets

    visit_ListLit = visit_BinOp = visit_Neg = visit_Compare = visit_Not = visit_Test = visit_Call = \
        visit_PredNamed = visit_PredEmpty = visit_PredIn = visit_PredEndsIn = visit_PredCompare = \
        visit_Flag = visit_Halve = visit_GradeCap = visit_Requirement = visit_Applicability = \
        visit_Implication = visit_Assertion = visit_Otherwise = visit_Each = visit_When = visit_Meta = \
        visit_WordList = visit_Synonym = visit_RuleFile


# Words a node holds as the text wrote them, in the order written: each must be found in
# the text its span covers (a path with its ／ read as /).
_VERBATIM = {
    n.ListLit: ("items",), n.WordList: ("name", "words"), n.Synonym: ("canonical", "variants"),
    n.Rule: ("id", "title"), n.ScoreItem: ("path", "title"), n.Meta: ("text",), n.Flag: ("message",),
    n.Deduct: ("item",), n.PredNamed: ("name",), n.Applicability: ("category", "project_category"),
    n.GradeCap: ("grade",),
}
_PATHS = {"path", "item"}


def _spellings(table: dict[str, str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for word, meaning in table.items():
        out.setdefault(meaning, []).append(word.lower())
    return {k: tuple(v) for k, v in out.items()}


_CMP_SPELLINGS = _spellings(CMPS)
_PHRASE_WORD = re.compile("|".join(spelling_pattern("_CONTAINS_PHRASE", w).pattern
                                  for w in BY_TOKEN["_CONTAINS_PHRASE"].spellings), re.I)

# Words the parser reads as one meaning (须 → must): a node's meaning must be one of them,
# and one of its spellings must be in the node's text (a rule's: its header line).
_CANONICAL = {
    n.Requirement: (("modal", _spellings(MODALS)),), n.Compare: (("op", _spellings(CMPS)),),
    n.PredCompare: (("op", _spellings(CMPS)),), n.BinOp: (("op", _spellings(ARITH)),),
    n.BoolOp: (("op", _spellings(BOOL_OPS)),),
    n.Flag: (("severity", _spellings(SEVERITIES)),), n.Rule: (("severity", _spellings(SEVERITIES)),),
    n.Meta: (("key", _spellings(METAS)),), n.Call: (("func", _spellings(FUNCS)),),
}


def _in_order(src: str, node, names) -> None:
    pos = 0
    for name in names:
        value = getattr(node, name)
        where = src.replace("／", "/") if name in _PATHS else src
        for word in value if type(value) is tuple else (value,):
            if word is None:
                continue
            at = where.find(word, pos)
            if at < 0:
                raise _Refused(f"{type(node).__name__}.{name} {word!r} is not in its text")
            pos = at + len(word)


def _between(lines: list[str], a: Span, b: Span) -> str | None:
    """The text between two spans on one line, brackets and spaces around it removed."""
    if a.end_line != b.line or a.end_column is None or not 1 <= b.line <= len(lines):
        return None
    return " ".join(lines[b.line - 1][a.end_column - 1:b.column - 1].strip(" \t\u3000()（）").lower().split())
