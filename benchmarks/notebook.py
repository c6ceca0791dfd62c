"""Notebook recording overhead: what recording adds to each cell, measured inside the kernel.

    python benchmarks/notebook.py                 # all parts, SQLite profile in a temporary JPROV_HOME
    python benchmarks/notebook.py --part cells    # only the 200-cell notebook (also: big, many, ipyflow)
    python benchmarks/notebook.py --postgres URL  # the same on a PostgreSQL database (must be empty)
    python benchmarks/notebook.py --part load --part cells --repeat 5 --reference /tmp/main-ref
                                                  # %load_ext and the cells beside another commit's tree

Parts:

- ``cells``: a 200-cell synthetic notebook of small operations, executed in a real ipykernel (nbclient)
  with recording off and on, alternating, ``--repeat`` times each. Each cell is timed inside the kernel
  from the first ``pre_run_cell`` callback to the last ``post_run_cell`` callback (the recorder's own
  callbacks, the stream tee and the audit hook are inside that window; the writer thread runs
  concurrently and competes for the GIL, so its cost is inside too). Added time per cell = median time
  with recording minus median time without, cell by cell; we report p50/p95 over the 200 cells, and the
  time spent in the recorder's callbacks alone.
- ``big``: a cell creating a 500 MB numpy array, off vs on (the array is hashed and stored behind it), and
  how long the writer then needs to store it.
- ``many``: 10,000 cells recorded into one profile (a terminal ``InteractiveShell`` in a subprocess),
  per-cell added time and the writer's throughput.
- ``load``: ``%load_ext jupyter_prov`` in a new kernel, this tree and the reference tree (``--reference``,
  e.g. a worktree of the commit before environment capture) alternating, ``--repeat`` kernels each: wall
  and CPU time of the ``%load_ext`` call on the kernel's thread, the next cell's wall time, and how long
  the writer thread took to read the environment (off the kernel's thread, after the cell).
- ``ipyflow``: the ``cells`` notebook under ipyflow (``%load_ext ipyflow``) when ipyflow is installed in
  ``/tmp/ipyflow-venv`` (kept out of this environment: it pins its own IPython).

Results go to ``benchmarks/results/notebook.md`` (``--write``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

TIMER_SETUP = textwrap.dedent("""
    import time as _time, json as _json
    _bench = []
    def _bench_pre(info):
        _bench.append([_time.perf_counter(), None])
    def _bench_post(result):
        if _bench:
            _bench[-1][1] = _time.perf_counter()
    get_ipython().events.register("pre_run_cell", _bench_pre)
""")
TIMER_POST = 'get_ipython().events.register("post_run_cell", _bench_post)\n_bench.clear()'
# the same timer, plus the kernel thread's page faults and system time per cell (``big``: where time goes)
TIMER_SETUP_RUSAGE = textwrap.dedent("""
    import time as _time, json as _json, resource as _resource
    _bench, _bench_rusage = [], []
    def _bench_pre(info):
        _u = _resource.getrusage(_resource.RUSAGE_THREAD)
        _bench_rusage.append([_u.ru_minflt, _u.ru_stime, None, None])
        _bench.append([_time.perf_counter(), None])
    def _bench_post(result):
        if _bench:
            _bench[-1][1] = _time.perf_counter()
            _u = _resource.getrusage(_resource.RUSAGE_THREAD)
            _bench_rusage[-1][2:] = [_u.ru_minflt, _u.ru_stime]
    get_ipython().events.register("pre_run_cell", _bench_pre)
""")
TIMER_POST_RUSAGE = TIMER_POST + "\n_bench_rusage.clear()"
TIMER_DUMP = textwrap.dedent("""
    _rec = None
    try:
        from jupyter_prov.notebook import get_recorder as _gr
        _rec = _gr()
    except ImportError:
        pass
    print("BENCH-JSON:" + _json.dumps({
        "cells": [b - a for a, b in _bench[:-1] if b is not None],
        "hooks": list(_rec.hook_seconds) if _rec is not None else [],
        "errors": list(_rec.errors) if _rec is not None else [],
        "rusage": [[c - a, d - b] for a, b, c, d in globals().get("_bench_rusage", [])[:-1] if c is not None],
        "writer_paused_s": _rec.writer.paused_seconds if _rec is not None else None,
        # pause points the writer thread passed inside each cell's window (0 unless someone waited for it)
        "passes_in_cell": [sum(1 for t in _rec.writer.gate_passes if a <= t <= b) for a, b in _bench[:-1]
                           if b is not None] if _rec is not None else [],
    }))
