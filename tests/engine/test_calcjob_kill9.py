"""A calc job is never submitted twice to its scheduler, whenever the OS process running it is killed (``kill -9``).

The job (``CountingJob`` on the direct scheduler) appends a line to a marker file each time it starts,
so the marker counts submissions. The OS process continuing the job is killed:

- exactly between the scheduler's answer and the checkpoint that records the job id (it SIGKILLs
  itself right after the submit command returned: the window where a naive engine submits again);
- at random moments, again and again, until the job is done.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time

from jupyter_prov.engine import submit
from jupyter_prov.engine.runner import continue_process
from jupyter_prov.orm import Dict, Int, load_node
from tests.engine.test_calcjobs import CountingJob, fast, sh_code  # noqa: F401 - sh_code is a fixture

DIE_AFTER_SUBMIT = """
import os, signal
from jupyter_prov.transports.local import LocalTransport
real = LocalTransport.exec_argv
def exec_then_die(self, argv, **kwargs):
    result = real(self, argv, **kwargs)
    if argv[:1] == ["/bin/sh"] and "jprov-submit" in argv:
        os.kill(os.getpid(), signal.SIGKILL)  # the scheduler has the job; the checkpoint is not written
    return result
LocalTransport.exec_argv = exec_then_die
from jupyter_prov.orm import load_profile; load_profile()
from jupyter_prov.engine.runner import continue_process; continue_process({pk})
"""

CONTINUE = ("from jupyter_prov.orm import load_profile; load_profile(); "
            "from jupyter_prov.engine.runner import continue_process; continue_process({pk})")


def _submissions(counter) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def test_killed_between_scheduler_submit_and_checkpoint_the_job_is_not_submitted_again(sh_code, tmp_path,
                                                                                      subprocess_env):
    counter = tmp_path / "counter"
    node = submit(CountingJob, code=sh_code, x=Int(4), settings=Dict({"counter": str(counter), "seconds": 0.5}),
                  metadata=fast())
    child = subprocess.run([sys.executable, "-c", DIE_AFTER_SUBMIT.format(pk=node.pk)], env=subprocess_env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == -9, child.stderr
    assert load_node(node.pk).get_attribute("stage") == "submit"  # killed before the job id was recorded
    finished = continue_process(node.pk)
    assert finished.is_finished_ok, finished.attributes
    assert finished.outputs.echo.value == 4
    assert _submissions(counter) == 1


def test_killed_at_random_moments_each_job_is_submitted_once(sh_code, tmp_path, subprocess_env):
    rng = random.Random(13)
    kills = 0
    for index in range(3):
        counter = tmp_path / f"counter-{index}"
        node = submit(CountingJob, code=sh_code, x=Int(index),
                      settings=Dict({"counter": str(counter), "seconds": 0.3}), metadata=fast())
        deadline = time.monotonic() + 180
        attempt = 0
        while not load_node(node.pk).is_terminated and time.monotonic() < deadline:
            child = subprocess.Popen([sys.executable, "-c", CONTINUE.format(pk=node.pk)], env=subprocess_env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            attempt += 1
            try:
                # the first attempt of a job is always cut short (an interpreter's start-up plus the 0.3 s job
                # take longer than 0.9 s even on a quiet machine: without this a quiet run killed nothing);
                # start-up takes seconds on a busy machine: later attempts get longer, so every job ends
                child.wait(timeout=rng.uniform(0.2, 0.9) if attempt == 1 else rng.uniform(0.5, 2.5) * attempt)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                kills += 1
        done = load_node(node.pk)
        assert done.is_terminated, f"job {index} did not end within 180 s: {done.attributes}"
        # a kill while the submit command itself ran may leave the job's submission unknown: then the process is
        # excepted and says so, rather than submitting a second job
        assert _submissions(counter) <= 1, f"job {index} was submitted {_submissions(counter)} times"
        if done.is_finished_ok:
            assert _submissions(counter) == 1 and done.outputs.echo.value == index
        else:
            assert "did not finish" in (done.get_attribute("exception") or ""), done.attributes
    assert kills >= 2  # the test did kill
