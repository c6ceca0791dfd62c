"""Imports point down the layers; SQL stays in storage/ and orm/ (docs/reference/architecture.md).

The layer table below is the one in ``docs/reference/architecture.md`` (a test checks they agree).
Every import counts here, deferred ones too (an import inside a function is still a dependency: the
engine named the daemon through ``importlib.import_module`` inside ``submit``); imports under
``if TYPE_CHECKING:`` do not (they never run). See ``tests/import_graph.py`` for how the graph is read.

Rules:

1. a module never imports a layer above its own;
2. ``transports/`` and ``schedulers/`` import only ``config/`` and ``errors.py`` (and each other);
3. the engine never names the daemon (the daemon is a submit queue found through an entry point);
4. outside ``storage/`` and ``orm/`` nothing imports SQLAlchemy or ``storage.schema``.

Violations that other work is removing are listed in :data:`PENDING` with their owner; a violation
not listed fails, and so does a listed one that is gone (delete its line). The lead drives it to empty.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.import_graph import external_imports, imports, modules

#: layer of each package under jupyter_prov/ (higher imports lower, never the other way)
LAYERS = {
    "base": ("config", "errors", "_version"),
    "storage": ("storage",),
    "model": ("orm",),
    "services": ("engine", "daemon", "archive", "records", "interop", "transports", "schedulers"),
    "views": ("views",),
    "faces": ("cli", "notebook", "widgets", "server", "testing"),
}
ORDER = list(LAYERS)
#: the package itself (``jupyter_prov/__init__.py``: the public API, lazy names of every layer)
TOP = "jupyter_prov"
ONLY_BASE = ("transports", "schedulers")
SQL_HOMES = ("storage", "orm")

#: (owner, importer module, what it imports that it should not): being removed by their owners
PENDING: list[tuple[str, str, str]] = []


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else TOP


def layer_of(module: str) -> int:
    package = package_of(module)
    if package == TOP:
        return len(ORDER)
    for index, name in enumerate(ORDER):
        if package in LAYERS[name]:
            return index
    raise AssertionError(f"{module}: package {package!r} is in no layer: add it to LAYERS here and to "
                         "docs/reference/architecture.md")


def _layer_name(module: str) -> str:
    index = layer_of(module)
    return ORDER[index] if index < len(ORDER) else "the package root (import the module that defines the name)"


def _pending(importer: str, imported: str) -> bool:
    return any(imported == what and (importer == who or (who.endswith(".*") and importer.startswith(who[:-1])))
               for _owner, who, what in PENDING)


def violations() -> list[tuple[str, str, str]]:
    """``(where, what it imports, which rule)`` for every import that breaks a rule, listed or not."""
    found = []
    for edge in imports():
        importer, imported = edge.importer, edge.imported
        low, high = package_of(importer), package_of(imported)
        if layer_of(imported) > layer_of(importer):
            found.append((edge, imported, f"{_layer_name(importer)} imports {_layer_name(imported)}"))
        elif low in ONLY_BASE and high not in LAYERS["base"] + ONLY_BASE:
            found.append((edge, imported, f"{low}/ imports only config/ and errors.py"))
        elif low == "engine" and high == "daemon":
            found.append((edge, imported, "the engine never names the daemon"))
        if imported == "jupyter_prov.storage.schema" and low not in SQL_HOMES:
            found.append((edge, imported, "storage.schema outside storage/ and orm/"))
    for module, name, line in external_imports():
        if name.split(".")[0] == "sqlalchemy" and package_of(module) not in SQL_HOMES:
            found.append((f"{module}:{line}", "sqlalchemy", "SQLAlchemy outside storage/ and orm/"))
    return [(edge if isinstance(edge, str) else edge.where(), imported, rule) for edge, imported, rule in found]


def test_every_package_has_a_layer():
    for module in modules():
        layer_of(module)


def test_imports_follow_the_rules():
    new = [v for v in violations() if not _pending(v[0].rpartition(":")[0], v[1])]
    assert not new, "imports against the layer rules (docs/reference/architecture.md):\n" + "\n".join(
        f"  {where} imports {what}: {rule}" for where, what, rule in sorted(set(new)))


def test_every_pending_violation_is_still_there():
    seen = {(where.rpartition(":")[0], what) for where, what, _rule in violations()}
    gone = [(owner, who, what) for owner, who, what in PENDING
            if not any(imported == what and (importer == who or (who.endswith(".*") and importer.startswith(who[:-1])))
                       for importer, imported in seen)]
    assert not gone, "fixed: delete these lines from PENDING in tests/test_import_rules.py:\n" + "\n".join(
        f"  {owner}: {who} -> {what}" for owner, who, what in gone)


def test_the_rules_catch_what_they_name():
    """The checks are not blind: an engine module naming the daemon by string would be found."""
    import ast

    from tests.import_graph import _Collector

    collector = _Collector("jupyter_prov.engine.launch", False)
    collector.visit(ast.parse('import importlib\ndef f():\n    importlib.import_module("jupyter_prov.daemon.submission")\n'))
    assert [(e.imported, e.deferred) for e in collector.found] == [("jupyter_prov.daemon.submission", True)]
    collector = _Collector("jupyter_prov.engine.x", False)
    collector.visit(ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..daemon import leases\n"))
    assert collector.found == []


def test_the_architecture_page_has_the_same_layers():
    page = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "architecture.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\w+) \| ([^|]+) \|", page, flags=re.MULTILINE))
    for layer, packages in LAYERS.items():
        assert layer in rows, f"docs/reference/architecture.md has no row for layer {layer!r}"
        listed = set(re.findall(r"`([\w.]+?)/?`", rows[layer]))
        want = {f"{p}.py" if p in ("errors", "_version") else p for p in packages}
        assert listed == want, f"layer {layer}: the page lists {sorted(listed)}, the test {sorted(want)}"
