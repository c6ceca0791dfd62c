"""The daemon runs invalidation actions: once each, across a worker killed with SIGKILL; re-runs submitted.

Real daemons (two worker OS processes, embedded broker) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from jupyter_prov.daemon import is_running, start_daemon, stop_daemon, wait
from jupyter_prov.orm import Int, current, load_node
from jupyter_prov.orm import record_queries as q
from jupyter_prov.records import Dataset, Model, actions, invalidate
from tests.daemon.conftest import REPO_ROOT, make_daemon_profile
from tests.records.processes import train


def _until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture
def action_daemon(profile, monkeypatch, tmp_path):
    """A daemon profile whose workers allow two logging commands; started by the test (``start()``)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")])))
    log = tmp_path / "runs.txt"
    commands = {"slow-log": ["sh", "-c", f'echo "$JPROV_RECORD v$JPROV_VERSION" >> {log}; sleep 30'],
                "log": ["sh", "-c", f'echo "$JPROV_RECORD v$JPROV_VERSION" >> {log}']}
    prof = make_daemon_profile(profile, "embedded", record_action_commands=commands)
    current.load_profile(prof.name)
    yield prof, log
    if is_running(prof):
        stop_daemon(prof, timeout=30)
    current.load_profile(profile.name)


def _lines(log):
    return sorted(log.read_text().splitlines()) if log.exists() else []


def test_an_action_runs_exactly_once_across_a_worker_kill_9(action_daemon):
    prof, log = action_daemon
    d1 = Dataset.create("d").update(Int(1))
    Model.create("slow").update(Int(2), derived_from=[d1])
    Model.create("quick").update(Int(3), derived_from=[d1])
    actions.attach("slow", "shell", "slow-log")
    actions.attach("quick", "shell", "log")
    result = invalidate(d1, "bad calibration")
    assert result["actions_queued"] == 2 and result["actions_runner"]
    start_daemon(prof, 2, wait=180)

    def runner_of_the_slow_action():
        rows = [r for r in q.outbox("running") if r["target"] == "slow-log"]
        return rows and "slow v1" in _lines(log) and int(rows[0]["worker"].split(":")[1])

    victim = _until(runner_of_the_slow_action, 90, "the slow action runs in a worker")
    os.kill(victim, signal.SIGKILL)
    runner = wait(load_node(result["actions_runner"]), timeout=120)
    assert runner.is_finished_ok, runner.attributes
    rows = {r["target"]: r for r in q.outbox()}
    assert rows["slow-log"]["status"] == "interrupted" and rows["log"]["status"] == "done"
    assert _lines(log) == ["quick v1", "slow v1"]  # each ran once: the slow one was not started again
    run = load_node(rows["slow-log"]["process_id"])
    assert run.get_attribute("outcome") == "interrupted" and run.get_attribute("exit_status") == 1
    assert [t.node.pk for t in run.get_incoming()] == [Model.get("slow")[1].node_pk]


def test_the_rerun_action_resubmits_the_producer_with_the_newest_valid_inputs(action_daemon):
    prof, _log = action_daemon
    data = Dataset.create("peaks")
    d1 = data.update(Int(1))
    result, calc = train.run_get_node(d1.node)
    m1 = Model.create("bragg").update(result["model"], by=calc)
    d2 = data.update(Int(5))
    actions.attach("bragg", "rerun")
    queued = invalidate(d1, "mislabelled peaks")
    assert q.is_invalid(m1.node_pk)
    start_daemon(prof, 2, wait=180)
    runner = wait(load_node(queued["actions_runner"]), timeout=120)
    assert runner.is_finished_ok
    row = q.outbox()[0]
    assert row["status"] == "done", row["outcome"]
    rerun = wait(load_node(row["outcome"]["submitted"]), timeout=120)
    assert rerun.is_finished_ok and rerun.process_type == calc.process_type
    assert rerun.inputs.data.pk == d2.node_pk and rerun.outputs.model.value == 10
    assert rerun.get_extra(actions.RERUN_EXTRA)["version"] == 1
    assert row["outcome"]["replaced"] == [{"input": "data", "from": d1.node_pk, "to": d2.node_pk}]

