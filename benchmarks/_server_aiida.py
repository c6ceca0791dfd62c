"""The reference side of ``benchmarks/server.py``: aiida-core 2.9.4's ``verdi restapi`` on the same graph.

The same graph: the benchmark profile is exported as an AiiDA archive (``create_archive(format="aiida")``)
and imported with ``verdi archive import`` into a throw-away ``verdi presto`` profile (SQLite, no broker)
of the venv of ``benchmarks/_aiida_venv.py`` (with aiida-core's ``rest`` extra: Flask). Then ``verdi
restapi`` serves it on 127.0.0.1 and the same clients ask, with the closest requests its API has:

- **search**: ``/api/v4/nodes/page/<p>?perpage=50&node_type="data.core.dict.Dict."&orderby=-ctime``
  (it has no attribute filters in the URL; the page and total are its own)
- **detail**: ``/api/v4/nodes/<uuid>?attributes=true`` (one node and its attributes; ours also returns up to
  100 links each way with counts)
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import time
import uuid
from pathlib import Path

from benchmarks._aiida_venv import aiida_env, aiida_python


def run(archive: Path, uuids: list[str], clients: list[int], requests: int, free_port, load, percentile) -> dict:
    python = aiida_python()
    if python is None:
        return {}
    verdi = str(python.parent / "verdi")
    name = f"bench-rest-{uuid.uuid4().hex[:8]}"
    env = aiida_env()
    subprocess.run([verdi, "presto", "--profile-name", name, "--no-broker", "--non-interactive"], env=env,
                   check=True, capture_output=True, text=True)
    results: dict = {}
    server = None
    try:
        start = time.perf_counter()
        subprocess.run([verdi, "-p", name, "archive", "import", "--no-import-group", str(archive)], env=env,
                       check=True, capture_output=True, text=True, timeout=3600)
        results["import_seconds"] = time.perf_counter() - start
        port = free_port()
        server = subprocess.Popen([verdi, "-p", name, "restapi", "-H", "127.0.0.1", "-P", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(_ready(base))
        rng_uuids = list(uuids)
        for kind in ("search", "detail"):
            for n in clients:
                rng = random.Random(n)
                lists = [[_url(kind, rng, rng_uuids) for _ in range(max(2, requests // n))] for _ in range(n)]
                wall = time.perf_counter()
                latencies, errors, received = asyncio.run(load(base, lists, {}))
                wall = time.perf_counter() - wall
                results[f"{kind}@{n}"] = {"p50_ms": 1000 * percentile(latencies, 0.5),
                                          "p95_ms": 1000 * percentile(latencies, 0.95), "requests": len(latencies),
                                          "errors": errors, "rps": len(latencies) / wall,
                                          "bytes_per_response": received / max(1, len(latencies) - errors)}
                print("aiida", kind, n, {k: round(v, 1) for k, v in results[f"{kind}@{n}"].items()}, flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        subprocess.run([verdi, "profile", "delete", "--force", "--delete-data", name], env=env,
                       capture_output=True, text=True)
    return results


def _url(kind: str, rng: random.Random, uuids: list[str]) -> str:
    if kind == "search":
        return (f"/api/v4/nodes/page/{1 + rng.randrange(20)}?perpage=50&node_type=%22data.core.dict.Dict.%22"
                "&orderby=-ctime")
    return f"/api/v4/nodes/{rng.choice(uuids)}?attributes=true"


async def _ready(base: str, timeout: float = 120.0) -> None:
    from tornado.httpclient import AsyncHTTPClient

    client = AsyncHTTPClient()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = await client.fetch(f"{base}/api/v4/server", raise_error=False, request_timeout=30)
            if response.code == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.5)
    raise RuntimeError("verdi restapi did not come up")
