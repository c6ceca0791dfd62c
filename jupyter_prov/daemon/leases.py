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
one gets a row count of 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, false, or_, select, true, update

from ..storage import schema
from ..storage.backend import StorageBackend

table = schema.process_leases
QUEUED, RUNNING, WAITING = "queued", "running", "waiting"
KILL, PAUSE = "kill", "pause"


def now() -> datetime:
    return datetime.now(timezone.utc)


def _free(at: datetime, worker: str | None = None):
    """Nobody holds the lease, its holder died, or the claimer holds it already (claims are re-entrant)."""
    condition = or_(table.c.worker.is_(None), table.c.expires < at)
    return condition if worker is None else or_(condition, table.c.worker == worker)


def _runnable():
    """Rows a worker should run: wanted, not paused; or with a control request to carry out."""
    return or_(and_(table.c.status.in_((QUEUED, RUNNING)), table.c.paused == false()),
               table.c.action.is_not(None))


def enqueue(storage: StorageBackend, pks: Sequence[int]) -> None:
    """Add queued rows for new processes; a process queued already keeps its row (joins an open transaction)."""
    if not pks:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    rows = queued_rows(list(dict.fromkeys(pks)))
    insert = (postgresql.insert if storage.dialect == "postgresql" else sqlite.insert)(table)
    with storage.transaction() as conn:
        conn.execute(insert.on_conflict_do_nothing(index_elements=["node_id"]), rows)


def queued_rows(pks: Sequence[int]) -> list[dict]:
    """Lease rows of new processes, queued now (for an insert in the transaction that stores them)."""
    at = now()
    return [{"node_id": int(pk), "status": QUEUED, "paused": False, "woken": False, "action": None,
             "worker": None, "expires": None, "queued_at": at} for pk in pks]


_statements: dict[str, Any] = {}


def _take_statement(any_status: bool):
    """The claim UPDATE, built once (with bound parameters): it runs at least once for every process."""
    key = f"take-{any_status}"
    stmt = _statements.get(key)
    if stmt is None:
        free = or_(table.c.worker.is_(None), table.c.expires < bindparam("b_at"), table.c.worker == bindparam("b_worker"))
        condition = and_(table.c.node_id == bindparam("b_pk"), free)
        values = {"worker": bindparam("b_worker"), "expires": bindparam("b_expires")}
        if not any_status:
            condition = and_(condition, _runnable())
            values.update(status=case((table.c.status == WAITING, WAITING), else_=RUNNING), woken=False)
        stmt = _statements[key] = update(table).where(condition).values(**values).returning(table.c.action)
    return stmt


def take(storage: StorageBackend, pk: int, worker: str, lease_seconds: float, *,
         any_status: bool = False) -> tuple[bool, str | None]:
    """Take the lease of one process if it is free (and runnable): ``(won, pending control action)``."""
    at = now()
    params = {"b_pk": pk, "b_at": at, "b_worker": worker, "b_expires": at + timedelta(seconds=lease_seconds)}
    with storage.transaction() as conn:
        row = conn.execute(_take_statement(any_status), params).first()
    return (row is not None, row[0] if row is not None else None)


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
    at = now()
    candidates = (
        select(table.c.node_id)
        .where(_runnable(), or_(table.c.expires < at,
                                and_(table.c.worker.is_(None), table.c.queued_at < at - timedelta(seconds=grace_seconds))))
        .order_by(table.c.queued_at)
        .limit(limit)
    )
    with storage.connection() as conn:
        pks = list(conn.execute(candidates).scalars())
    return [pk for pk in pks if claim(storage, pk, worker, lease_seconds)]


def heartbeat(storage: StorageBackend, worker: str, lease_seconds: float) -> int:
    """Renew every lease this worker holds; returns how many."""
    with storage.transaction() as conn:
        return conn.execute(update(table).where(table.c.worker == worker)
                            .values(expires=now() + timedelta(seconds=lease_seconds))).rowcount


