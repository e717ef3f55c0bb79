"""The packs the page offers: every bundled pack and the packs given at start-up (names or
folders), each compiled once when the server starts. A start-up pack that does not compile
stops the server with every error, as ``perfrules compile`` prints them.

A request names packs by the key the page shows (a bundled pack's name; a folder pack's
``name``, or its folder when that name is taken). No pack named: the start-up packs when
some were given, else the bundled default packs chosen by the project's 年度, as
``perfrules check`` without ``-p`` does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import attrs

from ..engine.packs import Pack, bundled_names, default_packs, is_bundled, load_pack
from ..errors import Errors, PackError, UsageError
from ..suggest import suggest_path


@attrs.frozen
class Offered:
    """One pack on the page: the key a request names it by, the compiled pack, where it
    comes from (``bundled`` or ``folder``), how to compile it again (a process started
    without fork), and whether it was given at start-up (checked on the page)."""

    key: str
    pack: Pack
    origin: str
    spec: str
    given: bool = False

    @property
    def title(self) -> str:
        return self.pack.description

    def to_dict(self) -> dict:
        return {"name": self.key, "version": self.pack.version, "title": self.pack.description,
                "origin": self.origin, "default": bool(self.pack.default), "given": self.given}


@attrs.frozen
class Choice:
    """The packs of one request: compiled, and how to compile them again; ``chosen`` as
    ``-p`` given (False: the defaults, chosen per project by its 年度)."""

    packs: tuple[Pack, ...]
    specs: tuple[str, ...]
    chosen: bool
    keys: tuple[str, ...]


class Catalog:
    """The packs offered, compiled at start (raises every compile error at once)."""

    def __init__(self, extra: Sequence[str] = ()):
        errors = Errors()
        self.offered: dict[str, Offered] = {}
        for name in bundled_names():
            with errors.caught():
                self.offered[name] = Offered(name, load_pack(name), "bundled", name)
        self.given: list[str] = []
        for spec in dict.fromkeys(str(s) for s in extra):
            with errors.caught():
                self._add(spec)
        errors.raise_if_any()
        self.defaults = [n for n in default_packs() if n in self.offered]

    def _add(self, spec: str) -> None:
        pack = load_pack(spec)
        if is_bundled(pack) and pack.name in self.offered:
            key = pack.name
            self.offered[key] = attrs.evolve(self.offered[key], given=True)
        else:
            key = pack.name if pack.name not in self.offered else spec
            self.offered[key] = Offered(key, pack, "folder", os.path.abspath(spec), given=True)
        if key not in self.given:
            self.given.append(key)

    def __iter__(self):
        return iter(self.offered.values())

    def choose(self, names: Iterable[str]) -> Choice:
        """The packs a request names (UsageError for an unknown one, with a did-you-mean;
        PackError for packs that declare a field differently)."""
        keys = list(dict.fromkeys(n.strip() for raw in names for n in str(raw).split(",") if n.strip()))
        if not keys:
            chosen = bool(self.given)
            keys = list(self.given) if chosen else list(self.defaults)
            if not keys:
                raise UsageError("未选择规则包，且没有默认规则包", "no pack chosen and no default pack")
        else:
            chosen = True
        for k in keys:
            if k not in self.offered:
                raise self._unknown(k)
        use = [self.offered[k] for k in keys]
        _no_conflicts([o.pack for o in use])
        return Choice(tuple(o.pack for o in use), tuple(o.spec for o in use), chosen, tuple(keys))

    def _unknown(self, key: str) -> UsageError:
        known = list(self.offered)
        close = suggest_path(key, known)
        shown = key if len(key) <= 80 else key[:80] + "…"
        return UsageError(f"没有名为「{shown}」的规则包" + (f"，是否指「{close}」？" if close else ""),
                          f"no pack named {shown!r}" + (f"; did you mean {close}?" if close else ""),
                          hint="可选的规则包 (packs offered): " + "、".join(known))


def _no_conflicts(packs: list[Pack]) -> None:
    """Packs used together must declare each field alike (as ``pipeline.load_packs`` requires)."""
    from ..data.declared import union
    _, conflicts = union((p.label, getattr(p, "fields", ())) for p in packs)
    if conflicts:
        raise PackError("同时使用的规则包对同一字段的声明不同：" + "；".join(zh for zh, _ in conflicts),
                        "; ".join(en for _, en in conflicts),
                        hint="请分别检查，或只选其中一个规则包 (check with each pack separately)")
