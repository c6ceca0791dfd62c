"""submit() and submit_many(): the processes, their new inputs and their queue rows are stored together."""

from __future__ import annotations

import pytest

from jupyter_prov import submit_many
from jupyter_prov.daemon import DaemonNotRunningWarning, leases, wait
from jupyter_prov.engine import PortValidationError, submit
from jupyter_prov.engine import queue as submit_queue
from jupyter_prov.orm import Float, Int, ProcessState, QueryBuilder, current
from jupyter_prov.orm.exceptions import StoringNotAllowed
from jupyter_prov.orm.nodes.node import Node
from tests.daemon.processes import AddChildren, add


def _node_count() -> int:
    return QueryBuilder().append(Node).count()


def test_submit_many_runs_every_process_once(daemon):
    one = Int(1)  # one input shared by every process: stored once
    nodes = submit_many(add, [{"x": Int(i), "y": one} for i in range(40)], chunk_size=16)
    assert len(nodes) == 40 and all(node.is_stored for node in nodes)
    done = [wait(node, timeout=120) for node in nodes]
    assert [node.outputs.result.value for node in done] == [i + 1 for i in range(40)]
    assert all(node.inputs.y.pk == one.pk for node in done)
    assert leases.counts(current.get_storage()) == {}


def test_submit_many_work_chains_run_their_children(daemon):
    nodes = submit_many(AddChildren, [{"count": Int(n)} for n in (1, 2, 3)])
    done = [wait(node, timeout=120) for node in nodes]
    assert [node.outputs.total.value for node in done] == [1, 3, 6]


def test_submit_many_without_daemon_queues_everything_and_warns_once(daemon_profile):
    with pytest.warns(DaemonNotRunningWarning, match="daemon start") as caught:
        nodes = submit_many(add, [{"x": Int(i), "y": Int(i)} for i in range(25)], chunk_size=10)
    assert len([w for w in caught if issubclass(w.category, DaemonNotRunningWarning)]) == 1
    storage = current.get_storage()
    for node in nodes:
        assert node.process_state is ProcessState.CREATED
        assert leases.get(storage, node.pk)["status"] == leases.QUEUED
    assert leases.counts(storage) == {leases.QUEUED: 25}


def test_bad_input_in_one_entry_names_it_and_stores_nothing(daemon_profile):
    before = _node_count()
    inputs = [{"x": Int(1), "y": Int(2)}, {"x": Int(1), "y": Int(2)}, {"x": Int(1), "z": Int(2)}]
    with pytest.raises(TypeError, match="entry 2 of the inputs: .*'y'"):
        submit_many(add, inputs)
    with pytest.raises(PortValidationError, match="entry 1 of the inputs: .*count"):
        submit_many(AddChildren, [{"count": Int(1)}, {"count": Float(2.5)}])
    with pytest.raises(TypeError, match="entry 1 .* not a mapping"):
        submit_many(add, [{"x": Int(1), "y": Int(2)}, [Int(1), Int(2)]])
    with pytest.raises(TypeError, match="a list of input mappings"):
        submit_many(add, {"x": Int(1), "y": Int(2)})
    with pytest.raises(ValueError, match="chunk_size"):
        submit_many(add, [{"x": Int(1), "y": Int(2)}], chunk_size=0)
    assert _node_count() == before
    assert submit_many(add, []) == []
    assert leases.counts(current.get_storage()) == {}


class _DuplicateRowsQueue:
    """A queue whose rows break the lease table's primary key: the transaction that stores the process fails."""

    def __init__(self):
        self.committed_calls = 0

    def queueable(self, node):
        return True

    def rows(self, pks):
        return [(table, rows * 2) for table, rows in leases.insert_rows(pks)]

    def holds(self, pks):
        return []

    def kill(self, pks, message):
        raise AssertionError("not called: no process of this queue is ever stored")

    def committed(self, queued, refused):
        self.committed_calls += 1


@pytest.mark.parametrize("many", [False, True], ids=["submit", "submit_many"])
def test_the_process_and_its_queue_row_are_one_transaction(profile, many):
    broken = _DuplicateRowsQueue()
    submit_queue.register(broken)
    before = _node_count()
    try:
        with pytest.raises(StoringNotAllowed, match="nothing was stored"):
            if many:
                submit_many(add, [{"x": Int(i), "y": Int(1)} for i in range(100)])
            else:
                submit(add, x=Int(1), y=Int(2))
    finally:
        submit_queue.unregister(broken)
    assert _node_count() == before
    assert leases.counts(current.get_storage()) == {}
    assert broken.committed_calls == 0
