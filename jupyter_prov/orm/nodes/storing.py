"""Storing nodes: one transaction for a batch of nodes, their pending links and rows that refer to them.

:func:`store_all` checks every node against the value rules (:mod:`..validation`), hashes it, puts
the small files held in memory into the repository as one pack, then writes the rows through
:mod:`...storage.bulk` (the one fast write path): a batch of up to :data:`FEW_NODES` on the database
driver directly, a larger one as bulk inserts with pre-allocated ids. A failure leaves nothing behind.
"""

from __future__ import annotations

import gc
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence, TYPE_CHECKING, TypeVar

from sqlalchemy import Table, bindparam, update
from sqlalchemy.exc import IntegrityError

from ...storage import bulk, schema
from .. import current, validation
from ..exceptions import LinkError, ModificationNotAllowed, StoringNotAllowed, ValidationError
from ..json_values import clean_json
from .fields import NodeFields
from .loading import all_node_pks, load_nodes

#: store_all pauses the cyclic garbage collector for batches larger than this
GC_PAUSE_MIN_NODES = 1000


_N = TypeVar("_N", bound="NodeStoring")


class NodeStoring(NodeFields):
    """The storing methods of :class:`~.node.Node` (a base class of it; it has no state of its own)."""

    if not TYPE_CHECKING:  # no slots of its own (Node has them); hidden from mypy, which would want them here
        __slots__ = ()

    def _validate(self) -> None:
        """Subclass hook: check the node is complete before it is stored."""

    def store(self: _N) -> _N:
        """Store the node and its pending incoming links in one transaction; returns the node."""
        if not self.is_stored:
            store_all([self])
        return self

    def _encoded_values(self, limit: int) -> tuple[Any, Any] | None:
        """Check the attributes and extras against the value rules (:mod:`..validation`); what the row stores.

        ``None``: the dicts themselves (small and flat: the backend encodes them); else the pair of
        values for the row, JSON text where it was encoded here.

        Checked again here, not only when set: engine and notebook code fill ``_attributes`` directly.
        """
        check = validation.check_json
        try:
            attributes = check(self._attributes, limit=limit)
            extras = check(self._extras, what="extras", limit=limit) if self._extras else None
        except ValidationError:  # again, to name the node (its repr is not built for every node stored)
            check(self._attributes, what=f"attributes of {self!r}", limit=limit)
            check(self._extras, what=f"extras of {self!r}", limit=limit)
            raise
        if self._process_type is not None:
            validation.check_process_type(self._process_type, what=f"process type of {self!r}")
        if attributes is None and extras is None:
            return None  # checked; the backend encodes them with the rest of the batch
        return (self._attributes if attributes is None else attributes,
                self._extras if extras is None else extras)

    def _after_store(self) -> None:
        """Subclass hook, run after the transaction that stored the node committed."""

    def take_written_values(self, attributes: Mapping[str, Any], mtime: datetime) -> None:
        """Take ``attributes`` and ``mtime`` as this stored node's values: a named query of the ORM wrote
        them to its row (e.g. :func:`jupyter_prov.orm.record_queries.finish_processes`, whose caller
        commits first). Only for that: it writes nothing, so the row must already hold these values."""
        if not self.is_stored:
            raise ModificationNotAllowed(f"{self!r} is not stored: there is no written row to take values from")
        self._attributes = dict(attributes)
        self._mtime = mtime

    def _to_row(self, user_id: int | None, encoded: tuple[Any, Any] | None = None) -> dict[str, Any]:
        attributes, extras = encoded or (self._attributes, self._extras)
        return {
            "uuid": self._uuid, "node_type": self._node_type, "process_type": self._process_type,
            "label": self._label, "description": self._description, "ctime": self._ctime, "mtime": self._mtime,
            "user_id": user_id, "computer_id": self._computer_id, "attributes": attributes,
            "extras": extras, "repository_metadata": self._files, "node_hash": self._hash,
        }


