"""Every state transition of a process: created, running, waiting, finished, excepted, killed, sealed."""

import pytest

from jupyter_prov.engine import continue_process, run_get_node, submit
from jupyter_prov.engine.process import ProcessError, set_state
from jupyter_prov.engine.runner import kill_process
from jupyter_prov.orm import Dict, ModificationNotAllowed, ProcessState, load_node

from .conftest import links_in, links_out
from .processes import AddChildren, Failing, Relax, add


def test_submit_stores_created_with_checkpoint_then_continue_finishes(profile):
    node = submit(Relax, structure=Dict({"a": 1}))
    assert node.is_stored and node.process_state is ProcessState.CREATED and not node.is_sealed
    assert node.checkpoint["position"] == [0] and node.checkpoint["context"] == {}
    assert links_in(node) == [("input_work", "steps", "Int"), ("input_work", "structure", "Dict")]
    assert links_out(node) == []
    finished = continue_process(node.pk)
    assert finished.process_state is ProcessState.FINISHED and finished.is_sealed
    assert load_node(node.pk).outputs.result.get_dict()["a"] == 0.125


def test_continue_is_a_no_op_on_a_terminal_process(profile):
    node = submit(add, 1, 2)
    first = continue_process(node.pk)
    mtime = load_node(node.pk).mtime
    second = continue_process(node.pk)
    assert first.pk == second.pk and second.is_finished_ok
    assert load_node(node.pk).mtime == mtime
    assert len(load_node(node.pk).get_outgoing("create")) == 1


def test_submitted_calcfunction(profile):
    node = submit(add, 4, 5)
    assert node.process_state is ProcessState.CREATED
    assert links_in(node) == [("input_calc", "x", "Int"), ("input_calc", "y", "Int")]
    done = continue_process(node.pk)
    assert done.is_finished_ok and done.outputs.result.value == 9


def test_waiting_on_children_without_running_them(profile):
    node = submit(AddChildren, count=2)
    waiting = continue_process(node.pk, run_children=False)
    assert waiting.process_state is ProcessState.WAITING and not waiting.is_sealed
    children = waiting.called
    assert [c.process_state for c in children] == [ProcessState.CREATED, ProcessState.CREATED]
    assert len(waiting.checkpoint["awaiting"]) == 2
    # still waiting: continuing again without running children changes nothing
    assert continue_process(node.pk, run_children=False).process_state is ProcessState.WAITING
    for child in children:
        continue_process(child.pk)
    done = continue_process(node.pk, run_children=False)
    assert done.is_finished_ok and done.outputs.total.value == 3


def test_kill_a_waiting_work_chain_kills_its_children(profile):
    node = submit(AddChildren, count=2)
    continue_process(node.pk, run_children=False)
    assert kill_process(node.pk, "enough")
    node = load_node(node.pk)
    assert node.process_state is ProcessState.KILLED and node.is_sealed
    assert node.process_status == "enough"
    assert all(c.process_state is ProcessState.KILLED and c.is_sealed for c in node.called)
    assert not kill_process(node.pk)
    assert continue_process(node.pk).process_state is ProcessState.KILLED


def test_kill_a_created_process(profile):
    node = submit(add, 1, 2)
    assert kill_process(node.pk)
    assert load_node(node.pk).is_killed
    assert continue_process(node.pk).is_killed  # never runs afterwards


def test_excepted_is_terminal_and_sealed(profile):
    with pytest.raises(RuntimeError):
        run_get_node(Failing)
    node = [n for n in _processes() if n.process_label == "Failing"][0]
    assert node.is_excepted and node.is_sealed and node.is_terminated
    with pytest.raises(ProcessError, match="cannot go from excepted to running"):
        set_state(node, ProcessState.RUNNING)


def test_finished_process_is_sealed_and_immutable(profile):
    _, node = add.run_get_node(1, 2)
    with pytest.raises(ModificationNotAllowed):
        node.set_attribute("process_state", "running")
    with pytest.raises(ProcessError, match="cannot go from finished to waiting"):
        set_state(node, ProcessState.WAITING)


def test_transitions_table(profile):
    node = submit(Relax, structure=Dict({"a": 1}))
    set_state(node, ProcessState.RUNNING)
    set_state(node, ProcessState.WAITING)
    set_state(node, ProcessState.RUNNING)
    with pytest.raises(ProcessError, match="from running to created"):
        set_state(node, ProcessState.CREATED)
    set_state(node, ProcessState.FINISHED, exit_status=0)
    assert load_node(node.pk).process_state is ProcessState.FINISHED


def _processes():
    """Every process node, newest first (the views' list, as nodes)."""
    from jupyter_prov.orm import load_node
    from jupyter_prov.views import processes
    from jupyter_prov.views.nodes import MAX_LIMIT

    return [load_node(item["pk"]) for item in processes.list_processes(limit=MAX_LIMIT)["items"]]


def test_interrupt_in_a_work_chain_step_kills_it(profile):
    from jupyter_prov.engine import WorkChain

    class Interrupted(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.first, cls.second)

        def first(self):
            add(1, 2)

        def second(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_get_node(Interrupted)
    node = next(n for n in _processes() if n.process_label == "Interrupted")
    assert node.is_killed and node.is_sealed and "KeyboardInterrupt" in node.process_status
    assert node.called[0].is_finished_ok


def test_interrupted_foreground_calcfunction_leaves_nothing(profile, storage):
    from jupyter_prov.engine import calcfunction

    @calcfunction
    def interrupted(x):
        raise KeyboardInterrupt

    before = storage.counts()
    with pytest.raises(KeyboardInterrupt):
        interrupted(1)
    assert storage.counts() == before
