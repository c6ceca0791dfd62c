"""Invalidation actions: queued in the invalidation's transaction, run once, each run recorded."""

from __future__ import annotations

import threading

import pytest

from jupyter_prov.orm import Int, load_node
from jupyter_prov.orm import record_queries as q
from jupyter_prov.records import Dataset, Model, RecordError, invalidate, revalidate
from jupyter_prov.records import actions


@pytest.fixture
def calls():
    seen = []
    actions.register_notifier("test-notify", lambda event: seen.append(event) or "sent")
    return seen


def _model_on(dataset_version, name="m"):
    return Model.create(name).update(Int(hash(name) % 1000), derived_from=[dataset_version])


def test_a_notify_action_runs_once_with_the_invalidation(profile, calls):
    d1 = Dataset.create("d").update(Int(1))
    m1 = _model_on(d1)
    actions.attach("m", "notify", "test-notify")
    result = invalidate(d1, "bad calibration", by="dora")
    assert result["actions_queued"] == 1 and len(actions.pending()) == 1
    ran = actions.run_pending("w1")
    assert [(r["record"], r["version"], r["status"]) for r in ran] == [("m", 1, "done")]
    assert calls == [{"record": "m", "version": 1, "node": m1.node_pk, "event": result["event"],
                      "cause": "bad calibration", "action": "notify", "target": "test-notify"}]
    assert actions.run_pending("w1") == [] and len(calls) == 1
    process = load_node(pk=ran[0]["process"])
    assert process.get_attribute("action") == "notify" and process.get_attribute("exit_status") == 0
    assert [t.node.pk for t in process.get_incoming()] == [m1.node_pk]


def test_an_action_on_a_kind_covers_every_record_of_it(profile, calls):
    d1 = Dataset.create("d").update(Int(1))
    _model_on(d1, "a")
    _model_on(d1, "b")
    actions.attach("Model", "notify", "test-notify")
    assert invalidate(d1, "x")["actions_queued"] == 2
    actions.run_pending()
    assert sorted(c["record"] for c in calls) == ["a", "b"]


def test_shell_commands_only_from_the_allow_list(profile, tmp_path):
    out = tmp_path / "notified.txt"
    actions.allow_command("write-file", ["sh", "-c", f'echo "$JPROV_RECORD v$JPROV_VERSION: $JPROV_CAUSE" > {out}'])
    d1 = Dataset.create("d").update(Int(1))
    _model_on(d1)
    actions.attach("m", "shell", "write-file")
    actions.attach("m", "shell", "rm-everything")  # named in the store, but not allowed in this process
    invalidate(d1, "wrong units")
    ran = {r["target"]: r for r in actions.run_pending()}
    assert out.read_text() == "m v1: wrong units\n" and ran["write-file"]["status"] == "done"
    assert ran["rm-everything"]["status"] == "failed" and "not on the allow-list" in ran["rm-everything"]["error"]


