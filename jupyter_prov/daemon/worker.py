"""A daemon worker: one OS process running many submitted processes at once, in threads.

Where work comes from:

- "continue process X" messages from the broker, acknowledged when the process *starts* here (so an
  unstarted message goes back to the broker if this worker dies, and no acknowledgement stays open
  for the life of a long process);
- a scan of the lease table every ``daemon_scan_seconds``: processes nobody took (a lost message,
  a worker that died or stopped, a woken workflow).

Only processes with a queue row run: ``submit`` writes it in the transaction that stores the process,
in this profile. Nothing else queues a process: not a broker message (one naming a process without
a queue row is acknowledged and dropped), not a row in state ``created`` (an archive's processes are
records: see :mod:`jupyter_prov.engine.imported`).

Each process is run only after winning its lease (:func:`.leases.claim`), by calling the engine's
``continue_process(pk)``, which goes on from the checkpoint in the database until the process is
terminal or waits for children. A terminated child wakes its calling workflow. One heartbeat UPDATE
renews all of this worker's leases; if the worker dies they expire and another worker takes over.

Run as ``python -m jupyter_prov.daemon.worker --profile NAME`` (the supervisor does this).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import inspect
import logging
import os
import signal
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..engine.interrupts import ProcessKilled
from ..engine.states import mark_excepted, mark_killed, mark_paused
from ..orm import current
from ..orm.exceptions import NotExistent
from ..orm.nodes.node import load_node
from ..orm.nodes.process import ProcessNode
from . import leases
from .broker import Broker, BrokerUnreachable
from .daemon_files import DaemonFiles
from .stale_code import CodeWatch

log = logging.getLogger("jupyter_prov.daemon.worker")

DEFAULT_RUNNER = "jupyter_prov.daemon.worker:continue_with_engine"
DEFAULTS = {"daemon_worker_threads": 8, "daemon_lease_seconds": 20.0, "daemon_scan_seconds": 1.0,
            "daemon_grace_seconds": 2.0}


def continue_with_engine(pk: int, interrupted: Callable[[], str | None] | None = None) -> ProcessNode:
    """The default runner: the engine continues ``pk`` until it is terminal, waits on children, or
    ``interrupted()`` asks it to stop at a boundary (a pause or kill request)."""
    from ..engine.runner import continue_process

    return continue_process(pk, run_children=False, interrupted=interrupted)


def load_runner(spec: str) -> Callable[..., Any]:
    """Import ``module:function`` (from the profile's config, never from the database)."""
    module_name, _, attribute = spec.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ImportError(f"the daemon's process runner {spec!r} cannot be imported: {exc}") from None


def option(profile, key: str) -> Any:
    value = profile.options.get(key, DEFAULTS.get(key))
    return type(DEFAULTS[key])(value) if key in DEFAULTS else value


class Worker:
    """Takes processes from the broker and the lease table and runs them with the engine."""

    def __init__(self, profile_name: str | None = None, *, runner: Callable[..., Any] | None = None):
        self.profile = current.load_profile(profile_name)
        self.storage = current.get_storage()
        self.broker = Broker(self.profile)
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.threads = option(self.profile, "daemon_worker_threads")
        self.lease_seconds = option(self.profile, "daemon_lease_seconds")
        self.scan_seconds = option(self.profile, "daemon_scan_seconds")
        self.grace_seconds = option(self.profile, "daemon_grace_seconds")
        self.runner = runner or load_runner(self.profile.options.get("daemon_runner") or DEFAULT_RUNNER)
        self._runner_takes_interrupt = "interrupted" in inspect.signature(self.runner).parameters
        self.stopping = threading.Event()
        self._housekeeping_done = threading.Event()
        self.held: set[int] = set()
        self.pending: set[int] = set()
        self.requests: dict[int, str] = {}
        self._lock = threading.Lock()
        self._to_ack: collections.deque = collections.deque()
        self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="process")
        self.files = DaemonFiles.of(self.profile)
        #: set when started by a supervisor: the worker stops if that process dies (no orphaned workers)
        self.supervisor_pid: int | None = None
        #: the module files as this worker loaded them: a failure caused by an old copy says so
        self.code = CodeWatch()

    # ---- scheduling -----------------------------------------------------------------------------
    def offer(self, pk: int, *, claimed: bool = False, message: Any = None) -> None:
        """Run ``pk`` here when a thread is free (claimed: this worker already holds its lease)."""
        with self._lock:
            if pk in self.held or pk in self.pending:
                if message is not None:
                    self._to_ack.append(message)
                return
            self.pending.add(pk)
        self._executor.submit(self._run_safely, pk, claimed, message)

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self.pending) + len(self.held)

    def _run_safely(self, pk: int, claimed: bool, message: Any) -> None:
        if message is not None:
            self._to_ack.append(message)
        try:
            if self.stopping.is_set():
                if claimed:
                    leases.release(self.storage, pk, self.id)
                return
            won, action = leases.take(self.storage, pk, self.id, self.lease_seconds)
            if not won:
                if message is not None and leases.get(self.storage, pk) is None:
                    log.warning("refused a message to run process %s: it has no queue row (only processes "
                                "submitted in this profile run); message dropped", pk)
                return
            with self._lock:
                self.held.add(pk)
            self._run(pk, action)
        except Exception:
            log.exception("process %s: unexpected error in the worker", pk)
        finally:
            with self._lock:
                self.pending.discard(pk)
                self.held.discard(pk)

    def _run(self, pk: int, action: str | None) -> None:
        """Run ``pk`` (whose lease this worker holds) until it is terminal, waits, or a control request stops it."""
        while True:
            self.requests.pop(pk, None)
            if action is not None:
                self._carry_out(pk, action)
                return
            stale = self.code.stale_before_run(lambda: load_node(pk))
            if stale is not None:  # its module changed after this worker imported it: do not run old code
                node, note = stale
                mark_excepted(node, f"{note}\n(process type {node.process_type!r}; the submitted code differs from "
                                    "the code this worker imported)")
                self._finalize(node)
                return
            self._event(pk, "running")
            started_ns = time.time_ns()
            try:
                if self._runner_takes_interrupt:
                    node = self.runner(pk, interrupted=lambda: self.requests.get(pk) or self._stop_request())
                else:
                    node = self.runner(pk)
                if not isinstance(node, ProcessNode):
                    node = load_node(pk)
            except ProcessKilled:  # a kill that reached the thread outside the engine's own handling
                node = load_node(pk)
                mark_killed(node)
                self._finalize(node)
                return
            except Exception as exc:  # noqa: BLE001 - the process fails, the worker goes on
                log.warning("process %s raised in the engine: %s", pk, exc)
                try:
                    node = load_node(pk)
                except NotExistent:
                    leases.finish(self.storage, pk)
                    return
                if isinstance(node, ProcessNode):
                    text = traceback.format_exc()
                    old_code = self.code.stale_note(node.process_type, text)
                    mark_excepted(node, (f"{old_code}\n" if old_code else "")
                                  + f"{type(exc).__name__}: {exc}\n\n{text}")
                    self.code.note_loaded(started_ns)
                    self._finalize(node)
                else:
                    leases.finish(self.storage, pk)
                return
            if node.is_excepted:
                self._note_stale_code(node)
            self.code.ran(node, started_ns)
            if node.is_terminated:
                self._finalize(node)
                return
            if self.stopping.is_set():  # it stopped at a checkpoint because this worker stops: the next goes on
                leases.release(self.storage, pk, self.id)
                log.info("process %s: stopped at its checkpoint for the next worker", pk)
                return
            if node.get_attribute("paused", False):  # it paused itself (a calc job whose computer is unreachable)
                leases.release(self.storage, pk, self.id, paused=True)
                self._event(pk, "paused")
                return
            row = leases.get(self.storage, pk)
            if row is None or row["worker"] != self.id:
                return  # finished or taken over meanwhile
            if row["action"] is not None:
                action = row["action"]
                continue
            status, action = leases.release_waiting(self.storage, pk, self.id)
            if action is not None:
                continue  # a kill/pause came in while the step ran: carry it out now
            if status == leases.QUEUED:
                won, action = leases.take(self.storage, pk, self.id, self.lease_seconds)
                if won:
                    continue
            self._event(pk, "waiting")
            return

    def _stop_request(self) -> str | None:
        """While this worker stops (``jprov daemon stop|restart``), running processes stop at their next checkpoint."""
        return "stop" if self.stopping.is_set() else None

    def _note_stale_code(self, node: ProcessNode) -> None:
        """The process failed in the engine: if this worker's copy of its code is old, say so in its report."""
        from ..orm import Log

        try:
            logs = "\n".join(log.message for log in Log.for_node(node) if log.levelname == "ERROR")
            note = self.code.stale_note(node.process_type, logs)
            if note:
                Log(node, note, levelname="WARNING", loggername="jupyter_prov.daemon.worker").store()
        except Exception as exc:  # noqa: BLE001 - a diagnosis must never fail the worker
            log.debug("process %s: stale code check failed: %s", node.pk, exc)

    def _carry_out(self, pk: int, action: str) -> None:
        """A kill or pause request on a process this worker holds."""
        try:
            node = load_node(pk)
        except NotExistent:
            leases.finish(self.storage, pk)
            return
        if not isinstance(node, ProcessNode):
            leases.finish(self.storage, pk)
            log.error("node %s is not a process; removed from the queue", pk)
            return
        if node.is_terminated or action == leases.KILL:
            mark_killed(node)
            self._finalize(node)
            return
        with self.storage.transaction():  # one commit: nobody sees the node paused with the request still pending
            mark_paused(node, True)
            leases.release(self.storage, pk, self.id, paused=True, clear_action=True)
        self._event(pk, "paused")

    def _finalize(self, node: ProcessNode) -> None:
        parent, status = leases.finish(self.storage, node.stored_pk)
        state = node.process_state
        if state is not None:  # always: every path here set a terminal (or paused) state first
            self._event(node.stored_pk, state.value, exit_status=node.exit_status)
        if parent is not None and status == leases.QUEUED:
            self.offer(parent)

    def _event(self, pk: int, state: str, **extra: Any) -> None:
        try:
            self.broker.publish_event(pk, state, worker=self.id, **extra)
        except Exception as exc:  # noqa: BLE001 - events are best effort
            log.debug("event for %s not published: %s", pk, exc)

    # ---- messages ------------------------------------------------------------------------------
    def _on_task(self, body: Any, message: Any) -> None:
        pk = body.get("continue") if isinstance(body, dict) else None
        if not isinstance(pk, int) or isinstance(pk, bool):
            log.warning("dropped a malformed task message: %.200r", body)
            message.ack()
            return
        self.offer(pk, message=message)

    def _on_undecodable(self, message: Any, exc: Exception) -> None:
        """A message kombu cannot or may not decode (not JSON, a pickle): acknowledged and dropped, with one
        log line. Raising would end the connection and the broker would deliver it again, forever."""
        log.warning("dropped a malformed task message (content type %r: %s: %.200s)",
                    getattr(message, "content_type", None), type(exc).__name__, exc)
        try:
            message.ack()
        except Exception as ack_exc:  # noqa: BLE001 - its channel is gone: the broker redelivers it once
            log.debug("could not acknowledge a malformed message: %s", ack_exc)

    def _on_control(self, body: Any, message: Any) -> None:
        message.ack()
        if (not isinstance(body, dict) or body.get("action") not in (leases.KILL, leases.PAUSE, "play")
                or not isinstance(body.get("pks") or [], list)):
            log.warning("dropped a malformed control message: %.200r", body)
            return
        message = body.get("message") if isinstance(body.get("message"), str) else "killed by user"
        for pk in body.get("pks") or []:
            if isinstance(pk, int) and pk in self.held:
                self._request(pk, body["action"], message)

    def _request(self, pk: int, action: str, message: str = "killed by user") -> None:
        """A control request for ``pk``, which this worker holds: the engine stops at its next boundary; a kill
        of a process running its own Python code interrupts that code at once (see engine/interrupts.py)."""
        if self.requests.get(pk) == action:
            return
        self.requests[pk] = action
        log.info("process %s: %s requested", pk, action)
        if action == leases.KILL:
            from ..engine.interrupts import request_kill

            request_kill(pk, message)

    # ---- housekeeping ---------------------------------------------------------------------------
    def _housekeeping(self) -> None:
        last_beat = last_scan = 0.0
        seen_actions: dict[int, str] = {}
        # runs until the processes of a stopping worker have returned: their leases must stay renewed
        while not self._housekeeping_done.wait(0.25):
            if (self.supervisor_pid is not None and os.getppid() != self.supervisor_pid
                    and not self.stopping.is_set()):
                log.warning("the supervisor (pid %d) is gone; stopping", self.supervisor_pid)
                self.stopping.set()
            try:
                now = time.monotonic()
                if now - last_beat >= self.lease_seconds / 4:
                    leases.heartbeat(self.storage, self.id, self.lease_seconds)
                    last_beat = now
                if self.stopping.is_set():
                    continue
                if now - last_scan >= self.scan_seconds:
                    last_scan = now
                    if self.held:  # control requests whose broker message was lost (seen on two scans in a row)
                        actions = leases.actions_for(self.storage, self.id)
                        for pk, action in actions.items():
                            if (pk in self.held and action in (leases.KILL, leases.PAUSE)
                                    and seen_actions.get(pk) == action):
                                self._request(pk, action)
                        seen_actions = actions
                    free = self.threads - self.busy
                    for pk in leases.claim_ready(self.storage, self.id, self.lease_seconds, free, self.grace_seconds):
                        self.offer(pk, claimed=True)
            except Exception as exc:  # noqa: BLE001 - a busy database: try again next round
                log.warning("housekeeping: %s: %s", type(exc).__name__, exc)

    # ---- main loop -------------------------------------------------------------------------------
    def run(self) -> None:
        log.info("worker %s started on profile %r (broker %s, %d threads)", self.id, self.profile.name,
                 self.broker.url.split("@")[-1], self.threads)
        self.code.note_loaded()  # the modules loaded so far, once, before any work (~0.1 s of stat calls)
        housekeeping = threading.Thread(target=self._housekeeping, name="housekeeping", daemon=True)
        housekeeping.start()
        ready_file = self.files.folder / f"ready-{os.getpid()}"
        while not self.stopping.is_set():
            try:
                self._consume(ready_file)
            except BrokerUnreachable as exc:
                log.warning("%s; retrying in 2 s (the lease table keeps work going meanwhile)", exc)
                self.stopping.wait(2)
            except Exception as exc:  # noqa: BLE001 - connection dropped (e.g. RabbitMQ restarted)
                log.warning("broker connection lost (%s: %s); reconnecting", type(exc).__name__, exc)
                self.stopping.wait(0.2)
        log.info("worker %s stopping: finishing %d running processes", self.id, len(self.held))
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._housekeeping_done.set()
        housekeeping.join(timeout=5)
        released = leases.release_all(self.storage, self.id)
        ready_file.unlink(missing_ok=True)
        self.broker.close()
        log.info("worker %s stopped (%d leases released)", self.id, released)

    def _ack_pending(self) -> None:
        while self._to_ack:
            message = self._to_ack.popleft()
            try:
                message.ack()
            except Exception:  # noqa: BLE001, S110 - its channel is gone; the lease table has the truth
                pass

    def _consume(self, ready_file) -> None:
        conn = self.broker.connect()
        try:
            control_queue = self.broker.private_queue(self.broker.control_exchange, self.id)
            channel = conn.default_channel
            tasks = conn.Consumer([self.broker.task_queue], callbacks=[self._on_task], accept=["json"],
                                  channel=channel, prefetch_count=self.threads * 2,
                                  on_decode_error=self._on_undecodable)
            control = conn.Consumer([control_queue], callbacks=[self._on_control], accept=["json"],
                                    channel=channel, on_decode_error=self._on_undecodable)
            with tasks, control:
                self.files.ensure()
                ready_file.touch()
                while not self.stopping.is_set():
                    try:
                        conn.drain_events(timeout=0.1)
                    except TimeoutError:
                        pass
                    self._ack_pending()
                self._ack_pending()
                try:
                    control_queue(channel).delete()
                except Exception:  # noqa: BLE001, S110 - the queue may be gone with its channel
                    pass
        finally:
            try:
                conn.release()
            except Exception:  # noqa: BLE001, S110 - closing a connection that may be broken already
                pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A jupyter-prov daemon worker (started by the supervisor).")
    parser.add_argument("--profile", default=os.environ.get("JPROV_PROFILE"))
    parser.add_argument("--supervisor-pid", type=int, default=None,
                        help="stop when this process (the supervisor, our parent) is gone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s worker[{os.getpid()}] %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from ..storage.backend import BACKGROUND_LOCK_WAITS, set_lock_waits

    set_lock_waits(BACKGROUND_LOCK_WAITS)  # the kernel submitting work goes first
    worker = Worker(args.profile)
    worker.supervisor_pid = args.supervisor_pid

    def stop(signum, _frame):
        log.info("received signal %d", signum)
        worker.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()


if __name__ == "__main__":
    main()
