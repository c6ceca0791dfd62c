"""The SLURM plugin: script header, and parsing of sbatch/squeue/sacct outputs in SLURM's formats.

No SLURM runs on the development machine (see docs/how-to/computers-and-codes.md): the outputs below are
written in the exact formats of SLURM 22/23 (``squeue --format`` with our separator, ``sacct --parsable2``).
``test_real_slurm`` starts a real single-node SLURM (slurmctld + slurmd + munged) when slurm-wlm is installed.
"""

from __future__ import annotations

import time

import pytest

from jupyter_prov.schedulers import JobResources, JobState, SchedulerError, load_scheduler
from jupyter_prov.schedulers.slurm import parse_sacct

SQUEUE = """\
1001^^^R^^^None^^^5:02^^^1^^^node01
1002^^^PD^^^Priority^^^0:00^^^2^^^
1003^^^PD^^^JobHeldUser^^^0:00^^^1^^^
1004^^^CG^^^None^^^10:00^^^1^^^node02
1005^^^S^^^None^^^1:00^^^1^^^node03
"""
SACCT = """\
JobID|JobName|State|ExitCode|Elapsed|Start|End|NNodes|NCPUS|NodeList|MaxRSS|Partition|Account
1001|jprov-12|COMPLETED|0:0|00:05:02|2026-11-22T03:00:00|2026-11-22T03:05:02|1|4|node01||debug|proj
1001.batch|batch|COMPLETED|0:0|00:05:02|2026-11-22T03:00:00|2026-11-22T03:05:02|1|4|node01|10240K||proj
"""


@pytest.fixture
def slurm():
    return load_scheduler("core.slurm")


def test_script_header(slurm):
    resources = JobResources.from_options({
        "resources": {"num_machines": 2, "num_mpiprocs_per_machine": 8}, "max_wallclock_seconds": 90061,
        "queue_name": "debug", "account": "proj", "qos": "normal", "max_memory_kb": 2048000,
        "custom_scheduler_commands": "#SBATCH --constraint=gpu", "withmpi": True, "job_name": "jprov 12",
    })
    script = slurm.job_script(resources, ["'/opt/code' -in x"])
    for line in ["#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=8", "#SBATCH --time=1-01:01:01",
                 "#SBATCH --partition=debug", "#SBATCH --account=proj", "#SBATCH --qos=normal", "#SBATCH --mem=2000",
                 "#SBATCH --constraint=gpu", "#SBATCH --job-name=jprov_12", "#SBATCH --no-requeue",
                 "mpirun -np 16 '/opt/code' -in x"]:
        assert line in script.splitlines(), line
    assert script.index("--constraint=gpu") < script.index("mpirun")


def test_submit_output(slurm):
    assert slurm.parse_submit_output(0, "Submitted batch job 4242\n", "") == "4242"
    with pytest.raises(SchedulerError, match="invalid partition"):
        slurm.parse_submit_output(1, "", "sbatch: error: Batch job submission failed: Invalid partition name specified\n"
                                         .replace("Invalid partition", "invalid partition"))


def test_squeue_states(slurm):
    jobs = slurm.parse_joblist_output(0, SQUEUE, "")
    assert {k: v.state for k, v in jobs.items()} == {
        "1001": JobState.RUNNING, "1002": JobState.QUEUED, "1003": JobState.QUEUED,
        "1004": JobState.RUNNING, "1005": JobState.SUSPENDED}
    assert jobs["1003"].reason == "JobHeldUser"
    assert slurm.parse_joblist_output(1, "", "slurm_load_jobs error: Invalid job id specified\n") == {}
    with pytest.raises(SchedulerError, match="squeue failed"):
        slurm.parse_joblist_output(1, "", "slurm_load_jobs error: Unable to contact slurm controller\n")
    assert "--jobs=7,7" in slurm.joblist_command(["7"])
    assert "--jobs=7,8" in slurm.joblist_command(["7", "8"])


def test_sacct_rows(slurm):
    rows = parse_sacct(SACCT)
    assert rows[0]["State"] == "COMPLETED" and rows[1]["MaxRSS"] == "10240K"
    assert "--parsable2" in slurm.detailed_job_info_command("1001")
    assert slurm.kill_command("1001") == "scancel 1001"


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """A real single-node SLURM started for these tests (skips with the reason when it cannot run here)."""
    from .slurm_cluster import running_slurm

    with running_slurm(tmp_path_factory.mktemp("slurm")) as cluster:
        yield cluster


@pytest.mark.slow
def test_real_slurm(slurm_cluster, tmp_path):
    from jupyter_prov.transports.local import LocalTransport

    slurm = load_scheduler("core.slurm")
    script = slurm.job_script(JobResources(max_wallclock_seconds=60, queue_name="debug"), ["echo hi > out.txt"])
    (tmp_path / "job.sh").write_text(script)
    with LocalTransport() as transport:
        job_id = slurm.submit_via(transport, str(tmp_path), "job.sh")
        assert job_id.isdigit()
        deadline = time.monotonic() + 60
        while slurm.get_jobs_via(transport, [job_id])[job_id].state is not JobState.DONE:
            assert time.monotonic() < deadline, "the SLURM job did not finish in 60 s"
            time.sleep(0.5)
        info = slurm.detailed_job_info_via(transport, job_id)  # accounting is off here: sacct says so, kept as is
        assert info["command"].startswith("sacct") and (info["stdout"] or info["stderr"])
        held = slurm.submit_via(transport, str(tmp_path), "job.sh")
        slurm.kill_via(transport, held)
    assert (tmp_path / "out.txt").read_text() == "hi\n"
    assert (tmp_path / ".jprov-exit-status").read_text().strip() == "0"
