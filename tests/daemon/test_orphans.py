"""A work chain resumed after its worker died in the middle of a step that had submitted children.

The step runs again (its checkpoint was not written), and submits the same children again: the
children the first run submitted are *adopted* — still running or already finished, never killed
and never duplicated. Children the second run does not submit again are killed (if not terminated).
"""

from __future__ import annotations

import os
import signal

import pytest

from jupyter_prov.daemon import leases, wait
from jupyter_prov.engine import submit
from jupyter_prov.orm import Float, current, load_node
from tests.daemon.processes import SubmitThenWork

from .test_faults import _until


@pytest.mark.parametrize("child_seconds", [0.0, 8.0], ids=["child-finished", "child-running"])
def test_resumed_step_adopts_the_children_it_had_submitted(daemon, child_seconds):
    chain = submit(SubmitThenWork, seconds=Float(4.0), child_seconds=Float(child_seconds))
    storage = current.get_storage()

    def in_step():
        row = leases.get(storage, chain.pk)
        node = load_node(chain.pk)
        return row and row["worker"] and node.called and node.checkpoint.get("called") == [] and row["worker"]

    worker = _until(in_step, 30, "the step has submitted its child and works on")
    (child,) = load_node(chain.pk).called
    if child_seconds == 0.0:
        _until(lambda: load_node(child.pk).is_terminated, 30, "the child finished")
    os.kill(int(worker.split(":")[1]), signal.SIGKILL)
    done = wait(chain, timeout=120)
    assert done.is_finished_ok, done.attributes
    (only,) = done.called  # the same child, adopted: not killed, not submitted twice
    assert only.pk == child.pk and only.is_finished_ok
    assert done.outputs.result.value == 3
    assert done.outputs.result.pk == only.outputs.result.pk
