"""Fault tests: workers killed with SIGKILL, the daemon restarted mid-flight, bad input of every kind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from jupyter_prov.daemon import (
    BrokerUnreachable,
    DaemonNotRunningWarning,
    daemon_status,
    leases,
    start_daemon,
    stop_daemon,
    wait,
)
from jupyter_prov.engine import submit
from jupyter_prov.orm import Float, Int, ProcessState, current, load_node
from tests.conftest import IN_CI
from tests.daemon.processes import AddChildren, slow_add


def _until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def test_kill_9_a_worker_mid_work_chain_finishes_exactly_once(daemon):
    """SIGKILL the worker running children of a waiting work chain: its leases expire, others take over."""
    storage = current.get_storage()
    chain = submit(AddChildren, count=Int(6), seconds=Float(1.5))

    def holder_of_a_running_child():
        if load_node(chain.pk).process_state is not ProcessState.WAITING:
            return None  # its step (submitting the children) is checkpointed first
        for child in load_node(chain.pk).called:
            row = leases.get(storage, child.pk)
            if row and row["worker"] and child.process_state is ProcessState.RUNNING:
                return int(row["worker"].split(":")[1])
        return None

    victim = _until(holder_of_a_running_child, 30, "a child runs in a worker")
    os.kill(victim, signal.SIGKILL)
    done = wait(chain, timeout=90)
    assert done.is_finished_ok, done.attributes
    assert done.outputs.total.value == sum(range(1, 7))
    children = load_node(chain.pk).called
    adds = [c for c in children if c.process_label == "slow_add"]
    sums = [c for c in children if c.process_label == "sum_values"]
    assert len(adds) == 6 and len(sums) == 1
    assert all(c.is_finished_ok and list(c.outputs) == ["result"] for c in adds)
    assert sorted(c.outputs.result.value for c in adds) == list(range(1, 7))
    assert leases.counts(storage) == {}
    # the supervisor replaced the killed worker
    status = _until(lambda: (s := daemon_status(daemon)) and len([w for w in s["workers"] if w["alive"]]) == 2
                    and victim not in [w["pid"] for w in s["workers"]] and s, 20, "a new worker")
    assert status["running"]


def test_stop_and_restart_with_200_processes_in_flight(daemon):
    # 2 workers x 8 threads: 200 x 2 s is 25 s of work, longer than submitting 200 takes even at load 15
    # (with 0.3 s each, 3.75 s of work, all 200 had finished before the stop in a CI run at load 8-15)
    nodes = [submit(slow_add, x=Int(i), y=Int(1), seconds=Float(2.0)) for i in range(200)]
    time.sleep(1.0)
    stop_daemon(daemon)
    unfinished = [n.pk for n in nodes if not load_node(n.pk).is_terminated]
    assert unfinished, "all 200 finished before the stop; the test proves nothing"
    start_daemon(daemon, 2)
    done = [wait(n, timeout=120) for n in nodes]
    assert all(n.is_finished_ok for n in done)
    assert [n.outputs.result.value for n in done] == [i + 1 for i in range(200)]
    assert leases.counts(current.get_storage()) == {}


def test_a_stale_pid_file_is_reported_and_replaced(daemon_profile):
    from jupyter_prov.daemon.daemon_files import DaemonFiles

    files = DaemonFiles.of(daemon_profile)
    files.ensure()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    files.pid.write_text(str(dead.pid))
    status = daemon_status(daemon_profile)
    assert not status["running"] and status["stale_pid_file"] == str(files.pid)
    from click.testing import CliRunner

    from jupyter_prov.cli import main

    result = CliRunner().invoke(main, ["-p", daemon_profile.name, "daemon", "status"])
    assert "not running" in result.output and "stale pid file" in result.output
    started = start_daemon(daemon_profile, 1)
    assert started["running"] and "stale pid file" in started["note"]
    assert files.read_pid() == started["supervisor"]["pid"] != dead.pid
    result = CliRunner().invoke(main, ["-p", daemon_profile.name, "daemon", "start"])
    assert result.exit_code != 0 and "running already" in result.output


def test_lifecycle_from_the_cli(daemon_profile):
    import json

    from click.testing import CliRunner

    from jupyter_prov.cli import main

    runner = CliRunner()
    name = daemon_profile.name
    result = runner.invoke(main, ["-p", name, "daemon", "stop"])
    assert result.exit_code == 0 and "not running" in result.output
    result = runner.invoke(main, ["-p", name, "daemon", "start", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(main, ["-p", name, "daemon", "status", "--json"]).output)
    assert data["running"] and data["supervisor"]["pid"] and len(data["workers"]) == 2
    assert all(w["alive"] for w in data["workers"])
    checks = json.loads(runner.invoke(main, ["-p", name, "status", "--json"]).output)
    daemon_check = next(check for check in checks if check["name"] == "daemon")
    assert f"running (pid {data['supervisor']['pid']}, 2 worker(s))" in daemon_check["message"]
    result = runner.invoke(main, ["-p", name, "daemon", "incr"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(runner.invoke(main, ["-p", name, "daemon", "status", "--json"]).output)["workers"]) == 3
    result = runner.invoke(main, ["-p", name, "daemon", "decr", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(main, ["-p", name, "daemon", "status", "--json"]).output)
    assert len(data["workers"]) == 1
    old_pid = data["supervisor"]["pid"]
    result = runner.invoke(main, ["-p", name, "daemon", "restart"])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(main, ["-p", name, "daemon", "status", "--json"]).output)
    assert data["running"] and data["supervisor"]["pid"] != old_pid and len(data["workers"]) == 1
    result = runner.invoke(main, ["-p", name, "daemon", "logs", "-n", "5"])
    assert result.exit_code == 0 and "worker" in result.output
    result = runner.invoke(main, ["-p", name, "daemon", "stop"])
    assert result.exit_code == 0 and "daemon stopped" in result.output
    assert not json.loads(runner.invoke(main, ["-p", name, "daemon", "status", "--json"]).output)["running"]


def test_a_process_workers_cannot_import_is_excepted_with_the_reason(daemon, tmp_path, monkeypatch):
    (tmp_path / "only_here.py").write_text(
        "from jupyter_prov.engine import calcfunction\n\n@calcfunction\ndef double(x):\n    return x * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import only_here

    node = wait(submit(only_here.double, x=Int(2)), timeout=30)
    assert node.process_state is ProcessState.EXCEPTED
    assert "only_here" in node.get_attribute("exception") and "import" in node.get_attribute("exception")


@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=False)
def test_an_unreachable_broker_is_reported_quickly_never_a_hang(profile, monkeypatch):
    from tests.daemon.conftest import make_daemon_profile

    prof = make_daemon_profile(profile, "unreachable")
    from jupyter_prov.config import get_config

    config = get_config()
    config.profiles[prof.name].broker = "amqp://guest:guest@127.0.0.1:1//"
    config.save()
    current.load_profile(prof.name)
    prof = current.get_profile()
    try:
        start = time.monotonic()
        with pytest.raises(BrokerUnreachable, match="cannot reach the broker .*127.0.0.1:1"):
            start_daemon(prof, 1)
        with pytest.warns(DaemonNotRunningWarning, match="cannot reach the broker"):
            node = submit(slow_add, x=Int(1), y=Int(1), seconds=Float(0))
        assert node.process_state is ProcessState.CREATED and leases.get(current.get_storage(), node.pk)
        assert time.monotonic() - start < 20
        from click.testing import CliRunner

        from jupyter_prov.cli import main

        result = CliRunner().invoke(main, ["-p", prof.name, "daemon", "start"])
        assert result.exit_code != 0 and "cannot reach the broker" in result.output
    finally:
        current.load_profile(profile.name)


@pytest.mark.skipif(not shutil.which("rabbitmqctl"), reason="rabbitmqctl is not installed here")
@pytest.mark.skipif(not (IN_CI or os.environ.get("JPROV_TEST_RESTART_RABBITMQ")),
                    reason="restarts the shared RabbitMQ server: only in CI or with JPROV_TEST_RESTART_RABBITMQ=1")
@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=False)
@pytest.mark.parametrize("broker_kind", ["rabbitmq"], indirect=False)
@pytest.mark.restarts_rabbitmq
def test_processes_finish_across_a_rabbitmq_restart(daemon):
    """``rabbitmqctl stop_app``/``start_app`` (the gentle restart) while processes run."""
    nodes = [submit(slow_add, x=Int(i), y=Int(1), seconds=Float(0.3)) for i in range(30)]
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=60)
    try:
        time.sleep(2)
        more = [submit(slow_add, x=Int(100 + i), y=Int(1), seconds=Float(0.0)) for i in range(5)]
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)
        from tests.daemon.conftest import _rabbitmq_reachable

        _until(lambda: _rabbitmq_reachable() is None, 60, "RabbitMQ accepts connections again")
    done = [wait(n, timeout=120) for n in nodes + more]
    assert all(n.is_finished_ok for n in done)


@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=False)
@pytest.mark.parametrize("broker_kind", ["embedded"], indirect=False)
def test_workers_stop_when_their_supervisor_is_killed(daemon):
    import psutil

    status = daemon_status(daemon)
    workers = [w["pid"] for w in status["workers"]]
    os.kill(status["supervisor"]["pid"], signal.SIGKILL)
    gone, alive = psutil.wait_procs([psutil.Process(pid) for pid in workers], timeout=15)
    assert not alive, "workers outlived their supervisor"
    assert not daemon_status(daemon)["running"]
    restarted = start_daemon(daemon, 1)
    assert restarted["running"] and "stale pid file" in restarted["note"]
    node = wait(submit(slow_add, x=Int(1), y=Int(2), seconds=Float(0)), timeout=30)
    assert node.outputs.result.value == 3