""")


def synthetic_cells(n: int = 200) -> list[str]:
    """Small operations of the kinds notebooks are made of, reading what earlier cells made."""
    cells = ["import numpy as np\nimport math\ntotal = 0\nrows = []\nconfig = {'scale': 2}"]
    for i in range(1, n):
        k = ((i - 1) // 10) % 5  # groups of ten cells of every kind, reusing five sets of names
        cells.append([
            f"x{k} = {i} * config['scale']",
            f"total = total + x{k}",
            f"rows.append({{'i': {i}, 'v': x{k}}})",
            f"s{k} = 'item-' + str({i}).zfill(4)",
            f"a{k} = np.arange(64) * {i}",
            f"m{k} = float(a{k}.mean()) + math.sqrt({i})",
            f"def f{k}(v):\n    return v * config['scale'] + {i}",
            f"y{k} = f{k}(x{k})",
            f"config['last'] = {i}",
            "words = [w.upper() for w in ['a', 'b', 'c']]\nn_words = len(words)",
        ][(i - 1) % 10])
    return cells


# ---- running notebooks in kernels ------------------------------------------------------------
def _notebook(cells: list[str], extension: str | None, rusage: bool = False):
    import nbformat

    load = f"%load_ext {extension}" if extension else "pass"
    if extension == "jupyter_prov":
        load += "\nfrom jupyter_prov.notebook import get_recorder as _gr\n_gr().measure = True\n_gr().writer.measure = True"
    sources = [TIMER_SETUP_RUSAGE if rusage else TIMER_SETUP, load, TIMER_POST_RUSAGE if rusage else TIMER_POST, *cells]
    if extension == "jupyter_prov":
        sources.append("%provenance flush")
    sources.append(TIMER_DUMP)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def run_in_kernel(cells: list[str], extension: str | None, env: dict, kernel_name: str = "python3",
                  cwd: str | None = None, rusage: bool = False, pauses: dict[int, float] | None = None) -> dict:
    """Run the cells (with the timer cells around them) in a new kernel; ``pauses``: cell index → seconds
    the client waits after that cell before sending the next one (a person reading the output)."""
    from nbclient import NotebookClient

    notebook = _notebook(cells, extension, rusage)
    client = NotebookClient(notebook, timeout=1800, kernel_name=kernel_name,
                            resources={"metadata": {"path": cwd or tempfile.gettempdir()}})
    flush_start = time.perf_counter()
    if not pauses:
        client.execute(env=env)
    else:
        first = 3  # TIMER_SETUP, the load cell, TIMER_POST come before the cells
        with client.setup_kernel(env=env):
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
                if index - first in pauses:
                    time.sleep(pauses[index - first])
    for output in notebook.cells[-1].outputs:
        for line in output.get("text", "").splitlines():
            if line.startswith("BENCH-JSON:"):
                result = json.loads(line[len("BENCH-JSON:"):])
                result["wall"] = time.perf_counter() - flush_start
                return result
    raise RuntimeError(f"no timing output: {notebook.cells[-1].outputs}")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[index]


def part_cells(env: dict, repeat: int, extension: str = "jupyter_prov", kernel_name: str = "python3",
               reference: str | None = None) -> dict:
    cells = synthetic_cells()
    off_runs, on_runs, ref_runs, hooks = [], [], [], []
    for _ in range(repeat):
        off_runs.append(run_in_kernel(cells, None, env, kernel_name)["cells"])
        on = run_in_kernel(cells, extension, env, kernel_name)
        on_runs.append(on["cells"])
        hooks.extend(on["hooks"])
        if on.get("errors"):
            print("recording errors:", on["errors"][:3], file=sys.stderr)
        if reference:
            ref_runs.append(run_in_kernel(cells, extension, _with_tree(env, reference), kernel_name)["cells"])
    n = min(len(r) for r in off_runs + on_runs)
    off = [statistics.median(r[i] for r in off_runs) for i in range(n)]
    on = [statistics.median(r[i] for r in on_runs) for i in range(n)]
    added = [b - a for a, b in zip(off, on)]
    # the noise floor: the same measurement between two runs *without* recording
    noise = [abs(off_runs[0][i] - off_runs[1][i]) for i in range(n)] if len(off_runs) > 1 else []
    ms = 1000
    reference_row = {}
    if ref_runs:
        n = min(n, *(len(r) for r in ref_runs))
        ref = [statistics.median(r[i] for r in ref_runs) for i in range(n)]
        ref_added = [b - a for a, b in zip(off, ref)]
        reference_row = {"reference": reference, "reference_added_p50_ms": percentile(ref_added, 50) * ms,
                         "reference_added_p95_ms": percentile(ref_added, 95) * ms}
    return {
        **reference_row,
        "cells": n, "repeat": repeat,
        "noise_off_vs_off_p50_ms": percentile(noise, 50) * ms if noise else None,
        "noise_off_vs_off_p95_ms": percentile(noise, 95) * ms if noise else None,
        "off_p50_ms": percentile(off, 50) * ms, "on_p50_ms": percentile(on, 50) * ms,
        "added_p50_ms": percentile(added, 50) * ms, "added_p95_ms": percentile(added, 95) * ms,
        "added_mean_ms": statistics.mean(added) * ms,
        "hooks_p50_ms": percentile(hooks, 50) * ms if hooks else None,
        "hooks_p95_ms": percentile(hooks, 95) * ms if hooks else None,
    }


def _with_tree(env: dict, tree: str) -> dict:
    """``env`` with the package imported from ``tree`` (a worktree of another commit) first."""
    return dict(env, PYTHONPATH=os.pathsep.join(p for p in (tree, env.get("PYTHONPATH", "")) if p))


LOAD_CELL = textwrap.dedent("""
    import time as _time, json as _json
    _t, _c, _k = _time.perf_counter(), _time.process_time(), _time.thread_time()
    get_ipython().run_line_magic("load_ext", "jupyter_prov")
    print("LOAD-JSON:" + _json.dumps([_time.perf_counter() - _t, _time.process_time() - _c, _time.thread_time() - _k]))
