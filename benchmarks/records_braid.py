"""Versioned records side by side with Braid DB 0.1.0a1 (issue #17): insert, one-step lookups, the cascade.

Usage::

    python -m venv /tmp/braid-venv && /tmp/braid-venv/bin/pip install braid-db==0.1.0a1 psycopg2-binary
    python benchmarks/records_braid.py                                 # SQLite and PostgreSQL
    python benchmarks/records_braid.py --backends sqlite --chains 100,1000,2000 --insert 500

Braid DB runs in its own virtualenv (``--braid-python``, default ``/tmp/braid-venv/bin/python``; never a
dependency of this project): this file re-runs itself there with ``--braid-worker`` (that mode imports only
``braid_db``), one process per measurement, so a RecursionError or a time-out of Braid DB ends that
process only. Every figure runs in one invocation, ours then Braid's, on a fresh database each.

What is measured (wall-clock and the CPU of the process doing it; on SQLite the database works inside it):

- **insert**: a chain of ``--insert`` records, each derived from the one before, through each system's API.
  Braid: ``BraidData(db, name)`` then ``previous.add_derivation(record)`` (two commits). Ours:
  ``Dataset.create(name)`` then ``record.update(Dict, derived_from=[previous version])`` (two transactions;
  ours also stores the version's node and its content hash).
- **one-step lookups** on that chain, ``--lookups`` random records: by id/name (Braid
  ``BraidRecord.by_record_id``; ours ``Record.get(name).latest``), one step back (Braid ``get_predecessors``;
  ours the version's derivation sources), one step forward (Braid ``get_derivations``; ours the
  ``db_derivation`` rows of the node, the index the cascade reads).
- **cascade**: invalidating the first record of a chain of N records (each derived from the one before),
  committed, for each N of ``--chains``. The chains are written straight into each system's own tables
  (Braid: ``records`` + ``derivations``; ours: nodes, ``db_record``, ``db_record_version``,
  ``db_derivation``) so that building a 100,000-record chain does not take the benchmark's time. Braid:
  ``BraidRecord.invalidate(cause, session=...)`` + ``session.commit()`` (its only cascade, a Python recursion
  one query pair per record); ours: ``invalidate(root, cause)`` (one recursive CTE, one transaction) and its
  dry run. The number of records marked is read back from the database afterwards.

Durability, the same for both where the systems allow it: SQLite in WAL mode with ``synchronous=FULL``
(every commit fsynced; ours through the profile option ``sqlite_synchronous=full``, Braid through a
``connect`` listener on its engine, which otherwise runs SQLite's defaults, a rollback journal with
``synchronous=FULL``); PostgreSQL the server's settings for both (``synchronous_commit`` as configured).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BRAID_PYTHON = os.environ.get("JPROV_BENCH_BRAID_PYTHON", "/tmp/braid-venv/bin/python")


def _time_lookups(result: dict, name: str, call, picks: list) -> None:
    """Mean ms per lookup over ``picks`` (one warm-up call first) and a size check, into ``result`` (both sides)."""
    call(picks[0])
    start = time.perf_counter()
    for pick in picks:
        found = call(pick)
    result[f"{name}_ms"] = (time.perf_counter() - start) / len(picks) * 1000
    result[f"{name}_check"] = len(found) if isinstance(found, list) else int(found is not None)


# ---- Braid DB (runs in Braid's own virtualenv; imports braid_db only) -------------------------------------

def braid_db(url: str):
    from braid_db import BraidDB
    from sqlalchemy import event

    db = BraidDB(url)
    if db.engine.dialect.name == "sqlite":

        @event.listens_for(db.engine, "connect")
        def _durability(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

    db.create()
    return db


def braid_insert(url: str, n: int, lookups: int) -> dict:
    from braid_db import BraidData, BraidRecord

    db = braid_db(url)
    wall, cpu = time.perf_counter(), time.process_time()
    previous, ids = None, []
    for i in range(n):
        record = BraidData(db, name=f"r{i}")
        if previous is not None:
            previous.add_derivation(record)
        ids.append(record.record_id)
        previous = record
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = {"insert_wall": wall, "insert_cpu": cpu, "n": n}
    picks = random.Random(0).choices(ids[1:-1], k=lookups)
    for name, call in (
        ("by_id", lambda i: BraidRecord.by_record_id(db, i)),
        ("back", lambda i: db.get_predecessors(i)),
        ("forward", lambda i: db.get_derivations(i)),
    ):
        _time_lookups(result, name, call, picks)
    return result


def braid_cascade(url: str, n: int) -> dict:
    from braid_db import BraidRecord
    from braid_db.models import BraidDerivationModel, BraidRecordModel
    from sqlalchemy import text

    db = braid_db(url)
    now = datetime.utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            BraidRecordModel.__table__.insert(),
            [{"record_id": i + 1, "name": f"r{i}", "time": now} for i in range(n)],
        )
        if n > 1:
            conn.execute(
                BraidDerivationModel.__table__.insert(),
                [{"record_id": i, "derivation": i + 1, "time": now} for i in range(1, n)],
            )
    session = db.get_session()
    root = BraidRecord.by_record_id(db, 1, session=session)
    wall, cpu = time.perf_counter(), time.process_time()
    error = None
    try:
        root.invalidate(cause="bench", session=session)
        session.commit()
    except RecursionError as exc:
        error = f"RecursionError ({exc})"[:120]
        session.rollback()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    session.close()
    with db.engine.connect() as conn:
        marked = conn.execute(text("SELECT COUNT(*) FROM records WHERE invalidation_id IS NOT NULL")).scalar()
    return {
        "n": n,
        "wall": wall,
        "cpu": cpu,
        "marked": marked,
        "error": error,
        "recursion_limit": sys.getrecursionlimit(),
    }


def braid_checks(url: str) -> dict:
    """What the Braid README promises, asked of its API: tag search by key and value; update keeps versions."""
    from braid_db import BraidData, BraidModel, BraidRecord

    db = braid_db(url)
    BraidData(db, name="a").add_tag("facility", "SLAC")
    BraidData(db, name="b").add_tag("facility", "APS")
    session = db.get_session()
    tagged = sorted(r.model.name for r in BraidRecord.for_tag_value(db, "facility", "SLAC", session=session))
    model = BraidModel(db, name="model")
    model.update(BraidData(db, name="weights-v2"))
    return {
        "n": 0,
        "tag_search": tagged,
        "versions_after_update": 0,
        "update_adds": [r.name for r in db.get_derivations(model.record_id)],
    }


def braid_worker(argv: list[str]) -> None:
    mode, url, n = argv[0], argv[1], int(argv[2])
    if mode == "checks":
        result = braid_checks(url)
    else:
        result = braid_insert(url, n, int(argv[3])) if mode == "insert" else braid_cascade(url, n)
    print("RESULT " + json.dumps(result), flush=True)


class Braid:
    """Runs one Braid DB measurement in its virtualenv, on a fresh database (SQLite file or PostgreSQL db)."""

    def __init__(self, backend: str, python: str, workdir: Path, timeout: float):
        self.backend, self.python, self.workdir, self.timeout = backend, python, workdir, timeout

    def run(self, mode: str, n: int, lookups: int = 0) -> dict:
        admin = name = None
        if self.backend == "sqlite":
            url = f"sqlite:///{self.workdir / f'braid-{mode}-{n}-{uuid.uuid4().hex[:6]}.db'}"
        else:
            admin, name = fresh_database("braid")
            url = admin.url.set(drivername="postgresql+psycopg2", database=name).render_as_string(
                hide_password=False
            )
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        try:
            done = subprocess.run(
                [self.python, __file__, "--braid-worker", mode, url, str(n), str(lookups)],
                capture_output=True,
                text=True,
                timeout=self.timeout,
                env=env,
            )
        except subprocess.TimeoutExpired:
            return {"n": n, "error": f"time-out after {self.timeout:.0f} s"}
        finally:
            if admin is not None:
                drop_database(admin, name)
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                return json.loads(line[7:])
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"n": n, "error": f"exit {done.returncode}: {tail[:160]}"}


# ---- ours ------------------------------------------------------------------------------------------------
def fresh_database(prefix: str):
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"jprov_bench_{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name


def drop_database(admin, name: str) -> None:
    from sqlalchemy import text

    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def open_profile(name: str, url: str | None) -> None:
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    config = get_config()
    if name not in config.profiles:
        profile = default_profile_for(name, storage=url)
        profile.options["sqlite_synchronous"] = "full"
        config.add_profile(profile)
        config.save()
    current.load_profile(name)


def ours_insert(n: int, lookups: int, tag: str) -> dict:
    from sqlalchemy import text

    from jupyter_prov.orm import Dict, current
    from jupyter_prov.orm import record_queries as q
    from jupyter_prov.records import Dataset, Record

    wall, cpu = time.perf_counter(), time.process_time()
    previous, names = None, []
    for i in range(n):
        record = Dataset.create(f"{tag}-r{i}")
        previous = record.update(Dict({"i": i}), derived_from=[previous] if previous is not None else [])
        names.append(record.name)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = {"insert_wall": wall, "insert_cpu": cpu, "n": n}
    picks = random.Random(0).choices(names[1:-1], k=lookups)
    pks = {name: Record.get(name).latest.node_pk for name in set(picks)}
    forward_sql = text("SELECT target_id FROM db_derivation WHERE source_id = :pk")
    storage = current.get_storage()

    def forward(pk: int) -> list:
        with storage.connection() as conn:
            return list(conn.execute(forward_sql, {"pk": pk}).scalars())

    for name, call in (
        ("by_id", lambda pick: Record.get(pick).latest),
        ("back", lambda pick: q.derivation_sources(pks[pick])),
        ("forward", lambda pick: forward(pks[pick])),
    ):
        _time_lookups(result, name, call, picks)
    return result


def ours_checks(tag: str) -> dict:
    from jupyter_prov.orm import Dict
    from jupyter_prov.records import Dataset, Model, find

    Dataset.create(f"{tag}-a", tags={"facility": "SLAC"})
    Dataset.create(f"{tag}-b", tags={"facility": "APS"})
    tagged = sorted(r.name.removeprefix(f"{tag}-") for r in find(tags={"facility": "SLAC"}, name=f"{tag}-*"))
    model = Model.create(f"{tag}-model")
    model.update(Dict({"weights": 1}))
    model.update(Dict({"weights": 2}))
    return {
        "n": 0,
        "tag_search": tagged,
        "versions_after_update": len(model),
        "update_adds": [],
        "v1_recoverable": model["v1"].value == {"weights": 1},
    }


def ours_chain(n: int, tag: str) -> int:
    """A chain of ``n`` Dataset records, version 1 of each derived from the one before; the root's node pk."""
    from sqlalchemy import insert

    from jupyter_prov.orm import current
    from jupyter_prov.storage import schema
    from jupyter_prov.testing.graphs import INT, GraphSpec, write_spec

    spec = GraphSpec()
    for i in range(n):
        spec.add(INT, {"value": i})
    pks = write_spec(spec).pks
    now = datetime.now(timezone.utc)
    storage = current.get_storage()
    with storage.transaction() as conn:
        first = conn.execute(
            insert(schema.records)
            .values(
                uuid=str(uuid.uuid4()),
                name=f"{tag}-0",
                kind="Dataset",
                description="",
                metadata={},
                frozen=False,
                ctime=now,
            )
            .returning(schema.records.c.id)
        ).scalar_one()
        conn.execute(
            insert(schema.records),
            [
                {
                    "uuid": str(uuid.uuid4()),
                    "name": f"{tag}-{i}",
                    "kind": "Dataset",
                    "description": "",
                    "metadata": {},
                    "frozen": False,
                    "ctime": now,
                }
                for i in range(1, n)
            ],
        )
        conn.execute(
            insert(schema.record_versions),
            [
                {
                    "record_id": first + i,
                    "number": 1,
                    "node_id": pk,
                    "previous_node_id": None,
                    "content_hash": f"{pk:064x}",
                    "ctime": now,
                    "actor": "bench",
                    "process_id": None,
                }
                for i, pk in enumerate(pks)
            ],
        )
        conn.execute(
            insert(schema.derivations), [{"source_id": a, "target_id": b} for a, b in zip(pks, pks[1:])]
        )
    return pks[0]


