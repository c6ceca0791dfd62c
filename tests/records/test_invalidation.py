"""Invalidation: append-only events, the cascade's direction and rules, dry run, revalidation, why, stale.

Cascade rules (jupyter_prov/orm/record_queries.py): forwards along input_calc → create and record derivations;
workflows that took or returned an invalid node are *affected*, not walked through; never caller → callee;
never along wasRevisionOf; a frozen record's versions are a boundary.
"""

from __future__ import annotations

import pytest

from jupyter_prov.orm import Int, LinkType, WorkChainNode
from jupyter_prov.orm import record_queries as q
from jupyter_prov.records import (
    Dataset, Model, RecordError, invalidate, is_invalid, revalidate, stale_causes, status, why,
)

from .conftest import calc, workflow


def _pipeline(data):
    """raw → clean (calc) → features; features + other → train (calc) → weights; weights as model v1."""
    raw, other = data(1), data(2)
    clean, (features,) = calc([raw], 1, label="clean")
    train, (weights,) = calc([features, other], 1, label="train")
    model = Model.create("model")
    version = model.update(weights)
    return raw, other, clean, features, train, weights, model, version


def test_the_cascade_follows_data_forwards_only(profile, data):
    raw, other, clean, features, train, weights, model, version = _pipeline(data)
    result = invalidate(raw, "detector miscalibrated", by="alice")
    assert result["nodes"] == 5  # raw, clean, features, train, weights
    for node in (raw, clean, features, train, weights):
        assert is_invalid(node)
    assert not is_invalid(other)  # a sibling input is not derived from raw
    assert status(version)["status"] == "invalid"


def test_invalidating_an_output_does_not_reach_its_inputs(profile, data):
    raw, other, clean, features, train, weights, model, version = _pipeline(data)
    invalidate(features, "bug in cleaning")
    assert not is_invalid(raw) and not is_invalid(clean)
    assert is_invalid(train) and is_invalid(weights)


def test_a_workflow_is_affected_but_not_walked_through(profile, data):
    source = data(1)
    unrelated = data(2)
    _, (made,) = calc([source], 1)
    work = workflow([source, unrelated], [made])
    _, (later,) = calc([unrelated], 1)
    result = invalidate(source, "bad")
    assert result["affected_workflows"] == 1
    assert status(work)["status"] == "affected" and not is_invalid(work)
    assert not is_invalid(later)  # not through the workflow to its other input's descendants


def test_never_caller_to_callee(profile, data):
    source = data(1)
    work = WorkChainNode(label="outer")
    work.set_attribute_many({"process_state": "running"})
    work.add_incoming(source, LinkType.INPUT_WORK, "x")
    work.store()
    inner, (made,) = (None, (None,))
    from jupyter_prov.orm import CalcFunctionNode

    inner = CalcFunctionNode(label="inner")
    inner.set_attribute_many({"process_state": "finished", "exit_status": 0})
    inner.add_incoming(work, LinkType.CALL_CALC, "call")
    other_input = data(3)
    inner.add_incoming(other_input, LinkType.INPUT_CALC, "y")
    inner.store()
    invalidate(work, "the workflow's logic was wrong")
    assert is_invalid(work) and not is_invalid(inner)
    invalidate(inner, "callee broken")
    assert not q.holding_roots(work.pk) == [] and len(q.holding_roots(work.pk)) == 1  # only its own root


def test_a_new_version_does_not_inherit_the_old_ones_fault(profile):
    model = Model.create("m")
    v1 = model.update(Int(1))
    v2 = model.update(Int(2))
    invalidate(v1, "trained on a bad split")
    assert is_invalid(v1) and not is_invalid(v2)


def test_record_derivations_are_followed(profile):
    dataset = Dataset.create("peaks")
    d1 = dataset.update(Int(10))
    model = Model.create("bragg")
    m1 = model.update(Int(20), derived_from=[d1])
    invalidate("peaks@v1", "wrong geometry")
    assert is_invalid(m1)


def test_a_frozen_record_stops_the_walk(profile):
    dataset = Dataset.create("d")
    d1 = dataset.update(Int(1))
    frozen = Model.create("frozen")
    f1 = frozen.update(Int(2), derived_from=[d1])
    frozen.freeze()
    downstream = Model.create("down")
    x1 = downstream.update(Int(3), derived_from=[f1])
    invalidate(d1, "bad")
    assert not is_invalid(f1) and not is_invalid(x1)


