"""Processes for ``benchmarks/control.py`` (importable by daemon workers through PYTHONPATH)."""

import time

from jupyter_prov.engine import WorkChain, calcfunction
from jupyter_prov.engine.calcjobs import CalcJob
from jupyter_prov.orm import Float, Int


@calcfunction
def busy(x, seconds):
    """Python work: short sleeps in a loop for ``seconds``."""
    end = time.monotonic() + seconds.value
    while time.monotonic() < end:
        time.sleep(0.01)
    return x + 1


class LongStep(WorkChain):
    """One step that runs ``busy`` inline for ``seconds``."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float)
        spec.outline(cls.work)

    def work(self):
        busy(Int(1), self.inputs.seconds)


class WaitsOnChildren(WorkChain):
    """Submits two ``busy`` children and waits for them."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Float)
        spec.outline(cls.launch, cls.done)

    def launch(self):
        return {f"c{i}": self.submit(busy, x=Int(i), seconds=self.inputs.seconds) for i in range(2)}

    def done(self):
        pass


class Sleep(CalcJob):
    """``sleep <seconds>`` as a job."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Int)

    def prepare_for_submission(self, folder):
        return {"cmdline": [str(self.inputs.seconds.value)], "retrieve": []}
