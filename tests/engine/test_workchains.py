"""Work chains: outline DSL, context, children, exit codes, exposed inputs, checkpoints, exceptions in steps."""

import json

import pytest

from jupyter_prov.engine import ToContext, WorkChain, if_, return_, run_get_node, while_
from jupyter_prov.engine.process import ProcessError
from jupyter_prov.orm import Dict, Int, ProcessState, ValidationError, WorkChainNode, load_node

from .conftest import links_in, links_out
from .processes import AddChildren, Failing, ManyChildren, Outer, Relax, add


def test_relax_example_provenance(profile):
    result, node = run_get_node(Relax, structure=Dict({"a": 1}))
    assert isinstance(node, WorkChainNode) and node.is_finished_ok and node.is_sealed
    assert result["result"].get_dict() == {"a": 0.125, "step": 3}
    assert links_in(node) == [("input_work", "steps", "Int"), ("input_work", "structure", "Dict")]
    assert links_out(node) == [("call_calc", "CALL", "CalcFunctionNode")] * 3 + [("return", "result", "Dict")]
    steps = sorted(node.called, key=lambda n: n.pk)
    assert steps[0].inputs.structure.pk == node.inputs.structure.pk
    for before, after in zip(steps, steps[1:]):
        assert after.inputs.structure.pk == before.outputs.result.pk
    assert node.outputs.result.pk == steps[-1].outputs.result.pk
    assert node.outputs.result.creator.pk == steps[-1].pk
    assert [log.message for log in node.get_logs()] == ["step 1: a = 0.5", "step 2: a = 0.25", "step 3: a = 0.125"]
    assert node.get_attribute("checkpoint", None) is None  # cleared when terminal


def test_exit_code_from_a_step(profile):
    result, node = run_get_node(Relax, structure=Dict({"a": 1}), steps=1)
    assert result == {}
    assert node.process_state is ProcessState.FINISHED and node.exit_status == 300
    assert node.exit_message == "did not converge" and node.is_failed
    assert Relax.exit_codes.ERROR_NOT_CONVERGED.status == 300


def test_submitted_children_are_awaited_and_put_in_context(profile):
    result, node = run_get_node(AddChildren, count=3)
    assert result["total"].value == 1 + 2 + 3
    called = sorted(node.called, key=lambda n: n.pk)
    assert [c.process_label for c in called] == ["add", "add", "add", "sum_values"]
    assert all(c.is_finished_ok for c in called)
    assert called[-1].inputs.values__0.pk == called[0].outputs.result.pk


def test_a_work_chain_calling_100_children(profile):
    result, node = run_get_node(ManyChildren, count=100)
    assert result["total"].value == sum(i + 1 for i in range(100))
    called = node.called
    assert len(called) == 101 and all(c.is_finished_ok for c in called)
    assert all(c.caller.pk == node.pk for c in called)


def test_exposed_inputs_and_child_work_chain(profile):
    result, node = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    assert links_in(node) == [("input_work", "relax__steps", "Int"), ("input_work", "relax__structure", "Dict")]
    (child,) = node.called
    assert links_out(node) == [("call_work", "CALL", "WorkChainNode"), ("return", "result", "Dict")]
    assert child.inputs.structure.pk == node.inputs.relax__structure.pk
    assert child.inputs.steps.pk == node.inputs.relax__steps.pk
    assert node.outputs.result.pk == child.outputs.result.pk == result["result"].pk
    assert child.caller.pk == node.pk


def test_if_and_return(profile):
    result, node = run_get_node(Outer, relax={"structure": {"a": 1.0}}, skip=True)
    assert result == {} and node.is_finished_ok and node.called == []


def test_failed_child_is_seen_by_the_parent(profile):
    result, node = run_get_node(Outer, relax={"structure": {"a": 1.0}, "steps": 1})
    assert node.exit_status == 400 and node.called[0].exit_status == 300


def test_exception_in_a_step(profile):
    with pytest.raises(RuntimeError, match="step exploded"):
        run_get_node(Failing)
    node = [n for n in _work_chains() if n.process_label == "Failing"][0]
    assert node.process_state is ProcessState.EXCEPTED and node.is_sealed
    (log,) = node.get_logs()
    assert log.levelname == "ERROR" and "Traceback" in log.message and "step exploded" in log.message
    assert "in boom" in log.message


