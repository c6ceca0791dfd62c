"""The SQLite database inside an archive: checked (a readable file holding only the schema's tables) and
opened read-only in place; its SQL (creating it, reading it) is in :mod:`jupyter_prov.storage.archive_db`.

:class:`ArchiveStorage` is a :class:`~jupyter_prov.storage.backend.StorageBackend` over a database file
extracted from the archive, with a repository that reads ``repo/<key>`` members straight from the zip.
Everything the ORM and the query builder do with a storage works on it, except writing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from ..storage.archive_db import (
    ARCHIVE_TABLES,
    create_database,
    expected_tables,
    finish_database,
    small_cache,
    sqlite_url,
    table_columns,
)
from ..storage.backend import StorageBackend
from .format import REPO_PREFIX, ArchiveFormatError, ArchiveReadOnlyError

if TYPE_CHECKING:
    from ..storage.repository import Repository
    from .zipio import ZipReader

#: the archive database's SQL lives in :mod:`jupyter_prov.storage.archive_db`; these names stay for its callers
create_archive_database = create_database
finish_archive_database = finish_database


def check_sqlite_file(path: Path, archive_path: Path | str) -> None:
    """Refuse a database member that SQLite cannot read (damaged or not a database at all)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            result = conn.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ArchiveFormatError(f"archive {archive_path}: db.sqlite3 is not a readable SQLite database ({exc})") from None
    if result is None or result[0] != "ok":
        raise ArchiveFormatError(f"archive {archive_path}: db.sqlite3 is corrupted ({result[0] if result else 'no answer'})")


#: objects SQLite keeps for itself in sqlite_master (AUTOINCREMENT counters, ANALYZE statistics)
_SQLITE_OWN = frozenset({"sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"})


def check_schema(path: Path, archive_path: Path | str, *, columns: bool = True) -> None:
    """Refuse an archive database that holds more than tables: views, triggers, virtual tables, tables
    without rowid, column collations, or (``columns``) tables or columns the main schema does not have.

    The checks of :mod:`.rows` read a column, and the importer reads it again later: both must see the
    same stored values, and nothing may run when the importer writes to its copy. A view (which can
    compute a different value each time it is read, ``random()``, ``julianday('now')``), a trigger
    (which runs when :mod:`.rows` rewrites a value to the ORM's form, and can change rows already
    checked), a virtual table (a module's code decides what it returns) or a collation (which decides
    what ``GROUP BY`` and ``IN`` take as equal) would each break that; the main schema has none.
    ``columns=False`` (before a migration of an older format) checks only what is never allowed.
    """
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            objects = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
            listed = {row[1]: row for row in conn.execute("PRAGMA table_list") if row[0] == "main"}
            problem = _schema_problem(conn, objects, listed, columns)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ArchiveFormatError(f"archive {archive_path}: db.sqlite3 is not a readable SQLite database ({exc})") from None
    if problem:
        raise ArchiveFormatError(f"archive {archive_path}: db.sqlite3 {problem}; an archive database holds only "
                                 "the tables of the jupyter-prov schema, nothing was read from it")


def _schema_problem(conn: sqlite3.Connection, objects: list[tuple], listed: dict[str, tuple], columns: bool) -> str | None:
    expected = expected_tables()
    for kind, name, _table, sql in objects:
        if kind in ("view", "trigger"):
            return f"holds the {kind} {name!r}"
        if kind == "table":
            if name in _SQLITE_OWN:
                continue
            entry = listed.get(name)
            if entry is None or entry[2] != "table" or (sql or "").lstrip().upper().startswith("CREATE VIRTUAL"):
                return f"holds the virtual table {name!r}"
            if entry[4] or "WITHOUT ROWID" in (sql or "").upper():
                return f"declares the table {name!r} WITHOUT ROWID"
            if "COLLATE" in (sql or "").upper():
                return f"declares a collation in the table {name!r}"
            if columns:
                if name not in expected:
                    return f"holds the table {name!r}, which is not part of the schema"
                if table_columns(conn, name) != expected[name]:
                    return f"declares the table {name!r} with other columns than the schema's"
        elif kind == "index" and sql and "COLLATE" in sql.upper():
            return f"declares a collation in the index {name!r}"
    if columns:
        present = {name for kind, name, _t, _s in objects if kind == "table"}
        missing = [name for name in ARCHIVE_TABLES if name not in present]
        if missing:
            return f"lacks the table {missing[0]!r}"
    return None


class ZipRepository:
    """Read-only repository over the ``repo/<key>`` members of an archive (the API of ``Repository``)."""

    def __init__(self, archive: ZipReader, path: Path | str):
        self._zip = archive
        self.path = path
        self.folder = Path(path)

    def _name(self, key: str) -> str:
        return f"{REPO_PREFIX}{key}"

    def get_bytes(self, key: str) -> bytes:
        from ..storage.repository import RepositoryError

        try:
            return self._zip.read(self._name(key))
        except KeyError:
            raise RepositoryError(f"object {key} is missing from archive {self.path}") from None

    def size(self, key: str) -> int:
        return self._zip.size(self._name(key))

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        from ..storage.repository import RepositoryError

        try:
            stream = self._zip.open(self._name(key))
        except KeyError:
            raise RepositoryError(f"object {key} is missing from archive {self.path}") from None
        with stream:
            yield cast(BinaryIO, stream)  # an io.BufferedIOBase: the read/seek half of BinaryIO

    def iter_streams(self, keys: Iterable[str]) -> Iterator[tuple[str, BinaryIO, int]]:
        for key in keys:
            with self.open(key) as stream:
                yield key, stream, self._zip.size(self._name(key))

    def has(self, keys: list[str]) -> list[bool]:
        return [self._zip.has_key(key) for key in keys]

    def list_keys(self) -> Iterator[str]:
        return self._zip.keys()

    def info(self) -> dict:
        return {"folder": str(self.path), "initialised": True, "archive": True}

    def close(self) -> None:
        """The zip is closed by its owner."""

    def _read_only(self, *args, **kwargs):
        raise ArchiveReadOnlyError(f"archive {self.path} is read-only: import it to add files")

    put_bytes = put_stream = put_many_bytes = delete = maintain = _read_only


class ArchiveStorage(StorageBackend):
    """A read-only storage backend over an archive's database and zip."""

    def __init__(self, database: Path, archive: ZipReader, archive_path: Path | str):
        super().__init__(sqlite_url(database), Path(database).parent / "unused-repository")
        small_cache(self)
        # the reading half of Repository's API (its writes raise ArchiveReadOnlyError), duck-typed: a subclass
        # would inherit the disk-objectstore methods it must never reach
        self.repository = cast("Repository", ZipRepository(archive, archive_path))
        self.read_only = True
        self.archive_path = archive_path

    @contextmanager
    def transaction(self):
        raise ArchiveReadOnlyError(
            f"archive {self.archive_path} is read-only: import it (`jprov archive import`) to change its content")
        yield  # pragma: no cover

    def set_setting(self, key, value, description: str = "") -> None:
        raise ArchiveReadOnlyError(f"archive {self.archive_path} is read-only")
