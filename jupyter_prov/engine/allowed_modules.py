"""Which modules a process class may be imported from: never just because a row names one.

A stored process is continued by importing its class by the name in its process type
(``module:qualname``). Importing a module runs its code, and a process type is only a string in a
database row, an archive or a message: before this rule any such string made a daemon worker import
any module on its path. A module is imported only if it is **allowed** in this profile:

- ``jupyter_prov`` itself (shell jobs, graphs, built-in processes) and ``__main__`` (the running
  program: importing it runs nothing new; in a notebook it is the notebook's own code);
- the modules of installed plugins (entry points in the ``jupyter_prov.*`` groups);
- the profile option ``daemon_allowed_modules``: module names, each allowing its submodules too;
- the modules of processes *created* in this profile, by code that ran here (``submit``, ``run``,
  work chain children, a shell job's parser): each OS process notes a module the first time it
  creates a process from it, in ``<profile folder>/created-process-modules.txt``, before the process
  is stored. So ``submit(add)`` with ``add`` from ``mymodule`` just works in every worker, while an
  archive, a database row or a broker message cannot add a module (they never write that file).

The file is local to the profile folder: workers on another machine sharing the database see it only
if the profile folder is shared; otherwise name the modules in ``daemon_allowed_modules`` there.
The check costs one set lookup per import (the file is read again only on a miss, when it changed).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from ..errors import ProcessError

#: the file in the profile folder listing modules processes were created from (one per line)
RECORD_NAME = "created-process-modules.txt"
ALWAYS_ALLOWED = ("jupyter_prov", "__main__")
OPTION = "daemon_allowed_modules"
log = logging.getLogger("jupyter_prov.engine.allowed_modules")


class ModuleNotAllowed(ProcessError):
    """A process type names a module this profile does not allow importing (the message says how to allow it)."""


class _Record:
    """The modules of one profile's record file, read again when the file changed."""

    def __init__(self, path: Path | None):
        self.path = path
        self.modules: set[str] = set()
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def refresh(self) -> None:
        if self.path is None:
            return
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        with self._lock:
            text = self.path.read_text(encoding="utf-8", errors="replace")
            self.modules.update(line.strip() for line in text.splitlines() if line.strip())
            self._stamp = stamp

    def add(self, modules: Iterable[str]) -> None:
        new = [m for m in modules if m and m not in self.modules]
        if not new:
            return
        self.refresh()
        new = [m for m in dict.fromkeys(new) if m not in self.modules]
        if not new:
            return
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # one short append per write: atomic with O_APPEND, so several kernels and workers may add at once
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, "".join(f"{m}\n" for m in new).encode())
                finally:
                    os.close(fd)
            except OSError as exc:  # this OS process may still run them; a worker's refusal says how to allow them
                log.warning("could not note the modules %s in %s (%s): daemon workers will not import them unless "
                            "the profile option %s names them", ", ".join(new), self.path, exc, OPTION)
        self.modules.update(new)


_records: dict[str, _Record] = {}
_records_lock = threading.Lock()
_plugin_modules: tuple[str, ...] | None = None


def _profile():
    from ..orm import current

    return current.get_profile()


def _record() -> _Record:
    profile = _profile()
    key = "" if profile is None else profile.name
    with _records_lock:
        record = _records.get(key)
        if record is None:
            record = _records[key] = _Record(None if profile is None else profile.folder / RECORD_NAME)
    return record


def _plugins() -> tuple[str, ...]:
    global _plugin_modules
    if _plugin_modules is None:
        from importlib.metadata import entry_points

        groups = [group for group in entry_points().groups if group.startswith("jupyter_prov.")]
        found = {ep.module for group in groups for ep in entry_points(group=group)}
        _plugin_modules = tuple(sorted(found))
    return _plugin_modules


def configured() -> tuple[str, ...]:
    """The profile option ``daemon_allowed_modules`` (a list, or one comma-separated string)."""
    profile = _profile()
    value = profile.options.get(OPTION) if profile is not None else None
    if isinstance(value, str):
        value = value.split(",")
    return tuple(str(v).strip() for v in value or () if str(v).strip())


def _within(module: str, packages: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def remember(process_types: Iterable[str | None]) -> None:
    """Note the modules of processes created here (``"module:qualname"``), so workers may import them."""
    record = _record()
    modules = [t.partition(":")[0] for t in process_types if t and ":" in t]
    modules = [m for m in modules if m not in record.modules and not _within(m, ALWAYS_ALLOWED)]
    if modules:
        record.add(modules)


def is_allowed(module: str) -> bool:
    """Whether a process class may be imported from ``module`` in the current profile."""
    record = _record()
    if module in record.modules or _within(module, ALWAYS_ALLOWED) or _within(module, configured()):
        return True
    record.refresh()
    return module in record.modules or _within(module, _plugins())


def check(process_type: str) -> None:
    """Raise :class:`ModuleNotAllowed` (naming the process type) unless its module may be imported here."""
    module = process_type.partition(":")[0]
    if is_allowed(module):
        return
    profile = _profile()
    name = profile.name if profile is not None else "(none)"
    raise ModuleNotAllowed(
        f"process type {process_type!r}: module {module!r} is not allowed to be imported in profile {name!r}, so the "
        "process is not run. A process class is imported only from jupyter_prov, installed plugins, modules that "
        "processes were created from in this profile, or the profile option daemon_allowed_modules. If you trust "
        f"this code: `jprov profile set {name} {OPTION} {module}` (comma-separated for several modules)")


__all__ = ["ModuleNotAllowed", "check", "configured", "is_allowed", "remember"]
