"""/nodes: search filtered, sorted and paged by the server (capped), a node's detail, its neighbourhood."""

from __future__ import annotations

import json

import numpy as np
import pytest


@pytest.fixture
def small_graph(profile):
    """Three additions (calcfunctions: 2 inputs, 1 output each) and three labelled Dicts."""
    from jupyter_prov.orm import Dict, Int
    from tests.daemon.processes import add

    sums = [add(Int(i), Int(10)) for i in range(3)]
    dicts = []
    for i, unit in enumerate(["eV", "eV", "Ry"]):
        d = Dict({"energy": -1.5 * i, "unit": unit})
        d.label = f"result-{i}"
        d.store()
        dicts.append(d)
    return {"sums": sums, "dicts": dicts}


async def test_search_filters_sorts_and_pages_on_the_server(api, small_graph):
    code, body = await api("nodes", params={"node_type": "data.dict", "order_by": "label", "descending": "false"})
    assert code == 200, body
    assert body["total"] == 3 and [item["label"] for item in body["items"]] == ["result-0", "result-1", "result-2"]
    code, page = await api("nodes", params={"node_type": "data.dict", "order_by": "label", "descending": "false",
                                            "offset": "1", "limit": "1"})
    assert code == 200 and page["total"] == 3 and page["offset"] == 1 and page["limit"] == 1
    assert [item["label"] for item in page["items"]] == ["result-1"]


async def test_search_by_attributes_label_identifier_and_time(api, small_graph):
    code, body = await api("nodes", params={"attributes": json.dumps({"unit": "eV", "energy": {"<": -1}})})
    assert code == 200 and [item["label"] for item in body["items"]] == ["result-1"]
    code, body = await api("nodes", params={"label": "result-2"})
    assert body["total"] == 1 and body["items"][0]["pk"] == small_graph["dicts"][2].pk
    uuid = small_graph["dicts"][0].uuid
    code, body = await api("nodes", params={"identifier": uuid[:8]})
    assert code == 200 and [item["uuid"] for item in body["items"]] == [uuid]
    code, body = await api("nodes", params={"since": "2999-01-01T00:00:00Z"})
    assert code == 200 and body["total"] == 0 and body["items"] == []
    code, body = await api("nodes", params={"node_type": "process.calculation", "until": "2999-01-01"})
    assert code == 200 and body["total"] == 3


async def test_search_counts_a_little_past_the_page_then_says_more(api, small_graph, jp_serverapp):
    """The count stops ``search_count_ahead`` matches past the page's offset (``total_capped``): an exact count
    of a wide search reads every match (issue #16); 0 counts them all."""
    prov = jp_serverapp.web_app.settings["jupyter_prov"]
    prov.search_count_ahead = 2  # 12 data nodes: 9 Ints, 3 Dicts
    code, body = await api("nodes", params={"node_type": "data.", "limit": "1"})
    assert code == 200 and (body["total"], body["total_capped"], len(body["items"])) == (2, True, 1)
    code, body = await api("nodes", params={"node_type": "data.", "limit": "1", "offset": "5"})
    assert (body["total"], body["total_capped"]) == (7, True)  # past the offset, so the pager goes on
    code, body = await api("nodes", params={"node_type": "data.", "limit": "3", "offset": "10"})
    assert (body["total"], body["total_capped"], len(body["items"])) == (12, False, 2)  # the last page: exact
    prov.search_count_ahead = 0
    code, body = await api("nodes", params={"node_type": "data.", "limit": "1"})
    assert (body["total"], body["total_capped"]) == (12, False)


async def test_search_pages_are_capped_by_the_server(api, small_graph):
    code, body = await api("nodes")
    assert code == 200 and body["limit"] == 50  # the default page
    code, body = await api("nodes", params={"limit": "501"})
    assert code == 400 and body["message"] == "limit must be at most 500 (JupyterProvApp.page_size_limit), got 501"


@pytest.mark.parametrize(("params", "message"), [
    ({"limit": "ten"}, "limit must be an integer, got 'ten'"),
    ({"limit": "0"}, "limit must be at least 1, got 0"),
    ({"offset": "-1"}, "offset must be between 0 and 1000000, got -1"),
    ({"order_by": "energy"}, "order_by must be one of ctime, mtime, pk, label, node_type, got 'energy'"),
    ({"descending": "maybe"}, "descending must be true or false, got 'maybe'"),
    ({"since": "yesterday"}, "since must be an ISO 8601 time"),
    ({"attributes": "[1, 2]"}, "attributes must be a JSON object, got list"),
    ({"attributes": "{energy"}, "attributes must be a JSON object:"),
    ({"lmit": "10"}, "unknown query parameter 'lmit' (known: "),
])
async def test_bad_search_input_is_400_naming_the_input(api, params, message):
    code, body = await api("nodes", params=params)
    assert code == 400
    assert body["message"].startswith(message), body["message"]


