"""The file repository: a disk-objectstore container, one per profile, shared by every process using it.

Objects are addressed by the SHA-256 of their bytes, so identical files are stored once. Nodes keep
only a virtual tree of names to hash keys (see :mod:`jupyter_prov.storage.file_tree`). Objects that
no node references any more are removed by :meth:`Repository.maintain`.

Several OS processes (notebook kernels, daemon workers, the CLI) and their threads write one
repository at once. The rules are disk-objectstore's own (see :mod:`.repository_lock` and
docs/reference/repository.md): every process may write *loose* objects at any time; only a process
that has the repository to itself writes straight into *packs* or deletes objects; one packer at a
time packs loose objects beside the others (``jprov storage maintain``).

Loose or packed, measured on this VM (ext4, 2 cores, load 2-9; /tmp/h5_loose_vs_pack.py): one loose
object of 100 bytes costs 1.3-5 ms (the library fsyncs the file and its folder each time); the same
objects written as one pack batch cost 19-91 us each, batches of 10 about 0.2-0.4 ms each, a pack
write of a single object 2-4 ms. Loose writes of a batch from 4-16 threads cost 0.5-0.75 ms each
(the filesystem joins the concurrent fsyncs). So :meth:`Repository.put_many_bytes` writes a pack
when the process can take the exclusive lock without waiting (a single writer: ``store_all``, an
archive import while nothing else runs), and otherwise writes loose objects from a few threads; it
never waits for another process. Choosing the pack of each object from the pack file's known size
instead of a ``stat`` per object halves the time of a large pack batch (134 -> 66-70 us per 200-byte
object in batches of 10,000). End to end (benchmarks/results/store_concurrent.md, load 6-9): small
``File`` nodes in ``store_all`` batches of 50, 4 writer processes 830 (SQLite) / 534 (PostgreSQL)
nodes/s in total beside 893 / 1,048 for 1 writer, none failing (ee48b72: 55-68 % of the stores of 4
writers failed and 51 objects came back corrupt in 3 of 4 runs); 10,000 small files in one
``store_all`` (benchmarks/store.py ``files``, one writer): 16,495 / 13,215 nodes/s beside ee48b72's
13,450 / 12,949.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from disk_objectstore import CompressMode, Container
from disk_objectstore.database import get_session
from disk_objectstore.exceptions import NotExistent

from ..errors import RepositoryError  # defined in the base layer, re-exported here
from .repository_lock import RepositoryLockTimeout, _FolderLock, folder_lock

#: threads that write the loose objects of one batch (their fsyncs overlap)
LOOSE_WRITE_THREADS = 8
#: a file in ``sandbox/`` older than this belongs to a writer that died (live ones rename theirs in seconds)
STALE_SANDBOX_SECONDS = 3600


class Repository:
    """Content-addressed file storage of a profile."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._container: Container | None = None
        self._lock: _FolderLock | None = None  # this process's lock state of the folder, once opened
        self._lock_pid: int | None = None
        self._opening = threading.Lock()

    # ---- opening ------------------------------------------------------------------------------
    def _folder_lock(self) -> _FolderLock:
        """The folder's lock, taken shared by this instance (again after a fork)."""
        if self._lock is None or self._lock_pid != os.getpid():
            with self._opening:
                if self._lock is None or self._lock_pid != os.getpid():
                    lock = folder_lock(self.folder)
                    try:
                        lock.add_holder()
                    except RepositoryLockTimeout as exc:
                        raise RepositoryError(str(exc)) from None
                    self._lock, self._lock_pid, self._container = lock, os.getpid(), None
        return self._lock

    @contextmanager
    def _alone(self) -> Iterator[bool]:
        """Whether this process has the repository to itself, for the block (never waits for that)."""
        lock = self._folder_lock()
        try:
            with lock.thread_lock, lock.exclusive_if_alone() as alone:
                yield alone
        except RepositoryLockTimeout as exc:
            raise RepositoryError(str(exc)) from None

    @property
    def container(self) -> Container:
        """The disk-objectstore container (created on first use); for reading its configuration."""
        lock = self._folder_lock()
        with lock.thread_lock:
            if self._container is None:
                container = Container(self.folder)
                # disk-objectstore reports a container initialised before it has created its pack index:
                # while its table is missing, wait for whoever creates it (they hold the packer lock)
                if not container.is_initialised or not _index_ready(self.folder):
                    self._initialise(container, lock)
                self._container = container
            return self._container

    def _initialise(self, container: Container, lock) -> None:
        with lock.packer(wait=True):  # two processes creating the container at once would mix configs
            if container.is_initialised:
                if not _index_ready(self.folder):  # its creator died before it made the pack index
                    get_session(self.folder / "packs.idx", create=True).close()
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                container.init_container(clear=False)
            except FileExistsError:
                raise RepositoryError(f"the repository folder {self.folder} is not empty and not a repository; "
                                      "give the profile an empty or new folder") from None

    @property
    def is_initialised(self) -> bool:
        return Container(self.folder).is_initialised if self.folder.exists() else False

    def close(self) -> None:
        """Close the container and give back this instance's shared lock."""
        lock = self._lock
        if lock is None:
            return
        with lock.thread_lock:
            if self._container is not None:
                self._container.close()
                self._container = None
            if self._lock_pid == os.getpid():
                lock.remove_holder()
            self._lock = self._lock_pid = None

    # ---- writing ------------------------------------------------------------------------------
    def put_bytes(self, content: bytes) -> str:
        """One loose object (safe beside any number of writers in any process)."""
        return self._loose(lambda container: container.add_object(content))

    def put_stream(self, stream: BinaryIO) -> str:
        """One loose object read from ``stream`` in chunks (any size)."""
        return self._loose(lambda container: container.add_streamed_object(stream))

    def put_large_stream(self, stream: BinaryIO) -> str:
        """Like :meth:`put_stream`: loose writes take no lock, so a slow stream holds up nobody."""
        return self.put_stream(stream)

    def _loose(self, write) -> str:
        container = self.container
        try:
            return write(container)  # sandbox file renamed into loose/: no pack index, no lock
        except OSError as exc:
            raise RepositoryError(f"cannot write an object to the repository at {self.folder}: {exc}") from exc

    def put_many_bytes(self, contents: list[bytes], *, fsync: bool = False) -> list[str]:
        """Many objects at once, for the bulk paths (``store_all``, archive import, the notebook writer).

        Written straight into a pack when no other process has the repository open (far faster, see
        the module docstring), else as loose objects; the keys come back in the order of ``contents``.
        ``fsync`` makes a pack durable before returning (loose objects always are).
        """
        if not contents:
            return []
        container = self.container
        with self._alone() as alone:
            if alone:
                _remove_stale_pack_locks(self.folder)
                try:
                    with _pack_choice_from_known_size(container):
                        return container.add_objects_to_pack(list(contents), do_fsync=fsync)
                except OSError as exc:
                    raise RepositoryError(f"cannot write to a pack of the repository at {self.folder}: {exc}") from exc
        if len(contents) == 1:
            return [self.put_bytes(contents[0])]
        with ThreadPoolExecutor(max_workers=min(LOOSE_WRITE_THREADS, len(contents))) as pool:
            return list(pool.map(self.put_bytes, contents))

    # ---- reading ------------------------------------------------------------------------------
    def get_bytes(self, key: str) -> bytes:
        container = self.container
        try:
            with self._folder_lock().thread_lock:
                return container.get_object_content(key)
        except Exception as exc:  # disk-objectstore raises NotExistent
            raise RepositoryError(f"object {key} is missing from the repository at {self.folder}") from exc

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        """A read stream of one object; the lock is held only while the object is looked up and closed."""
        container = self.container
        stack = ExitStack()
        try:
            with self._folder_lock().thread_lock:
                stream = cast(BinaryIO, stack.enter_context(container.get_object_stream(key)))
        except (FileNotFoundError, KeyError, NotExistent) as exc:
            stack.close()
            raise RepositoryError(f"object {key} is missing from the repository at {self.folder}") from exc
        try:
            yield stream
        finally:
            with self._folder_lock().thread_lock:
                stack.close()

    def iter_streams(self, keys: Iterable[str]) -> Iterator[tuple[str, BinaryIO, int]]:
        """Stream many objects efficiently (pack order); yields (key, stream, size).

        The iteration queries the pack index between yields, so it uses a container of its own rather
        than the shared one: a slow consumer never blocks the other threads' writes.
        """
        self.container  # noqa: B018 - opens the folder (its shared lock) first
        with Container(self.folder) as container, \
                container.get_objects_stream_and_meta(list(keys), skip_if_missing=False) as triplets:
            for key, stream, meta in triplets:
                if stream is None:
                    raise RepositoryError(f"object {key} is missing from the repository at {self.folder}")
                yield key, cast(BinaryIO, stream), meta.size or 0

    def has(self, keys: list[str]) -> list[bool]:
        container = self.container
        with self._folder_lock().thread_lock:
            return container.has_objects(keys)

    def list_keys(self) -> Iterator[str]:
        """Every object's key (a container of its own, like :meth:`iter_streams`).

        None for a repository that was never written (a profile that never stored a file): listing it
        does not create it (a dry run leaves nothing behind; disk-objectstore itself would fail on the
        missing ``loose/`` folder, issue #21).
        """
        if not self.is_initialised:
            return
        self.container  # noqa: B018 - opens the folder (its shared lock) first
        with Container(self.folder) as container:
            yield from container.list_all_objects()

    def count_objects(self) -> dict[str, int]:
        """``{"loose": n, "packed": n}`` objects (counted under the lock; safe beside writers)."""
        if not self.is_initialised:
            return {"loose": 0, "packed": 0}
        container = self.container
        with self._folder_lock().thread_lock:
            counts = container.count_objects()
        return {"loose": counts.loose, "packed": counts.packed}

    # ---- deleting and maintenance ---------------------------------------------------------------
    def delete(self, keys: list[str]) -> list[str]:
        """Delete objects, but only while no other process has the repository open; returns those deleted.

        Another process may have found one of these objects already there and be about to commit a
        node that names it (deduplication), so deleting beside other processes could lose its file;
        objects left here are unreferenced and ``jprov storage maintain`` reclaims them later.
        """
        if not keys:
            return []
        container = self.container
        with self._alone() as alone:
            if not alone:
                return []
            return list(container.delete_objects(list(keys)))

    def info(self) -> dict:
        if not self.is_initialised:
            return {"folder": str(self.folder), "initialised": False}
        container = self.container
        with self._folder_lock().thread_lock:
            counts = container.count_objects()
            sizes = container.get_total_size()
        return {
            "folder": str(self.folder),
            "initialised": True,
            "loose_objects": counts.loose,
            "packed_objects": counts.packed,
            "pack_files": counts.pack_files,
            "packed_size_on_disk": sizes.total_size_packfiles_on_disk,
            "loose_size_on_disk": sizes.total_size_loose,
        }

    def maintain(self, referenced: set[str] | Callable[[], set[str]], *, full: bool = False,
                 dry_run: bool = False) -> dict:
        """Pack loose objects; delete unreferenced ones if no other process uses the repository.

        ``referenced``: the keys nodes name, or a function that reads them; a function is called again
        once the repository is this process's alone, so that a node another process committed (naming
        an object that was already there) before it exited keeps its file.
        ``full`` also repacks and vacuums the pack index: that needs the repository to itself (the
        caller holds the exclusive profile lock; a process using this folder otherwise is refused).
        """
        if not self.is_initialised:  # never written: nothing to pack or delete, and nothing is created
            return {"unreferenced_objects": 0, "loose_objects": 0, **({} if dry_run else {"deleted": 0})}
        lock = self._folder_lock()
        container = self.container
        named = referenced() if callable(referenced) else referenced
        unreferenced = [key for key in self.list_keys() if key not in named]
        report: dict[str, int | str] = {"unreferenced_objects": len(unreferenced),
                                        "loose_objects": self.count_objects()["loose"]}
        if dry_run:
            return report
        with self._alone() as alone:
            if full and not alone:
                raise RepositoryError(f"the repository at {self.folder} is in use by another process; full "
                                      "maintenance needs it to itself")
            if alone:
                if unreferenced and callable(referenced):
                    still = referenced()
                    unreferenced = [key for key in unreferenced if key not in still]
                deleted = list(container.delete_objects(unreferenced)) if unreferenced else []
                _remove_stale_sandbox_files(self.folder)
                self._pack(container, vacuum=full)
                if full:
                    container.repack(compress_mode=CompressMode.KEEP)
                    container.clean_storage(vacuum=True)
            else:
                deleted = []
                with lock.packer(wait=False) as packing:
                    if not packing:
                        raise RepositoryError(f"another process is packing the repository at {self.folder}; "
                                              "run maintenance again when it is done")
                    self._pack(container, vacuum=False)
        report["deleted"] = len(deleted)
        if len(deleted) < len(unreferenced):
            report["kept_unreferenced"] = "other processes use the repository; they are deleted when it is unused"
        return report

    def _pack(self, container: Container, *, vacuum: bool) -> None:
        """The one packer (the caller holds the exclusive or the packer lock)."""
        _remove_stale_pack_locks(self.folder)
        container.pack_all_loose(compress=CompressMode.NO, do_fsync=True, clean_loose_per_pack=True)
        container.clean_storage(vacuum=vacuum)

    # ---- verification -------------------------------------------------------------------------
    def verify_objects(self, keys: Iterable[str] | None = None, *, sample: int | None = None,
                       seed: int | None = None) -> dict:
        """Re-hash objects (``keys``, default all; ``sample``: that many of them at random).

        Returns ``{"checked": n, "corrupt": [keys whose bytes hash otherwise], "missing": [keys]}``.
        """
        keys = sorted(set(self.list_keys() if keys is None else keys))
        if sample is not None and sample < len(keys):
            keys = sorted(random.Random(seed).sample(keys, sample))
        if not self.is_initialised:  # never written: every named object is missing (and nothing is created)
            return {"checked": len(keys), "corrupt": [], "missing": keys}
        corrupt: list[str] = []
        missing: list[str] = []
        self.container  # noqa: B018 - opens the folder (its shared lock) first
        with Container(self.folder) as container, \
                container.get_objects_stream_and_meta(keys, skip_if_missing=False) as triplets:
            for key, stream, _meta in triplets:
                if stream is None:
                    missing.append(key)
                    continue
                digest = hashlib.sha256()
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
                if digest.hexdigest() != key:
                    corrupt.append(key)
        return {"checked": len(keys), "corrupt": sorted(corrupt), "missing": sorted(missing)}


