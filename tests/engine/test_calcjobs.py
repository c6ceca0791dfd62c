"""Calc jobs and shell jobs on real computers: this machine (local + direct) and a real sshd on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jupyter_prov.engine import launch_shell_job, run_get_node, submit
from jupyter_prov.engine.calcjobs import CalcJob
from jupyter_prov.engine.ports import PortValidationError
from jupyter_prov.engine.runner import continue_process
from jupyter_prov.orm import Computer, Dict, Int, load_node
from jupyter_prov.orm.nodes.code import Code
from jupyter_prov.orm.nodes.files import File
from jupyter_prov.transports import close_all

from ..transports.sshd import SshServer


class CountingJob(CalcJob):
    """Runs ``sh run.sh``: sleeps ``seconds``, appends a line to ``counter`` (submission count), echoes ``x``."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.input("settings", valid_type=Dict)
        spec.output("echo", valid_type=Int, required=False)

    def prepare_for_submission(self, folder: Path):
        s = self.inputs["settings"].value
        (folder / "run.sh").write_text(f"echo started >> {s['counter']}\nsleep {s['seconds']}\necho {self.inputs['x'].value}\n")
        return {"cmdline": ["run.sh"], "stdout": "out.txt", "retrieve": ["out.txt"]}

    def parse(self, retrieved, folder):
        if self.inputs["settings"].value.get("bad_parser"):
            raise ValueError("cannot read out.txt")
        return {"echo": Int(int((folder / "out.txt").read_text()))}


@pytest.fixture
def sh_code(profile, tmp_path):
    computer = Computer("here", "localhost", workdir=str(tmp_path / "work")).store()
    computer.set_metadata("job_poll_interval", 0.05)
    yield Code("/bin/sh", computer=computer, label="sh").store()
    close_all()


def fast(**extra):
    return {"options": {"transport_retries": 2, "retry_base_seconds": 0.1, **extra}}


def test_shell_job_wc(profile, tmp_path):
    data = tmp_path / "x.txt"
    data.write_text("a\nb\nc\n")
    node = launch_shell_job("wc", arguments=["-l", "{data}"], nodes={"data": File.from_path(data)})
    assert node.is_finished_ok, (node.exit_status, node.exit_message)
    assert node.outputs.stdout.get_content().strip() == "3 x.txt"
    assert node.outputs.stderr.get_content() == ""
    assert set(node.outputs) >= {"stdout", "stderr", "sent_files", "remote_folder", "retrieved"}
    assert "x.txt" in node.outputs.sent_files.list_files() and "_jprov_submit.sh" in node.outputs.sent_files.list_files()
    assert node.computer.label == "localhost" and node.get_attribute("job_id")
    # the same computer and code are reused
    launch_shell_job("wc", arguments=["-l", "{data}"], nodes={"data": File.from_path(data)})
    assert len(Computer.all()) == 1 and Code.get("wc@localhost").executable.endswith("/wc")
    close_all()


def test_shell_job_output_files_values_and_failures(profile, tmp_path):
    node = launch_shell_job("sh", arguments=["-c", "echo {n} > result.txt; mkdir d; echo y > d/f.out"],
                            nodes={"n": Int(7)}, outputs=["result.txt", "d/*.out"])
    assert node.is_finished_ok, node.exit_message
    assert node.outputs.result_txt.get_content() == "7\n"
    assert node.outputs.d_f_out.get_content() == "y\n"
    missing = launch_shell_job("sh", arguments=["-c", "true"], outputs=["nothing.txt"])
    assert missing.exit_status == 301 and "'nothing.txt' was not produced" in missing.exit_message
    failed = launch_shell_job("sh", arguments=["-c", "echo boom >&2; exit 3"])
    assert failed.exit_status == 400 and "status 3" in failed.exit_message and "boom" in failed.exit_message
    assert failed.outputs.stderr.get_content() == "boom\n"
    close_all()


def test_shell_job_bad_input_stores_nothing(profile):
    from jupyter_prov.orm import QueryBuilder
    from jupyter_prov.orm.nodes.process import CalcJobNode

    with pytest.raises(PortValidationError, match=r"\{data\}"):
        launch_shell_job("wc", arguments=["-l", "{data}"])
    with pytest.raises(PortValidationError, match="no-such-command-xyz"):
        launch_shell_job("no-such-command-xyz")
    with pytest.raises(Exception, match="nowhere"):
        launch_shell_job("wc", computer="nowhere")
    assert QueryBuilder().append(CalcJobNode).count() == 0
    close_all()


def test_executable_not_found_and_parser_error(sh_code, tmp_path):
    missing = Code("/opt/nothing/here", computer=sh_code.computer, label="ghost").store()
    node = launch_shell_job(missing)
    assert node.exit_status == 130 and "/opt/nothing/here" in node.exit_message
    settings = Dict({"counter": str(tmp_path / "c"), "seconds": 0, "bad_parser": True})
    _, node = run_get_node(CountingJob, code=sh_code, x=Int(1), settings=settings, metadata=fast())
    assert node.exit_status == 300 and "cannot read out.txt" in node.exit_message


