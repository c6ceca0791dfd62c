"""Versioned records and invalidation (issue #17): update rate, lookups, the cascade over deep chains.

Usage::

    python benchmarks/records.py                       # SQLite and PostgreSQL, 100,001-node chain
    python benchmarks/records.py --backends sqlite --chain 20001 --markdown benchmarks/results/records.md

Figures (wall-clock; a lookup: the median of its calls after a warm-up, its CPU the mean per call; CPU of this
process and, on PostgreSQL, of the server's backends for the benchmark's database, see :class:`Clock`):

- ``update``: 1,000 versions of one record, each a new ``Dict`` (``record.update``), versions/s;
- ``record["vN"]`` and ``as_of``: the version lookups on that 1,000-version record, ms per call;
- ``dry run`` / ``invalidate`` / ``revalidate``: the cascade from the root of a chain
  data → calc → data → … (``--chain`` nodes, every one reached), one recursive CTE each;
- ``trained on``: the data ancestors of the chain's leaf (the whole chain);
- ``trained on, 1M-node profile``: "what data trained this model" for the newest version of a model in a
  profile of ``--profile-nodes`` nodes (``--components`` independent mixed graphs: chains, fan-in, fan-out,
  workflows); the model is trained CTSegNet-style (``--loops`` versions, each on the one before, on the
  inferences of the one before and on a new version of a scans dataset whose versions are the leaves of
  components), so the walk goes through models trained on models into several components' whole provenance.

Each run uses a scratch profile in a temporary JPROV_HOME; PostgreSQL gets a fresh database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def open_profile(name: str, url: str | None):
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    config = get_config()
    if name not in config.profiles:
        config.add_profile(default_profile_for(name, storage=url))
        config.save()
    current.load_profile(name)
    return current.get_storage()


class Clock:
    """Wall-clock, this process's CPU and (PostgreSQL) the CPU of the server backends of the benchmark's database.

    On SQLite the database works in this process, so its CPU is the operation's cost. On PostgreSQL the work
    is in the server: ``server`` sums utime + stime (``/proc/<pid>/stat``) of the backends connected to the
    benchmark's database (``pg_stat_activity``) before and after; a backend that ended in between (none
    should: the pool keeps its connections) would be missed."""

    server_cpu = None  # set per backend: a callable giving the server's CPU seconds so far, or None

    def __enter__(self):
        self.server = Clock.server_cpu() if Clock.server_cpu else None
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        if self.server is not None:
            self.server = Clock.server_cpu() - self.server


def backend_cpu(admin, database: str):
    """A callable: CPU seconds so far of the PostgreSQL backends connected to ``database``."""
    from sqlalchemy import text

    tick = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        with admin.connect() as conn:
            pids = list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                     {"d": database}).scalars())
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    return seconds


def chain(depth: int):
    from jupyter_prov.testing.graphs import CALC, INT, GraphSpec

    spec = GraphSpec()
    previous = spec.add(INT, {"value": 0})
    spec.marks["root"] = previous
    while len(spec) < depth:
        calc = spec.add(CALC, {"process_state": "finished", "exit_status": 0})
        spec.link(previous, calc, "input_calc", "x")
        previous = spec.add(INT, {"value": len(spec)})
        spec.link(calc, previous, "create", "y")
    spec.marks["leaf"] = previous
    return spec


def profile_graph(n_nodes: int, components: int):
    """``components`` mixed graphs of ``n_nodes / components`` nodes each, in one spec; their leaves' indexes."""
    from jupyter_prov.testing.graphs import GraphSpec, mixed_graph

    spec, leaves = GraphSpec(), []
    per = n_nodes // components
    for component in range(components):
        part = mixed_graph(per if component < components - 1 else n_nodes - len(spec), seed=component, rich=False)
        offset = len(spec)
        spec.types += part.types
        spec.attributes += part.attributes
        spec.links += [(a + offset, b + offset, kind, label) for a, b, kind, label in part.links]
        leaves.append(part.marks["leaf"] + offset)
    return spec, leaves


def trained_model(spec, leaves: list[int], loops: int):
    """The CTSegNet loop on the profile: model v(k+1) trained on v(k), on v(k)'s inferences and on scans@v(k+1)."""
    from jupyter_prov.orm import Dict, load_node
    from jupyter_prov.records import Dataset, Model

    scans, model, inferences = Dataset.create("bench-scans"), Model.create("bench-segnet"), Dataset.create("bench-inf")
    scan = scans.update(load_node(pk=spec.pks[leaves[0]]))
    version = model.update(Dict({"epoch": 0}), derived_from=[scan])
    for k in range(1, loops):
        scan = scans.update(load_node(pk=spec.pks[leaves[k % len(leaves)]]))
        inferred = inferences.update(Dict({"inferred_by": k}), derived_from=[version, scan])
        version = model.update(Dict({"epoch": k}), derived_from=[version, inferred, scan])
    return version


