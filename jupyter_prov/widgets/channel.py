"""The graph protocol's kernel side for one view, whichever widget carries it.

:class:`GraphChannel` answers the front end's graph requests (``snapshot``, ``expand``, ``open_workflow``,
``details``, ``file``, ``find``, ``refresh``) for one :class:`~jupyter_prov.views.graph.Neighbourhood`,
through a ``reply(content, buffers)`` function. ``ProvenanceGraph`` sends its replies as they are; the
process monitor and the archive browser embed a graph and wrap each reply in ``{"type": "graph",
"graph": id, "message": ...}`` (``docs/reference/widget-protocol.md``). One copy of the handling, as the
front end has one copy of the graph component.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..views import graph as graph_views

#: a small text file the details panel may show inline
MAX_INLINE_FILE = 64 * 1024

Reply = Callable[[dict, "list[bytes] | None"], None]


class GraphChannel:
    """Answers one view's graph requests (its own lock is the neighbourhood's)."""

    def __init__(self, neighbourhood: graph_views.Neighbourhood, reply: Reply):
        self.neighbourhood = neighbourhood
        self._reply = reply

    def send_elements(self, elements: graph_views.Elements, version: int, kind: str) -> None:
        if kind == "delta" and not elements:
            return
        for content, buffers in graph_views.encode(elements, version=version, kind=kind):
            self._reply(content, buffers)

    def expand(self, pk: int, direction: str = "both", *, depth: int = 1, link_types: Any = None) -> int:
        version, delta = self.neighbourhood.expand(pk, direction, depth=depth, link_types=link_types)
        self.send_elements(delta, version, "delta")
        return len(delta.nodes)

    def refresh(self) -> int:
        version, delta = self.neighbourhood.refresh_states()
        self.send_elements(delta, version, "delta")
        return len(delta.nodes)

    def handle(self, content: dict) -> None:
        """Answer one request (an ``error`` reply for a bad one: one line naming it)."""
        kind = content.get("type")
        hood = self.neighbourhood
        try:
            if kind == "snapshot":
                version, elements = hood.snapshot()
                self.send_elements(elements, version, "snapshot")
            elif kind == "expand":
                if not self.expand(int(content["pk"]), content.get("direction", "both"),
                                   depth=int(content.get("depth", 1)), link_types=content.get("link_types")):
                    self._reply({"type": "error", "message": f"nothing more to load around #{content['pk']}"}, None)
            elif kind == "open_workflow":
                version, delta = hood.open_workflow(int(content["pk"]))
                self.send_elements(delta, version, "delta")
            elif kind == "details":
                from ..views import nodes as node_views

                self._reply({"type": "details", "node": node_views.detail(int(content["pk"]), storage=hood.storage)},
                            None)
            elif kind == "file":
                self._reply(file_reply(int(content["pk"]), str(content["path"]), hood.storage), None)
            elif kind == "find":
                self.find(str(content.get("text", "")))
            elif kind == "refresh":
                self.refresh()
            else:
                self._reply({"type": "error", "message": f"unknown request {kind!r}"}, None)
        except (graph_views.GraphRequestError, LookupError, ValueError, KeyError, TypeError) as exc:
            self._reply({"type": "error", "message": f"{kind}: {exc}"}, None)

    def find(self, text: str) -> None:
        """Add the nodes whose pk, UUID prefix or label match ``text`` (at most 50) and select the first."""
        from ..orm import Node, QueryBuilder

        storage = self.neighbourhood.storage
        text = text.strip()
        value = text.split(":", 1)[1] if text.startswith(("pk:", "uuid:", "label:")) else text
        if text.startswith("pk:") or value.isdigit():
            filters: dict = {"id": int(value)} if value.isdigit() else {"id": -1}
        elif text.startswith("uuid:") or (len(value) >= 4 and all(c in "0123456789abcdef-" for c in value.lower())):
            filters = {"uuid": {"like": value.lower() + "%"}}
        else:
            filters = {"label": {"ilike": "%" + value.replace("%", "").replace("_", "") + "%"}}
        qb = QueryBuilder(storage=storage).append(Node, filters=filters, project=["id"], tag="n").limit(50)
        pks = qb.all(flat=True)
        if not pks:
            self._reply({"type": "error", "message": f"no node matches {text!r}"}, None)
            return
        version, added = self.neighbourhood.add_nodes(pks)
        self.send_elements(added, version, "delta")
        self._reply({"type": "select", "pk": sorted(pks)[0]}, None)


def file_reply(pk: int, path: str, storage) -> dict[str, Any]:
    """The ``file`` reply: the text of a small UTF-8 file of a node, or why it is not shown."""
    from ..orm.nodes.node import load_node

    node = load_node(pk, storage=storage)
    try:
        with node.open(path, "rb") as handle:
            data = handle.read(MAX_INLINE_FILE + 1)
    except (OSError, LookupError, ValueError) as exc:
        return {"type": "file", "pk": pk, "path": path, "error": f"cannot open {path}: {exc}"}
    if len(data) > MAX_INLINE_FILE:
        return {"type": "file", "pk": pk, "path": path, "error": f"{path} is larger than {MAX_INLINE_FILE} bytes"}
    try:
        return {"type": "file", "pk": pk, "path": path, "text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"type": "file", "pk": pk, "path": path, "error": f"{path} is not a text file"}


class EmbeddedGraph:
    """The graph a process monitor or an archive browser shows of its selection, over the widget's comm.

    :meth:`open` starts a new view (``graph_open`` with a new id; the front end replaces its graph and
    pulls the snapshot); requests come as ``{"type": "graph", "graph": id, "request": {...}}`` and are
    answered as ``{"type": "graph", "graph": id, "message": {...}}`` with the reply's buffers. A request
    for an older id is answered with nothing: its view is gone.
    """

    def __init__(self, reply: Reply):
        self._reply = reply
        self.graph_id = 0
        self.channel: GraphChannel | None = None

    def open(self, roots: list[int], storage, *, depth: int = 1) -> GraphChannel:
        self.graph_id += 1
        graph_id = self.graph_id
        hood = graph_views.Neighbourhood(roots, storage=storage, depth=depth)

        def wrapped(content: dict, buffers: list[bytes] | None) -> None:
            self._reply({"type": "graph", "graph": graph_id, "message": content}, buffers)

        self.channel = GraphChannel(hood, wrapped)
        self._reply({"type": "graph_open", "graph": graph_id, "roots": list(roots)}, None)
        return self.channel

    def handle(self, content: dict) -> None:
        request = content.get("request")
        if content.get("graph") != self.graph_id or self.channel is None or not isinstance(request, dict):
            return
        self.channel.handle(request)
