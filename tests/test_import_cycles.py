"""No import cycles between the modules of jupyter_prov (the graph is read from the source, see import_graph.py).

Two graphs, two questions:

1. **Module-level imports, the whole package.** These run when a module is imported; a cycle among
   them means some module runs while another is half initialised, and whether that works depends on
   which one is imported first. No such cycle may exist, anywhere.
2. **Every import, deferred ones too, between modules of one package** (``engine/``, ``orm/``, ...;
   a package's ``__init__`` left out, since it re-exports its package). An import inside a function is
   how a cycle hides: both modules need each other and one of them waits until a call. Between
   packages a deferred import is allowed (it keeps ``jprov --version`` from loading SQLAlchemy, see
   ``benchmarks/results/startup.md``); its direction is checked by ``test_import_rules.py``.

Cycles that other work removes are listed in :data:`PENDING`, each with its owner. The list is kept
honest both ways: a cycle not covered by it fails, and so does an entry with no cycle left (delete
its line when you have removed the cycle). The lead drives the list to empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.import_graph import imports, modules, strongly_connected


@dataclass(frozen=True)
class Pending:
    owner: str
    members: tuple[str, ...]  # module names; a name ending in ".*" stands for every module below it
    why: str

    def covers(self, module: str) -> bool:
        return any(module == m or (m.endswith(".*") and module.startswith(m[:-1])) for m in self.members)

    def present(self) -> bool:
        """Whether the modules are in the tree at all (an entry for work not written yet is not judged)."""
        return all(any(self.covers(name) for name in modules()) if m.endswith(".*") else m in modules()
                   for m in self.members)


PENDING = [
]


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def module_level_cycles() -> list[frozenset[str]]:
    edges: dict[str, set[str]] = {}
    for edge in imports():
        if not edge.deferred:
            edges.setdefault(edge.importer, set()).add(edge.imported)
    return strongly_connected(edges)


def package_cycles() -> list[frozenset[str]]:
    packages = {name for name, (_path, is_package) in modules().items() if is_package}
    edges: dict[str, set[str]] = {}
    for edge in imports():
        if edge.importer in packages or edge.imported in packages:
            continue
        if _package(edge.importer) == _package(edge.imported):
            edges.setdefault(edge.importer, set()).add(edge.imported)
    return strongly_connected(edges)


def _uncovered(cycles: list[frozenset[str]]) -> list[list[str]]:
    return [sorted(cycle) for cycle in cycles
            if not any(all(entry.covers(m) for m in cycle) for entry in PENDING)]


def _where(cycle: list[str]) -> str:
    members = set(cycle)
    lines = [f"{edge.where()} imports {edge.imported}{' (in a function)' if edge.deferred else ''}"
             for edge in imports() if edge.importer in members and edge.imported in members]
    return "\n    ".join(sorted(set(lines)))


def test_no_cycle_among_module_level_imports():
    new = _uncovered(module_level_cycles())
    assert not new, "import cycles (module level):\n" + "\n".join(
        f"  {' <-> '.join(cycle)}:\n    {_where(cycle)}" for cycle in new)


def test_no_two_modules_of_one_package_import_each_other():
    new = _uncovered(package_cycles())
    assert not new, "modules of one package that import each other (a deferred import counts):\n" + "\n".join(
        f"  {' <-> '.join(cycle)}:\n    {_where(cycle)}" for cycle in new)


def test_every_pending_cycle_is_still_there():
    cycles = package_cycles() + module_level_cycles()
    gone = [entry for entry in PENDING if entry.present()
            and not any(sum(entry.covers(m) for m in cycle) >= 2 for cycle in cycles)]
    assert not gone, "cycles removed: delete their lines from PENDING in tests/test_import_cycles.py:\n" + "\n".join(
        f"  {entry.owner}: {entry.members}" for entry in gone)


def test_the_engine_has_no_cycle_of_its_own():
    """engine/kinds.py and engine/states.py broke the engine's cycle through process.py (issue #14)."""
    engine = [sorted(c) for c in package_cycles() if _package(next(iter(c))) == "jupyter_prov.engine"]
    assert all(set(c) == {"jupyter_prov.engine.caching", "jupyter_prov.engine.process"} for c in engine), engine


def test_the_graph_sees_deferred_and_string_imports():
    """The reader is not blind: known imports of each kind are in the graph."""
    found = {(e.importer, e.imported, e.deferred) for e in imports()}
    assert ("jupyter_prov.engine.launch", "jupyter_prov.engine.process", False) in found
    assert ("jupyter_prov.engine.functions", "jupyter_prov.engine.launch", True) in found  # inside a method
    assert ("jupyter_prov.engine", "jupyter_prov.engine.calcjobs", True) in found  # the _LAZY table
    assert ("jupyter_prov.cli", "jupyter_prov.cli.process", True) in found  # COMMAND_MODULES + import_module