def run_backend(backend: str, args) -> list[dict]:
    from jupyter_prov.orm import Dict
    from jupyter_prov.records import Model, invalidate, revalidate, trained_on
    from jupyter_prov.testing.graphs import write_spec

    url = None
    admin = None
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"jprov_bench_records_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        Clock.server_cpu = backend_cpu(admin, name)
    open_profile(f"bench-records-{backend}", url)
    rows = []

    def emit(figure: str, clock: Clock, unit: str = "s", per: int | None = None,
             calls: list[float] | None = None) -> None:
        """One row; ``calls``: wall seconds of each call of a repeated lookup (the median is shown), ``clock``
        then times them all (CPU per call = its CPU / the number of calls: the server's /proc counters tick
        every 10 ms, too coarse for one call)."""
        n = len(calls) if calls else 1
        wall = statistics.median(calls) if calls else clock.wall
        cpu, server = clock.cpu / n, (clock.server / n if clock.server is not None else None)
        if per:  # a rate: per / seconds (server: per / client + server CPU seconds)
            row = {"value": round(per / wall), "cpu": round(per / cpu),
                   "server": round(per / (cpu + server)) if server else None}
        else:
            scale = 1000 if unit == "ms" else 1
            digits = 2 if unit == "ms" else 3
            row = {"value": round(wall * scale, digits), "cpu": round(cpu * scale, digits),
                   "server": round(server * scale, digits) if server is not None else None}
        row = {"backend": backend, "figure": figure, "unit": unit, "load": round(os.getloadavg()[0], 1), **row}
        print(json.dumps(row), flush=True)
        rows.append(row)

    def repeated(figure: str, func, repeats: int = 200, unit: str = "ms"):
        result = func()
        calls = []
        with Clock() as clock:
            for _ in range(repeats):
                start = time.perf_counter()
                result = func()
                calls.append(time.perf_counter() - start)
        emit(figure, clock, unit, calls=calls)
        return result

    try:
        model = Model.create("bench-model")
        with Clock() as clock:
            for i in range(args.versions):
                model.update(Dict({"epoch": i, "loss": 1.0 / (i + 1)}))
        emit(f"update ({args.versions:,} versions)", clock, "versions/s", per=args.versions)
        middle = model[args.versions // 2].ctime
        repeated('record["vN"]', lambda: model[f"v{args.versions // 2}"])
        repeated("as_of(datetime)", lambda: model.as_of(middle))
        spec = write_spec(chain(args.chain))
        root, leaf = spec.pk("root"), spec.pk("leaf")
        with Clock() as clock:
            plan = invalidate(root, "bench", dry_run=True)
        emit(f"dry run ({plan['nodes']:,} nodes)", clock)
        with Clock() as clock:
            done = invalidate(root, "bench")
        emit(f"invalidate ({done['nodes']:,} nodes)", clock)
        with Clock() as clock:
            lifted = revalidate(root, "bench")
        emit(f"revalidate ({lifted['nodes']:,} nodes)", clock)
        with Clock() as clock:
            found = trained_on(leaf)
        emit(f"trained on, chain leaf ({len(found['data']):,} data ancestors)", clock)
        if args.profile_nodes:
            profile, leaves = profile_graph(args.profile_nodes, args.components)
            write_spec(profile)
            model_version = trained_model(profile, leaves, args.loops)
            found = trained_on(model_version)
            repeated(f"trained on, {args.profile_nodes:,}-node profile ({len(found['data']):,} data ancestors, "
                     f"{len(found['versions'])} record versions, model v{model_version.number})",
                     lambda: trained_on(model_version), args.repeats, "s")
    finally:
        from jupyter_prov.orm import current

        Clock.server_cpu = None
        current.unload_profile()
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--chain", type=int, default=100_001)
    parser.add_argument("--profile-nodes", type=int, default=1_000_000, help="0: skip the 1M-node profile")
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--loops", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args()
    os.environ["JPROV_HOME"] = tempfile.mkdtemp(prefix="jprov-bench-records-")
    rows = []
    for backend in args.backends.split(","):
        rows += run_backend(backend, args)
    if args.markdown:
        lines = [f"# Records (benchmarks/records.py, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)", "",
                 "CPU: this process (on SQLite the database runs in it); server: the PostgreSQL backends of the "
                 "benchmark's database (for a rate: versions per second of client + server CPU). Wall-clock "
                 "includes waiting for cores other processes use.", "",
                 "| backend | figure | wall | CPU (this process) | CPU (PostgreSQL server) | unit | load |",
                 "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['backend']} | {r['figure']} | {r['value']:,} | {r['cpu']:,} | "
                  f"{'' if r['server'] is None else format(r['server'], ',')} | {r['unit']} | {r['load']} |"
                  for r in rows]
        Path(args.markdown).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
