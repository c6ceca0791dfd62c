"""aiida-core's side of ``benchmarks/aiida_interop.py``: build an AiiDA archive once; import it and export it back.

Usage::

    python interop.py build OUT.aiida [--nodes N]     # the graph of _common.build_graph, exported (verdi archive create --all)
    python interop.py roundtrip IN.aiida OUT.aiida    # a fresh profile: import IN (timed), then export all to OUT (timed)

Each mode prints one JSON line (wall and CPU seconds of each step: ``time.perf_counter`` and
``time.process_time`` of this process, which does the work itself: aiida-core's archive code runs in-process).
"""

import argparse
import time
from pathlib import Path

from _common import build_graph, emit, fresh_profile, orm
from aiida.tools.archive import create_archive, import_archive


def _timed(func, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    func(*args, **kwargs)
    return round(time.perf_counter() - wall, 3), round(time.process_time() - cpu, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    build = sub.add_parser("build")
    build.add_argument("out")
    build.add_argument("--nodes", type=int, default=20_000)
    roundtrip = sub.add_parser("roundtrip")
    roundtrip.add_argument("archive")
    roundtrip.add_argument("out")
    args = parser.parse_args()

    if args.mode == "build":
        with fresh_profile("bench-interop-build"):
            _, n_nodes = build_graph(args.nodes)
            create_archive(None, filename=Path(args.out))
        emit("interop-build", nodes=n_nodes, archive_mb=round(Path(args.out).stat().st_size / 2**20, 2))
        return
    with fresh_profile("bench-interop"):
        import_wall, import_cpu = _timed(import_archive, Path(args.archive))
        nodes = orm.QueryBuilder().append(orm.Node).count()
        export_wall, export_cpu = _timed(create_archive, None, filename=Path(args.out))
    emit("interop-roundtrip", nodes=nodes, import_wall=import_wall, import_cpu=import_cpu,
         export_wall=export_wall, export_cpu=export_cpu)


if __name__ == "__main__":
    main()
