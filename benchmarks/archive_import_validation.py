"""Archive import with the row and merge checks, side by side with a reference tree, in one run.

Usage::

    git -C /work/main worktree add /tmp/main-ref ee48b72      # once: today's main
    python benchmarks/archive_import_validation.py --nodes 110000 --files 200000 --repeats 2
    python benchmarks/archive_import_validation.py --nodes 20000 --files 20000 --backend postgresql

Builds the synthetic graph of ``benchmarks/archive.py`` once, exports it once (with this tree), then
imports the same archive into fresh, empty profiles, alternating the reference tree and this one
(A B A B ...; with ``--without-checks`` also this tree with the row and merge checks switched off,
which isolates their cost from other changes since the reference). Each import runs in its own Python process with ``PYTHONPATH`` pointing at its tree
and reports the wall and CPU time of ``import_archive`` alone (interpreter start and package import are not
timed) and the peak RSS. Also times the same archive imported a second time into the profile that
holds it already (the merge checks' case: every node exists, every link is compared). Prints a JSON
line; ``--write`` stores it under ``benchmarks/results/archive_import_validation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child_import(profile: str, url: str | None, archive: str, twice: bool) -> dict:
    sys.path.insert(0, str(HERE))
    from archive import _use_profile  # benchmarks/archive.py

    _use_profile(profile, url)
    import jupyter_prov
    from jupyter_prov.archive import import_archive

    if os.environ.get("JPROV_BENCH_WITHOUT_CHECKS"):  # this tree with the row and merge checks switched off
        from jupyter_prov.archive import import_, validate

        validate.check_rows = lambda *args, **kwargs: 0
        for name in ("check_links_into_stored", "check_comments_stay_on_their_nodes", "check_node_kinds"):
            setattr(import_, name, lambda *args, **kwargs: None)

    start, cpu = time.perf_counter(), time.process_time()
    summary = import_archive(archive)
    result = {"seconds": round(time.perf_counter() - start, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
              "tree": str(Path(jupyter_prov.__file__).parent.parent), "nodes": summary.counts.get("nodes")}
    if twice:
        start, cpu = time.perf_counter(), time.process_time()
        import_archive(archive)
        result["again_seconds"] = round(time.perf_counter() - start, 2)
        result["again_cpu_seconds"] = round(time.process_time() - cpu, 2)
    result["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def _child_build(profile: str, url: str | None, nodes: int, files: int, path: str) -> dict:
    sys.path.insert(0, str(HERE))
    from archive import _use_profile, build  # benchmarks/archive.py

    _use_profile(profile, url)
    import jupyter_prov
    from jupyter_prov.archive import create_archive

    built = build(nodes, files)
    create_archive(path, all=True)
    return {**built, "exported_by": str(Path(jupyter_prov.__file__).parent.parent)}


def _run(tree: Path, args: list[str], env: dict) -> dict:
    """Run this script as a child with ``tree`` first on the path, from outside every checkout (``python -c``
    or a script in a checkout's root would import that checkout instead)."""
    env = {**env, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False,
                          cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        raise RuntimeError(f"{args} with {tree} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=110_000)
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--reference", default="/tmp/main-ref", help="the tree to compare with (a worktree)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--without-checks", action="store_true",
                        help="Also import with this tree's row and merge checks switched off (their cost alone)")
    parser.add_argument("--write", action="store_true", help="Write benchmarks/results/archive_import_validation.json")
    parser.add_argument("--export-tree", choices=["reference", "this"], default="reference",
                        help="The tree that builds and exports the archive (an archive of this tree's newer schema "
                             "revision cannot be read by an older reference; this tree reads the older one)")
    parser.add_argument("--child", nargs=4, metavar=("PROFILE", "URL", "ARCHIVE", "TWICE"), help=argparse.SUPPRESS)
    parser.add_argument("--build-child", nargs=5, metavar=("PROFILE", "URL", "NODES", "FILES", "ARCHIVE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_child:
        profile, url, nodes, files, archive = args.build_child
        print(json.dumps(_child_build(profile, None if url == "-" else url, int(nodes), int(files), archive)))
        return
    if args.child:
        profile, url, archive, twice = args.child
        print(json.dumps(_child_import(profile, None if url == "-" else url, archive, twice == "1")))
        return

    trees = {"reference": Path(args.reference).resolve(), "this": ROOT}
    if args.without_checks:
        trees["this-without-checks"] = ROOT
    with tempfile.TemporaryDirectory(prefix="jprov-bench-import-") as temp:
        os.environ["JPROV_HOME"] = str(Path(temp) / "home")
        os.environ.pop("JPROV_PROFILE", None)
        names = ["source"] + [f"{kind}-{i}" for i in range(args.repeats) for kind in trees]
        urls: dict[str, str | None] = dict.fromkeys(names)
        if args.backend == "postgresql":
            urls = _postgres_databases(args.postgres_url, names)
        try:
            path = str(Path(temp) / "bench.jprov")
            built = _run(trees[args.export_tree], ["--build-child", "source", urls["source"] or "-", str(args.nodes),
                                                   str(args.files), path], dict(os.environ))
            runs = []
            for i in range(args.repeats):
                for kind, tree in trees.items():
                    name = f"{kind}-{i}"
                    env = dict(os.environ)
                    if kind == "this-without-checks":
                        env["JPROV_BENCH_WITHOUT_CHECKS"] = "1"
                    result = _run(tree, ["--child", name, urls[name] or "-", path, "1"], env)
                    result.update(kind=kind, repeat=i, loadavg=[round(x, 2) for x in os.getloadavg()])
                    runs.append(result)
                    print(json.dumps(result), file=sys.stderr)
        finally:
            if args.backend == "postgresql":
                _drop_postgres(args.postgres_url, urls)
    summary = {kind: {"import_s": [r["seconds"] for r in runs if r["kind"] == kind],
                      "import_cpu_s": [r["cpu_seconds"] for r in runs if r["kind"] == kind],
                      "again_s": [r["again_seconds"] for r in runs if r["kind"] == kind],
                      "again_cpu_s": [r["again_cpu_seconds"] for r in runs if r["kind"] == kind],
                      "rss_mb": [r["rss_mb"] for r in runs if r["kind"] == kind]} for kind in trees}
    pairs = _pair_ratios(runs, list(trees))
    result = {"backend": args.backend, **built, "repeats": args.repeats, "summary": summary, "pairs": pairs, "runs": runs,
              "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    print(json.dumps(result))
    if args.write:
        out = HERE / "results" / "archive_import_validation.json"
        previous = json.loads(out.read_text()) if out.exists() else []
        out.write_text(json.dumps([*previous, result], indent=1) + "\n")


def _pair_ratios(runs: list[dict], kinds: list[str]) -> dict:
    """Per repeat, each tree's time over the reference's of the same repeat (run next to it): median, min, max."""
    import statistics

    out: dict = {}
    for kind in kinds[1:]:
        for metric in ("seconds", "cpu_seconds", "again_seconds", "again_cpu_seconds"):
            ratios = []
            for reference in (r for r in runs if r["kind"] == "reference"):
                other = next(r for r in runs if r["kind"] == kind and r["repeat"] == reference["repeat"])
                ratios.append(round(other[metric] / reference[metric], 3))
            out.setdefault(kind, {})[metric] = {"ratios": ratios, "median": statistics.median(ratios),
                                               "min": min(ratios), "max": max(ratios)}
    return out


def _postgres_databases(admin_url: str, names: list[str]) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    urls = {}
    with engine.connect() as conn:
        for name in names:
            database = f"jprov_bench_import_{name.replace('-', '_')}_{os.getpid()}"
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
            urls[name] = engine.url.set(database=database).render_as_string(hide_password=False)
    engine.dispose()
    return urls


def _drop_postgres(admin_url: str, urls: dict[str, str | None]) -> None:
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for url in urls.values():
            if url:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


if __name__ == "__main__":
    main()
