"""``ProvenanceGraph``: the interactive provenance graph of a notebook (anywidget + cytoscape.js).

One widget per view, never one per node: the traits hold only the view's state (roots, open workflows,
focus, selection, filter); the graph itself goes as binary columnar chunks over the comm
(:mod:`jupyter_prov.views.graph`), pulled by the front end when it renders, then as numbered deltas.
The contract is ``docs/reference/widget-protocol.md``.

Why pull, not push: ``model.send`` before the front end has rendered is dropped, so a snapshot pushed at
``display()`` would be lost in a reopened notebook; the front end asks for it and again on a gap.
Why a lock: ipykernel 7 runs comm handlers on a subshell thread while the user's cell runs; every
handler works through a :class:`~jupyter_prov.views.graph.Neighbourhood` (its own lock, its own
connections from the storage's pool).

The saved output also carries a static SVG (the Graphviz drawing of :mod:`jupyter_prov.interop.dot`)
so the graph shows on GitHub, nbviewer or a reopened notebook without a kernel.
"""

from __future__ import annotations

import threading
from typing import Any

import anywidget
import traitlets as t

from ..orm import current
from ..views import graph as graph_views
from .bundles import bundle
from .channel import GraphChannel

#: the static SVG fallback draws at most this many nodes (a bigger view saves without it)
MAX_FALLBACK_NODES = 300


def _notebook_cells(storage) -> list[int]:
    """Pks of the cell executions recorded from the notebook this kernel runs (the newest 200)."""
    from ..orm import CellExecutionNode, QueryBuilder

    path = None
    try:
        from ..notebook.extension import get_recorder

        rec = get_recorder()
        path = rec.notebook_path() if rec is not None and hasattr(rec, "notebook_path") else None
    except ImportError:  # no notebook extension: every recorded cell
        path = None
    if path is None:
        import os

        path = os.environ.get("JPY_SESSION_NAME")
    filters = {"attributes.notebook": path} if path else None
    qb = (QueryBuilder(storage=storage).append(CellExecutionNode, filters=filters, project=["id"], tag="c")
          .order_by({"c": {"id": "desc"}}).limit(200))
    return sorted(qb.all(flat=True))


class ProvenanceGraph(anywidget.AnyWidget):
    """The provenance around some nodes, expanded on demand in the notebook.

    ``ProvenanceGraph(node)``, ``ProvenanceGraph([n1, n2])``, ``ProvenanceGraph(qb)`` (the nodes a
    QueryBuilder returns) or ``ProvenanceGraph(notebook=True)`` (this notebook's recorded cells).
    ``depth`` links of ancestors and descendants are loaded at first (at most ``page_size`` per node and
    direction); the rest loads when asked (buttons, double-click) or with :meth:`expand`.
    """

    _esm = bundle("graph.js")

    roots = t.List(t.Int()).tag(sync=True)
    open_workflows = t.List(t.Int()).tag(sync=True)
    focus = t.Int(allow_none=True, default_value=None).tag(sync=True)
    selection = t.Int(allow_none=True, default_value=None).tag(sync=True)
    filter = t.Unicode("").tag(sync=True)
    cluster_threshold = t.Int(10).tag(sync=True)
    layout_guard = t.Int(3000).tag(sync=True)
    height = t.Int(520).tag(sync=True)

    def __init__(self, nodes: Any = None, *, notebook: bool = False, depth: int = 1, link_types: Any = None,
                 page_size: int = graph_views.DEFAULT_PAGE_SIZE, storage=None, **kwargs: Any):
        storage = storage or current.get_storage()
        if notebook:
            roots = _notebook_cells(storage)
            if nodes is not None:
                roots = sorted(set(roots) | set(graph_views.resolve_roots(nodes, storage=storage)))
        elif nodes is None:
            raise graph_views.GraphRequestError("ProvenanceGraph needs nodes (a node, pk, UUID, list or QueryBuilder) "
                                                "or notebook=True")
        else:
            roots = graph_views.resolve_roots(nodes, storage=storage)
        if not roots:
            raise graph_views.GraphRequestError(f"no nodes to show for {nodes!r}" if not notebook else
                                                "this notebook has no recorded cells yet")
        self._neighbourhood = graph_views.Neighbourhood(roots, storage=storage, depth=depth, link_types=link_types,
                                                        page_size=page_size)
        self._send_lock = threading.Lock()
        self._channel = GraphChannel(self._neighbourhood, self._reply)
        self.bytes_sent = 0
        super().__init__(roots=roots, **kwargs)
        self.on_msg(self._on_message)

    # ---- Python API ------------------------------------------------------------------------------------
    @property
    def neighbourhood(self) -> graph_views.Neighbourhood:
        return self._neighbourhood

    def expand(self, node: Any, direction: str = "both", *, depth: int = 1, link_types: Any = None) -> int:
        """Load more of the graph around ``node`` (shown in every view of this widget); how many new nodes."""
        (pk,) = graph_views.resolve_roots(node, storage=self._neighbourhood.storage)
        return self._channel.expand(pk, direction, depth=depth, link_types=link_types)

    def refresh(self) -> int:
        """Re-read the state of the processes shown that were still running; how many changed."""
        return self._channel.refresh()

    # ---- the comm ----------------------------------------------------------------------------------------
    def _reply(self, content: dict, buffers: list[bytes] | None = None) -> None:
        with self._send_lock:
            self.bytes_sent += sum(len(b) for b in buffers or ()) + len(str(content))
            self.send(content, buffers)

    def _on_message(self, _widget, content: Any, _buffers) -> None:
        if isinstance(content, dict):
            self._channel.handle(content)

    # ---- outputs ---------------------------------------------------------------------------------------
    def static_svg(self) -> str | None:
        """The Graphviz SVG of what is loaded (``None`` when graphviz's ``dot`` is missing or it is too big)."""
        nodes = self._neighbourhood.nodes
        if len(nodes) > MAX_FALLBACK_NODES:
            return None
        try:
            from ..interop.dot import to_digraph
            from ..interop.subgraph import collect

            subgraph = collect(pks=list(nodes), storage=self._neighbourhood.storage, max_nodes=None)
            subgraph.centers = list(self.roots)
            return to_digraph(subgraph).pipe(format="svg").decode("utf-8")
        except Exception:  # noqa: BLE001 - no dot program: the saved notebook shows the text only
            return None

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        svg = self.static_svg()
        if svg is not None:
            data = dict(data)
            data["image/svg+xml"] = svg
        data["text/plain"] = f"<ProvenanceGraph of {len(self.roots)} node(s): {len(self._neighbourhood.nodes)} loaded>"
        return data, metadata

