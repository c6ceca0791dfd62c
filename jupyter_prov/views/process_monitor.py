"""What a live process monitor shows, and the one listener per kernel that tells it when to look again.

Rows: a process tree (:func:`.processes.tree`) flattened to the rows of a table — pk, caller, depth,
label, state, exit status, creation time, children — and :func:`diff` of two readings, so that a
front end gets only what changed.

Push, not poll: the daemon's workers broadcast every state change on the profile broker's fanout
exchange (``Broker.publish_event``; ``pause/play/kill`` publish what they carry out themselves). One
thread per profile in this Python process (:func:`listen`) reads them for every monitor at once, as the
server's ``EventBridge`` does for its clients: a burst is gathered for :data:`GATHER_SECONDS` and
handed on once, newest state per process. Each monitor then re-reads at most ``1 / min_interval``
times a second (:class:`Throttle`, 0.25 s: ≤ 4 updates/s, issue #15), so a thousand processes
finishing at once cost one reading. A broker without fanout (``sqla+...``) or an unreachable one turns
the same thread into one shared tick every :data:`POLL_SECONDS`, never one loop per monitor; the tick
also runs beside the events (a process run in a notebook's own kernel broadcasts nothing), and a monitor
re-reads on a tick only while it shows a process that has not ended.
Broker messages are hints (``daemon/broker.py``): a malformed one is dropped; the state shown is what
the database says.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from . import processes

#: after the first event of a burst, gather this long before handing the burst on
GATHER_SECONDS = 0.1
#: a broker without fanout: how often the shared listener ticks instead
POLL_SECONDS = 2.0
#: wait before connecting again to a broker that was unreachable
RECONNECT_SECONDS = 5.0
#: a monitor re-reads at most this often (seconds): ≤ 4 updates a second
MIN_INTERVAL = 0.25
#: root processes a monitor of "every process" shows (newest first)
ROOTS = 50
#: processes one monitor shows at most (every tree together)
MAX_ROWS = processes.MAX_TREE
#: the log lines one report view shows at most
MAX_REPORT_LINES = 2000
ACTIONS = ("pause", "play", "kill")

log = logging.getLogger(__name__)


# ---- rows ---------------------------------------------------------------------------------------------
def _row(entry: dict[str, Any], depth: int, caller: int | None) -> dict[str, Any]:
    return {"pk": entry["pk"], "caller": caller, "depth": depth,
            "label": entry.get("process_label") or entry.get("label") or entry.get("class") or "",
            "class": entry.get("class"), "kind": entry.get("kind"), "state": entry.get("process_state"),
            "state_text": entry.get("state_text"), "exit_status": entry.get("exit_status"),
            "exit_message": entry.get("exit_message"), "paused": bool(entry.get("paused")),
            "request": entry.get("request"), "ctime": entry.get("ctime"),
            "children": len(entry.get("children", []))}


def tree_rows(node_tree: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one :func:`.processes.tree`, depth first (the order a tree table shows them)."""
    rows: list[dict[str, Any]] = []
    stack: list[tuple[int, int | None, dict[str, Any]]] = [(0, None, node_tree)]
    while stack:
        depth, caller, entry = stack.pop()
        rows.append(_row(entry, depth, caller))
        stack.extend((depth + 1, entry["pk"], child) for child in reversed(entry.get("children", [])))
    return rows


def rows(root: int | None = None, *, roots: int = ROOTS, max_rows: int = MAX_ROWS) -> dict[str, Any]:
    """``{"rows", "truncated"}``: the tree of ``root``, or (``None``) the trees of the newest ``roots``
    processes no other process called, newest first; at most ``max_rows`` rows in all."""
    if root is not None:
        node_tree = processes.tree(root, max_processes=max_rows)
        return {"rows": tree_rows(node_tree), "truncated": bool(node_tree.get("truncated"))}
    found: list[dict[str, Any]] = []
    truncated = False
    page = processes.list_processes(root_only=True, limit=roots)
    for entry in page["items"]:
        left = max_rows - len(found)
        if left <= 0:
            truncated = True
            break
        node_tree = processes.tree(entry["pk"], max_processes=left)
        found.extend(tree_rows(node_tree))
        truncated = truncated or bool(node_tree.get("truncated"))
    return {"rows": found, "truncated": truncated or page["total"] > len(page["items"])}


