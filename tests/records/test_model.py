"""Records: stable names whose versions are stored nodes; aliases with history; as_of; kinds and tags."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from jupyter_prov.orm import Int, Node, QueryBuilder, load_node
from jupyter_prov.records import Config, Dataset, Fact, Model, Record, RecordError, find, versions_of

from .conftest import calc


def test_a_new_version_only_when_the_content_hash_changes(profile):
    model = Model.create("bragg-model")
    v1 = model.update({"lr": 0.1})
    again = model.update({"lr": 0.1})
    v2 = model.update({"lr": 0.2})
    assert (v1.number, again.number, v2.number) == (1, 1, 2)
    assert len(model) == 2 and model.latest.number == 2
    assert v2.previous_pk == v1.node_pk  # wasRevisionOf
    assert load_node(pk=v1.node_pk).get_dict() == {"lr": 0.1}  # the old version is recoverable and usable


def test_going_back_to_old_content_is_a_new_version_of_the_old_node(profile):
    config = Config.create("phil")
    v1 = config.update({"a": 1})
    config.update({"a": 2})
    v3 = config.update({"a": 1})
    assert v3.number == 3 and v3.node_pk == v1.node_pk


def test_versions_by_number_name_alias_and_latest(profile):
    model = Model.create("m")
    for lr in (1, 2, 3, 4):
        model.update(Int(lr))
    assert model["v3"].value == 3 and model[3].value == 3 and model["latest"].number == 4
    model.set_alias("production", "v2")
    assert model["production"].number == 2
    model.set_alias("production", 3)
    assert model["production"].number == 3
    assert model.aliases() == {"production": 3, "latest": 4}
    moves = model.alias_history()
    assert [(m["alias"], m["version"]) for m in moves] == [("production", 2), ("production", 3)]
    assert all(m["actor"] and m["time"] for m in moves)
    model.remove_alias("production")
    with pytest.raises(RecordError, match="no alias 'production'"):
        model["production"]


@pytest.mark.parametrize("bad", ["latest", "v7", "9lives", ""])
def test_bad_alias_names_are_refused(profile, bad):
    model = Model.create("m")
    model.update(Int(1))
    with pytest.raises(RecordError, match="alias"):
        model.set_alias(bad, 1)
    assert model.alias_history() == []


def test_missing_versions_and_records_name_what_is_missing(profile):
    model = Model.create("m")
    model.update(Int(1))
    with pytest.raises(RecordError, match="no version 5 \\(it has 1\\)"):
        model["v5"]
    with pytest.raises(RecordError, match="no record named 'nope'"):
        Record.get("nope")
    with pytest.raises(RecordError, match="is a Model, not a Dataset"):
        Dataset.get("m")
    with pytest.raises(RecordError, match="exists already"):
        Dataset.create("m")


def test_as_of_finds_the_version_newest_at_a_moment(profile):
    model = Model.create("m")
    model.update(Int(1))
    time.sleep(0.01)
    middle = datetime.now(timezone.utc)
    time.sleep(0.01)
    model.update(Int(2))
    assert model.as_of(middle).number == 1
    assert model.as_of(datetime.now(timezone.utc)).number == 2
    with pytest.raises(RecordError, match="had no version yet"):
        model.as_of(middle - timedelta(days=1))


def test_values_of_any_kind_become_versions(profile, tmp_path):
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"\x00\x01")
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    model = Model.create("w")
    assert model.update(weights).node.get_file("weights.bin") == b"\x00\x01"
    dataset = Dataset.create("d")
    assert dataset.update(folder).node.list_files() == ["a.txt"]
    array = Dataset.create("arr").update(np.arange(3))
    assert array.value.tolist() == [0, 1, 2]
    with pytest.raises(RecordError, match="cannot make a version of object"):
        Dataset.create("x").update(object())


def test_derived_from_and_by_are_lineage(profile):
    data = Dataset.create("peaks").update({"n": 10})
    process, (trained,) = calc([data.node], 1)
    model = Model.create("bragg")
    version = model.update(trained, derived_from=[data])
    from jupyter_prov.records import trained_on

    assert [v["record"] for v in trained_on(version)["versions"]] == ["peaks"]
    assert versions_of(trained) == [version]


def test_an_update_that_fails_leaves_nothing(profile, monkeypatch):
    from jupyter_prov.orm import record_queries

    model = Model.create("m")
    model.update(Int(1))
    before = Int(99)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(record_queries, "add_derivations", broken)
    source = Int(5).store()
    nodes_before = QueryBuilder().append(Node).count()
    with pytest.raises(RuntimeError):
        model.update(before, derived_from=[source])
    assert len(model) == 1 and model.latest.value == 1
    assert QueryBuilder().append(Node).count() == nodes_before  # the new node's row was rolled back too


def test_kinds_and_typed_tag_search(profile):
    Model.create("a", tags={"facility": "SLAC", "epochs": 10, "fpga": True})
    Model.create("b", tags={"facility": "APS", "epochs": "10"})
    Dataset.create("c", tags={"facility": "SLAC"})
    Fact.create("beamline", tags={"energy_keV": 12.4})
    assert [r.name for r in find(tags={"facility": "SLAC"})] == ["a", "c"]
    assert [r.name for r in find("model", tags={"epochs": 10})] == ["a"]
    assert [r.name for r in find(tags={"epochs": "10"})] == ["b"]
    assert [r.name for r in find(tags={"fpga": True})] == ["a"]
    assert [r.name for r in find(tags={"fpga": 1})] == []
    assert [r.name for r in find(tags={"energy_keV": 12.4})] == ["beamline"]
    assert [r.name for r in find(name="b*")] == ["b", "beamline"]
    assert isinstance(Record.get("beamline"), Fact)


def test_by_names_the_process_and_its_invalidation_reaches_the_version(profile):
    from jupyter_prov.records import invalidate, is_invalid

    process, _outputs = calc([Int(1).store()], 0)
    version = Model.create("m").update(Int(42), by=process)
    assert version.process_pk == process.pk
    invalidate(process, "the training script had a bug")
    assert is_invalid(version)
    with pytest.raises(RecordError, match="is not a process node"):
        Model.get("m").update(Int(43), by=Int(5).store())


def test_a_name_pattern_has_one_wildcard_and_the_same_case_on_both_backends(profile):
    for name in ("a_b", "axb", "Abc", "a.b-c"):
        Dataset.create(name)
    assert [r.name for r in find(name="a_*")] == ["a_b"]  # '_' is a character, not LIKE's any-character
    assert [r.name for r in find(name="a*")] == ["a.b-c", "a_b", "axb"]  # not 'Abc' (SQLite's LIKE would)
    assert [r.name for r in find(name="A*")] == ["Abc"]
    assert [r.name for r in find(name="*b")] == ["a_b", "axb"]
    assert [r.name for r in find(name="a.b-c")] == ["a.b-c"]
