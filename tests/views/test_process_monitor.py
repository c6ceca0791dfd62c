"""What a process monitor shows, and how it learns that something changed: rows of a process tree,
the difference of two readings, the throttle that keeps updates at ≤ 4 a second, and the one listener
per kernel that hands the daemon's broker events to every monitor (on both backends, a real broker)."""

from __future__ import annotations

import threading
import time

import pytest

from jupyter_prov.engine import run_get_node
from jupyter_prov.orm import CalcFunctionNode, Float, ProcessState, current
from jupyter_prov.testing.examples import Relax, silicon
from jupyter_prov.views import process_monitor as pm
from tests.timing import stretched


def test_the_rows_of_a_work_chain_are_its_tree_depth_first(profile):
    _, chain = run_get_node(Relax, structure=silicon(), pressure=Float(0.5))
    found = pm.rows(chain.pk)
    rows = found["rows"]
    steps = [n.pk for n in chain.called]
    assert [r["pk"] for r in rows] == [chain.pk, *steps] and not found["truncated"]
    top = rows[0]
    assert (top["depth"], top["caller"], top["children"], top["state"], top["exit_status"]) == (
        0, None, len(steps), "finished", 0)
    assert top["label"] == "Relax" and top["state_text"] == "finished [0]" and top["ctime"]
    assert all(r["depth"] == 1 and r["caller"] == chain.pk and r["children"] == 0 for r in rows[1:])
    # every process tree of the profile: the newest roots first, each with its children
    everything = pm.rows(None)["rows"]
    assert [r["pk"] for r in everything][: len(rows)] == [r["pk"] for r in rows]


def test_a_second_reading_differs_by_what_changed(profile):
    node = CalcFunctionNode(process_label="slow")
    node.set_process_state(ProcessState.RUNNING)
    node.store()
    first = pm.rows(node.pk)["rows"]
    before = {r["pk"]: r for r in first}
    assert pm.diff(before, pm.rows(node.pk)["rows"]) == ([], [])
    node.set_process_state(ProcessState.EXCEPTED)
    changed, removed = pm.diff(before, pm.rows(node.pk)["rows"])
    assert [(r["pk"], r["state"]) for r in changed] == [(node.pk, "excepted")] and removed == []
    assert pm.diff(before, []) == ([], [node.pk])
    assert pm.order_changed([1, 2, 3], [{"pk": 1}, {"pk": 3}, {"pk": 2}])
    assert not pm.order_changed([1, 2, 3], [{"pk": 1}, {"pk": 9}, {"pk": 2}, {"pk": 3}])


def test_a_burst_of_pokes_is_read_at_most_four_times_a_second():
    times: list[float] = []
    throttle = pm.Throttle(lambda: times.append(time.monotonic()), 0.25)
    start = time.monotonic()
    while time.monotonic() - start < 1.2:
        throttle.poke()
        time.sleep(0.005)
    time.sleep(0.4)
    throttle.close()
    assert 3 <= len(times) <= 6, times  # 1.2 s of pokes every 5 ms: ~5 readings, not ~240
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.24, gaps
    assert times[-1] > start + 1.0, "the last poke is read (nothing is lost at the end of a burst)"


def test_a_poke_while_reading_is_read_once_more():
    calls: list[int] = []
    entered = threading.Event()
    release = threading.Event()

    def slow():
        calls.append(len(calls))
        entered.set()
        release.wait(2)

    throttle = pm.Throttle(slow, 0.01)
    throttle.poke()
    assert entered.wait(2)
    throttle.poke()
    throttle.poke()
    release.set()
    time.sleep(0.3)
    throttle.close()
    assert calls == [0, 1]


def test_broker_messages_are_hints_a_malformed_one_is_dropped():
    assert pm.state_event({"pk": 3, "state": "running", "time": 1.0}) == {"pk": 3, "state": "running",
                                                                         "exit_status": None}
    assert pm.state_event({"pk": 3, "state": "finished", "exit_status": 0})["exit_status"] == 0
    for bad in ([1], {"pk": "3", "state": "x"}, {"pk": True, "state": "x"}, {"pk": 0, "state": "x"},
                {"pk": 3, "state": ""}, {"pk": 3, "state": "x" * 33}, {"pk": 3}, None):
        assert pm.state_event(bad) is None, bad
    assert pm.state_event({"pk": 3, "state": "finished", "exit_status": "0"})["exit_status"] is None


def test_state_events_are_read_in_the_order_they_were_sent_not_the_order_a_transport_delivers_them():
    from jupyter_prov.daemon.broker import in_sent_order

    # kombu's filesystem transport reads message files in name order: millisecond + random uuid
    delivered = [{"pk": 41, "state": "finished", "time": 2.0}, {"pk": 42, "state": "killed", "time": 3.0},
                 {"pk": 41, "state": "running", "time": 1.0}, {"pk": 43, "state": "x", "time": "soon"}, [1]]
    ordered = in_sent_order(delivered)
    # unstamped (or badly stamped) messages first, in arrival order; then by the publisher's stamp
    assert [m["state"] if isinstance(m, dict) else m for m in ordered] == ["x", [1], "running", "finished", "killed"]


def test_one_listener_hands_a_state_change_to_every_monitor_within_a_second(profile):
    from jupyter_prov.daemon.broker import get_broker

    got: list[tuple[str, float, list]] = []
    first = pm.listen(lambda events: events and got.append(("a", time.monotonic(), events)))
    second = pm.listen(lambda events: events and got.append(("b", time.monotonic(), events)))
    try:
        deadline = time.monotonic() + stretched(10)
        while first.mode != "push":
            assert time.monotonic() < deadline, f"the listener is {first.mode!r}"
            time.sleep(0.05)
        time.sleep(0.3)  # the listener's queue is bound
        broker = get_broker(current.get_profile())
        sent = time.monotonic()
        broker.publish_event(41, "running")
        broker.publish_event(41, "finished", exit_status=0)
        broker.publish_event(42, "killed")

        def merged(who: str) -> dict:
            # the three events may arrive in one batch or several; later batches win per process
            return {e["pk"]: e for w, _, es in list(got) if w == who for e in es}

        def settled(who: str) -> bool:
            states = {pk: e.get("state") for pk, e in merged(who).items()}
            return states.get(41) == "finished" and states.get(42) == "killed"

        deadline = time.monotonic() + stretched(5)
        while not (settled("a") and settled("b")):
            assert time.monotonic() < deadline, got
            time.sleep(0.02)
    finally:
        first.close()
        second.close()
    assert first.events is second.events, "one listener for both monitors"
    for who in ("a", "b"):
        at = next(at for w, at, _ in got if w == who)
        assert at - sent < stretched(1.0), "the first state change arrives within a second"
        assert merged(who)[41] == {"pk": 41, "state": "finished", "exit_status": 0}, "newest state per process"
        assert merged(who)[42]["state"] == "killed"


@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=True)
def test_control_says_what_happened_in_the_daemons_words(profile):
    node = CalcFunctionNode(process_label="stuck")
    node.set_process_state(ProcessState.RUNNING)
    node.store()
    assert pm.control("kill", [node.pk]) == {node.pk: "killed (it was not run by the daemon)"}
    assert pm.control("pause", [node.pk]) == {node.pk: "already killed"}
    with pytest.raises(ValueError, match="action must be one of pause, play, kill"):
        pm.control("explode", [node.pk])
