"""The file repository: a disk-objectstore container, one per profile.

Objects are addressed by the SHA-256 of their bytes, so identical files are stored once. Nodes keep
only a virtual tree of names to hash keys (see :mod:`jupyter_prov.orm.files`). Objects that no node
references any more are removed by :meth:`Repository.maintain`.
"""

from __future__ import annotations

import io
import threading
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from disk_objectstore import CompressMode, Container
from disk_objectstore.exceptions import NotExistent


class RepositoryError(Exception):
    """A repository object is missing or the repository folder is not usable."""


class Repository:
    """Content-addressed file storage of a profile."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._container: Container | None = None
        # a disk-objectstore Container is not thread-safe (one SQLAlchemy session for its pack index):
        # the threads of this process (daemon worker threads, graph tasks) use it one at a time
        self._pack_lock = threading.RLock()

    @property
    def container(self) -> Container:
        with self._pack_lock:
            if self._container is None:
                container = Container(self.folder)
                if not container.is_initialised:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    container.init_container(clear=False)
                self._container = container
            return self._container

    @property
    def is_initialised(self) -> bool:
        return Container(self.folder).is_initialised if self.folder.exists() else False

    def close(self) -> None:
        with self._pack_lock:
            if self._container is not None:
                self._container.close()
                self._container = None

    # writing
    def put_bytes(self, content: bytes) -> str:
        with self._pack_lock:
            return self.container.add_object(content)

    def put_stream(self, stream: BinaryIO) -> str:
        with self._pack_lock:
            return self.container.add_streamed_object(stream)

    def put_large_stream(self, stream: BinaryIO) -> str:
        """Like :meth:`put_stream`, but the stream is read without holding the lock.

        A streamed object becomes a loose object: disk-objectstore writes it to a sandbox file and renames
        it into place, without the pack index (the part that is not thread-safe), and allows concurrent
        writers of loose objects. So a slow stream (one that pauses, like the notebook writer while a cell
        runs) does not hold up the other threads' repository work.
        """
        container = self.container
        return container.add_streamed_object(stream)

    def put_many_bytes(self, contents: list[bytes], *, fsync: bool = False) -> list[str]:
        """Many small objects straight into a pack file: far faster than one loose file each.

        ``fsync`` makes the pack durable before returning (one sync for the whole batch).
        """
        if not contents:
            return []
        container = self.container
        with self._pack_lock:
            return container.add_objects_to_pack(contents, do_fsync=fsync)

    # reading
    def get_bytes(self, key: str) -> bytes:
        container = self.container
        try:
            with self._pack_lock:
                return container.get_object_content(key)
        except Exception as exc:  # disk-objectstore raises NotExistent
            raise RepositoryError(f"object {key} is missing from the repository at {self.folder}") from exc

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        """A read stream of one object; the lock is held only while the object is looked up and closed."""
        stack = ExitStack()
        try:
            with self._pack_lock:
                stream = stack.enter_context(self.container.get_object_stream(key))
        except (FileNotFoundError, KeyError, NotExistent) as exc:
            stack.close()
            raise RepositoryError(f"object {key} is missing from the repository at {self.folder}") from exc
        try:
            yield stream
        finally:
            with self._pack_lock:
                stack.close()

    def iter_streams(self, keys: Iterable[str]) -> Iterator[tuple[str, BinaryIO, int]]:
        """Stream many objects efficiently (pack order); yields (key, stream, size).

        The iteration queries the pack index between yields, so it uses a container of its own rather
        than the shared one: a slow consumer never blocks the other threads' writes.
        """
        with Container(self.folder) as container, \
                container.get_objects_stream_and_meta(list(keys), skip_if_missing=False) as triplets:
            for key, stream, meta in triplets:
                if stream is None:
                    raise RepositoryError(f"object {key} is missing from the repository at {self.folder}")
                yield key, stream, meta.size

    def has(self, keys: list[str]) -> list[bool]:
        container = self.container
        with self._pack_lock:
            return container.has_objects(keys)

    def list_keys(self) -> Iterator[str]:
        """Every object's key (a container of its own, like :meth:`iter_streams`)."""
        with Container(self.folder) as container:
            yield from container.list_all_objects()

    def delete(self, keys: list[str]) -> list[str]:
        container = self.container
        with self._pack_lock:
            return list(container.delete_objects(keys))

    # maintenance
    def info(self) -> dict:
        if not self.is_initialised:
            return {"folder": str(self.folder), "initialised": False}
        counts = self.container.count_objects()
        sizes = self.container.get_total_size()
        return {
            "folder": str(self.folder),
            "initialised": True,
            "loose_objects": counts.loose,
            "packed_objects": counts.packed,
            "pack_files": counts.pack_files,
            "packed_size_on_disk": sizes.total_size_packfiles_on_disk,
            "loose_size_on_disk": sizes.total_size_loose,
        }

    def maintain(self, referenced: set[str], *, full: bool = False, dry_run: bool = False) -> dict:
        """Delete unreferenced objects, pack loose ones; with ``full`` also repack and vacuum.

        ``full`` must run under the exclusive profile lock (the caller takes it).
        """
        unreferenced = [key for key in self.list_keys() if key not in referenced]
        report = {"unreferenced_objects": len(unreferenced), "loose_objects": self.container.count_objects().loose}
        if dry_run:
            return report
        if unreferenced:
            self.delete(unreferenced)
        self.container.pack_all_loose(compress=CompressMode.NO, do_fsync=True, clean_loose_per_pack=True)
        self.container.clean_storage(vacuum=full)
        if full:
            self.container.repack(compress_mode=CompressMode.KEEP)
            self.container.clean_storage(vacuum=True)
        report["deleted"] = len(unreferenced)
        return report


def bytes_stream(content: bytes) -> BinaryIO:
    return io.BytesIO(content)
