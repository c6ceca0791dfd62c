"""Concurrent store benchmark: small ``File`` nodes from 1 writer process and from 4 at once, one profile.

Each configuration runs on a fresh profile: W writer processes (started, then released together)
store ``TOTAL / W`` files of ~100 bytes each (5 × as many in batches), either one ``store()`` per file (``one_by_one``) or in
``store_all`` batches of 50 (``batches``). Throughput is all nodes stored over the wall time from the
first writer's start to the last writer's end. Afterwards a checker process counts the nodes, the
stores that failed, and the objects whose bytes do not match their hash.

With ``--reference PATH`` each configuration also runs with ``PYTHONPATH=PATH`` (another checkout, e.g.
a worktree of today's main), alternating A B A B in one run.

Usage::

    python benchmarks/store_concurrent.py --backend both --repeats 2 --reference /tmp/main-ref \\
        --markdown benchmarks/results/store_concurrent.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

POSTGRES_URL = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOTAL = int(os.environ.get("JPROV_BENCH_TOTAL", "2000"))  # one_by_one; batches store BATCH_FACTOR times more
BATCH_FACTOR = 5
WRITERS = (1, 4)
MODES = ("one_by_one", "batches")

WRITER = """
import hashlib, json, os, sys, time
import jupyter_prov as jp
from jupyter_prov.orm import File, store_all
jp.load_profile()
try:
    File(b"warm-up " + os.urandom(8)).store()
except Exception:
    pass  # counted in the real stores below
mode, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
contents = [f"{tag} {i}\\n".encode() + os.urandom(40).hex().encode() for i in range(n)]
print("ready", flush=True)
sys.stdin.readline()
start = time.time()
stored = errors = 0
first_error = None
step = 1 if mode == "one_by_one" else 50
for s in range(0, n, step):
    try:
        if step == 1:
            File(contents[s], filename="out.txt").store()
        else:
            store_all([File(c, filename="out.txt") for c in contents[s:s + step]])
        stored += len(contents[s:s + step])
    except Exception as exc:
        errors += len(contents[s:s + step])
        first_error = first_error or f"{type(exc).__name__}: {exc}"[:200]
print(json.dumps({"start": start, "end": time.time(), "stored": stored, "failed": errors, "error": first_error}))
"""

CHECKER = """
import hashlib, json
import jupyter_prov as jp
from sqlalchemy import select
from jupyter_prov.orm import current
from jupyter_prov.storage import schema
jp.load_profile()
storage = current.get_storage()
with storage.connection() as conn:
    trees = conn.execute(select(schema.nodes.c.repository_metadata).where(schema.nodes.c.node_type == "data.file")).scalars().all()
bad = missing = 0
for tree in trees:
    for key in tree.values():
        try:
            data = storage.repository.get_bytes(key)
        except Exception:
            missing += 1
            continue
        bad += hashlib.sha256(data).hexdigest() != key
