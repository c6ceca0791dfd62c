"""An archive file read in place, as plain data: what it holds, a page of its nodes, one node, a neighbourhood.

The same views as for a profile (:mod:`.nodes`, :mod:`.graph`), run on the archive's read-only storage
(:class:`~jupyter_prov.archive.ArchiveReader`): an archive is browsed without importing it, and an
archive viewer shows exactly what the profile viewer shows.

Opening an archive extracts its database member to a temporary file (the zip's repository files stay
in the zip), which costs time in proportion to the database, so opened archives are kept: at most
:data:`OPEN_ARCHIVES` at once, least recently used closed first, and reopened when the file changes
(its size or modification time). Every function here may be called from several threads at once.
"""

from __future__ import annotations

import atexit
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..archive import ArchiveReader, import_archive, inspect_archive
from . import nodes as node_views

#: archives kept open (each holds its extracted database in a temporary folder)
OPEN_ARCHIVES = 4

_lock = threading.Lock()
_open: OrderedDict[str, tuple[tuple[int, int], ArchiveReader]] = OrderedDict()


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def reader(path: str | Path) -> ArchiveReader:
    """The archive at ``path`` opened read-only (kept open for the next call; see the module docstring)."""
    path = Path(path).resolve()
    key = str(path)
    if not path.is_file():
        from ..archive import ArchiveError

        raise ArchiveError(f"archive {path} does not exist or is not a file")
    signature = _signature(path)
    with _lock:
        held = _open.get(key)
        if held is not None and held[0] == signature:
            _open.move_to_end(key)
            return held[1]
    opened = ArchiveReader(path).open()  # outside the lock: extracting a large database takes a while
    stale: list[ArchiveReader] = []
    with _lock:
        held = _open.get(key)
        if held is not None and held[0] == signature:  # another thread opened it meanwhile
            stale.append(opened)
            opened = held[1]
        else:
            if held is not None:
                stale.append(held[1])
            _open[key] = (signature, opened)
        _open.move_to_end(key)
        while len(_open) > OPEN_ARCHIVES:
            stale.append(_open.popitem(last=False)[1][1])
    for old in stale:
        _close_later(old)
    return opened


def _close_later(archive: ArchiveReader) -> None:
    # a thread may still be reading it: close once the calls running now had time to finish
    timer = threading.Timer(60.0, archive.close)
    timer.daemon = True
    timer.start()


@atexit.register
def close_all() -> None:
    """Close every archive kept open (their temporary databases are removed)."""
    with _lock:
        held = [archive for _, archive in _open.values()]
        _open.clear()
    for archive in held:
        archive.close()


def inspect(path: str | Path, *, database: bool = False) -> dict[str, Any]:
    """Format, version, creation time, counts, users, computers and node types of the archive."""
    info = inspect_archive(path, database=database)
    return {key: (str(value) if key == "path" else value) for key, value in info.items()}


def search(path: str | Path, **filters: Any) -> dict[str, Any]:
    """A page of the archive's nodes: the arguments and result of :func:`.nodes.search`."""
    return node_views.search(storage=reader(path).storage, **filters)


def detail(path: str | Path, identifier: int | str, **options: Any) -> dict[str, Any]:
    """One node of the archive: :func:`.nodes.detail`."""
    return node_views.detail(identifier, storage=reader(path).storage, **options)


def neighbourhood(path: str | Path, identifier: int | str, **options: Any):
    """The neighbourhood of a node of the archive: a :class:`.graph.Neighbourhood` on the archive's storage."""
    from .graph import Neighbourhood, resolve_roots

    storage = reader(path).storage
    return Neighbourhood(resolve_roots(identifier, storage=storage), storage=storage, **options)


def import_into_profile(path: str | Path, *, dry_run: bool = True) -> dict[str, Any]:
    """Import the archive into the loaded profile (``dry_run``: only count what would be added)."""
    summary = import_archive(path, test_run=dry_run)
    return {"path": str(path), "dry_run": summary.test_run, "counts": dict(summary.counts),
            "summary": str(summary)}
