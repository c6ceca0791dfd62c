"""Small processes the documentation submits to the daemon (``docs/how-to/run-in-the-background.md``).

A daemon worker imports a submitted process by name (``module:qualname``), so the processes a page
submits must live in a module every worker can import, not in the page itself. These ship with the
package for that reason: ``from jupyter_prov.testing.examples import Relax, add`` works in a notebook,
in a worker and in the tests alike. They are toys: ``Relax`` moves a lattice parameter towards its value under a
pressure until it stops changing, fast enough for the tests to run hundreds; ``nap`` takes as long as
it is told, to have something to pause and kill.
"""

from __future__ import annotations

import time

from ..engine import WorkChain, calcfunction, while_
from ..orm import Dict, Float, Int


@calcfunction
def add(x, y):
    """``x + y``: the smallest calculation there is."""
    return x + y


@calcfunction
def nap(seconds):
    """Sleep ``seconds`` in short naps (a body that loops in Python, so a kill stops it at once)."""
    end = time.monotonic() + seconds.value
    while time.monotonic() < end:
        time.sleep(0.05)
    return Float(seconds.value)


@calcfunction
def relax_step(structure, pressure):
    """One step of the toy relaxation: the lattice parameter ``a`` moves halfway to its target."""
    target = 1.0 / (1.0 + pressure.value)
    a = structure["a"]
    return Dict({**structure.get_dict(), "a": a + (target - a) / 2})


def silicon(a: float = 5.43) -> Dict:
    """A toy structure: a formula and a lattice parameter ``a``."""
    return Dict({"formula": "Si2", "a": a}, label="silicon")


class Relax(WorkChain):
    """Relax ``structure`` under ``pressure``: ``relax_step`` until ``a`` changes by less than 1e-3."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("structure", valid_type=Dict)
        spec.input("pressure", valid_type=Float, default=0.0)
        spec.input("max_steps", valid_type=Int, default=20)
        spec.outline(cls.setup, while_(cls.not_converged)(cls.step), cls.finalize)
        spec.output("structure", valid_type=Dict)
        spec.exit_code(300, "ERROR_NOT_CONVERGED", "did not converge within max_steps")

    def setup(self):
        self.ctx.structure = self.inputs.structure
        self.ctx.change = None  # the context is checkpointed as JSON: no float("inf")
        self.ctx.steps = 0

    def not_converged(self):
        unconverged = self.ctx.change is None or self.ctx.change >= 1e-3
        return unconverged and self.ctx.steps < self.inputs.max_steps.value

    def step(self):
        before = self.ctx.structure["a"]
        self.ctx.structure = relax_step(self.ctx.structure, self.inputs.pressure)
        self.ctx.change = abs(self.ctx.structure["a"] - before)
        self.ctx.steps += 1

    def finalize(self):
        if self.ctx.change is None or self.ctx.change >= 1e-3:
            return self.exit_codes.ERROR_NOT_CONVERGED
        self.out("structure", self.ctx.structure)
