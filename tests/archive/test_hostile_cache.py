"""Hostile archives, part four: cache poisoning. An archive cannot make this profile reuse a result it did not compute.

``add(2, 3)`` is run and exported; in the archive its output is changed to 999 (its ``node_hash`` left as it
was, or rewritten to match), the calculation may even claim to be a trusted cache source. Imported into a
profile with data of its own, on SQLite and PostgreSQL: with caching on, ``add(Int(2), Int(3))`` runs and
returns 5, and no row that was there after the import changed (each row of every table compared, so the
cache lookup repairs, marks or rewrites nothing it was not asked to). An archive that tries to attach the
poisoned output to the profile's own trusted calculation is refused and leaves every table's digest and
the repository's object list as they were; the profile's own calculation is still the one reused.
"""

from __future__ import annotations

import importlib
import json
import sys
import uuid as uuid_module
from pathlib import Path

import pytest
from sqlalchemy import select

from jupyter_prov.archive import ArchiveIntegrityError, create_archive, import_archive
from jupyter_prov.engine import enable_caching
from jupyter_prov.orm import Int, load_node
from jupyter_prov.storage import schema

from .conftest import empty_profile_storage
from .hostile import assert_refused_unchanged, copy_node, edit_archive, link, snapshot

ADD = '''
from jupyter_prov.engine import calcfunction

CALLS = []


@calcfunction
def add(x, y):
    CALLS.append((x.value, y.value))
    return x.value + y.value
'''


@pytest.fixture
def mod(tmp_path, monkeypatch):
    name = f"hostile_cache_{uuid_module.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(ADD)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(name)
    sys.modules.pop(name, None)


def _own_nodes() -> None:
    from jupyter_prov.orm.nodes.files import File

    File(b"the target's own bytes\n", filename="own.txt").store()
    Int(7, label="the target's own").store()


def rows(storage) -> dict[str, dict]:
    """Every row of every table, by primary key (to tell "a row changed" from "rows were added")."""
    found = {}
    with storage.connection() as conn:
        for table in schema.metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.c)
            found[table.name] = {tuple(row._mapping[c.name] for c in key): repr(tuple(row))
                                 for row in conn.execute(select(table))}
    return found


def assert_rows_kept(before: dict[str, dict], after: dict[str, dict]) -> None:
    for table, table_rows in before.items():
        changed = [pk for pk, row in table_rows.items() if after[table].get(pk) != row]
        assert not changed, f"{table}: rows {changed[:5]} changed or vanished"


def _poisoned(mod, tmp_path: Path, *, consistent: bool, extras: dict | None = None) -> tuple[Path, str, str]:
    """Run and export add(2, 3) with its output changed to 999; returns (archive, calc uuid, output uuid).
    The profile is then emptied and given data of its own: the archive comes from someone else."""
    result, calc = mod.add.run_get_node(2, 3)
    honest = tmp_path / "add.jprov"
    create_archive(honest, nodes=[calc])
    sql: list = [("UPDATE db_node SET attributes = json_set(attributes, '$.value', 999) WHERE uuid = ?",
                  (result.uuid,))]
    if consistent:  # nothing in the archive disagrees with itself
        sql.append(("UPDATE db_node SET node_hash = ? WHERE uuid = ?", (Int(999).compute_hash(), result.uuid)))
    if extras is not None:
        sql.append(("UPDATE db_node SET extras = ? WHERE uuid = ?", (json.dumps(extras), calc.uuid)))
    path = edit_archive(honest, tmp_path / "poisoned.jprov", sql=sql)
    empty_profile_storage()
    _own_nodes()
    mod.CALLS.clear()
    return path, calc.uuid, result.uuid


def _add_with_caching(mod):
    with enable_caching():
        return mod.add.run_get_node(Int(2), Int(3))


@pytest.mark.parametrize("consistent", [False, True], ids=["hash-left", "hash-rewritten"])
def test_a_poisoned_output_is_never_reused_and_the_lookup_changes_nothing(storage, mod, tmp_path, consistent):
    path, calc_uuid, output_uuid = _poisoned(mod, tmp_path, consistent=consistent)
    import_archive(path)
    assert load_node(output_uuid).value == 999  # imported as data, as it came
    imported = rows(storage)
    result, node = _add_with_caching(mod)
    assert result.value == 5 and mod.CALLS == [(2, 3)], "the poisoned result was reused"
    assert node.get_attribute("cached_from", None) is None
    assert_rows_kept(imported, rows(storage))
    if not consistent:  # the tampering is visible to `jprov storage verify`
        from jupyter_prov.orm.integrity import verify_storage

        report = verify_storage(sample=None)
        assert output_uuid in json.dumps(report.tampered_nodes), report