def diff(before: dict[int, dict[str, Any]], after: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """(rows new or changed since ``before``, pks no longer shown)."""
    now = {row["pk"] for row in after}
    changed = [row for row in after if before.get(row["pk"]) != row]
    return changed, [pk for pk in before if pk not in now]


def order_changed(before: list[int], after: list[dict[str, Any]]) -> bool:
    """Whether the rows that stay are in another order (a new child goes in the middle of a tree)."""
    now = [row["pk"] for row in after]
    kept = set(before) & set(now)
    return [pk for pk in before if pk in kept] != [pk for pk in now if pk in kept]


# ---- control and log -------------------------------------------------------------------------------------
def control(action: str, pks: Iterable[int]) -> dict[int, str]:
    """Pause, play or kill processes through the daemon: ``{pk: what happened}`` in the daemon's words
    (``killed``, ``kill requested from its worker``, ``already finished``)."""
    from .. import daemon
    from ..errors import JprovError

    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    pks = [int(pk) for pk in pks]
    try:
        return dict(getattr(daemon, action)(pks))
    except JprovError as exc:
        return {pk: f"not {action}ed: {exc}" for pk in pks}


def report(pk: int, *, limit: int = MAX_REPORT_LINES) -> dict[str, Any]:
    """:func:`.processes.report` of one process, at most ``limit`` lines (``total``, ``truncated``)."""
    found = processes.report(pk)
    lines = found["lines"]
    return {"pk": pk, "lines": lines[:limit], "total": len(lines), "truncated": len(lines) > limit}


# ---- coalescing ------------------------------------------------------------------------------------------
class Throttle:
    """Calls ``action`` after :meth:`poke`, at most once per ``min_interval`` seconds, on a timer thread.

    Pokes while ``action`` waits or runs are merged into one more call: the last state is always read.
    """

    def __init__(self, action: Callable[[], object], min_interval: float = MIN_INTERVAL):
        self._action = action
        self.min_interval = min_interval
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._running = False
        self._dirty = False
        self._last = 0.0
        self._closed = False
        self.calls = 0

    def poke(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._dirty = True
            if self._timer is None and not self._running:
                self._schedule()

    def _schedule(self) -> None:
        delay = max(0.0, self._last + self.min_interval - time.monotonic())
        self._timer = threading.Timer(delay, self._run)
        self._timer.daemon = True
        self._timer.start()

    def _run(self) -> None:
        with self._lock:
            self._timer = None
            if self._closed or not self._dirty:
                return
            self._dirty = False
            self._running = True
            self._last = time.monotonic()
        try:
            self.calls += 1
            self._action()
        except Exception:  # a broken reading must not stop the next one
            log.exception("jupyter-prov: a process monitor update failed")
        finally:
            with self._lock:
                self._running = False
                if self._dirty and not self._closed:
                    self._schedule()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


# ---- the shared listener -----------------------------------------------------------------------------
def state_event(message: Any) -> dict[str, Any] | None:
    """``{"pk", "state", "exit_status"}`` of one broker message, ``None`` for one that is not a state change."""
    if not isinstance(message, dict):
        return None
    pk, state, exit_status = message.get("pk"), message.get("state"), message.get("exit_status")
    if not isinstance(pk, int) or isinstance(pk, bool) or pk <= 0 or not isinstance(state, str) \
            or not 0 < len(state) <= 32:
        return None
    if not (exit_status is None or (isinstance(exit_status, int) and not isinstance(exit_status, bool))):
        exit_status = None
    return {"pk": pk, "state": state, "exit_status": exit_status}


class Subscription:
    def __init__(self, events: StateEvents, callback: Callable[[list[dict[str, Any]]], None]):
        #: the listener this subscription is on (one per profile in this Python process)
        self.events = events
        self.callback = callback

    @property
    def mode(self) -> str:
        """``push`` (broker events), ``poll`` (a shared tick), ``reconnecting`` or ``starting``."""
        return self.events.mode

    def close(self) -> None:
        self.events.unsubscribe(self)


class StateEvents:
    """One thread for one profile: the broker's state-change events handed to every subscriber.

    A subscriber's ``callback(events)`` gets each burst (``[]`` on a tick of the polling fallback) on
    this thread; it must return quickly (a monitor only pokes its :class:`Throttle`).
    """

    def __init__(self, profile: Any):
        self.profile = profile
        self.mode = "starting"
        self._subscribers: list[Subscription] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.bursts = 0

    def subscribe(self, callback: Callable[[list[dict[str, Any]]], None]) -> Subscription:
        subscription = Subscription(self, callback)
        with self._lock:
            self._subscribers.append(subscription)
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"jupyter-prov-monitor-{self.profile.name}")
                self._thread.start()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)
            if not self._subscribers:
                self._stop.set()  # the thread ends at its next turn; a new subscriber starts another

    def _hand_on(self, events: list[dict[str, Any]]) -> None:
        self.bursts += bool(events)
        with self._lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            try:
                subscription.callback(events)
            except Exception:
                log.exception("jupyter-prov: a process monitor refused an event")

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
        from ..daemon.broker import in_sent_order

        listener = None
        next_connect = 0.0
        next_tick = time.monotonic() + POLL_SECONDS
        try:
            while not self._stop.is_set():
                if time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + POLL_SECONDS
                    self._hand_on([])
                if listener is None and self.mode != "poll" and time.monotonic() >= next_connect:
                    try:
                        listener = self._connect()
                    except Exception as exc:  # noqa: BLE001 - an unreachable broker: tick, and try again later
                        log.info("jupyter-prov: no process events from the broker of %s yet: %s",
                                 self.profile.name, exc)
                        self.mode = "reconnecting"
                        next_connect = time.monotonic() + RECONNECT_SECONDS
                if listener is None:
                    self._stop.wait(max(0.0, next_tick - time.monotonic()))
                    continue
                batch = listener.poll(0.5)
                if batch:
                    deadline = time.monotonic() + GATHER_SECONDS
                    while (remaining := deadline - time.monotonic()) > 0:
                        batch += listener.poll(remaining)
                    newest: dict[int, dict[str, Any]] = {}
                    for event in filter(None, map(state_event, in_sent_order(batch))):
                        newest.pop(event["pk"], None)
                        newest[event["pk"]] = event
                    if newest:
                        self._hand_on(list(newest.values()))
                if getattr(listener, "_conn", True) is None:  # the listener lost its connection
                    listener.__exit__(None, None, None)
                    listener = None
                    self.mode = "reconnecting"
                    next_connect = time.monotonic() + RECONNECT_SECONDS
        finally:
            if listener is not None:
                listener.__exit__(None, None, None)


_shared: dict[str, StateEvents] = {}
_shared_lock = threading.Lock()


def listen(callback: Callable[[list[dict[str, Any]]], None], profile=None) -> Subscription:
    """Subscribe to the process state changes of ``profile`` (the loaded one by default), through the one
    listener of this Python process for that profile. ``close()`` the subscription when done."""
    from ..orm import current

    if profile is None:
        profile = current.get_profile()
        if profile is None:
            current.load_profile()
            profile = current.get_profile()
    key = f"{profile.name}\0{profile.broker}"
    with _shared_lock:
        events = _shared.get(key)
        if events is None:
            events = _shared[key] = StateEvents(profile)
    return events.subscribe(callback)