def test_concurrent_workers_run_each_action_exactly_once(profile):
    counts: dict[int, int] = {}
    lock = threading.Lock()

    def count(event):
        with lock:
            counts[event["node"]] = counts.get(event["node"], 0) + 1

    actions.register_notifier("count", count)
    d1 = Dataset.create("d").update(Int(1))
    for i in range(12):
        _model_on(d1, f"m{i}")
    actions.attach("Model", "notify", "count")
    invalidate(d1, "x")
    threads = [threading.Thread(target=actions.run_pending, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counts) == 12 and set(counts.values()) == {1}
    assert {row["status"] for row in q.outbox()} == {"done"}


def test_a_claim_left_by_a_dead_worker_is_reported_not_run_again(profile, calls):
    d1 = Dataset.create("d").update(Int(1))
    _model_on(d1)
    actions.attach("m", "notify", "test-notify")
    invalidate(d1, "x")
    (row,) = actions.pending()
    assert q.claim_action(row["id"], "killed-worker")
    actions.run_pending("next", stale_after=0)
    (after,) = q.outbox()
    assert after["status"] == "interrupted" and "killed-worker" in after["outcome"]["error"] and calls == []


def test_revalidating_before_a_worker_ran_cancels_the_action(profile, calls):
    d1 = Dataset.create("d").update(Int(1))
    _model_on(d1)
    actions.attach("m", "notify", "test-notify")
    invalidate(d1, "x")
    revalidate(d1, "false alarm")
    assert actions.run_pending() == [] and calls == []
    assert [row["status"] for row in q.outbox()] == ["cancelled"]


def test_an_invalidation_that_rolls_back_queues_nothing(profile, calls, monkeypatch):
    d1 = Dataset.create("d").update(Int(1))
    _model_on(d1)
    actions.attach("m", "notify", "test-notify")
    original = q._queue_actions
    queued = []

    def queue_then_crash(*args, **kwargs):
        queued.append(original(*args, **kwargs))
        raise RuntimeError("crash after the outbox rows were written")

    monkeypatch.setattr(q, "_queue_actions", queue_then_crash)
    with pytest.raises(RuntimeError):
        invalidate(d1, "x")
    monkeypatch.setattr(q, "_queue_actions", original)
    assert queued == [1]  # written inside the transaction ...
    assert q.outbox() == [] and q.count_invalid() == 0  # ... and rolled back with it


@pytest.mark.parametrize("action, target, message", [("email", "x", "unknown action"), ("notify", "", "needs the name")])
def test_bad_actions_are_refused(profile, action, target, message):
    Model.create("m")
    with pytest.raises(RecordError, match=message):
        actions.attach("m", action, target)
    assert q.actions_of() == []


CHILD = """
import pathlib, sys, time
from jupyter_prov.orm import load_profile
from jupyter_prov.records import actions
load_profile()
marker = pathlib.Path(sys.argv[1])
def slow(event):
    marker.write_text("started")
    time.sleep(60)
actions.register_notifier("slow", slow)
actions.run_pending("doomed-worker")
"""


def test_a_worker_killed_mid_action_never_runs_it_twice_and_says_so(profile, subprocess_env, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    d1 = Dataset.create("d").update(Int(1))
    _model_on(d1)
    actions.attach("m", "notify", "slow")
    invalidate(d1, "x")
    marker = tmp_path / "started"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker)], env=subprocess_env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        assert marker.exists(), "the child never started the action"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    (row,) = q.outbox()
    assert row["status"] == "running" and row["worker"] == "doomed-worker"
    ran = []
    actions.register_notifier("slow", ran.append)
    assert actions.run_pending("survivor") == []  # claimed recently: not touched
    actions.run_pending("survivor", stale_after=0)
    (row,) = q.outbox()
    assert row["status"] == "interrupted" and ran == []  # reported, and not run a second time


def test_a_rerun_left_claimed_by_a_dead_runner_is_submitted_exactly_once(profile):
    """A runner killed after its claim committed submitted nothing (the submission commits with the outcome):
    the stale claim goes back to the queue and the next runner submits the re-run, once."""
    import time

    from jupyter_prov.orm import QueryBuilder
    from jupyter_prov.orm.nodes.process import CalcFunctionNode
    from tests.records.processes import train

    data = Dataset.create("d")
    d1 = data.update(Int(1))
    result, calc = train.run_get_node(d1.node)
    Model.create("m").update(result["model"], by=calc)
    d2 = data.update(Int(4))
    actions.attach("m", "rerun")
    invalidate(d1, "bad", run_actions=False)
    (row,) = actions.pending()
    assert q.claim_action(row["id"], "host:999999:dead")  # what a kill -9 right after the claim leaves
    assert actions.run_pending("w", stale_after=60) == []  # not stale yet: left alone
    time.sleep(0.3)
    ran = actions.run_pending("w", stale_after=0.2)
    assert [r["status"] for r in ran] == ["done"] and actions.run_pending("w", stale_after=0.2) == []
    trains = QueryBuilder().append(CalcFunctionNode, filters={"process_type": calc.process_type}, project="id").all(flat=True)
    assert len(trains) == 2  # the original and one re-run
    rerun = load_node(ran[0]["submitted"])
    assert rerun.inputs.data.pk == d2.node_pk and rerun.process_state.value == "created"


def test_a_rerun_that_cannot_be_planned_fails_and_submits_nothing(profile):
    d1 = Dataset.create("d").update(Int(1))  # the only version: no valid one after it is invalid
    Model.create("m").update(Int(2), derived_from=[d1])  # no producing process
    actions.attach("m", "rerun")
    invalidate(d1, "bad", run_actions=False)
    (ran,) = actions.run_pending("w")
    assert ran["status"] == "failed" and "no producing process" in ran["error"]
    assert q.outbox()[0]["status"] == "failed"


def test_an_invalidation_that_queues_actions_submits_their_runner_in_its_transaction(profile):
    d1 = Dataset.create("d").update(Int(1))
    _model_on(d1)
    actions.attach("m", "rerun")
    result = invalidate(d1, "bad")
    runner = load_node(pk=result["actions_runner"])
    assert runner.process_label == "run_record_actions" and runner.process_state.value == "created"
    assert "actions_runner" not in invalidate(Int(5).store().pk, "no actions here")
