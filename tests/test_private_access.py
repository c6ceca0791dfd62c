"""No module reads or writes another module's private attributes (``x._name`` where ``_name`` is theirs).

A leading underscore says "this module's business". When engine or notebook code assigns
``node._files`` or reads ``node._incoming``, the ORM can no longer change how a node keeps its state,
and the model's rules (checked in its public methods) are bypassed. The scan here walks every module
of ``jupyter_prov/`` with :mod:`ast`:

- a private name *belongs* to the modules that define it: a module-level name, a class attribute or
  method, a ``__slots__`` entry, or an ``self._name = ...`` / ``cls._name = ...`` assignment;
- an access ``x._name`` with ``x`` other than ``self``/``cls``/``super()`` is a finding unless the
  module defines ``_name`` itself (or is in a package that shares its privates, :data:`SHARED_PACKAGES`);
  private names of other libraries (``sys._getframe``) are findings too, unless allowed below.

:data:`ALLOWED` is the short list of accepted uses, each with its reason. :data:`PENDING` lists uses
that have a public replacement already and wait for their module's owner to switch (the lead drives
it to empty); an entry there that no longer matches only warns, so fixing a site never breaks the suite.
"""

from __future__ import annotations

import ast
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "jupyter_prov"

#: packages whose modules are one unit for private names, and why
SHARED_PACKAGES = {
    "jupyter_prov.orm.nodes": "one class, Node, split by concern into modules (identity and fields, files, "
                              "links, storing, loading) and its kinds: they share the node's slots",
}

#: (module, accessed expression) -> why it is accepted
ALLOWED: dict[tuple[str, str], str] = {
    ("jupyter_prov.daemon.submission", "sys._getframe"):
        "CPython's documented way to read the caller's frame cheaply (inspect.stack() builds every frame's context)",
    ("jupyter_prov.orm.record_queries", "row._mapping"):
        "SQLAlchemy's documented Row API (the underscore keeps it apart from column names)",
    ("jupyter_prov.storage.repository", "container._get_pack_id_to_write_to"):
        "a measured patch of disk-objectstore's Container (half the time of a large pack write), "
        "guarded: the library's own method decides when the shape differs",
    ("jupyter_prov.storage.repository", "container._current_pack_id"):
        "read by the same guarded disk-objectstore patch (see _pack_choice_from_known_size)",
}

#: (module, accessed expression) -> the owner who switches it to the public API named in requests.md
PENDING: dict[tuple[str, str], str] = {
    # archive/ (H1): orm.current.loaded_storage() / foreign_storage()
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def defined_names(tree: ast.AST) -> set[str]:
    """The private names a module defines (module level, in its classes, on ``self``/``cls``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del))
              and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            names.add(node.attr)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets):
            for item in ast.walk(node.value):
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    names.add(item.value)
    return {name for name in names if _is_private(name)}


def _own_object(value: ast.expr) -> bool:
    """``self``, ``cls``, ``super()`` or ``type(self)``: the object's own class is speaking."""
    if isinstance(value, ast.Name):
        return value.id in ("self", "cls")
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        if value.func.id == "super":
            return True
        if value.func.id == "type" and len(value.args) == 1:
            return _own_object(value.args[0])
    return False


def _unit(module: str) -> str:
    for package in SHARED_PACKAGES:
        if module == package or module.startswith(package + "."):
            return package
    return module


def scan(sources: dict[str, str]) -> list[tuple[str, int, str, list[str]]]:
    """Findings ``(module, line, expression, modules defining the name)`` in ``{module: source}``."""
    trees = {module: ast.parse(source) for module, source in sources.items()}
    defined = {module: defined_names(tree) for module, tree in trees.items()}
    units: dict[str, set[str]] = defaultdict(set)
    for module, names in defined.items():
        units[_unit(module)] |= names
    owners: dict[str, list[str]] = defaultdict(list)
    for module, names in defined.items():
        for name in names:
            owners[name].append(module)
    findings = []
    for module, tree in sorted(trees.items()):
        mine = units[_unit(module)]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _is_private(node.attr) and not _own_object(node.value)
                    and node.attr not in mine):
                findings.append((module, node.lineno, ast.unparse(node), sorted(owners.get(node.attr, []))))
    return findings


def package_findings() -> list[tuple[str, int, str, list[str]]]:
    return scan({_module_name(path): path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py"))})


def test_no_module_touches_another_modules_private_attributes():
    findings = [f for f in package_findings() if (f[0], f[2]) not in ALLOWED and (f[0], f[2]) not in PENDING]
    assert not findings, "private attributes of another module used (give the owner a public API):\n" + "\n".join(
        f"  {module}:{line}: {expression} (defined in {', '.join(owners) or 'another library'})"
        for module, line, expression, owners in findings)


def test_every_allowed_use_still_exists():
    """An allow-list entry nothing matches any more is removed, so the list stays short and true."""
    found = {(f[0], f[2]) for f in package_findings()}
    modules = {_module_name(path) for path in PACKAGE.rglob("*.py")}
    stale_allowed = [entry for entry in ALLOWED if entry not in found and entry[0] in modules]
    assert not stale_allowed, f"ALLOWED entries that match nothing any more, delete them: {stale_allowed}"
    stale = [entry for entry in PENDING if entry not in found]
    if stale:
        warnings.warn(f"PENDING entries switched already, delete them: {stale}", stacklevel=1)


def test_allowed_entries_say_why():
    assert all(len(reason) > 20 for reason in {**ALLOWED, **SHARED_PACKAGES}.values())


@pytest.mark.parametrize("source, found", [
    ("def f(node):\n    return node._files\n", ["node._files"]),  # a Node field read from outside
    ("def f(node):\n    node._files = {}\n", ["node._files"]),  # and written
    ("import sys\nsys._getframe(1)\n", ["sys._getframe"]),  # another library's private name
    ("class A:\n    def f(self):\n        return self._files, super()._files, type(self)._files\n", []),
    ("class A:\n    __slots__ = ('_x',)\n    def __eq__(self, other):\n        return self._x == other._x\n", []),
    ("def f(node):\n    return node.__class__, node.files\n", []),  # dunders and public names
])
def test_the_scan_finds_what_it_should(source, found):
    owner = "class Node:\n    def __init__(self):\n        self._files = {}\n"
    findings = scan({"pkg.node": owner, "pkg.user": source})
    assert [expression for module, _line, expression, _owners in findings if module == "pkg.user"] == found