""")
AFTER_LOAD = textwrap.dedent("""
    import jupyter_prov as _jp, json as _json
    from jupyter_prov.notebook import get_recorder as _gr
    _s = getattr(_gr().writer, "session", None)
    print("AFTER-JSON:" + _json.dumps({"tree": _jp.__file__, "capture_s": getattr(_s, "capture_seconds", None),
                                      "errors": _gr().errors}))
""")


def part_load(env: dict, repeat: int, reference: str | None) -> dict:
    """``%load_ext`` wall and CPU time on the kernel's thread, this tree vs ``reference`` alternating."""
    import nbformat
    from nbclient import NotebookClient

    def once(run_env: dict) -> dict:
        cells = [LOAD_CELL, "_t2 = __import__('time').perf_counter()", "x = 1",
                 "_next = __import__('time').perf_counter() - _t2", "%provenance flush", AFTER_LOAD,
                 "print('NEXT-JSON:' + str(_next))"]
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": tempfile.gettempdir()}}).execute(env=run_env)
        found: dict = {}
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                for line in output.get("text", "").splitlines():
                    for key in ("LOAD", "AFTER", "NEXT"):
                        if line.startswith(f"{key}-JSON:"):
                            found[key] = json.loads(line[len(key) + 6:])
        return {"wall_s": found["LOAD"][0], "cpu_s": found["LOAD"][1], "thread_cpu_s": found["LOAD"][2],
                "next_cell_s": found["NEXT"],
                **found["AFTER"]}

    runs: dict[str, list[dict]] = {"this": [], "reference": []}
    for index in range(repeat):
        order = ["this", "reference"] if index % 2 == 0 else ["reference", "this"]
        for which in order:
            if which == "reference" and not reference:
                continue
            runs[which].append(once(env if which == "this" else _with_tree(env, reference or "")))
    ms = 1000

    def summary(rows: list[dict]) -> dict:
        if not rows:
            return {}
        return {"wall_median_ms": statistics.median(r["wall_s"] for r in rows) * ms,
                "cpu_median_ms": statistics.median(r["cpu_s"] for r in rows) * ms,
                "kernel_thread_cpu_median_ms": statistics.median(r["thread_cpu_s"] for r in rows) * ms,
                "wall_ms": [round(r["wall_s"] * ms, 1) for r in rows],
                "next_cell_median_ms": statistics.median(r["next_cell_s"] for r in rows) * ms,
                "capture_ms": [None if r["capture_s"] is None else round(r["capture_s"] * ms, 1) for r in rows],
                "tree": rows[0]["tree"], "errors": [e for r in rows for e in r["errors"]][:3]}

    result = {"repeat": repeat, "this": summary(runs["this"]), "reference": summary(runs["reference"])}
    if runs["reference"]:
        pairs = [a["wall_s"] - b["wall_s"] for a, b in zip(runs["this"], runs["reference"])]
        cpu_pairs = [a["cpu_s"] - b["cpu_s"] for a, b in zip(runs["this"], runs["reference"])]
        result["added_wall_ms_per_pair"] = [round(p * ms, 1) for p in pairs]
        result["added_wall_median_ms"] = statistics.median(pairs) * ms
        thread_pairs = [a["thread_cpu_s"] - b["thread_cpu_s"] for a, b in zip(runs["this"], runs["reference"])]
        result["added_cpu_median_ms"] = statistics.median(cpu_pairs) * ms
        result["added_cpu_ms_per_pair"] = [round(p * ms, 1) for p in cpu_pairs]
        result["added_kernel_thread_cpu_median_ms"] = statistics.median(thread_pairs) * ms
        result["added_kernel_thread_cpu_ms_per_pair"] = [round(p * ms, 1) for p in thread_pairs]
    return result


