"""The SQLite database inside an archive, as SQL: created at the main store's schema, read, summarised.

The archive layer (``jupyter_prov/archive/``) owns what an archive means: its zip, its format
versions, the checks of what it holds. The SQL it needs for the archive's own database lives here
(and the queries an import asks of the profile's database in :mod:`.archive_target`), so that nothing
above ``storage/`` and ``orm/`` imports SQLAlchemy or :mod:`jupyter_prov.storage.schema` (#14).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

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
def read_rows(backend: StorageBackend, table_name: str, size: int) -> Iterator[list[dict]]:
    """The rows of ``table_name`` ordered by id, in batches of dicts with Python values (datetimes, parsed JSON)."""
    table = next(t for t in schema.metadata.sorted_tables if t.name == table_name)
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
    tables = {name: next(t for t in schema.metadata.sorted_tables if t.name == table) for name, table in _COUNTED.items()}
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