# ---- batches ----------------------------------------------------------------------------------------
def _order_for_storing(nodes: Sequence[NodeStoring]) -> list[NodeStoring]:
    """The unstored nodes, each after the unstored sources of its links (the batch must be closed)."""
    pending = {id(n): n for n in nodes if not n.is_stored}
    ordered: list[NodeStoring] = []
    state: dict[int, int] = {}

    def visit(node: NodeStoring) -> None:
        stack = [(node, iter(node._incoming))]
        state[id(node)] = 1
        while stack:
            current_node, it = stack[-1]
            advanced = False
            for source, link_type, label in it:
                if source.is_stored:
                    continue
                if id(source) not in pending:
                    raise StoringNotAllowed(
                        f"cannot store {current_node!r}: its {link_type.value} link {label!r} comes from {source!r}, "
                        "which is not stored; store it first or in the same store_all batch"
                    )
                mark = state.get(id(source))
                if mark == 1:
                    raise LinkError(f"the links between {source!r} and {current_node!r} form a cycle")
                if mark is None:
                    state[id(source)] = 1
                    stack.append((source, iter(source._incoming)))
                    advanced = True
                    break
            if not advanced:
                state[id(current_node)] = 2
                ordered.append(current_node)
                stack.pop()

    for node in pending.values():
        if id(node) not in state:
            if not node._incoming:  # most nodes of a big batch: nothing to put first
                state[id(node)] = 2
                ordered.append(node)
            else:
                visit(node)
    return ordered


def insert_links(rows: list[tuple], described: list[tuple]) -> None:
    storage = described[0][1]._storage or current.get_storage()
    try:
        with storage.transaction() as conn:
            conn.execute(schema.links.insert(), [
                {"input_id": i, "output_id": o, "label": l, "type": t} for i, o, l, t in rows
            ])
    except IntegrityError as exc:
        raise _link_integrity_error(described) from exc


def _link_integrity_error(described: list[tuple]) -> LinkError:
    names = "; ".join(f"{t.value} {l!r} {s!r} -> {n!r}" for s, n, t, l in described[:5])
    return LinkError(
        "a link breaks a degree rule of the provenance graph (a datum has one creator, a process one caller, "
        f"input and output labels are unique per process): {names}"
    )


#: rows of other tables to insert with the nodes: ``extra_rows(pk_of)`` gets a function giving a node's new pk
ExtraRows = Callable[[Callable[[Any], int]], Sequence[tuple[Table, Sequence[dict]]]]
#: batches up to this size are written on the database driver directly (see :func:`_store_few`)
FEW_NODES = 64


def store_all(nodes: Iterable[NodeStoring], *, batch_size: int = 5000, extra_rows: ExtraRows | None = None) -> list:
    """Store many nodes and their pending links in one transaction: all are stored, or none is.

    Nodes may link to each other; they are stored sources first. ``extra_rows`` adds rows of other
    tables that refer to the new nodes (e.g. the daemon's queue row of a submitted process) to the
    same transaction: it is called with a function mapping each of ``nodes`` to its new pk.
    """
    nodes = list(nodes)
    for node in nodes:
        if not isinstance(node, NodeStoring):
            raise StoringNotAllowed(f"store_all takes nodes, got {node!r}")
    ordered = _order_for_storing(nodes)
    if not ordered:
        return nodes
    storage = current.get_storage()
    for node in ordered:
        if node._storage is not None and node._storage is not storage:
            raise StoringNotAllowed(f"{node!r} belongs to another storage (an archive?); it cannot be stored here")
    user_id = current.get_default_user().pk
    # A big batch allocates many short-lived rows while all its nodes are alive, so the cyclic garbage
    # collector would traverse every node again and again; nothing here makes reference cycles.
    # Pausing it made a 100k-node store_all ~25 % faster (docs/performance.md).
    pause_gc = len(ordered) > GC_PAUSE_MIN_NODES and gc.isenabled()
    if pause_gc:
        gc.disable()
    limit = validation.max_json_bytes()
    try:
        encoded = []
        for node in ordered:
            node._validate()
            encoded.append(node._encoded_values(limit))
            node._hash = node.compute_hash()
            if node._user_id is None:
                node._user_id = user_id
        _write_deferred_files(storage, ordered)
        if len(ordered) <= FEW_NODES:
            pks = _store_few(storage, ordered, encoded, extra_rows)
        else:
            pks = _store_batch(storage, ordered, encoded, batch_size, extra_rows)
    except IntegrityError as exc:
        for node in ordered:
            node._hash = None
        raise StoringNotAllowed(f"storing {len(ordered)} node(s) failed, nothing was stored: {exc.orig}") from exc
    except BaseException:
        for node in ordered:
            node._hash = None
        raise
    finally:
        if pause_gc:
            gc.enable()
    for node, pk in zip(ordered, pks):
        node._pk = pk
        node._incoming = []
        node._file_bytes = None
        node._after_store()
    return nodes


