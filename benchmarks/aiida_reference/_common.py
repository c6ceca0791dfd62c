"""Helpers shared by the aiida-core reference benchmarks.

These scripts run inside ``benchmarks/.venv-aiida`` (see ``benchmarks/_aiida_venv.py``),
never in the jupyter-prov environment.  Each benchmark

* works in a throw-away profile made by ``verdi presto --no-broker`` (SQLite
  storage, no services) that is deleted again at exit, so results do not
  depend on what earlier runs left in the database;
* keeps that profile in a private ``AIIDA_PATH`` folder (``RUN_DIR``), so several
  runs can go on at the same time;
* prints exactly one JSON object as its last stdout line (``emit``).

``build_graph`` is the synthetic provenance graph used by ``query.py`` and
``archive.py``; its shape is described in its docstring so that the same graph
can be built in jupyter-prov for a side-by-side comparison.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# Every run gets its own AIIDA_PATH (config.json and profile storage) in a fresh folder
# below the given one, so runs going on at the same time never rewrite each other's
# config.  The folder is removed at exit.  This must happen before aiida is imported.
RUN_DIR = tempfile.mkdtemp(prefix="run-", dir=os.environ.get("AIIDA_PATH") or None)
os.environ["AIIDA_PATH"] = RUN_DIR
atexit.register(shutil.rmtree, RUN_DIR, ignore_errors=True)

import aiida  # noqa: E402 - AIIDA_PATH must be set before aiida is imported
from aiida import orm  # noqa: E402 - AIIDA_PATH must be set before aiida is imported
from aiida.common.links import LinkType  # noqa: E402 - AIIDA_PATH must be set before aiida is imported
from aiida.manage import get_manager  # noqa: E402 - AIIDA_PATH must be set before aiida is imported
from aiida.manage.configuration import load_profile, reset_config  # noqa: E402 - AIIDA_PATH must be set before aiida is imported
from aiida.manage.configuration.settings import AiiDAConfigDir  # noqa: E402 - AIIDA_PATH must be set before aiida is imported
from plumpy import ProcessState  # noqa: E402 - AIIDA_PATH must be set before aiida is imported

AiiDAConfigDir.set()  # re-read AIIDA_PATH, in case aiida was imported before this module
reset_config()

VERDI = Path(sys.executable).with_name("verdi")


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports kB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def median(values) -> float:
    return statistics.median(values)


def timed(func, *args, **kwargs):
    """Return ``(seconds, result)`` of one call measured with ``time.perf_counter``."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def create_profile(prefix: str) -> str:
    """Create a new SQLite, broker-less profile with ``verdi presto`` and return its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [str(VERDI), "presto", "--profile-name", name, "--no-broker", "--non-interactive"],
        check=True,
        capture_output=True,
        text=True,
    )
    reset_config()  # the profile was written to config.json by another process
    return name


def delete_profile(name: str) -> None:
    """Delete a profile together with its storage."""
    subprocess.run(
        [str(VERDI), "profile", "delete", "--force", "--delete-data", name],
        check=False,
        capture_output=True,
        text=True,
    )
    reset_config()


@contextlib.contextmanager
def fresh_profile(prefix: str):
    """Create, load and finally delete a throw-away profile; yields its name."""
    name = create_profile(prefix)
    try:
        load_profile(name, allow_switch=True)
        yield name
    finally:
        get_manager().unload_profile()
        delete_profile(name)


def emit(benchmark: str, **results) -> None:
    """Print the results as one JSON line, with the context needed to compare them."""
    record = {
        "benchmark": benchmark,
        "aiida_version": aiida.__version__,
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "storage": "core.sqlite_dos",
        **results,
        "peak_rss_mb": peak_rss_mb(),
        # other work on the machine distorts timings; the 1-minute load average shows it
        "loadavg_1min_at_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(record), flush=True)


def build_graph(
    n_nodes: int = 20_000, root_descendants: int | None = None, steps: int = 10, fanout: int = 42
):
    """Store a synthetic provenance graph of exactly ``n_nodes`` nodes; return the main root's pk.

    Shape (all links are the data-provenance kinds that ``with_ancestors`` follows):

    * a *chain* hangs off a data node ``d0`` and has ``steps`` steps; step ``k`` is a
      ``CalculationNode`` ``c_k`` with an ``INPUT_CALC`` link ``d_{k-1} -> c_k``
      (label ``x``) and an ``Int`` ``d_k`` with a ``CREATE`` link ``c_k -> d_k``
      (label ``result``), i.e. 2 * ``steps`` nodes per chain;
    * the main root is an ``Int`` with ``root_descendants // (2 * steps)`` chains, so it
      has exactly that many descendants (default: 42 % of ``n_nodes`` rounded down to
      whole chains, i.e. 8,400 = 420 chains of 10 steps for 20,000 nodes);
    * further roots with ``fanout`` chains each fill up the graph, and single
      ``Int`` nodes pad it to exactly ``n_nodes``.

    Each calculation is marked finished (exit status 0) and sealed after its output
    is linked, as a real calcfunction would be (the archive refuses unsealed process
    nodes).  Everything is stored through the public ORM API, link validation
    included, inside one storage transaction; no process is run (``engine.py``
    measures that).  Returns ``(root_pk, number_of_nodes_created)``.
    """
    per_chain = 2 * steps
    if root_descendants is None:
        root_descendants = int(0.42 * n_nodes) // per_chain * per_chain
    if root_descendants + 1 > n_nodes:
        raise ValueError("root_descendants must be smaller than n_nodes")
    created = 0

    def new_int(value: int, source=None):
        nonlocal created
        node = orm.Int(value)
        if source is not None:
            node.base.links.add_incoming(source, LinkType.CREATE, "result")
        node.store()
        created += 1
        return node

    def new_calc(source):
        nonlocal created
        calc = orm.CalculationNode()
        calc.set_process_state(ProcessState.FINISHED)
        calc.set_exit_status(0)
        calc.base.links.add_incoming(source, LinkType.INPUT_CALC, "x")
        calc.store()
        created += 1
        return calc

    def add_chain(start):
        data = start
        for k in range(steps):
            calc = new_calc(data)
            data = new_int(k, calc)
            calc.seal()

    storage = get_manager().get_profile_storage()
    with storage.transaction():
        root = new_int(0)
        for _ in range(root_descendants // per_chain):
            add_chain(root)
        while created + 1 + per_chain <= n_nodes:
            other = new_int(1)
            for _ in range(fanout):
                if created + per_chain > n_nodes:
                    break
                add_chain(other)
        while created < n_nodes:
            new_int(2)
    return root.pk, created
