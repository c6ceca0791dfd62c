"""How ``%provenance show`` renders a variable's lineage: SVG in a notebook, indented text in a terminal.

The data (the ancestry, a version's description, the slice) comes from :mod:`jupyter_prov.views.lineage`
and the slice algorithm from :mod:`jupyter_prov.orm.lineage_queries`, which says what a slice is; this
module only draws. ``Slice`` and ``compute_slice`` are re-exported here for the replay and for code
that imported them from this module.
"""

from __future__ import annotations

from typing import Any

from ..orm.lineage_queries import Slice, compute_slice
from ..views.lineage import MAX_ANCESTRY, ancestry

__all__ = ["LineageView", "Slice", "compute_slice", "lineage_graph", "lineage_text"]


def lineage_graph(target: Any, *, max_nodes: int = MAX_ANCESTRY):
    """A graphviz Digraph of the ancestry of ``target`` (:func:`jupyter_prov.interop.dot.provenance_graph`)."""
    from ..interop.dot import provenance_graph

    return provenance_graph(target, ancestors=None, descendants=0, max_nodes=max_nodes)


def lineage_text(target: Any, *, max_nodes: int = MAX_ANCESTRY) -> str:
    """The ancestry as indented text: each node under the one it feeds, ``(see above)`` when repeated."""
    data = ancestry(target, max_nodes=max_nodes)
    nodes = {node["pk"]: node for node in data["nodes"]}
    incoming: dict[int, list[dict[str, Any]]] = {}
    for edge in data["edges"]:
        incoming.setdefault(edge["target"], []).append(edge)
    lines: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[int, int, str]] = [(data["root"], 0, "")]
    while stack:
        pk, depth, via = stack.pop()
        marker = " (see above)" if pk in seen else ""
        lines.append(f"{'  ' * depth}{via}{nodes[pk]['text']} <{pk}>{marker}")
        if marker:
            continue
        seen.add(pk)
        for edge in reversed(incoming.get(pk, [])):
            stack.append((edge["source"], depth + 1, f"{edge['link_type']} {edge['link_label']} <- "))
    if data["truncated"]:
        lines.append(f"… (more than {max_nodes} nodes; see `jprov node graph {data['root']}`)")
    return "\n".join(lines)


class LineageView:
    """Displays the lineage of a value: in a kernel the interactive graph (``ProvenanceGraph``, when
    anywidget is installed) with the Graphviz SVG beside it for saved notebooks; the indented text
    everywhere (terminals, ``text/plain`` of a saved notebook)."""

    def __init__(self, target: Any, *, interactive: bool = False):
        self.target = target
        self.interactive = interactive

    def _widget_bundle(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The ProvenanceGraph's own bundle, or ``None`` outside a kernel or without anywidget."""
        try:
            from IPython import get_ipython

            if getattr(get_ipython(), "kernel", None) is None:  # a terminal: no front end for a widget
                return None
            from ..widgets import ProvenanceGraph

            bundle = ProvenanceGraph(self.target)._repr_mimebundle_()
        except Exception:  # noqa: BLE001 - no anywidget, no comm: the widget is an extra, the text and SVG answer
            return None
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        return dict(data), dict(metadata)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None):
        widget = self._widget_bundle() if self.interactive else None
        data, metadata = widget if widget is not None else ({}, {})
        data["text/plain"] = lineage_text(self.target)
        try:
            data["image/svg+xml"] = lineage_graph(self.target).pipe(format="svg").decode()
        except Exception:  # noqa: BLE001, S110 - no graphviz executable: the text is still there
            pass
        return (data, metadata) if metadata else data

    def __repr__(self) -> str:
        return lineage_text(self.target)
