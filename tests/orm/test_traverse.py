"""Ancestors, descendants and rule-based traversal, on SQLite and PostgreSQL, checked against networkx."""

from __future__ import annotations

import networkx as nx
import pytest

from jupyter_prov.orm import CalcFunctionNode, Data, Dict, Int, WorkChainNode, store_all
from jupyter_prov.orm.exceptions import ValidationError
from jupyter_prov.orm.traverse import (
    DELETE_RULES,
    EXPORT_RULES,
    TraversalError,
    ancestors,
    count_descendants,
    descendants,
    links_between,
    traverse_graph,
)
from jupyter_prov.testing.graphs import mixed_graph, store_spec, write_spec


@pytest.fixture
def small(profile):
    """d1 -x-> c1 -out-> d2 -x-> c2 -out-> d3; work chain w1 takes d1, calls c1, returns d2."""
    d1 = Int(1)
    w1 = WorkChainNode(process_label="w")
    w1.add_incoming(d1, "input_work", "x")
    c1 = CalcFunctionNode(process_label="c1")
    c1.add_incoming(d1, "input_calc", "x")
    c1.add_incoming(w1, "call_calc", "step")
    d2 = Int(2)
    d2.add_incoming(c1, "create", "out")
    c2 = CalcFunctionNode(process_label="c2")
    c2.add_incoming(d2, "input_calc", "x")
    d3 = Int(3)
    d3.add_incoming(c2, "create", "out")
    store_all([d1, w1, c1, d2, c2, d3])
    d2.add_incoming(w1, "return", "result")
    return {name: node.pk for name, node in dict(d1=d1, w1=w1, c1=c1, d2=d2, c2=c2, d3=d3).items()}


def names(graph, pks):
    inverse = {pk: name for name, pk in graph.items()}
    return {inverse[pk] for pk in pks}


def test_descendants_and_ancestors_follow_data_provenance(small):
    assert names(small, descendants(small["d1"])) == {"c1", "d2", "c2", "d3"}
    assert names(small, ancestors(small["d3"])) == {"c2", "d2", "c1", "d1"}
    assert names(small, descendants(small["d1"], max_depth=1)) == {"c1"}
    assert names(small, descendants(small["d1"], max_depth=2)) == {"c1", "d2"}
    assert names(small, descendants(small["d1"], node_types=[Data])) == {"d2", "d3"}
    assert names(small, descendants(small["d1"], node_types="process.calculation")) == {"c1", "c2"}
    assert names(small, descendants(small["d1"], link_types="all")) == {"w1", "c1", "d2", "c2", "d3"}
    assert names(small, ancestors(small["d2"], link_types=["return"])) == {"w1"}
    assert count_descendants(small["d1"]) == 4
    assert count_descendants(small["d1"], max_depth=3) == 3


def test_node_methods_return_nodes(small):
    from jupyter_prov.orm import load_node

    leaf = load_node(small["d3"])
    found = leaf.ancestors(node_types=[Int])
    assert [n.pk for n in found] == sorted([small["d1"], small["d2"]])
    assert all(isinstance(n, Int) for n in found)
    assert [n.pk for n in load_node(small["d1"]).descendants(max_depth=1)] == [small["c1"]]


def test_cycle_of_input_work_and_return_terminates(profile):
    data = Dict({"a": 1})
    data.store()
    work = WorkChainNode()
    work.add_incoming(data, "input_work", "x")
    work.store()
    data.add_incoming(work, "return", "same")
    assert descendants(data.pk, link_types="all") == {work.pk, data.pk}
    assert count_descendants(data.pk, link_types="all", max_depth=5) == 2


def test_bad_arguments_raise(small):
    with pytest.raises(ValidationError):
        descendants(small["d1"], max_depth=0)
    with pytest.raises(Exception, match="unknown link type"):
        descendants(small["d1"], link_types=["sideways"])
    with pytest.raises(TraversalError, match="no nodes with pk"):
        traverse_graph([10**8], rules=DELETE_RULES)


