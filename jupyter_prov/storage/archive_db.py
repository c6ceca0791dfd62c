"""The SQLite database inside an archive, as SQL: created at the main store's schema, read, summarised.

The archive layer (``jupyter_prov/archive/``) owns what an archive means: its zip, its format
versions, the checks of what it holds. The SQL it needs for the archive's own database lives here
(and the queries an import asks of the profile's database in :mod:`.archive_target`), so that nothing
above ``storage/`` and ``orm/`` imports SQLAlchemy or :mod:`jupyter_prov.storage.schema` (#14).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Table, Text, cast, event, func, select
from sqlalchemy.engine import Connection

from . import schema
from .backend import StorageBackend
from .file_tree import iter_keys
from .migrations import head_revision

#: tables of the main schema that an archive holds (never authinfos: they hold credentials)
ARCHIVE_TABLES: tuple[str, ...] = tuple(t.name for t in (
    schema.users, schema.computers, schema.nodes, schema.links, schema.groups, schema.group_nodes, schema.comments,
    schema.logs))
#: the names ``inspect --database`` counts them under
_COUNTED = {"users": "db_user", "computers": "db_computer", "nodes": "db_node", "links": "db_link",
            "groups": "db_group", "group_nodes": "db_group_node", "comments": "db_comment", "logs": "db_log"}

#: SQLite page cache of an archive database connection (the main store's is larger; archives are read once)
ARCHIVE_CACHE_KIB = 8192


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def small_cache(backend: StorageBackend) -> StorageBackend:
    """Give every connection of ``backend`` the small page cache of an archive database."""
    @event.listens_for(backend.engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA cache_size=-{ARCHIVE_CACHE_KIB}")
        cursor.close()

    return backend


_ALEMBIC_TABLE = ("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                  "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")


def create_database(path: Path) -> StorageBackend:
    """A new, empty SQLite database at the main store's schema, stamped with its Alembic revision."""
    backend = small_cache(StorageBackend(sqlite_url(path), path.parent / "unused-repository"))
    schema.metadata.create_all(backend.engine)
    with backend.engine.begin() as conn:
        conn.exec_driver_sql(_ALEMBIC_TABLE)
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (head_revision(),))
    return backend


def finish_database(backend: StorageBackend) -> None:
    """Fold the write-ahead log into the file and close it, so the file alone is the database."""
    database = backend.engine.url.database
    backend.close()
    conn = sqlite3.connect(str(database), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


@lru_cache(maxsize=1)
def expected_tables() -> dict[str, tuple]:
    """Every table of the main schema (and ``alembic_version``) as SQLite describes it: its columns
    (``PRAGMA table_xinfo``: name, declared type, NOT NULL, default, primary key, hidden) — built
    from the schema's DDL in a database in memory."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateTable

    conn = sqlite3.connect(":memory:")
    try:
        for table in schema.metadata.sorted_tables:
            conn.execute(str(CreateTable(table).compile(dialect=sqlite_dialect.dialect())))
        conn.execute(_ALEMBIC_TABLE)
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: table_columns(conn, name) for name in names}
    finally:
        conn.close()


def table_columns(conn: sqlite3.Connection, table: str) -> tuple:
    """The columns of ``table`` as ``PRAGMA table_xinfo`` describes them (declared types upper case)."""
    return tuple((name, declared.upper(), notnull, default, pk, hidden)
                 for _cid, name, declared, notnull, default, pk, hidden in conn.execute(f'PRAGMA table_xinfo("{table}")'))


def upgrade(database: Path) -> None:
    """Bring the SQLite database file ``database`` to the main store's newest schema revision (its migrations)."""
    from sqlalchemy import create_engine

    from .migrations import upgrade as upgrade_engine

    engine = create_engine(sqlite_url(database))
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()


# ---- reading ----------------------------------------------------------------------------------------
def _table(name: str) -> Table:
    return schema.metadata.tables[name]


def node_columns() -> tuple[str, ...]:
    """The columns of ``db_node`` in the schema's order (an export copies rows column by column)."""
    return tuple(column.name for column in schema.nodes.c)


def read_rows(backend: StorageBackend, table_name: str, size: int) -> Iterator[list[dict]]:
    """The rows of ``table_name`` ordered by id, in batches of dicts with Python values (datetimes, parsed JSON)."""
    table = _table(table_name)
    with backend.connection() as conn:
        result = conn.execution_options(yield_per=size).execute(select(table).order_by(table.c.id)).mappings()
        for batch in result.partitions(size):
            yield [dict(row) for row in batch]


def repository_keys(backend: StorageBackend) -> set[str]:
    """Every repository key some node's file tree names."""
    keys: set[str] = set()
    with backend.connection() as conn:
        for (tree,) in conn.execution_options(yield_per=5000).execute(select(schema.nodes.c.repository_metadata)):
            if tree:
                keys.update(iter_keys(tree))
    return keys


def database_counts(backend: StorageBackend) -> dict[str, Any]:
    """Rows per table, node and link types, user emails, computer labels (``inspect --database``)."""
    tables = {name: _table(table) for name, table in _COUNTED.items()}
    nodes, links = schema.nodes, schema.links
    with backend.connection() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(t)).scalar_one() for name, t in tables.items()}
        node_types: dict[str, int] = dict(conn.execute(select(nodes.c.node_type, func.count())
                                       .group_by(nodes.c.node_type).order_by(nodes.c.node_type)).all())
        link_types: dict[str, int] = dict(conn.execute(select(links.c.type, func.count())
                                       .group_by(links.c.type).order_by(links.c.type)).all())
        users = list(conn.execute(select(schema.users.c.email).order_by(schema.users.c.id)).scalars())
        computers = list(conn.execute(select(schema.computers.c.label).order_by(schema.computers.c.id)).scalars())
    return {"counts": counts, "node_types": node_types, "link_types": link_types, "users": users,
            "computers": computers}


