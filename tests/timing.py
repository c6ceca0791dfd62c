"""Deadlines for tests that check a promise of speed ("killed within a second") on a shared machine.

The promise itself is measured by ``benchmarks/control.py`` on a quiet machine. A test checks that the
mechanism works promptly: its deadline is the promised time, stretched by the machine's load per core
when that is above one (at load 8 on 2 cores, a 1 s promise gets 4 s). Without the stretch the
suite failed at load 18 on deadlines that hold when quiet.
"""

from __future__ import annotations

import os


def load_per_core() -> float:
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 1.0


def stretched(seconds: float) -> float:
    """``seconds`` on a quiet machine, more on a loaded one."""
    return seconds * max(1.0, load_per_core())
