"""An archive opened for reading: checked zip, parsed metadata, and its database at our newest format.

Whatever the archive is — ours at the newest version, ours at an older version, or one written by
aiida-core — :func:`open_archive` gives the same thing: a temporary SQLite file at the main store's
schema (only the database member is extracted; repository files stay in the zip) and a read-only
repository over the zip. The reader, the importer, ``inspect --database`` and the migrator all start here.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..storage import archive_db
from ..storage.migrations import head_revision, known_revisions
from .database import ArchiveStorage, ZipRepository, check_schema, check_sqlite_file
from .format import (
    DATABASE_NAME,
    FORMAT_NAME,
    FORMAT_VERSION,
    ArchiveFormatError,
    archive_format,
    copy_member_to,
    open_zip,
    read_metadata,
)

if TYPE_CHECKING:
    from typing_extensions import Self


class OpenedArchive:
    """A validated archive with its database extracted (and converted or migrated) to a temporary folder."""

    def __init__(self, path: str | Path, *, temp_dir: str | Path | None = None):
        self.path = Path(path)
        self.zip = open_zip(self.path)
        self._temp = Path(tempfile.mkdtemp(prefix="jprov-archive-", dir=temp_dir))
        self._storage: ArchiveStorage | None = None
        try:
            self.metadata: dict[str, Any] = read_metadata(self.zip, self.path)
            self.family, self.version = archive_format(self.metadata, self.path)
            self.conversion_info: list[str] = []
            extracted = self._temp / "extracted.sqlite3"
            copy_member_to(self.zip, self.path, DATABASE_NAME, extracted)
            check_sqlite_file(extracted, self.path)
            if self.family != "aiida":  # (an AiiDA database is only read, into a new one that is checked below)
                check_schema(extracted, self.path, columns=False)  # nothing may run while it is migrated
            if self.family == "aiida":
                from ..interop.aiida import convert_aiida_database

                self.database = self._temp / "db.sqlite3"
                convert_aiida_database(extracted, self.database, self.path)
                extracted.unlink()
                self.conversion_info.append(f"converted from AiiDA archive format {self.version}")
            else:
                self.database = extracted
                if self.version != FORMAT_VERSION:
                    from .versions import migrate_database

                    self.conversion_info += migrate_database(self.database, self.version, self.path)
                self._check_revision()
            check_schema(self.database, self.path)
            self.repository = ZipRepository(self.zip, self.path)
        except BaseException:
            self.close()
            raise

    def _check_revision(self) -> None:
        """The database must be at the main store's newest schema revision; an older one (an archive
        written before a migration of the main store) is brought there with that same migration, in
        the temporary copy."""
        import sqlite3

        try:
            conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise ArchiveFormatError(f"archive {self.path}: db.sqlite3 is not a jupyter-prov archive database ({exc})") from None
        head = head_revision()
        if row is not None and row[0] != head and isinstance(row[0], str) and row[0] in known_revisions():
            self._upgrade_schema(row[0], head)
            return
        if row is None or row[0] != head:
            raise ArchiveFormatError(
                f"archive {self.path}: db.sqlite3 has schema revision {row[0] if row else None!r}, but format "
                f"{self.version} means revision {head!r}; the archive is inconsistent")

    def _upgrade_schema(self, revision: str, head: str) -> None:
        try:
            archive_db.upgrade(self.database)
        except Exception as exc:  # noqa: BLE001 - whatever the migration meets in a foreign database
            raise ArchiveFormatError(f"archive {self.path}: its database at schema revision {revision!r} cannot be "
                                     f"brought to {head!r} ({str(exc).splitlines()[0][:200]})") from None
        self.conversion_info.append(f"database schema revision {revision} -> {head}")

    # ---- access -------------------------------------------------------------------------------
    @property
    def storage(self) -> ArchiveStorage:
        """The read-only storage backend over this archive (opened on first use)."""
        if self._storage is None:
            self._storage = ArchiveStorage(self.database, self.zip, self.path)
        return self._storage

    def repository_keys(self) -> set[str]:
        """Every repository key some node of the archive refers to."""
        return archive_db.repository_keys(self.storage)

    def database_counts(self) -> dict[str, Any]:
        """Counts and summaries read from the database (what ``inspect --database`` shows)."""
        summary = archive_db.database_counts(self.storage)
        summary["counts"]["files"] = len(self.repository_keys())
        return summary

    def normalized_metadata(self) -> dict[str, Any]:
        """Metadata in our format's shape (for an AiiDA archive: built from its database)."""
        if self.family == FORMAT_NAME:
            return dict(self.metadata)
        summary = self.database_counts()
        metadata = {
            "format": FORMAT_NAME,
            "export_version": FORMAT_VERSION,
            "ctime": self.metadata.get("ctime"),
            "key_format": self.metadata.get("key_format", "sha256"),
            "creation_parameters": self.metadata.get("creation_parameters", {}),
            "source": {"aiida_version": self.metadata.get("aiida_version"), "export_version": self.version},
            **summary,
        }
        return metadata

    def close(self) -> None:
        if self._storage is not None:
            self._storage.engine.dispose()
            self._storage = None
        self.zip.close()
        shutil.rmtree(self._temp, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_archive(path: str | Path) -> OpenedArchive:
    """Open and check an archive; use as a context manager (it cleans up its temporary database)."""
    return OpenedArchive(path)
