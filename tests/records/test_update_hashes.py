"""``record.update`` keeps the content hashes it has seen per record (orm/record_queries.latest_and_match): the
answers must be those of the database, whatever happened to the rows since (#17, update rate)."""

from __future__ import annotations


from jupyter_prov.orm import Int
from jupyter_prov.orm.delete import delete_nodes
from jupyter_prov.records import Model
from jupyter_prov.records.archive_io import import_records


def test_old_content_finds_its_node_after_many_updates(profile):
    model = Model.create("m")
    first = model.update(Int(0))
    for i in range(1, 30):
        model.update(Int(i))
    back = model.update(Int(0))
    assert back.number == 31 and back.node_pk == first.node_pk


def test_a_deleted_version_node_is_not_handed_out_again(profile):
    model = Model.create("m")
    model.update(Int(1))
    model.update(Int(2))
    third = model.update(Int(3))
    model.update(Int(4))
    model.update(Int(5))  # the cache has seen 3's hash
    delete_nodes([third.node_pk], dry_run=False)  # (its row goes; delete also takes the row of v4, which revises it)
    again = model.update(Int(3))  # the hash seen before names a node that is gone: a new node
    assert again.node_pk != third.node_pk and again.node.value == 3
    assert again.number == 6


def _version_from_elsewhere(record: Model, number: int, node) -> None:
    """Version ``number`` of ``record`` written as an archive import writes it (any free number, gaps allowed)."""
    import_records({"version": 1, "records": [{
        "id": 1, "uuid": record.uuid, "name": record.name, "uri": None, "kind": record.kind_name, "description": "",
        "metadata": {"tags": {}}, "frozen": False, "ctime": record.ctime.isoformat()}],
        "versions": [{"record": 1, "number": number, "node": node.uuid, "previous": None, "process": None,
                      "content_hash": node.node_hash, "ctime": record.ctime.isoformat(), "actor": "elsewhere"}],
        "aliases": [], "derivations": [], "events": [], "events_skipped": 0, "invalid": []})


def test_a_gap_filled_below_the_newest_version_is_seen(profile):
    model = Model.create("m")
    model.update(Int(1))
    _version_from_elsewhere(model, 3, Int(3).store())
    assert model.update(Int(4)).number == 4  # the cache has seen versions 1, 3, 4
    two = Int(2).store()
    _version_from_elsewhere(model, 2, two)  # below the newest number: only the row count shows it
    again = model.update(Int(2))
    assert again.number == 5 and again.node_pk == two.pk
