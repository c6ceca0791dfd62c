"""The provenance graph as a networkx graph, for graph algorithms in a notebook."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .subgraph import Subgraph, collect, node_kind


def subgraph_to_networkx(subgraph: Subgraph, *, multigraph: bool = False):
    """Nodes are pks with ``uuid``, ``node_type``, ``kind``, ``label``, ``process_type`` and ``attributes``;
    edges carry ``type``, ``label`` and ``link_id`` (parallel links merge in a ``DiGraph``: ``links`` lists them)."""
    import networkx as nx

    graph = nx.MultiDiGraph() if multigraph else nx.DiGraph()
    for pk, row in sorted(subgraph.nodes.items()):
        graph.add_node(pk, uuid=row["uuid"], node_type=row["node_type"], kind=node_kind(row["node_type"]),
                       label=row["label"], process_type=row["process_type"], attributes=row["attributes"],
                       center=pk in subgraph.centers)
    for link in subgraph.links:
        data = {"type": link.type, "label": link.label, "link_id": link.id}
        if multigraph:
            graph.add_edge(link.input_id, link.output_id, key=link.id, **data)
        elif graph.has_edge(link.input_id, link.output_id):
            graph.edges[link.input_id, link.output_id]["links"].append(data)
        else:
            graph.add_edge(link.input_id, link.output_id, links=[data], **data)
    return graph


def to_networkx(center: Any = None, *, ancestors: int | None = None, descendants: int | None = None,
                link_types: Any = None, pks: Iterable[int] | None = None, storage=None,
                max_nodes: int | None = None, multigraph: bool = False):
    """A ``networkx.DiGraph`` (or ``MultiDiGraph``) around ``center``, or of exactly the nodes ``pks``."""
    subgraph = collect(center, ancestors=ancestors, descendants=descendants, link_types=link_types, pks=pks,
                       storage=storage, max_nodes=max_nodes)
    return subgraph_to_networkx(subgraph, multigraph=multigraph)
