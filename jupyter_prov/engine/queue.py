"""Where submitted processes go: the :class:`SubmitQueue` protocol and the registry ``submit()`` reads.

The engine stores a submitted process in state ``created``; something else runs it later. That
something registers itself as a submit queue under the entry-point group ``jupyter_prov.submit_queues``
(the daemon declares ``daemon = "jupyter_prov.daemon.submission:QUEUE"`` in ``pyproject.toml``), so the
engine never names the daemon: it asks this registry, which loads the entry points on first use
(``run`` never does). A queue

- says whether it can run a process at all (:meth:`SubmitQueue.queueable`; the daemon's workers import
  the process's code by name, so a class defined in ``__main__`` is stored but not queued),
- gives the rows to insert in the transaction that stores the processes (:meth:`SubmitQueue.rows`:
  ``store_all(..., extra_rows=...)``), so a process and its place in the queue are one commit,
- hears about the commit (:meth:`SubmitQueue.committed`: the daemon wakes a worker),
- answers which processes it runs and stops them (:meth:`SubmitQueue.holds`, :meth:`SubmitQueue.kill`):
  a work chain resumed in a worker kills the children its step no longer submits, and only the runner of
  a queued process may end it.

Tests add a queue of their own with :func:`register` / :func:`unregister`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution, distributions
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..orm import ProcessNode

log = logging.getLogger("jupyter_prov.engine.queue")

#: the entry-point group submit queues are declared in
GROUP = "jupyter_prov.submit_queues"


class SubmitQueue(Protocol):
    """Where submitted processes go (the daemon's queue): rows written with the processes, a wake-up after."""

    def queueable(self, node: ProcessNode) -> bool:
        """Whether this queue can run ``node`` (its code importable); a process that is not is stored unqueued."""

    def rows(self, pks: Sequence[int]) -> Sequence[tuple[Any, Sequence[dict]]]:
        """``(table, rows)`` to insert in the transaction that stores the processes ``pks``."""

    def committed(self, queued: Sequence[ProcessNode], refused: Sequence[ProcessNode]) -> None:
        """After the commit: wake the runners for ``queued``; explain why ``refused`` were not queued."""

    def holds(self, pks: Sequence[int]) -> list[int]:
        """Those of ``pks`` that are in this queue (its runner, not the caller, must end them)."""

    def kill(self, pks: Sequence[int], message: str) -> None:
        """Kill processes of this queue (through whoever runs them)."""


_queues: list[SubmitQueue] = []
_loaded = False
_lock = threading.Lock()


def declared() -> list[EntryPoint]:
    """The entry points of :data:`GROUP`: what ``importlib.metadata.entry_points(group=GROUP)`` gives, for
    half its CPU (a plain scan parses every entry point of every installed distribution; the first
    ``submit()`` of a process paid that, +30 M instructions beside 100 submits: benchmarks/results/
    refactor_regression.md). Only the ``entry_points.txt`` that name the group are parsed, and of a
    distribution installed twice on ``sys.path`` only the first counts, as importlib.metadata has it."""
    found: list[EntryPoint] = []
    for dist in distributions():
        text = dist.read_text("entry_points.txt")
        if not text or GROUP not in text:
            continue
        try:  # the install of this name that importlib.metadata takes (the first on sys.path)
            first = distribution(dist.metadata["Name"])
        except (PackageNotFoundError, ValueError, TypeError):
            first = dist
        if first.read_text("entry_points.txt") != text:
            continue  # a shadowed copy: another install of the name comes first
        found.extend(ep for ep in dist.entry_points.select(group=GROUP) if ep not in found)
    return sorted(found, key=lambda ep: ep.name)


def _load() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        for ep in declared():
            try:
                queue = ep.load()
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not break submit()
                log.warning("submit queue %r (%s) could not be loaded: %s", ep.name, ep.value, exc)
                continue
            if queue not in _queues:
                _queues.append(queue)
        _loaded = True


def submit_queues() -> list[SubmitQueue]:
    """The submit queues: those declared in the entry-point group (loaded on first call), then any registered."""
    if not _loaded:
        _load()
    return list(_queues)


def register(queue: SubmitQueue) -> None:
    """Add a queue (idempotent): ``submit`` writes its rows and tells it about the commit."""
    if not _loaded:
        _load()
    if queue not in _queues:
        _queues.append(queue)


def unregister(queue: SubmitQueue) -> None:
    """Remove a queue (registered or declared) for the rest of this Python process."""
    if not _loaded:
        _load()
    if queue in _queues:
        _queues.remove(queue)
