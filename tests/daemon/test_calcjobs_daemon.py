"""Calc jobs in daemon workers: a worker SIGKILLed in the update stage, a computer lost mid-job (pause, play)."""

from __future__ import annotations

import os
import signal

import pytest

from jupyter_prov.daemon import leases, wait
from jupyter_prov.engine import submit
from jupyter_prov.orm import Computer, Dict, Int, current, load_node
from jupyter_prov.orm.nodes.code import Code
from tests.engine.test_calcjobs import CountingJob
from tests.transports.sshd import SshServer

from .test_faults import _until


@pytest.fixture
def broker_kind() -> str:
    return "embedded"  # the broker is not what these tests are about


def _code(tmp_path, **computer_kwargs):
    computer = Computer(f"c{os.getpid()}", workdir=str(tmp_path / "work"), **computer_kwargs).store()
    computer.set_metadata("job_poll_interval", 0.1)
    return computer


def test_worker_killed_in_update_stage_job_not_resubmitted(daemon, tmp_path):
    code = Code("/bin/sh", computer=_code(tmp_path), label="sh").store()
    counter = tmp_path / "counter"
    node = submit(CountingJob, code=code, x=Int(2), settings=Dict({"counter": str(counter), "seconds": 2}),
                  metadata={"options": {"retry_base_seconds": 0.1}})
    storage = current.get_storage()
    _until(lambda: load_node(node.pk).get_attribute("stage", None) == "update", 30, "the job is polled")
    row = leases.get(storage, node.pk)
    os.kill(int(row["worker"].split(":")[1]), signal.SIGKILL)
    done = wait(node, timeout=90)
    assert done.is_finished_ok, done.attributes
    assert done.outputs.echo.value == 2
    assert counter.read_text().splitlines() == ["started"]


def test_computer_lost_mid_job_pauses_then_play_finishes(daemon, tmp_path):
    from jupyter_prov.daemon.control import play

    server = SshServer(tmp_path / "sshd")
    server.start()
    try:
        computer = _code(tmp_path, hostname="127.0.0.1", transport_type="core.ssh")
        computer.configure(**server.auth_params)
        code = Code("/bin/sh", computer=computer, label="sh").store()
        counter = tmp_path / "counter"
        node = submit(CountingJob, code=code, x=Int(6), settings=Dict({"counter": str(counter), "seconds": 2}),
                      metadata={"options": {"transport_retries": 2, "retry_base_seconds": 0.1}})
        _until(lambda: load_node(node.pk).get_attribute("stage", None) == "update", 30, "the job is polled")
        server.stop()
        paused = _until(lambda: (n := load_node(node.pk)).get_attribute("paused", False) and n, 60, "paused")
        assert "paused in stage update" in paused.process_status
        _until(lambda: (leases.get(current.get_storage(), node.pk) or {}).get("paused"), 10, "lease paused")
        server.start()
        assert play([node.pk])[node.pk] in ("playing", "play requested from its worker")
        done = wait(node, timeout=90)
        assert done.is_finished_ok, done.attributes
        assert done.outputs.echo.value == 6
        assert counter.read_text().splitlines() == ["started"]
    finally:
        server.stop()
