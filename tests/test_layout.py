"""The shape of the code: no function in ``perfrules/`` longer than ``MAX_LINES`` unless it
says why (issue 15: functions cut at their seams).

A function may stay long for a good reason (a flat table of cases that reads best in one
place): say so on the line directly above its ``def`` (above its decorators, if any)::

    # long: one branch per node class, each a line or two; split, it would only scatter them
    def x_Call(self, node): ...

or begin its docstring with ``long: <reason>``. The length counts every line from ``def`` to
the last line of the body, docstring and comments included.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "perfrules"
MAX_LINES = 60
_MARKER = re.compile(r"^\s*#\s*long:\s*\S")
_DOC_MARKER = re.compile(r"^\s*long:\s*\S", re.IGNORECASE)

# Functions still over the limit while issue 15 is under way, by "module:qualified name"
# (module relative to perfrules/). Each is to be cut at its seams or given a `# long:`
# reason, and removed from here; an entry that is no longer long fails the test.
ALLOWED_FOR_NOW: frozenset[str] = frozenset()


def _functions(tree: ast.AST):
    """(qualified name, node) for every function and method, nested ones included."""
    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                yield name, child
                yield from walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)
    yield from walk(tree, "")


def _says_why(fn: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> bool:
    first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])  # 1-based
    if first >= 2 and _MARKER.match(lines[first - 2]):
        return True
    doc = ast.get_docstring(fn)
    return bool(doc) and bool(_DOC_MARKER.match(doc.splitlines()[0]))


def long_functions() -> dict[str, tuple[int, bool]]:
    """Every function over MAX_LINES: "module:name" → (its length, whether it says why)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        module = path.relative_to(PACKAGE).as_posix()
        for name, fn in _functions(ast.parse(text, str(path))):
            length = fn.end_lineno - fn.lineno + 1
            if length > MAX_LINES:
                out[f"{module}:{name}"] = (length, _says_why(fn, lines))
    return out


def test_no_long_function_without_its_reason():
    unexplained = {k: n for k, (n, why) in long_functions().items() if not why and k not in ALLOWED_FOR_NOW}
    assert not unexplained, (
        f"functions over {MAX_LINES} lines: cut them at their seams, or put `# long: <reason>` on "
        "the line above the def: " + ", ".join(f"{k} ({n} lines)" for k, n in sorted(unexplained.items())))


def test_the_list_of_long_functions_allowed_for_now_is_not_stale():
    long = long_functions()
    stale = sorted(k for k in ALLOWED_FOR_NOW if k not in long or long[k][1])
    assert not stale, f"no longer long (or now explained): remove from ALLOWED_FOR_NOW: {', '.join(stale)}"


def test_the_check_sees_a_long_function_and_its_reason(tmp_path):
    body = "\n".join(f"    x{k} = {k}" for k in range(MAX_LINES))
    plain = f"def f():\n{body}\n"
    marked = f"# long: a flat table\n@staticmethod\ndef f():\n{body}\n"
    documented = f'def f():\n    """long: a flat table."""\n{body}\n'
    for text, why in ((plain, False), (marked, True), (documented, True)):
        fn = next(fn for _, fn in _functions(ast.parse(text)))
        assert fn.end_lineno - fn.lineno + 1 > MAX_LINES
        assert _says_why(fn, text.splitlines()) is why


# ---- who may import whom -------------------------------------------------------------------

# The wings, bottom up (ARCHITECTURE.md, "Who may import whom"). A module may import its own
# wing and any wing on a lower floor; wings on one floor do not import each other. Every
# import counts, those inside functions too (a lazy import is still an arrow).
FLOORS: tuple[frozenset[str], ...] = (
    # shared by every wing: errors, did-you-mean, severities, the version, files written whole
    frozenset({"errors", "suggest", "severity", "version", "outputs", "schemas"}),
    frozenset({"data", "language"}),  # a file → the model; rule text → a syntax tree
    frozenset({"engine"}),  # compile once, run many: findings, score sheets
    frozenset({"report", "authoring"}),  # results rendered; tools for pack authors
    frozenset({"pipeline", "config"}),  # input files → jobs → results; the settings of a run and their sources
    frozenset({"batch", "cluster", "web", "lsp"}),  # a whole run framed and written (in partitions on a cluster); the upload page; the language server
    frozenset({"cli"}),  # the command line
    frozenset({"__main__", "__init__"}),  # python -m perfrules; the public API (lazy names)
)
# Wings on one floor that may still use one another, in this direction only.
SIDEWAYS = {("authoring", "report"),  # a pack catalogue is written with the report's escaping
            ("batch", "cluster")}  # check --scheduler: batch hands the run to the partitioned one


def _wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _floor(wing: str) -> int:
    for k, wings in enumerate(FLOORS):
        if wing in wings:
            return k
    raise AssertionError(f"perfrules.{wing} is on no floor: add it to FLOORS and to ARCHITECTURE.md")


def import_graph() -> dict[str, set[str]]:
    """module → the perfrules modules it imports (``from . import x`` counts as perfrules.<pkg>.x)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, is_pkg)
    graph: dict[str, set[str]] = {}
    for name, (path, is_pkg) in modules.items():
        package = name if is_pkg else name.rsplit(".", 1)[0]
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                names = [f"{target}.{a.name}" for a in node.names]
                hits = [x for x in names if x in modules] or ([target] if target in modules else [])
                out.update(hits)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name in modules)
        out.discard(name)
        graph[name] = {m for m in out if m != "perfrules" or not name.startswith("perfrules.")} | \
            ({"perfrules"} & out)
    return graph


def test_imports_follow_the_floors():
    wrong = []
    for module, targets in sorted(import_graph().items()):
        a = _wing(module)
        for target in sorted(targets):
            b = _wing(target)
            if a == b or (a, b) in SIDEWAYS or _floor(a) == _floor(b) == 0:
                continue  # the shared modules may use one another (no circle: see below)
            if _floor(b) >= _floor(a):
                wrong.append(f"{module} → {target}")
    assert not wrong, "imports against the floors of ARCHITECTURE.md:\n  " + "\n  ".join(wrong)


def test_no_import_circle():
    graph = import_graph()
    circles, state = [], {}

    def visit(m, path):
        state[m] = "open"
        for t in sorted(graph.get(m, ())):
            if t not in graph:
                continue
            if state.get(t) == "open":
                circles.append(" → ".join(path[path.index(t):] + [t]))
            elif t not in state:
                visit(t, path + [t])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not circles, "import circles:\n  " + "\n  ".join(circles)


def test_the_floors_see_a_wrong_arrow():
    assert _floor("data") < _floor("engine") < _floor("report") < _floor("cli")
    assert ("report", "authoring") not in SIDEWAYS
