"""Push, not poll: the daemon's process state changes and daemon status, re-emitted on jupyter_server's event bus.

The daemon already broadcasts every state change on the profile broker's fanout exchange
(``Broker.publish_event``: workers on running/waiting/paused/terminal, ``pause/play/kill`` on what they
handle themselves). One thread per server listens there (``daemon.broker.EventListener``) and emits each
change as a ``process_state`` event; JupyterLab's ``EventManager`` reads them from ``/api/events/subscribe``.
Bursts are coalesced: after the first event the thread gathers for :data:`GATHER_SECONDS` more and emits
only the newest state per process, so a thousand processes finishing at once cost one batch, not a
thousand round trips of the front end (the widgets issue asks for ≤ 4 updates/s; 0.1 s keeps the
latency well under the 1 s target). Payloads are ids + state only: every subscriber gets every event.

The daemon's own status (started, stopped, scaled — by this server, ``jprov daemon`` or a notebook) has no
broadcast; the same thread reads :func:`~jupyter_prov.daemon.daemon_status` (two small files and a pid
check) every :data:`DAEMON_CHECK_SECONDS` and emits ``daemon_status`` when it changed.

A broker without fanout (``sqla+...``) or an unreachable one leaves ``mode`` at ``"poll"``/``"reconnecting"``
(reported by ``GET /jupyter-prov/api/status``): the front end then polls with back-off. Broker messages
are hints (see ``daemon/broker.py``): a malformed one is dropped, never trusted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Profile

SCHEMA_FOLDER = Path(__file__).parent / "event_schemas"
PROCESS_STATE_SCHEMA = "https://events.jupyter.org/jupyter_prov/process_state/v1"
DAEMON_STATUS_SCHEMA = "https://events.jupyter.org/jupyter_prov/daemon_status/v1"

#: after the first event of a burst, how long to gather more before emitting (newest state per process wins)
GATHER_SECONDS = 0.1
#: how often the daemon's status files are read for a change
DAEMON_CHECK_SECONDS = 2.0
#: wait before connecting again to a broker that was unreachable
RECONNECT_SECONDS = 5.0

log = logging.getLogger(__name__)


def register_schemas(event_logger) -> None:
    """Register our event schemas with the server's event logger (once per server)."""
    for path in sorted(SCHEMA_FOLDER.glob("*.yaml")):
        event_logger.register_event_schema(path)


def process_event(profile: str, message: Any) -> dict | None:
    """The event-bus payload of one broker message, or ``None`` for a message that is not a state change."""
    if not isinstance(message, dict):
        return None
    pk, state, exit_status = message.get("pk"), message.get("state"), message.get("exit_status")
    if not isinstance(pk, int) or isinstance(pk, bool) or not isinstance(state, str) or not 0 < len(state) <= 32:
        return None
    if not (exit_status is None or (isinstance(exit_status, int) and not isinstance(exit_status, bool))):
        exit_status = None
    return {"profile": profile, "pk": pk, "state": state, "exit_status": exit_status}


def coalesce(events: list[dict]) -> list[dict]:
    """The newest event per process, in the order each process last changed."""
    newest: dict[int, dict] = {}
    for event in events:
        newest.pop(event["pk"], None)
        newest[event["pk"]] = event
    return list(newest.values())


def daemon_event(profile: Profile) -> dict:
    from ..daemon.lifecycle import daemon_status

    status = daemon_status(profile)
    return {"profile": profile.name, "running": bool(status["running"]),
            "workers": sum(1 for worker in status["workers"] if worker.get("alive")),
            "wanted": int(status.get("wanted") or 0)}


class EventBridge:
    """A thread that turns the profile's broker events and daemon status changes into event-bus events.

    ``emit(schema_id, payloads)`` is called from this thread; the app hands it on to the IO loop.
    """

    def __init__(self, profile: Profile, emit: Callable[[str, list[dict]], None]):
        self.profile = profile
        self._emit = emit
        self._stop = threading.Event()
        self._daemon_now = threading.Event()
        self._thread: threading.Thread | None = None
        self.mode = "starting"
        self.last_daemon: dict | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"jupyter-prov-events-{self.profile.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def check_daemon_soon(self) -> None:
        """Read the daemon status at the next turn (after this server started, stopped or scaled it)."""
        self._daemon_now.set()

    # ---- the thread ----------------------------------------------------------------------------
    def _connect(self):
        from ..daemon.broker import EventListener, get_broker

        broker = get_broker(self.profile)
        if not broker.supports_fanout:
            self.mode = "poll"
            return None
        listener = EventListener(broker).__enter__()
        self.mode = "push"
        return listener

    def _run(self) -> None:
        listener = None
        next_connect = 0.0
        next_daemon = 0.0
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if listener is None and self.mode != "poll" and now >= next_connect:
                    try:
                        listener = self._connect()
                    except Exception as exc:  # noqa: BLE001 - an unreachable broker: try again later
                        log.info("jupyter-prov: no process events from the broker of %s yet: %s",
                                 self.profile.name, exc)
                        self.mode = "reconnecting"
                        next_connect = now + RECONNECT_SECONDS
                if listener is not None:
                    self._forward(listener)
                    if getattr(listener, "_conn", True) is None:  # the listener lost its connection
                        listener.__exit__(None, None, None)
                        listener = None
                        self.mode = "reconnecting"
                        next_connect = time.monotonic() + RECONNECT_SECONDS
                else:
                    self._daemon_now.wait(0.5)
                if self._daemon_now.is_set() or time.monotonic() >= next_daemon:
                    self._daemon_now.clear()
                    self._check_daemon()
                    next_daemon = time.monotonic() + DAEMON_CHECK_SECONDS
        finally:
            if listener is not None:
                listener.__exit__(None, None, None)

    def _forward(self, listener) -> None:
        from ..daemon.broker import in_sent_order

        batch = listener.poll(0.5)
        if not batch:
            return
        deadline = time.monotonic() + GATHER_SECONDS
        while (remaining := deadline - time.monotonic()) > 0:
            batch += listener.poll(remaining)
        events = [event for event in (process_event(self.profile.name, message) for message in in_sent_order(batch))
                  if event]
        if events:
            self._emit(PROCESS_STATE_SCHEMA, coalesce(events))

    def _check_daemon(self) -> None:
        try:
            event = daemon_event(self.profile)
        except Exception as exc:  # noqa: BLE001 - unreadable status files: report next time
            log.debug("jupyter-prov: daemon status of %s not read: %s", self.profile.name, exc)
            return
        if event != self.last_daemon:
            self.last_daemon = event
            self._emit(DAEMON_STATUS_SCHEMA, [event])
