"""Process functions: inputs, outputs, defaults, namespaces, exit codes, exceptions, provenance link by link."""

import pytest

from jupyter_prov.engine import ExitCode, calcfunction, run, run_get_node, run_get_pk, workfunction
from jupyter_prov.engine.process import ProcessError
from jupyter_prov.orm import CalcFunctionNode, Int, Log, ProcessState, Str, WorkFunctionNode, load_node
from jupyter_prov.orm.callers import calling_context
from jupyter_prov.orm.nodes.process import CellExecutionNode

from .conftest import links_in, links_out
from .processes import add, add_twice


def test_calcfunction_wraps_plain_values_and_links_them(profile):
    result, node = add.run_get_node(1, 2)
    assert isinstance(result, Int) and result.value == 3 and result.is_stored
    assert isinstance(node, CalcFunctionNode)
    assert node.process_state is ProcessState.FINISHED and node.exit_status == 0 and node.is_sealed
    assert links_in(node) == [("input_calc", "x", "Int"), ("input_calc", "y", "Int")]
    assert links_out(node) == [("create", "result", "Int")]
    assert result.creator.pk == node.pk
    assert node.inputs.x.value == 1 and node.inputs.y.value == 2
    assert node.process_type == "tests.engine.processes:add" and node.process_label == "add"


def test_source_module_and_version_are_recorded(profile):
    _, node = add.run_get_node(1, 2)
    assert "return x + y" in node.get_attribute("source_code")
    assert node.get_attribute("function_module") == "tests.engine.processes"
    assert len(node.get_attribute("source_hash")) == 64
    assert node.get_attribute("version")["core"]
    assert node.get_attribute("source_line") > 0


def test_workfunction_provenance_link_by_link(profile):
    result, node = run_get_node(add_twice, 1, 2)
    assert result.value == 5 and isinstance(node, WorkFunctionNode)
    assert links_in(node) == [("input_work", "x", "Int"), ("input_work", "y", "Int")]
    calls = node.called
    assert [c.process_label for c in calls] == ["add", "add"]
    assert links_out(node) == [("call_calc", "CALL", "CalcFunctionNode"), ("call_calc", "CALL", "CalcFunctionNode"),
                               ("return", "result", "Int")]
    first, second = sorted(calls, key=lambda c: c.pk)
    # the inner add gets the workfunction's own input nodes; the outer one the inner one's result
    assert first.inputs.x.pk == node.inputs.x.pk and first.inputs.y.pk == node.inputs.y.pk
    assert second.inputs.x.pk == first.outputs.result.pk and second.inputs.y.pk == node.inputs.y.pk
    assert node.outputs.result.pk == second.outputs.result.pk == result.pk
    assert result.creator.pk == second.pk
    for call in calls:
        assert call.caller.pk == node.pk


def test_positional_keyword_defaults_and_kwargs_namespace(profile):
    @calcfunction
    def combine(a, b=10, **extra):
        return a.value + b.value + sum(v.value for v in extra.values())

    result, node = combine.run_get_node(1, c=100, d=1000)
    assert result.value == 1111
    assert links_in(node) == [("input_calc", "a", "Int"), ("input_calc", "b", "Int"),
                              ("input_calc", "extra__c", "Int"), ("input_calc", "extra__d", "Int")]
    assert node.inputs.b.value == 10  # the default is recorded as an input


