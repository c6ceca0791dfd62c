"""The import graph of ``jupyter_prov``, read from the source with ``ast`` (nothing is imported or run).

Used by ``tests/test_import_cycles.py`` and ``tests/test_import_rules.py``. Each :class:`Import` is one
edge ``importer -> imported`` between modules of the package, with where it is:

- ``deferred``: inside a function or method (it runs when the function is called, after every module
  has loaded); everything else — module body, class bodies, ``if``/``try`` at module level — runs when
  the module is imported;
- imports under ``if TYPE_CHECKING:`` are left out: they never run;
- ``importlib.import_module("jupyter_prov....")`` with a literal name counts as a deferred import of that
  module (``engine/launch.py`` named the daemon that way), and so does a string ``"jupyter_prov.x.y"`` (a
  submodule: two dots or more) in a dict or list literal of a module that calls ``import_module`` — a
  lazy-name table (``engine/__init__.py``, ``cli/__init__.py``). Package names alone
  (``"jupyter_prov.schedulers"``) are entry-point group names as often as modules, so they do not count.

``from .pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``. Importing
``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``; those implicit parent edges are *not* counted
(every module would then be in a cycle with its package's ``__init__``, which Python handles: the
parent is already initialising).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "jupyter_prov"


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    deferred: bool

    def where(self) -> str:
        return f"{self.importer}:{self.line}"


@lru_cache(maxsize=1)
def modules() -> dict[str, tuple[Path, bool]]:
    """``{dotted module name: (path, is a package)}`` of every module of jupyter_prov."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def _known(name: str) -> str | None:
    """The module ``name`` is in (itself, or the nearest enclosing package we have), or None if not ours."""
    mods = modules()
    while name:
        if name in mods:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool):
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.depth = 0  # functions we are inside
        self.found: list[Import] = []
        self.uses_importlib = False  # set from the source text: the module calls import_module

    def _add(self, target: str | None, node: ast.AST) -> None:
        if target and target != self.module:
            self.found.append(Import(self.module, target, node.lineno, self.depth > 0))

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _function(self, node) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(_known(alias.name), node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[:len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            full = f"{source}.{alias.name}"
            self._add(full if full in modules() else _known(source), node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "import_module" and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            self._add(_known(node.args[0].value), node)
        if name == "fromkeys" and len(node.args) == 2:  # dict.fromkeys([...], "jupyter_prov.orm")
            self._lazy(node.args[1])
        self.generic_visit(node)

    def _lazy(self, value: ast.AST | None) -> None:
        """A value of a lazy-name table: ``{"name": "jupyter_prov.engine.shell_jobs"}``, resolved with importlib."""
        if self.uses_importlib and isinstance(value, ast.Constant) and isinstance(value.value, str) \
                and value.value.count(".") >= 2 and value.value in modules() and value.value != self.module:
            self.found.append(Import(self.module, value.value, value.lineno, True))

    def visit_Dict(self, node: ast.Dict) -> None:
        for value in node.values:
            self._lazy(value)
        self.generic_visit(node)

    def visit_List(self, node: ast.List) -> None:
        for value in node.elts:
            self._lazy(value)
        self.generic_visit(node)


@lru_cache(maxsize=1)
def imports() -> tuple[Import, ...]:
    """Every import between modules of jupyter_prov (see the module docstring for what counts)."""
    found: list[Import] = []
    for module, (path, is_package) in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        collector = _Collector(module, is_package)
        collector.uses_importlib = "import_module(" in path.read_text(encoding="utf-8")
        collector.visit(tree)
        found.extend(collector.found)
    return tuple(found)


@lru_cache(maxsize=1)
def external_imports() -> tuple[tuple[str, str, int], ...]:
    """``(module, imported top-level name, line)`` of imports of packages outside jupyter_prov (any depth)."""
    found = []
    for module, (path, _is_package) in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.extend((module, alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.append((module, node.module, node.lineno))
    return tuple(found)


def strongly_connected(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of modules that import each other (Tarjan), each of two modules or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []
    counter = 0
    nodes = set(edges) | {m for targets in edges.values() for m in targets}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(frozenset(group))
    return groups
