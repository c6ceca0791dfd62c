"""The interface every transport implements."""

from __future__ import annotations

import abc
import os
import posixpath
import shlex
import stat
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import TransportError


def _checked_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` as a list of strings; a NUL byte (which no program argument can hold) is refused."""
    if isinstance(argv, (str, bytes)) or not argv:
        raise TransportError(f"exec_argv needs a non-empty list of arguments, got {argv!r}")
    words = [str(word) for word in argv]
    bad = [word for word in words if "\x00" in word]
    if bad:
        raise TransportError(f"exec_argv: argument {bad[0]!r} contains a NUL byte")
    return words


class Transport(abc.ABC):
    """Files and commands on one computer. Paths on the computer are POSIX paths.

    A transport is used by several threads of a daemon worker: every operation takes ``self.lock``.
    """

    def __init__(self, hostname: str = "localhost", **params: Any):
        self.hostname = hostname
        self.params = dict(params)
        self.lock = threading.RLock()

    # ---- connection ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def open(self) -> None:
        """Connect (raises :class:`TransportError` naming the host if it cannot)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Disconnect; closing a closed transport does nothing."""

    @property
    @abc.abstractmethod
    def is_open(self) -> bool:
        """Whether the connection is (still) usable."""

    def __enter__(self) -> Transport:  # noqa: PYI034
        if not self.is_open:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- commands ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def exec_command(self, command: str, *, workdir: str | None = None, stdin: bytes | None = None,
                     timeout: float | None = None) -> tuple[int, bytes, bytes]:
        """Run a shell command line on the computer: (exit code, stdout, stderr).

        The line is interpreted by a shell: only for lines the engine and scheduler plugins build from
        their own constants and integers. Anything from a node (a code's executable, an argument, a path)
        goes through :meth:`exec_argv`, which no shell interprets.
        """

    def exec_argv(self, argv: Sequence[str], *, workdir: str | None = None, stdin: bytes | None = None,
                  timeout: float | None = None) -> tuple[int, bytes, bytes]:
        """Run a program with an argument list, no word of which a shell interprets: (exit code, stdout, stderr).

        This default quotes every word for the POSIX shell that runs remote commands (``shlex.join``), so the
        program receives exactly ``argv``; transports that can start a program directly do so.
        """
        argv = _checked_argv(argv)
        return self.exec_command(shlex.join(argv), workdir=workdir, stdin=stdin, timeout=timeout)

    # ---- files -------------------------------------------------------------------------------------
    @abc.abstractmethod
    def put_file(self, localpath: str | os.PathLike, remotepath: str) -> None:
        """Copy one local file to ``remotepath`` (its parent folder must exist)."""

    @abc.abstractmethod
    def get_file(self, remotepath: str, localpath: str | os.PathLike) -> None:
        """Copy one file of the computer to ``localpath``."""

    @abc.abstractmethod
    def write_bytes(self, remotepath: str, content: bytes) -> None:
        """Write ``content`` to a file on the computer."""

    @abc.abstractmethod
    def read_bytes(self, remotepath: str) -> bytes:
        """The content of a file on the computer."""

    @abc.abstractmethod
    def listdir(self, path: str) -> list[str]:
        """Names in a folder (sorted)."""

    @abc.abstractmethod
    def stat_mode(self, path: str) -> int | None:
        """The ``st_mode`` of a path, ``None`` if it does not exist."""

    @abc.abstractmethod
    def makedirs(self, path: str) -> None:
        """Create a folder and its parents (no error if it exists)."""

    @abc.abstractmethod
    def remove(self, path: str) -> None:
        """Remove a file."""

    @abc.abstractmethod
    def rmtree(self, path: str) -> None:
        """Remove a folder and everything in it."""

    # ---- built on the above ------------------------------------------------------------------------
    def path_exists(self, path: str) -> bool:
        return self.stat_mode(path) is not None

    def isdir(self, path: str) -> bool:
        mode = self.stat_mode(path)
        return mode is not None and stat.S_ISDIR(mode)

    def isfile(self, path: str) -> bool:
        mode = self.stat_mode(path)
        return mode is not None and stat.S_ISREG(mode)

    def put(self, localpath: str | os.PathLike, remotepath: str) -> None:
        """Copy a local file or folder (recursively) to ``remotepath``."""
        local = Path(localpath)
        if local.is_dir():
            self.makedirs(remotepath)
            for child in sorted(local.iterdir()):
                self.put(child, posixpath.join(remotepath, child.name))
        elif local.is_file():
            self.put_file(local, remotepath)
        else:
            raise TransportError(f"put: local path {str(local)!r} does not exist")

    def get(self, remotepath: str, localpath: str | os.PathLike) -> None:
        """Copy a file or folder (recursively) of the computer to ``localpath``."""
        local = Path(localpath)
        if self.isdir(remotepath):
            local.mkdir(parents=True, exist_ok=True)
            for name in self.listdir(remotepath):
                self.get(posixpath.join(remotepath, name), local / name)
        elif self.path_exists(remotepath):
            local.parent.mkdir(parents=True, exist_ok=True)
            self.get_file(remotepath, local)
        else:
            raise TransportError(f"get: {remotepath!r} does not exist on {self.hostname}")

    def glob(self, folder: str, pattern: str) -> list[str]:
        """Paths relative to ``folder`` matching a glob ``pattern`` (``*``, ``?``, ``[..]``; ``**`` not special)."""
        import fnmatch

        parts = [p for p in pattern.split("/") if p]
        found = [""]
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            matches = []
            for relative in found:
                base = posixpath.join(folder, relative) if relative else folder
                if not self.isdir(base):
                    continue
                if not any(ch in part for ch in "*?["):
                    candidates = [part] if self.path_exists(posixpath.join(base, part)) else []
                else:
                    candidates = [n for n in self.listdir(base) if fnmatch.fnmatchcase(n, part)]
                for name in candidates:
                    path = posixpath.join(relative, name) if relative else name
                    if last or self.isdir(posixpath.join(folder, path)):
                        matches.append(path)
            found = matches
        return sorted(found)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.hostname} ({'open' if self.is_open else 'closed'})>"