BIG_CELL = "big = np.full(62_500_000, 1.0)  # 500 MB"
#: run right before the big cell in the "warm" variant (see part_big)
WARM_CELL = "_warm = np.full(62_500_000, 0.0)\ndel _warm"


def part_big(env: dict, repeat: int) -> dict:
    """One 500 MB cell per kernel (so no earlier array is being written meanwhile), off vs on.

    Two variants. ``cold``: the cells as a notebook has them. On this machine (a VM whose guest returns
    freed memory to the host after ~2 s: virtio-balloon free page reporting) the first touch of 500 MB
    costs anywhere from 0.04 to 3 s, depending on what the previous kernels freed and when; the page
    faults and system time of the kernel thread are reported for each cell so that noise is visible.
    ``warm``: a cell allocates and frees 500 MB right before the big cell (an unrecorded ``_`` name), so
    the big cell finds guest-resident memory in both modes and the difference is what recording adds.
    Off and on alternate (off first in even repetitions, on first in odd ones).
    """
    tail = ["import time\ntime.sleep(0.05)\nsmall = 1"] + [f"small = small + {i}" for i in range(20)]
    variants = {"cold": ["import numpy as np", BIG_CELL, *tail], "warm": ["import numpy as np", WARM_CELL, BIG_CELL, *tail]}
    ms = 1000
    out: dict = {"kernels": repeat}
    for variant, cells in variants.items():
        big_index = cells.index(BIG_CELL)
        runs: dict[str, list[dict]] = {"off": [], "on": []}
        for rep in range(repeat):
            for mode in (("off", "on") if rep % 2 == 0 else ("on", "off")):
                result = run_in_kernel(cells, "jupyter_prov" if mode == "on" else None, env, rusage=True)
                if result.get("errors"):
                    print("recording errors:", result["errors"][:3], file=sys.stderr)
                runs[mode].append({
                    "big": result["cells"][big_index], "faults": result["rusage"][big_index][0],
                    "sys": result["rusage"][big_index][1], "next": result["cells"][big_index + 2:big_index + 22],
                    # hook_seconds has one entry per recorded cell: the TIMER_POST cell comes first
                    "hooks": result["hooks"][big_index + 1] if result["hooks"] else None,
                    "flush": result["cells"][big_index + 22] if mode == "on" else None,
                })
        off = [r["big"] for r in runs["off"]]
        on = [r["big"] for r in runs["on"]]
        next_off = [t for r in runs["off"] for t in r["next"]]
        next_on = [t for r in runs["on"] for t in r["next"]]
        out[variant] = {
            "off_ms": statistics.median(off) * ms, "on_ms": statistics.median(on) * ms,
            "added_ms": (statistics.median(on) - statistics.median(off)) * ms,
            "off_min_ms": min(off) * ms, "on_min_ms": min(on) * ms, "added_min_ms": (min(on) - min(off)) * ms,
            "off_all_ms": [round(v * ms, 1) for v in off], "on_all_ms": [round(v * ms, 1) for v in on],
            "off_sys_ms": [round(r["sys"] * ms) for r in runs["off"]], "on_sys_ms": [round(r["sys"] * ms) for r in runs["on"]],
            "off_faults": [r["faults"] for r in runs["off"]], "on_faults": [r["faults"] for r in runs["on"]],
            "off_user_wall_minus_sys_ms": statistics.median((r["big"] - r["sys"]) * ms for r in runs["off"]),
            "on_user_wall_minus_sys_ms": statistics.median((r["big"] - r["sys"]) * ms for r in runs["on"]),
            "hooks_ms": statistics.median(r["hooks"] for r in runs["on"]) * ms,
            "store_after_s": statistics.median(r["flush"] for r in runs["on"]),
            "next_cells_off_p50_ms": percentile(next_off, 50) * ms, "next_cells_on_p50_ms": percentile(next_on, 50) * ms,
            "next_cells_off_p95_ms": percentile(next_off, 95) * ms, "next_cells_on_p95_ms": percentile(next_on, 95) * ms,
        }
    # A second 500 MB cell sent 0.3 s after the first: the writer is then storing the first array (and it
    # pauses while the second cell runs). Writing the .npy takes 500 MB of page cache, which takes memory
    # the second cell would otherwise find warm: "warm1g" warms 1 GB (what the two arrays need), "warm2g"
    # 2 GB (enough for the page cache too), so the two effects can be told apart.
    second = BIG_CELL.replace("big =", "big2 =").replace("1.0", "2.0")
    for variant, warm_elements in (("warm1g", 125_000_000), ("warm2g", 250_000_000)):
        cells = ["import numpy as np", f"_warm = np.full({warm_elements:_}, 0.0)\ndel _warm", BIG_CELL, second, "small = 1"]
        runs = {"off": [], "on": []}
        for rep in range(repeat):
            for mode in (("off", "on") if rep % 2 == 0 else ("on", "off")):
                result = run_in_kernel(cells, "jupyter_prov" if mode == "on" else None, env, rusage=True, pauses={2: 0.3})
                passes = result["passes_in_cell"]
                runs[mode].append((result["cells"][3], result["rusage"][3][1], passes[3] if passes else None,
                                   sum(passes[:-1]) if passes else None))
        off, on = [r[0] for r in runs["off"]], [r[0] for r in runs["on"]]
        out[f"second_while_storing_{variant}"] = {
            "off_ms": statistics.median(off) * ms, "on_ms": statistics.median(on) * ms,
            "added_ms": (statistics.median(on) - statistics.median(off)) * ms,
            "off_all_ms": [round(v * ms, 1) for v in off], "on_all_ms": [round(v * ms, 1) for v in on],
            "off_sys_ms": [round(r[1] * ms) for r in runs["off"]], "on_sys_ms": [round(r[1] * ms) for r in runs["on"]],
            "writer_pause_points_passed_during_second_cell": [r[2] for r in runs["on"]],
            "writer_pause_points_passed_during_any_cell_before_flush": [r[3] for r in runs["on"]],
        }
    return out