def test_dry_run_says_what_would_be_marked_and_writes_nothing(profile, data):
    raw, other, clean, features, train, weights, model, version = _pipeline(data)
    events_before = len(q.events_of(raw.pk))
    plan = invalidate(raw, "check", dry_run=True)
    assert plan["dry_run"] and plan["nodes"] == 5
    assert plan["records"] == {"model": [1]}
    assert plan["by_type"]["process.calculation.calcfunction"] == 2
    assert q.count_invalid() == 0 and len(q.events_of(raw.pk)) == events_before


def test_dry_run_names_notebooks_and_cells(profile, data):
    from jupyter_prov.orm import CellExecutionNode

    source = data(1)
    cell = CellExecutionNode(label="cell [3]")
    cell.set_attribute_many({"process_state": "finished", "exit_status": 0, "notebook": "analysis.ipynb",
                             "execution_count": 3})
    cell.add_incoming(source, LinkType.INPUT_CALC, "x")
    out = Int(5)
    out.add_incoming(cell, LinkType.CREATE, "y")
    from jupyter_prov.orm import store_all

    store_all([cell, out])
    plan = invalidate(source, "?", dry_run=True)
    assert plan["notebooks"] == {"analysis.ipynb": 1}
    assert plan["cells"] == [{"pk": cell.pk, "notebook": "analysis.ipynb", "execution_count": 3}]


def test_why_gives_the_chain_back_to_the_root_event(profile, data):
    raw, other, clean, features, train, weights, model, version = _pipeline(data)
    invalidate(raw, "detector miscalibrated", by="alice")
    (chain,) = why(weights)["invalid"]
    assert chain["cause"] == "detector miscalibrated" and chain["actor"] == "alice"
    assert [step["node"] for step in chain["path"]] == [weights.pk, train.pk, features.pk, clean.pk, raw.pk]


def test_revalidate_round_trips_and_keeps_the_events(profile, data):
    raw, other, clean, features, train, weights, model, version = _pipeline(data)
    invalidate(other, "suspicious")
    before = q.invalid_nodes()
    invalidate(raw, "bad")
    revalidate(raw, "false alarm", by="bob")
    assert q.invalid_nodes() == before
    kinds = [e["kind"] for e in q.events_of(raw.pk)]
    assert kinds == ["invalidate", "revalidate"]  # append-only: nothing was deleted
    with pytest.raises(RecordError, match="is not invalid"):
        revalidate(raw, "again")


def test_revalidating_a_cascaded_node_lifts_it_and_what_follows(profile, data):
    raw, other, clean, features, train, weights, model, version = _pipeline(data)
    invalidate(raw, "bad")
    revalidate(features, "checked by hand: the cleaning removed the bad rows")
    assert is_invalid(raw) and is_invalid(clean)
    assert not is_invalid(features) and not is_invalid(weights)


def test_stale_when_an_input_record_has_a_newer_version(profile):
    dataset = Dataset.create("d")
    d1 = dataset.update(Int(1))
    model = Model.create("m")
    m1 = model.update(Int(9), derived_from=[d1])
    assert stale_causes(m1) == []
    dataset.update(Int(2))
    assert stale_causes(m1) == [{"record": "d", "used": 1, "newest": 2}]
    assert status(m1)["status"] == "stale" and status(m1)["valid"]  # stale is not invalid


def test_invalidation_is_one_transaction(profile, data, monkeypatch):
    raw, *_ = _pipeline(data)

    def broken(*args, **kwargs):
        raise RuntimeError("lost the connection")

    monkeypatch.setattr(q, "_queue_actions", broken)
    with pytest.raises(RuntimeError):
        invalidate(raw, "bad")
    assert q.count_invalid() == 0 and q.events_of(raw.pk) == []


@pytest.mark.parametrize("cause", ["", "   ", None])
def test_a_cause_is_required(profile, cause):
    node = Int(1).store()
    with pytest.raises(RecordError, match="needs a cause"):
        invalidate(node, cause)
    assert q.events_of(node.pk) == []


def test_an_invalid_calculation_or_output_is_no_cache_source(profile, data):
    source = data(1)
    process, (output,) = calc([source], 1)
    other, (other_output,) = calc([data(2)], 1)
    assert not q.is_invalid_cache_source(process.pk)
    invalidate(output, "corrupted file")  # the output alone: its creator stays valid ...
    assert not is_invalid(process)
    assert q.is_invalid_cache_source(process.pk)  # ... but must not be reused from the cache
    assert not q.is_invalid_cache_source(other.pk)
    revalidate(output, "restored")
    assert not q.is_invalid_cache_source(process.pk)
