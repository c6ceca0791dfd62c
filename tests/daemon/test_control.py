"""Pause, play and kill through the daemon, for single processes and whole trees, within a second."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from jupyter_prov.daemon import kill, pause, play, wait
from jupyter_prov.engine import submit
from jupyter_prov.views.processes import detail
from jupyter_prov.orm import Float, Int, ProcessState, load_node
from jupyter_prov.orm.exceptions import NotExistent, ValidationError
from tests.daemon.processes import AddChildren, LongSteps, Nested, add, busy
from tests.timing import stretched


def SECOND() -> float:
    """The promised second, stretched by the load at the moment of the check (tests/timing.py)."""
    return stretched(1.0)


def _until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def _descendants(pk):
    from jupyter_prov.daemon.control import called_pks
    from jupyter_prov.orm import current

    return called_pks(current.get_storage(), [pk])


def test_kill_a_workflow_tree_within_a_second(daemon):
    outer = submit(Nested, count=Int(3), seconds=Float(3.0))
    inner_pk = _until(lambda: next((pk for pk in _descendants(outer.pk)
                                    if load_node(pk).process_label == "AddChildren"
                                    and load_node(pk).process_state is ProcessState.WAITING), None), 30,
                      "the inner work chain waits on its children")
    start = time.monotonic()
    report = kill([outer])
    assert report[outer.pk] in ("killed", "kill requested from its worker")
    assert report[inner_pk] in ("killed", "kill requested from its worker")
    _until(lambda: load_node(outer.pk).is_killed and load_node(inner_pk).is_killed, SECOND(), "the tree is killed")
    assert time.monotonic() - start < SECOND()
    # every process of the tree ends; calcfunctions that were mid-run finish their body
    _until(lambda: all(load_node(pk).is_terminated for pk in _descendants(outer.pk)), 15, "the tree ends")
    time.sleep(1)
    assert load_node(outer.pk).is_killed and "outputs" not in load_node(outer.pk).attributes
    assert len(load_node(outer.pk).outputs) == 0


def test_pause_and_play_a_waiting_workflow(daemon):
    chain = submit(AddChildren, count=Int(2), seconds=Float(1.0))
    _until(lambda: load_node(chain.pk).process_state is ProcessState.WAITING, 30, "the chain waits")
    start = time.monotonic()
    assert pause([chain.pk])[chain.pk] in ("paused", "pause requested from its worker")
    _until(lambda: load_node(chain.pk).get_attribute("paused", False), SECOND(), "the chain is paused")
    assert time.monotonic() - start < SECOND()
    _until(lambda: all(c.is_terminated for c in load_node(chain.pk).called), 15, "the children end")
    time.sleep(2)
    assert not load_node(chain.pk).is_terminated  # paused: it does not go on
    assert play([chain.pk])[chain.pk] == "playing"
    done = wait(chain, timeout=30)
    assert done.is_finished_ok and done.outputs.total.value == 3 and not done.get_attribute("paused")


def test_kill_a_queued_process_before_any_daemon_runs(daemon_profile):
    from jupyter_prov.daemon import start_daemon

    with pytest.warns(Warning):
        node = submit(add, x=Int(1), y=Int(2))
    assert kill([node.pk]) == {node.pk: "killed"}
    start_daemon(daemon_profile, 1)
    time.sleep(2)
    fresh = load_node(node.pk)
    assert fresh.is_killed and len(fresh.outputs) == 0


def test_unknown_pk_and_non_process_are_refused_with_the_input_named(daemon_profile):
    with pytest.raises(NotExistent, match="no process with pk 987654"):
        pause([987654])
    data = Int(5).store()
    with pytest.raises(ValidationError, match="not a process"):
        kill([data.pk])


def test_cli_pause_play_kill_watch(daemon):
    from jupyter_prov.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["-p", daemon.name, "process", "pause", "987654"])
    assert result.exit_code != 0 and "no process '987654'" in result.output

    chain = submit(AddChildren, count=Int(2), seconds=Float(0.5))
    _until(lambda: load_node(chain.pk).process_state is ProcessState.WAITING, 30, "the chain waits")
    result = runner.invoke(main, ["-p", daemon.name, "process", "pause", "--wait", str(chain.pk)])
    assert result.exit_code == 0, result.output
    assert f"process {chain.pk}:" in result.output
    result = runner.invoke(main, ["-p", daemon.name, "process", "play", str(chain.pk)])
    assert result.exit_code == 0 and "playing" in result.output, result.output
    result = runner.invoke(main, ["-p", daemon.name, "process", "watch", "--timeout", "60", str(chain.pk)])
    assert result.exit_code == 0, result.output
    assert "finished" in result.output.splitlines()[-1] or "finished" in result.output

    other = submit(AddChildren, count=Int(2), seconds=Float(5.0))
    _until(lambda: load_node(other.pk).process_state is ProcessState.WAITING, 30, "the chain waits")
    result = runner.invoke(main, ["-p", daemon.name, "process", "kill", str(other.pk)])
    assert result.exit_code == 0 and f"process {other.pk}: kill" in result.output, result.output
    _until(lambda: load_node(other.pk).is_killed, SECOND(), "the chain is killed")


def _held(pk):
    from jupyter_prov.daemon import leases
    from jupyter_prov.orm import current

    row = leases.get(current.get_storage(), pk)
    return row is not None and row["worker"] is not None and not row["worker"].startswith("control:")


def test_kill_a_running_calcfunction_within_a_second(daemon):
    """The body of a long Python calcfunction is interrupted: it ends killed at once, not when the body returns."""
    node = submit(busy, x=Int(1), seconds=Float(60.0))
    other = submit(busy, x=Int(2), seconds=Float(3.0))
    _until(lambda: load_node(node.pk).process_state is ProcessState.RUNNING and _held(node.pk), 30, "it runs")
    start = time.monotonic()
    assert kill([node.pk], message="wrong input")[node.pk] in ("killed", "kill requested from its worker")
    killed = _until(lambda: (n := load_node(node.pk)).is_killed and n, SECOND(), "the calcfunction is killed")
    assert time.monotonic() - start < SECOND()
    assert killed.process_status == "wrong input" and killed.is_sealed
    assert len(killed.outputs) == 0 and killed.get_attribute("checkpoint", None) is None
    # the other process, maybe in the same worker, is not affected; the worker goes on taking work
    assert wait(other, timeout=30).is_finished_ok and load_node(other.pk).outputs.result.value == 3
    assert wait(submit(add, x=Int(1), y=Int(1)), timeout=30).outputs.result.value == 2
    time.sleep(1)
    fresh = load_node(node.pk)
    assert fresh.is_killed and fresh.process_status == "wrong input"  # killed exactly once, nothing after


def test_kill_a_workchain_inside_a_long_step(daemon):
    """A work chain whose step runs a calcfunction inline: both end killed within a second, links consistent."""
    chain = submit(LongSteps, seconds=Float(60.0))
    _until(lambda: _held(chain.pk) and load_node(chain.pk).process_state is ProcessState.RUNNING, 30, "it runs")
    time.sleep(0.5)  # inside the first step
    start = time.monotonic()
    kill([chain.pk])
    done = _until(lambda: (n := load_node(chain.pk)).is_killed and n, SECOND(), "the work chain is killed")
    assert time.monotonic() - start < SECOND()
    _until(lambda: _descendants(chain.pk), 5, "the inline calcfunction is recorded")
    (inner,) = [load_node(pk) for pk in _descendants(chain.pk)]
    assert inner.is_killed and inner.process_status == f"caller {chain.pk} was killed"
    assert inner.caller.pk == chain.pk and len(inner.outputs) == 0
    assert {"seconds", "x"} <= set(inner.inputs)
    assert done.get_attribute("checkpoint", None) is None and len(done.outputs) == 0


def test_a_process_called_inline_by_a_running_step_is_not_killed_alone(daemon):
    """It runs in the worker's thread inside its caller's step: the answer says to kill the caller."""
    chain = submit(LongSteps, seconds=Float(30.0))
    inner_pk = _until(lambda: next(iter(_descendants(chain.pk)), None), 30, "the inline calcfunction is listed")
    assert load_node(inner_pk).process_state is ProcessState.RUNNING
    report = kill([inner_pk])
    assert report[inner_pk] == (f"not killed: it runs inside a step of process {chain.pk}, which the daemon runs; "
                                f"kill process {chain.pk} instead")
    assert load_node(inner_pk).process_state is ProcessState.RUNNING
    kill([chain.pk])
    _until(lambda: load_node(chain.pk).is_killed and load_node(inner_pk).is_killed, SECOND(), "both killed")
    assert load_node(inner_pk).process_status == f"caller {chain.pk} was killed"


def test_pause_a_running_workchain_at_its_next_step(daemon):
    """Pause of a work chain in a step: it reports the request at once and pauses when the step ends;
    play goes on from the checkpoint (the step is not run again)."""
    chain = submit(LongSteps, seconds=Float(2.0))
    _until(lambda: _held(chain.pk) and load_node(chain.pk).process_state is ProcessState.RUNNING, 30, "it runs")
    assert pause([chain.pk])[chain.pk] == "pause requested from its worker"
    assert detail(chain.pk)["state_text"] == "running (pausing)"  # reported at once
    paused = _until(lambda: (n := load_node(chain.pk)).get_attribute("paused", False) and n, 10, "paused")
    assert paused.process_status == "paused" and not paused.is_terminated
    assert detail(paused)["state_text"] == "running (paused)"
    # it pauses at the checkpoint after the step that was running (or, on a loaded machine where the
    # request arrived before the first step began, at the one before it): never in the middle of a step
    position = paused.checkpoint["position"]
    assert position in ([0], [1])
    assert len(_descendants(chain.pk)) == position[0]
    time.sleep(1.5)
    assert load_node(chain.pk).checkpoint["position"] == position  # it does not go on while paused
    assert play([chain.pk])[chain.pk] == "playing"
    done = wait(chain, timeout=30)
    assert done.is_finished_ok and done.outputs.result.value == 2
    assert len(_descendants(chain.pk)) == 1  # the first step ran once


def test_kill_a_calc_job_cancels_its_job_within_a_second(daemon, tmp_path):
    from jupyter_prov.orm import Computer, Dict
    from jupyter_prov.orm.nodes.code import Code
    from tests.engine.test_calcjobs import CountingJob
    from tests.engine.test_kill_running import _alive, _tree

    computer = Computer(f"here{time.monotonic_ns()}", "localhost", workdir=str(tmp_path / "work")).store()
    computer.set_metadata("job_poll_interval", 5.0)  # the kill must not wait for the next poll
    code = Code("/bin/sh", computer=computer, label="sh").store()
    node = submit(CountingJob, code=code, x=Int(3), settings=Dict({"counter": str(tmp_path / "c"), "seconds": 60}),
                  metadata={"options": {"retry_base_seconds": 0.1}})
    _until(lambda: load_node(node.pk).get_attribute("stage", None) == "update" and _held(node.pk), 60, "job polled")
    job = int(load_node(node.pk).get_attribute("job_id"))
    processes = _until(lambda: (tree := _tree(job)) and len(tree) >= 3 and tree, 10, "the job runs")
    start = time.monotonic()
    kill([node])
    done = _until(lambda: (n := load_node(node.pk)).is_killed and n, SECOND(), "the calc job is killed")
    assert time.monotonic() - start < SECOND()
    assert done.process_status == f"killed by user; scheduler job {job} cancelled"
    _until(lambda: not any(_alive(pid) for pid in processes), 5, "the job's processes are gone")
    assert "retrieved" not in done.outputs
