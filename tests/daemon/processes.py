"""Processes the daemon tests submit: importable (``tests.daemon.processes``) so worker OS processes can load them."""

from __future__ import annotations

import time

from jupyter_prov.engine import WorkChain, calcfunction
from jupyter_prov.engine.workchains import append_
from jupyter_prov.orm import Float, Int


@calcfunction
def add(x, y):
    return x + y


@calcfunction
def slow_add(x, y, seconds):
    time.sleep(seconds.value)
    return x + y


@calcfunction
def fail(x):
    raise ValueError(f"bad value {x.value}")


@calcfunction
def sum_values(values):
    return sum(v.value for v in values)


class AddChildren(WorkChain):
    """Submits ``count`` slow_add children, waits for all of them, returns their sum."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("count", valid_type=Int, default=3)
        spec.input("seconds", valid_type=Float, default=0.0)
        spec.outline(cls.launch, cls.collect)
        spec.output("total", valid_type=Int)

    def launch(self):
        for i in range(self.inputs.count.value):
            self.to_context(adds=append_(self.submit(slow_add, x=Int(i), y=Int(1), seconds=self.inputs.seconds)))

    def collect(self):
        total = sum_values(values=[child.outputs.result for child in self.ctx.adds])
        self.out("total", total)


class Nested(WorkChain):
    """A work chain calling an AddChildren work chain: a tree of depth two."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("count", valid_type=Int, default=2)
        spec.input("seconds", valid_type=Float, default=0.0)
        spec.outline(cls.launch, cls.collect)
        spec.output("total", valid_type=Int)

    def launch(self):
        self.to_context(inner=self.submit(AddChildren, count=self.inputs.count, seconds=self.inputs.seconds))

    def collect(self):
        self.out("total", self.ctx.inner.outputs.total)


@calcfunction
def busy(x, seconds):
    """Python work that takes ``seconds`` (short sleeps in a loop, as numerical code returns to Python often)."""
    end = time.monotonic() + seconds.value
    while time.monotonic() < end:
        time.sleep(0.01)
    return x + 1


class LongSteps(WorkChain):
    """Three steps; the first runs ``busy`` inline for ``seconds``; the others record that they ran."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float, default=1.0)
        spec.outline(cls.first, cls.second, cls.third)
        spec.output("result", valid_type=Int)

    def first(self):
        self.ctx.value = busy(Int(1), self.inputs.seconds)

    def second(self):
        self.ctx.second_ran = True

    def third(self):
        self.out("result", self.ctx.value)


class SubmitThenWork(WorkChain):
    """A step that submits a child, then works ``seconds`` before it ends (a worker may die meanwhile)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float, default=3.0)
        spec.input("child_seconds", valid_type=Float, default=0.0)
        spec.outline(cls.launch, cls.collect)
        spec.output("result", valid_type=Int)

    def launch(self):
        self.to_context(child=self.submit(slow_add, x=Int(1), y=Int(2), seconds=self.inputs.child_seconds))
        end = time.monotonic() + self.inputs.seconds.value
        while time.monotonic() < end:
            time.sleep(0.01)

    def collect(self):
        self.out("result", self.ctx.child.outputs.result)
