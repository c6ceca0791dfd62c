"""aiida-core's daemon with RabbitMQ: submit N trivial calcfunctions, measure like ``benchmarks/daemon.py``.

Usage: python daemon.py [N] [--workers 2]   (default N=200)

A throw-away profile made by ``verdi presto`` (SQLite storage; RabbitMQ at 127.0.0.1:5672, which presto
detects), ``verdi daemon start <workers>``, then ``submit(add, x=Int(i), y=Int(1))`` N times
(``add`` lives in ``daemon_processes.py``, importable by the workers). Reports the submit rate and the
submitter's CPU per submit, the time to the first result, the completion throughput (first submit to
last process terminated) and the workers' CPU per process. The daemon is stopped and the profile
deleted at the end (its RabbitMQ queue name is printed so it can be removed). Prints one JSON line.
"""

import argparse
import os
import subprocess
import threading
import time

import psutil
from _common import VERDI, delete_profile, emit, orm
from aiida.engine import submit
from aiida.manage import get_manager
from aiida.manage.configuration import load_profile
from daemon_processes import add


def _create_profile_with_broker(prefix: str) -> str:
    import uuid

    from aiida.manage.configuration import reset_config

    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    proc = subprocess.run([str(VERDI), "presto", "--profile-name", name, "--non-interactive"],
                          check=True, capture_output=True, text=True)
    if "rabbitmq" not in proc.stdout.lower() + proc.stderr.lower():
        print(proc.stdout, proc.stderr)
    reset_config()
    return name


def _worker_pids(name: str) -> list[int]:
    pids = []
    for process in psutil.process_iter(["cmdline"]):
        cmd = " ".join(process.info["cmdline"] or [])
        if "daemon" in cmd and "worker" in cmd and name in cmd:
            pids.append(process.pid)
    return pids


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    name = _create_profile_with_broker("bench-daemon")
    try:
        profile = load_profile(name, allow_switch=True)
        broker = profile.process_control_backend
        queue = f"aiida-{profile.uuid}"
        # circus needs verdi on the PATH; the workers import ``daemon_processes`` from this folder
        env = dict(os.environ, PATH=f"{VERDI.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                   PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
        started = subprocess.run([str(VERDI), "-p", name, "daemon", "start", str(args.workers)], check=False,
                                 capture_output=True, text=True, env=env)
        if started.returncode != 0:
            raise RuntimeError(f"verdi daemon start failed:\n{started.stdout}\n{started.stderr}")
        time.sleep(5)  # let the workers connect to RabbitMQ
        pids = _worker_pids(name)
        submit(add, x=orm.Int(0), y=orm.Int(0))  # warm-up: communicator, imports (waited for below)
        time.sleep(2)
        first = {}
        worker_cpu0 = _cpu(pids)
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        nodes = [submit(add, x=orm.Int(0), y=orm.Int(1))]

        def watch_first(pk=nodes[0].pk):
            while not orm.load_node(pk).is_terminated:
                time.sleep(0.01)
            first["t"] = time.perf_counter()

        watcher = threading.Thread(target=watch_first)
        watcher.start()
        for i in range(1, args.n):
            nodes.append(submit(add, x=orm.Int(i), y=orm.Int(1)))
        t_submitted = time.perf_counter()
        cpu_submit = time.process_time() - cpu0
        pks = [node.pk for node in nodes]
        deadline = time.monotonic() + args.timeout
        terminated = 0
        while time.monotonic() < deadline:
            qb = orm.QueryBuilder().append(orm.ProcessNode, filters={
                "id": {"in": pks}, "attributes.process_state": {"in": ["finished", "excepted", "killed"]}})
            terminated = qb.count()
            if terminated == len(pks):
                break
            time.sleep(0.1)
        t_done = time.perf_counter()
        watcher.join(timeout=5)
        worker_cpu = _cpu(pids) - worker_cpu0
        states = orm.QueryBuilder().append(orm.ProcessNode, filters={"id": {"in": pks}},
                                           project=["attributes.process_state", "attributes.exit_status"]).all()
        ok = sum(1 for state, status in states if state == "finished" and status == 0)
        if ok < len(pks):
            bad = orm.load_node(next(pk for pk in pks if not orm.load_node(pk).is_finished_ok))
            print("not finished ok:", bad.process_state, bad.exit_status, bad.exception, flush=True)
        emit(
            "daemon",
            broker=broker,
            workers=args.workers,
            worker_pids=len(pids),
            n_calcfunctions=args.n,
            terminated=terminated,
            finished_ok=ok,
            submit_per_s=round(args.n / (t_submitted - t0), 1),
            ms_per_submit=round(1000 * (t_submitted - t0) / args.n, 2),
            submit_cpu_ms=round(1000 * cpu_submit / args.n, 2),
            first_result_s=round(first.get("t", float("nan")) - t0, 3),
            completion_per_s=round(terminated / (t_done - t0), 1),
            total_s=round(t_done - t0, 2),
            worker_cpu_ms_per_process=round(1000 * worker_cpu / max(terminated, 1), 1),
            rabbitmq_queue_prefix=queue,
        )
    finally:
        env = dict(os.environ, PATH=f"{VERDI.parent}{os.pathsep}{os.environ.get('PATH', '')}")
        subprocess.run([str(VERDI), "-p", name, "daemon", "stop"], check=False, capture_output=True, text=True,
                       timeout=300, env=env)
        get_manager().unload_profile()
        delete_profile(name)


if __name__ == "__main__":
    main()
