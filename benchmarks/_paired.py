"""Paired A/B runs: one benchmark command, two codes, alternately in one run, per-pair ratios.

Why: figures taken at different moments on this shared 2-core machine differ by factors of 2-3 with
the load alone (issue #21), so a comparison is only as good as its pairing. This harness runs side A
(the reference) and side B (this code) alternately, N pairs (A B, B A, A B, ... or a random order per
pair), each run a fresh child process with its own profile folder, and reports per pair the ratio
B / A of

- ``cpu_s``: the child's CPU time, user + system (``RUSAGE_CHILDREN``: the child and the descendants it
  waited for; a daemon's detached workers are not in it, the benchmark reports those itself),
- ``wall_s``: the child's elapsed time,
- every number in the JSON object the child prints as the last line of its stdout (flattened,
  ``"export.seconds"``), e.g. a benchmark's own rates and CPU times,

as the median and min–max over the pairs, with the load average at the start and end, the machine
(CPU model, cores) and the commit of each side (``+dirty`` when its tree has uncommitted changes).
A ratio above 1 means B has more of it: slower for times, faster for rates.

Usage::

    # B = this checkout, A = a worktree of another commit (the child runs with PYTHONPATH and cwd set up
    # for that tree); the command after -- is the same for both sides, with placeholders
    python benchmarks/_paired.py --ref /tmp/ref-eddaea3 --pairs 5 --json out.json --markdown out.md -- \
        {python} {bench}/store.py --worker one_by_one sqlite 10000

    # B from a snapshot rather than the shared working tree; random order per pair
    python benchmarks/_paired.py --this /tmp/h3-head --ref /tmp/ref-eddaea3 --order random -- ...

    # one code, two settings: SQLite synchronous=NORMAL (A) against FULL (B)
    python benchmarks/_paired.py --ref . --ref-env JPROV_BENCH_SYNCHRONOUS=normal \
        --this-env JPROV_BENCH_SYNCHRONOUS=full -- {python} {bench}/store.py --worker one_by_one sqlite 10000

    # A = aiida-core in its own virtualenv, with its own command (an aiida_reference/ script)
    python benchmarks/_paired.py --ref-python benchmarks/.venv-aiida/bin/python --ref-no-tree \
        --ref-env AIIDA_PATH=benchmarks/.venv-aiida/aiida-home \
        --ref-command "{python} {bench}/aiida_reference/store.py 1000" -- {python} {bench}/store.py ...

Placeholders in a command: ``{python}`` the side's interpreter, ``{tree}`` the side's source tree,
``{bench}`` the benchmarks folder of *this* harness (the same script runs under both codes unless a
command names ``{tree}/benchmarks``), ``{home}`` the run's fresh folder (also its cwd and
``JPROV_HOME``). From Python: ``run_pairs([Side(...), Side(...)], pairs=5)`` then ``markdown(report)``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclasses.dataclass
class Side:
    """One code under test: its name, source tree (None: the interpreter's own packages), interpreter and command."""

    name: str
    command: Sequence[str]
    tree: Path | None = None
    python: str = sys.executable
    env: dict[str, str] = dataclasses.field(default_factory=dict)

    def argv(self, home: str) -> list[str]:
        values = {"python": self.python, "tree": str(self.tree or ""), "bench": str(HERE), "home": home}
        out = []
        for part in self.command:  # plain replacement: other braces (a -c program's dicts) stay as they are
            for key, value in values.items():
                part = part.replace("{" + key + "}", value)
            out.append(part)
        return out

    def environ(self, home: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("JPROV_PROFILE", None)
        env.pop("PYTHONPATH", None)
        if self.tree is not None:
            env["PYTHONPATH"] = str(self.tree)
        env["JPROV_HOME"] = home
        env.update(self.env)
        return env


# ---- one run ------------------------------------------------------------------------------------------
def flatten(value: object, prefix: str = "") -> dict[str, float]:
    """The numbers of a (nested) JSON object, keyed by dotted path; booleans and strings are left out."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}{key}."))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out[prefix.rstrip(".")] = float(value)
    return out


def last_json(stdout: str) -> dict[str, float]:
    """The numbers of the last stdout line that is a JSON object (empty when there is none)."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return flatten(json.loads(line))
            except ValueError:
                continue
    return {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(side: Side, metrics: Callable[[str], dict[str, float]] = last_json, timeout: float = 3600) -> dict:
    """Run ``side`` once in a fresh folder; its CPU time, wall time and reported metrics.

    The CPU time is the growth of this process's ``RUSAGE_CHILDREN`` (user + system) across the run: runs
    are sequential, so it is the child's own, with the descendants it waited for.
    """
    home = tempfile.mkdtemp(prefix=f"jprov-paired-{side.name}-")
    try:
        load = os.getloadavg()[0]
        cpu0, start = _children_cpu(), time.perf_counter()
        proc = subprocess.run(side.argv(home), cwd=home, env=side.environ(home), capture_output=True, text=True,
                              timeout=timeout, check=False)
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
        if proc.returncode != 0:
            raise RuntimeError(f"{side.name} run failed (exit {proc.returncode}): {shlex.join(side.argv(home))}\n"
                               f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        return {"cpu_s": cpu, "wall_s": wall, "load": load, "metrics": metrics(proc.stdout)}
    finally:
        shutil.rmtree(home, ignore_errors=True)


# ---- pairs and ratios ---------------------------------------------------------------------------------
def orders(pairs: int, names: tuple[str, str], how: str = "alternate", seed: int | None = None) -> list[list[str]]:
    """The run order of each pair: ``alternate`` A B, B A, A B ...; ``random`` a coin flip per pair."""
    a, b = names
    if how == "alternate":
        return [[a, b] if i % 2 == 0 else [b, a] for i in range(pairs)]
    if how == "random":
        rng = random.Random(seed)
        return [[a, b] if rng.random() < 0.5 else [b, a] for _ in range(pairs)]
    raise ValueError(f"order must be 'alternate' or 'random', not {how!r}")


def values(run: dict) -> dict[str, float]:
    """The numbers of one run: ``cpu_s``, ``wall_s`` and the child's metrics."""
    out = {"cpu_s": run["cpu_s"], "wall_s": run["wall_s"], **run["metrics"]}
    return {key: value for key, value in out.items() if value is not None}


def pair_ratios(a: dict, b: dict) -> dict[str, float]:
    """Per metric present in both runs and non-zero in A: B / A."""
    va, vb = values(a), values(b)
    return {key: vb[key] / va[key] for key in va if key in vb and va[key]}


def summarise(pairs: list[dict], a: str, b: str) -> dict[str, dict]:
    """Per metric: median and min–max of the per-pair ratios, the median of each side and the pair count."""
    keys = list(pairs[0]["ratios"]) if pairs else []
    out = {}
    for key in keys:
        ratios = [p["ratios"][key] for p in pairs if key in p["ratios"]]
        out[key] = {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios), "pairs": len(ratios),
                    a: statistics.median(values(p["runs"][a])[key] for p in pairs),
                    b: statistics.median(values(p["runs"][b])[key] for p in pairs)}
    return out


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}


def commit(tree: Path | None) -> str | None:
    """The tree's commit (short), ``+dirty`` when it has uncommitted changes; None outside git."""
    if tree is None:
        return None
    try:
        head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def run_pairs(sides: Sequence[Side], pairs: int = 5, order: str = "alternate", seed: int | None = None,
              metrics: Callable[[str], dict[str, float]] = last_json, timeout: float = 3600,
              progress: Callable[[str], None] | None = None) -> dict:
    """Run the two sides (A = reference first in the list, B = this) alternately; the report as a dict."""
    if len(sides) != 2 or sides[0].name == sides[1].name:
        raise ValueError("run_pairs needs two sides with different names")
    if pairs < 1:
        raise ValueError("pairs must be at least 1")
    a, b = sides[0].name, sides[1].name
    by_name = {side.name: side for side in sides}
    report: dict = {
        "a": a, "b": b, "order": order, "seed": seed, "machine": machine(),
        "sides": {s.name: {"tree": str(s.tree) if s.tree else None, "commit": commit(s.tree), "python": s.python,
                           "command": list(s.command), "env": s.env} for s in sides},
        "load_start": list(os.getloadavg()), "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "pairs": [],
    }
    for index, names in enumerate(orders(pairs, (a, b), order, seed)):
        runs = {}
        for name in names:
            runs[name] = run_once(by_name[name], metrics, timeout)
            if progress:
                progress(f"pair {index + 1}/{pairs} {name}: cpu {runs[name]['cpu_s']:.3f} s, "
                         f"wall {runs[name]['wall_s']:.3f} s, load {runs[name]['load']:.2f}")
        report["pairs"].append({"index": index + 1, "order": names, "runs": runs,
                                "ratios": pair_ratios(runs[a], runs[b])})
    report["load_end"] = list(os.getloadavg())
    report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    report["summary"] = summarise(report["pairs"], a, b)
    return report


def markdown(report: dict, title: str = "Paired run", keys: Sequence[str] | None = None) -> str:
    """A Markdown section: how it was run, the load and machine, one row per metric with its ratio range."""
    a, b = report["a"], report["b"]
    m = report["machine"]
    sides = report["sides"]
    ls, le = report["load_start"], report["load_end"]
    loads = [run["load"] for p in report["pairs"] for run in p["runs"].values()]
    lines = [f"### {title}", "",
             f"{len(report['pairs'])} pairs, order {report['order']} "
             f"({', '.join(''.join('A' if n == a else 'B' for n in p['order']) for p in report['pairs'])}), "
             f"{report['started']} – {report['finished']}; load average at start {ls[0]:.2f} / {ls[1]:.2f} / "
             f"{ls[2]:.2f}, at end {le[0]:.2f} / {le[1]:.2f} / {le[2]:.2f}, at each run's start "
             f"{min(loads):.2f}–{max(loads):.2f}; {m['cpu']}, {m['cores']} cores, "
             f"Python {m['python']}.", "",
             f"A = {a}: `{sides[a]['tree'] or sides[a]['python']}` ({sides[a]['commit'] or 'no git commit'}); "
             f"B = {b}: `{sides[b]['tree'] or sides[b]['python']}` ({sides[b]['commit'] or 'no git commit'}).", "",
             f"| metric | {a} (median) | {b} (median) | ratio {b}/{a}: median of pairs | min–max |",
             "|---|---:|---:|---:|---|"]
    for key, s in report["summary"].items():
        if keys is not None and key not in keys:
            continue
        lines.append(f"| {key} | {s[a]:.4g} | {s[b]:.4g} | {s['median']:.3f} | {s['min']:.3f}–{s['max']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--order", choices=["alternate", "random"], default="alternate")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--ref", type=Path, help="A's source tree (a worktree of another commit)")
    parser.add_argument("--ref-no-tree", action="store_true", help="A uses its interpreter's own packages")
    parser.add_argument("--ref-python", default=sys.executable, help="A's interpreter (e.g. another venv)")
    parser.add_argument("--ref-command", help="A's command (default: the command after --)")
    parser.add_argument("--ref-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--ref-name", default="reference")
    parser.add_argument("--this", type=Path, default=ROOT, help="B's source tree (default: this checkout)")
    parser.add_argument("--this-python", default=sys.executable)
    parser.add_argument("--this-env", action="append", default=[], metavar="KEY=VALUE",
                        help="B's extra environment (with --ref at the same tree: one code, two settings)")
    parser.add_argument("--this-name", default="this")
    parser.add_argument("--title", default="Paired run")
    parser.add_argument("--json", type=Path, help="write the full report (every run) here")
    parser.add_argument("--markdown", type=Path, help="write the Markdown table here")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command, with placeholders")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    if args.ref is None and not args.ref_no_tree:
        parser.error("give --ref PATH (a source tree) or --ref-no-tree (another interpreter's own packages)")
    ref_env = dict(item.split("=", 1) for item in args.ref_env)
    sides = [Side(args.ref_name, shlex.split(args.ref_command) if args.ref_command else command,
                  None if args.ref_no_tree else args.ref.resolve(), args.ref_python, ref_env),
             Side(args.this_name, command, args.this.resolve(), args.this_python,
                  dict(item.split("=", 1) for item in args.this_env))]
    report = run_pairs(sides, args.pairs, args.order, args.seed, timeout=args.timeout,
                       progress=lambda line: print(line, file=sys.stderr, flush=True))
    report["invocation"] = "python benchmarks/_paired.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    text = markdown(report, args.title) + f"\nCommand: `{report['invocation']}`\n"
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(text)
    print(text)
    return report


if __name__ == "__main__":
    main()
