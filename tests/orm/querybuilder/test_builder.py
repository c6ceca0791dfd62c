"""QueryBuilder relationships, edges, projections and result shapes, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from jupyter_prov.orm import (
    CalcFunctionNode,
    CalcJobNode,
    Comment,
    Computer,
    Data,
    Dict,
    Group,
    Int,
    Log,
    Node,
    ProcessNode,
    User,
    WorkChainNode,
    store_all,
)
from jupyter_prov.orm.exceptions import MultipleObjectsError, NotExistent
from jupyter_prov.orm.querybuilder import QueryBuilder, QueryError
from jupyter_prov.orm.traverse import count_descendants, descendants
from jupyter_prov.testing.graphs import mixed_graph, store_spec


@pytest.fixture
def graph(profile):
    """x, y -> calc(relax) -> r1 (energy -4), r2 (energy -1); work chain wc calls calc, returns r1."""
    x, y = Int(1, label="x"), Int(2, label="y")
    wc = WorkChainNode(process_label="outer", label="wc")
    wc.add_incoming(x, "input_work", "x")
    calc = CalcFunctionNode(process_label="relax", label="calc")
    calc.add_incoming(x, "input_calc", "a")
    calc.add_incoming(y, "input_calc", "b")
    calc.add_incoming(wc, "call_calc", "step")
    r1 = Dict({"energy": -4.0}, label="r1")
    r1.add_incoming(calc, "create", "low")
    r2 = Dict({"energy": -1.0}, label="r2")
    r2.add_incoming(calc, "create", "high")
    store_all([x, y, wc, calc, r1, r2])
    r1.add_incoming(wc, "return", "best")
    return dict(x=x, y=y, wc=wc, calc=calc, r1=r1, r2=r2)


def test_issue_example(graph):
    qb = QueryBuilder()
    qb.append(Dict, filters={"attributes.energy": {"<": -3.0}}, project=["uuid", "attributes.energy"], tag="res")
    qb.append(CalcFunctionNode, with_outgoing="res", filters={"attributes.process_label": "relax"})
    assert qb.all() == [[graph["r1"].uuid, -4.0]]
    assert qb.count() == 1
    assert qb.dict() == [{"res": {"uuid": graph["r1"].uuid, "attributes.energy": -4.0}}]
    frame = qb.to_dataframe()
    assert list(frame.columns) == ["uuid", "attributes.energy"] and frame.shape == (1, 2)


def test_edges_filter_and_project(graph):
    qb = QueryBuilder().append(CalcFunctionNode, tag="calc")
    qb.append(Node, with_incoming="calc", project="label", edge_project=["label", "type"])
    assert sorted(qb.all()) == [["r1", "low", "create"], ["r2", "high", "create"]]
    qb = QueryBuilder().append(Dict, tag="out", filters={"label": "r1"})
    qb.append(ProcessNode, with_outgoing="out", project="label", edge_filters={"type": "return"})
    assert qb.all(flat=True) == ["wc"]
    qb = QueryBuilder().append(CalcFunctionNode, tag="c")
    qb.append(Int, with_outgoing="c", project="label", edge_tag="in", edge_filters={"label": {"in": ["b"]}})
    assert qb.all(flat=True) == ["y"]
    assert qb.dict()[0]["int"]["label"] == "y"


def test_ancestors_and_descendants(graph):
    qb = QueryBuilder().append(Node, filters={"label": "x"}, tag="root")
    qb.append(Node, with_ancestors="root", project="label")
    assert sorted(qb.all(flat=True)) == ["calc", "r1", "r2"]
    qb = QueryBuilder().append(Dict, filters={"label": "r2"}, tag="leaf")
    qb.append(Data, with_descendants="leaf", project="label")
    assert sorted(qb.all(flat=True)) == ["x", "y"]


def test_descendant_count_matches_traversal(profile):
    spec = mixed_graph(400, components=3, seed=3)
    store_spec(spec)
    root = spec.pk("root")
    qb = QueryBuilder().append(Node, filters={"id": root}, tag="root").append(Node, with_ancestors="root")
    assert qb.count() == count_descendants(root)
    # several starts: (start, descendant) pairs, each start with its own descendants
    starts = spec.pks[:40]
    qb = QueryBuilder().append(Node, filters={"id": {"in": starts}}, tag="s", project="id")
    qb.append(Node, with_ancestors="s", project="id")
    pairs = qb.all()
    assert len(pairs) == sum(count_descendants(pk) for pk in starts)
    assert all(descendant in descendants(start) for start, descendant in pairs)


def test_group_user_computer_comment_log(graph):
    group = Group("results").store()
    group.add_nodes([graph["r1"], graph["r2"]])
    Comment(graph["r1"], "looks good").store()
    Log(graph["calc"], "converged", levelname="INFO").store()
    qb = QueryBuilder().append(Group, filters={"label": "results"}, tag="g").append(Dict, with_group="g", project="label")
    assert sorted(qb.all(flat=True)) == ["r1", "r2"]
    qb = QueryBuilder().append(Dict, filters={"label": "r1"}, tag="n").append(Group, with_node="n", project="label")
    assert qb.all(flat=True) == ["results"]
    qb = QueryBuilder().append(User, tag="u").append(Node, with_user="u")
    assert qb.count() == 6
    qb = QueryBuilder().append(Node, tag="n", project="label").append(Comment, with_node="n", project="content")
    assert qb.all() == [["r1", "looks good"]]
    qb = QueryBuilder().append(Log, tag="l", filters={"levelname": "INFO"}).append(Node, with_log="l", project="label")
    assert qb.all(flat=True) == ["calc"]
    qb = QueryBuilder().append(Comment, tag="c").append(User, with_comment="c", project="*")
    assert isinstance(qb.one()[0], User)


def test_computer(profile):
    computer = Computer("cluster", "hpc.example.org").store()
    job = CalcJobNode(computer=computer)
    job.store()
    CalcJobNode().store()
    qb = QueryBuilder().append(Computer, filters={"label": "cluster"}, tag="c").append(CalcJobNode, with_computer="c")
    assert qb.all(flat=True) == [job]
    qb = QueryBuilder().append(CalcJobNode, tag="j").append(Computer, with_node="j", project="hostname")
    assert qb.all(flat=True) == ["hpc.example.org"]


def test_outerjoin_distinct_limit_offset_order(graph):
    qb = QueryBuilder().append(Node, tag="n", project="label").order_by({"n": "label"})
    qb.append(Comment, with_node="n", outerjoin=True, project="content")
    assert [row[0] for row in qb.all()] == ["calc", "r1", "r2", "wc", "x", "y"]
    assert all(row[1] is None for row in qb.all())
    qb = QueryBuilder().append(Dict, tag="d").append(CalcFunctionNode, with_outgoing="d", project="label")
    assert qb.count() == 2
    assert qb.distinct().count() == 1
    qb = QueryBuilder().append(Node, project="label").order_by({"node": {"label": "desc"}}).limit(2).offset(1)
    assert qb.all(flat=True) == ["x", "wc"]


def test_results_and_objects(graph, storage):
    qb = QueryBuilder().append(Int, project="*").order_by({"int": "id"})
    assert qb.all(flat=True) == [graph["x"], graph["y"]]
    assert qb.first(flat=True) == graph["x"]
    assert [row[0].label for row in qb.iterall(batch_size=1)] == ["x", "y"]
    assert [d["int"]["*"].label for d in qb.iterdict(batch_size=1)] == ["x", "y"]
    with pytest.raises(MultipleObjectsError):
        qb.one()
    with pytest.raises(NotExistent):
        QueryBuilder().append(Int, filters={"label": "none"}).one()
    assert QueryBuilder().append(Int, filters={"label": "none"}).first() is None
    row = QueryBuilder().append(Int, filters={"label": "x"}, project=["**", "ctime"]).one()
    assert row[0]["label"] == "x" and row[1].tzinfo is not None
    own = QueryBuilder(storage=storage).append(Int, filters={"label": "x"}).one()[0]
    assert own.value == 1
    assert "<table" in QueryBuilder().append(Int, project="label")._repr_html_()


def test_subclassing_and_type_strings(graph):
    assert QueryBuilder().append(ProcessNode).count() == 2
    assert QueryBuilder().append(ProcessNode, subclassing=False).count() == 0
    assert QueryBuilder().append(entity_type="data.int").count() == 2
    assert QueryBuilder().append((Int, Dict)).count() == 4


@pytest.mark.parametrize("build,message", [
    (lambda qb: qb.append(Node, tag="a").append(Node, with_incoming="nope"), "names no earlier tag"),
    (lambda qb: qb.append(Node, tag="a").append(Node, with_sideways="a"), "unknown keyword"),
    (lambda qb: qb.append(Group, tag="g").append(Group, with_incoming="g"), "cannot be joined"),
    (lambda qb: qb.append(User, tag="u").append(Node, with_group="u"), "joins a group"),
    (lambda qb: qb.append(Node, tag="a").append(Node, tag="a", with_incoming="a"), "used already"),
    (lambda qb: qb.append(Node).append(Node), "say how it joins"),
    (lambda qb: qb.append(int), "cannot query"),
    (lambda qb: qb.append(Node, project=5), "projections"),
    (lambda qb: qb.append(Node).order_by({"missing": "id"}), "unknown tag"),
    (lambda qb: qb.append(Node).add_filter("missing", {}), "unknown tag"),
    (lambda qb: qb.append(Node).limit(-1), "limit"),
    (lambda qb: qb.append(Node, tag="a").append(Group, with_node="a", edge_project="label"), "no edge"),
])
def test_bad_queries_raise_query_error(profile, build, message):
    with pytest.raises(QueryError, match=message):
        build(QueryBuilder())


def test_empty_query_and_unknown_projection(profile):
    with pytest.raises(QueryError, match="empty"):
        QueryBuilder().count()
    with pytest.raises(QueryError, match="no column"):
        QueryBuilder().append(Node, project="colour").all()


def test_rich_display(graph):
    html = graph["r1"]._repr_html_()
    assert "<table" in html and graph["r1"].uuid in html and "attributes.energy" in html
    bundle = graph["calc"]._repr_mimebundle_()
    assert bundle["text/plain"] == repr(graph["calc"]) and "relax" in bundle["text/html"]
    group = Group("shown").store()
    group.add_nodes([graph["x"], graph["y"]])
    html = group._repr_html_()
    assert "2 nodes" in html and graph["y"].uuid in html
    qb = QueryBuilder().append(Int, project=["label", "attributes.value"])
    html = qb._repr_html_()
    assert "2 rows" in html and "int.attributes.value" in html


def test_objects_remember_another_storage(graph, storage):
    from jupyter_prov.storage.backend import StorageBackend

    other = StorageBackend.open(storage.url, storage.repository.folder)
    try:
        node = QueryBuilder(storage=other).append(Int, filters={"label": "x"}).one()[0]
        assert node._storage is other
        assert [n.label for n in node.descendants()] == ["calc", "r1", "r2"]
        assert all(n._storage is other for n in node.descendants())
    finally:
        other.close()


def test_keys_and_tags_name_what_a_row_holds(profile):
    from jupyter_prov.orm import Int, QueryBuilder

    Int(1).store()
    qb = QueryBuilder().append(Int, tag="a", project=["id", "attributes.value"])
    assert qb.tags == ["a"]
    assert qb.keys() == [("a", "id"), ("a", "attributes.value")]
    assert len(qb.all()[0]) == len(qb.keys())


def test_a_group_says_which_storage_it_came_from(profile):
    from jupyter_prov.orm import Group

    group = Group("g-storage").store()
    assert group.storage is None  # the loaded profile's
    assert Group.load("g-storage").storage is None


def test_a_time_filter_in_another_zone_means_the_same_instant(profile):
    from datetime import timedelta, timezone

    from jupyter_prov.orm import Int, QueryBuilder

    a, b = Int(1).store(), Int(2).store()
    for when in (b.ctime, b.ctime.astimezone(timezone(timedelta(hours=-5))), b.ctime.astimezone(timezone(timedelta(hours=9)))):
        found = QueryBuilder().append(Int, filters={"ctime": {">=": when}}, project="id").all(flat=True)
        assert found == [b.pk], when
        found = QueryBuilder().append(Int, filters={"ctime": {"<": when}}, project="id").all(flat=True)
        assert found == [a.pk], when
