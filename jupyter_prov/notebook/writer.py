"""The writer thread: turns cell records into nodes and links, in order, in batches, off the kernel thread.

The *current version* of every recorded variable (name → data node) and of every recorded file
(path → File node) is kept in a :class:`~jupyter_prov.records.versions.NamedVersions` (``writer.named``;
``writer.versions`` is its read-only view of names). A new value whose node hash equals an earlier version
of the same name is that earlier node again (the cell ``return``s it) — unchanged values are the same node. Records queued
together are stored with one :func:`store_all` (one transaction); if a batch fails, its records are
retried one at a time and only the failing one is dropped (and reported).

Link rule for cells (also in ``docs/link-rules.md``): a cell node is stored with all its inputs
(``input_calc`` from the versions of the names it reads and the files it read) and creates the new
versions of the names it wrote (``create``); values that exist already (made by a process it called, or
an earlier version that came back) are ``return``ed. A cell that launches a process is stored at that
moment (the engine links the process with ``call_calc``/``call_work``): its inputs are then those known
before it ran (static reads), and its outputs and outcome are added when it ends.

When the writer works: never while a cell executes. Its Python code would compete with the cell for the
GIL (a thread that wants the GIL takes it after at most one switch interval, so a busy writer slows a
cell down by up to half). The recorder marks the kernel busy in ``pre_run_cell`` and idle in
``post_run_cell``; the writer starts once the kernel has been idle for ``IDLE_DEBOUNCE_SECONDS`` (it is
sending the cell's reply meanwhile) and stops at the next pause point when a cell starts: between
records, between the stages of a batch, between the 1 MiB pieces of a large array. It does not pause
inside a database transaction. Exceptions, so that nothing waits forever and memory stays bounded:
someone waits for it (``flush``, a cell launching a process, kernel shutdown); the records waiting hold
``PRESSURE_BYTES`` of values (copies, and live arrays they keep alive) or ``PRESSURE_RECORDS`` records
(cells run back to back with no pause, as in ``nbconvert --execute``); and after ``STARVATION_SECONDS`` without a quiet moment it
takes any idle moment, however short.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import traceback as traceback_module
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..orm import current
from ..orm.links import LINK_LABEL, LinkType
from ..orm.nodes.node import Node, store_all
from ..orm.nodes.process import CellExecutionNode, ProcessState
from ..orm.record_queries import finish_processes, warm_up_storage
from ..records.versions import CurrentNames, NamedVersions
from .capture import Captured, CapturePolicy, build_node
from .cell_records import CellRecord, FileSnapshot

if TYPE_CHECKING:
    from .sessions import KernelSession

INLINE_STREAM_CHARS = 4096
BATCH_MAX = 100
#: a record holding this many bytes of values is written in a batch of its own, after the records
#: before it are committed: a short shutdown (Jupyter SIGTERMs a kernel 2.5 s after asking it to stop)
#: must not lose every small cell behind one large array
LARGE_RECORD_BYTES = 64 << 20
#: after a cell ends, the writer waits until the kernel has been idle this long (it is sending the reply)
IDLE_DEBOUNCE_SECONDS = 0.02
#: records waiting longer than this: the writer takes any idle moment between cells, however short
STARVATION_SECONDS = 2.0
#: the writer works even while a cell runs when the waiting records hold this much (copies, live values)
PRESSURE_BYTES = 1 << 30
#: ... or when this many records wait
PRESSURE_RECORDS = 2000


def variable_label(name: str) -> str:
    """The link label of a variable: its name, or a stable ASCII stand-in for a non-ASCII name."""
    if LINK_LABEL.fullmatch(name) and len(name) <= 200:
        return name
    import hashlib

    return "v_" + hashlib.sha1(name.encode()).hexdigest()[:16]


def file_label(path: str) -> str:
    base = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in os.path.basename(path))
    return f"file_{base[:120]}"


def _held_bytes(record: CellRecord) -> int:
    return sum(c.nbytes for c in record.outputs.values()) + sum(c.nbytes for c in record.external.values())


def _unique(label: str, used: set[str]) -> str:
    candidate, n = label, 2
    while candidate in used:
        candidate, n = f"{label}_{n}", n + 1
    used.add(candidate)
    return candidate


@dataclass
class _Plan:
    record: CellRecord
    cell: CellExecutionNode
    new_nodes: list[Node] = field(default_factory=list)
    returns: list[tuple[Node, str]] = field(default_factory=list)
    used_out: set[str] = field(default_factory=set)
    #: the outcome and seal written after the batch, in one statement for the batch (early cells, cells with returns)
    finish: dict[str, Any] | None = None


class ProvenanceWriter:
    """A daemon thread with a queue of :class:`CellRecord` (and flush markers)."""

    def __init__(self, policy: CapturePolicy, on_error: Callable[[str], None],
                 session: tuple[str, datetime] | None = None):
        self.policy = policy
        self.on_error = on_error
        #: the kernel session (environment, notebook identity) stored with the first batch; None: not recorded.
        #: Made on the writer thread, once the kernel is idle (its imports cost 7-23 ms at load 8: not at %load_ext)
        self.session: KernelSession | None = None
        self._session_key = session
        self.lock = threading.RLock()
        #: current versions of names and files, and every version seen (see :mod:`jupyter_prov.records.versions`)
        self.named = NamedVersions()
        #: name → current data node (read-only)
        self.versions = CurrentNames(self.named)
        self.cell_pks: list[int] = []
        self.cells_recorded = 0
        self.failures = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._held_bytes = 0
        self._pending_lock = threading.Lock()
        # when the writer may run (see the module's docstring): the kernel idle for a moment, or urgent
        self._idle_condition = threading.Condition()
        self._kernel_idle = True
        self._idle_since = time.perf_counter()
        self._waiting_since: float | None = None
        self._urgent = 0
        self._stopping = False
        #: seconds the writer spent waiting at pause points (a cell executing, or its quiet period)
        self.paused_seconds = 0.0
        #: ``time.perf_counter()`` of every pause point the writer passed, when ``measure`` is set
        self.gate_passes: list[float] = []
        self.measure = False
        self._pack: dict[str, bytes] | None = None
        self._thread = threading.Thread(target=self._run, name="jupyter-prov-writer", daemon=True)
        self._thread.start()

    # ---- kernel-thread API ---------------------------------------------------------------------
    def submit(self, record: CellRecord) -> None:
        held = _held_bytes(record)
        with self._pending_lock:
            self._pending += 1
            self._held_bytes += held
        self._queue.put((record, held, time.perf_counter()))
        if self._under_pressure():
            with self._idle_condition:
                self._idle_condition.notify_all()  # a writer paused for the running cell goes on now

    @property
    def pending(self) -> int:
        """Cell records queued or being written."""
        return self._pending

    @property
    def held_bytes(self) -> int:
        """Bytes of values (copies and live arrays/tables) that the records waiting to be written hold."""
        return self._held_bytes

    def kernel_busy(self) -> None:
        """A cell starts executing: the writer pauses at its next pause point."""
        self._kernel_idle = False  # a plain store: the writer reads it at its pause points

    def kernel_idle(self) -> None:
        """The cell ended: the writer may start after ``IDLE_DEBOUNCE_SECONDS`` of quiet."""
        with self._idle_condition:
            self._idle_since = time.perf_counter()
            self._kernel_idle = True  # after _idle_since: gate() reads them without the lock
            self._idle_condition.notify_all()

    def _under_pressure(self) -> bool:
        return self._held_bytes >= PRESSURE_BYTES or self._pending >= PRESSURE_RECORDS

    def gate(self) -> None:
        """A pause point of the writer thread: returns when the writer may run (see the module docstring).

        Called with no database transaction open and no repository lock held; a no-op on other threads
        (on the kernel thread, ``store_early`` plans a cell node while the cell runs).
        """
        if threading.get_ident() != self._thread.ident:
            return
        now = time.perf_counter()  # read before the flags: a pass is never later than the state it saw
        if self._urgent or self._stopping or (self._kernel_idle and now - self._idle_since >= IDLE_DEBOUNCE_SECONDS):
            if self.measure:
                self.gate_passes.append(now)
            return
        paused_from = now
        with self._idle_condition:
            while True:
                now = time.perf_counter()
                if self._urgent or self._stopping or self._under_pressure():
                    break
                if self._kernel_idle:
                    quiet = now - self._idle_since
                    starving = self._waiting_since is not None and now - self._waiting_since >= STARVATION_SECONDS
                    if quiet >= IDLE_DEBOUNCE_SECONDS or starving:
                        break
                    self._idle_condition.wait(IDLE_DEBOUNCE_SECONDS - quiet)
                else:
                    # woken by kernel_idle, flush and close; the timeout only re-checks starvation/pressure
                    self._idle_condition.wait(STARVATION_SECONDS)
        self.paused_seconds += now - paused_from
        if self.measure:
            self.gate_passes.append(now)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is written; ``False`` on timeout."""
        if not self._thread.is_alive():
            return self._pending == 0
        done = threading.Event()
        with self._idle_condition:
            self._urgent += 1
            self._idle_condition.notify_all()
        try:
            self._queue.put(done)
            return done.wait(timeout)
        finally:
            with self._idle_condition:
                self._urgent -= 1

    def close(self, timeout: float | None = 60) -> bool:
        ok = self.flush(timeout)
        with self._idle_condition:
            self._stopping = True
            self._idle_condition.notify_all()
        self._queue.put(None)
        return ok

    def store_early(self, record: CellRecord) -> CellExecutionNode:
        """Store the cell node now (it is launching a process): everything queued before it first."""
        self.flush()
        with self.lock:
            self._ensure_session([record])
            self.named.begin()
            plan = self._plan_inputs(record, ProcessState.RUNNING)
            try:
                store_all(plan.new_nodes)
            except BaseException:
                self.named.rollback()
                raise
            self.named.commit()
            record.external = {}
            record.early_node = plan.cell
            self._remember_cell(plan.cell)
            return plan.cell

    # ---- writer thread ------------------------------------------------------------------------
    def _run(self) -> None:
        self._waiting_since = time.perf_counter()  # the warm-up, too, takes a short gap after a while
        self.gate()
        self._warm_up()
        if self._session_key is not None:
            self.gate()
            try:
                from .sessions import KernelSession

                self.session = KernelSession(*self._session_key)
                self.session.capture()
            except Exception as exc:  # noqa: BLE001 - the cells are recorded all the same
                self.on_error(f"reading the environment failed: {type(exc).__name__}: {exc}")
                self.session = None
        self._waiting_since = None
        carried = None  # a large record that ended the previous batch before it
        while True:
            item, carried = (carried, None) if carried is not None else (self._queue.get(), None)
            batch: list[CellRecord] = []
            held = 0
            markers: list[threading.Event] = []
            stop = False
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    markers.append(item)
                    break  # write what came before the marker, then release it
                else:
                    record, size, submitted = item
                    if batch and size >= LARGE_RECORD_BYTES:
                        carried = item  # commit the records before it first
                        break
                    if not batch:
                        self._waiting_since = submitted
                    batch.append(record)
                    held += size
                    if size >= LARGE_RECORD_BYTES:
                        break
                if stop or len(batch) >= BATCH_MAX:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                try:
                    self.gate()
                    with self.lock:
                        self._write(batch)
                except BaseException as exc:  # noqa: BLE001 - the thread must survive anything
                    self.failures += len(batch)
                    self.on_error(f"recording {len(batch)} cell(s) failed: {type(exc).__name__}: {exc}")
                finally:
                    self._waiting_since = None
                    with self._pending_lock:
                        self._pending -= len(batch)
                        self._held_bytes -= held
            for marker in markers:
                marker.set()
            if stop:
                return

    def _warm_up(self) -> None:
        """Open the storage and the repository now, between cells, not while the first record waits."""
        try:
            storage = current.get_storage()
            warm_up_storage()
            storage.repository.container  # noqa: B018 - creates the container (reads its config)
            from ..orm.logs import Log  # noqa: F401 - imported now rather than by the first failing cell
            from ..orm.nodes.array import Array  # noqa: F401
            from ..orm.nodes.files import File  # noqa: F401
        except Exception:  # noqa: BLE001, S110 - a real problem is reported by the first write
            pass

    def _ensure_session(self, records: list[CellRecord]) -> None:
        """Store the session node before the first cell that names it (once; a failure is reported once)."""
        session = self.session
        if session is None or session.node is not None:
            return
        try:
            session.ensure_stored(records[0].notebook, [r.cell_id for r in records if r.cell_id])
        except Exception as exc:  # noqa: BLE001 - the cells are recorded all the same, without a session node
            self.on_error(f"recording the kernel session failed: {type(exc).__name__}: {exc}")
            self.session = None

    def _write(self, records: list[CellRecord]) -> None:
        self._ensure_session(records)
        self.named.begin()
        self._pack = {}
        try:
            plans = []
            for record in records:
                self.gate()
                plans.append(self._plan(record))
            self.gate()
            if self._pack:  # the small files of the whole batch into one pack (one write, one index commit)
                contents = list(self._pack.values())
                keys = current.get_storage().repository.put_many_bytes(contents)
                if keys != list(self._pack):
                    raise RuntimeError("the repository addressed packed values by another hash than SHA-256")
            self.gate()
            store_all([node for plan in plans for node in plan.new_nodes])
        except Exception as exc:  # noqa: BLE001 - reported; the other records of the batch are retried
            self.named.rollback()
            if len(records) == 1:
                record = records[0]
                self.failures += 1
                self.on_error(
                    f"cell [{record.execution_count}] was not recorded: {type(exc).__name__}: {exc}"
                )
                return
            for record in records:
                self._write([record])
            return
        # returns, outcomes, seals and logs of the whole batch in one transaction (one commit, not one per link)
        storage = current.get_storage()
        self.gate()
        try:
            with storage.transaction():
                for plan in plans:
                    self._finish(plan, strict=True)
                finish_processes([(plan.cell, plan.finish) for plan in plans if plan.finish is not None])
        except Exception:  # noqa: BLE001 - rolled back: finish them one by one, reporting what fails
            for plan in plans:
                plan.finish = None
                self._finish(plan)
        self.named.commit()
        for plan in plans:
            if plan.record.early_node is None:
                self._remember_cell(plan.cell)
            self.cells_recorded += 1

    def _remember_cell(self, cell: CellExecutionNode) -> None:
        """A stored cell of this session (``%provenance export`` and ``history`` read ``cell_pks``)."""
        if cell.pk is not None:
            self.cell_pks.append(cell.pk)

    # ---- planning: nodes and links of one record -----------------------------------------------
    def _version(self, name: str, captured: Captured) -> tuple[Node, bool]:
        """(node, is new) of a value of ``name``: an earlier version with the same hash, or a new node."""
        node = build_node(captured, policy=self.policy, pack=self._pack, gate=self.gate)
        if node.is_stored:
            return node, False
        node.label = name[:255]
        digest = node.compute_hash()
        existing = self.named.earlier(name, digest)
        if existing is not None:
            return existing, False
        self.named.remember(name, digest, node)
        return node, True

    def _file_node(self, snapshot: FileSnapshot) -> tuple[Node, bool]:
        from ..orm.nodes.files import File

        node = File(filename=os.path.basename(snapshot.path) or "file")
        if snapshot.content is not None:
            node.set_content(snapshot.content)
        else:
            node.put_file(node.filename, snapshot.path)
            try:
                stat = os.stat(snapshot.path)
                if (stat.st_size, stat.st_mtime_ns) != (snapshot.size, snapshot.mtime_ns):
                    node.set_attribute("changed_after_cell", True)
            except OSError:
                pass
        node.set_attribute("path", snapshot.path)
        node.label = os.path.basename(snapshot.path)[:255]
        digest = node.compute_hash()
        existing = self.named.earlier(snapshot.path, digest, file=True)
        if existing is not None:
            return existing, False
        self.named.remember(snapshot.path, digest, node, file=True)
        return node, True

    def _new_cell(self, record: CellRecord, state: ProcessState) -> CellExecutionNode:
        count = record.execution_count
        cell = CellExecutionNode(process_label="cell", label=f"cell [{count if count is not None else ' '}]")
        cell.set_attribute_many({
            "source": record.source,
            "cell_id": record.cell_id,
            "execution_count": count,
            "notebook": record.notebook,
            "session": record.session,
            "sequence": record.sequence,
            "started_at": record.started_at.isoformat(),
            "reads": record.analysis.get("reads", []),
            "imports": record.analysis.get("imports", []),
            "defines": record.analysis.get("defines", []),
        })
        if self.session is not None:
            cell.set_attribute_many(self.session.cell_attributes())
            if record.analysis.get("imports"):
                modules = self.session.local_modules(record.analysis["imports"])
                if modules:
                    cell.set_attribute("local_modules", modules)
        cell.set_attribute("process_state", state.value)  # recorded after the fact: no transitions to walk
        return cell

    def _plan_inputs(self, record: CellRecord, state: ProcessState) -> _Plan:
        """The cell node with its inputs, and the creator-less nodes of values changed while not recording."""
        plan = _Plan(record, self._new_cell(record, state))
        for name, captured in record.external.items():
            node, new = self._version(name, captured)
            if new:
                plan.new_nodes.append(node)
            self.named.set_current(name, node)
        used: set[str] = set()
        for name in record.reads:
            read = self.named.current(name)
            if read is not None:
                plan.cell.add_incoming(read, LinkType.INPUT_CALC, _unique(variable_label(name), used))
        written = {s.path for s in record.file_writes}
        for snapshot in record.file_reads:
            if snapshot.path in written:  # read and rewritten: the input is the version before, if known
                before = self.named.current_file(snapshot.path)
                if before is None:
                    continue
                file_node = before
            else:
                file_node, new = self._file_node(snapshot)
                if new:
                    plan.new_nodes.append(file_node)
                self.named.set_current_file(snapshot.path, file_node)
            plan.cell.add_incoming(file_node, LinkType.INPUT_CALC, _unique(file_label(snapshot.path), used))
        plan.new_nodes.append(plan.cell)
        return plan

    def _output(self, plan: _Plan, label: str, node: Node, new: bool) -> None:
        label = _unique(label, plan.used_out)
        if not new:
            plan.returns.append((node, label))
        else:
            node.add_incoming(plan.cell, LinkType.CREATE, label)
            plan.new_nodes.append(node)

    def _plan(self, record: CellRecord) -> _Plan:
        if record.early_node is not None:
            plan = _Plan(record, record.early_node)
        else:
            plan = self._plan_inputs(record, ProcessState.FINISHED if record.success else ProcessState.EXCEPTED)
        for name, captured in record.outputs.items():
            node, new = self._version(name, captured)
            if node is self.named.current(name):
                continue
            self.named.set_current(name, node)
            self._output(plan, variable_label(name), node, new)
        for name in record.deleted:
            self.named.drop(name)
        for snapshot in record.file_writes:
            node, new = self._file_node(snapshot)
            if node is self.named.current_file(snapshot.path):
                continue
            self.named.set_current_file(snapshot.path, node)
            self._output(plan, file_label(snapshot.path), node, new)
        if record.early_node is None:
            plan.cell.set_attribute_many(self._outcome(record, plan.cell))
            if not plan.returns:
                plan.cell.set_attribute("sealed", True)
        return plan

    def _outcome(self, record: CellRecord, cell: CellExecutionNode) -> dict[str, Any]:
        outcome: dict[str, Any] = {
            "process_state": (ProcessState.FINISHED if record.success else ProcessState.EXCEPTED).value,
            "exit_status": 0 if record.success else 1,
            "exit_message": None if record.success or record.error is None
            else f"{record.error['ename']}: {record.error['evalue']}"[:1000],
            "ended_at": record.ended_at.isoformat() if record.ended_at else None,
            "duration_ms": round((record.ended_at - record.started_at).total_seconds() * 1000, 3) if record.ended_at else None,
            "writes": sorted(record.outputs),
            "error": record.error,
        }
        for stream in ("stdout", "stderr"):
            text, total = getattr(record, stream), getattr(record, f"{stream}_chars")
            outcome[stream] = text[:INLINE_STREAM_CHARS]
            if total > INLINE_STREAM_CHARS and not cell.is_stored:
                outcome[f"{stream}_chars"] = total  # the whole count; the text kept is in {stream}.txt
                cell.put_file(f"{stream}.txt", text.encode("utf-8", "replace"))
        return outcome

    def _finish(self, plan: _Plan, strict: bool = False) -> None:
        """After the batch is stored: returns, the outcome of early cells, seal, error log.

        ``strict`` raises on the first problem (the caller's transaction then rolls back and retries
        record by record); otherwise problems are reported and the rest is still done.
        """
        record, cell = plan.record, plan.cell
        for node, label in plan.returns:
            try:
                node.add_incoming(cell, LinkType.RETURN, label)
            except Exception as exc:
                if strict:
                    raise
                self.on_error(f"cell [{record.execution_count}]: output {label!r} not linked: {exc}")
        try:
            if strict and (record.early_node is not None or plan.returns):
                # the outcome and the seal of the batch's cells go in one executemany (see _write)
                outcome = self._outcome(record, cell) if record.early_node is not None else {}
                plan.finish = {**outcome, "sealed": True}
            elif record.early_node is not None:
                outcome = self._outcome(record, cell)
                outcome["sealed"] = True
                cell.set_attribute_many(outcome)
            elif plan.returns:
                cell.seal()
            if record.traceback:
                from ..orm.logs import Log

                Log.store_many([Log(cell, record.traceback, levelname="ERROR", loggername="jupyter_prov.notebook",
                                    metadata={"ename": record.error["ename"] if record.error else None})])
        except Exception as exc:
            if strict:
                raise
            self.on_error(f"finishing the record of cell [{record.execution_count}] failed: {type(exc).__name__}: "
                          f"{exc}\n{traceback_module.format_exc(limit=3)}")
