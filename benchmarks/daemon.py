"""Daemon throughput: submit 1,000 trivial calcfunctions and 100 work chains to a daemon with 2 workers.

    python benchmarks/daemon.py [--calcs 1000] [--chains 100] [--workers 2] [--only embedded-sqlite|rabbitmq-postgresql]
    python benchmarks/daemon.py --aiida 200     # aiida-core 2.9.4's daemon on RabbitMQ, side by side

``--write`` also puts the table into the "latest run" section of ``benchmarks/results/daemon.md``.

Reports per configuration (embedded broker + SQLite, RabbitMQ + PostgreSQL) and workload:

- submit rate: processes stored and queued per second by the submitting Python process, one
  ``submit()`` call per process, and with one ``submit_many()`` call for all of them (batched);
- submit CPU: CPU time of the submitting process per process (all its threads: the broker messages
  are sent from a background thread), far less sensitive to the machine's load than the rates;
- completion throughput: processes finished per second, from the first submit to the last completion;
- time to first result: from the first submit until its result is readable;
- worker CPU: CPU time of the daemon's workers per finished process.

Each work chain is 4 processes (itself, two add children it submits to the daemon, one add it runs
inline). Prints a Markdown table row per workload, with the load average at the start.

``--synchronous full`` runs SQLite at aiida-core's ``synchronous=FULL`` (default NORMAL; #21). Paired
against another checkout: ``python benchmarks/_paired.py --ref TREE -- {python} {bench}/daemon.py --only
embedded-sqlite --calcs 300 --chains 30 --json`` (with PYTHONPATH set, this script and its daemon's
workers import ``jupyter_prov`` from there).
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
# the code under test: PYTHONPATH when it is set (benchmarks/_paired.py runs this script against another
# checkout that way), else this checkout
_TREE = [] if os.environ.get("PYTHONPATH") else [str(ROOT)]
sys.path[:0] = [*_TREE, str(HERE)]
POSTGRES = os.environ.get("JPROV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("JPROV_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _setup(kind: str):
    os.environ["JPROV_HOME"] = tempfile.mkdtemp(prefix="jprov-bench-daemon-")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), *_TREE, os.environ.get("PYTHONPATH", "")])
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
    if os.environ.get("JPROV_BENCH_SYNCHRONOUS"):  # SQLite durability: normal (default) or full (#21)
        profile.options["sqlite_synchronous"] = os.environ["JPROV_BENCH_SYNCHRONOUS"]
    if os.environ.get("JPROV_BENCH_THREADS"):
        profile.options["daemon_worker_threads"] = int(os.environ["JPROV_BENCH_THREADS"])
    config = get_config()
    config.add_profile(profile, make_default=True)
    config.save()
    return profile, cleanup


def _worker_cpu(profile) -> float:
    """CPU seconds used so far by the daemon's worker processes."""
    import psutil

    from jupyter_prov.daemon import daemon_status

    total = 0.0
    for worker in daemon_status(profile)["workers"]:
        try:
            times = psutil.Process(worker["pid"]).cpu_times()
        except (psutil.Error, TypeError):
            continue
        total += times.user + times.system
    return total


def _callgrind(state: str) -> None:
    """With ``JPROV_BENCH_CALLGRIND=1`` under ``valgrind --tool=callgrind --instr-atstart=no``: count the
    instructions of the submitting process (all its threads) during the ``submit()`` calls of the first
    workload only (the daemon's workers are not under valgrind): a load-independent submit cost."""
    if os.environ.get("JPROV_BENCH_CALLGRIND"):
        import subprocess

        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)


class _Profile:
    """With ``JPROV_BENCH_CPROFILE=FOLDER``: the first workload's ``submit()`` calls only (like
    :func:`_callgrind`), under :mod:`cProfile` in the submitting thread (``FOLDER/submit.pstats``), and
    the CPU time of every thread of the submitting process over them (``FOLDER/threads.json``: which
    thread the work is in; the broker's messages go out from a background thread)."""

    def __init__(self) -> None:
        self.folder = os.environ.get("JPROV_BENCH_CPROFILE")
        self.profiler = None

    @staticmethod
    def _threads() -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        names = {t.native_id: t.name for t in threading.enumerate()}
        out = {}
        for task in Path("/proc/self/task").iterdir():
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            name = names.get(int(task.name)) or (task / "comm").read_text().strip()
            out[f"{name} ({task.name})"] = (int(fields[11]) + int(fields[12])) / tick
        return out

    def on(self) -> None:
        if self.folder:
            import cProfile

            self.before = self._threads()
            self.profiler = cProfile.Profile()
            self.profiler.enable()

    def off(self) -> None:
        if self.folder and self.profiler is not None:
            import json

            self.profiler.disable()
            after = self._threads()
            folder = Path(self.folder)
            folder.mkdir(parents=True, exist_ok=True)
            self.profiler.dump_stats(folder / "submit.pstats")
            used = {name: round(cpu - self.before.get(name, 0.0), 3) for name, cpu in after.items()}
            (folder / "threads.json").write_text(json.dumps(used, indent=1) + "\n", encoding="utf-8")
            self.profiler = None


