"""Count the descendants of a node in a synthetic provenance graph with QueryBuilder.

Usage: python query.py [--nodes N] [--root-descendants D] [--repeats R]
       (defaults: N=20000, D=42 % of N = 8400, R=5)

Builds the graph of ``_common.build_graph`` (timed once) in a fresh profile, then
times ``QueryBuilder().append(Node, filters={'id': root}, tag='root')
.append(Node, with_ancestors='root').count()`` R times (after one untimed warm-up)
and reports the median.  Prints one JSON line.
"""

import argparse

from _common import build_graph, emit, fresh_profile, median, orm, timed


def count_descendants(root_pk: int) -> int:
    qb = orm.QueryBuilder()
    qb.append(orm.Node, filters={"id": root_pk}, tag="root")
    qb.append(orm.Node, with_ancestors="root")
    return qb.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--root-descendants", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    with fresh_profile("bench-query"):
        build_s, (root_pk, n_nodes) = timed(build_graph, args.nodes, args.root_descendants)
        count = count_descendants(root_pk)  # warm-up
        runs = [timed(count_descendants, root_pk)[0] for _ in range(args.repeats)]
        total = orm.QueryBuilder().append(orm.Node).count()
    emit(
        "query",
        nodes=n_nodes,
        nodes_in_db=total,
        build_seconds=round(build_s, 2),
        build_ms_per_node=round(1000 * build_s / n_nodes, 3),
        descendants=count,
        repeats=args.repeats,
        query_run_seconds=[round(s, 4) for s in runs],
        descendants_query_ms=round(1000 * median(runs), 2),
    )


if __name__ == "__main__":
    main()
