"""Follow processes: :func:`wait` for one to terminate, :func:`watch` its state changes.

Both listen to the broker's state-change broadcast and re-read the database when an event arrives,
and at least every ``poll`` seconds anyway: an event that was lost (a broker restart, a transport
without fanout) only delays the answer, never hangs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from ..errors import DaemonError
from ..orm import current
from ..orm.exceptions import ValidationError
from ..orm.nodes.node import load_node
from ..orm.nodes.process import ProcessNode
from ..orm.queries import called_pks
from .broker import BrokerUnreachable, EventListener, get_broker


class WaitTimeout(DaemonError, TimeoutError):
    """The process did not terminate within the time given."""


def _pk(node: int | ProcessNode) -> int:
    pk = node.pk if isinstance(node, ProcessNode) else node
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise ValidationError(f"wait/watch need a stored process node or its pk, got {node!r}")
    return pk


def _listener():
    profile = current.get_profile()
    if profile is None:
        current.load_profile()
        profile = current.get_profile()
    try:
        listener = EventListener(get_broker(profile))
        return listener.__enter__()
    except BrokerUnreachable:
        return None


def wait(node: int | ProcessNode, timeout: float | None = None, *, poll: float = 1.0) -> ProcessNode:
    """Block until the process is terminal; returns it freshly loaded. Works from a notebook cell.

    Raises :class:`WaitTimeout` (naming the process and its state) after ``timeout`` seconds.
    """
    pk = _pk(node)
    deadline = None if timeout is None else time.monotonic() + timeout
    listener = _listener()
    try:
        while True:
            fresh = load_node(pk)
            if not isinstance(fresh, ProcessNode):
                raise ValidationError(f"node {pk} is a {fresh.node_type}, not a process")
            if fresh.is_terminated:
                return fresh
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise WaitTimeout(f"process {pk} is still {fresh.process_state} after {timeout} s"
                                  " (is the daemon running? `jprov daemon status`)")
            step = poll if remaining is None else min(poll, remaining)
            if listener is None:
                time.sleep(step)
            else:
                listener.poll(step)
    finally:
        if listener is not None:
            listener.__exit__(None, None, None)


def watch(node: int | ProcessNode, *, timeout: float | None = None, poll: float = 1.0,
          include_called: bool = True) -> Iterator[dict]:
    """Yield ``{"pk", "state", ...}`` for each state change of the process (and what it calls) until it ends."""
    root = _pk(node)
    deadline = None if timeout is None else time.monotonic() + timeout
    known: dict[int, str] = {}
    listener = _listener()
    storage = current.get_storage()

    def snapshot() -> list[dict]:
        pks = [root] + (called_pks(storage, [root]) if include_called else [])
        changes = []
        for pk in pks:
            fresh = load_node(pk)
            state = fresh.process_state.value if fresh.process_state else "unknown"
            if fresh.get_attribute("paused", False) and not fresh.is_terminated:
                state = "paused"
            if known.get(pk) != state:
                known[pk] = state
                changes.append({"pk": pk, "state": state, "label": fresh.get_attribute("process_label", ""),
                                "exit_status": fresh.exit_status})
        return changes

    try:
        while True:
            yield from snapshot()
            if load_node(root).is_terminated:
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeout(f"process {root} did not terminate within {timeout} s")
            if listener is None:
                time.sleep(poll)
            else:
                listener.poll(poll)
    finally:
        if listener is not None:
            listener.__exit__(None, None, None)


def on_event(callback: Callable[[dict], None]) -> EventListener:
    """A listener calling ``callback(event)`` for every state change (use it as a context manager, call ``poll``)."""
    profile = current.get_profile() or current.load_profile()
    return EventListener(get_broker(profile), callback)
