"""Query and traversal speed on big synthetic provenance graphs (issue 3).

Usage::

    python benchmarks/query.py                     # 1M nodes on SQLite, 100k on PostgreSQL, 20k vs aiida-core
    python benchmarks/query.py --sqlite-nodes 100000 --postgres-nodes 0 --no-aiida   # quicker

For each backend it builds :func:`jupyter_prov.testing.graphs.mixed_graph` (10 components: chains,
fan-in, fan-out, work chains calling calculations; every datum a ``Dict`` with ``x`` and ``energy``)
with the bulk writer, then times (median of ``--repeats`` runs after one warm-up):

- ``descendants``: count the descendants of the first component's root (about a tenth of the graph)
  with ``traverse.count_descendants`` and with the QueryBuilder (``with_ancestors``);
- ``ancestors``: all ancestors of that component's last datum;
- ``attribute filter``: count ``Dict`` nodes with ``attributes.x > 5`` over the whole graph;
- ``two-hop join``: ``Dict`` with ``energy < -5`` created by a ``relax`` calculation (count);
- ``export closure`` / ``delete dry run``: :func:`traverse_graph` with the export rules from the leaf,
  and :func:`delete_nodes` (dry run) from the root: what archive export and delete do first.

The 20k comparison builds aiida-core's reference shape (``graphs.chains``: a root with 8,400
descendants) and counts them with the same QueryBuilder query aiida-core's
``benchmarks/aiida_reference/query.py`` times. Results: one JSON line per figure on stdout and a
Markdown table (``--markdown FILE``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def timed(func, repeats: int):
    """Median wall-clock seconds, median CPU seconds of this process, and the answer (after a warm-up).

    On SQLite the database works inside this process, so CPU time is what the query costs on an idle
    machine; wall-clock time also holds the waiting for cores other processes use.
    """
    func()  # warm-up (and the answer)
    runs, cpu = [], []
    result = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    timed.cpu = statistics.median(cpu)
    return statistics.median(runs), result


def open_profile(name: str, url: str | None):
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    config = get_config()
    if name not in config.profiles:
        config.add_profile(default_profile_for(name, storage=url))
        config.save()
    current.load_profile(name)
    return current.get_storage()


def queries(spec, storage, repeats: int) -> list[dict]:
    from jupyter_prov.orm import CalcFunctionNode, Dict, Node
    from jupyter_prov.orm.querybuilder import QueryBuilder
    from jupyter_prov.orm.delete import delete_nodes
    from jupyter_prov.orm.traverse import EXPORT_RULES, ancestors, count_descendants, traverse_graph

    root, leaf = spec.pk("root"), spec.pk("leaf")

    def qb_descendants():
        qb = QueryBuilder(storage=storage).append(Node, filters={"id": root}, tag="root")
        return qb.append(Node, with_ancestors="root").count()

    def attribute_filter():
        return QueryBuilder(storage=storage).append(Dict, filters={"attributes.x": {">": 5}}).count()

    def two_hop():
        qb = QueryBuilder(storage=storage).append(Dict, filters={"attributes.energy": {"<": -5.0}}, tag="res")
        qb.append(CalcFunctionNode, with_outgoing="res", filters={"attributes.process_label": "relax"})
        return qb.count()

    cases = [
        ("descendants count (traverse.count_descendants)", lambda: count_descendants(root, storage=storage)),
        ("descendants count (QueryBuilder with_ancestors)", qb_descendants),
        ("ancestors of a leaf (traverse.ancestors)", lambda: len(ancestors(leaf, storage=storage))),
        ("attribute filter attributes.x > 5 (count)", attribute_filter),
        ("two-hop join: Dict energy < -5 created by relax (count)", two_hop),
        ("export closure of a leaf (traverse_graph, EXPORT_RULES)",
         lambda: len(traverse_graph([leaf], rules=EXPORT_RULES, storage=storage).nodes)),
        ("delete dry run of the root (delete_nodes, DELETE_RULES)",
         lambda: len(delete_nodes([root], storage=storage).pks)),
    ]
    results = []
    for name, func in cases:
        seconds, answer = timed(func, repeats)
        results.append({"query": name, "ms": round(seconds * 1000, 1), "cpu_ms": round(timed.cpu * 1000, 1),
                        "answer": answer})
    return results


def run_backend(backend: str, n_nodes: int, repeats: int) -> dict:
    from jupyter_prov.orm import current
    from jupyter_prov.testing.graphs import mixed_graph, write_spec

    url = None
    admin = None
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        database = f"jprov_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = admin.url.set(database=database).render_as_string(hide_password=False)
    try:
        storage = open_profile(f"bench-{backend}-{uuid.uuid4().hex[:6]}", url)
        start, start_cpu = time.perf_counter(), time.process_time()
        spec = mixed_graph(n_nodes, components=10, seed=1, rich=False)
        generated = time.perf_counter() - start
        write_spec(spec, storage)
        built, built_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        if backend == "postgresql":
            with storage.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            with storage.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        result = {
            "backend": backend, "nodes": len(spec), "links": len(spec.links),
            "build_s": round(built, 1), "build_cpu_s": round(built_cpu, 1), "generate_s": round(generated, 1),
            "queries": queries(spec, storage, repeats),
        }
        current.unload_profile()
        return result
    finally:
        current.unload_profile()
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()


def run_aiida_comparison(repeats: int, with_aiida: bool) -> dict:
    from jupyter_prov.orm import Node, current
    from jupyter_prov.orm.querybuilder import QueryBuilder
    from jupyter_prov.orm.traverse import count_descendants
    from jupyter_prov.testing.graphs import chains, write_spec

    storage = open_profile(f"bench-chains-{uuid.uuid4().hex[:6]}", None)
    spec = chains(20_000)
    start = time.perf_counter()
    write_spec(spec, storage)
    built = time.perf_counter() - start
    root = spec.pk("root")

    def qb_count():
        qb = QueryBuilder().append(Node, filters={"id": root}, tag="root")
        return qb.append(Node, with_ancestors="root").count()

    qb_s, qb_answer = timed(qb_count, repeats)
    qb_cpu = timed.cpu
    cte_s, cte_answer = timed(lambda: count_descendants(root), repeats)
    cte_cpu = timed.cpu
    current.unload_profile()
    result = {"nodes": len(spec), "build_s": round(built, 2), "descendants": qb_answer,
              "qb_ms": round(qb_s * 1000, 2), "qb_cpu_ms": round(qb_cpu * 1000, 2),
              "traverse_ms": round(cte_s * 1000, 2), "traverse_cpu_ms": round(cte_cpu * 1000, 2), "aiida": None}
    assert qb_answer == cte_answer
    if with_aiida:
        try:
            from benchmarks._aiida_venv import run_aiida_script

            result["aiida"] = run_aiida_script("query", "--nodes", "20000", "--repeats", str(repeats))
        except Exception as exc:  # noqa: BLE001 - the reference is optional
            result["aiida_error"] = f"{type(exc).__name__}: {exc}"
    return result


def markdown(results: dict, command: str) -> str:
    lines = [
        "# Query and traversal benchmark (issue 3)",
        "",
        f"Reproduce: `{command}`",
        "",
        f"Machine: {os.cpu_count()} cores, load average before/after: {results['load_before']} / "
        f"{results['load_after']} (shared with other engineers' work: figures are upper bounds).",
        "",
    ]
    for run in results["backends"]:
        lines += [
            f"## {run['backend']}: {run['nodes']:,} nodes, {run['links']:,} links",
            "",
            f"Bulk build (generate + `write_spec` with `insert_many`, one transaction): **{run['build_s']} s** wall, "
            f"{run['build_cpu_s']} s CPU of this process (generating the graph in Python: {run['generate_s']} s).",
            "",
            "| query | median ms (wall) | median ms (CPU of this process) | answer |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {q['query']} | {q['ms']} | {q['cpu_ms']} | {q['answer']:,} |" for q in run["queries"]]
        lines.append("")
    comparison = results.get("aiida_comparison")
    if comparison:
        aiida = comparison.get("aiida") or {}
        lines += [
            f"## Side by side with aiida-core 2.9.4: descendants of a root in a {comparison['nodes']:,}-node graph",
            "",
            "Same shape as `benchmarks/aiida_reference/query.py` (chains of 10 calculation/Int pairs hanging off "
            "roots), same query (`QueryBuilder().append(Node, filters={'id': root}, tag='root')"
            ".append(Node, with_ancestors='root').count()`), SQLite.",
            "",
            "| | descendants | median ms (wall) | median ms (CPU) |",
            "|---|---:|---:|---:|",
            f"| jupyter-prov QueryBuilder | {comparison['descendants']:,} | {comparison['qb_ms']} | {comparison['qb_cpu_ms']} |",
            f"| jupyter-prov traverse.count_descendants | {comparison['descendants']:,} | {comparison['traverse_ms']} | "
            f"{comparison['traverse_cpu_ms']} |",
        ]
        if aiida:
            when = "an earlier run" if comparison.get("aiida_reused") else "this run"
            lines.append(f"| aiida-core {aiida.get('aiida_version', '')} QueryBuilder (same machine, {when}, load "
                         f"{aiida.get('loadavg_1min_at_end', '?')}) | "
                         f"{aiida.get('descendants', 0):,} | {aiida.get('descendants_query_ms')} | – |")
        else:
            lines.append(f"| aiida-core 2.9.4 (issue's reference figure; not run here: "
                         f"{comparison.get('aiida_error', 'skipped')}) | 8,400 | ~40 | – |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-nodes", type=int, default=1_000_000)
    parser.add_argument("--postgres-nodes", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-aiida", action="store_true", help="Skip the aiida-core side-by-side run.")
    parser.add_argument("--aiida-result", type=Path, default=None,
                        help="With --no-aiida: a JSON line that benchmarks/aiida_reference/query.py printed earlier.")
    parser.add_argument("--markdown", type=Path, default=None, help="Write the Markdown table here.")
    args = parser.parse_args()
    os.environ.setdefault("JPROV_HOME", tempfile.mkdtemp(prefix="jprov-bench-"))
    results: dict = {"load_before": os.getloadavg()[0].__round__(2), "backends": []}
    for backend, n_nodes in (("sqlite", args.sqlite_nodes), ("postgresql", args.postgres_nodes)):
        if n_nodes:
            run = run_backend(backend, n_nodes, args.repeats)
            print(json.dumps(run), flush=True)
            results["backends"].append(run)
    results["aiida_comparison"] = run_aiida_comparison(args.repeats, not args.no_aiida)
    if args.no_aiida and args.aiida_result:
        results["aiida_comparison"]["aiida"] = json.loads(args.aiida_result.read_text().strip().splitlines()[-1])
        results["aiida_comparison"]["aiida_reused"] = True
    print(json.dumps(results["aiida_comparison"]), flush=True)
    results["load_after"] = round(os.getloadavg()[0], 2)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown(results, "python " + " ".join(["benchmarks/query.py", *sys.argv[1:]])))


if __name__ == "__main__":
    main()
