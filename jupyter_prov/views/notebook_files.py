"""The recorded versions of a file on disk that notebook cells wrote or read, as plain data.

A file a cell reads or writes is a ``data.file`` node with its absolute ``path`` as an attribute, one
node per content (the writer reuses the node when the content comes back). A version with no creating
cell that follows another version was changed outside the notebook between two reads: its hash differs
from the version last seen, and no recorded cell wrote it.
"""

from __future__ import annotations

import fnmatch
import os
from typing import Any

from ..orm import CellExecutionNode, Node, QueryBuilder
from ..orm.nodes.files import File


def recorded_paths(pattern: str, cwd: str | None = None) -> list[str]:
    """The recorded file paths matching ``pattern`` (a path or a glob, relative to ``cwd``), sorted."""
    absolute = os.path.normpath(os.path.join(cwd or os.getcwd(), os.path.expanduser(pattern)))
    if not any(c in pattern for c in "*?["):
        qb = QueryBuilder().append(File, filters={"attributes.path": absolute}, project=["attributes.path"], tag="f")
        return sorted({row[0] for row in qb.limit(1).all()})
    prefix = absolute.split("*")[0].split("?")[0].split("[")[0]
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    qb = QueryBuilder().append(File, filters={"attributes.path": {"like": like}}, project=["attributes.path"], tag="f")
    return sorted({row[0] for row in qb.all() if fnmatch.fnmatchcase(row[0], absolute)})


def _cell_text(cell: Node) -> dict[str, Any]:
    return {"pk": cell.pk, "label": cell.label, "cell_id": cell.get_attribute("cell_id", None),
            "session": cell.get_attribute("session", None), "started_at": cell.get_attribute("started_at", "")}


def file_versions(path: str) -> list[dict[str, Any]]:
    """Every recorded version of the file at ``path``, oldest first: ``[{"version", "pk", "uuid", "hash",
    "size", "written_by": cell or None, "read_by": [cells], "changed_outside": bool, "node": File}]``."""
    qb = QueryBuilder().append(File, filters={"attributes.path": path}, project="*", tag="f")
    qb.order_by({"f": "id"})
    nodes = [row[0] for row in qb.all()]
    result = []
    for index, node in enumerate(nodes, 1):
        writers = [t.node for t in node.get_incoming("create") if isinstance(t.node, CellExecutionNode)]
        readers = sorted((t.node for t in node.get_outgoing("input_calc") if isinstance(t.node, CellExecutionNode)),
                         key=lambda c: c.pk or 0)
        try:
            size = len(node.get_content("rb"))
        except Exception:  # noqa: BLE001 - the bytes are not in this repository (an archive without files)
            size = None
        result.append({
            "version": index, "pk": node.pk, "uuid": node.uuid, "hash": (node.node_hash or "")[:10], "size": size,
            "written_by": _cell_text(writers[0]) if writers else None,
            "read_by": [_cell_text(c) for c in readers],
            "changed_outside": index > 1 and not writers,
            "node": node,
        })
    return result
