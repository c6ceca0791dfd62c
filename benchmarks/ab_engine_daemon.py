"""A/B of the engine and daemon benchmarks: this checkout against a reference checkout, in one run.

    python benchmarks/ab_engine_daemon.py --reference /tmp/ref-eddaea3 [--this /tmp/snapshot] --pairs 5 \
        [--n 200] [--calcs 300 --chains 30] [--only engine|daemon] [--markdown out.md] [--json out.json]

A thin front of :mod:`_paired` (the one harness of issue #21): each benchmark runs N pairs, the order
alternating (A B, B A, ...), every run a fresh Python process on a fresh profile with ``PYTHONPATH``
set to the side's checkout and its working directory outside both. Both sides run *this* checkout's
scripts (``engine.py --worker sqlite``, ``daemon.py --only embedded-sqlite --json``), so only
``jupyter_prov`` differs. Reported per metric: the median and min–max of the per-pair ratios
this / reference (for times above 1 is slower, for rates above 1 is faster), the child's CPU time,
the load average and the commits.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _paired  # noqa: E402 - the harness beside this script


def commands(n: int, calcs: int, chains: int) -> dict[str, list[str]]:
    return {
        "engine": ["{python}", "{bench}/engine.py", "--worker", "sqlite", "--n", str(n)],
        "daemon": ["{python}", "{bench}/daemon.py", "--only", "embedded-sqlite", "--calcs", str(calcs),
                   "--chains", str(chains), "--workers", "2", "--json"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--this", type=Path, default=HERE.parent)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--n", type=int, default=200, help="calcfunctions per engine batch")
    parser.add_argument("--calcs", type=int, default=300)
    parser.add_argument("--chains", type=int, default=30)
    parser.add_argument("--only", choices=["engine", "daemon"])
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    titles = {"engine": f"engine, SQLite (n={args.n})",
              "daemon": f"daemon, embedded broker + SQLite, 2 workers ({args.calcs} calcs, {args.chains} chains)"}
    sections, reports = [], {}
    for bench, command in commands(args.n, args.calcs, args.chains).items():
        if args.only and bench != args.only:
            continue
        sides = [_paired.Side("reference", command, args.reference.resolve()),
                 _paired.Side("this", command, args.this.resolve())]
        reports[bench] = _paired.run_pairs(sides, args.pairs, progress=lambda line: print(line, file=sys.stderr))
        sections.append(_paired.markdown(reports[bench], titles[bench]))
    text = "\n".join(sections)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=1) + "\n")


if __name__ == "__main__":
    main()