@contextmanager
def _pack_choice_from_known_size(container: Container) -> Iterator[None]:
    """Skip disk-objectstore's per-object look at the file system while it fills one pack.

    ``add_objects_to_pack`` asks ``_get_pack_id_to_write_to`` before every object, which builds a path
    and stats the pack file each time: half the time of a large batch. While the pack being written is
    below the target size the answer cannot change (only this process writes packs now), so it is
    given without asking; otherwise, and if the library changes shape, the library's method decides.
    Used only under the exclusive lock, by the one thread holding the container.
    """
    original = getattr(container, "_get_pack_id_to_write_to", None)
    if original is None or not hasattr(container, "_current_pack_id"):
        yield
        return
    target = container.pack_size_target

    def choose(known_sizes=None):
        pack_id = container._current_pack_id
        if pack_id is not None and known_sizes and known_sizes.get(pack_id, target) < target:
            return pack_id
        return original(known_sizes)

    container._get_pack_id_to_write_to = choose  # type: ignore[method-assign]  # restored in finally
    try:
        yield
    finally:
        del container._get_pack_id_to_write_to


def _index_ready(folder: Path) -> bool:
    """Whether the pack index exists with its table (read-only look, a fraction of a millisecond)."""
    path = folder / "packs.idx"
    if not path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'db_object'")
            return found.fetchone() is not None
    except sqlite3.Error:
        return False


def _remove_stale_pack_locks(folder: Path) -> None:
    """``packs/<n>.lock`` files of a pack writer that died (called only when nobody else can write packs)."""
    for path in (folder / "packs").glob("*.lock"):
        path.unlink(missing_ok=True)


def _remove_stale_sandbox_files(folder: Path) -> None:
    """Half-written objects of writers that died (old ones only: this process's threads may be writing)."""
    cutoff = time.time() - STALE_SANDBOX_SECONDS
    for path in (folder / "sandbox").iterdir() if (folder / "sandbox").is_dir() else ():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def bytes_stream(content: bytes) -> BinaryIO:
    return io.BytesIO(content)
