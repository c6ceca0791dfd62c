"""Store benchmark: how fast nodes reach the database, on SQLite and PostgreSQL.

Scenarios (each run in a fresh Python process, on a fresh profile, so peak RSS is the scenario's own):

- ``one_by_one``:  10,000 ``Int`` nodes, ``store()`` each (one transaction per node)
- ``store_all``:   100,000 ``Int`` nodes with one ``store_all`` (rate of ``store_all`` alone, and of
                   construction + ``store_all``)
- ``dict_nested``: 10,000 ``Dict`` nodes with nested attributes, ``store_all``
- ``files``:       10,000 ``File`` nodes of ~100 bytes each, ``store_all``

Usage::

    python benchmarks/store.py                      # all scenarios, both backends, median of 3 runs
    python benchmarks/store.py --backend sqlite --scenario one_by_one --repeats 1
    python benchmarks/store.py --markdown benchmarks/results/store.md --aiida
    python benchmarks/store.py --reference /tmp/main-ref   # side by side with another checkout, A B B A ...
    python benchmarks/store.py --this /tmp/snapshot --reference /tmp/main-ref --repeats 5 --markdown out.md

With ``--reference`` the two codes run alternately, the order swapped every pair (A B, B A, ...), so a
load change during the run hits both alike; the Markdown then has the ratio this/reference per
scenario: of the medians, and the median and range of the per-pair ratios. ``--this`` runs "this"
code from another checkout too (a snapshot of a commit, so nobody's uncommitted edits are measured).

Durability: ``--synchronous full`` (or ``JPROV_BENCH_SYNCHRONOUS=full``) runs SQLite at aiida-core's
``synchronous=FULL`` instead of the default NORMAL (profile option ``sqlite_synchronous``, #21). Instruction
counts of the measured part (load-independent): ``JPROV_BENCH_CALLGRIND=1 valgrind --tool=callgrind
--instr-atstart=no python benchmarks/store.py --worker dict_nested sqlite 1000``. One
run of one scenario as a child of ``benchmarks/_paired.py``: ``{python} {bench}/store.py --worker
one_by_one sqlite 10000`` (prints one JSON line; the profile goes to ``JPROV_HOME``).

PostgreSQL: ``JPROV_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
each run gets its own database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

POSTGRES_URL = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCENARIOS = {
    "one_by_one": 10_000,
    "store_all": 100_000,
    "dict_nested": 10_000,
    "files": 10_000,
}
TARGETS = {  # SQLite targets of issue 2
    "one_by_one": 3_000,
    "store_all": 50_000,
}


#: the load average when the driver started (set in main)
LOAD_BEFORE: tuple[float, float, float] | None = None


# ---- one run, inside a fresh process -------------------------------------------------------------------
def _worker(scenario: str, backend: str, n: int) -> dict:
    home = tempfile.mkdtemp(prefix="jprov-bench-")
    os.environ["JPROV_HOME"] = home
    database = None
    storage_url = None
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        database = f"jprov_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        storage_url = admin.url.set(database=database).render_as_string(hide_password=False)
    try:
        from jupyter_prov.config import get_config
        from jupyter_prov.config.profiles import default_profile_for
        from jupyter_prov.orm import current

        config = get_config()
        profile = default_profile_for("bench", storage=storage_url)
        if os.environ.get("JPROV_BENCH_SYNCHRONOUS"):  # SQLite durability: normal (default) or full (#21)
            profile.options["sqlite_synchronous"] = os.environ["JPROV_BENCH_SYNCHRONOUS"]
        config.add_profile(profile, make_default=True)
        config.save()
        current.load_profile("bench")
        result = SCENARIO_FUNCTIONS[scenario](n)
        _callgrind("off")
        current.unload_profile()
    finally:
        if database is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _warm_up() -> None:
    from jupyter_prov.orm import Int, store_all

    for i in range(10):
        Int(i).store()
    store_all([Int(i) for i in range(10)])
    _callgrind("on")


def _callgrind(state: str) -> None:
    """Under ``valgrind --tool=callgrind --instr-atstart=no`` with ``JPROV_BENCH_CALLGRIND=1``: count instructions
    of the measured part only (imports and set-up uninstrumented), a load-independent figure for small differences."""
    if os.environ.get("JPROV_BENCH_CALLGRIND"):
        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)


def run_one_by_one(n: int) -> dict:
    from jupyter_prov.orm import Int

    _warm_up()
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        Int(i).store()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rate": n / seconds, "cpu_rate": n / (time.process_time() - cpu)}


def run_store_all(n: int) -> dict:
    from jupyter_prov.orm import Int, store_all

    _warm_up()
    start = time.perf_counter()
    nodes = [Int(i) for i in range(n)]
    built, cpu = time.perf_counter(), time.process_time()
    store_all(nodes)
    end = time.perf_counter()
    return {"seconds": end - built, "rate": n / (end - built), "construction_seconds": built - start,
            "with_construction_rate": n / (end - start), "cpu_rate": n / (time.process_time() - cpu)}


def run_dict_nested(n: int) -> dict:
    from jupyter_prov.orm import Dict, store_all

    _warm_up()
    start, cpu = time.perf_counter(), time.process_time()
    nodes = [Dict({"energy": {"value": -1.5 * i, "unit": "eV"},
                   "structure": {"cell": [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]], "symbols": ["Si", "Si"],
                                 "positions": [[0, 0, 0], [0.25, 0.25, 0.25]]},
                   "parameters": {"ecut": 30 + i % 7, "kpoints": [4, 4, 4], "smearing": {"kind": "mv", "width": 0.01}},
                   "converged": True, "tags": ["bench", str(i)]})
             for i in range(n)]
    store_all(nodes)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rate": n / seconds, "cpu_rate": n / (time.process_time() - cpu)}


def run_files(n: int) -> dict:
    from jupyter_prov.orm import File, store_all

    _warm_up()
    start, cpu = time.perf_counter(), time.process_time()
    nodes = [File(f"result {i}\n".encode() + os.urandom(32).hex().encode() + b"\n" * 50, filename="out.txt")
             for i in range(n)]
    store_all(nodes)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rate": n / seconds, "cpu_rate": n / (time.process_time() - cpu)}


SCENARIO_FUNCTIONS = {
    "one_by_one": run_one_by_one,
    "store_all": run_store_all,
    "dict_nested": run_dict_nested,
    "files": run_files,
}


# ---- driver --------------------------------------------------------------------------------------------
def _run_worker(scenario: str, backend: str, n: int, pythonpath: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=pythonpath) if pythonpath else None
    out = subprocess.run([sys.executable, __file__, "--worker", scenario, backend, str(n)],
                         capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{scenario} on {backend} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(scenario: str, backend: str, n: int, runs: list[dict]) -> dict:
    median_run = sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]
    summary = {
        "scenario": scenario, "backend": backend, "n": n, "repeats": len(runs),
        "rate": round(statistics.median(r["rate"] for r in runs)),
        "seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "runs": [round(r["rate"]) for r in runs],
    }
    if all("cpu_rate" in r for r in runs):
        summary["cpu_rate"] = round(statistics.median(r["cpu_rate"] for r in runs))
    if "with_construction_rate" in median_run:
        summary["with_construction_rate"] = round(statistics.median(r["with_construction_rate"] for r in runs))
    return summary


def run_scenario(scenario: str, backend: str, n: int, repeats: int, reference: str | None = None,
                 this: str | None = None) -> list[dict]:
    """The scenario's summary; with ``reference`` also that checkout's, runs alternating (A B, B A, ...)."""
    variants = [("this", this)] + ([("reference", reference)] if reference else [])
    runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
    for repeat in range(repeats):
        for name, path in (variants if repeat % 2 == 0 else variants[::-1]):
            runs[name].append(_run_worker(scenario, backend, n, path))
    summaries = [{**_summary(scenario, backend, n, runs[name]), "code": name} for name, _ in variants]
    if reference:
        for key, name in (("rate", ""), ("cpu_rate", "cpu_")):
            if all(key in r for r in runs["this"] + runs["reference"]):
                pairs = [a[key] / b[key] for a, b in zip(runs["this"], runs["reference"])]
                summaries[0][f"{name}pair_ratios"] = [round(r, 3) for r in pairs]
                summaries[0][f"{name}ratio_of_medians"] = round(summaries[0][key] / summaries[1][key], 3)
    return summaries


def aiida_reference(n: int = 1000, repeats: int = 3) -> dict | None:
    """aiida-core 2.9.4 storing ``Int`` one by one, from its own virtualenv (None when not available)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        from benchmarks._aiida_venv import aiida_python, run_aiida_script
    except ImportError:
        return None
    if aiida_python() is None:
        return None
    try:
        return run_aiida_script("store", str(n), "--repeats", str(repeats))
    except Exception as exc:  # noqa: BLE001 - report, do not fail the whole benchmark
        return {"error": str(exc)}


