"""A node as plain JSON-able data, and a listing of stored nodes: what ``jprov node``, the server and
the widgets show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...storage import schema
from .. import current
from .node import _NODE_COLUMNS, Node


def node_summary(node: Node, *, links: bool = True) -> dict[str, Any]:
    """Identity, type, attributes, extras, files and (with ``links``) incoming/outgoing links of a node."""
    data: dict[str, Any] = {
        "pk": node.pk, "uuid": node.uuid, "class": type(node).__name__, "node_type": node.node_type,
        "process_type": node.process_type, "label": node.label, "description": node.description,
        "ctime": node.ctime.isoformat(), "mtime": node.mtime.isoformat(), "node_hash": node.node_hash,
        "attributes": dict(node.attributes), "extras": node.extras,
        "files": [path for path, _ in node.walk_files()],
    }
    if links:
        data["incoming"] = [_link(t) for t in node.get_incoming()]
        data["outgoing"] = [_link(t) for t in node.get_outgoing()]
    return data


def _link(triple) -> dict[str, Any]:
    other = triple.node
    return {"link_type": triple.link_type.value, "link_label": triple.link_label, "pk": other.pk,
            "uuid": other.uuid, "class": type(other).__name__, "label": other.label}


def list_nodes(*, node_type: str | None = None, label: str | None = None, limit: int | None = 50,
               newest_first: bool = True, storage=None) -> list[Node]:
    """Stored nodes, newest first by default; ``node_type`` matches a type-string prefix (``data.``)."""
    storage = storage or current.get_storage()
    table = schema.nodes
    stmt = select(*_NODE_COLUMNS)
    if node_type:
        stmt = stmt.where(table.c.node_type.startswith(node_type, autoescape=True))
    if label is not None:
        stmt = stmt.where(table.c.label == label)
    stmt = stmt.order_by(table.c.id.desc() if newest_first else table.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    with storage.connection() as conn:
        rows = conn.execute(stmt).mappings().all()
    own = storage if storage is not current._state["storage"] else None
    return [Node._from_row(row, own) for row in rows]
