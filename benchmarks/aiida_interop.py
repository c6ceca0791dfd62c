"""Issue #19's figure: import and export of an AiiDA archive, ours against aiida-core 2.9.4, side by side in one run.

    python benchmarks/aiida_interop.py [--nodes 20000] [--pairs 3] [--markdown]

The archive both sides read is one aiida-core wrote: the synthetic graph of ``benchmarks/archive.py``
(chains ``Int -> calcfunction -> Int``, each calculation also reading one shared parameter node; 20,000
nodes, ~28,600 links, no files) is stored here and exported in AiiDA's format, aiida-core imports that and
exports it with ``create_archive(None)`` (= ``verdi archive create --all``; untimed). Building the graph in
aiida-core itself (``aiida_reference/interop.py build``) took over 50 min at load 8 on this machine.
Then, ``--pairs`` times in alternating order
(A B, B A, ...), each side in a fresh process and a fresh profile imports that same archive and exports
everything back to an AiiDA archive:

- aiida-core: ``import_archive`` then ``create_archive(None)`` in a ``verdi presto`` profile (SQLite,
  aiida-core's default ``synchronous=FULL``),
- ours: ``import_archive`` then ``create_archive(all=True, format="aiida")`` in a SQLite profile with
  ``sqlite_synchronous=full`` (the same durability; our default is NORMAL).

Wall and CPU seconds of each step are taken inside the process that does the work (both libraries run
their archive code in-process); the ratio is aiida-core / ours per pair (above 1: we are faster), median
and min–max over the pairs, with the 1-minute load at each run's start. Peak RSS is not compared (the
aiida-core process also holds its profile machinery).
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "aiida_interop.md"


def worker(archive: str, out: str) -> dict:
    """Our side, in a fresh JPROV_HOME: import ``archive``, then export everything to ``out`` (AiiDA format)."""
    sys.path.insert(0, str(ROOT))
    from jupyter_prov.archive import create_archive, import_archive
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import Node, QueryBuilder, current

    config = get_config()
    profile = default_profile_for("bench-interop")
    profile.options["sqlite_synchronous"] = "full"
    config.add_profile(profile, make_default=True)
    config.save()
    current.load_profile("bench-interop")
    wall, cpu = time.perf_counter(), time.process_time()
    import_archive(archive)
    import_wall, import_cpu = time.perf_counter() - wall, time.process_time() - cpu
    nodes = QueryBuilder().append(Node).count()
    wall, cpu = time.perf_counter(), time.process_time()
    create_archive(out, all=True, format="aiida")
    export_wall, export_cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"nodes": nodes, "import_wall": round(import_wall, 3), "import_cpu": round(import_cpu, 3),
            "export_wall": round(export_wall, 3), "export_cpu": round(export_cpu, 3)}


def build_worker(out: str, nodes: int) -> dict:
    """In a fresh JPROV_HOME: store the synthetic graph of benchmarks/archive.py and export it in AiiDA's format."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from archive import build

    from jupyter_prov.archive import create_archive
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    config = get_config()
    config.add_profile(default_profile_for("bench-interop-build"), make_default=True)
    config.save()
    current.load_profile("bench-interop-build")
    built = build(nodes, 0)
    create_archive(out, all=True, format="aiida")
    return built