def ours_cascade(n: int, tag: str) -> dict:
    from jupyter_prov.orm import record_queries as q
    from jupyter_prov.records import invalidate

    root = ours_chain(n, tag)
    before = q.count_invalid()
    wall, cpu = time.perf_counter(), time.process_time()
    plan = invalidate(root, "bench", dry_run=True)
    dry = {
        "dry_wall": time.perf_counter() - wall,
        "dry_cpu": time.process_time() - cpu,
        "dry_nodes": plan["nodes"],
    }
    wall, cpu = time.perf_counter(), time.process_time()
    invalidate(root, "bench")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"n": n, "wall": wall, "cpu": cpu, "marked": q.count_invalid() - before, "error": None, **dry}


def run_backend(backend: str, args, workdir: Path) -> list[dict]:
    from jupyter_prov.orm import current

    admin = name = None
    url = None
    if backend == "postgresql":
        admin, name = fresh_database("records_braid")
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    open_profile(f"bench-braid-{backend}-{uuid.uuid4().hex[:6]}", url)
    braid = Braid(backend, args.braid_python, workdir, args.timeout)
    rows = []

    def emit(row: dict) -> None:
        row = {"backend": backend, "load": round(os.getloadavg()[0], 1), **row}
        print(json.dumps(row), flush=True)
        rows.append(row)

    try:
        emit({"what": "checks", "system": "ours", **ours_checks("chk")})
        emit({"what": "checks", "system": "braid", **braid.run("checks", 0)})
        emit({"what": "insert", "system": "ours", **ours_insert(args.insert, args.lookups, "ins")})
        emit({"what": "insert", "system": "braid", **braid.run("insert", args.insert, args.lookups)})
        good, bad = 0, None
        for n in args.chains:
            emit({"what": "cascade", "system": "ours", **ours_cascade(n, f"chain{n}")})
            emit({"what": "cascade", "system": "braid", **braid.run("cascade", n)})
            if rows[-1].get("error"):
                bad = n if bad is None else bad
            elif bad is None:
                good = n
        while bad is not None and bad - good > 1:  # the longest chain Braid DB invalidates
            middle = (good + bad) // 2
            if braid.run("cascade", middle).get("error"):
                bad = middle
            else:
                good = middle
        emit({"what": "braid_limit", "system": "braid", "n": good, "first_failing": bad})
    finally:
        current.unload_profile()
        if admin is not None:
            drop_database(admin, name)
    return rows


