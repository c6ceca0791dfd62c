"""Records travel with archives: versions, aliases with their history, derivations, validity events (#17).

The nodes go through a real archive (create_archive → empty the profile → import_archive) whose ``records.json``
is taken out; the records payload (``records/archive_io.py``, what that member holds) goes through JSON beside
it, so the payload API is tested on its own (tests/records/test_archive_members.py: the member in the archive).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from jupyter_prov.archive import create_archive, import_archive
from jupyter_prov.orm import Int, Node, QueryBuilder
from jupyter_prov.orm import record_queries as q
from jupyter_prov.records import Dataset, Model, Record, RecordError, actions, invalidate, is_invalid, why
from jupyter_prov.records.archive_io import MEMBER, export_records, import_records
from tests.conftest import clean_storage
from tests.records.processes import train


def _nodes_only(archive: Path) -> None:
    """Take ``records.json`` out of ``archive`` (the other members as they were)."""
    with zipfile.ZipFile(archive) as old:
        members = [(info.filename, old.read(info.filename)) for info in old.infolist() if info.filename != MEMBER]
    with zipfile.ZipFile(archive, "w") as new:
        for name, data in members:
            new.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "metadata.json" else zipfile.ZIP_DEFLATED)


def _state():
    """What a profile says about its records, by uuid (pks change on import)."""
    from jupyter_prov.records import find

    state = {}
    for record in find():
        state[record.name] = {
            "uuid": record.uuid, "kind": record.kind_name, "tags": record.tags,
            "versions": [(v.number, v.node.uuid, v.actor, v.content_hash,
                          v.node.__class__.__name__, v.ctime.isoformat()) for v in record.versions()],
            "aliases": record.aliases(),
            "alias_history": [(m["alias"], m["version"], m["actor"], m["time"].isoformat()) for m in record.alias_history()],
            "invalid": [is_invalid(v.node_pk) for v in record.versions()],
            "why": [[c["cause"] for c in why(v.node_pk)["invalid"]] for v in record.versions()],
            "derived_from": [sorted(q.node_uuids(q.derivation_sources(v.node_pk)).values()) for v in record.versions()],
        }
    return state


def _build():
    data = Dataset.create("peaks", tags={"beamline": "1-ID", "shots": 3})
    d1 = data.update(Int(1), actor="ana")
    result, calc = train.run_get_node(d1.node)
    model = Model.create("bragg", description="BraggNN")
    model.update(result["model"], by=calc, actor="ana")
    d2 = data.update(Int(2), actor="ana")
    model.update(Int(7), derived_from=[d2], actor="ben")
    model.set_alias("production", 1, actor="ben")
    model.set_alias("staging", 1, actor="ben")
    model.set_alias("production", 2, actor="cora")
    model.remove_alias("staging", actor="cora")
    actions.attach("bragg", "rerun")
    invalidate(d1, "wrong wavelength", by="dora", run_actions=False)
    return list(QueryBuilder().append(Node, project="id").all(flat=True))


def test_versions_aliases_and_events_round_trip_through_an_archive(profile, storage, tmp_path):
    pks = _build()
    before = _state()
    payload = json.loads(json.dumps(export_records(pks)))
    archive = tmp_path / "records.zip"
    create_archive(archive, nodes=pks)
    _nodes_only(archive)
    clean_storage(storage)
    assert _state() == {}
    import_archive(archive)
    counts = import_records(payload)
    assert counts["records"] == 2 and counts["versions"] == 4 and counts["aliases"] == 4
    assert counts["events"] >= 3 and counts["invalid"] >= 3
    after = _state()
    assert after == before
    assert after["bragg"]["invalid"] == [True, False] and after["bragg"]["why"][0] == ["wrong wavelength"]
    assert Record.get("bragg")["production"].number == 2
    assert q.outbox() == []  # imported events never queue or run actions
    assert import_records(payload) == dict.fromkeys(counts, 0)  # a second import changes nothing
    assert _state() == before


def test_an_import_that_conflicts_writes_nothing(profile, storage, tmp_path):
    pks = _build()
    payload = json.loads(json.dumps(export_records(pks)))
    archive = tmp_path / "records.zip"
    create_archive(archive, nodes=pks)
    _nodes_only(archive)
    clean_storage(storage)
    import_archive(archive)
    Model.create("bragg")  # another record of that name here
    with pytest.raises(RecordError, match="'bragg' exists here as another record"):
        import_records(payload)
    from jupyter_prov.records import find

    assert [r.name for r in find()] == ["bragg"] and len(Record.get("bragg")) == 0


def test_payload_of_nodes_without_records_is_empty(profile):
    node = Int(3).store()
    payload = export_records([node.pk])
    assert payload["records"] == payload["versions"] == payload["events"] == []
    assert import_records(payload)["records"] == 0