def _work_chains():
    """Every process node, newest first (the views' list, as nodes)."""
    from jupyter_prov.orm import load_node
    from jupyter_prov.views import processes
    from jupyter_prov.views.nodes import MAX_LIMIT

    return [load_node(item["pk"]) for item in processes.list_processes(limit=MAX_LIMIT)["items"]]


class Looping(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.outline(
            cls.init,
            while_(cls.more)(
                if_(cls.even)(cls.record_even).elif_(cls.divisible_by_three)(cls.record_three).else_(cls.record_odd),
                cls.increment,
            ),
            if_(cls.never)(cls.init),
            cls.done,
            return_,
            cls.init,
        )
        spec.output("count", valid_type=Int)

    def init(self):
        self.ctx.i = 0
        self.ctx.seen = []

    def more(self):
        return self.ctx.i < self.inputs.n.value

    def even(self):
        return self.ctx.i % 2 == 0

    def divisible_by_three(self):
        return self.ctx.i % 3 == 0

    def never(self):
        return False

    def record_even(self):
        self.ctx.seen.append("even")

    def record_three(self):
        self.ctx.seen.append("three")

    def record_odd(self):
        self.ctx.seen.append("odd")

    def increment(self):
        self.ctx.i += 1

    def done(self):
        self.out("count", add(len(self.ctx.seen), 0))
        self.report(",".join(self.ctx.seen))


def test_outline_while_if_elif_else_return(profile):
    result, node = run_get_node(Looping, n=7)
    assert result["count"].value == 7
    assert node.get_logs()[0].message == "even,odd,even,three,even,odd,even"


class BadContext(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.store_object, cls.never_reached)

    def store_object(self):
        self.ctx.handle = object()

    def never_reached(self):
        raise AssertionError("should not run")


def test_context_value_that_cannot_be_checkpointed_names_the_key(profile):
    with pytest.raises(ValidationError, match=r"ctx.handle holds a builtins.object"):
        run_get_node(BadContext)


class Checkpointed(WorkChain):
    seen_checkpoints: list = []

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.one, cls.two)

    def one(self):
        self.ctx.value = add(1, 2)
        self.ctx.data = {"numbers": [1, 2.5], "flag": True, "none": None}

    def two(self):
        Checkpointed.seen_checkpoints.append(load_node(self.node.pk).checkpoint)


def test_checkpoint_is_json_with_node_references(profile):
    Checkpointed.seen_checkpoints.clear()
    _, node = run_get_node(Checkpointed)
    (checkpoint,) = Checkpointed.seen_checkpoints
    json.dumps(checkpoint)  # plain JSON
    assert checkpoint["version"] == 1 and checkpoint["position"] == [1]
    assert checkpoint["outline"] == ["one", "two"]
    value = node.called[0].outputs.result
    assert checkpoint["context"]["value"] == {"__node__": value.uuid}
    assert checkpoint["context"]["data"] == {"__dict__": {"numbers": [1, 2.5], "flag": True, "none": None}}


class NoOutline(WorkChain):
    pass


def test_work_chain_without_outline(profile):
    with pytest.raises(ProcessError, match="no outline"):
        run_get_node(NoOutline)


def test_to_context_needs_a_submitted_process(profile):
    class Wrong(WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.step)

        def step(self):
            return ToContext(x=Int(1))

    with pytest.raises(ProcessError, match="ToContext"):
        run_get_node(Wrong)


def test_exposed_outputs_and_excluded_inputs(profile):
    from .processes import Wrapper

    result, node = run_get_node(Wrapper, relax={"structure": {"a": 1.0}})
    assert links_in(node) == [("input_work", "relax__structure", "Dict")]
    assert links_out(node) == [("call_work", "CALL", "WorkChainNode"), ("return", "relax__result", "Dict")]
    (child,) = node.called
    assert child.inputs.steps.value == 4
    assert result["relax"]["result"].pk == child.outputs.result.pk
    with pytest.raises(Exception, match="unexpected input 'relax.steps'"):
        run_get_node(Wrapper, relax={"structure": {"a": 1.0}, "steps": 2})
