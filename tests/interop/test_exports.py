"""DOT/SVG/PNG, networkx and W3C PROV exports of the provenance graph, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter

import pytest

from jupyter_prov.interop import GraphTooLarge, collect
from jupyter_prov.interop.dot import provenance_graph, write
from jupyter_prov.interop.networkx import to_networkx
from jupyter_prov.interop.prov import prov_document, serialize
from jupyter_prov.interop.prov import write as write_prov
from jupyter_prov.testing.graphs import mixed_graph, store_spec

HAS_DOT = shutil.which("dot") is not None
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def spec(profile):
    spec = mixed_graph(80, seed=5)
    store_spec(spec)
    return spec


def test_dot_styles_nodes_by_kind(spec):
    graph = provenance_graph(spec.pk("leaf"), ancestors=None, descendants=0)
    source = graph.source
    sub = collect(spec.pk("leaf"))
    assert source.count(" -> ") == len(sub.links)
    kinds = Counter(sub.kind(pk) for pk in sub.nodes)
    assert source.count("shape=ellipse") == kinds["data"]
    assert source.count("shape=box style=filled ") == kinds["calculation"]
    assert source.count('style="filled,rounded"') == kinds["workflow"]
    assert source.count("penwidth=3") == 1
    assert f"#{spec.pk('leaf')} " in source


def test_depth_and_link_type_limits(spec):
    leaf = spec.pk("leaf")
    one = collect(leaf, ancestors=1, descendants=0, link_types="data")
    assert set(one.nodes) == {leaf, one.links[0].input_id} and len(one.links) == 1
    assert {link.type for link in collect(leaf, link_types="data").links} <= {"input_calc", "create"}
    with pytest.raises(GraphTooLarge, match="max_nodes"):
        collect(spec.pk("root"), descendants=None, max_nodes=3)
    with pytest.raises(ValueError, match="non-negative"):
        collect(leaf, ancestors=-1)


@pytest.mark.skipif(not HAS_DOT and not IN_CI, reason="graphviz 'dot' program not installed")
def test_render_svg_and_png(spec, tmp_path):
    graph = provenance_graph(spec.pk("leaf"), ancestors=2)
    assert b"<svg" in write(graph, tmp_path / "g.svg").read_bytes()
    assert write(graph, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert write(graph, tmp_path / "g.dot").read_text().startswith("digraph")
    with pytest.raises(ValueError, match="cannot write"):
        write(graph, tmp_path / "g.gif")


def test_networkx_matches_the_stored_graph(spec):
    graph = to_networkx(pks=spec.pks, multigraph=True)
    expected = spec.to_networkx()
    assert set(graph.nodes) == set(expected.nodes)
    assert sorted((u, v, d["type"], d["label"]) for u, v, d in graph.edges(data=True)) == sorted(
        (u, v, d["type"], d["label"]) for u, v, d in expected.edges(data=True))
    simple = to_networkx(spec.pk("root"), descendants=None, link_types="data")
    assert graph.nodes[spec.pk("root")]["kind"] == "data"
    assert simple.nodes[spec.pk("root")]["center"] is True


def test_prov_round_trip(spec, tmp_path):
    from prov.model import ProvDocument

    document = prov_document(pks=spec.pks)
    text = serialize(document, "json")
    parsed = ProvDocument.deserialize(content=text, format="json")
    records = Counter(type(record).__name__ for record in parsed.get_records())
    kinds = Counter("activity" if t.startswith("process") else "entity" for t in spec.types)
    links = Counter(link_type for _, _, link_type, _ in spec.links)
    assert records["ProvEntity"] == kinds["entity"]
    assert records["ProvActivity"] == kinds["activity"]
    assert records["ProvAgent"] == 1
    assert records["ProvGeneration"] == links["create"]
    assert records["ProvUsage"] == links["input_calc"] + links["input_work"]
    assert records["ProvStart"] == records["ProvCommunication"] == links["call_calc"] + links["call_work"]
    assert records["ProvInfluence"] == links["return"]
    assert records["ProvAttribution"] + records["ProvAssociation"] == len(spec.types)
    assert json.loads(text)["prefix"]["jprov"].startswith("https://")
    provn = write_prov(document, tmp_path / "graph.provn").read_text()
    assert provn.startswith("document") and provn.count("wasGeneratedBy(") == links["create"]
