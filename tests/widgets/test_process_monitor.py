"""ProcessMonitor on the kernel side: the table a front end pulls, the rows pushed when a state changes,
the buttons' answers, the log, and the graph of a process (the shared graph protocol, wrapped).

The comm is the recorder of ``wire.py``; the store, the views, the broker and its listener are real.
The browser test (test_process_monitor_in_jupyterlab.py) drives the same widget with a real daemon.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("anywidget")

from jupyter_prov.engine import run_get_node
from jupyter_prov.orm import CalcFunctionNode, Float, Int, Log, ProcessState
from jupyter_prov.testing.examples import Relax, silicon
from jupyter_prov.views import graph as g
from jupyter_prov.widgets import ProcessMonitor
from tests.timing import stretched

from .wire import ask, connect


def _running(label: str = "slow") -> CalcFunctionNode:
    node = CalcFunctionNode(process_label=label)
    node.set_process_state(ProcessState.RUNNING)
    return node.store()


def test_the_front_end_pulls_the_table_then_gets_only_what_changed(profile):
    _, chain = run_get_node(Relax, structure=silicon(), pressure=Float(0.5))
    running = _running()
    monitor = ProcessMonitor(listen=False)
    wire = connect(monitor)
    ask(monitor, {"type": "rows"})
    (content, buffers), = wire.take()
    assert (content["type"], content["full"], content["version"], buffers) == ("rows", True, 0, [])
    assert content["order"][:2] == [running.pk, chain.pk], "newest root first, then the work chain's tree"
    assert [r["pk"] for r in content["rows"]] == content["order"]
    assert {r["pk"] for r in content["rows"] if r["caller"] == chain.pk} == {n.pk for n in chain.called}
    assert monitor.update() == 0 and wire.take() == [], "nothing changed: nothing sent"
    running.set_process_state(ProcessState.FINISHED)
    running.set_exit(0)
    assert monitor.update() == 1
    (content, _), = wire.take()
    assert (content["full"], content["version"], content["removed"]) == (False, 1, [])
    assert "order" not in content, "the order did not change"
    assert [(r["pk"], r["state"], r["exit_status"], r["state_text"]) for r in content["rows"]] == [
        (running.pk, "finished", 0, "finished [0]")]


def test_a_new_process_is_pushed_by_the_shared_listener_within_a_second(profile):
    from jupyter_prov.daemon.broker import get_broker
    from jupyter_prov.orm import current

    monitor = ProcessMonitor()
    wire = connect(monitor)
    try:
        deadline = time.monotonic() + stretched(10)
        while monitor.mode != "push":
            assert time.monotonic() < deadline, monitor.mode
            time.sleep(0.05)
        time.sleep(0.3)
        node = _running("new")
        get_broker(current.get_profile()).publish_event(node.pk, "running")
        sent = time.monotonic()
        content, _ = wire.wait_for(lambda c: c.get("type") == "rows", stretched(5))
        assert time.monotonic() - sent < stretched(1.0)
        assert [r["pk"] for r in content["rows"]] == [node.pk] and content["order"] == [node.pk]
    finally:
        monitor.close()


def test_kill_says_what_happened_and_the_row_follows(profile):
    node = _running("stuck")
    monitor = ProcessMonitor(node, listen=False)
    wire = connect(monitor)
    ask(monitor, {"type": "control", "action": "kill", "pk": node.pk})
    content, _ = wire.wait_for(lambda c: c.get("type") == "control")
    assert content == {"type": "control", "action": "kill", "pk": node.pk,
                       "result": {str(node.pk): "killed (it was not run by the daemon)"}}
    content, _ = wire.wait_for(lambda c: c.get("type") == "rows", stretched(3))
    assert [(r["pk"], r["state"]) for r in content["rows"]] == [(node.pk, "killed")]
    ask(monitor, {"type": "control", "action": "explode", "pk": node.pk})
    content, _ = wire.wait_for(lambda c: c.get("type") == "error")
    assert "action must be one of pause, play, kill" in content["message"]
    monitor.close()


def test_the_report_and_the_graph_of_a_process(profile):
    _, chain = run_get_node(Relax, structure=silicon(), pressure=Float(0.5))
    Log(chain, "relaxing silicon").store()
    monitor = ProcessMonitor(chain, listen=False)
    wire = connect(monitor)
    ask(monitor, {"type": "report", "pk": chain.pk})
    (content, _), = wire.take()
    assert content["type"] == "report" and content["pk"] == chain.pk
    assert "relaxing silicon" in [line["message"] for line in content["lines"]]
    ask(monitor, {"type": "graph_open", "pk": chain.pk})
    (content, _), = wire.take()
    assert content == {"type": "graph_open", "graph": 1, "roots": [chain.pk]}
    ask(monitor, {"type": "graph", "graph": 1, "request": {"type": "snapshot", "reason": "render"}})
    (content, buffers), = wire.take()
    assert (content["type"], content["graph"], content["message"]["kind"]) == ("graph", 1, "snapshot")
    shown = {row.pk for row in g.decode(buffers).nodes}
    assert chain.pk in shown and {t.node.pk for t in chain.get_incoming()} <= shown
    ask(monitor, {"type": "graph", "graph": 0, "request": {"type": "snapshot", "reason": "render"}})
    assert wire.take() == [], "a request of a view that was replaced gets no answer"
    assert monitor.graph().roots == [chain.pk]


def test_a_monitor_shows_processes_only(profile):
    with pytest.raises(TypeError, match="ProcessMonitor shows processes; #\\d+ is a Int"):
        ProcessMonitor(Int(3).store())
