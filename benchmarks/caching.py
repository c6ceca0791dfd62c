"""Caching benchmark: what a cache hit costs now that the source is verified, beside today's main.

A hit re-hashes the cache source, its inputs and its outputs before reuse
(:func:`jupyter_prov.engine.caching.verify_cache_source`). Measured per backend in a fresh process on a
fresh profile: N ``add(i, 1)`` calcfunctions stored, then N hits ``add(i, 1)`` under
``enable_caching()`` (ms per hit), the same hits with verification switched off (the difference is
the verification's cost), the verification alone (ms per call), and a plain miss for scale. The same
hits on today's main (``ee48b72``, no verification) run in the same run, trees alternating.

Usage::

    git -C /work/main worktree add /tmp/main-ref ee48b72        # once
    python benchmarks/caching.py --reference /tmp/main-ref --n 300 --markdown

Raw results: ``benchmarks/results/caching.json``; ``--markdown`` writes ``benchmarks/results/caching.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POSTGRES_URL = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _worker(n: int, storage_url: str | None) -> dict:
    from jupyter_prov import calcfunction, load_profile
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.engine import caching, enable_caching

    config = get_config()
    config.add_profile(default_profile_for("bench", storage=storage_url), make_default=True)
    config.save()
    load_profile("bench")

    @calcfunction
    def add(x, y):
        return x + y

    def timed(offset: int, count: int, cached: bool) -> float:
        start = time.perf_counter()
        if cached:
            with enable_caching():
                for i in range(count):
                    add(offset + i, 1)
        else:
            for i in range(count):
                add(offset + i, 1)
        return 1000 * (time.perf_counter() - start) / count

    miss = timed(0, n, cached=False)  # stores the sources
    result = {"ms_per_miss": round(miss, 3)}
    hits = [timed(0, n, cached=True) for _ in range(3)]
    result["ms_per_hit"] = round(statistics.median(hits), 3)
    verify = getattr(caching, "verify_cache_source", None)
    if verify is not None:
        checked = caching._verify
        caching._verify = lambda node: (None, node.get_outgoing(caching.LinkType.CREATE))  # the hit's own query
        try:
            unverified = [timed(0, n, cached=True) for _ in range(3)]
        finally:
            caching._verify = checked
        result["ms_per_hit_unverified"] = round(statistics.median(unverified), 3)
        from jupyter_prov.orm import CalcFunctionNode, QueryBuilder

        sources = QueryBuilder().append(CalcFunctionNode, project="*").all(flat=True)[:n]
        start = time.perf_counter()
        for node in sources:
            assert verify(node) is None
        result["ms_per_verification"] = round(1000 * (time.perf_counter() - start) / len(sources), 3)
    return result


def _postgres_database() -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    name = f"jprov_bench_caching_{uuid.uuid4().hex[:8]}"
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = engine.url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return url, drop


def run(tree: Path, backend: str, n: int) -> dict:
    url, drop = _postgres_database() if backend == "postgresql" else (None, None)
    try:
        with tempfile.TemporaryDirectory(prefix="jprov-bench-caching-") as home:
            env = dict(os.environ, JPROV_HOME=home, PYTHONPATH=str(tree))
            env.pop("JPROV_PROFILE", None)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--n", str(n)]
            if url:
                cmd += ["--url", url]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise RuntimeError(f"{backend} worker ({tree}) failed:\n{out.stderr[-4000:]}")
            return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if drop:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default="/tmp/main-ref")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.n, args.url)))
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows = []
    for round_ in range(args.rounds):
        for backend in backends:
            for name, tree in (("ours", ROOT), ("main ee48b72", Path(args.reference))):
                row = {"tree": name, "backend": backend, "round": round_, "n": args.n, **run(tree, backend, args.n),
                       "loadavg": [round(x, 2) for x in os.getloadavg()]}
                rows.append(row)
                print(json.dumps(row), flush=True)
    out = HERE / "results" / "caching.json"
    runs = json.loads(out.read_text()) if out.exists() else []
    runs.append({"started": time.strftime("%Y-%m-%d %H:%M:%S"), "rows": rows})
    out.write_text(json.dumps(runs, indent=1) + "\n")
    if args.markdown:
        lines = ["# Caching benchmark", "", ("`benchmarks/caching.py` (see its docstring): ms per call, median of 3 "
                                                 "batches of N; machine: 2 cores shared with other engineers' runs."), "",
                 ("| tree | backend | round | N | miss (stores) | hit | hit without verification | verification alone "
                  "| load (1 min) |"), "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for row in rows:
            lines.append(f"| {row['tree']} | {row['backend']} | {row['round']} | {row['n']} | {row['ms_per_miss']} | "
                         f"{row['ms_per_hit']} | {row.get('ms_per_hit_unverified', '–')} | "
                         f"{row.get('ms_per_verification', '–')} | {row['loadavg'][0]} |")
        (HERE / "results" / "caching.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
