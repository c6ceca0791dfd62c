"""A daemon worker SIGKILLed between the scheduler accepting a calc job and the checkpoint: the job runs once.

The worker runs processes with ``tests.daemon.fault_runners:die_after_first_submit``, so it kills itself
exactly in that window; the supervisor starts a new worker, which takes the process over when the
lease expires. ``CountingJob`` appends a line to a marker file each time it starts: one line.
"""

from __future__ import annotations

import os

import pytest

from jupyter_prov.daemon import is_running, start_daemon, stop_daemon, wait
from jupyter_prov.engine import submit
from jupyter_prov.orm import Computer, Dict, Int, current
from jupyter_prov.orm.nodes.code import Code
from tests.engine.test_calcjobs import CountingJob

from .conftest import REPO_ROOT, make_daemon_profile

pytestmark = pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])


@pytest.fixture
def dying_daemon(profile, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("JPROV_TEST_DIE_MARKER", str(tmp_path / "died-once"))
    prof = make_daemon_profile(profile, "embedded", daemon_runner="tests.daemon.fault_runners:die_after_first_submit")
    current.load_profile(prof.name)
    start_daemon(prof, 1)
    yield prof
    if is_running(prof):
        stop_daemon(prof, timeout=30)
    current.load_profile(profile.name)


def test_worker_killed_between_scheduler_submit_and_checkpoint_job_submitted_once(dying_daemon, tmp_path):
    computer = Computer(f"c{os.getpid()}", workdir=str(tmp_path / "work")).store()
    computer.set_metadata("job_poll_interval", 0.1)
    code = Code("/bin/sh", computer=computer, label="sh").store()
    counter = tmp_path / "counter"
    node = submit(CountingJob, code=code, x=Int(6), settings=Dict({"counter": str(counter), "seconds": 0.5}),
                  metadata={"options": {"retry_base_seconds": 0.1}})
    done = wait(node, timeout=120)
    assert (tmp_path / "died-once").exists()  # a worker did die in the window
    assert done.is_finished_ok, done.attributes
    assert done.outputs.echo.value == 6
    assert counter.read_text().splitlines() == ["started"]
