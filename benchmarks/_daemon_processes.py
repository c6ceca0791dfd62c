"""Trivial processes for ``benchmarks/daemon.py`` (importable by daemon workers through PYTHONPATH)."""

from jupyter_prov.engine import WorkChain, calcfunction
from jupyter_prov.engine.workchains import append_
from jupyter_prov.orm import Int


@calcfunction
def add(x, y):
    return x + y


class TwoAdds(WorkChain):
    """Submits two add children, waits, returns the sum of their results through one more add."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.outline(cls.launch, cls.collect)
        spec.output("total", valid_type=Int)

    def launch(self):
        for i in range(2):
            self.to_context(adds=append_(self.submit(add, x=self.inputs.x, y=Int(i))))

    def collect(self):
        self.out("total", add(self.ctx.adds[0].outputs.result, self.ctx.adds[1].outputs.result))