# ---- export: reading a profile's rows, writing them into an archive database ---------------------------
def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for offset in range(0, len(values), size):
        yield values[offset:offset + size]


def group_ids(storage: StorageBackend) -> list[int]:
    """Every group's id, ascending."""
    with storage.connection() as conn:
        return list(conn.execute(select(schema.groups.c.id).order_by(schema.groups.c.id)).scalars())


def group_member_ids(storage: StorageBackend, group_pks: list[int], chunk: int = 5000) -> list[int]:
    """The node ids of the members of the groups ``group_pks`` (a node in two groups twice)."""
    members: list[int] = []
    column = schema.group_nodes.c
    with storage.connection() as conn:
        for part in _chunks(group_pks, chunk):
            members += conn.execute(select(column.node_id).where(column.group_id.in_(part))).scalars().all()
    return members


def select_rows(conn: Connection, table_name: str, column_name: str, pks: list[int] | None,
                batch_size: int) -> Iterator[list[dict]]:
    """Rows of ``table_name`` whose ``column_name`` is in the sorted list ``pks`` (``None``: all of them),
    ordered by id, in batches of dicts."""
    table = _table(table_name)
    if pks is None:
        result = conn.execution_options(yield_per=batch_size).execute(select(table).order_by(table.c.id)).mappings()
        for batch in result.partitions(batch_size):
            yield [dict(row) for row in batch]
        return
    column = table.c[column_name]
    for chunk in _chunks(pks, max(batch_size, 1)):
        rows = [dict(row) for row in conn.execute(select(table).where(column.in_(chunk)).order_by(table.c.id)).mappings()]
        if rows:
            yield rows


def rows_by_id(conn: Connection, table_name: str, ids: Iterable[int]) -> list[dict]:
    """The rows of ``table_name`` with these ids, ordered by id."""
    table = _table(table_name)
    return [dict(row) for row in conn.execute(select(table).where(table.c.id.in_(sorted(ids))).order_by(table.c.id)).mappings()]


def text_rows(conn: Connection, table_name: str, pks: list[int] | None, batch_size: int) -> Iterator[list[tuple]]:
    """Rows of ``table_name`` of a PostgreSQL profile, columns in :func:`node_columns` order for ``db_node``,
    as the text an SQLite archive stores: JSON as text, timestamps as UTC text; ``pks`` as in :func:`select_rows`."""
    table = _table(table_name)
    columns: list[Any] = []
    for column in table.c:
        if isinstance(column.type, JSON):
            columns.append(cast(column, Text).label(column.name))
        elif isinstance(column.type, DateTime):
            columns.append(func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US").label(column.name))
        else:
            columns.append(column)
    if pks is None:
        result = conn.execution_options(yield_per=batch_size).execute(select(*columns).order_by(table.c.id))
        for batch in result.partitions(batch_size):
            yield [tuple(row) for row in batch]
        return
    for chunk in _chunks(pks, batch_size):
        rows = [tuple(row) for row in conn.execute(select(*columns).where(table.c.id.in_(chunk)).order_by(table.c.id))]
        if rows:
            yield rows


def defer_foreign_keys(conn: Connection) -> None:
    """Check the foreign keys of the SQLite archive database only at the commit of ``conn``'s transaction
    (an export writes nodes before the users and computers they name)."""
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


@contextmanager
def node_tuple_writer(conn: Connection) -> Iterator[Callable[[list[tuple]], None]]:
    """A writer of ``db_node`` rows given as tuples in :func:`node_columns` order (as :func:`text_rows`
    reads them) into the SQLite archive database of ``conn``: one ``executemany`` per batch on the driver."""
    names = node_columns()
    insert = (f'INSERT INTO db_node ({", ".join(f"{chr(34)}{name}{chr(34)}" for name in names)}) '
              f'VALUES ({", ".join("?" for _ in names)})')
    driver = conn.connection.driver_connection
    assert driver is not None, "the archive database connection is closed"
    cursor = driver.cursor()
    try:
        yield lambda rows: cursor.executemany(insert, rows)
    finally:
        cursor.close()


def insert_rows(backend: StorageBackend, conn: Connection, table_name: str, rows: list[dict]) -> None:
    """Insert ``rows`` into ``table_name`` of ``backend`` (an archive database), inside ``conn``'s transaction."""
    backend.insert_many(conn, _table(table_name), rows)
