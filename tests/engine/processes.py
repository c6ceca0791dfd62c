"""Processes used by the engine tests; importable (``tests.engine.processes``) so a fresh interpreter can resume them."""

from __future__ import annotations

import os

from jupyter_prov.engine import ToContext, WorkChain, calcfunction, graph, if_, return_, task, while_, workfunction
from jupyter_prov.engine.workchains import append_
from jupyter_prov.orm import Dict, Int


@calcfunction
def add(x, y):
    return x + y


@calcfunction
def multiply(x, y):
    return x * y


@workfunction
def add_twice(x, y):
    return add(add(x, y), y)


@calcfunction
def relax_step(structure, step):
    return Dict({"a": structure["a"] * 0.5, "step": int(step)})


class Relax(WorkChain):
    """The issue's example: halve ``a`` until it is below 0.2 or the steps run out."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("structure", valid_type=Dict)
        spec.input("steps", valid_type=Int, default=3)
        spec.outline(cls.setup, while_(cls.not_converged)(cls.step), cls.finalize)
        spec.output("result", valid_type=Dict)
        spec.exit_code(300, "ERROR_NOT_CONVERGED", "did not converge")

    def setup(self):
        self.ctx.structure = self.inputs.structure
        self.ctx.iteration = 0

    def not_converged(self):
        return self.ctx.structure["a"] >= 0.2 and self.ctx.iteration < self.inputs.steps.value

    def step(self):
        self.ctx.iteration += 1
        self.ctx.structure = relax_step(self.ctx.structure, self.ctx.iteration)
        self.report(f"step {self.ctx.iteration}: a = {self.ctx.structure['a']}")

    def finalize(self):
        if self.ctx.structure["a"] >= 0.2:
            return self.exit_codes.ERROR_NOT_CONVERGED
        self.out("result", self.ctx.structure)


class AddChildren(WorkChain):
    """Submits ``count`` add calcfunctions and waits for all of them; returns their sum via a calcfunction."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("count", valid_type=Int, default=3)
        spec.outline(cls.launch, cls.collect)
        spec.output("total", valid_type=Int)

    def launch(self):
        for i in range(self.inputs.count.value):
            self.to_context(adds=append_(self.submit(add, x=i, y=1)))

    def collect(self):
        total = sum_values(values=[child.outputs.result for child in self.ctx.adds])
        self.out("total", total)


@calcfunction
def sum_values(values):
    return sum(v.value for v in values)


class Outer(WorkChain):
    """Calls a child work chain through exposed inputs, with a branch and an explicit return."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(Relax, namespace="relax")
        spec.input("skip", valid_type=bool, default=False, non_db=True)
        spec.outline(
            if_(cls.should_skip)(return_),
            cls.run_relax,
            cls.inspect,
        )
        spec.output("result", valid_type=Dict, required=False)
        spec.exit_code(400, "ERROR_CHILD", "the relaxation failed")

    def should_skip(self):
        return bool(self.inputs.get("skip"))

    def run_relax(self):
        return ToContext(relax=self.submit(Relax, **self.exposed_inputs(Relax, namespace="relax")))

    def inspect(self):
        if not self.ctx.relax.is_finished_ok:
            return self.exit_codes.ERROR_CHILD
        self.out("result", self.ctx.relax.outputs.result)


class Crashy(WorkChain):
    """Crashes the interpreter (``os._exit``) after its first step when the environment says so."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.outline(cls.first, cls.second, cls.third)
        spec.output("result", valid_type=Int)

    def first(self):
        self.ctx.doubled = add(self.inputs.x, self.inputs.x)
        self.ctx.note = {"seen": [1, 2.5, "x", None, True]}
        return ToContext(child=self.submit(add, self.ctx.doubled, 1))

    def second(self):
        if os.environ.get("JPROV_TEST_CRASH") == "1":
            os._exit(3)
        self.ctx.total = add(self.ctx.child.outputs.result, self.ctx.doubled)

    def third(self):
        assert self.ctx.note == {"seen": [1, 2.5, "x", None, True]}
        self.out("result", self.ctx.total)


class Failing(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.boom)

    def boom(self):
        raise RuntimeError("step exploded")


class ManyChildren(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("count", valid_type=Int, default=100)
        spec.outline(cls.launch, cls.collect)
        spec.output("total", valid_type=Int)

    def launch(self):
        for i in range(self.inputs.count.value):
            self.to_context(children=append_(self.submit(add, i, 1)))

    def collect(self):
        self.out("total", sum_values([c.outputs.result for c in self.ctx.children]))


@task
def square(x):
    return x * x


@task
def sum_all(values):
    return sum(v.value for v in values)


@graph
def pipeline(values):
    return sum_all([square(v) for v in values])


@task
def split(x):
    return {"low": x.value - 1, "high": x.value + 1}


@graph(max_workers=2)
def diamond(x):
    parts = split(x)
    return {"total": add_task(square(parts["low"]), square(parts["high"])), "low": parts["low"]}


@task
def add_task(x, y):
    return x + y


@task
def maybe_crash(x):
    if os.environ.get("JPROV_TEST_CRASH") == "1":
        os._exit(3)
    return x.value + 1


@graph(max_workers=1)
def fragile(values):
    return maybe_crash(sum_all([square(v) for v in values]))


class EarlyExit(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("stop", valid_type=bool, non_db=True, default=True)
        spec.exit_code(410, "STOPPED", "stopped early")
        spec.outline(if_(cls.should_stop)(return_(cls.exit_codes.STOPPED)), cls.never)

    def should_stop(self):
        return self.inputs.stop

    def never(self):
        pass


class Wrapper(WorkChain):
    """Exposes the inputs and outputs of Relax in the namespace ``relax``."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(Relax, namespace="relax", exclude=("steps",))
        spec.expose_outputs(Relax, namespace="relax")
        spec.outline(cls.run_relax, cls.results)

    def run_relax(self):
        return ToContext(child=self.submit(Relax, **self.exposed_inputs(Relax, namespace="relax"), steps=4))

    def results(self):
        self.out_many(self.exposed_outputs(self.ctx.child, Relax, namespace="relax"))
