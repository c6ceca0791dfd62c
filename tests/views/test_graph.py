"""views/graph.py: the neighbourhood a graph view loads, and its binary columnar encoding.

The element schema (kinds, states, callers, degrees), paging of big fan-outs, numbered deltas, the
chunking under the message cap, and what aggregation on the front end relies on (callers, degrees),
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import pytest

from jupyter_prov.engine import run_get_node
from jupyter_prov.orm import CalcFunctionNode, Float, Int, ProcessState
from jupyter_prov.testing.examples import Relax, add, silicon
from jupyter_prov.views import graph as g

FRONTEND = Path(__file__).resolve().parents[2] / "labextension" / "src" / "graph" / "columnar.ts"


@pytest.fixture
def fan(profile):
    """``x`` used by 30 additions (x + i), each creating a result."""
    x = Int(1)
    results = [add(x, Int(i)) for i in range(30)]
    return x, results


@pytest.fixture
def relax(profile):
    """A work chain with its steps (run to the end)."""
    _, node = run_get_node(Relax, structure=silicon(), pressure=Float(0.5))
    return node


def test_rows_carry_kind_state_caller_and_degrees(relax):
    hood = g.Neighbourhood([relax.pk], depth=1)
    version, elements = hood.snapshot()
    assert version == 0
    rows = {row.pk: row for row in elements.nodes}
    chain = rows[relax.pk]
    assert chain.kind == "workflow" and chain.state == "finished" and chain.exit_status == 0
    steps = [row for row in rows.values() if row.kind == "calculation"]
    assert steps, "the work chain's called steps are its descendants one link away"
    assert all(step.caller == relax.pk for step in steps)
    inputs = [row for row in rows.values() if row.kind == "data" and any(
        link.source == row.pk and link.target == relax.pk for link in elements.links)]
    assert {row.node_type for row in inputs} >= {"data.dict", "data.float"}
    # degrees are the true number of links, whatever is loaded
    incoming, outgoing = relax.get_incoming(), relax.get_outgoing()
    assert (chain.in_degree, chain.out_degree) == (len(incoming), len(outgoing))
    assert chain.uuid == relax.uuid and chain.ctime == pytest.approx(relax.ctime.timestamp())


def test_labels_say_what_a_node_is(fan):
    x, _ = fan
    _, elements = g.Neighbourhood([x.pk]).snapshot()
    rows = {row.pk: row for row in elements.nodes}
    assert rows[x.pk].label == "1"
    assert {row.label for row in rows.values() if row.kind == "calculation"} == {"add"}


def test_a_big_fan_out_comes_in_pages(fan):
    x, results = fan
    hood = g.Neighbourhood([x.pk], page_size=10)
    assert len(hood.nodes) == 1 + 10, "the root and the first page of its descendants"
    seen = set(hood.nodes)
    for expected_version in (1, 2):
        version, delta = hood.expand(x.pk, "descendants")
        assert version == expected_version
        pks = {row.pk for row in delta.nodes}
        assert len(pks) == 10 and not pks & seen
        seen |= pks
        assert all(link.source == x.pk for link in delta.links)
    version, delta = hood.expand(x.pk, "descendants")
    assert not delta and version == 2, "nothing left: an empty delta keeps the version"
    calcs = {r.get_incoming()[0].node.pk for r in results} | {t.node.pk for r in results for t in r.get_incoming()}
    assert {pk for pk, row in hood.nodes.items() if row.kind == "calculation"} <= calcs


def test_an_expansion_brings_the_links_to_nodes_already_shown(fan):
    x, results = fan
    hood = g.Neighbourhood([results[0].pk], depth=0)
    _, delta = hood.expand(results[0].pk, "ancestors", depth=2)
    kinds = {row.pk: row.kind for row in hood.nodes.values()}
    assert x.pk in kinds and list(kinds.values()).count("calculation") == 1
    ends = {(link.source, link.target, link.link_type) for link in hood.links}
    calc = next(pk for pk, kind in kinds.items() if kind == "calculation")
    assert (x.pk, calc, "input_calc") in ends and (calc, results[0].pk, "create") in ends


def test_open_workflow_loads_every_called_process(relax):
    hood = g.Neighbourhood([relax.pk], depth=0)
    version, delta = hood.open_workflow(relax.pk)
    called = {node.pk for node in relax.called}
    assert called and called <= {row.pk for row in delta.nodes}
    assert version == 1
    assert all(hood.nodes[pk].caller == relax.pk for pk in called)


def test_a_process_whose_state_changed_comes_as_a_delta(profile):
    node = CalcFunctionNode(process_label="slow")
    node.set_process_state(ProcessState.RUNNING)
    node.store()
    hood = g.Neighbourhood([node.pk], depth=0)
    assert hood.nodes[node.pk].state == "running"
    assert hood.refresh_states() == (0, g.Elements())
    node.set_process_state(ProcessState.FINISHED)
    node.set_exit(0)
    version, delta = hood.refresh_states()
    assert version == 1 and [(r.pk, r.state, r.exit_status) for r in delta.nodes] == [(node.pk, "finished", 0)]


def test_encode_decode_round_trip_and_the_front_end_names_the_same_buffers(relax):
    _, elements = g.Neighbourhood([relax.pk], depth=2).snapshot()
    (content, buffers), = g.encode(elements, version=0, kind="snapshot")
    assert content == {"type": "chunk", "kind": "snapshot", "version": 0, "part": 0, "parts": 1,
                       "nodes": len(elements.nodes), "links": len(elements.links), "buffers": list(g.BUFFER_ORDER)}
    decoded = g.decode(buffers)
    assert decoded.nodes == elements.nodes and decoded.links == elements.links
    pk = np.frombuffer(buffers[g.BUFFER_ORDER.index("nodes.pk")], dtype="<u4")
    assert pk.tolist() == [row.pk for row in elements.nodes]
    ts = FRONTEND.read_text()
    literal = ts[ts.index("BUFFER_ORDER = ["):ts.index("] as const", ts.index("BUFFER_ORDER = ["))]
    names = re.findall(r"'((?:nodes|links|strings)\.[a-z_0-9]+)'", literal)
    assert tuple(names) == g.BUFFER_ORDER, "columnar.ts decodes the buffers in the order views/graph.py writes"


def test_chunks_stay_under_the_message_cap_and_nodes_come_first(fan):
    x, _ = fan
    hood = g.Neighbourhood([x.pk], depth=3, page_size=100)
    _, elements = hood.snapshot()
    cap = 2048
    messages = g.encode(elements, version=4, kind="delta", max_bytes=cap + 4096)
    assert len(messages) > 1
    nodes, links = [], []
    for i, (content, buffers) in enumerate(messages):
        assert sum(len(b) for b in buffers) <= cap
        assert (content["part"], content["parts"], content["version"]) == (i, len(messages), 4)
        part = g.decode(buffers)
        assert (len(part.nodes), len(part.links)) == (content["nodes"], content["links"])
        assert not (links and part.nodes), "every node is sent before any link"
        nodes += part.nodes
        links += part.links
    assert nodes == elements.nodes and links == elements.links
    with pytest.raises(ValueError, match="too small"):
        g.encode(elements, version=0, max_bytes=4096 + 10)


def test_concurrent_expansions_from_threads_keep_one_consistent_view(fan):
    x, _ = fan
    hood = g.Neighbourhood([x.pk], page_size=3)
    errors = []

    def grow():
        try:
            for _ in range(3):
                hood.expand(x.pk, "descendants")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=grow) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    version, elements = hood.snapshot()
    # 3 at first, then 12 asks of 3 each for the 27 left: every calculation once, 9 non-empty deltas
    assert len(hood.nodes) == 1 + 30
    assert version == 9
    assert len({row.pk for row in elements.nodes}) == len(elements.nodes)


def test_bad_requests_name_what_is_wrong(fan):
    x, _ = fan
    with pytest.raises(g.GraphRequestError, match="no node 999999"):
        g.resolve_roots(999999)
    hood = g.Neighbourhood([x.pk], depth=0)
    with pytest.raises(g.GraphRequestError, match="direction must be"):
        hood.expand(x.pk, "sideways")
    with pytest.raises(g.GraphRequestError, match="not in this view"):
        hood.expand(x.pk + 1000, "both")
    with pytest.raises(g.GraphRequestError, match="unknown link type 'friends'"):
        hood.expand(x.pk, "both", link_types=["friends"])
    assert hood.version == 0 and len(hood.nodes) == 1