def _child(args: list[str], home: Path) -> dict:
    env = {**os.environ, "JPROV_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("JPROV_PROFILE", None)
    done = subprocess.run([sys.executable, __file__, *args], env=env,
                          capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"our side failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ours(archive: Path, out: Path, home: Path) -> dict:
    return _child(["--worker", str(archive), str(out)], home)


def _ratio(values: list[float]) -> str:
    return f"**{statistics.median(values):.1f}×** ({min(values):.1f}–{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--markdown", action="store_true", help=f"write the table to {RESULTS}")
    parser.add_argument("--worker", nargs=2, metavar=("ARCHIVE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--build-worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_worker:
        print(json.dumps(build_worker(args.build_worker, args.nodes)))
        return
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return

    sys.path.insert(0, str(HERE))
    from _aiida_venv import run_aiida_script

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "jupyter_prov"],
                           capture_output=True, text=True, check=False).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="jprov-bench-interop-") as temp:
        ours_first = Path(temp) / "built-here.aiida"
        _child(["--nodes", str(args.nodes), "--build-worker", str(ours_first)], Path(temp) / "home-build")
        archive = Path(temp) / "written-by-aiida-core.aiida"  # aiida-core's own export of that graph
        written = run_aiida_script("interop", "roundtrip", str(ours_first), str(archive))
        built = {"nodes": written["nodes"], "archive_mb": round(archive.stat().st_size / 2**20, 2)}
        runs: list[dict] = []
        for pair in range(args.pairs):
            order = ("aiida", "ours") if pair % 2 == 0 else ("ours", "aiida")
            for side in order:
                load = round(os.getloadavg()[0], 2)
                out = Path(temp) / f"{side}-{pair}.aiida"
                if side == "aiida":
                    result = run_aiida_script("interop", "roundtrip", str(archive), str(out))
                else:
                    result = _ours(archive, out, Path(temp) / f"home-{pair}")
                out.unlink()
                runs.append({"pair": pair, "side": side, "load": load, **result})
                print(json.dumps(runs[-1]), flush=True)
    report = {"commit": commit + ("+dirty" if dirty else ""), "nodes": built["nodes"],
              "archive_mb": built["archive_mb"], "runs": runs}
    print(json.dumps(report))
    if args.markdown:
        _markdown(report, args)


def _markdown(report: dict, args) -> None:
    by_pair: dict[int, dict[str, dict]] = {}
    for run in report["runs"]:
        by_pair.setdefault(run["pair"], {})[run["side"]] = run
    pairs = [p for p in by_pair.values() if len(p) == 2]
    loads = [run["load"] for run in report["runs"]]
    lines = [
        "# AiiDA archives: import and export, ours against aiida-core 2.9.4 (issue #19)", "",
        "`benchmarks/aiida_interop.py`: aiida-core builds one archive; then each side, in a fresh process and",
        "profile, imports that archive and exports everything back as an AiiDA archive, alternating A B / B A.",
        "Both on SQLite at `synchronous=FULL` (aiida-core's default; ours set by `sqlite_synchronous=full`).",
        "Times are taken inside the working process (wall: `perf_counter`, CPU: `process_time`).", "",
        f"Command: `python benchmarks/aiida_interop.py --nodes {args.nodes} --pairs {args.pairs} --markdown`; "
        f"commit {report['commit']}; archive {report['nodes']:,} nodes, {report['archive_mb']} MB, no files; "
        f"1-minute load {min(loads)}–{max(loads)} on 2 cores.", "",
        "| pair | load (aiida / ours) | aiida-core import wall / CPU | ours | aiida-core export wall / CPU | ours |",
        "|---:|---|---|---|---|---|",
    ]
    for number, pair in sorted(by_pair.items()):
        if len(pair) < 2:
            continue
        a, o = pair["aiida"], pair["ours"]
        lines.append(f"| {number + 1} | {a['load']} / {o['load']} | {a['import_wall']:.2f} / {a['import_cpu']:.2f} s | "
                     f"{o['import_wall']:.2f} / {o['import_cpu']:.2f} s | {a['export_wall']:.2f} / "
                     f"{a['export_cpu']:.2f} s | {o['export_wall']:.2f} / {o['export_cpu']:.2f} s |")
    lines += [
        "",
        "| step | aiida-core / ours, wall (median of pairs, min–max) | CPU | target |",
        "|---|---|---|---|",
        f"| import | {_ratio([p['aiida']['import_wall'] / p['ours']['import_wall'] for p in pairs])} | "
        f"{_ratio([p['aiida']['import_cpu'] / p['ours']['import_cpu'] for p in pairs])} | ≥ 6× (goal 10×) |",
        f"| export | {_ratio([p['aiida']['export_wall'] / p['ours']['export_wall'] for p in pairs])} | "
        f"{_ratio([p['aiida']['export_cpu'] / p['ours']['export_cpu'] for p in pairs])} | ≥ 6× (goal 10×) |",
        "",
        f"Nodes after import: aiida-core {pairs[0]['aiida']['nodes'] if pairs else '–'}, "
        f"ours {pairs[0]['ours']['nodes'] if pairs else '–'}.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