def _measure(kind: str, calcs: int, chains: int, workers: int) -> dict:
    profile, cleanup = _setup(kind)
    import _daemon_processes as procs

    from jupyter_prov.daemon import leases, start_daemon, stop_daemon, wait
    from jupyter_prov.engine import submit, submit_many
    from jupyter_prov.orm import Int, current

    current.load_profile(profile.name)
    storage = current.get_storage()
    result: dict = {"config": kind}
    try:
        start_daemon(profile, workers)

        def remaining() -> int:
            return sum(leases.counts(storage).values())

        def one_by_one(process, inputs_of):
            def launch(count, first_submitted):
                first_submitted(submit(process, **inputs_of(0)))
                for i in range(1, count):
                    submit(process, **inputs_of(i))
            return launch

        def batched(process, inputs_of):
            def launch(count, first_submitted):
                nodes = submit_many(process, (inputs_of(i) for i in range(count)))
                first_submitted(nodes[0])
            return launch

        add_inputs = lambda i: {"x": Int(i), "y": Int(1)}  # noqa: E731
        workloads = [
            ("calcfunctions", calcs, one_by_one(procs.add, add_inputs), 1),
            ("calcfunctions, submit_many", calcs, batched(procs.add, add_inputs), 1),
            ("work chains", chains, one_by_one(procs.TwoAdds, lambda i: {"x": Int(i)}), 4),
        ]
        profile_submits = _Profile()
        callgrind = bool(os.environ.get("JPROV_BENCH_CALLGRIND") or profile_submits.folder)
        if callgrind:  # instructions of the submitting process's submit() calls only: see _callgrind
            workloads = workloads[:1]
            if os.environ.get("JPROV_BENCH_WARM_SUBMIT"):  # one submit() first, not counted: the steady
                submit(procs.add, **add_inputs(0))        # cost per submit, without what the first one pays once
        for label, count, launch, per in workloads:
            first: dict = {}
            watchers = []

            def first_submitted(node) -> None:
                if callgrind:  # no watcher polling beside the counted submits
                    return

                def watch_first(pk: int = node.pk) -> None:
                    wait(pk, poll=0.01)
                    first["t"] = time.perf_counter()

                watcher = threading.Thread(target=watch_first)
                watcher.start()
                watchers.append(watcher)

            worker_cpu0 = _worker_cpu(profile)
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            _callgrind("on")
            profile_submits.on()
            launch(count, first_submitted)
            profile_submits.off()
            _callgrind("off")
            t_submitted = time.perf_counter()
            cpu_submit = time.process_time() - cpu0
            while remaining():
                time.sleep(0.02)
            t_done = time.perf_counter()
            for watcher in watchers:
                watcher.join()
            worker_cpu = _worker_cpu(profile) - worker_cpu0
            result[label] = {
                "count": count, "processes": count * per,
                "submit_rate": count / (t_submitted - t0),
                "submit_cpu_ms": 1000 * cpu_submit / count,
                "throughput": count * per / (t_done - t0),
                "first_result": first["t"] - t0 if "t" in first else float("nan"),
                "worker_cpu_ms": 1000 * worker_cpu / (count * per),
                "total": t_done - t0,
            }
    finally:
        stop_daemon(profile)
        if cleanup:
            cleanup()
    return result


HEADER = ("| configuration | workload | submit rate | submit CPU / process | completion throughput | first result "
          "| worker CPU / process | total | load avg |\n|---|---|---|---|---|---|---|---|---|")