def markdown(results: list[dict], command: str, aiida: dict | None) -> str:
    load = LOAD_BEFORE or os.getloadavg()
    after = os.getloadavg()
    lines = [
        "# Store benchmark",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average before the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, "
        f"after {after[0]:.2f} / {after[1]:.2f} / {after[2]:.2f}.",
        "Each number is the median of the runs shown; every run is a fresh process on a fresh profile.",
        "",
        "| scenario | backend | code | nodes | nodes/s (median) | runs (nodes/s) | CPU nodes/s (median) "
        "| peak RSS (MB) | target (SQLite) |",
        "|---|---|---|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        target = TARGETS.get(r["scenario"])
        verdict = ""
        if target and r["backend"] == "sqlite":
            verdict = f"≥ {target:,}: {'met' if r['rate'] >= target else 'NOT met'}"
        if r["scenario"] == "store_all" and r["backend"] == "sqlite":
            verdict += f"; RSS < 200 MB: {'met' if r['peak_rss_mb'] < 200 else 'NOT met'}"
        lines.append(f"| {r['scenario']} | {r['backend']} | {r.get('code', 'this')} | {r['n']:,} | {r['rate']:,} | "
                     f"{', '.join(f'{x:,}' for x in r['runs'])} | {r.get('cpu_rate', 0):,} | {r['peak_rss_mb']} "
                     f"| {verdict} |")
        if "with_construction_rate" in r:
            lines.append(f"| store_all incl. construction | {r['backend']} | {r.get('code', 'this')} | {r['n']:,} | "
                         f"{r['with_construction_rate']:,} | | | | |")
    paired = [r for r in results if "pair_ratios" in r]
    if paired:
        lines += ["", "Ratio this/reference (> 1: this code is faster). The runs alternate A B, B A, ...; a pair "
                  "ratio compares the two runs of one pair. *wall*: nodes per second of elapsed time; *CPU*: "
                  "nodes per second of this Python process's CPU time (PostgreSQL's server time not included), "
                  "which a busy machine disturbs far less.", "",
                  "| scenario | backend | wall: ratio of medians | wall: median pair ratio (min–max) "
                  "| CPU: ratio of medians | CPU: median pair ratio (min–max) |",
                  "|---|---|---:|---|---:|---|"]
        for r in paired:
            cells = []
            for name in ("", "cpu_"):
                pairs = r.get(f"{name}pair_ratios")
                if not pairs:
                    cells += ["", ""]
                    continue
                cells += [f"{r[f'{name}ratio_of_medians']:.3f}",
                          f"{statistics.median(pairs):.3f} ({min(pairs):.3f}–{max(pairs):.3f})"]
            lines.append(f"| {r['scenario']} | {r['backend']} | " + " | ".join(cells) + " |")
    if aiida and "error" not in aiida:
        lines += ["", f"aiida-core 2.9.4 (SQLite `verdi presto` profile, same machine): `Int.store()` one by one "
                  f"{aiida.get('nodes_per_s')} nodes/s ({aiida.get('ms_per_node')} ms per node, "
                  f"{aiida.get('n')} nodes, median of {aiida.get('repeats')})."]
    elif aiida:
        lines += ["", f"aiida-core reference run failed: {aiida['error'][:300]}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--scenario", choices=list(SCENARIOS), action="append",
                        help="Run only this scenario (repeatable).")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="Multiply the node counts (quick checks).")
    parser.add_argument("--markdown", help="Write a Markdown table to this file.")
    parser.add_argument("--aiida", action="store_true", help="Also run the aiida-core reference (its own venv).")
    parser.add_argument("--reference", help="Also run each scenario with PYTHONPATH=this checkout (e.g. a worktree "
                        "of main), alternating runs with this code.")
    parser.add_argument("--this", help="Run 'this' code with PYTHONPATH=this checkout (default: what Python imports).")
    parser.add_argument("--synchronous", choices=["normal", "full"], help="SQLite durability (default: the profile's, normal)")
    args = parser.parse_args()
    if args.synchronous:
        os.environ["JPROV_BENCH_SYNCHRONOUS"] = args.synchronous
    global LOAD_BEFORE
    LOAD_BEFORE = os.getloadavg()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    for scenario in args.scenario or list(SCENARIOS):
        for backend in backends:
            n = max(1, int(SCENARIOS[scenario] * args.scale))
            for result in run_scenario(scenario, backend, n, args.repeats, args.reference, args.this):
                results.append(result)
                print(json.dumps(result), flush=True)
    aiida = aiida_reference() if args.aiida else None
    if aiida:
        print(json.dumps({"aiida_reference": aiida}), flush=True)
    if args.markdown:
        command = "python benchmarks/store.py " + " ".join(sys.argv[1:])
        Path(args.markdown).write_text(markdown(results, command, aiida))


if __name__ == "__main__":
    main()
