"""Export a synthetic provenance graph to an AiiDA archive and import it into a fresh profile.

Usage: python archive.py [--nodes N] [--repeats R]        (defaults: N=20000, R=3)

Builds the graph of ``_common.build_graph`` in a fresh profile, then per repeat
times ``create_archive(None, filename=...)`` (= ``verdi archive create --all``) and
``import_archive(path)`` into a new empty ``verdi presto`` profile (profile creation
is not timed).  Reports median seconds of each.  Prints one JSON line.
"""

import argparse
import tempfile
from pathlib import Path

from _common import build_graph, emit, fresh_profile, median, orm, timed
from aiida.manage.configuration import load_profile
from aiida.tools.archive import create_archive, import_archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    create_runs, import_runs, imported = [], [], []
    with tempfile.TemporaryDirectory() as tmp, fresh_profile("bench-archive-src") as source:
        build_s, (_, n_nodes) = timed(build_graph, args.nodes)
        for i in range(args.repeats):
            path = Path(tmp) / f"graph-{i}.aiida"
            load_profile(source, allow_switch=True)
            create_runs.append(timed(create_archive, None, filename=path)[0])
            with fresh_profile("bench-archive-dst"):
                import_runs.append(timed(import_archive, path)[0])
                imported.append(orm.QueryBuilder().append(orm.Node).count())
        size_mb = path.stat().st_size / 2**20
    emit(
        "archive",
        nodes=n_nodes,
        build_seconds=round(build_s, 2),
        repeats=args.repeats,
        archive_mb=round(size_mb, 2),
        create_run_seconds=[round(s, 3) for s in create_runs],
        import_run_seconds=[round(s, 3) for s in import_runs],
        create_seconds=round(median(create_runs), 3),
        import_seconds=round(median(import_runs), 3),
        nodes_imported=imported[-1],
    )


if __name__ == "__main__":
    main()
