"""The REST server under load (loopback only): p50/p95 latency of node search, node detail and a 500-node
neighbourhood at 1, 10 and 50 concurrent clients, on a 100k-node profile; and the time from a process state
change to its event on ``/api/events/subscribe``. Side by side (``--aiida``): aiida-core 2.9.4's
``verdi restapi`` on the same graph for search and detail (its own venv, ``benchmarks/_aiida_venv.py``).

What runs: a temporary JPROV_HOME with one profile (SQLite by default, ``--backend postgresql`` for the
server on this machine), ``jupyter_prov.testing.graphs.mixed_graph(--nodes)`` written straight into the
tables, then a real ``jupyter server`` in its own OS process (127.0.0.1, a token, only our extension), so
the clients (one asyncio loop in this process, tornado's HTTP client) do not share its GIL. Each client
sends its requests one after the other (``--requests`` of a kind split over the clients, at least 2 each). Targets (issue #16): p95 ≤ 50 ms
at 10 clients for search and detail, ≤ 200 ms for the neighbourhood; events ≤ 1 s.

Requests (each client cycles through its own sequence, so the database's cache is not one row):

- **search**: ``/nodes?node_type=data.dict&attributes={"x": k}&order_by=ctime&limit=50`` (k = 0..9, the total
  counted too), alternating with ``/nodes?node_type=process.calculation&offset=<o>&limit=50``
- **detail**: ``/nodes/<pk>`` of random nodes (attributes, extras, ≤ 100 links each way with counts)
- **neighbourhood**: ``/nodes/<hub>/graph?depth=1&max_nodes=500&page_size=500&format=binary``: one of
  :data:`HUBS` data nodes each read by 499 calculations, so the answer is 500 nodes (checked)

Run: ``python benchmarks/server.py [--nodes 100000] [--requests 20] [--clients 1,10,50] [--aiida]``;
writes ``benchmarks/results/server.md`` (``--out``; the raw numbers beside it as ``.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOKEN = "bench-token-not-secret"
#: data nodes each read by HUB_READERS calculations (the 500-node neighbourhoods asked for)
HUBS = 10
HUB_READERS = 499


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def build_profile(home: Path, nodes: int, backend: str, aiida_archive: Path | None = None) -> dict:
    """A profile holding ``mixed_graph(nodes)``; returns pks worth asking for."""
    os.environ["JPROV_HOME"] = str(home)
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current
    from jupyter_prov.testing.graphs import CALC, DICT, INT, mixed_graph, write_spec

    storage_url = None
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        name = f"jprov_bench_server_{os.getpid()}"
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        storage_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    config = get_config()
    config.add_profile(default_profile_for("bench", storage=storage_url), make_default=True)
    config.save()
    current.load_profile("bench")
    start = time.perf_counter()
    hub_nodes = HUBS * (1 + 2 * HUB_READERS)
    spec = mixed_graph(nodes - hub_nodes, components=max(1, nodes // 2000), seed=1)
    hubs = []
    for h in range(HUBS):  # a datum read by 499 calculations: its neighbourhood at depth 1 is 500 nodes
        hub = spec.add(DICT, {"x": h, "energy": -1.0})
        hubs.append(hub)
        for i in range(HUB_READERS):
            calc = spec.add(CALC, {"process_label": "scan", "process_state": "finished", "exit_status": 0,
                                   "sealed": True})
            spec.link(hub, calc, "input_calc", "x")
            out = spec.add(INT, {"value": i})
            spec.link(calc, out, "create", "result")
    write_spec(spec)
    realistic_times(sorted(spec.pks))
    built = time.perf_counter() - start
    calcs = [pk for pk, t in zip(spec.pks, spec.types) if t == CALC]
    uuids = []
    if aiida_archive is not None:  # the same graph for verdi restapi
        from jupyter_prov.archive import create_archive
        from jupyter_prov.views import nodes as node_views

        create_archive(aiida_archive, all=True, format="aiida")
        rng = random.Random(3)
        uuids = [node_views.summary(rng.choice(spec.pks))["uuid"] for _ in range(200)]
    views_time = in_process_times({"pks": spec.pks, "hubs": [spec.pks[h] for h in hubs]})
    current.unload_profile()
    return {"views": views_time, "pks": spec.pks, "calcs": calcs, "hubs": [spec.pks[h] for h in hubs], "build_seconds": built,
            "storage": storage_url, "uuids": uuids}


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).database
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def realistic_times(pks: list[int]) -> None:
    """Give the nodes distinct creation times, 1 ms apart in pk order (``write_spec`` stamps every node with
    the same time, which no profile has: with 100k equal ``ctime`` values an ``ORDER BY ctime, pk`` page
    cannot stop early on PostgreSQL, whose ctime index keeps ties in heap order); on PostgreSQL then
    ``ANALYZE``, which autovacuum does soon after a bulk load (it is off on this machine's server, so the
    planner had no statistics at all)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import bindparam, text, update

    from jupyter_prov.orm import current
    from jupyter_prov.storage import schema

    storage = current.get_storage()
    nodes = schema.nodes
    base = datetime.now(timezone.utc) - timedelta(milliseconds=len(pks) + 1)
    stmt = update(nodes).where(nodes.c.id == bindparam("b_id")).values(ctime=bindparam("b_time"),
                                                                      mtime=bindparam("b_time"))
    with storage.transaction() as conn:
        for start in range(0, len(pks), 10_000):
            conn.execute(stmt, [{"b_id": pk, "b_time": base + timedelta(milliseconds=i)}
                                for i, pk in enumerate(pks[start:start + 10_000], start)])
    if storage.dialect == "postgresql":
        with storage.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def in_process_times(graph: dict, repeat: int = 20) -> dict:
    """The server's own work per request: the view each route runs, called here in one thread (no HTTP, no
    other request at once), wall and CPU medians of ``repeat`` calls over the same URLs the clients send."""
    from urllib.parse import parse_qs, urlsplit

    from jupyter_prov.views import graph as graph_views
    from jupyter_prov.views import nodes as node_views

    def search(url: str):
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        args = {"node_type": query["node_type"], "limit": int(query["limit"]), "offset": int(query.get("offset", 0))}
        if "attributes" in query:
            args["attributes"] = json.loads(query["attributes"])
        # the server's count-ahead (server/nodes.search_arguments: JupyterProvApp.search_count_ahead = 250)
        args["count_cap"] = max(250, args["limit"]) + args["offset"]
        return node_views.search(**args)

    def neighbourhood(url: str):
        hood = graph_views.Neighbourhood([int(url.split("/")[-2])], depth=1, max_new=500, page_size=500)
        return graph_views.encode(hood.snapshot()[1], version=0, kind="snapshot", max_bytes=1 << 30)

    calls = {"search": search, "detail": lambda url: node_views.detail(int(url.rsplit("/", 1)[-1])),
             "neighbourhood": neighbourhood}
    result = {}
    for kind, call in calls.items():
        urls = jprov_urls(kind, graph, random.Random(7), repeat)
        walls, cpus = [], []
        for url in urls:
            wall, cpu = time.perf_counter(), time.process_time()
            call(url)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        result[kind] = {"wall_p50_ms": 1000 * percentile(walls, 0.5), "cpu_p50_ms": 1000 * percentile(cpus, 0.5),
                        "wall_p95_ms": 1000 * percentile(walls, 0.95), "load": os.getloadavg()[0]}
        print("in process", kind, {k: round(v, 1) for k, v in result[kind].items()}, flush=True)
    return result


