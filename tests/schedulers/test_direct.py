"""The direct scheduler runs real jobs on this machine through the local transport."""

from __future__ import annotations

import time

import pytest

from jupyter_prov.schedulers import JobResources, JobState, SchedulerError, load_scheduler
from jupyter_prov.schedulers.base import EXIT_STATUS_FILE
from jupyter_prov.transports.local import LocalTransport


def wait_done(scheduler, transport, job_id, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if scheduler.get_jobs_via(transport, [job_id])[job_id].state is JobState.DONE:
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not done after {seconds} s")


def test_submit_poll_and_exit_status(tmp_path):
    scheduler = load_scheduler("core.direct")
    resources = JobResources.from_options({"resources": {"num_machines": 1}, "max_wallclock_seconds": 60,
                                           "prepend_text": "export GREETING=hi"})
    script = scheduler.job_script(resources, ['echo "$GREETING" > out.txt; sleep 0.3; sh -c "exit 4"'])
    assert "ulimit -t 60" in script and script.startswith("#!/bin/bash\n")
    (tmp_path / "job.sh").write_text(script)
    with LocalTransport() as transport:
        job_id = scheduler.submit_via(transport, str(tmp_path), "job.sh")
        assert scheduler.get_jobs_via(transport, [job_id])[job_id].state is JobState.RUNNING
        wait_done(scheduler, transport, job_id)
    assert (tmp_path / "out.txt").read_text() == "hi\n"
    assert (tmp_path / EXIT_STATUS_FILE).read_text().strip() == "4"


def test_many_jobs_one_query_and_kill(tmp_path):
    scheduler = load_scheduler("core.direct")
    (tmp_path / "job.sh").write_text(scheduler.job_script(JobResources(), ["sleep 30"]))
    with LocalTransport() as transport:
        ids = [scheduler.submit_via(transport, str(tmp_path), "job.sh") for _ in range(3)]
        states = scheduler.get_jobs_via(transport, ids + ["999999"])
        assert [states[i].state for i in ids] == [JobState.RUNNING] * 3
        assert states["999999"].state is JobState.DONE
        for job_id in ids:
            scheduler.kill_via(transport, job_id)
        for job_id in ids:
            wait_done(scheduler, transport, job_id)


def test_bad_options_are_clear():
    with pytest.raises(SchedulerError, match="num_machines"):
        JobResources.from_options({"resources": {"num_machines": 0}})
    with pytest.raises(SchedulerError, match="'walltime'"):
        JobResources.from_options({"walltime": 5})
    with pytest.raises(SchedulerError, match="core.nope"):
        load_scheduler("core.nope")