MANY_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from IPython.core.interactiveshell import InteractiveShell
    n, record = int(sys.argv[1]), sys.argv[2] == "on"
    shell = InteractiveShell.instance()
    if record:
        shell.run_cell("%load_ext jupyter_prov")
        from jupyter_prov.notebook import get_recorder
        get_recorder(shell).measure = True
    base = json.load(open(sys.argv[3]))
    cells = [base[0]] + [base[1 + i % 199] for i in range(n - 1)]
    times = []
    start = time.perf_counter()
    for source in cells:
        t0 = time.perf_counter()
        shell.run_cell(source, store_history=True)
        times.append(time.perf_counter() - t0)
    ran = time.perf_counter() - start
    import resource
    out = {"times": times, "ran_s": ran, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if record:
        from jupyter_prov.notebook import get_recorder
        rec = get_recorder(shell)
        t0 = time.perf_counter()
        rec.writer.flush()
        out["flush_s"] = time.perf_counter() - t0
        out["recorded"] = rec.writer.cells_recorded
        out["errors"] = rec.errors[:3]
        out["hooks"] = rec.hook_seconds
    print("BENCH-JSON:" + json.dumps(out))
""")


def part_many(env: dict, n: int) -> dict:
    script = Path(tempfile.mkdtemp()) / "many.py"
    script.write_text(MANY_SCRIPT)
    (script.parent / "cells.json").write_text(json.dumps(synthetic_cells(200)))
    results = {}
    for mode in ("off", "on"):
        proc = subprocess.run([sys.executable, str(script), str(n), mode, str(script.parent / "cells.json")], check=False, env=env, capture_output=True, text=True,
                              timeout=3600)
        line = [l for l in proc.stdout.splitlines() if l.startswith("BENCH-JSON:")]
        if not line:
            raise RuntimeError(proc.stderr[-3000:])
        results[mode] = json.loads(line[-1][len("BENCH-JSON:"):])
    off, on = results["off"]["times"], results["on"]["times"]
    added = [b - a for a, b in zip(off, on)]
    ms = 1000
    return {
        "cells": n, "recorded": results["on"].get("recorded"),
        "added_p50_ms": percentile(added, 50) * ms, "added_p95_ms": percentile(added, 95) * ms,
        "hooks_p50_ms": percentile(results["on"]["hooks"], 50) * ms,
        "hooks_p95_ms": percentile(results["on"]["hooks"], 95) * ms,
        "ran_off_s": results["off"]["ran_s"], "ran_on_s": results["on"]["ran_s"],
        "flush_after_s": results["on"]["flush_s"],
        "cells_per_s_written": n / (results["on"]["ran_s"] + results["on"]["flush_s"]),
        "max_rss_off_mb": results["off"]["max_rss_mb"], "max_rss_on_mb": results["on"]["max_rss_mb"],
        "errors": results["on"].get("errors"),
    }


def part_ipyflow(env: dict, repeat: int) -> dict | None:
    venv_python = Path("/tmp/ipyflow-venv/bin/python")
    if not venv_python.exists():
        return None
    check = subprocess.run([str(venv_python), "-c", "import ipyflow, ipykernel; print(ipyflow.__version__)"], check=False,
                           capture_output=True, text=True)
    if check.returncode != 0:
        return {"error": check.stderr.strip().splitlines()[-1] if check.stderr else "not importable"}
    spec_root = Path(tempfile.mkdtemp())
    kernel_dir = spec_root / "kernels" / "ipyflow-bench"
    kernel_dir.mkdir(parents=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [str(venv_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ipyflow bench", "language": "python"}))
    os.environ["JUPYTER_PATH"] = str(spec_root) + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    result = part_cells(env, repeat, extension="ipyflow", kernel_name="ipyflow-bench")
    result["version"] = check.stdout.strip()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", action="append", choices=["cells", "big", "many", "ipyflow", "load"])
    parser.add_argument("--reference", help="a worktree of another commit, run beside this one (parts load, cells)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--many", type=int, default=10_000)
    parser.add_argument("--postgres", help="PostgreSQL URL of an empty database (default: SQLite)")
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/notebook.md")
    args = parser.parse_args()
    parts = args.part or ["cells", "big", "many", "ipyflow"]
    home = tempfile.mkdtemp(prefix="jprov-bench-notebook-")
    env = dict(os.environ, JPROV_HOME=home, JPROV_PROFILE="bench")
    os.environ.update(JPROV_HOME=home, JPROV_PROFILE="bench")
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for

    config = get_config()
    config.add_profile(default_profile_for("bench", storage=args.postgres), make_default=True)
    config.save()
    results: dict = {"load_before": os.getloadavg(), "backend": "postgresql" if args.postgres else "sqlite"}
    for part in parts:
        started = time.perf_counter()
        if part == "cells":
            results["cells"] = part_cells(env, args.repeat, reference=args.reference)
        elif part == "load":
            results["load"] = part_load(env, args.repeat, args.reference)
        elif part == "big":
            results["big"] = part_big(env, args.repeat)
        elif part == "many":
            results["many"] = part_many(env, args.many)
        elif part == "ipyflow":
            results["ipyflow"] = part_ipyflow(env, args.repeat)
        print(part, f"{time.perf_counter() - started:.1f}s", json.dumps(results.get(part), indent=1), flush=True)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=1))
    if args.write:  # the parts run now replace their earlier results; the other parts' results stay
        raw = HERE / "results" / "notebook-raw.json"
        merged = json.loads(raw.read_text()) if raw.exists() else {}
        merged.update(results)
        raw.write_text(json.dumps(merged, indent=1))


if __name__ == "__main__":
    main()