def start_server(home: Path, root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config_dir = root / "jupyter-config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        "jupyter_prov.server": True, "jupyterlab": False, "notebook_shim": False, "jupyter_lsp": False,
        "jupyter_server_terminals": False}}}))
    env = dict(os.environ, JPROV_HOME=str(home), JPROV_PROFILE="bench", JUPYTER_CONFIG_DIR=str(config_dir))
    log = open(root / "server.log", "wb")  # noqa: SIM115 - the server's stderr for as long as it runs
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--ServerApp.log_level=WARN",
         "--ServerApp.allow_unauthenticated_access=False", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=root)
    base = f"http://127.0.0.1:{port}"
    return proc, base


async def wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    from tornado.httpclient import AsyncHTTPClient

    client = AsyncHTTPClient()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = await client.fetch(f"{base}/jupyter-prov/api/status?health=true",
                                          headers={"Authorization": f"token {TOKEN}"}, raise_error=False,
                                          request_timeout=30)
            if response.code == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None:
            break
        await asyncio.sleep(0.5)
    raise RuntimeError("the server did not come up:\n" + log.read_text()[-3000:])


def jprov_urls(kind: str, graph: dict, rng: random.Random, count: int) -> list[str]:
    urls = []
    for i in range(count):
        if kind == "search":
            if i % 2 == 0:
                urls.append("/jupyter-prov/api/nodes?node_type=data.dict&order_by=ctime&limit=50&attributes="
                            + json.dumps({"x": rng.randrange(10)}).replace(" ", "").replace('"', "%22"))
            else:
                urls.append(f"/jupyter-prov/api/nodes?node_type=process.calculation&offset={rng.randrange(1000)}"
                            "&limit=50")
        elif kind == "detail":
            urls.append(f"/jupyter-prov/api/nodes/{rng.choice(graph['pks'])}")
        else:
            urls.append(f"/jupyter-prov/api/nodes/{rng.choice(graph['hubs'])}/graph?depth=1&max_nodes=500"
                        "&page_size=500&format=binary")
    return urls