def _aiida_reference(n: int, workers: int) -> None:
    """aiida-core 2.9.4's daemon (RabbitMQ, SQLite) on the same workload: ``aiida_reference/daemon.py``."""
    from _aiida_venv import run_aiida_script

    load = os.getloadavg()[0]
    r = run_aiida_script("daemon", n, "--workers", workers)
    try:  # the profile is deleted; its durable RabbitMQ task queue is not
        from kombu import Connection

        with Connection(AMQP, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(f"{r['rabbitmq_queue_prefix']}.process.queue")
    except Exception as exc:  # noqa: BLE001
        print(f"(could not delete aiida's RabbitMQ queue: {exc})", file=sys.stderr)
    print(f"| aiida-core {r['aiida_version']} rabbitmq-sqlite | {n} calcfunctions ({n} processes) | "
          f"{r['submit_per_s']:.1f}/s | {r['submit_cpu_ms']:.1f} ms | {r['completion_per_s']:.1f} processes/s | "
          f"{r['first_result_s'] * 1000:.0f} ms | {r['worker_cpu_ms_per_process']:.1f} ms | {r['total_s']:.1f} s | "
          f"{load:.2f} |", flush=True)


RESULTS = HERE / "results" / "daemon.md"
LATEST_START, LATEST_END = "<!-- latest run: start -->", "<!-- latest run: end -->"


def _write_latest(rows: list[str], command: str) -> None:
    """Replace the "latest run" table of ``results/daemon.md`` (the text around it stays as written)."""
    import datetime

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join([LATEST_START, f"`{command}`, {stamp}:", "", HEADER, *rows, LATEST_END])
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if LATEST_START in text and LATEST_END in text:
        before, rest = text.split(LATEST_START, 1)
        text = before + block + rest.split(LATEST_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Latest run\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(f"(written to {RESULTS})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calcs", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["embedded-sqlite", "rabbitmq-postgresql"])
    parser.add_argument("--threads", type=int, default=None, help="daemon_worker_threads (default: the default, 8)")
    parser.add_argument("--aiida", type=int, default=0, metavar="N",
                        help="only run aiida-core's daemon on N calcfunctions (needs RabbitMQ), same table columns")
    parser.add_argument("--write", action="store_true",
                        help="also put the table into the 'latest run' section of benchmarks/results/daemon.md")
    parser.add_argument("--no-header", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="with --only: also print the measurements as one JSON line "
                        "(last), for benchmarks/_paired.py")
    parser.add_argument("--synchronous", choices=["normal", "full"], help="SQLite durability (default: the profile's, normal)")
    args = parser.parse_args()
    if args.synchronous:
        os.environ["JPROV_BENCH_SYNCHRONOUS"] = args.synchronous
    command = "python benchmarks/daemon.py " + " ".join(a for a in sys.argv[1:] if a != "--write")
    if args.aiida:
        print(HEADER)
        _aiida_reference(args.aiida, args.workers)
        return
    kinds = [args.only] if args.only else ["embedded-sqlite", "rabbitmq-postgresql"]
    rows: list[str] = []
    if len(kinds) > 1:  # one configuration per fresh interpreter: the loaded profile is process-wide
        import subprocess

        print(HEADER, flush=True)
        for kind in kinds:
            child = subprocess.run([sys.executable, __file__, "--calcs", str(args.calcs), "--chains", str(args.chains),
                                    "--workers", str(args.workers), "--only", kind, "--no-header"]
                                   + (["--threads", str(args.threads)] if args.threads else []),
                                   check=False, stdout=subprocess.PIPE, text=True)
            print(child.stdout, end="", flush=True)
            rows += [line for line in child.stdout.splitlines() if line.startswith(f"| {kind} ")]
    else:
        load = os.getloadavg()
        if args.threads:
            os.environ["JPROV_BENCH_THREADS"] = str(args.threads)
        r = _measure(kinds[0], args.calcs, args.chains, args.workers)
        if not args.no_header:
            print(HEADER)
        labels = [label for label in ("calcfunctions", "calcfunctions, submit_many", "work chains") if label in r]
        for label in labels:
            m = r[label]
            row = (f"| {r['config']} | {m['count']} {label} ({m['processes']} processes) | {m['submit_rate']:.0f}/s | "
                   f"{m['submit_cpu_ms']:.2f} ms | {m['throughput']:.0f} processes/s | {m['first_result'] * 1000:.0f} ms | "
                   f"{m['worker_cpu_ms']:.1f} ms | {m['total']:.1f} s | {load[0]:.2f} |")
            rows.append(row)
            print(row, flush=True)
        if args.json:
            import json

            print(json.dumps({label: r[label] for label in labels}))
    if args.write and rows:
        _write_latest(rows, command.strip())


if __name__ == "__main__":
    main()
