"""Killing a process that runs in another thread of this Python process: a long Python step and a calc job
whose scheduler job is cancelled (core.direct on this machine, and a real SLURM)."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from jupyter_prov.engine import calcfunction, submit
from jupyter_prov.engine.runner import continue_process, kill_process
from jupyter_prov.orm import Computer, Dict, Float, Int, load_node
from jupyter_prov.orm.nodes.code import Code
from jupyter_prov.transports import close_all
from tests.daemon.processes import LongSteps, add
from tests.engine.test_calcjobs import CountingJob, fast

#: these tests submit and continue processes themselves, without a daemon
pytestmark = pytest.mark.filterwarnings("ignore:no daemon is running")


def _until(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def _in_thread(pk):
    thread = threading.Thread(target=continue_process, args=(pk,), daemon=True)
    thread.start()
    return thread


def _tree(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [p for c in children for p in _tree(int(c))]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


@pytest.fixture
def sh_here(profile, tmp_path):
    computer = Computer("here", "localhost", workdir=str(tmp_path / "work")).store()
    computer.set_metadata("job_poll_interval", 5.0)  # a long poll interval: the kill must not wait for it
    yield Code("/bin/sh", computer=computer, label="sh").store()
    close_all()


def test_kill_a_python_step_running_in_another_thread(profile):
    node = submit(LongSteps, seconds=Float(60.0))
    thread = _in_thread(node.pk)
    _until(lambda: load_node(node.pk).process_state.value == "running")
    time.sleep(0.5)  # inside the first step, in its calcfunction
    start = time.monotonic()
    assert kill_process(node.pk, "changed my mind") is True
    thread.join(2)
    assert not thread.is_alive() and time.monotonic() - start < 1.0
    done = load_node(node.pk)
    assert done.is_killed and done.process_status == "changed my mind" and done.checkpoint is None
    (inner,) = done.called
    assert inner.is_killed and inner.process_status == f"caller {node.pk} was killed" and len(inner.outputs) == 0
    assert kill_process(node.pk) is False  # killed once: a second kill changes nothing
    assert load_node(node.pk).process_status == "changed my mind"
    assert add(Int(1), Int(2)).value == 3  # this thread's next processes run as usual


@calcfunction
def stubborn(x):
    """Swallows every exception for a second, then returns."""
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        try:
            time.sleep(0.01)
        except BaseException:  # noqa: BLE001, S110 - what the test is about
            pass
    return x + 1


def test_a_kill_swallowed_by_user_code_is_raised_again_when_the_body_returns(profile):
    node = submit(stubborn, x=Int(1))
    thread = _in_thread(node.pk)
    _until(lambda: load_node(node.pk).process_state.value == "running")
    time.sleep(0.2)
    assert kill_process(node.pk) is True
    thread.join(3)
    done = load_node(node.pk)
    assert done.is_killed and len(done.outputs) == 0  # not finished, although its body returned a value


def test_kill_a_calc_job_cancels_its_direct_job(sh_here, tmp_path):
    counter = tmp_path / "counter"
    node = submit(CountingJob, code=sh_here, x=Int(5), settings=Dict({"counter": str(counter), "seconds": 60}),
                  metadata=fast())
    thread = _in_thread(node.pk)
    _until(lambda: load_node(node.pk).get_attribute("stage", None) == "update")
    job = int(load_node(node.pk).get_attribute("job_id"))
    processes = _until(lambda: (tree := _tree(job)) and len(tree) >= 3 and tree)  # script → sh run.sh → sleep
    start = time.monotonic()
    assert kill_process(node.pk) is True
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - start < 2.0
    done = load_node(node.pk)
    assert done.is_killed and done.process_status == f"killed by the user; scheduler job {job} cancelled"
    assert "retrieved" not in done.outputs and done.get_attribute("stage") == "update"
    _until(lambda: not any(_alive(pid) for pid in processes), 5)
    assert counter.read_text().splitlines() == ["started"]


def test_kill_a_calc_job_whose_job_has_ended_says_so(sh_here, tmp_path):
    """Killed while nobody runs it (a paused calc job), after its job ended: the status tells it was not cancelled."""
    from jupyter_prov.engine.runner import kill_process as kill

    node = submit(CountingJob, code=sh_here, x=Int(5), settings=Dict({"counter": str(tmp_path / "c"), "seconds": 0}),
                  metadata=fast())
    stored = load_node(node.pk)
    stored.set_attribute_many({"stage": "update", "job_id": "999999", "process_state": "waiting"})
    assert kill(node.pk) is True
    done = load_node(node.pk)
    assert done.is_killed
    assert "cancelling scheduler job 999999" in done.process_status and "the job has ended" in done.process_status


@pytest.mark.slow
def test_kill_a_calc_job_cancels_its_slurm_job(profile, tmp_path_factory):
    from ..schedulers.slurm_cluster import running_slurm

    with running_slurm(tmp_path_factory.mktemp("slurm")):
        computer = Computer("slurm-here", "localhost", scheduler_type="core.slurm",
                            workdir=str(tmp_path_factory.mktemp("slurmwork"))).store()
        computer.set_metadata("job_poll_interval", 0.5)
        code = Code("/bin/sh", computer=computer, label="sh").store()
        counter = tmp_path_factory.mktemp("c") / "counter"
        node = submit(CountingJob, code=code, x=Int(5), settings=Dict({"counter": str(counter), "seconds": 120}),
                      metadata=fast(resources={"num_machines": 1}, max_wallclock_seconds=300))
        thread = _in_thread(node.pk)
        _until(lambda: load_node(node.pk).get_attribute("scheduler_state", None) == "running", 60)
        job = load_node(node.pk).get_attribute("job_id")
        assert kill_process(node.pk) is True
        thread.join(5)
        done = load_node(node.pk)
        assert done.is_killed and done.process_status == f"killed by the user; scheduler job {job} cancelled"

        def gone():  # cancelled and completed (not COMPLETING): no batch step left behind when SLURM stops
            out = subprocess.run(["squeue", "-h", "-j", str(job), "-o", "%T"], capture_output=True, text=True)
            return out.stdout.strip() == ""
        _until(gone, 60)
        state = subprocess.run(["scontrol", "show", "job", str(job)], capture_output=True, text=True).stdout
        assert "JobState=CANCELLED" in state or not state.strip()