async def load(base: str, url_lists: list[list[str]], headers: dict) -> tuple[list[float], int, int]:
    """Each list is one client's sequence; returns latencies (s), errors, bytes."""
    from tornado.httpclient import AsyncHTTPClient

    client = AsyncHTTPClient(force_instance=True, max_clients=len(url_lists) + 1)
    latencies: list[float] = []
    errors = 0
    received = 0

    async def one_client(urls: list[str]) -> None:
        nonlocal errors, received
        for url in urls:
            start = time.perf_counter()
            response = await client.fetch(base + url, headers=headers, raise_error=False, request_timeout=300,
                                          connect_timeout=60)
            latencies.append(time.perf_counter() - start)
            if response.code != 200:
                errors += 1
            else:
                received += len(response.body)

    await asyncio.gather(*(one_client(urls) for urls in url_lists))
    client.close()
    return latencies, errors, received


async def neighbourhood_size(base: str, graph: dict) -> dict:
    """Nodes and links of a hub's neighbourhood as the benchmark asks for it (checked, not assumed)."""
    from tornado.httpclient import AsyncHTTPClient

    response = await AsyncHTTPClient().fetch(
        f"{base}/jupyter-prov/api/nodes/{graph['hubs'][0]}/graph?depth=1&max_nodes=500&page_size=500",
        headers={"Authorization": f"token {TOKEN}"}, request_timeout=300)
    body = json.loads(response.body)
    return {"nodes": len(body["nodes"]["pk"]), "links": len(body["links"]["source"])}