def test_dict_return_gives_labelled_outputs(profile):
    @calcfunction
    def divmod_(a, b):
        return {"quotient": a.value // b.value, "remainder": a.value % b.value}

    result, node = divmod_.run_get_node(17, 5)
    assert {k: v.value for k, v in result.items()} == {"quotient": 3, "remainder": 2}
    assert links_out(node) == [("create", "quotient", "Int"), ("create", "remainder", "Int")]


def test_list_of_nodes_becomes_a_namespace(profile):
    @calcfunction
    def total(values):
        return sum(v.value for v in values)

    a, b = Int(1).store(), Int(2).store()
    result, node = total.run_get_node([a, b])
    assert result.value == 3
    assert links_in(node) == [("input_calc", "values__0", "Int"), ("input_calc", "values__1", "Int")]


def test_run_helpers(profile):
    assert run(add, 2, 3).value == 5
    result, pk = run_get_pk(add, x=2, y=3)
    assert result.value == 5 and load_node(pk).process_label == "add"


def test_exit_code_finishes_with_status_and_no_outputs(profile):
    @calcfunction
    def refuse(x):
        return ExitCode(410, "negative input")

    result, node = refuse.run_get_node(-1)
    assert result is None
    assert node.process_state is ProcessState.FINISHED and node.exit_status == 410
    assert node.exit_message == "negative input" and node.is_failed and node.is_sealed
    assert links_out(node) == []


def test_exception_is_recorded_and_raised(profile):
    @calcfunction
    def broken(x):
        raise ValueError("cannot do it")

    with pytest.raises(ValueError, match="cannot do it"):
        broken(1)
    node = [n for n in Log.all() if True][-1].node_id
    node = load_node(node)
    assert node.process_state is ProcessState.EXCEPTED and node.is_sealed
    assert node.get_attribute("exception") == "ValueError: cannot do it"
    logs = node.get_logs()
    assert len(logs) == 1 and logs[0].levelname == "ERROR"
    assert "Traceback" in logs[0].message and "cannot do it" in logs[0].message
    assert links_in(node) == [("input_calc", "x", "Int")] and links_out(node) == []


def test_calcfunction_may_not_return_stored_data(profile):
    stored = Int(5).store()

    @calcfunction
    def cheat(x):
        return stored

    with pytest.raises(ProcessError, match="stored already"):
        cheat(1)
    assert stored.creator is None


def test_workfunction_may_only_return_stored_data(profile):
    @workfunction
    def creates(x):
        return Int(x.value + 1)

    with pytest.raises(ProcessError, match="not stored data"):
        creates(1)


def test_exception_in_nested_calcfunction_excepts_the_workfunction(profile):
    @calcfunction
    def fails(x):
        raise RuntimeError("inner")

    @workfunction
    def outer(x):
        return fails(x)

    with pytest.raises(RuntimeError, match="inner"):
        outer(1)
    nodes = sorted((n for n in (load_node(log.node_id) for log in Log.all())), key=lambda n: n.pk)
    assert [n.process_state for n in nodes] == [ProcessState.EXCEPTED, ProcessState.EXCEPTED]
    assert nodes[1].caller.pk == nodes[0].pk


def test_top_level_process_is_linked_to_the_current_caller(profile):
    cell = CellExecutionNode(process_type="notebook:cell", process_label="cell")
    cell.set_attribute("process_state", "running")
    cell.store()
    with calling_context(lambda: cell):
        _, node = add.run_get_node(1, 2)
        _, work = run_get_node(add_twice, 1, 2)
    assert node.caller.pk == cell.pk
    assert work.caller.pk == cell.pk
    # processes inside the workfunction are still linked to the workfunction, not the cell
    assert all(c.caller.pk == work.pk for c in work.called)
    assert links_out(cell) == [("call_calc", "CALL", "CalcFunctionNode"), ("call_work", "CALL", "WorkFunctionNode")]


def test_bad_argument_names_the_function_and_stores_nothing(profile, storage):
    before = storage.counts()
    with pytest.raises(TypeError, match="add"):
        add(1, 2, 3)
    with pytest.raises(Exception, match="input 'x'.*cannot turn"):
        add(object(), 2)
    assert storage.counts() == before


def test_variadic_positional_is_refused_at_decoration():
    with pytest.raises(TypeError, match=r"\*args"):
        @calcfunction
        def nope(*args):
            return 1


def test_string_inputs(profile):
    @calcfunction
    def shout(text):
        return text.value.upper()

    result = shout("hi")
    assert isinstance(result, Str) and result.value == "HI"


def test_calcfunction_returning_its_input_is_refused(profile, storage):
    @calcfunction
    def identity(x):
        return x

    with pytest.raises(ProcessError, match="one of its inputs"):
        identity(1)
    (node,) = [load_node(log.node_id) for log in Log.all()]
    assert node.is_excepted and links_out(node) == [] and node.inputs.x.creator is None


def test_runs_inside_a_running_event_loop_like_a_notebook_kernel(profile):
    import asyncio

    async def cell():
        # a Jupyter kernel runs cells while its asyncio loop is running: the engine must not need one
        result, node = run_get_node(add_twice, 1, 2)
        return result.value, node.process_state

    assert asyncio.run(cell()) == (5, ProcessState.FINISHED)