def _write_deferred_files(storage, nodes: list[NodeStoring]) -> None:
    """Put the small files the nodes hold in memory into the repository, as one pack, before the SQL rows.

    Written first so that no committed row ever names a missing object; if the SQL transaction then
    fails, the objects are merely unreferenced (``jprov storage maintain`` removes them).
    """
    contents: dict[str, bytes] = {}
    for node in nodes:
        pending = getattr(node, "_file_bytes", None)
        if pending:
            contents.update(pending)
    if not contents:
        return
    keys = list(contents)
    repository = storage.repository
    missing = [key for key, present in zip(keys, repository.has(keys)) if not present]
    if missing:
        written = repository.put_many_bytes([contents[key] for key in missing], fsync=True)
        if written != missing:
            raise StoringNotAllowed("the repository computed other hashes than expected; nothing was stored")


def _store_batch(storage, ordered: list[NodeStoring], encoded: list, batch_size: int,
                 extra_rows: ExtraRows | None = None) -> list[int]:
    """Insert the nodes (sources first) and their incoming links in one transaction; their pks in order."""
    index = {id(node): i for i, node in enumerate(ordered)}
    table = schema.nodes
    with storage.transaction() as conn:
        if len(ordered) == 1:
            node = ordered[0]
            pks = [conn.execute(table.insert(), node._to_row(node._user_id, encoded[0])).inserted_primary_key[0]]
        else:
            pks = storage.allocate_ids(conn, table, len(ordered))
            for start in range(0, len(ordered), batch_size):
                rows = []
                for node, pk, values in zip(ordered[start:start + batch_size], pks[start:start + batch_size],
                                            encoded[start:start + batch_size]):
                    row = node._to_row(node._user_id, values)
                    row["id"] = pk
                    rows.append(row)
                storage.insert_many(conn, table, rows)
        link_rows = []
        described = []
        for node, pk in zip(ordered, pks):
            for source, link_type, label in node._incoming:
                source_pk = source._pk if source.is_stored else pks[index[id(source)]]
                link_rows.append({"input_id": source_pk, "output_id": pk, "label": label, "type": link_type.value})
                described.append((source, node, link_type, label))
        if link_rows:
            try:
                if len(link_rows) > 20:
                    storage.insert_many(conn, schema.links, link_rows)
                else:
                    conn.execute(schema.links.insert(), link_rows)
            except IntegrityError as exc:
                raise _link_integrity_error(described) from exc
        if extra_rows is not None:
            for table, extra in extra_rows(lambda node: node._pk if node._pk is not None else pks[index[id(node)]]):
                if extra:
                    storage.insert_many(conn, table, list(extra))
    return pks



def _store_few(storage, ordered: list[NodeStoring], encoded: list, extra_rows: ExtraRows | None = None) -> list[int]:
    """Insert a few nodes, their incoming links (and ``extra_rows``) in one transaction, on the driver directly.

    The common cases (``node.store()`` in a notebook or a process, ``submit()`` storing a process with
    its inputs and its queue row) pay no SQLAlchemy statement overhead: this roughly doubled the
    one-by-one rate on SQLite, and makes ``submit()`` one short transaction (see docs/performance.md).
    """
    with storage.write_cursor() as cursor:
        return _insert_few(storage, cursor, ordered, encoded, extra_rows)


