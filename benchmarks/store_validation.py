"""What the value rules cost at store time: ``benchmarks/store.py`` scenarios, this tree beside a reference tree.

Each round runs one scenario once with the reference (``--reference``, default ``/tmp/main-ref``: a
worktree of the commit before the rules) and once with this tree (or ``--tree``: e.g. the reference
with only the value-rule commits applied, to leave out other changes), alternating A B A B in one run so
both see the same machine load. Each run is a fresh Python process on a fresh profile
(``store.py --worker``). Raw results go to ``benchmarks/results/store-validation.json``.

    git -C /work/main worktree add /tmp/main-ref ee48b72
    python benchmarks/store_validation.py --rounds 5 --markdown benchmarks/results/store-validation.md
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STORE = HERE / "store.py"


def one_run(tree: Path, scenario: str, backend: str, n: int) -> dict:
    """One fresh worker process; ``cpu_seconds``: its whole CPU time (start-up and construction included)."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, str(STORE), "--worker", scenario, backend, str(n)],
                         capture_output=True, text=True, check=False, env=env, cwd=str(tree))
    if out.returncode != 0:
        raise RuntimeError(f"{scenario} on {backend} with {tree} failed:\n{out.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default="/tmp/main-ref")
    parser.add_argument("--tree", default=str(ROOT), help="The tree to compare (default: this one).")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--scenario", action="append", choices=["one_by_one", "store_all", "dict_nested"])
    parser.add_argument("--json", default=str(HERE / "results" / "store-validation.json"))
    parser.add_argument("--markdown")
    args = parser.parse_args()
    sizes = {"one_by_one": 10_000, "store_all": 100_000, "dict_nested": 10_000}
    trees = {"reference": Path(args.reference), "this tree": Path(args.tree)}
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    runs: list[dict] = []
    for scenario in args.scenario or ["one_by_one", "store_all"]:
        for backend in backends:
            for round_ in range(args.rounds):
                for name, tree in trees.items():
                    result = one_run(tree, scenario, backend, sizes[scenario])
                    row = {"scenario": scenario, "backend": backend, "tree": name, "round": round_,
                           "rate": round(result["rate"]), "cpu_seconds": round(result["cpu_seconds"], 2),
                           "load": os.getloadavg()[0], "time": time.time()}
                    runs.append(row)
                    print(json.dumps(row), flush=True)
    Path(args.json).write_text(json.dumps(runs, indent=1))
    lines = [("| scenario | backend | reference (nodes/s, runs) | this tree (nodes/s, runs) | change of medians "
              "| worker CPU s, reference / this tree (medians) |"),
             "|---|---|---|---|---|---|"]
    for scenario in args.scenario or ["one_by_one", "store_all"]:
        for backend in backends:
            rates = {name: [r["rate"] for r in runs if r["scenario"] == scenario and r["backend"] == backend
                            and r["tree"] == name] for name in trees}
            cpu = {name: statistics.median(r["cpu_seconds"] for r in runs if r["scenario"] == scenario
                                           and r["backend"] == backend and r["tree"] == name) for name in trees}
            ref, new = statistics.median(rates["reference"]), statistics.median(rates["this tree"])
            lines.append(f"| {scenario} | {backend} | {ref:,.0f} ({', '.join(f'{r:,}' for r in rates['reference'])}) "
                         f"| {new:,.0f} ({', '.join(f'{r:,}' for r in rates['this tree'])}) | {100 * (new / ref - 1):+.1f} % "
                         f"| {cpu['reference']:.2f} / {cpu['this tree']:.2f} |")
    loads = [r["load"] for r in runs]
    lines.append("")
    lines.append(f"Load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}.")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")


if __name__ == "__main__":
    main()
