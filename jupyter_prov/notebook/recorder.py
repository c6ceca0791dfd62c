"""The recorder: IPython's ``pre_run_cell``/``post_run_cell`` events → cell records for the writer thread.

On the kernel thread it only does what must happen while the values are there: parse the cell,
fingerprint the values it reads (before) and the names that changed (after), copy small values, note the
files opened. Hashing of large values, building nodes and writing the database happen on the
:class:`~jupyter_prov.notebook.writer.ProvenanceWriter` thread.

Which names a cell *changed*: names it binds (syntax), names whose object identity changed in the
namespace (``global`` in a function, ``exec``, a magic), and names it read whose value changed in place
(``a.append(1)``, ``df["x"] = ...``). A value that changes while nothing records (``%provenance off``,
``%%provenance skip``) is noticed when a recorded cell next reads it, and enters the graph then, without
a creator.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import uuid
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any

from ..orm import callers
from . import file_audit
from .capture import CapturePolicy, capture, fingerprint
from .cell_analysis import analyse_cell
from .cell_records import CellRecord, FileSnapshot
from .streams import CellStreams
from .writer import ProvenanceWriter

_MAGIC_PREFIXES = ("%provenance", "%%provenance", "%load_ext jupyter_prov", "%reload_ext jupyter_prov",
                   "%unload_ext jupyter_prov")
_IMMUTABLE = (int, float, str, bool, bytes, type(None))
#: a key put at the end of the namespace when a recorded cell starts (and removed when it ends): the
#: names after it are the names the cell added. Dicts keep insertion order, so finding them costs as much
#: as there are new names, not as much as the namespace holds (IPython adds an ``_iN`` per cell).
NAMESPACE_MARK = "_jprov_cell_start"


def is_provenance_control(source: str) -> bool:
    """A cell that only holds provenance magics is not itself recorded."""
    lines = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and (lines[0].startswith("%%provenance") or all(line.startswith(_MAGIC_PREFIXES) for line in lines))


def _new_names(ns: dict[str, Any]) -> list[str]:
    """The names inserted into ``ns`` since the cell started (and the start mark removed).

    A name deleted and bound again counts as new (it moved to the end). Without the mark (the cell
    cleared the namespace: ``%reset``) every name is a candidate.
    """
    if NAMESPACE_MARK not in ns:
        return list(ns)
    names = []
    for name in reversed(ns):
        if name == NAMESPACE_MARK:
            break
        names.append(name)
    del ns[NAMESPACE_MARK]
    return names


def running_cell_number(shell: Any) -> int | None:
    """The ``In [N]`` of the cell that is running now, as IPython itself numbers its ``Out [N]``.

    ``shell.execution_count`` is not it on every release: IPython 9.x (ipython/ipython#15088) increments
    it before ``pre_run_cell``, 8.x after the cell. The display hook's ``prompt_count`` changed with it
    (``execution_count`` on 8.x, ``execution_count - 1`` on 9.x): IPython's own number of the running
    cell, on both. ``post_run_cell`` then takes ``ExecutionResult.execution_count`` (set by IPython on
    every release), see :meth:`Recorder._end_cell`.
    """
    count = getattr(getattr(shell, "displayhook", None), "prompt_count", None)
    if isinstance(count, int):
        return count
    count = getattr(shell, "execution_count", None)
    return count if isinstance(count, int) else None


class _ActiveCell:
    """The cell that runs now: filled by ``pre_run_cell``, read by ``post_run_cell``."""

    __slots__ = ("caller_cm", "info", "read_prints", "record", "static_writes", "streams", "t0")
    caller_cm: AbstractContextManager[Any]
    info: Any
    read_prints: dict[str, tuple[int, str]]
    record: CellRecord
    static_writes: list[str]
    streams: CellStreams | None
    t0: float


class Recorder:
    """Records the cells of one IPython shell. One per kernel (see :mod:`jupyter_prov.notebook.extension`)."""

    def __init__(self, shell: Any, policy: CapturePolicy | None = None):
        self.shell = shell
        self.policy = policy or CapturePolicy()
        self.session = str(uuid.uuid4())
        self.enabled = True
        #: why recording cannot start (the profile did not load at ``%load_ext``), one line; None when fine
        self.problem: str | None = None
        self.ignored: set[str] = set()
        self.tracked: set[str] = set()
        self.known: dict[str, tuple[int, str]] = {}
        self.function_globals: dict[str, list[str]] = {}
        self.sequence = 0
        self.errors: list[str] = []
        self._reported = 0
        self._active: _ActiveCell | None = None
        self._depth = 0
        self.hook_seconds: list[float] = []
        self.measure = False
        self.hidden = set(getattr(shell, "user_ns_hidden", {}) or {})
        self.started_at = datetime.now(timezone.utc)
        self.writer = ProvenanceWriter(self.policy, self._writer_error, (self.session, self.started_at))

    # ---- reporting -----------------------------------------------------------------------------
    def _writer_error(self, message: str) -> None:
        self.errors.append(message)

    def _report_errors(self) -> None:
        """Say once, in the cell's output, that recording failed; later failures are only counted."""
        if len(self.errors) > self._reported:
            new = self.errors[self._reported:]
            first = self._reported == 0
            self._reported = len(self.errors)
            if first:
                try:
                    print(f"jupyter-prov: recording failed; your cells run normally. {new[0]}\n"
                          "(further recording errors are only counted: see `%provenance status`)", file=sys.stderr)
                except Exception:  # noqa: BLE001, S110
                    pass

    def _fail(self, where: str, exc: BaseException) -> None:
        self.errors.append(f"{where}: {type(exc).__name__}: {exc}")

    # ---- names ---------------------------------------------------------------------------------
    def trackable(self, name: str) -> bool:
        if name in self.tracked:
            return True
        return not name.startswith("_") and name not in self.ignored and name not in self.hidden

    def _cell_id(self, info: Any) -> str | None:
        """The notebook cell's id: recent releases pass it on (``ExecutionInfo.cell_id``); IPython 8.0 with
        ipykernel 6.7 do not, and it is only in the request's metadata (``cellId``, as JupyterLab sends it)."""
        cell_id = getattr(info, "cell_id", None)
        if cell_id:
            return cell_id
        try:
            request = self.shell.get_parent() if hasattr(self.shell, "get_parent") else None
            cell_id = (request or {}).get("metadata", {}).get("cellId")
        except Exception:  # noqa: BLE001 - not a kernel's shell (terminal) or another message shape
            return None
        return cell_id if isinstance(cell_id, str) else None

    def notebook_path(self) -> str | None:
        """The notebook file's path as Jupyter tells the kernel (``__session__``, ``JPY_SESSION_NAME``), if any."""
        ns = self.shell.user_ns
        return ns.get("__session__") or os.environ.get("JPY_SESSION_NAME") or ns.get("__vsc_ipynb_file__")

    # ---- events --------------------------------------------------------------------------------
    def pre_run_cell(self, info: Any) -> None:
        self._depth += 1
        if self._depth > 1:
            return
        self.writer.kernel_busy()  # every cell, recorded or not: the writer does not compete with it
        if not self.enabled or getattr(info, "silent", False):
            return
        source = info.raw_cell or ""
        if is_provenance_control(source):
            return
        start = time.perf_counter()
        try:
            self._start_cell(info, source, start)
        except Exception as exc:  # noqa: BLE001 - never break the user's cell
            self._active = None
            self._fail("preparing the cell record", exc)
        if self.measure:
            self.hook_seconds.append(time.perf_counter() - start)

    def _start_cell(self, info: Any, source: str, start: float) -> None:
        ns = self.shell.user_ns
        analysis = analyse_cell(source)
        if analysis.syntax_error is not None:  # IPython syntax (magics, !shell, ?help): transform it first
            try:
                analysis = analyse_cell(self.shell.transform_cell(source))
            except Exception:  # noqa: BLE001, S110
                pass
        for name, names in analysis.function_globals.items():
            self.function_globals[name] = names
        reads = [n for n in analysis.reads if n in ns and self.trackable(n)]
        seen = set(reads)
        stack = list(reads)
        while stack:  # globals read by notebook functions this cell may call, transitively
            for name in self.function_globals.get(stack.pop(), ()):
                if name not in seen and name in ns and self.trackable(name):
                    seen.add(name)
                    reads.append(name)
                    stack.append(name)
        self.sequence += 1
        record = CellRecord(
            sequence=self.sequence, source=source, cell_id=self._cell_id(info),
            execution_count=running_cell_number(self.shell), notebook=self.notebook_path(),
            session=self.session, started_at=datetime.now(timezone.utc), reads=reads,
            analysis={"reads": analysis.reads, "imports": analysis.imports, "defines": analysis.defines,
                      **({"syntax_error": analysis.syntax_error} if analysis.syntax_error else {})},
        )
        active = _ActiveCell()
        active.record = record
        active.info = info
        active.read_prints = {}
        for name in reads:
            obj = ns[name]
            kind, digest = fingerprint(obj, self.policy)
            active.read_prints[name] = (id(obj), digest)
            if self.known.get(name) != (id(obj), digest):
                known = self.known.get(name)
                if known is None or known[1] != digest:
                    record.external[name] = capture(obj, kind, digest, self.policy)
                self.known[name] = (id(obj), digest)
        ns.pop(NAMESPACE_MARK, None)
        ns[NAMESPACE_MARK] = None  # the names inserted after it are new (see _new_names)
        active.static_writes = analysis.writes
        active.streams = CellStreams(self.policy.max_stream_chars) if self.policy.capture_streams else None
        if self.policy.record_files:
            file_audit.start()
        active.caller_cm = callers.calling_context(self._provide_caller)
        active.caller_cm.__enter__()
        active.t0 = start
        self._active = active

    def _provide_caller(self):
        """The cell node, stored now, for a process launched in the cell (called by the engine)."""
        active = self._active
        if active is None:
            return None
        if active.record.early_node is None:
            try:
                self.writer.store_early(active.record)
            except Exception as exc:  # noqa: BLE001 - the process still runs, just without its caller link
                self._fail("storing the cell that launched a process", exc)
                return None
        return active.record.early_node

    def post_run_cell(self, result: Any) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth > 0:
            return
        active, self._active = self._active, None
        if active is None:
            self.writer.kernel_idle()
            self._report_errors()
            return
        start = time.perf_counter()
        try:
            self._end_cell(active, result)
        except Exception as exc:  # noqa: BLE001
            self._fail("finishing the cell record", exc)
        finally:
            if active.streams is not None:
                active.streams.restore()
            file_audit.stop()
            self.shell.user_ns.pop(NAMESPACE_MARK, None)  # when _end_cell failed before taking it out
            self.writer.kernel_idle()
        if self.measure:
            self.hook_seconds[-1] += time.perf_counter() - start
        self._report_errors()

    def _end_cell(self, active: _ActiveCell, result: Any) -> None:
        record = active.record
        record.ended_at = datetime.now(timezone.utc)
        count = getattr(result, "execution_count", None)
        if isinstance(count, int) and record.early_node is None:
            record.execution_count = count  # IPython's own, whatever the release (see running_cell_number)
        try:
            active.caller_cm.__exit__(None, None, None)
        except (ValueError, RuntimeError):
            pass  # the context var was set in another context (async runner); nothing to undo
        opens = file_audit.stop()
        if active.streams is not None:
            record.stdout, record.stderr, record.stdout_chars, record.stderr_chars = active.streams.restore()
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        if error is not None:
            record.success = False
            record.error = {"ename": type(error).__name__, "evalue": str(error)[:2000]}
            record.traceback = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-20000:]
        ns = self.shell.user_ns
        trackable, known = self.trackable, self.known
        candidates: dict[str, None] = {}
        missing = object()
        for name, (obj_id, _digest) in list(known.items()):  # rebound (by any means) or deleted
            obj = ns.get(name, missing)
            if obj is missing:
                del known[name]
                record.deleted.append(name)
            elif id(obj) != obj_id and trackable(name):
                candidates[name] = None
        for name in _new_names(ns):
            if trackable(name):
                candidates[name] = None
        for name in active.static_writes:  # bound by the cell's code (also names not recorded so far)
            if name in ns and trackable(name):
                candidates[name] = None
        for name, (obj_id, digest) in active.read_prints.items():
            obj = ns.get(name, None)
            if obj is not None and id(obj) == obj_id and not isinstance(obj, _IMMUTABLE):
                candidates[name] = None  # check for an in-place change
        for name in candidates:
            obj = ns[name]
            kind, digest = fingerprint(obj, self.policy)
            before = self.known.get(name)
            self.known[name] = (id(obj), digest)
            if before is not None and before[1] == digest:
                continue
            record.outputs[name] = capture(obj, kind, digest, self.policy)
        if opens:
            access = file_audit.classify(opens, self.policy.ignore_file_patterns)
            record.file_reads = [s for s in map(self._snapshot_file, access.reads) if s]
            record.file_writes = [s for s in map(self._snapshot_file, access.writes) if s]
        self.writer.submit(record)

    def _snapshot_file(self, path: str) -> FileSnapshot | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if stat.st_size > self.policy.max_file_bytes:
            return None
        content = None
        if stat.st_size <= self.policy.inline_file_bytes:
            try:
                with file_audit.paused(), open(path, "rb") as handle:
                    content = handle.read()
            except OSError:
                return None
        return FileSnapshot(path, stat.st_size, stat.st_mtime_ns, content)

    # ---- control -------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        from ..orm import current

        profile = current.get_profile()
        problem = {"problem": f"{self.problem} (fix it, then `%provenance on`)"} if self.problem else {}
        return {
            **problem,
            "profile": profile.name if profile else None,
            "storage": current.get_storage().safe_url if profile else None,
            "recording": "on" if self.enabled else "off",
            "session": self.session,
            "notebook": self.notebook_path(),
            "notebook id": getattr(self.writer.session, "notebook_id", None) or "- (known once a cell is recorded)",
            "environment": (getattr(self.writer.session, "environment_hash", None) or "-")[:12],
            "cells recorded": self.writer.cells_recorded,
            "pending writes": self.writer.pending,
            "variables tracked": len(self.writer.versions),
            "ignored": ", ".join(sorted(self.ignored)) or "-",
            "errors": len(self.errors) + 0,
            "last error": self.errors[-1][:300] if self.errors else "-",
        }

    def close(self, timeout: float | None = 60) -> bool:
        return self.writer.close(timeout)
