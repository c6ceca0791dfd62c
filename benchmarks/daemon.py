"""Daemon throughput: submit 1,000 trivial calcfunctions and 100 work chains to a daemon with 2 workers.

    python benchmarks/daemon.py [--calcs 1000] [--chains 100] [--workers 2] [--only embedded-sqlite|rabbitmq-postgresql]

Reports per configuration (embedded broker + SQLite, RabbitMQ + PostgreSQL): submit rate (processes
stored and queued per second, from the submitting Python process), completion throughput (processes
finished per second, from the first submit to the last completion), and time to first result (from
the first submit until its result is readable). Each work chain is 4 processes (itself, two add children
it submits to the daemon, one add it runs inline). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
POSTGRES = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("JPROV_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _setup(kind: str):
    os.environ["JPROV_HOME"] = tempfile.mkdtemp(prefix="jprov-bench-daemon-")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT), os.environ.get("PYTHONPATH", "")])
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for

    storage = broker = None
    cleanup = None
    if kind == "rabbitmq-postgresql":
        from sqlalchemy import create_engine, text

        name = f"jprov_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        storage = admin.url.set(database=name).render_as_string(hide_password=False)
        broker = AMQP

        def cleanup():
            from jupyter_prov.orm import current

            current.unload_profile()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    profile = default_profile_for("bench", storage=storage, broker=broker)
    profile.options["broker_namespace"] = f"bench-{uuid.uuid4().hex[:8]}"
    if os.environ.get("JPROV_BENCH_THREADS"):
        profile.options["daemon_worker_threads"] = int(os.environ["JPROV_BENCH_THREADS"])
    config = get_config()
    config.add_profile(profile, make_default=True)
    config.save()
    return profile, cleanup


def _measure(kind: str, calcs: int, chains: int, workers: int) -> dict:
    profile, cleanup = _setup(kind)
    import _daemon_processes as procs

    from jupyter_prov.daemon import leases, start_daemon, stop_daemon, wait
    from jupyter_prov.engine import submit
    from jupyter_prov.orm import Int, current

    current.load_profile(profile.name)
    storage = current.get_storage()
    result: dict = {"config": kind}
    try:
        start_daemon(profile, workers)

        def remaining() -> int:
            from sqlalchemy import func, select

            with storage.connection() as conn:
                return conn.execute(select(func.count()).select_from(leases.table)).scalar_one()

        for label, count, launch, per in (
            ("calcfunctions", calcs, lambda i: submit(procs.add, x=Int(i), y=Int(1)), 1),
            ("work chains", chains, lambda i: submit(procs.TwoAdds, x=Int(i)), 4),
        ):
            first: dict = {}
            t0 = time.perf_counter()
            node = launch(0)
            def watch_first(pk: int = node.pk, first: dict = first) -> None:
                wait(pk, poll=0.01)
                first["t"] = time.perf_counter()

            watcher = threading.Thread(target=watch_first)
            watcher.start()
            for i in range(1, count):
                launch(i)
            t_submitted = time.perf_counter()
            while remaining():
                time.sleep(0.02)
            t_done = time.perf_counter()
            watcher.join()
            result[label] = {
                "count": count, "processes": count * per,
                "submit_rate": count / (t_submitted - t0),
                "throughput": count * per / (t_done - t0),
                "first_result": first["t"] - t0,
                "total": t_done - t0,
            }
    finally:
        stop_daemon(profile)
        if cleanup:
            cleanup()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calcs", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["embedded-sqlite", "rabbitmq-postgresql"])
    parser.add_argument("--threads", type=int, default=None, help="daemon_worker_threads (default: the default, 8)")
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["embedded-sqlite", "rabbitmq-postgresql"]
    if len(kinds) > 1:  # one configuration per fresh interpreter: the loaded profile is process-wide
        import subprocess

        for kind in kinds:
            subprocess.run([sys.executable, __file__, "--calcs", str(args.calcs), "--chains", str(args.chains),
                            "--workers", str(args.workers), "--only", kind]
                           + (["--threads", str(args.threads)] if args.threads else []), check=False)
        return
    load = os.getloadavg()
    if args.threads:
        os.environ["JPROV_BENCH_THREADS"] = str(args.threads)
    r = _measure(kinds[0], args.calcs, args.chains, args.workers)
    for label in ("calcfunctions", "work chains"):
        m = r[label]
        print(f"| {r['config']} | {m['count']} {label} ({m['processes']} processes) | {m['submit_rate']:.0f}/s | "
              f"{m['throughput']:.0f} processes/s | {m['first_result'] * 1000:.0f} ms | {m['total']:.1f} s | "
              f"{load[0]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
