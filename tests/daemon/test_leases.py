"""The lease table: claims are atomic, expired leases are taken over, wake-ups are never lost."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import update

from jupyter_prov.daemon import leases
from jupyter_prov.orm.queries import queue_table
from jupyter_prov.orm import CalcFunctionNode, WorkChainNode


def _process(kind=CalcFunctionNode):
    node = kind(process_type="tests.daemon.processes:add")
    node.set_attribute("process_state", "created")
    return node.store()


def _orphan(storage, pk: int) -> None:
    """Make ``pk`` look held by a worker that died (its lease expired)."""
    with storage.transaction() as conn:
        conn.execute(update(queue_table).where(queue_table.c.node_id == pk).values(
            worker="dead-worker", status=leases.RUNNING, expires=leases.now() - timedelta(seconds=5)))


def test_claim_is_exclusive_and_expires(storage):
    pk = _process().pk
    leases.enqueue(storage, [pk])
    leases.enqueue(storage, [pk])  # queuing twice keeps one row
    assert leases.counts(storage) == {"queued": 1}
    assert leases.claim(storage, pk, "w1", 30)
    assert not leases.claim(storage, pk, "w2", 30)
    assert leases.claim(storage, pk, "w1", 30)  # the holder may claim again (re-entrant)
    assert leases.get(storage, pk)["status"] == leases.RUNNING
    _orphan(storage, pk)
    assert leases.claim(storage, pk, "w2", 30)
    assert leases.get(storage, pk)["worker"] == "w2"
    assert leases.heartbeat(storage, "w2", 30) == 1
    assert leases.release_all(storage, "w2") == 1
    assert leases.claim(storage, pk, "w1", 30)
    leases.finish(storage, pk)
    assert leases.get(storage, pk) is None
    assert not leases.claim(storage, pk, "w1", 30)


def test_claim_ready_takes_orphans_and_old_unclaimed_rows_only(storage):
    fresh, old, orphan, held = (_process().pk for _ in range(4))
    leases.enqueue(storage, [fresh, old, orphan, held])
    with storage.transaction() as conn:
        conn.execute(update(queue_table).where(queue_table.c.node_id == old)
                     .values(queued_at=leases.now() - timedelta(seconds=10)))
    _orphan(storage, orphan)
    assert leases.claim(storage, held, "other", 30)
    taken = leases.claim_ready(storage, "me", 30, limit=10, grace_seconds=5)
    assert sorted(taken) == sorted([old, orphan])


def test_paused_rows_are_not_claimed_but_kill_requests_are(storage):
    pk = _process().pk
    leases.enqueue(storage, [pk])
    with storage.transaction() as conn:
        conn.execute(update(queue_table).where(queue_table.c.node_id == pk).values(paused=True))
    assert not leases.claim(storage, pk, "w1", 30)
    leases.request(storage, [pk], leases.KILL)
    assert leases.claim(storage, pk, "w1", 30)


def test_wake_while_held_is_not_lost(storage):
    parent = _process(WorkChainNode).pk
    leases.enqueue(storage, [parent])
    assert leases.claim(storage, parent, "w1", 30)
    # a child terminates while the parent still runs its step
    assert leases.wake(storage, parent) == leases.RUNNING
    # the parent's step ends waiting: it is queued again at once instead of waiting forever
    assert leases.release_waiting(storage, parent, "w1") == (leases.QUEUED, None)
    assert leases.claim(storage, parent, "w2", 30)
    assert leases.release_waiting(storage, parent, "w2") == (leases.WAITING, None)
    assert leases.wake(storage, parent) == leases.QUEUED


def test_a_control_request_arriving_during_a_step_keeps_the_lease(storage):
    parent = _process(WorkChainNode).pk
    leases.enqueue(storage, [parent])
    assert leases.claim(storage, parent, "w1", 30)
    leases.request(storage, [parent], leases.PAUSE)
    assert leases.release_waiting(storage, parent, "w1") == (leases.RUNNING, leases.PAUSE)
    assert leases.get(storage, parent)["worker"] == "w1"


def test_two_os_processes_racing_for_orphans_exactly_one_wins_each(storage, subprocess_env):
    pks = [_process().pk for _ in range(20)]
    leases.enqueue(storage, pks)
    for pk in pks:
        _orphan(storage, pk)
    start_at = time.time() + 3
    racers = [
        subprocess.Popen([sys.executable, "-m", "tests.daemon.race_claim", f"racer{i}", str(start_at), *map(str, pks)],
                         env=subprocess_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(3)
    ]
    outputs = [racer.communicate(timeout=120) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers), [err for _, err in outputs]
    winners: dict[int, int] = {pk: 0 for pk in pks}
    for out, _err in outputs:
        for line in out.splitlines():
            pk, result = line.split()
            winners[int(pk)] += result == "won"
    assert winners == {pk: 1 for pk in pks}
    holders = {leases.get(storage, pk)["worker"] for pk in pks}
    assert holders <= {"racer0", "racer1", "racer2"}


def test_a_process_stored_but_never_queued_is_never_claimed(storage):
    """Only ``submit`` queues (the row is written with the process): an old ``created`` row without one is data."""
    from jupyter_prov.storage import schema

    unqueued, queued = _process(), _process()
    with storage.transaction() as conn:
        conn.execute(update(schema.nodes).where(schema.nodes.c.id.in_([unqueued.pk, queued.pk]))
                     .values(ctime=leases.now() - timedelta(hours=5)))
        conn.execute(update(queue_table).values(queued_at=leases.now() - timedelta(hours=5)))
    leases.enqueue(storage, [queued.pk])
    with storage.transaction() as conn:
        conn.execute(update(queue_table).values(queued_at=leases.now() - timedelta(hours=5)))
    assert leases.claim_ready(storage, "w1", 10, 100, grace_seconds=0) == [queued.pk]
    assert not leases.claim(storage, unqueued.pk, "w1", 10)
    assert leases.get(storage, unqueued.pk) is None
    assert not hasattr(leases, "unqueued_created")


def test_finishing_a_child_wakes_its_waiting_caller_in_the_same_transaction(storage):
    from jupyter_prov.orm import LinkType

    parent = WorkChainNode(process_type="tests.daemon.processes:AddChildren")
    parent.set_attribute("process_state", "waiting")
    parent.store()
    child = CalcFunctionNode(process_type="tests.daemon.processes:add")
    child.set_attribute("process_state", "created")
    child.add_incoming(parent, LinkType.CALL_CALC, "CALL")
    child.store()
    leases.enqueue(storage, [parent.pk, child.pk])
    assert leases.claim(storage, parent.pk, "w1", 30)
    assert leases.release_waiting(storage, parent.pk, "w1") == (leases.WAITING, None)
    assert leases.finish(storage, child.pk) == (parent.pk, leases.QUEUED)
    assert leases.get(storage, child.pk) is None and leases.get(storage, parent.pk)["status"] == leases.QUEUED
