"""Run processes in the foreground: calcfunctions and a workfunction calling calcfunctions.

Usage: python engine.py [N] [--wf-repeats R] [--wf-calls C]   (defaults: N=100, R=10, C=10)

* ``add`` calcfunction run N times with fresh ``Int`` inputs (median of 3 batches of N):
  ms per process;
* a workfunction that calls ``add`` C times in sequence, run R times: median seconds
  per workfunction (each one creates 1 + C processes).
Prints one JSON line.
"""

import argparse
import time

from _common import emit, fresh_profile, median, orm, timed
from aiida.engine import calcfunction, workfunction


@calcfunction
def add(x, y):
    return orm.Int(x.value + y.value)


@workfunction
def add_chain(x, y, calls):
    for _ in range(calls.value):
        x = add(x, y)
    return x


def run_adds(n: int) -> None:
    for i in range(n):
        add(orm.Int(i), orm.Int(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100, help="calcfunctions per batch")
    parser.add_argument("--wf-repeats", type=int, default=10)
    parser.add_argument("--wf-calls", type=int, default=10)
    args = parser.parse_args()

    with fresh_profile("bench-engine"):
        run_adds(3)  # warm-up: runner creation, imports
        batches = [timed(run_adds, args.n)[0] for _ in range(3)]
        wf_runs = []
        for i in range(args.wf_repeats):
            start = time.perf_counter()
            add_chain(orm.Int(i), orm.Int(1), orm.Int(args.wf_calls))
            wf_runs.append(time.perf_counter() - start)
    emit(
        "engine",
        n_calcfunctions=args.n,
        calcfunction_batch_seconds=[round(s, 3) for s in batches],
        ms_per_calcfunction=round(1000 * median(batches) / args.n, 2),
        calcfunctions_per_s=round(args.n / median(batches), 1),
        wf_repeats=args.wf_repeats,
        wf_calls=args.wf_calls,
        s_per_workfunction=round(median(wf_runs), 4),
        workfunction_run_seconds=[round(s, 3) for s in wf_runs],
    )


if __name__ == "__main__":
    main()
