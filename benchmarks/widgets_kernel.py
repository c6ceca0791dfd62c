"""The kernel's share of a ProvenanceGraph's first paint (#15): build the view's Neighbourhood and encode its
snapshot, for 1k, 5k and 20k visible nodes, this code beside a reference checkout, in one run.

What is timed is what ``benchmarks/widgets.py`` calls "kernel: load + encode": ``Neighbourhood([root],
depth=0)``, ``add_nodes(every pk)`` (node rows with degrees and callers, the links among them),
``snapshot()`` and ``encode()`` of ``mixed_graph(n)`` on a fresh SQLite profile. Each side runs in its
own Python process (its own profile, its own copy of the package), alternating A B A B for ``--pairs``
pairs; we report per-pair CPU ratios (median, min-max; CPU of the child: the machine is shared, wall is
inflated by others) and the wall medians, plus this side's breakdown by stage.

    python benchmarks/widgets_kernel.py --reference /tmp/main-ref [--sizes 1000 5000 20000] [--pairs 5]
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

CHILD = r'''
import json, sys, time
n = int(sys.argv[1])
from jupyter_prov.config import get_config
from jupyter_prov.config.profiles import default_profile_for
from jupyter_prov.orm import current
from jupyter_prov.testing.graphs import mixed_graph, write_spec
config = get_config()
config.add_profile(default_profile_for("bench"))
config.save()
current.load_profile("bench")
spec = write_spec(mixed_graph(n, seed=1, rich=False))
from jupyter_prov.views import graph as g
stages = {}
def stage(name, function):
    wall, cpu = time.perf_counter(), time.process_time()
    value = function()
    stages[name] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    return value
wall, cpu = time.perf_counter(), time.process_time()
hood = stage("root", lambda: g.Neighbourhood([spec.pks[0]], depth=0))
stage("add_nodes", lambda: hood.add_nodes(spec.pks))
version, elements = stage("snapshot", hood.snapshot)
messages = stage("encode", lambda: g.encode(elements, version=version, kind="snapshot"))
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "stages": stages,
                  "nodes": len(elements.nodes), "links": len(elements.links),
                  "bytes": sum(len(b) for _, bufs in messages for b in bufs)}))
'''


def run(side: Path, n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="jprov-bench-wk-") as home:
        env = dict(os.environ, JPROV_HOME=home, PYTHONPATH=str(side))
        out = subprocess.run([sys.executable, "-c", CHILD, str(n)], env=env, cwd=side, capture_output=True, text=True,
                             check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "widgets_kernel.md")
    args = parser.parse_args()
    load_before = os.getloadavg()
    results = {}
    for n in args.sizes:
        pairs = []
        for _ in range(args.pairs):
            ref = run(args.reference, n)
            new = run(ROOT, n)
            pairs.append({"ref": ref, "new": new})
            print(n, "ref cpu %.2f s, new cpu %.2f s" % (ref["cpu"], new["cpu"]), flush=True)
        results[n] = pairs
    load_after = os.getloadavg()
    lines = ["# Widgets, kernel side: Neighbourhood + encode of a first snapshot (#15)", "",
             f"`python benchmarks/widgets_kernel.py --reference {args.reference} --sizes "
             f"{' '.join(map(str, args.sizes))} --pairs {args.pairs}`: each side in its own process, A B A B; "
             f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (2 cores shared with other "
             "sessions). Reference: the session's starting main (9387637: one link query per node and direction "
             "in `add_nodes`, attributes decoded in Python).", "",
             "| nodes | links | ref CPU s (median) | new CPU s (median) | CPU ratio ref/new per pair: median (min–max) | "
             "ref wall s | new wall s | bytes |", "|---:|---:|---:|---:|---|---:|---:|---:|"]
    for n, pairs in results.items():
        ratios = [p["ref"]["cpu"] / p["new"]["cpu"] for p in pairs]
        med = statistics.median
        lines.append(f"| {pairs[0]['new']['nodes']:,} | {pairs[0]['new']['links']:,} | "
                     f"{med(p['ref']['cpu'] for p in pairs):.3f} | {med(p['new']['cpu'] for p in pairs):.3f} | "
                     f"{med(ratios):.1f}x ({min(ratios):.1f}–{max(ratios):.1f}) | "
                     f"{med(p['ref']['wall'] for p in pairs):.3f} | {med(p['new']['wall'] for p in pairs):.3f} | "
                     f"{pairs[0]['new']['bytes']:,} |")
    lines += ["", "This code, by stage (CPU s, median over the pairs):", "",
              "| nodes | root | add_nodes (rows, degrees, callers, links) | snapshot | encode |", "|---:|---:|---:|---:|---:|"]
    for n, pairs in results.items():
        cells = [statistics.median(p["new"]["stages"][s]["cpu"] for p in pairs)
                 for s in ("root", "add_nodes", "snapshot", "encode")]
        lines.append(f"| {n:,} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    lines.append("")
    args.out.write_text("\n".join(lines))
    args.out.with_suffix(".json").write_text(json.dumps({str(k): v for k, v in results.items()}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