def markdown(rows: list[dict], args) -> str:
    head = (
        f"Side by side with Braid DB 0.1.0a1 (`python benchmarks/records_braid.py --backends {args.backends} "
        f"--insert {args.insert} --lookups {args.lookups} --chains {','.join(map(str, args.chains))} "
        f"--timeout {args.timeout:g}`, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)"
    )
    lines = [
        head,
        "",
        "| backend | figure | ours wall | ours CPU | Braid wall | Braid CPU | load |",
        "|---|---|---|---|---|---|---|",
    ]
    by_key: dict[tuple, dict] = {}
    for row in rows:
        by_key[(row["backend"], row["what"], row["n"], row["system"])] = row
    for backend in args.backends.split(","):
        ours, theirs = by_key.get((backend, "checks", 0, "ours")), by_key.get((backend, "checks", 0, "braid"))
        if ours and theirs and "tag_search" in theirs:
            lines.append(
                f"| {backend} | tag search facility=SLAC over a (SLAC), b (APS) | {ours['tag_search']} |  | "
                f"{theirs['tag_search']} (the value is ignored) |  | {ours['load']} |"
            )
            lines.append(
                f"| {backend} | update a model twice: versions kept | {ours['versions_after_update']} "
                f"(v1 recoverable: {ours['v1_recoverable']}) |  | none: update() adds a derivation edge "
                f"to {theirs['update_adds']} |  | {ours['load']} |"
            )
        ours, theirs = (
            by_key.get((backend, "insert", args.insert, "ours")),
            by_key.get((backend, "insert", args.insert, "braid")),
        )
        if ours:

            def rate(row, key):
                return f"{row['n'] / row[key]:,.0f}/s" if row and key in row else (row or {}).get("error", "")

            load = f"{ours['load']}/{(theirs or {}).get('load', '')}"
            lines.append(
                f"| {backend} | insert {args.insert:,} derived records | {rate(ours, 'insert_wall')} | "
                f"{rate(ours, 'insert_cpu')} | {rate(theirs, 'insert_wall')} | {rate(theirs, 'insert_cpu')} | "
                f"{load} |"
            )
            for key, label in (
                ("by_id", "lookup by id/name"),
                ("back", "one step back"),
                ("forward", "one step forward"),
            ):
                braid_ms = f"{theirs[key + '_ms']:.2f} ms" if theirs and key + "_ms" in theirs else ""
                lines.append(
                    f"| {backend} | {label} | {ours[key + '_ms']:.2f} ms |  | {braid_ms} |  | {load} |"
                )
        for n in args.chains:
            ours, theirs = (
                by_key.get((backend, "cascade", n, "ours")),
                by_key.get((backend, "cascade", n, "braid")),
            )
            if not ours:
                continue
            lines.append(
                f"| {backend} | dry run, chain {n:,} | {ours['dry_wall']:.3f} s ({ours['dry_nodes']:,}) | "
                f"{ours['dry_cpu']:.3f} s | (none) |  | {ours['load']} |"
            )
            if theirs and theirs.get("error"):
                braid_wall = f"**fails**: {theirs['error']}" + (
                    f" after {theirs['wall']:.2f} s, {theirs['marked']:,} marked" if "wall" in theirs else ""
                )
                braid_cpu = ""
            elif theirs:
                braid_wall, braid_cpu = (
                    f"{theirs['wall']:.3f} s ({theirs['marked']:,})",
                    f"{theirs['cpu']:.3f} s",
                )
            else:
                braid_wall = braid_cpu = ""
            lines.append(
                f"| {backend} | invalidate, chain {n:,} | {ours['wall']:.3f} s ({ours['marked']:,}) | "
                f"{ours['cpu']:.3f} s | {braid_wall} | {braid_cpu} | {ours['load']}/{(theirs or {}).get('load', '')} |"
            )
        limit = by_key.get(
            (
                backend,
                "braid_limit",
                next((r["n"] for r in rows if r["backend"] == backend and r["what"] == "braid_limit"), -1),
                "braid",
            )
        )
        if limit and limit["first_failing"] is not None:
            lines.append(
                f"| {backend} | longest chain Braid DB invalidates |  |  | {limit['n']:,} "
                f"(fails from {limit['first_failing']:,}) |  | {limit['load']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--braid-worker":
        braid_worker(sys.argv[2:])
        return
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--insert", type=int, default=2000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument(
        "--chains",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10, 100, 500, 900, 1000, 1200, 2000, 10_000, 100_000],
    )
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--braid-python", default=BRAID_PYTHON)
    parser.add_argument("--markdown", default=None, help="write the table to this file")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="jprov-bench-braid-"))
    os.environ["JPROV_HOME"] = str(workdir / "home")
    rows = []
    for backend in args.backends.split(","):
        rows += run_backend(backend, args, workdir)
    table = markdown(rows, args)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table)


if __name__ == "__main__":
    main()