async def event_latency(base: str, graph: dict, rounds: int = 10) -> list[float]:
    """Seconds from a kill (REST, of a queued process) to its process_state event on the event socket."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {TOKEN}"}
    ws = await websocket_connect(HTTPRequest(base.replace("http", "ws") + "/api/events/subscribe", headers=headers))
    client = AsyncHTTPClient()
    times = []
    for pk in graph["queued"][:rounds]:
        start = time.perf_counter()
        await client.fetch(f"{base}/jupyter-prov/api/processes/{pk}/kill", method="POST", body="{}",
                           headers=headers)
        while True:
            event = json.loads(await asyncio.wait_for(ws.read_message(), 30))
            if event.get("schema_id", "").endswith("process_state/v1") and event.get("pk") == pk:
                times.append(time.perf_counter() - start)
                break
    ws.close()
    return times


def queue_processes(home: Path, count: int) -> list[int]:
    """Processes stored as ``created`` and queued (no daemon runs): the kill targets of :func:`event_latency`."""
    code = ("import json, warnings\nwarnings.simplefilter('ignore')\nfrom jupyter_prov.orm import Int, current\n"
            "from jupyter_prov.engine import submit\nfrom jupyter_prov.testing.examples import add\n"
            f"current.load_profile('bench')\nprint(json.dumps([submit(add, x=Int(i), y=Int(1)).pk for i in range({count})]))")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, JPROV_HOME=str(home)), cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40,
                        help="requests of one kind per run, split over the clients (at least 2 each)")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--aiida", action="store_true", help="also verdi restapi (aiida-core 2.9.4, its own venv)")
    parser.add_argument("--out", default=str(HERE / "results" / "server.md"))
    parser.add_argument("--append", action="store_true", help="add the results as a section of --out")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    with tempfile.TemporaryDirectory(prefix="jprov-bench-server-") as tmp:
        tmp_path = Path(tmp)
        home, root = tmp_path / "home", tmp_path / "root"
        home.mkdir()
        root.mkdir()
        archive = tmp_path / "graph.aiida" if args.aiida else None
        graph = build_profile(home, args.nodes, args.backend, archive)
        graph["queued"] = queue_processes(home, 10)
        proc, base = start_server(home, root)
        results: dict = {"nodes": args.nodes, "backend": args.backend, "build_seconds": graph["build_seconds"],
                         "views": graph["views"], "command": " ".join(["python", "benchmarks/server.py", *sys.argv[1:]]),
                         "load_before": os.getloadavg(), "jprov": {}}
        try:
            asyncio.run(wait_ready(base, proc, root / "server.log"))
            results["neighbourhood"] = asyncio.run(neighbourhood_size(base, graph))
            headers = {"Authorization": f"token {TOKEN}"}
            for kind in ("search", "detail", "neighbourhood"):
                for n in clients:
                    rng = random.Random(n)
                    load_at_start = os.getloadavg()[0]
                    lists = [jprov_urls(kind, graph, rng, max(2, args.requests // n)) for _ in range(n)]
                    wall = time.perf_counter()
                    latencies, errors, received = asyncio.run(load(base, lists, headers))
                    wall = time.perf_counter() - wall
                    results["jprov"][f"{kind}@{n}"] = {
                        "p50_ms": 1000 * percentile(latencies, 0.5), "p95_ms": 1000 * percentile(latencies, 0.95),
                        "requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
                        "bytes_per_response": received / max(1, len(latencies) - errors), "load": load_at_start}
                    print(kind, n, {k: round(v, 1) for k, v in results["jprov"][f"{kind}@{n}"].items()}, flush=True)
            events = asyncio.run(event_latency(base, graph))
            results["events_ms"] = {"p50": 1000 * percentile(events, 0.5), "max": 1000 * max(events),
                                    "rounds": len(events)}
            print("events", results["events_ms"], flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
        if args.aiida:
            sys.path.insert(0, str(ROOT))
            from benchmarks import _server_aiida

            results["aiida"] = _server_aiida.run(archive, graph["uuids"], clients, args.requests, free_port, load,
                                                 percentile)
        results["load_after"] = os.getloadavg()
        if graph["storage"]:  # the benchmark's own PostgreSQL database (100k nodes): not left behind
            drop_database(graph["storage"])
    raw = Path(args.out).with_suffix(".aiida.json" if args.aiida else
                                     ".postgresql.json" if args.backend == "postgresql" else ".json")
    raw.write_text(json.dumps(results, indent=1))
    write_markdown(results, Path(args.out), append=args.append)
    # the last line: the figures as one JSON object (benchmarks/_paired.py pairs runs on them)
    figures = {f"{key}.{stat}": round(row[stat], 2) for key, row in results["jprov"].items()
               for stat in ("p50_ms", "p95_ms", "errors")}
    figures.update({f"view.{kind}.{stat}": round(row[stat], 2) for kind, row in results["views"].items()
                    for stat in ("cpu_p50_ms", "wall_p50_ms")})
    print(json.dumps(figures))


def write_markdown(results: dict, out: Path, *, append: bool = False) -> None:
    """The results as a page (``append``: as a section added to ``out``, for a second run beside the first)."""
    title = "# REST server latency (issue #16)"
    if append:
        title = f"## {results['nodes']:,} nodes on {results['backend']}" + (
            ", beside aiida-core's verdi restapi" if "aiida" in results else "")
    lines = [title, "",
             f"`{results.get('command', 'python benchmarks/server.py')}` — {results['nodes']:,}-node profile ({results['backend']}, "
             f"`mixed_graph`), a real `jupyter server` on 127.0.0.1 in its own process, clients in one asyncio loop "
             f"(tornado), each sending its requests one after another. Load average before "
             f"{results['load_before'][0]:.1f}, after {results['load_after'][0]:.1f} (2 cores shared by all sessions: "
             "the absolute numbers are inflated by the other work on this machine).", "",
             f"Neighbourhood: a datum read by {HUB_READERS} calculations, depth 1 "
             f"({results['neighbourhood']['nodes']} nodes, {results['neighbourhood']['links']} links; "
             "`max_nodes=500&page_size=500&format=binary`).", "",
             "| request | clients | p50 ms | p95 ms | req/s | errors | bytes/resp | load at start | target p95 (10 clients) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    targets = {"search": "≤ 50 ms", "detail": "≤ 50 ms", "neighbourhood": "≤ 200 ms"}
    for key, row in results["jprov"].items():
        kind, n = key.split("@")
        lines.append(f"| {kind} | {n} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['rps']:.1f} | "
                     f"{row['errors']} | {row['bytes_per_response']:,.0f} | {row.get('load', float('nan')):.1f} | "
                     f"{targets[kind] if n == '10' else ''} |")
    if "views" in results:
        lines += ["", "Server-side work per request: the view each route runs (`views.nodes.search`/`detail`, "
                  "`views.graph.Neighbourhood` + `encode`), called in the benchmark's process in one thread before the "
                  "server starts, over the same URLs (medians of 20; no HTTP, nothing else at once):", "",
                  "| request | wall p50 ms | CPU p50 ms | wall p95 ms | load |", "|---|---:|---:|---:|---:|"]
        for kind, row in results["views"].items():
            lines.append(f"| {kind} | {row['wall_p50_ms']:.1f} | {row['cpu_p50_ms']:.1f} | {row['wall_p95_ms']:.1f} | "
                         f"{row['load']:.1f} |")
    if "aiida" in results:
        aiida = results["aiida"]
        lines += ["", "aiida-core 2.9.4 `verdi restapi` (Flask) on the same graph (exported as an AiiDA archive, "
                  f"`verdi archive import` in {aiida.get('import_seconds', float('nan')):.0f} s, its own venv and "
                  "profile), the closest requests its API has: search = a page of 50 `Dict` nodes ordered by ctime "
                  "(no attribute filter in its URLs), detail = one node with its attributes (ours adds up to 100 "
                  "links each way with counts). Same clients, same run.", "",
                  "| request | clients | p50 ms | p95 ms | req/s | errors | bytes/resp |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for key, row in aiida.items():
            if "@" not in key:
                continue
            kind, n = key.split("@")
            lines.append(f"| {kind} (verdi restapi) | {n} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | "
                         f"{row['rps']:.1f} | {row['errors']} | {row['bytes_per_response']:,.0f} |")
    events = results.get("events_ms")
    if events:
        lines += ["", f"Process state change → event on `/api/events/subscribe` (kill over REST of a queued process, "
                  f"embedded broker): p50 {events['p50']:.0f} ms, max {events['max']:.0f} ms over {events['rounds']} "
                  "(target ≤ 1 s to the sidebar)."]
    lines.append("")
    text = "\n".join(lines)
    out.write_text(out.read_text() + "\n" + text if append and out.exists() else text)


if __name__ == "__main__":
    main()
