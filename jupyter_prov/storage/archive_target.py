"""The profile's database as the archive importer asks it: named queries and writes, by table name.

The archive layer (``jupyter_prov/archive/``) decides what an import means (which rows are new, what
the merge rules refuse, how extras and comments are merged); the SQL it needs lives here, so that
nothing above ``storage/`` and ``orm/`` imports SQLAlchemy or :mod:`jupyter_prov.storage.schema`
(issue #14, ``tests/test_import_rules.py``). Bulk rows still go through :mod:`.bulk`, the one fast
write path.

The lookups an import makes for every node of an archive (UUIDs already stored, links into stored
nodes) are driver SQL with one parameter per chunk: a JSON array read by ``json_each`` on SQLite, an
array bound to ``= ANY(%s)`` on PostgreSQL. Through SQLAlchemy, ``column.in_(5000 values)`` compiled
and expanded its 5,000 bind parameters on every call: 0.3 s of CPU to match 50,000 UUIDs into an
empty profile and 0.6 s into a full one (cProfile, ``benchmarks/archive_import_validation.py``), more
than the lookups themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from . import bulk, schema

#: longest label of the schema (users' and computers' labels are cut to it when made unique)
LABEL_LENGTH = schema.LABEL_LENGTH
#: the columns of ``db_node`` in table order (the order archive rows are read and written in)
NODE_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.nodes.c)

_TABLES: dict[str, Table] = {table.name: table for table in schema.metadata.sorted_tables}


def table(name: str) -> Table:
    """The schema's table ``name`` (``db_node``, ``db_link``, ...)."""
    return _TABLES[name]


def refusal(storage: Any, exc: BaseException) -> tuple[str, str] | None:
    """``("integrity", reason)`` or ``("refused", reason)`` if ``exc`` is the database refusing a write, else None."""
    if isinstance(exc, IntegrityError):
        return "integrity", str(getattr(exc, "orig", exc))
    if isinstance(exc, (DBAPIError, storage.engine.dialect.loaded_dbapi.Error)):
        reason = (str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__])[0][:300]
        return "refused", reason
    return None


class ImportTarget:
    """Queries and writes of one archive import on ``conn``, a connection of ``storage`` (the write
    transaction's while writing)."""

    def __init__(self, storage: Any, conn: Connection):
        self.storage = storage
        self.conn = conn
        self.dialect: str = storage.dialect

    # ---- driver SQL with one parameter for many values -------------------------------------------
    def _many(self, values: Sequence[Any]) -> tuple[str, Any]:
        """The condition ``IN <values>`` as driver SQL and its one parameter."""
        if self.dialect == "sqlite":
            return "IN (SELECT value FROM json_each(?))", json.dumps(list(values))
        return "= ANY(%s)", list(values)

    def _fetch(self, sql: str, values: Sequence[Any]) -> list[tuple]:
        condition, parameter = self._many(values)
        return [tuple(row) for row in self.conn.exec_driver_sql(sql.format(condition), (parameter,)).fetchall()]

    # ---- lookups ---------------------------------------------------------------------------------
    def stores_nodes(self) -> bool:
        """Whether the profile stores any node (an import into an empty profile need not look any up)."""
        return self.conn.exec_driver_sql("SELECT 1 FROM db_node LIMIT 1").first() is not None

    def nodes_by_uuid(self, uuids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """Of ``uuids`` (well-formed UUID text), those the profile stores: uuid -> (id, node type)."""
        if not uuids:
            return {}
        rows = self._fetch("SELECT uuid, id, node_type FROM db_node WHERE uuid {}", uuids)
        return {uuid: (pk, node_type) for uuid, pk, node_type in rows}

    def links_into(self, output_ids: Sequence[int]) -> set[tuple[int, int, str, str]]:
        """Every stored link (input id, output id, label, type) ending at one of ``output_ids``."""
        if not output_ids:
            return set()
        return set(self._fetch("SELECT input_id, output_id, label, type FROM db_link WHERE output_id {}", output_ids))

    def comment_nodes(self, uuids: Sequence[str]) -> dict[str, int]:
        """Of the comment ``uuids``, those the profile has: uuid -> the id of the node it is on."""
        comments = schema.comments
        return dict(self.conn.execute(select(comments.c.uuid, comments.c.node_id)
                                      .where(comments.c.uuid.in_(list(uuids)))).all())

    def id_by_key(self, table_name: str, key: str, value: Any) -> int | None:
        """The id of the row of ``table_name`` whose ``key`` is ``value`` (users by email, computers by uuid), or None."""
        t = table(table_name)
        return self.conn.execute(select(t.c.id).where(t.c[key] == value)).scalar()

    def label_taken(self, table_name: str, label: str, **where: Any) -> bool:
        t = table(table_name)
        stmt = select(t.c.id).where(t.c.label == label)
        for key, value in where.items():
            stmt = stmt.where(t.c[key] == value)
        return self.conn.execute(stmt).first() is not None

    def node_extras(self, ids: Sequence[int]) -> dict[int, dict]:
        nodes = schema.nodes
        return dict(self.conn.execute(select(nodes.c.id, nodes.c.extras).where(nodes.c.id.in_(list(ids)))).all())

    def members_present(self, group_ids: Iterable[int], node_ids: Iterable[int]) -> set[tuple[int, int]]:
        members = schema.group_nodes
        return {tuple(row) for row in self.conn.execute(select(members.c.group_id, members.c.node_id).where(
            members.c.group_id.in_(sorted(set(group_ids))), members.c.node_id.in_(sorted(set(node_ids))))).all()}

    def rows_by_uuid(self, table_name: str, uuids: Sequence[str]) -> dict[str, Any]:
        """Rows of ``table_name`` (comments, logs) with these uuids: uuid -> row (attributes by column name)."""
        t = table(table_name)
        return {row.uuid: row for row in self.conn.execute(select(t).where(t.c.uuid.in_(list(uuids))))}

    # ---- writes (inside the storage's write transaction) -----------------------------------------
    def defer_foreign_keys(self) -> None:
        """SQLite: check foreign keys at commit (rows of one import refer to each other in any order)."""
        if self.dialect == "sqlite":
            self.conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")

    def allocate_ids(self, table_name: str, count: int) -> list[int]:
        return self.storage.allocate_ids(self.conn, table(table_name), count)

    def insert(self, table_name: str, rows: Sequence[dict]) -> None:
        """Rows as dicts with Python values (datetimes, JSON as objects)."""
        self.storage.insert_many(self.conn, table(table_name), rows)

    def insert_encoded(self, table_name: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Rows as tuples in the text an SQLite archive stores (:func:`.bulk.insert_encoded`)."""
        bulk.insert_encoded(self.conn, self.dialect, table(table_name), columns, rows)

    def set_extras(self, pk: int, extras: dict, mtime: datetime) -> None:
        nodes = schema.nodes
        self.conn.execute(update(nodes).where(nodes.c.id == pk).values(extras=extras, mtime=mtime))

    def update_comment(self, pk: int, content: str, mtime: datetime) -> None:
        comments = schema.comments
        self.conn.execute(update(comments).where(comments.c.id == pk).values(content=content, mtime=mtime))


def count_rows(storage: Any, table_name: str) -> int:
    with storage.connection() as conn:
        return conn.execute(select(func.count()).select_from(table(table_name))).scalar_one()