def test_delete_rules(small):
    assert names(small, traverse_graph([small["d3"]], rules=DELETE_RULES).nodes) == {"d3", "c2"}
    assert names(small, traverse_graph([small["d2"]], rules=DELETE_RULES).nodes) == {"d2", "c1", "w1", "c2", "d3"}
    assert names(small, traverse_graph([small["d1"]], rules=DELETE_RULES).nodes) == set(small)
    # without following calls forward, deleting the workflow's input still takes the workflow and its steps
    result = traverse_graph([small["w1"]], rules=DELETE_RULES | {"call_calc_forward": False})
    assert names(small, result.nodes) == {"w1"}


def test_export_rules(small):
    result = traverse_graph([small["d3"]], rules=EXPORT_RULES)
    assert names(small, result.nodes) == set(small)
    assert {(r.input_id, r.output_id, r.type) for r in result.links} == {
        (r.input_id, r.output_id, r.type) for r in links_between(result.nodes)
    }
    assert names(small, traverse_graph([small["d3"]], rules=EXPORT_RULES | {"create_backward": False}).nodes) == {"d3"}
    forward = traverse_graph([small["d1"]], rules=EXPORT_RULES | {"input_calc_forward": True})
    assert {"c1", "d2", "c2", "d3"} <= names(small, forward.nodes)


def test_fixed_and_unknown_rules_are_refused():
    with pytest.raises(TraversalError, match="fixed"):
        DELETE_RULES | {"input_calc_forward": False}
    with pytest.raises(TraversalError, match="fixed"):
        EXPORT_RULES.with_toggles(input_calc_backward=False)
    with pytest.raises(TraversalError, match="unknown"):
        EXPORT_RULES | {"sideways_forward": True}
    assert "create_backward" in EXPORT_RULES.toggleable


def _closure(graph: nx.MultiDiGraph, start, forward: set[str], backward: set[str]) -> set[int]:
    seen, frontier = set(start), list(start)
    while frontier:
        node = frontier.pop()
        for _, target, data in graph.out_edges(node, data=True):
            if data["type"] in forward and target not in seen:
                seen.add(target)
                frontier.append(target)
        for source, _, data in graph.in_edges(node, data=True):
            if data["type"] in backward and source not in seen:
                seen.add(source)
                frontier.append(source)
    return seen


@pytest.mark.parametrize("writer", ["orm", "bulk"])
def test_random_graph_matches_networkx(profile, writer):
    spec = mixed_graph(300, components=2, seed=7)
    (store_spec if writer == "orm" else write_spec)(spec)
    graph = spec.to_networkx()
    data_graph = nx.DiGraph(spec.to_networkx({"input_calc", "create"}))
    for mark in ("root", "leaf"):
        pk = spec.pk(mark)
        assert descendants(pk) == nx.descendants(data_graph, pk)
        assert ancestors(pk) == nx.ancestors(data_graph, pk)
    for rules in (DELETE_RULES, EXPORT_RULES, EXPORT_RULES | {"input_calc_forward": True}):
        for mark in ("root", "leaf"):
            expected = _closure(graph, [spec.pk(mark)], set(rules.followed("forward")), set(rules.followed("backward")))
            assert traverse_graph([spec.pk(mark)], rules=rules).nodes == expected


def test_stepwise_traversal_agrees_with_the_recursive_query(profile):
    spec = mixed_graph(250, components=2, seed=13)
    write_spec(spec)
    for rules in (DELETE_RULES, EXPORT_RULES):
        for mark in ("root", "leaf"):
            in_sql = traverse_graph([spec.pk(mark)], rules=rules)
            stepwise = traverse_graph([spec.pk(mark)], rules=rules, max_iterations=10**6)
            assert in_sql.nodes == stepwise.nodes
            assert in_sql.links == stepwise.links
    one_step = traverse_graph([spec.pk("root")], rules=DELETE_RULES, max_iterations=1)
    graph = spec.to_networkx()
    assert one_step.nodes == {spec.pk("root"), *graph.successors(spec.pk("root"))}
    assert traverse_graph([spec.pk("root")], rules=DELETE_RULES, get_links=False).nodes == \
        traverse_graph([spec.pk("root")], rules=DELETE_RULES).nodes
