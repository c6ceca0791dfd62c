"""What an archive browser shows of an archive read in place: its groups, and a page of its nodes by
type, label fragment or group (:mod:`.archives` holds the reader, the metadata and the import).

Every function reads the archive's read-only storage (:func:`.archives.reader`): nothing is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import archives
from . import nodes as node_views

#: nodes of a group listed by :func:`groups` at most (a group of a million nodes shows its count)
GROUP_PKS = 1000


def groups(path: str | Path) -> list[dict[str, Any]]:
    """``[{"pk", "label", "type_string", "count", "pks"}]``: the archive's groups by label, each with the
    pks of (up to :data:`GROUP_PKS` of) its nodes."""
    from ..orm import Group, Node, QueryBuilder

    storage = archives.reader(path).storage
    found: dict[int, dict[str, Any]] = {}
    for pk, label, type_string in QueryBuilder(storage=storage).append(
            Group, project=["id", "label", "type_string"]).all():
        found[pk] = {"pk": pk, "label": label, "type_string": type_string, "count": 0, "pks": []}
    qb = QueryBuilder(storage=storage).append(Group, project=["id"], tag="g").append(Node, with_group="g",
                                                                                      project=["id"])
    for group_pk, node_pk in qb.all():
        entry = found[group_pk]
        entry["count"] += 1
        if len(entry["pks"]) < GROUP_PKS:
            entry["pks"].append(node_pk)
    for entry in found.values():
        entry["pks"].sort()
    return sorted(found.values(), key=lambda e: (e["label"], e["pk"]))


def nodes(path: str | Path, *, node_type: str | None = None, text: str | None = None, group: int | None = None,
          offset: int = 0, limit: int = 50) -> dict[str, Any]:
    """A page of the archive's nodes, newest first: ``{"total", "offset", "limit", "items"}`` (items are
    :func:`.nodes.summary`). ``node_type`` is a type prefix (``data.int``, ``process.``), ``text`` a
    fragment of the label (or a pk), ``group`` a group's pk."""
    from ..orm import Group, Node, QueryBuilder, QueryError, load_nodes

    for name, value in (("offset", offset), ("limit", limit)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise QueryError(f"{name} must be a non-negative integer, got {value!r}")
    limit = min(limit, node_views.MAX_LIMIT)
    storage = archives.reader(path).storage
    filters: dict[str, Any] = {}
    if node_type:
        filters["node_type"] = {"like": node_type.replace("%", "").replace("_", "\\_") + "%"}
    text = (text or "").strip()
    if text.isdigit():
        filters["id"] = int(text)
    elif text:
        filters["label"] = {"ilike": "%" + text.replace("%", "").replace("_", "") + "%"}
    qb = QueryBuilder(storage=storage)
    if group is not None:
        qb.append(Group, filters={"id": int(group)}, tag="g")
        qb.append(Node, with_group="g", filters=filters, project=["id"], tag="n")
    else:
        qb.append(Node, filters=filters, project=["id"], tag="n")
    total = qb.count()
    qb.order_by({"n": [{"ctime": "desc"}, {"id": "desc"}]}).offset(offset).limit(limit)
    pks = qb.all(flat=True)
    found = load_nodes(pks, storage=storage) if pks else []
    return {"total": total, "offset": offset, "limit": limit,
            "items": [node_views.summary(n, storage=storage) for n in found]}