async def test_detail_of_a_node_by_pk_and_by_uuid(api, small_graph):
    calc = small_graph["sums"][1].creator
    code, body = await api("nodes", str(calc.pk))
    assert code == 200, body
    assert body["pk"] == calc.pk and body["kind"] == "calculation" and body["process_state"] == "finished"
    assert sorted(link["link_label"] for link in body["incoming"]) == ["x", "y"]
    assert [link["link_label"] for link in body["outgoing"]] == ["result"]
    assert body["counts"] == {"files": 0, "incoming": 2, "outgoing": 1} and body["truncated"] is False
    code, same = await api("nodes", calc.uuid)
    assert code == 200 and same["pk"] == calc.pk
    code, capped = await api("nodes", str(calc.pk), params={"max_links": "1"})
    assert len(capped["incoming"]) == 1 and capped["truncated"] is True


async def test_an_unknown_node_is_404_and_an_ambiguous_one_400(api, small_graph):
    code, body = await api("nodes", "999999")
    assert code == 404 and "999999" in body["message"]
    code, body = await api("nodes", "zzzzzzzz")
    assert code == 404
    code, body = await api("nodes", "ab")
    assert code == 400 and "too short" in body["message"]


async def test_neighbourhood_as_json_columns(api, small_graph):
    result = small_graph["sums"][0]
    calc = result.creator
    code, body = await api("nodes", str(calc.pk), "graph")
    assert code == 200, body
    nodes, links = body["nodes"], body["links"]
    assert sorted(nodes["pk"]) == sorted([calc.pk, result.pk] + [link.node.pk for link in calc.get_incoming()])
    assert len(nodes["pk"]) == 4 and len(set(map(len, nodes.values()))) == 1  # columns of equal length
    assert nodes["kind"][nodes["pk"].index(calc.pk)] == "calculation"
    assert nodes["state"][nodes["pk"].index(calc.pk)] == "finished"
    assert sorted(zip(links["source"], links["target"], links["link_type"])) == sorted(
        [(pk, calc.pk, "input_calc") for pk in nodes["pk"] if pk not in (calc.pk, result.pk)]
        + [(calc.pk, result.pk, "create")])


async def test_neighbourhood_binary_is_the_widget_encoding(api, small_graph):
    from jupyter_prov.server.graph import decode_binary
    from jupyter_prov.views.graph import decode

    calc = small_graph["sums"][2].creator
    code, response = await api("nodes", str(calc.pk), "graph", params={"format": "binary"}, raw=True)
    assert code == 200 and response.headers["Content-Type"] == "application/octet-stream"
    parts = decode_binary(response.body)
    assert len(parts) == 1 and parts[0][0]["kind"] == "snapshot" and parts[0][0]["nodes"] == 4
    elements = decode(parts[0][1])
    assert sorted(row.pk for row in elements.nodes) == sorted(
        [calc.pk, small_graph["sums"][2].pk] + [link.node.pk for link in calc.get_incoming()])
    assert {link.link_type for link in elements.links} == {"input_calc", "create"}
    code, as_json = await api("nodes", str(calc.pk), "graph")
    assert sorted(as_json["nodes"]["pk"]) == sorted(row.pk for row in elements.nodes)
    assert np.isclose(sorted(as_json["nodes"]["ctime"]), sorted(row.ctime for row in elements.nodes)).all()


async def test_neighbourhood_limits_and_bad_input(api, small_graph):
    calc = small_graph["sums"][0].creator
    code, body = await api("nodes", str(calc.pk), "graph", params={"max_nodes": "5001"})
    assert code == 400 and body["message"].startswith("max_nodes must be at most 5000")
    code, body = await api("nodes", str(calc.pk), "graph", params={"link_types": "sideways"})
    assert code == 400 and "sideways" in body["message"]
    code, body = await api("nodes", str(calc.pk), "graph", params={"depth": "11"})
    assert code == 400 and body["message"] == "depth must be between 0 and 10, got 11"
    code, body = await api("nodes", "424242", "graph")
    assert code == 404
    code, body = await api("nodes", str(calc.pk), "graph", params={"depth": "0"})
    assert code == 200 and body["nodes"]["pk"] == [calc.pk]


def test_json_columns_carry_no_nan_browsers_refuse_it():
    from jupyter_prov.server.graph import as_json
    from jupyter_prov.views.graph import Elements, NodeRow

    row = NodeRow(pk=1, uuid="0" * 32, node_type="data.int", kind="data", label="", ctime=float("nan"))
    body = as_json(3, Elements([row], []))
    assert json.loads(json.dumps(body, allow_nan=False))["nodes"]["ctime"] == [None]


def test_a_reply_never_holds_nan():
    from jupyter_prov.server.base import finite

    assert finite({"a": [1.0, float("nan"), {"b": float("inf")}], "c": "x"}) == {"a": [1.0, None, {"b": None}], "c": "x"}
