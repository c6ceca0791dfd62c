"""Named queries the services need: the SQL the engine and the daemon ask for, in the model layer.

Outside ``storage/`` and ``orm/`` nothing imports SQLAlchemy or ``storage.schema``
(``tests/test_import_rules.py``); the engine, the daemon and the exporters ask here instead, by what
they want to know: who called a process, every process a workflow called, the rows of the daemon's
queue (``db_process_lease``, whose meaning :mod:`jupyter_prov.daemon.leases` describes), the pks of
processes in some states, the columns of a set of nodes.

The statements are the ones the services ran before they moved here (same SQL, same indexes); the
queue statements that run for every process (claim, finish) are built once with bound parameters, as
before (building an ``UPDATE`` costs ~100 us, more than running it on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, false, func, or_, select, true, update

from ..storage import schema
from ..storage.backend import StorageBackend
from .links import CALL_LINKS

_CALL_TYPES = [t.value for t in CALL_LINKS]


# ---- calls between processes -------------------------------------------------------------------
def caller_pk(storage: StorageBackend, pk: int) -> int | None:
    """The process that called ``pk`` (a workflow), if any."""
    links = schema.links
    with storage.connection() as conn:
        return conn.execute(select(links.c.input_id).where(
            links.c.output_id == pk, links.c.type.in_(_CALL_TYPES))).scalar()


def called_pks(storage: StorageBackend, pks: Iterable[int]) -> list[int]:
    """Every process called by ``pks``, recursively (breadth first: children after their parents)."""
    links = schema.links
    found: list[int] = []
    frontier = list(pks)
    seen = set(frontier)
    with storage.connection() as conn:
        while frontier:
            children = conn.execute(select(links.c.output_id).where(
                links.c.input_id.in_(frontier), links.c.type.in_(_CALL_TYPES))).scalars().all()
            frontier = [pk for pk in children if pk not in seen]
            seen.update(frontier)
            found.extend(frontier)
    return found


# ---- node rows (exporters) ---------------------------------------------------------------------
def node_rows(storage: StorageBackend, pks: Sequence[int], columns: Sequence[str], *,
              chunk_size: int = 900) -> dict[int, dict[str, Any]]:
    """``{pk: {column: value}}`` of these nodes (``columns`` of ``db_node``, ``id`` among them), read in chunks."""
    table = schema.nodes
    selected = [table.c[name] for name in columns]
    rows: dict[int, dict[str, Any]] = {}
    pks = list(pks)
    with storage.connection() as conn:
        for offset in range(0, len(pks), chunk_size):
            for row in conn.execute(select(*selected).where(table.c.id.in_(pks[offset:offset + chunk_size]))).mappings():
                rows[row["id"]] = dict(row)
    return rows


def user_emails(storage: StorageBackend, user_ids: Iterable[int]) -> dict[int, str]:
    """``{user id: email}``."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users = schema.users
    with storage.connection() as conn:
        return dict(conn.execute(select(users.c.id, users.c.email).where(users.c.id.in_(ids))).all())


# ---- the daemon's queue: db_process_lease ------------------------------------------------------
queue_table = schema.process_leases
QUEUED, RUNNING, WAITING = "queued", "running", "waiting"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _runnable():
    """Rows a worker should run: wanted, not paused; or with a control request to carry out."""
    table = queue_table
    return or_(and_(table.c.status.in_((QUEUED, RUNNING)), table.c.paused == false()),
               table.c.action.is_not(None))


def queue_rows(pks: Sequence[int], at: datetime | None = None) -> list[dict]:
    """Rows of new processes, queued now (for an insert in the transaction that stores them)."""
    at = at or _now()
    return [{"node_id": int(pk), "status": QUEUED, "paused": False, "woken": False, "action": None,
             "worker": None, "expires": None, "queued_at": at} for pk in pks]


def queue_insert_rows(pks: Sequence[int]) -> list[tuple[Any, list[dict]]]:
    """``(table, rows)`` for ``store_all(..., extra_rows=...)``: the queue rows of processes stored with them."""
    return [(queue_table, queue_rows(pks))]


def queue_add(storage: StorageBackend, pks: Sequence[int]) -> None:
    """Add queued rows for processes; one queued already keeps its row (joins an open transaction)."""
    if not pks:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    rows = queue_rows(list(dict.fromkeys(int(pk) for pk in pks)))
    insert = (postgresql.insert if storage.dialect == "postgresql" else sqlite.insert)(queue_table)
    with storage.transaction() as conn:
        conn.execute(insert.on_conflict_do_nothing(index_elements=["node_id"]), rows)


_statements: dict[str, Any] = {}


def _take_statement(any_status: bool):
    """The claim UPDATE, built once (with bound parameters): it runs at least once for every process."""
    key = f"take-{any_status}"
    stmt = _statements.get(key)
    if stmt is None:
        table = queue_table
        free = or_(table.c.worker.is_(None), table.c.expires < bindparam("b_at"), table.c.worker == bindparam("b_worker"))
        condition = and_(table.c.node_id == bindparam("b_pk"), free)
        values: dict[str, Any] = {"worker": bindparam("b_worker"), "expires": bindparam("b_expires")}
        if not any_status:
            condition = and_(condition, _runnable())
            values.update(status=case((table.c.status == WAITING, WAITING), else_=RUNNING), woken=False)
        stmt = _statements[key] = update(table).where(condition).values(**values).returning(table.c.action)
    return stmt


