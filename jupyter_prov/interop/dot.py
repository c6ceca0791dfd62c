"""Provenance graphs drawn with graphviz: DOT text, SVG or PNG, styled by node kind.

Data are ellipses, calculations boxes, workflows rounded boxes, notebook cells notes; each shows the
node's class, short UUID, label and a short value. The centre nodes are drawn with a thick border.
Rendering SVG/PNG needs the graphviz ``dot`` program (``apt-get install graphviz``); DOT text does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .subgraph import Subgraph, collect, short_value

STYLES: dict[str, dict[str, str]] = {
    "data": {"shape": "ellipse", "style": "filled", "fillcolor": "#d6eaf8", "color": "#2e86c1"},
    "calculation": {"shape": "box", "style": "filled", "fillcolor": "#fdebd0", "color": "#ca6f1e"},
    "workflow": {"shape": "box", "style": "filled,rounded", "fillcolor": "#e8daef", "color": "#7d3c98"},
    "cell": {"shape": "note", "style": "filled", "fillcolor": "#d5f5e3", "color": "#1e8449"},
    "process": {"shape": "box", "style": "filled", "fillcolor": "#f2f3f4", "color": "#566573"},
    "node": {"shape": "ellipse", "style": "", "color": "#566573"},
}
EDGE_STYLES: dict[str, dict[str, str]] = {
    "input_calc": {"style": "solid", "color": "#2e86c1"},
    "create": {"style": "solid", "color": "#ca6f1e"},
    "input_work": {"style": "dashed", "color": "#2e86c1"},
    "return": {"style": "dashed", "color": "#7d3c98"},
    "call_calc": {"style": "dotted", "color": "#566573"},
    "call_work": {"style": "dotted", "color": "#566573"},
}
FORMATS = ("dot", "svg", "png", "pdf")


def _class_name(node_type: str) -> str:
    from ..orm.plugins import node_class_for

    cls = node_class_for(node_type)
    return cls.__name__ if cls is not None else node_type.rsplit(".", 1)[-1]


def node_label(row: dict[str, Any]) -> str:
    """Class, short UUID, label and value of a node, one per line."""
    # UUIDs are time-ordered (their head is a timestamp), so the tail is what tells nodes apart
    lines = [f"{_class_name(row['node_type'])} #{row['id']} …{row['uuid'][-6:]}"]
    if row.get("label"):
        lines.append(str(row["label"])[:40])
    value = short_value(row)
    if row["node_type"] == "process.cell":  # a notebook cell: what a person recognises is its first line
        source = str((row.get("attributes") or {}).get("source") or "")
        value = next((line.strip() for line in source.splitlines() if line.strip()), "")
        value = value if len(value) <= 40 else value[:39] + "…"
    if value:
        lines.append(value)
    return "\n".join(lines)


def to_digraph(subgraph: Subgraph, *, name: str = "provenance"):
    """A :class:`graphviz.Digraph` of ``subgraph``."""
    import graphviz

    graph = graphviz.Digraph(name, graph_attr={"rankdir": "TB", "fontname": "Helvetica"},
                             node_attr={"fontname": "Helvetica", "fontsize": "10"},
                             edge_attr={"fontname": "Helvetica", "fontsize": "8"})
    centers = set(subgraph.centers)
    for pk, row in sorted(subgraph.nodes.items()):
        style = dict(STYLES.get(subgraph.kind(pk), STYLES["node"]))
        if pk in centers:
            style["penwidth"] = "3"
        graph.node(f"N{pk}", node_label(row), tooltip=row["uuid"], **style)
    for link in subgraph.links:
        graph.edge(f"N{link.input_id}", f"N{link.output_id}", label=f"{link.type}\n{link.label}",
                   **EDGE_STYLES.get(link.type, {}))
    return graph


def provenance_graph(center: Any, *, ancestors: int | None = None, descendants: int | None = None,
                     link_types: Any = None, storage=None, max_nodes: int | None = 2000):
    """The graphviz graph around ``center`` (node, pk or UUID; or a list): ancestors/descendants up to
    that many links (``None``: all), along ``link_types`` (``None``/``"all"``, ``"data"``, or a list).

    In a notebook the returned ``graphviz.Digraph`` shows itself as SVG.
    """
    subgraph = collect(center, ancestors=ancestors, descendants=descendants, link_types=link_types,
                       storage=storage, max_nodes=max_nodes)
    return to_digraph(subgraph)


def write(graph, path: str | Path, format: str | None = None) -> Path:
    """Write ``graph`` as DOT text, or render it to SVG/PNG/PDF (by ``format`` or the file's suffix)."""
    path = Path(path)
    format = (format or path.suffix.lstrip(".") or "dot").lower()
    if format not in FORMATS:
        raise ValueError(f"cannot write a graph as {format!r}: use one of {', '.join(FORMATS)}")
    if format == "dot":
        path.write_text(graph.source, encoding="utf-8")
    else:
        path.write_bytes(graph.pipe(format=format))
    return path