def finish(storage: StorageBackend, pk: int) -> tuple[int | None, str | None]:
    """The process is terminal: it leaves the queue and its calling workflow is woken, in one transaction.

    Returns ``(caller pk, caller's new status)``; the status is ``queued`` when the caller should run now.
    One transaction, so a worker dying in between cannot leave a workflow waiting for a child that ended.
    """
    statements = _statements.get("finish")
    if statements is None:
        from ..orm.links import CALL_LINKS

        links = schema.links
        statements = _statements["finish"] = (
            delete(table).where(table.c.node_id == bindparam("b_pk")),
            select(links.c.input_id).where(links.c.output_id == bindparam("b_pk"),
                                           links.c.type.in_([t.value for t in CALL_LINKS])),
        )
    remove, find_caller = statements
    with storage.transaction() as conn:
        conn.execute(remove, {"b_pk": pk})
        caller = conn.execute(find_caller, {"b_pk": pk}).scalar()
        if caller is None:
            return None, None
        return caller, _wake(conn, caller)


def release_waiting(storage: StorageBackend, pk: int, worker: str) -> tuple[str | None, str | None]:
    """The process waits for children: let it go. Returns ``(status, action)``.

    The status is ``queued`` if it was woken meanwhile. If a control request arrived meanwhile the lease
    is *kept* and the request returned, so the holder carries it out now (not at the next wake-up).
    """
    with storage.transaction() as conn:
        released = conn.execute(update(table).where(
            table.c.node_id == pk, table.c.worker == worker, table.c.action.is_(None)).values(
            worker=None, expires=None,
            status=case((table.c.woken == true(), QUEUED), else_=WAITING), woken=False,
        )).rowcount
        row = conn.execute(select(table.c.status, table.c.action).where(table.c.node_id == pk)).first()
    if row is None:
        return None, None
    return (row[0], None) if released else (row[0], row[1])


def release(storage: StorageBackend, pk: int, worker: str, *, paused: bool | None = None,
            status: str | None = None, clear_action: bool = False) -> None:
    """Give the lease back (a stopping worker, a pause, a controller done with it)."""
    values: dict = {"worker": None, "expires": None}
    if paused is not None:
        values["paused"] = paused
    if status is not None:
        values["status"] = status
    if clear_action:
        values["action"] = None
    with storage.transaction() as conn:
        conn.execute(update(table).where(table.c.node_id == pk, table.c.worker == worker).values(**values))


def release_all(storage: StorageBackend, worker: str) -> int:
    """A worker stops: everything it holds is free for others at once (no waiting for the lease to expire)."""
    with storage.transaction() as conn:
        return conn.execute(update(table).where(table.c.worker == worker).values(worker=None, expires=None)).rowcount


def wake(storage: StorageBackend, pk: int) -> str | None:
    """A child of ``pk`` terminated: mark it woken; a waiting parent becomes queued. Returns the new status."""
    with storage.transaction() as conn:
        return _wake(conn, pk)


def _wake(conn, pk: int) -> str | None:
    conn.execute(update(table).where(table.c.node_id == pk).values(
        woken=True, queued_at=now(),
        status=case((table.c.status == WAITING, QUEUED), else_=table.c.status),
    ))
    return conn.execute(select(table.c.status).where(table.c.node_id == pk)).scalar()


def request(storage: StorageBackend, pks: Iterable[int], action: str | None) -> None:
    """Record a control request (``kill``/``pause``, or None to withdraw one) for each process."""
    pks = list(pks)
    with storage.transaction() as conn:
        for start in range(0, len(pks), 900):
            conn.execute(update(table).where(table.c.node_id.in_(pks[start:start + 900])).values(action=action))


def get(storage: StorageBackend, pk: int) -> dict | None:
    with storage.connection() as conn:
        row = conn.execute(select(table).where(table.c.node_id == pk)).mappings().first()
    return dict(row) if row else None


def actions_for(storage: StorageBackend, worker: str) -> dict[int, str]:
    """Control requests waiting on processes this worker holds."""
    with storage.connection() as conn:
        rows = conn.execute(select(table.c.node_id, table.c.action)
                            .where(table.c.worker == worker, table.c.action.is_not(None))).all()
    return {pk: action for pk, action in rows}


def held_by(storage: StorageBackend) -> dict[str, int]:
    """Number of processes each worker holds (live or not)."""
    from sqlalchemy import func

    with storage.connection() as conn:
        rows = conn.execute(select(table.c.worker, func.count()).where(table.c.worker.is_not(None))
                            .group_by(table.c.worker)).all()
    return {worker: count for worker, count in rows}


def counts(storage: StorageBackend) -> dict[str, int]:
    from sqlalchemy import func

    with storage.connection() as conn:
        rows = conn.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
    return {status: count for status, count in rows}
