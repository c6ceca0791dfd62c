"""views/ beside the code it replaced (eddaea3), in one run: what a face waits for.

Each side runs in its own Python process with its own profile (SQLite, in a temporary JPROV_HOME; the
reference checkout's schema differs), builds the same graph, then times, as medians of ``--repeat``:

- **detail of a hub**: one ``Int`` read by ``--fanout`` calculations (a data node every cell of a sweep
  reads). eddaea3: ``orm.nodes.summary.node_summary(node)`` (what ``jprov node show`` printed: every link
  loaded); now: ``views.nodes.detail(pk)`` (100 links each way and the counts)
- **process page**: the 50 newest of the ``--fanout`` finished processes with their state text.
  eddaea3: ``engine.reports.list_processes(all=True, limit=50)`` + ``state_text`` per node (one lease
  query each, what ``jprov process list -a`` did) and a QueryBuilder count; now:
  ``views.processes.list_processes(limit=50)`` (one lease query for the page, total included)
- **node page**: the 50 newest nodes as summaries. eddaea3: ``list_nodes(limit=50)`` + ``node_summary(n,
  links=False)`` and a QueryBuilder count (``jprov node list`` counted a full page); now
  ``views.nodes.search(order_by="pk", limit=50)`` (with the total)

Run: ``python benchmarks/views.py --reference /tmp/main-ref [--fanout 20000] [--repeat 7]``; writes
``benchmarks/results/views.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = r'''
import json, statistics, sys, time
fanout, repeat, side = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
from jupyter_prov.config import get_config
from jupyter_prov.config.profiles import default_profile_for
from jupyter_prov.orm import CalcFunctionNode, Int, current, store_all
config = get_config()
config.add_profile(default_profile_for("bench"))
config.save()
current.load_profile("bench")
hub = Int(1).store()
calcs = []
for i in range(fanout):
    calc = CalcFunctionNode(process_label="add")
    calc.add_incoming(hub, "input_calc", "x")
    calc.set_process_state("running")
    calc.set_process_state("finished")
    calc.set_exit(0)
    calcs.append(calc)
store_all(calcs)

def median(function):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)

if side == "reference":
    from jupyter_prov.engine.reports import list_processes, state_text
    from jupyter_prov.orm import Node, QueryBuilder, load_node
    from jupyter_prov.orm.nodes.summary import list_nodes, node_summary
    def detail():
        return node_summary(load_node(hub.pk))
    def processes():
        nodes = list_processes(all=True, limit=50)
        rows = [(n.pk, state_text(n)) for n in nodes]
        QueryBuilder().append(Node, filters={"node_type": {"like": "process%"}}).count()
        return rows
    def page():
        rows = [node_summary(n, links=False) for n in list_nodes(limit=50)]
        QueryBuilder().append(Node).count()  # jprov node list counted when the page was full
        return rows
else:
    from jupyter_prov.views import nodes, processes as views_processes
    def detail():
        return nodes.detail(hub.pk)
    def processes():
        return views_processes.list_processes(limit=50)
    def page():
        return nodes.search(order_by="pk", limit=50)
detail_bytes = len(json.dumps(detail(), default=str))
print(json.dumps({"detail_s": median(detail), "detail_bytes": detail_bytes, "processes_s": median(processes),
                  "page_s": median(page)}))
'''


def run_side(checkout: Path, side: str, fanout: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, JPROV_HOME=home, PYTHONPATH=str(checkout))
        env.pop("JPROV_PROFILE", None)
        out = subprocess.run([sys.executable, "-c", CHILD, str(fanout), str(repeat), side], env=env, cwd=home,
                             capture_output=True, text=True, check=True, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=Path, default=Path("/tmp/main-ref"))
    parser.add_argument("--fanout", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()
    ref = run_side(args.reference, "reference", args.fanout, args.repeat)
    new = run_side(ROOT, "views", args.fanout, args.repeat)
    rows = [
        ("detail of a hub read by {:,} calculations".format(args.fanout), "detail_s"),
        ("50 newest processes with state text (and the total)", "processes_s"),
        ("50 newest nodes as summaries (and the total)", "page_s"),
    ]
    lines = [
        "# views/ (#14 item 5): what a face waits for",
        "",
        f"`python benchmarks/views.py --fanout {args.fanout} --repeat {args.repeat}`, SQLite, medians, "
        f"load average {load[0]:.1f} at the start; reference eddaea3 ({args.reference}) in the same run.",
        "",
        "| what | eddaea3 | views/ | ratio |",
        "|---|---:|---:|---:|",
    ]
    for label, key in rows:
        lines.append(f"| {label} | {ref[key] * 1000:,.1f} ms | {new[key] * 1000:,.1f} ms | "
                     f"{ref[key] / new[key]:,.1f}x |")
    lines += ["", f"JSON of the hub's detail: eddaea3 {ref['detail_bytes']:,} bytes (every link), views/ "
              f"{new['detail_bytes']:,} bytes (100 links each way, counts, `truncated`).", ""]
    (HERE / "results" / "views.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"({time.time() - started:.0f} s)")
