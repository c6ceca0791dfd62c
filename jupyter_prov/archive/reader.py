"""Reading an archive in place, without importing it: a read-only storage backend.

>>> with ArchiveReader("results.jprov") as archive:
...     archive.querybuilder().append(Dict, project="attributes").all()
...     archive.load_node(uuid).get_file("out.txt")     # bytes read from the zip

Only the database member is extracted (to a temporary file); file bytes are read from the zip when
asked for. Nodes, groups and the query builder work with the same API as on a profile; anything that
would write raises :class:`~jupyter_prov.archive.format.ArchiveReadOnlyError`. AiiDA archives open
the same way (converted on the fly, see :mod:`jupyter_prov.interop.aiida`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .database import ArchiveStorage
from .format import ArchiveError
from .rows import check_rows
from .source import OpenedArchive

if TYPE_CHECKING:
    from typing_extensions import Self


class ArchiveReader:
    """An archive opened read-only; use it as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._opened: OpenedArchive | None = None

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> ArchiveReader:
        """Open and check the archive: its database as for an import (:mod:`.database`), and every row
        with the ORM's value rules (:mod:`.rows`), so what the ORM reads from it is what it would store."""
        if self._opened is None:
            opened = OpenedArchive(self.path)
            try:
                check_rows(opened.database, self.path)
            except BaseException:
                opened.close()
                raise
            self._opened = opened
        return self

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None

    @property
    def _archive(self) -> OpenedArchive:
        if self._opened is None:
            raise ArchiveError(f"archive {self.path} is not open: use `with ArchiveReader(path) as archive:`")
        return self._opened

    @property
    def storage(self) -> ArchiveStorage:
        """The read-only storage backend: pass it as ``storage=`` to ORM functions."""
        return self._archive.storage

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._archive.metadata)

    @property
    def format_version(self) -> str:
        return self._archive.version

    @property
    def format_family(self) -> str:
        """``"jprov"`` or ``"aiida"``."""
        return self._archive.family

    def counts(self) -> dict[str, int]:
        return self._archive.database_counts()["counts"]

    def load_node(self, identifier: int | str | None = None, **kwargs: Any):
        """A node of the archive by pk, UUID (prefix) or label; its files are read from the zip."""
        from ..orm.nodes.node import load_node

        return load_node(identifier, storage=self.storage, **kwargs)

    def load_nodes(self, pks):
        from ..orm.nodes.node import load_nodes

        return load_nodes(pks, storage=self.storage)

    def groups(self) -> list:
        from ..orm.groups import Group

        return Group.find(self.storage)

    def querybuilder(self, *args: Any, **kwargs: Any):
        """The query builder over the archive (the same API as on a profile)."""
        from ..orm.querybuilder import QueryBuilder

        return QueryBuilder(*args, storage=self.storage, **kwargs)

    def __repr__(self) -> str:
        state = f"{self._opened.family}:{self._opened.version}" if self._opened else "closed"
        return f"<ArchiveReader {self.path} ({state})>"
