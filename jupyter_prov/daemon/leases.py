"""Process leases: the daemon's durable queue in the database.

Every submitted process that is not terminal has one row in ``db_process_lease``:

- ``status``: ``queued`` (wants a worker), ``running`` (a worker holds it, or held it and died),
  ``waiting`` (waits for children; a child's termination wakes it);
- ``worker`` + ``expires``: who holds it, until when. Workers renew all their leases with one UPDATE
  (the heartbeat); a lease that expired belongs to a dead worker and any live worker may take over;
- ``paused``, ``action``: control requests (``kill``/``pause``) that survive lost messages;
- ``woken``: a child terminated while the parent was held, so the parent runs again when released.

Rows are written only by ``submit`` (in the transaction that stores the process, in this profile) and
by the daemon's own bookkeeping of processes that have one. Nothing makes a row from a node: a process
stored ``created`` without one (an archive's, a work chain child run in the foreground) is never run
by the daemon, and a broker message naming a process without a row is dropped.

Every claim is one atomic ``UPDATE ... WHERE <free>``: of two workers racing for a process exactly
one gets a row count of 1. The SQL is in the model layer (:mod:`jupyter_prov.orm.queries`, the
``queue_*`` queries); this module says what the daemon does with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from ..orm import queries
from ..orm.queries import QUEUED, RUNNING, WAITING
from ..storage.backend import StorageBackend

KILL, PAUSE = "kill", "pause"
__all__ = ["KILL", "PAUSE", "QUEUED", "RUNNING", "WAITING"]


def now() -> datetime:
    return datetime.now(timezone.utc)


def enqueue(storage: StorageBackend, pks: Sequence[int]) -> None:
    """Add queued rows for new processes; a process queued already keeps its row (joins an open transaction)."""
    queries.queue_add(storage, pks)


def insert_rows(pks: Sequence[int]) -> list[tuple]:
    """``(table, rows)`` that ``store_all(..., extra_rows=...)`` inserts with the processes ``pks``."""
    return queries.queue_insert_rows(pks)


def take(storage: StorageBackend, pk: int, worker: str, lease_seconds: float, *,
         any_status: bool = False) -> tuple[bool, str | None]:
    """Take the lease of one process if it is free (and runnable): ``(won, pending control action)``."""
    return queries.queue_take(storage, pk, worker, lease_seconds, any_status=any_status)


def claim(storage: StorageBackend, pk: int, worker: str, lease_seconds: float, *, any_status: bool = False) -> bool:
    """Take the lease of one process if it is free (and runnable); True if this caller won it."""
    return take(storage, pk, worker, lease_seconds, any_status=any_status)[0]


def claim_ready(storage: StorageBackend, worker: str, lease_seconds: float, limit: int,
                grace_seconds: float) -> list[int]:
    """Take up to ``limit`` free runnable processes nobody picked up: orphans of dead workers, lost messages.

    A queued process younger than ``grace_seconds`` is left to the worker its message reaches.
    """
    if limit <= 0:
        return []
    pks = queries.queue_unclaimed(storage, limit, grace_seconds)
    return [pk for pk in pks if claim(storage, pk, worker, lease_seconds)]


def heartbeat(storage: StorageBackend, worker: str, lease_seconds: float) -> int:
    """Renew every lease this worker holds; returns how many."""
    return queries.queue_renew(storage, worker, lease_seconds)


def finish(storage: StorageBackend, pk: int) -> tuple[int | None, str | None]:
    """The process is terminal: it leaves the queue and its calling workflow is woken, in one transaction.

    Returns ``(caller pk, caller's new status)``; the status is ``queued`` when the caller should run now.
    One transaction, so a worker dying in between cannot leave a workflow waiting for a child that ended.
    """
    return queries.queue_finish(storage, pk)


def release_waiting(storage: StorageBackend, pk: int, worker: str) -> tuple[str | None, str | None]:
    """The process waits for children: let it go. Returns ``(status, action)``.

    The status is ``queued`` if it was woken meanwhile. If a control request arrived meanwhile the lease
    is *kept* and the request returned, so the holder carries it out now (not at the next wake-up).
    """
    return queries.queue_release_waiting(storage, pk, worker)


def release(storage: StorageBackend, pk: int, worker: str, *, paused: bool | None = None,
            status: str | None = None, clear_action: bool = False) -> None:
    """Give the lease back (a stopping worker, a pause, a controller done with it)."""
    values: dict = {}
    if paused is not None:
        values["paused"] = paused
    if status is not None:
        values["status"] = status
    if clear_action:
        values["action"] = None
    queries.queue_release(storage, pk, worker, values)


def release_all(storage: StorageBackend, worker: str) -> int:
    """A worker stops: everything it holds is free for others at once (no waiting for the lease to expire)."""
    return queries.queue_release_all(storage, worker)


def wake(storage: StorageBackend, pk: int) -> str | None:
    """A child of ``pk`` terminated: mark it woken; a waiting parent becomes queued. Returns the new status."""
    return queries.queue_wake(storage, pk)


def request(storage: StorageBackend, pks: Iterable[int], action: str | None) -> None:
    """Record a control request (``kill``/``pause``, or None to withdraw one) for each process."""
    queries.queue_request(storage, pks, action)


def get(storage: StorageBackend, pk: int) -> dict | None:
    """The lease row of ``pk`` (None: the daemon does not run it)."""
    return queries.queue_row(storage, pk)


def actions_for(storage: StorageBackend, worker: str) -> dict[int, str]:
    """Control requests waiting on processes this worker holds."""
    return queries.queue_actions_for(storage, worker)


def counts(storage: StorageBackend) -> dict[str, int]:
    """Number of lease rows by status."""
    return queries.queue_counts(storage)
