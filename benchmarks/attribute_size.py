"""How one node with big attributes slows every attribute query of a profile (the size limit's measurement).

A fresh profile holds 10,000 ``Int`` nodes; a query on ``attributes.value`` (which scans the rows)
of every node is timed (median of 7), then again after one ``Str`` node of 1, 16 and 100 MiB is added.

    python benchmarks/attribute_size.py [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid

POSTGRES_URL = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def timed_query(repeats: int = 7) -> float:
    from jupyter_prov.orm import Node, QueryBuilder

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        QueryBuilder().append(Node, filters={"attributes.value": {">": 5000}}).count()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(backend: str) -> list[dict]:
    os.environ["JPROV_HOME"] = tempfile.mkdtemp(prefix="jprov-bench-")
    database = admin = None
    url = None
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        database = f"jprov_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = admin.url.set(database=database).render_as_string(hide_password=False)
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import Int, Str, current, store_all

    config = get_config()
    config.add_profile(default_profile_for("bench", storage=url), make_default=True)
    config.save()
    current.load_profile("bench")
    current.get_profile().options["max_attributes_bytes"] = 1 << 30
    rows = []
    try:
        store_all([Int(i) for i in range(10_000)])
        rows.append({"backend": backend, "big_node_mib": 0, "query_ms": round(1000 * timed_query(), 1)})
        for mib in (1, 4, 16, 100):
            node = Str("x" * (mib << 20)).store()
            rows.append({"backend": backend, "big_node_mib": mib, "query_ms": round(1000 * timed_query(), 1)})
            from sqlalchemy import delete

            from jupyter_prov.storage import schema

            with current.get_storage().transaction() as conn:
                conn.execute(delete(schema.nodes).where(schema.nodes.c.id == node.pk))
    finally:
        current.unload_profile()
        if database is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        for row in run(backend):
            print(json.dumps({**row, "load": os.getloadavg()[0]}), flush=True)


if __name__ == "__main__":
    main()
