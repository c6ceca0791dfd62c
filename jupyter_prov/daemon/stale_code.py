"""Does a failing process fail because its daemon worker runs an old copy of a module?

A worker imports a module once; a scientist who edits ``mywork.py`` and submits again reaches a worker
that still has the old code in memory (a new function is "not an attribute", a changed signature is a
``TypeError``). The failure then says so and names the fix, ``jprov daemon restart``.

How it is told apart: the worker notes each module file's size and modification time the first time it
sees the module loaded (:meth:`CodeWatch.note_loaded`, after every process it runs: one ``stat`` per new
module, nothing for modules seen before), and the ``source_hash`` of each process type it ran while
that type's module file was unchanged (the code it has in memory). Then:

- **before a run**: if the module of the process type changed on disk since, and the source the submitter
  recorded on the node (its ``source_hash`` attribute) is not the one this worker is known to run, the
  process is not run with the old code (which would record results under the new code's name); it
  ends excepted with the note. The check costs one ``stat`` per process module and no query while no
  module file changed.
- **after a failure**: the files in its traceback outside jupyter-prov (a helper module the scientist
  edited) are compared with what was noted; the note goes to the process's report.

Files never noted (imported by the failing run itself) are fresh, so a first import never raises a
false alarm.
"""

from __future__ import annotations

import os
import re
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PACKAGE = str(Path(__file__).resolve().parents[1])
_STDLIB = tuple(str(Path(p).resolve()) for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]})
_TRACEBACK_FILE = re.compile(r'File "([^"]+)", line \d+')

RESTART_HINT = "run `jprov daemon restart` so the workers import the current code, then submit again"


def _stat(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


class CodeWatch:
    """The module files a worker has loaded, as they were when it first saw them."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[int, int] | None] = {}
        self._seen_modules: set[str] = set()
        self._module_count = 0
        #: module files of the process types run here, and the source hash each type ran with
        self._process_files: set[str] = set()
        self._ran: dict[str, str | None] = {}

    def ran(self, node: Any, started_ns: int | None = None) -> None:
        """``node`` ran here: note its module and, if that file is unchanged, the source hash it ran with.

        ``started_ns`` is when the run began (``time.time_ns()``): a module first seen now whose file was
        modified after that may have been edited after the run imported it (the run's result is committed
        before this is called, so a scientist may already be editing), and counts as changed.
        """
        self.note_loaded(started_ns)
        process_type = node.process_type or ""
        path = _module_file(process_type)
        if path is None or process_type in self._ran:
            return
        self._process_files.add(path)
        if not self.changed([path]):
            self._ran[process_type] = node.get_attribute("source_hash", None)

    def stale_before_run(self, load: Callable[[], Any]) -> tuple[Any, str] | None:
        """``(node, note)`` if the process ``load()`` returns must not run on this worker's old code, else None.

        ``load`` is called only when a process module file changed since this worker imported it.
        """
        if not self._process_files or not self.changed(list(self._process_files)):
            return None
        try:
            node = load()
        except Exception:  # noqa: BLE001 - gone or unreadable: the run itself reports it
            return None
        process_type = getattr(node, "process_type", None) or ""
        path = _module_file(process_type)
        if path is None or not self.changed([path]):
            return None
        if process_type in self._ran and self._ran[process_type] == node.get_attribute("source_hash", None):
            return None  # the module changed, but not this process's code
        # path is the module's file and changed, so stale_note names it; the fallback only keeps the note a str
        return node, self.stale_note(process_type) or f"{path} changed after this worker imported it; {RESTART_HINT}"

    def note_loaded(self, started_ns: int | None = None) -> None:
        """Note the files of modules loaded since the last call (the standard library is skipped).

        A file modified at or after ``started_ns`` is noted as already changed (see :meth:`ran`): a later
        process of its module is then refused with the restart hint rather than run on code that may be old.
        """
        if len(sys.modules) == self._module_count:  # nothing new imported: the common case, no scan
            return
        self._module_count = len(sys.modules)
        for name, module in list(sys.modules.items()):
            if name in self._seen_modules:
                continue
            self._seen_modules.add(name)
            path = getattr(module, "__file__", None)
            if not isinstance(path, str) or not path.endswith(".py"):
                continue
            path = os.path.realpath(path)
            if path.startswith(_STDLIB) or path in self._files:
                continue
            stat = _stat(path)
            if stat is not None and started_ns is not None and stat[0] >= started_ns:
                stat = (stat[0], -1)  # no real size matches: the file counts as changed since the import
            self._files[path] = stat

    def changed(self, paths: list[str]) -> list[str]:
        """The noted files among ``paths`` whose size or modification time differs now."""
        found = []
        for path in dict.fromkeys(os.path.realpath(p) for p in paths):
            if path in self._files and _stat(path) != self._files[path]:
                found.append(path)
        return found

    def stale_note(self, process_type: str | None, traceback_text: str = "") -> str | None:
        """One line naming the stale module(s) and the fix, or ``None`` if this worker's code is current."""
        paths = [p for p in _TRACEBACK_FILE.findall(traceback_text) if not p.startswith(_PACKAGE)]
        module_name = (process_type or "").partition(":")[0]
        module_file = getattr(sys.modules.get(module_name), "__file__", None)
        if isinstance(module_file, str):
            paths.insert(0, module_file)
        changed = self.changed(paths)
        if not changed:
            return None
        names = ", ".join(_module_name(path) for path in changed)
        return (f"this daemon worker (pid {os.getpid()}) runs an old copy of {names}: the file changed after the "
                f"worker imported it; {RESTART_HINT}")


def _module_file(process_type: str) -> str | None:
    module = sys.modules.get(process_type.partition(":")[0])
    path = getattr(module, "__file__", None)
    return os.path.realpath(path) if isinstance(path, str) else None


def _module_name(path: str) -> str:
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and os.path.realpath(file) == path:
            return f"module {name!r} ({path})"
    return path
