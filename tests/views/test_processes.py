"""views.processes: process lists, details, trees and log reports as plain JSON-ready data."""

from __future__ import annotations

import json

import pytest

from jupyter_prov.engine import run_get_node, submit
from jupyter_prov.orm import Dict, NotExistent, QueryError
from jupyter_prov.views import processes
from tests.engine.processes import AddChildren, Outer, Relax, add
from tests.views.test_nodes import assert_plain


def test_a_list_is_newest_first_with_states_and_a_total(profile):
    _, finished = add.run_get_node(1, 2)
    created = submit(add, 3, 4)
    everything = processes.list_processes()
    assert_plain(everything)
    assert [p["pk"] for p in everything["items"]] == [created.pk, finished.pk]
    assert everything["total"] == 2
    active = processes.list_processes(states=processes.ACTIVE_STATES)
    assert [p["pk"] for p in active["items"]] == [created.pk] and active["total"] == 1
    only_finished = processes.list_processes(states=["finished"])["items"]
    assert [(p["pk"], p["state_text"]) for p in only_finished] == [(finished.pk, "finished [0]")]


def test_a_list_pages_and_counts_beyond_the_page(profile):
    made = [add.run_get_node(i, 1)[1] for i in range(5)]
    page = processes.list_processes(offset=1, limit=2)
    assert page["total"] == 5 and [p["pk"] for p in page["items"]] == [made[3].pk, made[2].pk]


def test_root_only_leaves_out_what_a_workflow_called(profile):
    _, outer = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    everything = processes.list_processes()["items"]
    assert len(everything) > 1
    roots = processes.list_processes(root_only=True)
    assert [p["pk"] for p in roots["items"]] == [outer.pk] and roots["total"] == 1


def test_an_unknown_state_is_a_query_error_naming_it(profile):
    with pytest.raises(QueryError, match="sleeping"):
        processes.list_processes(states=["sleeping"])


def test_a_detail_has_inputs_outputs_and_called_processes(profile):
    _, node = run_get_node(Relax, structure=Dict({"a": 1}))
    data = processes.detail(node.pk)
    assert_plain(data)
    json.dumps(data)
    assert (data["process_state"], data["exit_status"], data["process_label"], data["kind"]) == \
        ("finished", 0, "Relax", "workflow")
    assert {i["label"] for i in data["inputs"]} == {"structure", "steps"}
    assert [o["label"] for o in data["outputs"]] == ["result"]
    assert [c["state"] for c in data["called"]] == ["finished [0]"] * 3
    assert data["sealed"] is True and data["caller"] is None


def test_a_detail_of_a_data_node_says_it_is_not_a_process(profile):
    datum = Dict({"a": 1}).store()
    with pytest.raises(NotExistent, match="not a ProcessNode"):
        processes.detail(datum.pk)


def test_a_tree_nests_what_each_process_called(profile):
    _, outer = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    tree = processes.tree(outer.pk)
    assert_plain(tree)
    assert tree["pk"] == outer.pk and tree["truncated"] is False
    [relax] = tree["children"]
    assert relax["process_label"] == "Relax"
    assert [c["process_label"] for c in relax["children"]] == ["relax_step"] * 3
    flat = processes.flatten(tree)
    assert [(depth, entry["process_label"]) for depth, entry in flat][:3] == \
        [(0, "Outer"), (1, "Relax"), (2, "relax_step")]


def test_a_large_tree_is_capped_and_says_so(profile):
    _, outer = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    tree = processes.tree(outer.pk, max_processes=3)
    assert len(processes.flatten(tree)) == 3 and tree["truncated"] is True


def test_a_report_lists_the_log_of_the_process_and_below(profile):
    _, outer = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    report = processes.report(outer.pk)
    assert_plain(report)
    assert report["pk"] == outer.pk
    reports = [line for line in report["lines"] if line["level"] == "REPORT"]
    assert len(reports) == 3 and all(line["depth"] == 1 and line["process_label"] == "Relax" for line in reports)
    assert reports[0]["message"] == "step 1: a = 0.5" and reports[0]["time"].endswith("+00:00")
    assert processes.report(outer.pk, levelname="error")["lines"] == []


def test_a_pending_pause_shows_in_the_state_text(profile):
    from jupyter_prov.daemon import leases
    from jupyter_prov.orm import current

    node = submit(AddChildren, count=2)
    leases.request(current.get_storage(), [node.pk], "pause")
    [entry] = processes.list_processes()["items"]
    assert entry["request"] == "pause" and entry["state_text"] == "created (pausing)"
