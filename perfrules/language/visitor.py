"""One way to walk a syntax tree, as jinja2's ``NodeVisitor``.

A visitor has a method per node class, ``visit_<ClassName>``; :meth:`NodeVisitor.visit` calls
the one for the node's class and :meth:`NodeVisitor.generic_visit` when there is none, which
raises :class:`UnknownNode`: a node kind added to the language fails loudly in every walk
that does not know it yet, instead of being skipped. A class that walks the tree in more than
one way (fmt prints a statement, a predicate in a test and the same predicate in a
requirement differently) makes a dispatcher per way with :func:`dispatch`, each with its own
method prefix and fallback.

:func:`iter_children` and :func:`walk` go through a node's children (the node fields its
attrs class declares, tuples of nodes included) without knowing the node classes.

Dispatch is a dictionary look-up per call, cached per visitor and node class: compiling ten
thousand rules goes through it millions of times.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from functools import lru_cache

import attrs

from . import nodes as n


class UnknownNode(TypeError):
    """A visitor met a node class it has no method for (a programming error, not a user's)."""

    def __init__(self, visitor: object, node: object, method: str):
        self.node_class = type(node).__name__
        super().__init__(f"{type(visitor).__name__} has no method {method}{self.node_class} for a "
                         f"{self.node_class} node: add one (perfrules.language.visitor)")


def dispatch(prefix: str, fallback: str | None = None, doc: str | None = None, *, extra: bool = False) -> Callable:
    """A method that calls ``self.<prefix><ClassName>(node)`` for the node's class, or
    ``self.<fallback>(node)`` when the visitor has no such method, or raises
    :class:`UnknownNode` when there is no fallback either. With ``extra``, the method passes
    on further arguments (``self.pred(p, True)``); without, it takes the node alone and is
    the faster (no argument packing: the compiler dispatches millions of times)."""
    tables: dict[type, dict[type, Callable]] = {}  # visitor class → node class → function

    def find(vcls: type, ncls: type) -> Callable:
        f = getattr(vcls, prefix + ncls.__name__, None)
        if f is None and fallback is not None:
            f = getattr(vcls, fallback)
        if f is None:
            def f(self, node, *args, **kwargs):
                raise UnknownNode(self, node, prefix)
        tables.setdefault(vcls, {})[ncls] = f
        return f

    if extra:
        def visit(self, node, *args, **kwargs):
            t = tables.get(type(self))
            f = t.get(type(node)) if t is not None else None
            if f is None:
                f = find(type(self), type(node))
            return f(self, node, *args, **kwargs)
    else:
        def visit(self, node):
            t = tables.get(type(self))
            f = t.get(type(node)) if t is not None else None
            if f is None:
                f = find(type(self), type(node))
            return f(self, node)

    visit.__doc__ = doc or f"Dispatch on the node's class to ``{prefix}<ClassName>``."
    visit.prefix = prefix  # type: ignore[attr-defined]
    return visit


class NodeVisitor:
    """Base of the tree walks: ``visit(node)`` → ``visit_<ClassName>(node)``."""

    visit = dispatch("visit_", "generic_visit", "Call ``visit_<ClassName>`` for the node's class.")

    def generic_visit(self, node):
        """Called for a node class with no ``visit_`` method: fail loudly (override to do otherwise)."""
        raise UnknownNode(self, node, "visit_")


def handled(visitor: type, prefix: str = "visit_") -> set[type]:
    """The node classes a visitor class has a ``<prefix>`` method for (tests check that every
    walk knows every node class)."""
    return {c for c in node_classes() if getattr(visitor, prefix + c.__name__, None) is not None}


@lru_cache(maxsize=1)
def node_classes() -> tuple[type, ...]:
    """The concrete node classes (not the ``Node`` and ``Pred`` bases)."""
    return tuple(c for c in vars(n).values()
                 if isinstance(c, type) and attrs.has(c) and issubclass(c, n.Node) and c not in (n.Node, n.Pred))


@lru_cache(maxsize=None)
def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that may hold nodes (by their declared types)."""
    try:
        attrs.resolve_types(cls, globalns=vars(n))
    except Exception:  # noqa: BLE001 - a type we cannot read: look at every field
        return tuple(f.name for f in attrs.fields(cls) if f.name != "span")
    return tuple(f.name for f in attrs.fields(cls) if f.name != "span" and _may_hold_node(f.type))


def _may_hold_node(tp) -> bool:
    if isinstance(tp, type):
        return issubclass(tp, n.Node)
    if isinstance(tp, str):
        return True  # unresolved: be safe
    return any(_may_hold_node(a) for a in typing.get_args(tp))


def iter_children(node: n.Node) -> Iterator[n.Node]:
    """The node's child nodes, in field order (tuples of nodes flattened)."""
    for name in _child_fields(type(node)):
        v = getattr(node, name)
        if isinstance(v, n.Node):
            yield v
        elif type(v) is tuple:
            for x in v:
                if isinstance(x, n.Node):
                    yield x


def walk(node: n.Node) -> Iterator[n.Node]:
    """The node and every node below it, depth first (without recursion)."""
    stack = [node]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(tuple(iter_children(x))))
