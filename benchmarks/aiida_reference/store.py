"""Store N ``orm.Int`` nodes one by one (one ``store()`` = one commit each).

Usage: python store.py [N] [--repeats R]       (defaults: N=1000, R=3)
Prints one JSON line: median nodes/s and ms per node over R runs, peak RSS.
"""

import argparse

from _common import emit, fresh_profile, median, orm, timed


def store_ints(n: int) -> None:
    for i in range(n):
        orm.Int(i).store()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000, help="nodes per run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with fresh_profile("bench-store"):
        store_ints(10)  # warm-up: imports, first connection
        runs = [timed(store_ints, args.n)[0] for _ in range(args.repeats)]
    seconds = median(runs)
    emit(
        "store",
        n=args.n,
        repeats=args.repeats,
        run_seconds=[round(s, 4) for s in runs],
        nodes_per_s=round(args.n / seconds, 1),
        ms_per_node=round(1000 * seconds / args.n, 3),
    )


if __name__ == "__main__":
    main()