def test_calcjob_with_parser_and_scheduler_options(sh_code, tmp_path):
    settings = Dict({"counter": str(tmp_path / "c"), "seconds": 0})
    result, node = run_get_node(CountingJob, code=sh_code, x=Int(5), settings=settings,
                                metadata=fast(resources={"num_machines": 1}, max_wallclock_seconds=60))
    assert node.is_finished_ok and result["echo"].value == 5
    assert "ulimit -t 60" in node.outputs.sent_files.get_file("_jprov_submit.sh").decode()
    with pytest.raises(PortValidationError, match="walltime"):
        run_get_node(CountingJob, code=sh_code, x=Int(5), settings=settings, metadata={"options": {"walltime": 3}})


def test_caching_reuses_a_shell_job(profile, caching_config):
    caching_config(enabled=True)
    first = launch_shell_job("echo", arguments=["cached"])
    second = launch_shell_job("echo", arguments=["cached"])
    assert second.is_finished_ok and second.get_attribute("cached_from", None) == first.uuid
    assert second.outputs.stdout.get_content() == "cached\n"
    close_all()


def _wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def _stage(pk):
    return load_node(pk).get_attribute("stage", None)


def test_worker_killed_in_update_stage_does_not_resubmit(sh_code, tmp_path, subprocess_env):
    counter = tmp_path / "counter"
    node = submit(CountingJob, code=sh_code, x=Int(9), settings=Dict({"counter": str(counter), "seconds": 2}),
                  metadata=fast())
    script = ("from jupyter_prov.orm import load_profile; load_profile(); "
              f"from jupyter_prov.engine.runner import continue_process; continue_process({node.pk})")
    child = subprocess.Popen([sys.executable, "-c", script],
                             env=subprocess_env)
    try:
        _wait_for(lambda: _stage(node.pk) == "update")
    finally:
        child.kill()
        child.wait()
    finished = continue_process(node.pk)
    assert finished.is_finished_ok and finished.outputs.echo.value == 9
    assert counter.read_text().splitlines() == ["started"]  # submitted once


def test_lost_job_ends_with_a_clear_exit_status(sh_code, tmp_path):
    node = submit(CountingJob, code=sh_code, x=Int(1), settings=Dict({"counter": str(tmp_path / "c"), "seconds": 30}),
                  metadata=fast())
    runner = threading.Thread(target=continue_process, args=(node.pk,))
    runner.start()
    _wait_for(lambda: _stage(node.pk) == "update")
    job_id = int(load_node(node.pk).get_attribute("job_id"))
    children = subprocess.run(["pgrep", "-P", str(job_id)], capture_output=True, text=True,
                              check=False).stdout.split()
    os.kill(job_id, 9)  # the job script dies before it records an exit status
    for child in children:
        os.kill(int(child), 9)
    runner.join(30)
    done = load_node(node.pk)
    assert done.exit_status == 110 and job_id == int(done.get_attribute("job_id")) and "lost" in done.exit_message


@pytest.fixture
def ssh_code(profile, tmp_path):
    server = SshServer(tmp_path / "sshd")
    server.start()
    computer = Computer("ssh-local", "127.0.0.1", transport_type="core.ssh", workdir=str(tmp_path / "sshwork")).store()
    computer.set_metadata("job_poll_interval", 0.1)
    computer.configure(**server.auth_params)
    code = Code("/bin/sh", computer=computer, label="sh").store()
    yield server, code
    close_all()
    server.stop()


def test_ssh_job_and_sshd_killed_mid_job(ssh_code, tmp_path):
    server, code = ssh_code
    counter = tmp_path / "counter"
    _, ok = run_get_node(CountingJob, code=code, x=Int(3), settings=Dict({"counter": str(counter), "seconds": 0}),
                         metadata=fast())
    assert ok.is_finished_ok and ok.outputs.echo.value == 3
    counter.unlink()

    node = submit(CountingJob, code=code, x=Int(4), settings=Dict({"counter": str(counter), "seconds": 2}),
                  metadata=fast())
    runner = threading.Thread(target=continue_process, args=(node.pk,))
    runner.start()
    _wait_for(lambda: _stage(node.pk) == "update")
    server.stop()
    runner.join(60)
    paused = load_node(node.pk)
    assert not paused.is_terminated and paused.get_attribute("paused") is True
    assert "paused in stage update" in paused.process_status and "ssh-local" in paused.process_status
    server.start()
    finished = continue_process(node.pk)
    assert finished.is_finished_ok and finished.outputs.echo.value == 4
    assert finished.get_attribute("paused") is False
    assert counter.read_text().splitlines() == ["started"]  # submitted once


@pytest.mark.slow
def test_shell_job_through_real_slurm(profile, tmp_path_factory):
    from ..schedulers.slurm_cluster import running_slurm

    with running_slurm(tmp_path_factory.mktemp("slurm")):
        work = tmp_path_factory.mktemp("slurmwork")
        computer = Computer("slurm-here", "localhost", scheduler_type="core.slurm", workdir=str(work)).store()
        computer.set_metadata("job_poll_interval", 0.5)
        node = launch_shell_job("echo", arguments=["via", "slurm"], computer=computer,
                                metadata={"options": {"resources": {"num_machines": 1}, "max_wallclock_seconds": 60}})
        assert node.is_finished_ok, node.exit_message
        assert node.outputs.stdout.get_content() == "via slurm\n"
        assert "#SBATCH --time=00:01:00" in node.outputs.sent_files.get_file("_jprov_submit.sh").decode()
        assert ".jprov-detailed-job-info.json" in node.outputs.retrieved.list_files()
