"""Validity events leave stored nodes as they were, and carry actor, time, cause, parent and root; a record keeps
its URI; ``history()`` is the versions (each revising the one before) and the alias moves, oldest first."""

from __future__ import annotations

from jupyter_prov.orm import Int, load_node
from jupyter_prov.orm import record_queries as q
from jupyter_prov.records import Dataset, Model, Record, invalidate, revalidate, why

from .conftest import calc


def _snapshot(pk: int) -> tuple:
    node = load_node(pk=pk)
    return (dict(node.attributes), dict(node.extras), node.mtime, node.node_hash, getattr(node, "is_sealed", None),
            sorted((link.node.pk, link.link_type.value, link.link_label) for link in node.get_incoming()),
            sorted((link.node.pk, link.link_type.value, link.link_label) for link in node.get_outgoing()))


def test_invalidate_and_revalidate_never_change_a_stored_node(profile, data):
    raw = data(1)
    process, (out,) = calc([raw], 1)
    version = Model.create("m").update(out)
    pks = [raw.pk, process.pk, out.pk, version.node_pk]
    before = {pk: _snapshot(pk) for pk in pks}
    invalidate(raw, "bad detector", by="alice")
    assert q.is_invalid(out.pk)
    assert {pk: _snapshot(pk) for pk in pks} == before
    revalidate(raw, "false alarm", by="bob")
    assert {pk: _snapshot(pk) for pk in pks} == before
    assert load_node(pk=process.pk).is_sealed


def test_each_event_has_actor_time_cause_parent_and_root(profile, data):
    raw = data(1)
    clean, (features,) = calc([raw], 1, label="clean")
    train, (weights,) = calc([features], 1, label="train")
    result = invalidate(raw, "detector miscalibrated", by="alice")
    root = result["event"]
    (root_event,) = q.events_of(raw.pk)
    assert (root_event["id"], root_event["root_id"], root_event["kind"]) == (root, root, "invalidate")
    assert root_event["actor"] == "alice" and root_event["cause"] == "detector miscalibrated"
    assert root_event["time"] is not None
    for pk in (clean.pk, features.pk, train.pk, weights.pk):
        (event,) = q.events_of(pk)
        assert event["root_id"] == root and event["actor"] == "alice" and event["time"] == root_event["time"]
    # each cascaded event's parent is the event of the node it was reached through, back to the root event
    (chain,) = why(weights)["invalid"]
    assert chain["root_event"] == root
    assert [step["node"] for step in chain["path"]] == [weights.pk, train.pk, features.pk, clean.pk, raw.pk]
    events = [step["event"] for step in chain["path"]]
    assert events[-1] == root and len(set(events)) == 5
    lifted = revalidate(raw, "false alarm", by="bob")
    event = q.events_of(weights.pk)[-1]
    assert (event["kind"], event["root_id"], event["parent_id"], event["actor"]) == (
        "revalidate", lifted["event"], lifted["event"], "bob")


def test_a_record_keeps_its_uri_and_its_history_oldest_first(profile):
    Dataset.create("scans", uri="globus://aps/2-BM/scans", description="tomography scans")
    scans = Record.get("scans")
    assert (scans.uri, scans.description, scans.kind_name) == ("globus://aps/2-BM/scans", "tomography scans", "Dataset")
    v1 = scans.update(Int(1), actor="ana")
    v2 = scans.update(Int(2), actor="ben")
    scans.set_alias("production", 1, actor="cy")
    scans.set_alias("production", 2, actor="dee")
    events = scans.history()
    assert [(e["event"], e.get("version")) for e in events] == [
        ("version", 1), ("version", 2), ("alias", 1), ("alias", 2)]
    assert [e["revision_of"] for e in events[:2]] == [None, v1.node_pk]  # wasRevisionOf
    assert [e["actor"] for e in events] == ["ana", "ben", "cy", "dee"]
    assert all(e["time"] for e in events)
    assert events[1]["node"] == v2.node_pk
