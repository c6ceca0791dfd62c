"""The daemon's files in the profile folder: pid, status, wanted worker count, log, lock.

``<profile folder>/daemon/``:

- ``supervisor.lock``: held (flock) by the running supervisor; free means no supervisor, whatever the pid file says
- ``supervisor.pid``: its pid (a leftover of a crashed supervisor is *stale*: reported and removed)
- ``status.json``: written by the supervisor on every change: its pid and each worker's pid and id
- ``wanted.json``: the worker count asked for by ``start``/``incr``/``decr``; the supervisor reads it on SIGHUP
- ``daemon.log``: log lines of the supervisor and all workers
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Profile


@dataclass(frozen=True)
class DaemonFiles:
    folder: Path

    @classmethod
    def of(cls, profile: Profile) -> DaemonFiles:
        return cls(profile.folder / "daemon")

    @property
    def lock(self) -> Path:
        return self.folder / "supervisor.lock"

    @property
    def pid(self) -> Path:
        return self.folder / "supervisor.pid"

    @property
    def status(self) -> Path:
        return self.folder / "status.json"

    @property
    def wanted(self) -> Path:
        return self.folder / "wanted.json"

    @property
    def log(self) -> Path:
        return self.folder / "daemon.log"

    def ensure(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def supervisor_alive(self) -> bool:
        """True if some process holds the supervisor lock (the kernel frees it when that process dies)."""
        if not self.lock.exists():
            return False
        fd = os.open(self.lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def read_json(self, path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_json(self, path: Path, data: dict[str, Any]) -> None:
        self.ensure()
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(tmp, path)

    def read_pid(self) -> int | None:
        try:
            text = self.pid.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None
