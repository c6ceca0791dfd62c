"""Profile locking with POSIX advisory locks.

Every process that uses a profile holds a *shared* lock on its lock file; full maintenance takes an
*exclusive* one. Either side that cannot get its lock at once fails with :class:`ProfileLockedError`.
The kernel releases the locks when a process dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import ConfigError


class ProfileLockedError(ConfigError, RuntimeError):
    """The profile is locked by another process in a way that forbids what was asked."""


class ProfileLock:
    """A shared or exclusive lock on ``<profile folder>/profile.lock``."""

    def __init__(self, folder: Path, profile_name: str):
        self.path = Path(folder) / "profile.lock"
        self.profile_name = profile_name
        self._fd: int | None = None
        self.mode: str | None = None

    def _open(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        return self._fd

    def acquire_shared(self) -> None:
        try:
            fcntl.flock(self._open(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ProfileLockedError(
                f"profile {self.profile_name!r} is locked for full maintenance by another process; "
                "wait for `jprov storage maintain --full` to finish"
            ) from None
        self.mode = "shared"

    def acquire_exclusive(self) -> None:
        """Exclusive lock; a process holding the shared lock itself upgrades it."""
        try:
            fcntl.flock(self._open(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if self.mode == "shared":
                fcntl.flock(self._open(), fcntl.LOCK_SH)
            raise ProfileLockedError(
                f"profile {self.profile_name!r} is in use by another process (a notebook kernel, the daemon or "
                "another command); stop them before running full maintenance"
            ) from None
        self.mode = "exclusive"

    def downgrade(self) -> None:
        if self._fd is not None and self.mode == "exclusive":
            fcntl.flock(self._fd, fcntl.LOCK_SH)
            self.mode = "shared"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
            self.mode = None