def queue_take(storage: StorageBackend, pk: int, worker: str, lease_seconds: float, *,
               any_status: bool = False) -> tuple[bool, str | None]:
    """Take the row of one process if it is free (and runnable), in one ``UPDATE``: ``(won, pending action)``."""
    at = _now()
    params = {"b_pk": pk, "b_at": at, "b_worker": worker, "b_expires": at + timedelta(seconds=lease_seconds)}
    with storage.transaction() as conn:
        row = conn.execute(_take_statement(any_status), params).first()
    return (row is not None, row[0] if row is not None else None)


def queue_unclaimed(storage: StorageBackend, limit: int, grace_seconds: float) -> list[int]:
    """Up to ``limit`` runnable processes nobody holds: leases expired, or queued longer than ``grace_seconds``."""
    table = queue_table
    at = _now()
    candidates = (
        select(table.c.node_id)
        .where(_runnable(), or_(table.c.expires < at,
                                and_(table.c.worker.is_(None), table.c.queued_at < at - timedelta(seconds=grace_seconds))))
        .order_by(table.c.queued_at)
        .limit(limit)
    )
    with storage.connection() as conn:
        return list(conn.execute(candidates).scalars())


def queue_renew(storage: StorageBackend, worker: str, lease_seconds: float) -> int:
    """Renew every lease ``worker`` holds; returns how many."""
    table = queue_table
    with storage.transaction() as conn:
        return conn.execute(update(table).where(table.c.worker == worker)
                            .values(expires=_now() + timedelta(seconds=lease_seconds))).rowcount


def queue_finish(storage: StorageBackend, pk: int) -> tuple[int | None, str | None]:
    """Remove the row of a terminal process and wake its caller, in one transaction: ``(caller, its status)``."""
    statements = _statements.get("finish")
    if statements is None:
        links = schema.links
        statements = _statements["finish"] = (
            delete(queue_table).where(queue_table.c.node_id == bindparam("b_pk")),
            select(links.c.input_id).where(links.c.output_id == bindparam("b_pk"), links.c.type.in_(_CALL_TYPES)),
        )
    remove, find_caller = statements
    with storage.transaction() as conn:
        conn.execute(remove, {"b_pk": pk})
        caller = conn.execute(find_caller, {"b_pk": pk}).scalar()
        if caller is None:
            return None, None
        return caller, _wake(conn, caller)


def queue_release_waiting(storage: StorageBackend, pk: int, worker: str) -> tuple[str | None, str | None]:
    """Let go of a process that waits for children unless a control request came: ``(status, kept action)``."""
    table = queue_table
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


def queue_release(storage: StorageBackend, pk: int, worker: str, values: dict[str, Any]) -> None:
    """Give the lease of ``pk`` back (if ``worker`` holds it), setting ``values`` (paused, status, action)."""
    table = queue_table
    with storage.transaction() as conn:
        conn.execute(update(table).where(table.c.node_id == pk, table.c.worker == worker)
                     .values(worker=None, expires=None, **values))


def queue_release_all(storage: StorageBackend, worker: str) -> int:
    """Free every lease ``worker`` holds; returns how many."""
    table = queue_table
    with storage.transaction() as conn:
        return conn.execute(update(table).where(table.c.worker == worker).values(worker=None, expires=None)).rowcount


def queue_wake(storage: StorageBackend, pk: int) -> str | None:
    """Mark ``pk`` woken (a waiting one becomes queued); returns its status."""
    with storage.transaction() as conn:
        return _wake(conn, pk)


def _wake(conn, pk: int) -> str | None:
    table = queue_table
    conn.execute(update(table).where(table.c.node_id == pk).values(
        woken=True, queued_at=_now(),
        status=case((table.c.status == WAITING, QUEUED), else_=table.c.status),
    ))
    return conn.execute(select(table.c.status).where(table.c.node_id == pk)).scalar()


def queue_request(storage: StorageBackend, pks: Iterable[int], action: str | None) -> None:
    """Set the control request (``kill``/``pause``, or None) of each process."""
    table = queue_table
    pks = list(pks)
    with storage.transaction() as conn:
        for start in range(0, len(pks), 900):
            conn.execute(update(table).where(table.c.node_id.in_(pks[start:start + 900])).values(action=action))


def queue_row(storage: StorageBackend, pk: int) -> dict | None:
    """The queue row of ``pk`` as a dict, or None if it is not in the queue."""
    with storage.connection() as conn:
        row = conn.execute(select(queue_table).where(queue_table.c.node_id == pk)).mappings().first()
    return dict(row) if row else None


def queue_actions_for(storage: StorageBackend, worker: str) -> dict[int, str]:
    """``{pk: action}`` of the control requests on processes ``worker`` holds."""
    table = queue_table
    with storage.connection() as conn:
        rows = conn.execute(select(table.c.node_id, table.c.action)
                            .where(table.c.worker == worker, table.c.action.is_not(None))).all()
    return {pk: action for pk, action in rows}


def queue_counts(storage: StorageBackend) -> dict[str, int]:
    """``{status: number of rows}``."""
    table = queue_table
    with storage.connection() as conn:
        rows = conn.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
    return {status: count for status, count in rows}
