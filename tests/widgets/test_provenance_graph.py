"""ProvenanceGraph on the kernel side: the messages a front end gets for what it asks.

The comm is replaced by a recorder of what would go on the wire (``wire.py``: content + buffers);
everything else (the store, the neighbourhood, the encoding) is real. The browser test drives the same widget in a
real JupyterLab page (test_graph_in_jupyterlab.py).
"""

from __future__ import annotations

import pytest

pytest.importorskip("anywidget")

from jupyter_prov.orm import Int, QueryBuilder
from jupyter_prov.testing.examples import add
from jupyter_prov.views import graph as g
from jupyter_prov.widgets import ProvenanceGraph

from .wire import ask as _ask
from .wire import connect as _connect


@pytest.fixture
def fan(profile):
    x = Int(1)
    results = [add(x, Int(i)) for i in range(12)]
    return x, results


def test_the_front_end_pulls_a_snapshot_then_gets_numbered_deltas(fan):
    x, _ = fan
    widget = ProvenanceGraph(x, page_size=5)
    wire = _connect(widget)
    assert widget.roots == [x.pk]
    _ask(widget, {"type": "snapshot", "reason": "render"})
    (content, buffers), = wire.take()
    assert (content["type"], content["kind"], content["version"]) == ("chunk", "snapshot", 0)
    snapshot = g.decode(buffers)
    assert {row.pk for row in snapshot.nodes} >= {x.pk} and len(snapshot.nodes) == 6
    _ask(widget, {"type": "expand", "pk": x.pk, "direction": "descendants", "depth": 1, "link_types": None})
    (content, buffers), = wire.take()
    assert (content["kind"], content["version"]) == ("delta", 1)
    assert len(g.decode(buffers).nodes) == 5
    # a front end that missed version 1 asks again and gets everything at version 1
    _ask(widget, {"type": "snapshot", "reason": "gap"})
    (content, buffers), = wire.take()
    assert (content["kind"], content["version"]) == ("snapshot", 1) and len(g.decode(buffers).nodes) == 11


def test_details_and_errors_come_back_as_json(fan):
    x, _ = fan
    widget = ProvenanceGraph(x)
    wire = _connect(widget)
    _ask(widget, {"type": "details", "pk": x.pk})
    (content, buffers), = wire.take()
    assert content["type"] == "details" and buffers == []
    assert content["node"]["uuid"] == x.uuid and content["node"]["attributes"] == {"value": 1}
    _ask(widget, {"type": "expand", "pk": 10**8, "direction": "both"})
    (content, _), = wire.take()
    assert content["type"] == "error" and "not in this view" in content["message"]
    _ask(widget, {"type": "teleport"})
    assert "unknown request 'teleport'" in wire.take()[0][0]["message"]


def test_find_adds_the_matching_nodes_and_selects_one(fan):
    x, results = fan
    widget = ProvenanceGraph(x, depth=0)
    wire = _connect(widget)
    _ask(widget, {"type": "find", "text": f"pk:{results[-1].pk}"})
    messages = wire.take()
    assert messages[0][0]["kind"] == "delta"
    assert [row.pk for row in g.decode(messages[0][1]).nodes] == [results[-1].pk]
    assert messages[1][0] == {"type": "select", "pk": results[-1].pk}


def test_nodes_lists_and_querybuilders_are_accepted(fan):
    x, results = fan
    assert ProvenanceGraph([x, results[0].pk], depth=0).roots == sorted([x.pk, results[0].pk])
    qb = QueryBuilder().append(Int, filters={"attributes.value": {"<": 3}}, project=["*"])
    assert ProvenanceGraph(qb, depth=0).roots == sorted(n.pk for n, in qb.all())
    with pytest.raises(g.GraphRequestError, match="needs nodes"):
        ProvenanceGraph()


def test_the_saved_output_carries_a_static_svg_beside_the_widget(fan):
    x, _ = fan
    data, _ = ProvenanceGraph(x, depth=1)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["image/svg+xml"].lstrip().startswith(("<?xml", "<svg", "<!--"))
    assert f"N{x.pk}" in data["image/svg+xml"]
    assert data["text/plain"].startswith("<ProvenanceGraph of 1 node(s)")


def test_a_refresh_brings_the_processes_whose_state_changed(profile):
    from jupyter_prov.orm import CalcFunctionNode, ProcessState

    node = CalcFunctionNode(process_label="slow")
    node.set_process_state(ProcessState.RUNNING)
    node.store()
    widget = ProvenanceGraph(node, depth=0)
    wire = _connect(widget)
    _ask(widget, {"type": "refresh"})
    assert wire.take() == [], "nothing changed: nothing sent"
    node.set_process_state(ProcessState.EXCEPTED)
    _ask(widget, {"type": "refresh"})
    (content, buffers), = wire.take()
    assert content["kind"] == "delta" and [(r.pk, r.state) for r in g.decode(buffers).nodes] == [(node.pk, "excepted")]