print(json.dumps({"nodes": len(trees), "corrupt": bad, "missing": missing}))
"""


def _profile(backend: str) -> tuple[dict, callable]:
    """Environment of a fresh profile, and a function that removes its database."""
    home = tempfile.mkdtemp(prefix="jprov-bench-conc-")
    env = dict(os.environ, JPROV_HOME=home, JPROV_PROFILE="bench")
    storage = None

    def cleanup() -> None:
        return None

    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"jprov_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        storage = admin.url.set(database=name).render_as_string(hide_password=False)

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    env["JPROV_BENCH_STORAGE"] = storage or ""
    setup = ("import os\nfrom jupyter_prov.config import get_config\n"
             "from jupyter_prov.config.profiles import default_profile_for\n"
             "c = get_config(); c.add_profile(default_profile_for('bench', storage=os.environ['JPROV_BENCH_STORAGE'] "
             "or None), make_default=True); c.save()\n"
             "import jupyter_prov as jp; jp.load_profile('bench')\n"
             "from jupyter_prov.orm import current; current.get_storage().repository.container\n")
    subprocess.run([sys.executable, "-c", setup], env=env, cwd=home, check=True)
    return env, cleanup


def run_once(backend: str, writers: int, mode: str, pythonpath: str | None) -> dict:
    env, cleanup = _profile(backend)
    home = env["JPROV_HOME"]  # the cwd of every child: ``python -c`` puts the cwd first on sys.path
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    try:
        total = TOTAL if mode == "one_by_one" else BATCH_FACTOR * TOTAL
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, mode, str(total // writers), f"w{k}"], env=env, cwd=home,
                                  text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for k in range(writers)]
        for proc in procs:
            line = proc.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"writer did not start: {proc.stderr.read()[-2000:]}")
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=1800)
            lines = out.strip().splitlines()
            if proc.returncode != 0 or not lines:
                reports.append({"start": time.time(), "end": time.time(), "stored": 0, "failed": total // writers,
                                "error": err.strip().splitlines()[-1][:200] if err.strip() else "crashed"})
            else:
                reports.append(json.loads(lines[-1]))
        check = subprocess.run([sys.executable, "-c", CHECKER], env=env, cwd=home, capture_output=True, text=True,
                               check=False)
        checked = json.loads(check.stdout.strip().splitlines()[-1]) if check.returncode == 0 else {
            "error": check.stderr.strip().splitlines()[-1][:200]}
    finally:
        cleanup()
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    stored = sum(r["stored"] for r in reports)
    return {"stored": stored, "failed": sum(r["failed"] for r in reports), "seconds": round(wall, 3),
            "rate": round(stored / wall) if wall > 0 else 0, "corrupt": checked.get("corrupt"),
            "missing": checked.get("missing"), "error": next((r["error"] for r in reports if r["error"]), None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mode", choices=MODES, action="append")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--reference", help="Also run with PYTHONPATH=this checkout, alternating.")
    parser.add_argument("--markdown", help="Write the table (and raw runs) to this file.")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    variants = [("this", None)] + ([("reference", args.reference)] if args.reference else [])
    load_before = os.getloadavg()
    rows = []
    for backend in backends:
        for mode in args.mode or MODES:
            for writers in WRITERS:
                runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
                for _ in range(args.repeats):
                    for name, path in variants:
                        result = run_once(backend, writers, mode, path)
                        runs[name].append(result)
                        print(json.dumps({"backend": backend, "mode": mode, "writers": writers, "code": name,
                                          **result}), flush=True)
                rows.append({"backend": backend, "mode": mode, "writers": writers, "runs": runs})
    load_after = os.getloadavg()
    if args.markdown:
        Path(args.markdown).write_text(_markdown(rows, variants, load_before, load_after, args))


def _markdown(rows, variants, load_before, load_after, args) -> str:
    lines = ["# Concurrent store benchmark", "",
             f"Command: `python benchmarks/store_concurrent.py {' '.join(sys.argv[1:])}`", "",
             (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load "
             f"average before {load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f}, after "
             f"{load_after[0]:.1f} / {load_after[1]:.1f} / {load_after[2]:.1f}. {TOTAL:,} (one_by_one) or "
             f"{BATCH_FACTOR * TOTAL:,} (batches) small File nodes per configuration, split over the writers; "
             f"median of {args.repeats} (runs alternate between the codes)."),
             "", ("| backend | mode | writers | code | nodes/s (median) | runs (nodes/s) | failed stores | "
             "corrupt objects | first error |"), "|---|---|---:|---|---:|---|---:|---:|---|"]
    for row in rows:
        for name, _ in variants:
            runs = row["runs"][name]
            error = next((r["error"] for r in runs if r["error"]), "") or ""
            lines.append(f"| {row['backend']} | {row['mode']} | {row['writers']} | {name} | "
                         f"{round(statistics.median(r['rate'] for r in runs)):,} | "
                         f"{', '.join(format(r['rate'], ',') for r in runs)} | {sum(r['failed'] for r in runs)} | "
                         f"{sum((r['corrupt'] or 0) for r in runs)} | {' '.join(error.split()).replace('|', '/')[:90]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
