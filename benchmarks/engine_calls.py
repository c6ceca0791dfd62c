"""Python calls per engine operation (cProfile's total call count): a cost measure the machine's load does not move.

    PYTHONPATH=/tmp/main-ref python benchmarks/engine_calls.py   # the reference checkout's jupyter_prov
    PYTHONPATH=$PWD python benchmarks/engine_calls.py            # this one

Run it from outside both checkouts (``cd /tmp``) so ``PYTHONPATH`` decides which ``jupyter_prov`` is
imported; the processes are those of ``benchmarks/engine.py``. Deterministic except where threads wait
for each other (the graph's tasks: lock acquisitions depend on scheduling). Prints one JSON line.
Results: ``benchmarks/results/refactor_engine_daemon.md``.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def calls(action) -> int:
    profile = cProfile.Profile()
    profile.enable()
    action()
    profile.disable()
    return pstats.Stats(profile).total_calls


def main() -> None:
    os.environ["JPROV_HOME"] = tempfile.mkdtemp(prefix="jprov-calls-")
    os.environ.pop("JPROV_PROFILE", None)
    import engine as bench

    from jupyter_prov import load_profile, run_get_node, submit
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import Int
    from jupyter_prov.testing.examples import add as importable_add

    config = get_config()
    config.add_profile(default_profile_for("bench"), make_default=True)
    config.save()
    load_profile("bench")
    add, add_chain, hundred_children, pipeline = bench._define()
    warnings.simplefilter("ignore")  # submit() says no daemon runs
    for i in range(20):  # warm-up: first calls import and build caches
        add(i, 1)
    submit(importable_add, x=Int(1), y=Int(2))
    run_get_node(hundred_children)
    add_chain(1, 1, 10)
    run_get_node(pipeline, list(range(99)))
    print(json.dumps({
        "calcfunction": calls(lambda: [add(i, 1) for i in range(200)]) / 200,
        "workfunction_10": calls(lambda: add_chain(1, 1, 10)),
        "workchain_100_children": calls(lambda: run_get_node(hundred_children)),
        "graph_1000": calls(lambda: run_get_node(pipeline, list(range(999)))),
        "submit": calls(lambda: [submit(importable_add, x=Int(i), y=Int(2)) for i in range(100)]) / 100,
    }))


if __name__ == "__main__":
    main()
