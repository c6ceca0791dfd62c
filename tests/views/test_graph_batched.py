"""views/graph.py reads a neighbourhood level by level: a few statements per BFS level, whatever its width.

What it loads is pinned against a plain breadth-first walk of the graph's own links (``GraphSpec.to_networkx``)
on graphs with diamonds, a fan-out, a workflow that returns its own input (a directed cycle through a
``return`` link, walked once) and random mixed graphs; and the number of SQL statements is counted: it
grows with the depth, not with the number of nodes (one query per frontier node made a 500-node view
cost seconds, issue #16). SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from jupyter_prov.orm import current
from jupyter_prov.testing.graphs import CALC, DICT, INT, WORK, GraphSpec, mixed_graph, write_spec
from jupyter_prov.views import graph as g


def expected(spec: GraphSpec, roots: list[int], depth: int) -> tuple[set[int], set[tuple[int, int, str, str]]]:
    """What a depth-``depth`` view of ``roots`` shows: the ancestors walk first, then the descendants walk,
    which does not walk on from a node the ancestors walk brought already; every link among the nodes."""
    graph = spec.to_networkx()
    shown = set(roots)
    for step in (graph.predecessors, graph.successors):
        frontier = list(roots)
        for _ in range(depth):
            new = {far for pk in frontier for far in step(pk)} - shown
            shown |= new
            frontier = sorted(new)
    links = {(spec.pks[s], spec.pks[t], link_type, label) for s, t, link_type, label in spec.links
             if spec.pks[s] in shown and spec.pks[t] in shown}
    return shown, links


def shown(hood: g.Neighbourhood) -> tuple[set[int], set[tuple[int, int, str, str]]]:
    _, elements = hood.snapshot()
    return ({row.pk for row in elements.nodes},
            {(link.source, link.target, link.link_type, link.link_label) for link in elements.links})


@contextmanager
def counted_statements():
    """The number of SQL statements the current profile's storage runs inside the block."""
    engine = current.get_storage().engine
    count = [0]

    def tally(*_args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", tally)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", tally)


def tree(fanout: int, levels: int) -> GraphSpec:
    """A datum read by ``fanout`` calculations, each creating a datum read by ``fanout`` more, ``levels`` deep."""
    spec = GraphSpec()
    spec.marks["root"] = frontier = spec.add(DICT, {"x": 0})
    frontier_list = [frontier]
    for _ in range(levels):
        following = []
        for datum in frontier_list:
            for i in range(fanout):
                calc = spec.add(CALC, {"process_label": "step", "process_state": "finished", "exit_status": 0})
                spec.link(datum, calc, "input_calc", "x")
                out = spec.add(INT, {"value": i})
                spec.link(calc, out, "create", "result")
                following.append(out)
        frontier_list = following
    return spec


@pytest.fixture
def diamonds(profile):
    """a → c1, c2 (diamond) → d ← both; a workflow w reads d and returns d (a cycle); w calls c3 (d → c3 → e)."""
    spec = GraphSpec()
    a = spec.add(DICT, {"x": 1})
    c1, c2, c3 = (spec.add(CALC, {"process_label": f"c{i}", "process_state": "finished"}) for i in (1, 2, 3))
    b1, b2 = spec.add(INT, {"value": 1}), spec.add(INT, {"value": 2})
    c4 = spec.add(CALC, {"process_label": "join", "process_state": "finished"})
    d = spec.add(DICT, {"x": 2})
    w = spec.add(WORK, {"process_label": "loop", "process_state": "finished"})
    e = spec.add(INT, {"value": 3})
    for source, target, link_type, label in (
            (a, c1, "input_calc", "a"), (a, c2, "input_calc", "a"), (c1, b1, "create", "r"), (c2, b2, "create", "r"),
            (b1, c4, "input_calc", "p"), (b2, c4, "input_calc", "q"), (c4, d, "create", "r"),
            (d, w, "input_work", "d"), (w, d, "return", "same"), (w, c3, "call_calc", "CALL"),
            (d, c3, "input_calc", "d"), (c3, e, "create", "r")):
        spec.link(source, target, link_type, label)
    spec.marks.update(a=a, d=d, w=w, c4=c4, e=e)
    return write_spec(spec)


