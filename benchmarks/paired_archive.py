"""One archive round for ``benchmarks/_paired.py``: build, export, import, with the CPU time of each step.

    python benchmarks/_paired.py --ref /tmp/ref-eddaea3 --this /tmp/snapshot -- \
        {python} {bench}/paired_archive.py --nodes 20000 --files 20000

``benchmarks/archive.py`` (H1's; unchanged) times each step in its own process but reports wall time
only, which a loaded machine swings by 2×. This child runs the same steps — ``archive.py``'s own
``build`` in this process, then ``archive.py --step export|import`` as child processes on the code
``PYTHONPATH`` names — and adds each step process's CPU time (user + system, ``RUSAGE_CHILDREN``
across it). The profiles go to ``JPROV_HOME`` (the harness's fresh folder). Prints one JSON line.

``--callgrind``: the two imports run under valgrind's callgrind instead, instrumented only around the
``import_archive`` call (``callgrind_control -i on/off`` from the child itself), and the JSON line gains
``import.instructions`` and ``reimport.instructions`` (Ir): a count that the load does not change, for
one pair run at ``--nodes 10000``::

    python benchmarks/_paired.py --ref /tmp/ref-ee48b72 --this /tmp/snap --pairs 1 -- \
        {python} {bench}/paired_archive.py --nodes 10000 --files 10000 --callgrind
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _archive_module():
    spec = importlib.util.spec_from_file_location("bench_archive", HERE / "archive.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _step(kind: str, profile: str, archive: str) -> dict:
    cpu0, start = _children_cpu(), time.perf_counter()
    out = subprocess.run([sys.executable, str(HERE / "archive.py"), "--step", kind, profile, "-", archive],
                         capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    if out.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.pop("counts", None)
    return {**result, "process_seconds": round(wall, 3), "process_cpu_s": round(cpu, 3)}


def _callgrind_child(profile: str, archive: str) -> None:
    """Import ``archive`` into ``profile`` with callgrind's instrumentation on around the call only."""
    sys.path.insert(0, str(HERE))
    from archive import _use_profile  # benchmarks/archive.py

    _use_profile(profile, None)
    from jupyter_prov.archive import import_archive

    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    import_archive(archive)
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)


def _callgrind_step(profile: str, archive: str) -> dict:
    out_file = Path(os.environ["JPROV_HOME"]) / f"callgrind.{profile}.out"
    start = time.perf_counter()
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}",
                           sys.executable, __file__, "--callgrind-child", profile, archive],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"callgrind import failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    instructions = None
    for line in out_file.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            instructions = int(line.split()[1])
    keep = os.environ.get("JPROV_BENCH_CALLGRIND_KEEP")  # a folder to keep the profiles in (callgrind_annotate)
    if keep:
        import shutil

        tree = Path(os.environ.get("PYTHONPATH", "tree")).name
        shutil.copy(out_file, Path(keep) / f"callgrind.{tree}.{profile}.{os.getpid()}.out")
    return {"instructions": instructions, "valgrind_seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--callgrind", action="store_true", help="instructions of the imports under callgrind")
    parser.add_argument("--callgrind-child", nargs=2, metavar=("PROFILE", "ARCHIVE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callgrind_child:
        _callgrind_child(*args.callgrind_child)
        return
    bench = _archive_module()
    os.environ.pop("JPROV_PROFILE", None)
    bench._use_profile("source", None)
    cpu0 = time.process_time()
    built = bench.build(args.nodes, args.files)
    built["build_cpu_s"] = round(time.process_time() - cpu0, 3)
    from jupyter_prov.orm import current

    current.unload_profile()
    archive = str(Path(os.environ["JPROV_HOME"]) / "bench.jprov")
    export = _step("export", "source", archive)
    if args.callgrind:
        imported = _callgrind_step("target", archive)
        again = _callgrind_step("source", archive)
    else:
        imported = _step("import", "target", archive)
        again = _step("import", "source", archive)  # re-import into the profile it came from (all nodes known)
    print(json.dumps({**built, "archive_mb": round(Path(archive).stat().st_size / 2**20, 2), "export": export,
                      "import": imported, "reimport": again}))


if __name__ == "__main__":
    main()