def _insert_few(storage, cursor, ordered: list[NodeStoring], encoded: list, extra_rows: ExtraRows | None) -> list[int]:
    dialect = storage.dialect
    pks: list[int] = []
    by_id: dict[int, int] = {}
    link_rows: list[dict] = []
    for node, values in zip(ordered, encoded):
        pk = bulk.insert_one(cursor, dialect, schema.nodes, node._to_row(node._user_id, values))
        pks.append(pk)
        by_id[id(node)] = pk
        for source, link_type, label in node._incoming:
            source_pk = source._pk if source._pk is not None else by_id[id(source)]
            link_rows.append({"input_id": source_pk, "output_id": pk, "label": label, "type": link_type.value})
    if link_rows:
        try:
            bulk.insert_few(cursor, dialect, schema.links, link_rows)
        except IntegrityError as exc:
            raise _link_integrity_error([(s, n, t, l) for n in ordered for s, t, l in n._incoming]) from exc
    if extra_rows is not None:
        for table, rows in extra_rows(lambda node: node._pk if node._pk is not None else by_id[id(node)]):
            if rows:
                bulk.insert_few(cursor, dialect, table, list(rows))
    return pks


def update_stored_attributes(changes: Sequence[tuple[Any, Mapping[str, Any]]]) -> None:
    """Set attributes of many stored, unsealed nodes in one statement (the rules of ``set_attribute_many``).

    For a writer finishing a batch of process nodes (the notebook's cells: their outcome and seal) in
    one ``executemany`` instead of one UPDATE per node. Every key must be one the node's kind lets change
    after storing; the values are checked like ``set_attribute``'s. The nodes' attributes in memory
    change with the row; if the statement fails they are as before. If an enclosing transaction rolls
    back later, call ``node.reload()`` on them.
    """
    if not changes:
        return
    cleaned = []
    for node, values in changes:
        if not node.is_stored:
            raise ModificationNotAllowed(f"{node!r} is not stored: set its attributes with set_attribute_many")
        if getattr(node, "is_sealed", False):
            raise ModificationNotAllowed(f"{node!r} is sealed: its attributes cannot change any more")
        for key in values:
            if key not in node._updatable_attributes:
                raise ModificationNotAllowed(f"{node!r} is stored: attribute {key!r} cannot change any more")
        cleaned.append((node, {k: clean_json(v, f"attribute {k!r} of {node!r}") for k, v in values.items()}))
    storage = cleaned[0][0]._storage or current.get_storage()
    now = datetime.now(timezone.utc)
    previous = [(node, dict(node._attributes), node._mtime) for node, _values in cleaned]
    params = []
    for node, values in cleaned:
        node._attributes.update(values)
        node._mtime = now
        params.append({"_id": node._pk, "_attributes": validation.encode_json(node._attributes, what=f"attributes of {node!r}"),
                       "_mtime": now})
    table = schema.nodes
    stmt = (update(table).where(table.c.id == bindparam("_id"))
            .values(attributes=bindparam("_attributes"), mtime=bindparam("_mtime")))
    try:
        with storage.transaction() as conn:
            conn.execute(stmt.execution_options(synchronize_session=False), params)
    except BaseException:
        for node, attributes, mtime in previous:
            node._attributes, node._mtime = attributes, mtime
        raise


def rehash(nodes: Iterable[Any] | None = None) -> int:
    """Recompute and store the content hash of stored nodes (all of the loaded profile's if ``None``); how many changed."""
    storage = current.get_storage()
    if nodes is None:
        pks = all_node_pks()
        nodes = (n for start in range(0, len(pks), 500) for n in load_nodes(pks[start:start + 500]))
    table = schema.nodes
    changed = 0
    with storage.transaction() as conn:
        for node in nodes:
            digest = node.compute_hash()
            if digest != node._hash:
                conn.execute(update(table).where(table.c.id == node._pk).values(node_hash=digest))
                node._hash = digest
                changed += 1
    return changed