def test_a_poisoned_output_is_not_reused_even_when_the_user_vouches_for_the_calculation(storage, mod, tmp_path,
                                                                                        caplog):
    from jupyter_prov.engine.caching import set_cacheable

    path, calc_uuid, output_uuid = _poisoned(mod, tmp_path, consistent=False)
    import_archive(path)
    set_cacheable(load_node(calc_uuid), True)
    vouched = rows(storage)
    with caplog.at_level("WARNING", logger="jupyter_prov.engine.caching"):
        result, node = _add_with_caching(mod)
    assert result.value == 5 and mod.CALLS == [(2, 3)] and node.get_attribute("cached_from", None) is None
    assert calc_uuid in caplog.text and output_uuid in caplog.text
    assert_rows_kept(vouched, rows(storage))


@pytest.mark.parametrize("claim", [True, "yes", 1])
def test_an_archive_cannot_vouch_for_its_own_calculation(storage, mod, tmp_path, claim):
    """The calculation's extras in the archive say it is a trusted cache source: the importer decides that."""
    path, calc_uuid, _ = _poisoned(mod, tmp_path, consistent=True, extras={"_jprov_cacheable": claim})
    import_archive(path)
    imported = rows(storage)
    result, node = _add_with_caching(mod)
    assert result.value == 5 and mod.CALLS == [(2, 3)], "the archive's claim made its result a cache source"
    assert node.get_attribute("cached_from", None) is None
    assert_rows_kept(imported, rows(storage))


@pytest.mark.parametrize("mode", [
    "keep_existing", "update_existing",
    "mirror",
])
def test_importing_again_never_clears_the_not_a_cache_source_mark(storage, mod, tmp_path, mode):
    """The second import of the same archive finds the calculation stored (and marked by the first): the
    archive's extras, merged in any mode, do not lift the mark."""
    path, calc_uuid, _ = _poisoned(mod, tmp_path, consistent=True, extras={"_jprov_cacheable": True})
    import_archive(path)
    import_archive(path, extras_mode_existing=mode)
    result, node = _add_with_caching(mod)
    assert result.value == 5 and mod.CALLS == [(2, 3)], f"after a second import ({mode}) the poison was reused"


# ---- the profile's own trusted calculation ---------------------------------------------------------------
def _own_trusted_add(mod, tmp_path: Path):
    """The profile computes add(2, 3) itself (a trusted cache source) and exports it."""
    empty_profile_storage()
    _own_nodes()
    result, calc = mod.add.run_get_node(Int(2), Int(3))
    path = tmp_path / "own-add.jprov"
    create_archive(path, nodes=[calc])
    mod.CALLS.clear()
    return path, calc, result


def test_a_poisoned_copy_of_the_profiles_own_calculation_changes_nothing(storage, mod, tmp_path):
    """The archive holds the profile's own calculation and output (same UUIDs) with the output changed: stored
    nodes are never read from an archive, the cache still reuses the profile's own 5."""
    honest, calc, result = _own_trusted_add(mod, tmp_path)
    path = edit_archive(honest, tmp_path / "poisoned-own.jprov", sql=[
        ("UPDATE db_node SET attributes = json_set(attributes, '$.value', 999), node_hash = ? WHERE uuid = ?",
         (Int(999).compute_hash(), result.uuid))])
    before = snapshot(storage)
    summary = import_archive(path)
    assert summary.counts["nodes"] == 0
    after = snapshot(storage)
    groups = ("db_group", "db_group_node")  # the import group, which names what was imported
    assert {k: v for k, v in after.items() if k not in groups} == {k: v for k, v in before.items() if k not in groups}
    again, hit = _add_with_caching(mod)
    assert again.value == 5 and mod.CALLS == [] and hit.get_attribute("cached_from") == calc.uuid


def test_a_poisoned_output_attached_to_the_profiles_own_calculation_is_refused(storage, mod, tmp_path):
    """A cache hit clones every output of its source: an archive adding an output to the profile's trusted
    calculation is refused, every table and the object list unchanged, and the hit clones only the 5."""
    honest, calc, result = _own_trusted_add(mod, tmp_path)
    smuggled = str(uuid_module.uuid4())
    path = edit_archive(honest, tmp_path / "smuggled.jprov", sql=[
        copy_node(result.uuid, smuggled, attributes=json.dumps({"value": 999}), node_hash=Int(999).compute_hash()),
        link(calc.uuid, smuggled, "extra", "create"),
    ])
    assert_refused_unchanged(storage, path, f"from the stored process {calc.uuid}", ArchiveIntegrityError)
    again, hit = _add_with_caching(mod)
    assert again.value == 5 and mod.CALLS == [] and hit.get_attribute("cached_from") == calc.uuid
    assert sorted(triple.link_label for triple in hit.get_outgoing()) == ["result"]
