"""Long foreground calculations are visible as ``running`` while they run, short ones cost one transaction.

A calcfunction run in the kernel is stored once, when it ends (inputs, node, outputs and links in one
transaction: ~1 ms). One that is still running after :data:`VISIBLE_AFTER_SECONDS` is stored by a
watcher thread in state ``running`` with its inputs and caller link, so ``jprov process list`` and the
lab extension show it; when it ends, its outputs and final state are written to that stored node.

Watching costs a heap push and a flag (microseconds); only processes that outlive the delay pay the
extra transaction. A process whose caller is not stored yet (a notebook cell that is recorded when it
ends) stays invisible: its node cannot be linked before its caller exists.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Any

log = logging.getLogger("jupyter_prov.engine.visibility")

#: a foreground calculation running longer than this is stored in state ``running``
VISIBLE_AFTER_SECONDS = 0.2


class Ticket:
    """One watched process; :meth:`settle` before the process writes its end."""

    __slots__ = ("process", "lock", "done")

    def __init__(self, process: Any):
        self.process = process
        self.lock = threading.Lock()
        self.done = False

    def settle(self) -> None:
        """The process's own code returned: no early store from now on (waits for one in progress)."""
        with self.lock:
            self.done = True


_heap: list[tuple[float, int, Ticket]] = []
_counter = itertools.count()
_cond = threading.Condition()
_thread: threading.Thread | None = None


def watch(process: Any) -> Ticket:
    """Store ``process``'s node in state ``running`` if it still runs after :data:`VISIBLE_AFTER_SECONDS`."""
    global _thread
    ticket = Ticket(process)
    with _cond:
        heapq.heappush(_heap, (time.monotonic() + VISIBLE_AFTER_SECONDS, next(_counter), ticket))
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_watch, name="jupyter-prov-visibility", daemon=True)
            _thread.start()
        elif len(_heap) == 1:
            _cond.notify()
    return ticket


def _watch() -> None:
    while True:
        with _cond:
            while not _heap or _heap[0][0] > time.monotonic():
                if _heap and _heap[0][2].done:  # ended already: drop it without waiting for its time
                    heapq.heappop(_heap)
                    continue
                _cond.wait(None if not _heap else _heap[0][0] - time.monotonic())
            _when, _n, ticket = heapq.heappop(_heap)
        with ticket.lock:
            if ticket.done:
                continue
            try:
                _store_running(ticket.process)
            except Exception as exc:  # noqa: BLE001 - visibility is a convenience; the process stores itself at its end
                log.debug("process %r not stored early: %s", ticket.process, exc)


def _store_running(process: Any) -> None:
    from ..orm import current, store_all
    from ..orm.nodes.process import ProcessNode
    from .states import with_new_inputs

    node = process.node
    if node.is_stored:
        return
    if any(isinstance(link.node, ProcessNode) and not link.node.is_stored for link in node.get_incoming()):
        return  # its caller is recorded later (a notebook cell): nothing to link it to yet
    with current.get_storage().write_turn():
        store_all(with_new_inputs(node))
