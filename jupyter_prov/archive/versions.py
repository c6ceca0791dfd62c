"""Versions of the archive format and the chain of migrations between them.

Each step takes the extracted database of an archive at one version (an ``sqlite3`` connection)
and brings it to the next; :func:`migrate_database` runs the steps from an archive's version to the
newest (used by every path that opens an archive, :mod:`.source`). Writing the migrated archive as a new
file is :mod:`.migrate` (``jprov archive migrate``).

=============  ===============================================================================
version        what changed
=============  ===============================================================================
jprov_0001     first format: ``db_node`` has no ``node_hash`` column
jprov_0002     ``db_node.node_hash`` (the content hash caching looks up) and its partial index;
               the database is stamped with the main store's Alembic revision
=============  ===============================================================================
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..storage.migrations import head_revision
from .format import FORMAT_VERSIONS, ArchiveFormatError


def _0001_to_0002(conn: sqlite3.Connection) -> str:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(db_node)")}
    if "node_hash" not in columns:
        conn.execute("ALTER TABLE db_node ADD COLUMN node_hash VARCHAR(64)")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_db_node_process_hash ON db_node (node_hash) "
                 "WHERE process_type IS NOT NULL")
    conn.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
                 "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    conn.execute("DELETE FROM alembic_version")
    conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (head_revision(),))
    return "jprov_0001 -> jprov_0002: added db_node.node_hash (NULL: recomputed when needed)"


#: version -> step that migrates a database at that version to the next one
STEPS: dict[str, Callable[[sqlite3.Connection], str]] = {
    "jprov_0001": _0001_to_0002,
}


def migrate_database(database: Path, version: str, archive_path: Path | str) -> list[str]:
    """Bring the extracted database at format ``version`` to :data:`FORMAT_VERSION`; returns what was done."""
    if version not in FORMAT_VERSIONS:
        raise ArchiveFormatError(f"archive {archive_path}: no migration from format version {version!r}")
    notes: list[str] = []
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("BEGIN")
        try:
            for step_version in FORMAT_VERSIONS[FORMAT_VERSIONS.index(version):-1]:
                notes.append(STEPS[step_version](conn))
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            conn.execute("ROLLBACK")
            raise ArchiveFormatError(f"archive {archive_path}: migrating its database from {version} failed ({exc})") from None
    finally:
        conn.close()
    return notes
