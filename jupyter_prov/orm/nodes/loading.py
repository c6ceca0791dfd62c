"""Loading stored nodes: by pk, UUID (prefix) or label, many at once, from a row, along links, by hash.

A node read from another storage than the loaded profile's (an archive opened in place) remembers
that storage, so its files and links are read from there too. Nothing here imports the Node class:
rows become nodes through the class registry (:mod:`.registry`), which keeps the node modules free
of import cycles.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from sqlalchemy import select

from ...storage import schema
from .. import current, validation
from ..exceptions import MultipleObjectsError, NotExistent, ValidationError
from ..links import LinkTriple, LinkType
from .registry import class_for

#: the columns of a node row, in the order of the table
NODE_COLUMNS = [c for c in schema.nodes.c]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def node_from_row(row: Mapping[str, Any], storage=None) -> Any:
    """The node of a ``db_node`` row (all of :data:`NODE_COLUMNS`); ``storage``: where it came from (``None``: the loaded profile)."""
    node_class = class_for(row["node_type"])
    node = node_class.__new__(node_class)
    node._pk = row["id"]
    node._uuid = row["uuid"]
    node._node_type = row["node_type"]
    node._process_type = row["process_type"]
    node._label = row["label"]
    node._description = row["description"]
    node._ctime = _aware(row["ctime"])
    node._mtime = _aware(row["mtime"])
    node._user_id = row["user_id"]
    node._computer_id = row["computer_id"]
    node._attributes = row["attributes"] or {}
    node._extras = row["extras"] or {}
    node._files = row["repository_metadata"] or {}
    node._hash = row["node_hash"]
    node._incoming = []
    node._storage = storage
    node._file_bytes = None
    return node


def load_node(identifier: int | str | None = None, *, pk: int | None = None, uuid: str | None = None,
              label: str | None = None, storage=None) -> Any:
    """Load a stored node by pk, full UUID, unique UUID prefix (at least 4 characters) or unique label.

    ``storage`` reads from another storage (an archive) instead of the loaded profile's.
    """
    storage = storage or current.get_storage()
    table = schema.nodes
    if pk is None and uuid is None and label is None:
        if isinstance(identifier, int) and not isinstance(identifier, bool):
            pk = identifier
        elif isinstance(identifier, str) and identifier.isascii() and identifier.isdigit():
            pk = int(identifier)
        elif isinstance(identifier, str):
            uuid = identifier
        else:
            raise ValidationError(f"load_node needs a pk, a UUID or a label, got {identifier!r}")
    stmt = select(*NODE_COLUMNS)
    if pk is not None:
        pk = _checked_pk(pk)
        stmt = stmt.where(table.c.id == pk)
        what = f"pk {pk}"
    elif uuid is not None:
        if not isinstance(uuid, str) or "\x00" in uuid:
            raise NotExistent(f"no node with UUID {validation.short_repr(uuid)} in profile {_profile_name()}")
        uuid = uuid.strip().lower()
        if len(uuid) < 4:
            raise ValidationError(f"UUID prefix {uuid!r} is too short (at least 4 characters)")
        stmt = stmt.where(table.c.uuid == uuid) if len(uuid) == 36 else stmt.where(table.c.uuid.startswith(uuid, autoescape=True))
        what = f"UUID {uuid!r}"
    else:
        if not isinstance(label, str) or "\x00" in label:
            raise NotExistent(f"no node with label {validation.short_repr(label)} in profile {_profile_name()}")
        stmt = stmt.where(table.c.label == label)
        what = f"label {label!r}"
    with storage.connection() as conn:
        rows = conn.execute(stmt.limit(2)).mappings().all()
    if not rows:
        raise NotExistent(f"no node with {what} in profile {_profile_name()}")
    if len(rows) > 1:
        raise MultipleObjectsError(f"more than one node has {what}; give more of the UUID")
    return node_from_row(rows[0], current.foreign_storage(storage))


def load_nodes(pks: Iterable[int], *, storage=None) -> list:
    """Load many nodes by pk in one query, in the order given."""
    own = current.foreign_storage(storage)
    storage = storage or current.get_storage()
    pks = [_checked_pk(pk) for pk in pks]
    if not pks:
        return []
    from ..querybuilder.filters import many_in

    with storage.connection() as conn:
        condition = many_in(schema.nodes.c.id, pks, storage.dialect, "int")
        rows = conn.execute(select(*NODE_COLUMNS).where(condition)).mappings().all()
    by_pk = {row["id"]: node_from_row(row, own) for row in rows}
    missing = [pk for pk in pks if pk not in by_pk]
    if missing:
        raise NotExistent(f"no nodes with pk {missing[:10]}")
    return [by_pk[pk] for pk in pks]


def query_links(storage, pk: int | None, *, incoming: bool, types: frozenset[LinkType] | None,
                label: str | None) -> list[LinkTriple]:
    """The links into (``incoming``) or out of the stored node ``pk``, with the nodes at their other end."""
    links, nodes = schema.links, schema.nodes
    near, far = (links.c.output_id, links.c.input_id) if incoming else (links.c.input_id, links.c.output_id)
    # the link columns get their own names: ``label`` would otherwise shadow the node's label
    stmt = (select(links.c.type.label("_link_type"), links.c.label.label("_link_label"), *NODE_COLUMNS)
            .join(nodes, nodes.c.id == far).where(near == pk))
    if types is not None:
        stmt = stmt.where(links.c.type.in_([t.value for t in types]))
    if label is not None:
        stmt = stmt.where(links.c.label == label)
    with storage.connection() as conn:
        rows = conn.execute(stmt.order_by(links.c.id)).mappings().all()
    return [LinkTriple(node_from_row(row, storage), LinkType(row["_link_type"]), row["_link_label"]) for row in rows]


def find_by_hash(node_hash: str, *, node_type: str, process_type: str | None, limit: int = 20) -> list[int]:
    """Pks of stored nodes of this type with content hash ``node_hash``, oldest first (the cache's question)."""
    table = schema.nodes
    stmt = (select(table.c.id).where(table.c.node_hash == node_hash).where(table.c.process_type == process_type)
            .where(table.c.node_type == node_type).order_by(table.c.id).limit(limit))
    with current.get_storage().connection() as conn:
        return list(conn.execute(stmt).scalars().all())


def all_node_pks() -> list[int]:
    """Every node pk of the loaded profile, in order."""
    table = schema.nodes
    with current.get_storage().connection() as conn:
        return list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars().all())


def _checked_pk(pk: Any) -> int:
    """``pk`` as an int the drivers can bind; a pk outside the range of the id column exists nowhere."""
    if isinstance(pk, int) and not isinstance(pk, bool) and not validation.PK_MIN <= pk <= validation.PK_MAX:
        raise NotExistent(f"no node with pk {validation.short_repr(pk)} in profile {_profile_name()}")
    return validation.check_pk(pk, what="node pk")


def _profile_name() -> str:
    profile = current.get_profile()
    return repr(profile.name) if profile else "(none loaded)"
