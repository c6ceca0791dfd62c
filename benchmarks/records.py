"""Versioned records and invalidation (issue #17): update rate, lookups, the cascade over deep chains.

Usage::

    python benchmarks/records.py                       # SQLite and PostgreSQL, 100,001-node chain
    python benchmarks/records.py --backends sqlite --chain 20001 --markdown benchmarks/results/records.md

Figures (wall-clock seconds; median of ``--repeats`` after a warm-up where it is a read):

- ``update``: 1,000 versions of one record, each a new ``Dict`` (``record.update``), versions/s;
- ``record["vN"]`` and ``as_of``: the version lookups on that 1,000-version record, ms per call;
- ``dry run`` / ``invalidate`` / ``revalidate``: the cascade from the root of a chain
  data → calc → data → … (``--chain`` nodes, every one reached), one recursive CTE each;
- ``trained on``: the data ancestors of the chain's leaf (the whole chain).

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
    """Wall-clock and this process's CPU seconds of a block (on SQLite the database works in this process)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def median_time(func, repeats: int):
    func()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


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
    open_profile(f"bench-records-{backend}", url)
    rows = []
    try:
        model = Model.create("bench-model")
        with Clock() as clock:
            for i in range(args.versions):
                model.update(Dict({"epoch": i, "loss": 1.0 / (i + 1)}))
        rows.append({"backend": backend, "figure": f"update ({args.versions:,} versions)",
                     "value": round(args.versions / clock.wall), "unit": "versions/s",
                     "cpu": round(args.versions / clock.cpu)})
        middle = model[args.versions // 2].ctime
        rows.append({"backend": backend, "figure": 'record["vN"]',
                     "value": round(median_time(lambda: model[f"v{args.versions // 2}"], 50) * 1000, 2), "unit": "ms"})
        rows.append({"backend": backend, "figure": "as_of(datetime)",
                     "value": round(median_time(lambda: model.as_of(middle), 50) * 1000, 2), "unit": "ms"})
        spec = write_spec(chain(args.chain))
        root, leaf = spec.pk("root"), spec.pk("leaf")
        with Clock() as clock:
            plan = invalidate(root, "bench", dry_run=True)
        rows.append({"backend": backend, "figure": f"dry run ({plan['nodes']:,} nodes)",
                     "value": round(clock.wall, 3), "unit": "s", "cpu": round(clock.cpu, 3)})
        with Clock() as clock:
            done = invalidate(root, "bench")
        rows.append({"backend": backend, "figure": f"invalidate ({done['nodes']:,} nodes)",
                     "value": round(clock.wall, 3), "unit": "s", "cpu": round(clock.cpu, 3)})
        with Clock() as clock:
            lifted = revalidate(root, "bench")
        rows.append({"backend": backend, "figure": f"revalidate ({lifted['nodes']:,} nodes)",
                     "value": round(clock.wall, 3), "unit": "s", "cpu": round(clock.cpu, 3)})
        with Clock() as clock:
            found = trained_on(leaf)
        rows.append({"backend": backend, "figure": f"trained on ({len(found['data']):,} data ancestors)",
                     "value": round(clock.wall, 3), "unit": "s", "cpu": round(clock.cpu, 3)})
    finally:
        from jupyter_prov.orm import current

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
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args()
    os.environ["JPROV_HOME"] = tempfile.mkdtemp(prefix="jprov-bench-records-")
    rows = []
    for backend in args.backends.split(","):
        for row in run_backend(backend, args):
            print(json.dumps(row), flush=True)
            rows.append(row)
    if args.markdown:
        load = os.getloadavg()
        lines = [f"# Records (benchmarks/records.py, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
                 f"load {load[0]:.1f} on 2 cores)", "",
                 "CPU: this process only (on SQLite the database runs in it; on PostgreSQL the server's share is "
                 "not counted). Wall-clock includes waiting for cores other processes use.", "",
                 "| backend | figure | wall | CPU (this process) | unit |", "|---|---|---|---|---|"]
        lines += [f"| {r['backend']} | {r['figure']} | {r['value']:,} | {r.get('cpu', '')} | {r['unit']} |"
                  for r in rows]
        Path(args.markdown).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
