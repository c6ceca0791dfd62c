"""`jprov` start-up: CPU time of `jprov --version` and `jprov --help`, this tree against a reference tree.

Each run is a fresh interpreter (what a shell does); its CPU time is user + sys of the child from
``os.wait4`` (wall time is reported too, but on a shared machine CPU is the figure that means
something). Runs alternate A B A B so load changes hit both sides alike. ``python -X importtime``
names the modules that cost the most, for both sides.

    python benchmarks/startup.py --reference /tmp/main-ref --runs 20

writes ``benchmarks/results/startup.json`` (raw) and ``benchmarks/results/startup.md`` (table).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
COMMANDS = {"--version": ["--version"], "--help": ["--help"], "node list --help": ["node", "list", "--help"]}
# the reference tree has no `python -m jupyter_prov.cli`: call the entry point as the console script does
LAUNCH = "import sys; from jupyter_prov.cli import main; sys.exit(main())"
HEAVY = ("sqlalchemy", "numpy", "disk_objectstore", "kombu", "rich")


def _env(tree: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")


def run_once(tree: Path, args: list[str]) -> tuple[float, float]:
    """(cpu seconds, wall seconds) of one `jprov ARGS` in a fresh interpreter on ``tree``."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, *args], env=_env(tree), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd="/")  # not the repo: '' on sys.path would win
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"jprov {' '.join(args)} failed on {tree}")
    return usage.ru_utime + usage.ru_stime, wall


def import_profile(tree: Path, args: list[str], top: int = 8) -> dict:
    """The heaviest imports (cumulative microseconds) of one run, and which heavy libraries were loaded."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", LAUNCH, *args], env=_env(tree),
                            capture_output=True, text=True, cwd="/", check=False)
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit():
            rows.append((int(cumulative), name.rstrip()))
    loaded = sorted({name.strip().split(".")[0] for _, name in rows} & set(HEAVY))
    tops = [(us, name.strip()) for us, name in rows if not name.startswith("   ")]  # top-level imports only
    tops.sort(reverse=True)
    return {"heavy_loaded": loaded, "top_level_imports_us": tops[:top]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=Path("/tmp/main-ref"), help="tree of the reference commit")
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    sides = {"reference": options.reference.resolve(), "this tree": REPO}
    raw: dict = {side: {name: [] for name in COMMANDS} for side in sides}
    for side, tree in sides.items():  # warm the file cache once per side
        run_once(tree, ["--version"])
    for _ in range(options.runs):
        for name, args in COMMANDS.items():
            for side, tree in sides.items():
                raw[side][name].append(run_once(tree, args))
    imports = {side: {name: import_profile(tree, args) for name, args in COMMANDS.items()}
               for side, tree in sides.items()}
    load = os.getloadavg()
    result = {"runs": options.runs, "load_average": load, "python": sys.version.split()[0],
              "reference": str(sides["reference"]), "raw_cpu_wall_s": raw, "imports": imports}
    (HERE / "results" / "startup.json").write_text(json.dumps(result, indent=1))

    def median(side: str, name: str, index: int) -> float:
        return statistics.median(sample[index] for sample in raw[side][name])

    lines = ["# `jprov` start-up", "",
             (f"{options.runs} runs of each command per side, alternating reference / this tree, fresh interpreter "
              f"each; CPU = user + sys of the child (`os.wait4`). Load average at the end: "
              f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (2 cores, shared). Python {result['python']}. "
              f"Reference: `{sides['reference']}` (ee48b72). `python benchmarks/startup.py`."), "",
             ("| command | reference CPU (median) | this tree CPU (median) | reference wall | this tree wall | "
              "heavy libraries loaded (reference → this tree) |"), "|---|---|---|---|---|---|"]
    for name in COMMANDS:
        before, after = imports["reference"][name]["heavy_loaded"], imports["this tree"][name]["heavy_loaded"]
        lines.append(f"| `jprov {name}` | {median('reference', name, 0):.3f} s | {median('this tree', name, 0):.3f} s "
                     f"| {median('reference', name, 1):.3f} s | {median('this tree', name, 1):.3f} s "
                     f"| {', '.join(before) or 'none'} → {', '.join(after) or 'none'} |")
    lines += ["", "CPU min / max over the runs:", ""]
    for name in COMMANDS:
        for side in sides:
            cpu = [sample[0] for sample in raw[side][name]]
            lines.append(f"- `jprov {name}`, {side}: {min(cpu):.3f} / {max(cpu):.3f} s")
    lines += ["", "Heaviest top-level imports of `jprov --version` (`python -X importtime`, cumulative):", ""]
    for side in sides:
        tops = ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in imports[side]["--version"]["top_level_imports_us"])
        lines.append(f"- {side}: {tops}")
    lines += ["", ("Target (issue #12): ≤ 0.3 s CPU for `--version` / `--help`. "
                   "`tests/cli/test_startup.py` checks, in a subprocess, that these commands import neither "
                   "SQLAlchemy, numpy, disk-objectstore, kombu nor rich."), ""]
    (HERE / "results" / "startup.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
