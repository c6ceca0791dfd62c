"""Who may do what to a repository folder at the same time, across OS processes and their threads.

disk-objectstore's design notes ("Concurrent usage of the disk-objectstore by multiple processes",
``docs/pages/design.md``; ``packing.md``) allow, at once: any number of readers; any number of
writers of *loose* objects (``add_object``, ``add_streamed_object``: a file in ``sandbox/`` renamed
into ``loose/``); and **one** packer (``pack_all_loose``, ``clean_storage`` without vacuum). Everything
else is *maintenance* and needs the container to itself: writing directly to packs
(``add_objects_to_pack``), deleting objects, repacking, vacuuming the pack index. The library leaves
the guard to its users (its ``lock_pack`` is an ``open(..., "x")`` that removes the lock file even
when another process holds it, which is how concurrent pack writers corrupted objects), so this module
is that guard, with two ``flock`` files beside the repository folder (``<folder>.lock`` and
``<folder>.pack.lock``; beside, because disk-objectstore initialises only an empty folder):

- every process that opens the repository holds ``<folder>.lock`` **shared** until it closes it;
- a process that finds it can take ``<folder>.lock`` **exclusive without waiting** is the only one
  using the repository, and may do maintenance, including writing straight to packs; it goes back to
  shared as soon as the operation ends (others waiting for their shared lock wait that long);
- the one packer beside other users holds ``<folder>.pack.lock`` exclusive (and its shared lock).

The kernel releases ``flock`` locks when a process dies, so a writer killed with SIGKILL never blocks
the next one; what a killed writer can leave behind (a ``packs/<n>.lock`` file, a half-written file in
``sandbox/``, bytes after the last indexed object of a pack) is harmless or removed the next time a
process holds the exclusive lock. Within a process, all instances of one folder share one lock file
descriptor (a second descriptor would make a process exclude itself) and one ``threading.RLock``, which
also serialises use of a container's pack-index session (not thread-safe).

On a shared filesystem (NFS) the folder must support ``flock`` across hosts (Linux NFS clients turn
it into POSIX byte-range locks: NFSv4, or NFSv3 with ``lockd``; not a ``nolock`` mount), rename within
a folder must be atomic, and the pack index is SQLite in WAL mode, which needs all its users on one
host unless the filesystem implements its shared-memory locking: see docs/reference/repository.md.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import RepositoryError

#: how long a process waits for its shared lock while another holds the exclusive one (a pack write,
#: a delete: milliseconds to seconds; ``jprov storage maintain --full`` can take minutes)
SHARED_WAIT_SECONDS = float(os.environ.get("JPROV_REPOSITORY_LOCK_WAIT", "600"))


class RepositoryLockTimeout(RepositoryError, RuntimeError):
    """The repository stayed locked exclusively by another process for longer than we wait."""


class _FolderLock:
    """The lock state of one repository folder in this process (shared by its Repository instances)."""

    def __init__(self, folder: Path):
        self.users_path = folder.parent / f"{folder.name}.lock"
        self.pack_path = folder.parent / f"{folder.name}.pack.lock"
        self.pid = os.getpid()
        self.thread_lock = threading.RLock()
        self.holders = 0
        self._fd: int | None = None
        self._exclusive_depth = 0

    # shared, for the life of the holders
    def add_holder(self) -> None:
        with self.thread_lock:
            if self._fd is None:
                self.users_path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.users_path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    _wait_for(self._fd, fcntl.LOCK_SH, self.users_path)
                except BaseException:
                    os.close(self._fd)
                    self._fd = None
                    raise
            self.holders += 1

    def remove_holder(self) -> None:
        with self.thread_lock:
            self.holders -= 1
            if self.holders <= 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
                self._fd = None
                self.holders = 0

    # exclusive, for one operation
    @contextmanager
    def exclusive_if_alone(self) -> Iterator[bool]:
        """Yields True with the folder to this process (no other process has it open), else False at once.

        The caller holds ``thread_lock`` for the whole block (so nested use by one thread is fine).
        """
        with self.thread_lock:
            if self._exclusive_depth:
                self._exclusive_depth += 1
                try:
                    yield True
                finally:
                    self._exclusive_depth -= 1
                return
            assert self._fd is not None, "the repository is not open"
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # Linux drops the shared lock before it refuses the upgrade: take it back (another
                # process may hold the exclusive one for a moment now)
                _wait_for(self._fd, fcntl.LOCK_SH, self.users_path)
                yield False
                return
            self._exclusive_depth = 1
            try:
                yield True
            finally:
                self._exclusive_depth = 0
                fcntl.flock(self._fd, fcntl.LOCK_SH)  # a downgrade: nobody else can hold it meanwhile

    @contextmanager
    def packer(self, *, wait: bool) -> Iterator[bool]:
        """The one-packer lock; yields whether this process got it (``wait``: block until it does)."""
        fd = os.open(self.pack_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def forget_after_fork(self) -> None:
        """In a forked child: the inherited descriptor is the parent's lock, never this process's."""
        if self._fd is not None:
            os.close(self._fd)  # closing a copy releases nothing while the parent keeps its own
        self._fd = None


def _wait_for(fd: int, mode: int, path: Path) -> None:
    """``flock`` with a deadline: polling, so a lock held by a hung process ends in a clear error."""
    deadline = time.monotonic() + SHARED_WAIT_SECONDS
    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as exc:  # e.g. ENOLCK: the filesystem offers no locks
            if exc.errno == errno.ENOLCK:
                raise RepositoryLockTimeout(
                    f"the filesystem of {path} does not support file locks, which a repository shared by "
                    "several processes needs (see docs/reference/repository.md)") from None
            raise
        if time.monotonic() > deadline:
            raise RepositoryLockTimeout(
                f"the repository beside {path} has been locked by another process (maintenance) for more than "
                f"{SHARED_WAIT_SECONDS:.0f} s; wait for `jprov storage maintain` to finish, or raise "
                "JPROV_REPOSITORY_LOCK_WAIT")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


_registry: dict[str, _FolderLock] = {}
_registry_lock = threading.Lock()


def folder_lock(folder: Path) -> _FolderLock:
    """The lock state of ``folder`` in this process (one per folder, shared by every instance)."""
    key = os.path.abspath(folder)
    with _registry_lock:
        lock = _registry.get(key)
        if lock is None or lock.pid != os.getpid():
            lock = _registry[key] = _FolderLock(Path(key))
        return lock


def _after_fork_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for lock in _registry.values():
        lock.forget_after_fork()  # instances see the old pid and take a lock of their own
    _registry.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
