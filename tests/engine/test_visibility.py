"""A calcfunction run in the foreground is visible as ``running`` while it runs, and stored once."""

from __future__ import annotations

import threading
import time

from jupyter_prov.engine import calcfunction, workfunction
from jupyter_prov.orm import Float, Int, load_node
from jupyter_prov.views import processes
from jupyter_prov.views.nodes import MAX_LIMIT


def list_processes(*, states=None):
    """The process nodes of the views' list (every state unless ``states``), newest first."""
    return [load_node(item["pk"]) for item in processes.list_processes(states=states, limit=MAX_LIMIT)["items"]]


@calcfunction
def slow_double(x, seconds):
    time.sleep(seconds.value)
    return x * 2


@workfunction
def caller_of_slow(x):
    return slow_double(x, Float(1.5))


def _running(label):
    return [n for n in list_processes(states=["running"]) if n.process_label == label]


def _wait_running(label, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = _running(label)
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{label} never listed as running")


def test_a_long_calcfunction_is_listed_running_then_finished_once(profile):
    results = {}
    thread = threading.Thread(target=lambda: results.update(
        out=slow_double.run_get_node(Int(4), Float(1.5))))
    thread.start()
    (running,) = _wait_running("slow_double")
    assert running.process_state.value == "running" and {"x", "seconds"} <= set(running.inputs)
    assert len(running.outputs) == 0
    thread.join(10)
    value, node = results["out"]
    assert value.value == 8 and node.pk == running.pk  # the same node, not a second record
    done = load_node(running.pk)
    assert done.is_finished_ok and done.is_sealed and done.outputs.result.value == 8
    assert not _running("slow_double")
    assert len([n for n in list_processes() if n.process_label == "slow_double"]) == 1


def test_a_long_calcfunction_called_by_a_workfunction_is_linked_to_it_while_running(profile):
    thread = threading.Thread(target=caller_of_slow, args=(Int(2),))
    thread.start()
    (running,) = _wait_running("slow_double")
    (caller,) = _running("caller_of_slow")
    assert running.caller.pk == caller.pk
    thread.join(10)
    assert load_node(caller.pk).is_finished_ok and load_node(caller.pk).outputs.result.value == 4


@calcfunction
def slow_failure(x):
    time.sleep(1.0)
    raise ValueError(f"bad {x.value}")


def test_a_long_calcfunction_that_fails_is_excepted_on_the_node_listed_running(profile):
    thread = threading.Thread(target=_swallow, args=(slow_failure, Int(3)))
    thread.start()
    (running,) = _wait_running("slow_failure")
    thread.join(10)
    (excepted,) = [n for n in list_processes() if n.process_label == "slow_failure"]
    assert excepted.pk == running.pk and excepted.process_state.value == "excepted"
    assert "ValueError: bad 3" in excepted.get_attribute("exception") and len(excepted.outputs) == 0


def _swallow(function, *args):
    try:
        function(*args)
    except ValueError:
        pass
