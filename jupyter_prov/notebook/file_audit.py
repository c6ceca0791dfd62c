"""Files a cell opens: a process-wide audit hook on ``open`` that collects paths while a cell runs.

``sys.addaudithook`` cannot be removed, so the hook is installed once and does nothing (one comparison)
unless a cell is being recorded, and only counts opens made on the thread that runs the cell: the
writer thread's own repository writes are never recorded.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_sink: list | None = None
_sink_thread: int | None = None
_installed = False
_get_ident = threading.get_ident


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _sink is not None and _get_ident() == _sink_thread:
        _sink.append(args)


def install() -> None:
    global _installed
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True


def start() -> None:
    """Collect the files opened from now on, on this thread."""
    global _sink, _sink_thread
    install()
    _sink_thread = threading.get_ident()
    _sink = []


@contextmanager
def paused() -> Iterator[None]:
    """Opens in this block are not collected (the recorder reading a file it snapshots)."""
    global _sink
    was, _sink = _sink, None
    try:
        yield
    finally:
        _sink = was


def stop() -> list[tuple]:
    """Stop collecting; the raw ``(path, mode, flags)`` of each open seen."""
    global _sink
    seen, _sink = _sink or [], None
    return seen


@dataclass
class FileAccess:
    reads: list[str]
    writes: list[str]


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _own_folders() -> list[str]:
    """jupyter-prov's own files (its config, the loaded profile's repository): storing a node in a cell
    reads them, and they are no input of the user's cell."""
    from ..config.profiles import get_config_dir
    from ..orm import current

    folders = [str(get_config_dir())]
    profile = current.get_profile()
    if profile is not None:
        folders.append(os.path.abspath(profile.repository))
    return [folder.rstrip(os.sep) + os.sep for folder in folders]


def classify(opens: list[tuple], ignore_patterns: list[str], cwd: str | None = None) -> FileAccess:
    """Regular files read and written (absolute paths, first-seen order), minus ignored ones."""
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    cwd = cwd or os.getcwd()
    skip_prefixes = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, *_own_folders()})
    for path, mode, flags in opens:
        if isinstance(path, int):
            continue
        try:
            path = os.fsdecode(path)
        except TypeError:
            continue
        absolute = os.path.normpath(os.path.join(cwd, path))
        if absolute.startswith(skip_prefixes) or any(fnmatch.fnmatch(absolute, p) for p in ignore_patterns):
            continue
        if isinstance(mode, str):
            writing = any(c in mode for c in "wax+")
            reading = "r" in mode or "+" in mode
        else:
            flags = flags or 0
            writing = bool(flags & _WRITE_FLAGS)
            reading = (flags & os.O_ACCMODE) in (os.O_RDONLY, os.O_RDWR)
        if reading:
            reads.setdefault(absolute, None)
        if writing:
            writes.setdefault(absolute, None)
    return FileAccess([p for p in reads if os.path.isfile(p)], [p for p in writes if os.path.isfile(p)])
