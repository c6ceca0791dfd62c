"""A/B of the engine and daemon benchmarks: this checkout against a reference checkout, alternately, in one run.

    python benchmarks/ab_engine_daemon.py --reference /tmp/main-ref --pairs 5 [--n 200] [--calcs 300 --chains 30]
        [--markdown benchmarks/results/refactor_engine_daemon.md]

Each pair runs the reference first, then this checkout, then (next pair) the other order, so a load
change in the middle of a run hits both sides alike. Every run is a fresh Python process on a fresh
profile, with ``PYTHONPATH`` set to the checkout under test and its working directory outside both
checkouts (so nothing else is imported by accident):

- engine (SQLite): ``benchmarks/engine.py --worker sqlite`` of *this* checkout (the harness is the
  same file in both, only ``jupyter_prov`` differs);
- daemon (embedded broker + SQLite): each checkout's own ``benchmarks/daemon.py --only embedded-sqlite``
  (it puts its checkout first on ``sys.path``); the two scripts differ only in how they count the
  queue rows left (the lease table's name moved to ``orm/queries.py``).

Reported: per metric the median of each side and the ratio of medians (this / reference; for times
above 1 is slower, for rates above 1 is faster), and the spread of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: metric -> True if higher is better
ENGINE_METRICS = {"ms_per_calcfunction": False, "s_per_workfunction_10": False, "s_workchain_100_children": False,
                  "s_graph_1000": False}
DAEMON_COLUMNS = ["submit rate", "submit CPU / process", "completion throughput", "first result",
                  "worker CPU / process", "total"]
DAEMON_HIGHER = {"submit rate": True, "completion throughput": True}


def _env(tree: Path, home: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), JPROV_HOME=home)
    env.pop("JPROV_PROFILE", None)
    return env


def engine_run(tree: Path, n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="jprov-ab-engine-") as home:
        out = subprocess.run([sys.executable, str(HERE / "engine.py"), "--worker", "sqlite", "--n", str(n)],
                             env=_env(tree, home), cwd=home, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"engine run of {tree} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _number(cell: str) -> float:
    return float(cell.strip().split()[0].replace("/s", "").replace(",", ""))


def daemon_run(tree: Path, calcs: int, chains: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="jprov-ab-daemon-") as home:
        out = subprocess.run([sys.executable, str(tree / "benchmarks" / "daemon.py"), "--calcs", str(calcs),
                              "--chains", str(chains), "--workers", "2", "--only", "embedded-sqlite", "--no-header"],
                             env=_env(tree, home), cwd=home, capture_output=True, text=True, check=False, timeout=1800)
    rows = [line for line in out.stdout.splitlines() if line.startswith("| embedded")]
    if out.returncode != 0 or len(rows) != 3:
        raise RuntimeError(f"daemon run of {tree} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    result = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        workload = cells[1].split(" (")[0].split(" ", 1)[1]  # "1000 calcfunctions (1000 processes)" -> calcfunctions
        for column, cell in zip(DAEMON_COLUMNS, cells[2:8]):
            result[f"{workload}: {column}"] = _number(cell)
    return result


def which(tree: Path) -> str:
    out = subprocess.run([sys.executable, "-c", "import jupyter_prov, os; print(os.path.dirname(jupyter_prov.__file__))"],
                         env=_env(tree, tempfile.gettempdir()), cwd=tempfile.gettempdir(), capture_output=True, text=True)
    return out.stdout.strip()


def summarise(pairs: list[tuple[dict, dict]], higher: dict[str, bool]) -> list[dict]:
    rows = []
    for metric in pairs[0][0]:
        if not isinstance(pairs[0][0][metric], (int, float)) or metric in ("n",):
            continue
        ref = [a[metric] for a, _b in pairs]
        new = [b[metric] for _a, b in pairs]
        ratios = [b / a for a, b in zip(ref, new) if a]
        rows.append({"metric": metric, "reference": statistics.median(ref), "this": statistics.median(new),
                     "ratio": statistics.median(new) / statistics.median(ref) if statistics.median(ref) else None,
                     "pair_ratios": [round(r, 3) for r in ratios], "higher_is_better": higher.get(metric.split(": ")[-1], higher.get(metric, False))})
    return rows


def markdown(title: str, rows: list[dict]) -> str:
    lines = [f"| {title} | reference (median) | this (median) | ratio this/ref | per-pair ratios | better |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['metric']} | {r['reference']:.4g} | {r['this']:.4g} | {r['ratio']:.3f} | "
                     f"{min(r['pair_ratios']):.2f}–{max(r['pair_ratios']):.2f} | {'higher' if r['higher_is_better'] else 'lower'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--n", type=int, default=200, help="calcfunctions per engine batch")
    parser.add_argument("--calcs", type=int, default=300)
    parser.add_argument("--chains", type=int, default=30)
    parser.add_argument("--only", choices=["engine", "daemon"])
    parser.add_argument("--json", type=Path, help="append the raw runs here (JSON lines)")
    args = parser.parse_args()
    trees = {"reference": args.reference.resolve(), "this": ROOT}
    for name, tree in trees.items():
        print(f"{name}: jupyter_prov from {which(tree)}", flush=True)
    load_start = os.getloadavg()
    results: dict[str, list] = {"engine": [], "daemon": []}
    for index in range(args.pairs):
        order = ["reference", "this"] if index % 2 == 0 else ["this", "reference"]
        for bench in ("engine", "daemon"):
            if args.only and bench != args.only:
                continue
            got = {}
            for side in order:
                got[side] = (engine_run(trees[side], args.n) if bench == "engine"
                             else daemon_run(trees[side], args.calcs, args.chains))
                print(f"pair {index + 1} {bench} {side}: {json.dumps(got[side])}", flush=True)
                if args.json:
                    with args.json.open("a") as handle:
                        handle.write(json.dumps({"pair": index + 1, "bench": bench, "side": side,
                                                 "load": os.getloadavg()[0], **got[side]}) + "\n")
            results[bench].append((got["reference"], got["this"]))
    load_end = os.getloadavg()
    print(f"\nload average at start {load_start[0]:.2f} / end {load_end[0]:.2f}")
    if results["engine"]:
        print(markdown(f"engine, SQLite (n={args.n}, {args.pairs} pairs)", summarise(results["engine"], ENGINE_METRICS)))
    if results["daemon"]:
        print(markdown(f"daemon, embedded broker + SQLite, 2 workers ({args.calcs} calcs, {args.chains} chains, "
                       f"{args.pairs} pairs)", summarise(results["daemon"], DAEMON_HIGHER)))


if __name__ == "__main__":
    main()
