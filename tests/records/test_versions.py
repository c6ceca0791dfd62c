"""The versions of a notebook's named values and files (records/versions.py), outside the writer thread."""

from __future__ import annotations

import ast
from pathlib import Path

import jupyter_prov.notebook.writer as writer_module
from jupyter_prov.orm import Int
from jupyter_prov.records.versions import CurrentNames, NamedVersions


def test_a_rolled_back_batch_leaves_the_versions_as_they_were(profile):
    versions = NamedVersions()
    first = Int(1).store()
    versions.begin()
    versions.set_current("x", first)
    versions.remember("x", first.compute_hash(), first)
    versions.commit()
    versions.begin()
    second = Int(2)
    versions.set_current("x", second)
    versions.remember("x", second.compute_hash(), second)
    versions.set_current_file("/tmp/a.txt", second)
    versions.drop("x")
    versions.rollback()
    assert versions.current("x") is first and versions.current_file("/tmp/a.txt") is None
    assert versions.earlier("x", second.compute_hash()) is None


def test_committed_history_keeps_pks_and_loads_earlier_versions_again(profile):
    versions = NamedVersions()
    node = Int(7).store()
    versions.begin()
    versions.remember("y", node.compute_hash(), node)
    versions.commit()
    assert versions.by_hash == {("y", node.compute_hash()): node.pk}
    assert versions.earlier("y", node.compute_hash()).pk == node.pk  # loaded by pk
    versions.remember("/data/f.csv", "abc", node, file=True)
    assert versions.earlier("/data/f.csv", "abc", file=True) is node
    assert versions.earlier("y", "abc") is None  # files and names do not mix


def test_current_names_is_a_read_only_view():
    versions = NamedVersions()
    view = CurrentNames(versions)
    node = Int(1)
    versions.set_current("z", node)
    assert dict(view) == {"z": node} and view.get("nope") is None and len(view) == 1


def test_the_notebook_writer_does_not_import_sqlalchemy_or_the_schema():
    tree = ast.parse(Path(writer_module.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert not {name for name in imported if name.startswith("sqlalchemy") or name.endswith("schema")}
