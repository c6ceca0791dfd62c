"""Graph workflows: the dependency graph before running, concurrency, and provenance like hand-written code."""

import threading
import time

import pytest

from jupyter_prov.engine import continue_process, graph, submit, task, workfunction
from jupyter_prov.engine.graphs import TaskFuture
from jupyter_prov.engine.process import ProcessError
from jupyter_prov.orm import GraphNode, Int, ProcessState, load_node

from .conftest import links_in, links_out
from .processes import diamond, pipeline, square, sum_all


def test_graph_is_known_and_drawable_before_running(profile, storage):
    before = storage.counts()
    built = pipeline.build([1, 2, 3])
    assert list(built.tasks) == ["square_1", "square_2", "square_3", "sum_all_1"]
    assert built.tasks["sum_all_1"].depends_on == ["square_1", "square_2", "square_3"]
    dot = built.to_dot()
    assert '"square_2" -> "sum_all_1";' in dot and dot.startswith('digraph "pipeline"')
    assert storage.counts() == before  # building stores nothing


def test_pipeline_provenance_link_by_link(profile):
    result, node = pipeline.run_get_node([1, 2, 3])
    assert result.value == 14 and isinstance(node, GraphNode) and node.is_finished_ok and node.is_sealed
    assert links_in(node) == [("input_work", "values", "List")]
    assert links_out(node) == [("call_calc", "square_1", "CalcFunctionNode"), ("call_calc", "square_2", "CalcFunctionNode"),
                               ("call_calc", "square_3", "CalcFunctionNode"), ("call_calc", "sum_all_1", "CalcFunctionNode"),
                               ("return", "result", "Int")]
    calls = {t.link_label: t.node for t in node.get_outgoing("call_calc")}
    total = calls["sum_all_1"]
    assert links_in(total, ("input_calc",)) == [("input_calc", f"values__{i}", "Int") for i in range(3)]
    for i in range(3):
        assert total.inputs[f"values__{i}"].pk == calls[f"square_{i + 1}"].outputs.result.pk
    assert result.creator.pk == total.pk and node.outputs.result.pk == result.pk
    assert node.get_attribute("graph")["tasks"][3] == {
        "id": "sum_all_1", "function": "tests.engine.processes:sum_all", "depends_on": ["square_1", "square_2", "square_3"]}


def test_graph_provenance_matches_a_hand_written_workfunction(profile):
    @workfunction
    def by_hand(values):
        return sum_all([square(v) for v in values])

    _, hand = by_hand.run_get_node([1, 2, 3])
    _, built = pipeline.run_get_node([1, 2, 3])

    def shape(node):
        called = sorted(node.called, key=lambda c: c.process_label)
        return (links_in(node), [(t.link_type.value, t.link_label) for t in node.get_outgoing("return")],
                [(c.process_label, links_in(c, ("input_calc",)), links_out(c)) for c in called])

    assert shape(hand) == shape(built)


def test_dict_outputs_and_diamond_dependencies(profile):
    result, node = diamond.run_get_node(5)
    assert result["total"].value == 4 * 4 + 6 * 6 and result["low"].value == 4
    calls = {t.link_label: t.node for t in node.get_outgoing("call_calc")}
    assert set(calls) == {"split_1", "square_1", "square_2", "add_task_1"}
    assert calls["square_1"].inputs.x.pk == calls["split_1"].outputs.low.pk
    assert calls["square_2"].inputs.x.pk == calls["split_1"].outputs.high.pk
    assert node.outputs.low.pk == calls["split_1"].outputs.low.pk


@task
def slow(x):
    time.sleep(0.3)
    return threading.get_ident()


@graph(max_workers=4)
def fan_out(n):
    return {f"t{i}": slow(i) for i in range(n.value)}


def test_independent_tasks_run_concurrently(profile):
    start = time.perf_counter()
    result, node = fan_out.run_get_node(4)
    elapsed = time.perf_counter() - start
    assert len({v.value for v in result.values()}) > 1  # more than one thread ran tasks
    assert elapsed < 4 * 0.3, elapsed
    assert len(node.called) == 4


@task
def explode(x):
    raise ValueError("task failed")


@graph
def breaks(x):
    return square(explode(x))


def test_failing_task_excepts_the_graph_and_skips_its_dependents(profile):
    with pytest.raises(ValueError, match="task failed"):
        breaks(2)
    from jupyter_prov.orm import load_node
    from jupyter_prov.views.processes import list_processes

    graph_node = next(load_node(item["pk"]) for item in list_processes()["items"] if item["process_label"] == "breaks")
    assert graph_node.is_excepted
    assert [c.process_label for c in graph_node.called] == ["explode"]
    assert graph_node.called[0].is_excepted


def test_futures_have_no_value_while_building(profile):
    @graph
    def decides(x):
        if square(x):
            return x

    with pytest.raises(ProcessError, match="no value while the graph is being built"):
        decides.build(2)


def test_a_task_outside_a_graph_is_a_calcfunction(profile):
    result, node = square.run_get_node(7)
    assert result.value == 49 and node.node_type == "process.calculation.calcfunction"
    assert isinstance(square(Int(2)), Int)
    assert not isinstance(square(2), TaskFuture)


def test_submitted_graph_is_continued(profile):
    node = submit(pipeline, [1, 2])
    assert node.process_state is ProcessState.CREATED and node.get_attribute("graph")["tasks"]
    done = continue_process(node.pk)
    assert done.is_finished_ok and load_node(node.pk).outputs.result.value == 5


def test_caching_block_reaches_tasks_running_in_threads(profile):
    from jupyter_prov.engine import enable_caching

    _, first = pipeline.run_get_node([1, 2])
    with enable_caching():
        _, second = pipeline.run_get_node([1, 2])
    assert all(c.get_attribute("cached_from", None) for c in second.called)
    assert second.outputs.result.value == 5 and second.get_attribute("cached_from", None) is None
