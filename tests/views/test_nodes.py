"""views.nodes: a node's summary and detail, and a paged search, as plain JSON-ready data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_prov.errors import JprovError
from jupyter_prov.orm import (
    CalcFunctionNode,
    CalcJobNode,
    CellExecutionNode,
    Dict,
    Int,
    NotExistent,
    QueryError,
    Str,
    WorkChainNode,
    store_all,
)
from jupyter_prov.views import nodes

PLAIN = (str, int, float, bool, type(None))


def assert_plain(value) -> None:
    """Only str/int/float/bool/None, lists and dicts with string keys (what json.dumps takes as it is)."""
    if isinstance(value, dict):
        assert all(isinstance(k, str) for k in value), value
        for v in value.values():
            assert_plain(v)
    elif isinstance(value, list):
        for v in value:
            assert_plain(v)
    else:
        assert isinstance(value, PLAIN), (type(value), value)


def finish(process) -> None:
    process.set_process_state("running")
    process.set_process_state("finished")
    process.set_exit(0)


def _calc_with_output():
    x = Int(1).store()
    calc = CalcFunctionNode(label="adder", process_label="add")
    calc.add_incoming(x, "input_calc", "x")
    finish(calc)
    calc.store()
    out = Dict({"energy": {"value": -1.5, "unit": "eV"}}, label="result-dict")
    out.add_incoming(calc, "create", "result")
    out.put_file("logs/run.log", b"done\n")
    out.store()
    return x, calc, out


def test_a_summary_is_plain_data_with_utc_times(profile):
    x = Int(5, label="five").store()
    data = nodes.summary(x)
    assert_plain(data)
    assert (data["pk"], data["uuid"], data["node_type"], data["kind"], data["label"]) == \
        (x.pk, x.uuid, "data.int", "data", "five")
    ctime = datetime.fromisoformat(data["ctime"])
    assert ctime.utcoffset() == timedelta(0) and ctime == x.ctime
    assert data["process_state"] is None and data["exit_status"] is None


def test_a_summary_is_found_by_pk_uuid_or_uuid_prefix(profile):
    x = Int(5).store()
    for identifier in (x.pk, str(x.pk), x.uuid, x.uuid[:8]):
        assert nodes.summary(identifier)["uuid"] == x.uuid


def test_an_unknown_node_is_the_orms_not_existent_a_jprov_error(profile):
    with pytest.raises(NotExistent, match="no node with pk 424242") as raised:
        nodes.summary(424242)
    assert isinstance(raised.value, JprovError)
    with pytest.raises(NotExistent):
        nodes.detail("ffffffff-0000")


def test_the_kind_says_how_a_face_draws_a_node(profile):
    made = {
        "data": Int(1), "calculation": CalcFunctionNode(), "workflow": WorkChainNode(),
        "cell": CellExecutionNode(), "calcjob": CalcJobNode(),
    }
    for node in made.values():
        if node.node_type.startswith("process."):
            finish(node)
    store_all(list(made.values()))
    assert {kind: nodes.summary(node.pk)["kind"] for kind, node in made.items()} == {k: k for k in made}


def test_a_process_summary_has_its_state_and_exit(profile):
    _, calc, _ = _calc_with_output()
    data = nodes.summary(calc.pk)
    assert (data["kind"], data["process_state"], data["exit_status"], data["process_label"]) == \
        ("calculation", "finished", 0, "add")


def test_a_detail_has_attributes_extras_files_and_links(profile):
    x, calc, out = _calc_with_output()
    out.set_extra("tag", "best")
    data = nodes.detail(out.uuid)
    assert_plain(data)
    json.dumps(data)
    assert data["attributes"] == {"energy": {"value": -1.5, "unit": "eV"}}
    assert data["extras"] == {"tag": "best"}
    assert data["files"] == [{"path": "logs/run.log", "size": 5}]
    assert [(l["link_type"], l["link_label"], l["node"]["pk"]) for l in data["incoming"]] == \
        [("create", "result", calc.pk)]
    assert data["incoming"][0]["node"] == nodes.summary(calc)
    assert data["outgoing"] == [] and data["truncated"] is False
    calc_data = nodes.detail(calc.pk)
    assert [(l["link_type"], l["node"]["pk"]) for l in calc_data["incoming"]] == [("input_calc", x.pk)]
    assert [(l["link_type"], l["link_label"]) for l in calc_data["outgoing"]] == [("create", "result")]


def test_a_detail_of_a_node_with_many_links_is_capped_and_says_so(profile):
    source = Int(0).store()
    calcs = []
    for i in range(7):
        calc = CalcFunctionNode(label=f"c{i}")
        calc.add_incoming(source, "input_calc", "x")
        finish(calc)
        calcs.append(calc)
    store_all(calcs)
    data = nodes.detail(source.pk, max_links=3)
    assert [l["node"]["pk"] for l in data["outgoing"]] == [c.pk for c in calcs[:3]]
    assert data["counts"]["outgoing"] == 7 and data["truncated"] is True
    assert nodes.detail(source.pk)["truncated"] is False


def test_search_pages_in_the_order_asked_and_counts_every_match(profile):
    ints = store_all([Int(i, label=f"n{i}") for i in range(12)])
    Str("other", label="other").store()
    page = nodes.search(node_type="data.int",
                        order_by="pk", descending=False, offset=5, limit=4)
    assert_plain(page)
    assert (page["total"], page["offset"], page["limit"]) == (12, 5, 4)
    assert [item["pk"] for item in page["items"]] == [n.pk for n in ints[5:9]]
    newest = nodes.search(limit=2)
    assert newest["total"] == 13 and newest["items"][0]["label"] == "other"


def test_search_filters_by_label_identifier_time_and_attributes(profile):
    ints = store_all([Int(i, label="x" if i % 2 else "y") for i in range(6)])
    assert {i["pk"] for i in nodes.search(label="x")["items"]} == {n.pk for n in ints if n.label == "x"}
    assert [i["pk"] for i in nodes.search(identifier=ints[2].uuid[:10])["items"]] == [ints[2].pk]
    assert [i["pk"] for i in nodes.search(identifier=str(ints[3].pk))["items"]] == [ints[3].pk]
    assert {i["pk"] for i in nodes.search(attributes={"value": {">=": 4}})["items"]} == {ints[4].pk, ints[5].pk}
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert nodes.search(since=future)["total"] == 0
    assert nodes.search(until=future.isoformat())["total"] == 6
    assert nodes.search(since="2000-01-01T00:00:00", until=future)["total"] == 6


def test_a_search_page_is_capped(profile):
    store_all([Int(i) for i in range(nodes.MAX_LIMIT + 5)])
    page = nodes.search(limit=10_000)
    assert page["limit"] == nodes.MAX_LIMIT and len(page["items"]) == nodes.MAX_LIMIT
    assert page["total"] == nodes.MAX_LIMIT + 5


@pytest.mark.parametrize("arguments", [{"order_by": "colour"}, {"limit": -1}, {"offset": "3"},
                                       {"since": "yesterday"}, {"identifier": " "}])
def test_bad_search_arguments_are_a_query_error_naming_them(profile, arguments):
    with pytest.raises(QueryError) as raised:
        nodes.search(**arguments)
    assert isinstance(raised.value, JprovError)
    assert next(iter(arguments)) in str(raised.value)


def test_search_and_detail_read_an_archive_in_place(profile, tmp_path):
    from jupyter_prov.archive import ArchiveReader, create_archive

    _, calc, out = _calc_with_output()
    path = tmp_path / "run.jprov"
    create_archive(path, nodes=[out.pk])
    with ArchiveReader(path) as archive:
        page = nodes.search(node_type="data.dict", storage=archive.storage)
        assert [item["uuid"] for item in page["items"]] == [out.uuid] and page["total"] == 1
        pk = page["items"][0]["pk"]
        data = nodes.detail(pk, storage=archive.storage)
        assert data["files"] == [{"path": "logs/run.log", "size": 5}]
        assert [l["node"]["uuid"] for l in data["incoming"]] == [calc.uuid]


def test_search_answers_the_same_with_and_without_attribute_filters(profile):
    """Without attribute filters the search is one named query of the ORM, with them the QueryBuilder:
    both give the same page (type prefix case-sensitive, labels by code point, times in any zone)."""
    made = store_all([Int(i, label=label) for i, label in enumerate(["b", "B", "a", "é", "A", "a_"])])
    made.append(Str("s", label="Z").store())
    every_int = {"value": {">=": 0}}  # true for every Int: sends the same search through the QueryBuilder
    tz = timezone(timedelta(hours=-5))
    cases = [
        {"node_type": "data.int", "order_by": "label", "descending": False},
        {"node_type": "data.in", "order_by": "label", "descending": True, "offset": 2, "limit": 2},
        {"node_type": "Data.int"},
        {"node_type": "data.i_t"},
        {"node_type": "data.int", "label": "a"},
        {"node_type": "data.int", "identifier": made[3].uuid[:6]},
        {"node_type": "data.int", "since": made[2].ctime.astimezone(tz), "order_by": "pk", "descending": False},
        {"node_type": "data.int", "until": made[2].ctime.astimezone(tz).isoformat(), "order_by": "mtime"},
    ]
    for case in cases:
        fast = nodes.search(**case)
        through_query = nodes.search(attributes=every_int, **case)
        assert fast == through_query, case
    labels = [i["label"] for i in nodes.search(node_type="data.int", order_by="label", descending=False)["items"]]
    assert labels == ["A", "B", "a", "a_", "b", "é"]
    assert nodes.search(node_type="Data.int")["total"] == 0 and nodes.search(node_type="data.i_t")["total"] == 0
    since = [i["pk"] for i in nodes.search(since=made[2].ctime.astimezone(tz), order_by="pk", descending=False)["items"]]
    assert since == [n.pk for n in made[2:]]
