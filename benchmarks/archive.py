"""Archive benchmark: export, import into an empty profile, inspect — time and peak RSS of each.

Usage::

    python benchmarks/archive.py --nodes 110000 --files 200000            # the 2D-materials scale
    python benchmarks/archive.py --nodes 20000 --files 0 --aiida          # side by side with aiida-core 2.9.4
    python benchmarks/archive.py ... --backend postgresql                 # PostgreSQL profiles

The synthetic graph: chains ``d_{k-1} -> c_k -> d_k`` of ``Int`` data and finished, sealed calcfunction
nodes (as in ``aiida_reference/_common.py::build_graph``), where every calculation also reads one shared
parameter node, so there are ~1.5 links per node; ``--files`` distinct small text files (~300 bytes)
are spread over the nodes (built with ``Repository.put_many_bytes`` and ``store_all``). Each measured
step runs in its own Python process, which reports its wall time and peak RSS (``ru_maxrss``).
Prints a JSON line; ``--markdown`` appends a table row to ``benchmarks/results/archive.md``.
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


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _use_profile(name: str, url: str | None) -> None:
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    config = get_config()
    if name not in config.profiles:
        config.add_profile(default_profile_for(name, storage=url))
        config.save()
    current.load_profile(name)


def build(n_nodes: int, n_files: int, steps: int = 10) -> dict:
    """Store the synthetic graph in the loaded profile."""
    from jupyter_prov.orm import current
    from jupyter_prov.orm.nodes import CalcFunctionNode, Int
    from jupyter_prov.orm.nodes.node import store_all

    storage = current.get_storage()
    start = time.perf_counter()
    per_node = [n_files // n_nodes + (1 if i < n_files % n_nodes else 0) for i in range(n_nodes)]
    params = Int(0, label="shared parameters")
    store_all([params])
    file_index = 0

    def files_for(count: int) -> dict[str, str]:
        nonlocal file_index
        if not count:
            return {}
        contents = [(f"file {file_index + i}\n" + "x = %d\n" % (file_index + i) * 20).encode() for i in range(count)]
        file_index += count
        pending_files.extend(contents)  # written by one put_many_bytes per batch (see flush)
        return {f"f{i}.txt": None for i in range(count)}

    pending_files: list[bytes] = []
    pending_nodes: list = []

    def flush() -> None:
        keys = storage.repository.put_many_bytes(pending_files) if pending_files else []
        it = iter(keys)
        for node in pending_nodes:
            if node._files:
                node._files = {name: next(it) for name in node._files}
        store_all(pending_nodes)
        pending_files.clear()
        pending_nodes.clear()

    node_count = 1
    while node_count < n_nodes:
        previous = Int(node_count)
        previous._files = files_for(per_node[node_count])
        pending_nodes.append(previous)
        node_count += 1
        for _ in range(steps):
            if node_count + 2 > n_nodes:
                break
            calc = CalcFunctionNode(process_type="bench.step", process_label="step")
            calc.set_attribute("process_state", "finished")
            calc.set_attribute("exit_status", 0)
            calc.add_incoming(previous, "input_calc", "x")
            calc.add_incoming(params, "input_calc", "params")
            calc._files = files_for(per_node[node_count])
            result = Int(node_count)
            result.add_incoming(calc, "create", "result")
            calc.set_attribute("sealed", True)  # terminal before storing: no per-node seal() UPDATE
            result._files = files_for(per_node[node_count + 1])
            pending_nodes += [calc, result]
            previous = result
            node_count += 2
        if len(pending_nodes) >= 5000:
            flush()
    flush()
    counts = storage.counts()
    return {"build_seconds": round(time.perf_counter() - start, 1), "nodes": counts["nodes"], "links": counts["links"],
            "files": len(list(storage.repository.list_keys()))}


def _child(args: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=os.environ.copy())
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - start, 2)  # with interpreter start and imports
    return result


def step(kind: str, profile: str, url: str | None, archive: str) -> dict:
    """One measured step in this (child) process."""
    if kind == "inspect":
        from jupyter_prov.archive import (
            inspect_archive,  # package import (~1 s on a loaded machine) not timed
        )

        start = time.perf_counter()
        info = inspect_archive(archive)
        return {"seconds": round(time.perf_counter() - start, 3), "rss_mb": round(_peak_rss_mb(), 1),
                "nodes": info["counts"]["nodes"]}
    _use_profile(profile, url)
    from jupyter_prov.archive import create_archive, import_archive

    start = time.perf_counter()
    if kind == "export":
        summary = create_archive(archive, all=True, overwrite=True)
    else:
        summary = import_archive(archive)
    return {"seconds": round(time.perf_counter() - start, 2), "rss_mb": round(_peak_rss_mb(), 1),
            "counts": summary.counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=110_000)
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--aiida", action="store_true", help="Also run aiida_reference/archive.py at the same size.")
    parser.add_argument("--markdown", action="store_true", help="Append a row to benchmarks/results/archive.md.")
    parser.add_argument("--step", nargs=4, metavar=("KIND", "PROFILE", "URL", "ARCHIVE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        kind, profile, url, archive = args.step
        print(json.dumps(step(kind, profile, None if url == "-" else url, archive)))
        return

    with tempfile.TemporaryDirectory(prefix="jprov-bench-archive-") as temp:
        os.environ["JPROV_HOME"] = str(Path(temp) / "home")
        os.environ.pop("JPROV_PROFILE", None)
        urls = {"source": None, "target": None}
        if args.backend == "postgresql":
            urls = _postgres_databases(args.postgres_url)
        sys.path.insert(0, str(ROOT))
        _use_profile("source", urls["source"])
        built = build(args.nodes, args.files)
        from jupyter_prov.orm import current

        current.unload_profile()
        archive = str(Path(temp) / "bench.jprov")
        export = _child(["--step", "export", "source", urls["source"] or "-", archive])
        size_mb = round(Path(archive).stat().st_size / 2**20, 1)
        inspect = _child(["--step", "inspect", "-", "-", archive])
        imported = _child(["--step", "import", "target", urls["target"] or "-", archive])
        load = os.getloadavg()
        result = {"backend": args.backend, **built, "archive_mb": size_mb, "export": export, "import": imported,
                  "inspect": inspect, "loadavg": [round(x, 2) for x in load]}
        if args.aiida:
            sys.path.insert(0, str(HERE))
            from _aiida_venv import run_aiida_script

            result["aiida"] = run_aiida_script("archive", "--nodes", str(args.nodes), "--repeats", "1")
        if args.backend == "postgresql":
            _drop_postgres(args.postgres_url, urls)
    print(json.dumps(result))
    if args.markdown:
        _append_markdown(result, args)


def _postgres_databases(admin_url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    urls = {}
    with engine.connect() as conn:
        for role in ("source", "target"):
            name = f"jprov_bench_archive_{role}_{os.getpid()}"
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            urls[role] = engine.url.set(database=name).render_as_string(hide_password=False)
    engine.dispose()
    return urls


def _drop_postgres(admin_url: str, urls: dict[str, str]) -> None:
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for url in urls.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _append_markdown(result: dict, args) -> None:
    path = HERE / "results" / "archive.md"
    aiida = result.get("aiida")
    aiida_cell = (f"{aiida['create_seconds']:.1f} s / {aiida['import_seconds']:.1f} s" if aiida else "–")
    row = (f"| {result['backend']} | {result['nodes']:,} | {result['links']:,} | {result['files']:,} | "
           f"{result['archive_mb']} | {result['export']['seconds']} s ({result['export']['rss_mb']:.0f} MB) | "
           f"{result['import']['seconds']} s ({result['import']['rss_mb']:.0f} MB) | "
           f"{result['inspect']['seconds']} s | {aiida_cell} | {', '.join(map(str, result['loadavg']))} |\n")
    with open(path, "a") as handle:
        handle.write(row)


if __name__ == "__main__":
    main()
