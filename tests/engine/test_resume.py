"""Crash and resume: a work chain checkpointed mid-way is finished by ``continue_process`` in a fresh interpreter."""

import json
import subprocess
import sys
from pathlib import Path

from jupyter_prov.engine import continue_process, submit
from jupyter_prov.orm import ProcessState, load_node

from .conftest import links_in, links_out
from .processes import AddChildren, Crashy, add

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, env: dict, expect: int = 0) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == expect, result.stderr
    return result.stdout


def test_crash_mid_way_and_resume_in_a_fresh_interpreter(profile, subprocess_env):
    node = submit(Crashy, x=2)
    crash_env = dict(subprocess_env, JPROV_TEST_CRASH="1")
    _python(f"from jupyter_prov.engine.runner import continue_process; continue_process({node.pk})", crash_env, expect=3)

    crashed = load_node(node.pk)
    assert crashed.process_state is ProcessState.RUNNING and not crashed.is_sealed
    checkpoint = crashed.checkpoint
    assert checkpoint["position"] == [1] and checkpoint["awaiting"] == []
    assert set(checkpoint["context"]) == {"doubled", "note", "child"}
    assert json.loads(json.dumps(checkpoint)) == checkpoint

    out = _python(
        "from jupyter_prov.engine.runner import continue_process\n"
        f"node = continue_process({node.pk})\n"
        "print(node.process_state.value, node.outputs.result.value)",
        subprocess_env,
    )
    assert out.split() == ["finished", "9"]

    done = load_node(node.pk)
    assert done.is_finished_ok and done.is_sealed and done.checkpoint is None
    assert links_in(done) == [("input_work", "x", "Int")]
    assert links_out(done) == [("call_calc", "CALL", "CalcFunctionNode")] * 3 + [("return", "result", "Int")]
    first, child, last = sorted(done.called, key=lambda n: n.pk)
    assert first.inputs.x.pk == first.inputs.y.pk == done.inputs.x.pk
    assert child.inputs.x.pk == first.outputs.result.pk
    assert last.inputs.x.pk == child.outputs.result.pk and last.inputs.y.pk == first.outputs.result.pk
    assert done.outputs.result.pk == last.outputs.result.pk
    # a second continue, in yet another interpreter, changes nothing
    _python(f"from jupyter_prov.engine.runner import continue_process; continue_process({node.pk})", subprocess_env)
    assert len(load_node(node.pk).called) == 3


def test_waiting_work_chain_is_finished_by_another_interpreter(profile, subprocess_env):
    node = submit(AddChildren, count=3)
    assert continue_process(node.pk, run_children=False).process_state is ProcessState.WAITING
    out = _python(
        "from jupyter_prov.engine.runner import continue_process\n"
        f"node = continue_process({node.pk})\n"
        "print(node.process_state.value, node.outputs.total.value)",
        subprocess_env,
    )
    assert out.split() == ["finished", "6"]
    done = load_node(node.pk)
    assert sorted(c.process_label for c in done.called) == ["add", "add", "add", "sum_values"]


def test_children_of_a_step_that_was_never_checkpointed_are_killed_on_resume(profile):
    """Children the step does not submit again when it runs again are killed (they belong to no checkpoint)."""
    from jupyter_prov.engine.runner import load_process

    node = submit(AddChildren, count=2)
    process = load_process(node)
    process._run_children = False
    orphan = process.submit(add, 5, 5)  # not what the step submits when it runs again
    # the "crash": the checkpoint was never written, so the stored node does not know the orphan
    done = continue_process(node.pk)
    assert load_node(orphan.pk).process_state is ProcessState.KILLED
    assert "orphaned" in load_node(orphan.pk).process_status
    assert done.is_finished_ok and done.outputs.total.value == 3
    assert sorted(c.process_label for c in done.called) == ["add", "add", "add", "sum_values"]


def test_children_a_resumed_step_submits_again_are_adopted_not_duplicated(profile):
    from jupyter_prov.engine.runner import load_process

    node = submit(AddChildren, count=2)
    process = load_process(node)
    process._run_children = False
    first = process.submit(add, 0, 1)
    second = process.submit(add, 1, 1)
    continue_process(second.pk)  # one had finished, one had not started, when the worker died
    done = continue_process(node.pk)
    assert done.is_finished_ok and done.outputs.total.value == 3
    adds = sorted((c for c in done.called if c.process_label == "add"), key=lambda c: c.pk)
    assert [c.pk for c in adds] == [first.pk, second.pk] and all(c.is_finished_ok for c in adds)


def test_unknown_process_type_is_a_clear_error_and_changes_nothing(profile, storage):
    from sqlalchemy import update

    from jupyter_prov.engine.process import ProcessError
    from jupyter_prov.storage import schema

    node = submit(Crashy, x=1)
    with storage.transaction() as conn:
        conn.execute(update(schema.nodes).where(schema.nodes.c.id == node.pk).values(process_type="os:system"))
    try:
        continue_process(node.pk)
    except ProcessError as exc:
        # a row naming a module is not enough to import it (engine/allowed_modules.py)
        assert "os:system" in str(exc) and "not allowed" in str(exc) and f"pk={node.pk}" in str(exc)
    else:
        raise AssertionError("a process type naming a module nobody allowed was imported")
    assert load_node(node.pk).process_state is ProcessState.CREATED


def test_graph_resumes_without_rerunning_finished_tasks(profile, subprocess_env):
    from .processes import fragile

    node = submit(fragile, [1, 2, 3])
    crash_env = dict(subprocess_env, JPROV_TEST_CRASH="1")
    _python(f"from jupyter_prov.engine.runner import continue_process; continue_process({node.pk})", crash_env, expect=3)
    crashed = load_node(node.pk)
    assert crashed.process_state is ProcessState.RUNNING
    done_before = {t.link_label: t.node.pk for t in crashed.get_outgoing("call_calc")}
    assert set(done_before) == {"square_1", "square_2", "square_3", "sum_all_1"}
    out = _python(
        "from jupyter_prov.engine.runner import continue_process\n"
        f"node = continue_process({node.pk})\n"
        "print(node.process_state.value, node.outputs.result.value)",
        subprocess_env,
    )
    assert out.split() == ["finished", "15"]
    calls = {t.link_label: t.node.pk for t in load_node(node.pk).get_outgoing("call_calc")}
    assert set(calls) == {"square_1", "square_2", "square_3", "sum_all_1", "maybe_crash_1"}
    assert {k: calls[k] for k in done_before} == done_before  # the finished tasks were not run again


def test_non_db_inputs_are_kept_in_the_checkpoint(profile, subprocess_env):
    from .processes import EarlyExit

    node = submit(EarlyExit, stop=True)
    assert node.checkpoint["non_db_inputs"] == {"stop": True}
    out = _python(
        "from jupyter_prov.engine.runner import continue_process\n"
        f"node = continue_process({node.pk})\n"
        "print(node.exit_status, node.exit_message)",
        subprocess_env,
    )
    assert out.strip() == "410 stopped early"