@pytest.mark.parametrize("root, depth", [("a", 1), ("a", 3), ("a", 6), ("d", 1), ("d", 2), ("w", 1), ("w", 3),
                                         ("c4", 2), ("e", 5)])
def test_a_view_is_the_breadth_first_walk_of_both_directions_with_every_link_among_its_nodes(diamonds, root, depth):
    hood = g.Neighbourhood([diamonds.pk(root)], depth=depth)
    assert shown(hood) == expected(diamonds, [diamonds.pk(root)], depth)


def test_a_workflow_that_returns_its_input_is_walked_once(diamonds):
    w, d = diamonds.pk("w"), diamonds.pk("d")
    hood = g.Neighbourhood([w], depth=10)
    nodes, links = shown(hood)
    assert {d, w} <= nodes
    assert (d, w, "input_work", "d") in links and (w, d, "return", "same") in links
    assert len(hood.links) == len(links), "each link once"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_mixed_graphs_give_the_walk_at_every_depth(profile, seed):
    spec = write_spec(mixed_graph(300, components=3, seed=seed))
    rng = random.Random(seed)
    for depth in (1, 2, 4):
        roots = sorted({rng.choice(spec.pks) for _ in range(3)})
        hood = g.Neighbourhood(roots, depth=depth, page_size=1000, max_new=10_000)
        assert shown(hood) == expected(spec, roots, depth), (roots, depth)


def test_degrees_callers_and_states_are_those_of_the_whole_graph(diamonds):
    hood = g.Neighbourhood([diamonds.pk("a")], depth=6)
    graph = diamonds.to_networkx()
    for pk, row in hood.nodes.items():
        assert (row.in_degree, row.out_degree) == (graph.in_degree(pk), graph.out_degree(pk))
    c3 = next(row for row in hood.nodes.values() if row.label == "c3")
    assert c3.caller == diamonds.pk("w") and c3.kind == "calculation" and c3.state == "finished"
    assert hood.nodes[diamonds.pk("w")].kind == "workflow" and hood.nodes[diamonds.pk("w")].caller is None


def test_a_fan_out_pages_per_node_and_the_depth_limit_holds(profile):
    spec = write_spec(tree(fanout=6, levels=2))
    root = spec.pk("root")
    hood = g.Neighbourhood([root], depth=1, page_size=4)
    assert len(hood.nodes) == 1 + 4
    _, delta = hood.expand(root, "descendants")
    assert len(delta.nodes) == 2, "the rest of the root's six readers"
    _, delta = hood.expand([row.pk for row in delta.nodes], "descendants", depth=3)
    # two calculations: their results, those results' first 4 readers each, and those readers' results
    assert sorted(row.kind for row in delta.nodes).count("calculation") == 2 * 4
    assert len(delta.nodes) == 2 + 2 * 4 + 2 * 4


def test_max_new_stops_a_wide_expansion(profile):
    spec = write_spec(tree(fanout=20, levels=2))
    hood = g.Neighbourhood([spec.pk("root")], depth=4, page_size=100, max_new=50)
    assert 50 <= len(hood.nodes) - 1 < 50 + 100


@pytest.mark.parametrize("fanout", [3, 8])
def test_the_statements_a_view_runs_grow_with_its_depth_not_its_nodes(profile, fanout):
    spec = write_spec(tree(fanout=fanout, levels=3))
    with counted_statements() as count:
        hood = g.Neighbourhood([spec.pk("root")], depth=6, page_size=100)
    assert len(hood.nodes) == len(spec), "the whole tree: 6 links deep"
    # 6 levels down (and one up, empty); a handful of statements per level, not one per node
    assert count[0] <= 12 * 7, f"{count[0]} statements for {len(hood.nodes)} nodes"
