"""``core.local``: the machine this process runs on.

:meth:`LocalTransport.exec_argv` starts programs directly (``subprocess`` with an argument list): no
shell sees a value that came from a node.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .base import Transport, TransportError, _checked_argv


class LocalTransport(Transport):
    """Files and commands on this machine (no connection to open)."""

    def __init__(self, hostname: str = "localhost", **params: Any):
        super().__init__(hostname, **params)
        self._open = False

    def open(self) -> None:
        self._open = True

    def close(self) -> None:
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open

    def exec_command(self, command: str, *, workdir: str | None = None, stdin: bytes | None = None,
                     timeout: float | None = None) -> tuple[int, bytes, bytes]:
        if workdir is not None and not os.path.isdir(workdir):
            raise TransportError(f"exec_command: folder {workdir!r} does not exist on {self.hostname}")
        try:
            done = subprocess.run(["/bin/sh", "-c", command], cwd=workdir, input=stdin or b"", capture_output=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise TransportError(f"command {command!r} on {self.hostname} took longer than {timeout} s") from exc
        return done.returncode, done.stdout, done.stderr

    def exec_argv(self, argv, *, workdir: str | None = None, stdin: bytes | None = None,
                  timeout: float | None = None) -> tuple[int, bytes, bytes]:
        """Start the program directly (no shell at all)."""
        argv = _checked_argv(argv)
        if workdir is not None and not os.path.isdir(workdir):
            raise TransportError(f"exec_argv: folder {workdir!r} does not exist on {self.hostname}")
        try:
            done = subprocess.run(argv, cwd=workdir, input=stdin or b"", capture_output=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise TransportError(f"program {argv[0]!r} on {self.hostname} took longer than {timeout} s") from exc
        except OSError as exc:  # not found, not executable: as a shell reports it
            return 127, b"", f"{argv[0]}: {exc.strerror}\n".encode()
        return done.returncode, done.stdout, done.stderr

    def put_file(self, localpath: str | os.PathLike, remotepath: str) -> None:
        try:
            shutil.copyfile(localpath, remotepath)
        except OSError as exc:
            raise TransportError(f"put {str(localpath)!r} → {remotepath!r}: {exc}") from exc

    def get_file(self, remotepath: str, localpath: str | os.PathLike) -> None:
        try:
            shutil.copyfile(remotepath, localpath)
        except OSError as exc:
            raise TransportError(f"get {remotepath!r}: {exc}") from exc

    def write_bytes(self, remotepath: str, content: bytes) -> None:
        try:
            Path(remotepath).write_bytes(content)
        except OSError as exc:
            raise TransportError(f"write {remotepath!r}: {exc}") from exc

    def read_bytes(self, remotepath: str) -> bytes:
        try:
            return Path(remotepath).read_bytes()
        except OSError as exc:
            raise TransportError(f"read {remotepath!r}: {exc}") from exc

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(path))
        except OSError as exc:
            raise TransportError(f"listdir {path!r}: {exc}") from exc

    def stat_mode(self, path: str) -> int | None:
        try:
            return os.stat(path).st_mode
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TransportError(f"stat {path!r}: {exc}") from exc

    def makedirs(self, path: str) -> None:
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise TransportError(f"makedirs {path!r}: {exc}") from exc

    def remove(self, path: str) -> None:
        try:
            os.remove(path)
        except OSError as exc:
            raise TransportError(f"remove {path!r}: {exc}") from exc

    def rmtree(self, path: str) -> None:
        try:
            shutil.rmtree(path)
        except OSError as exc:
            raise TransportError(f"rmtree {path!r}: {exc}") from exc
