"""Process control latency: how long ``kill``/``pause`` take to act on processes a daemon worker runs.

    python benchmarks/control.py [--repeat 5] [--only embedded-sqlite|rabbitmq-postgresql] [--markdown FILE]

For each configuration (embedded broker + SQLite, RabbitMQ + PostgreSQL), with a daemon of 2 workers,
each measurement repeated ``--repeat`` times (median and worst reported):

- kill a calcfunction whose Python body runs (60 s of work): from ``kill()`` until the node is ``killed``;
- kill a work chain inside a long step (the step runs a calcfunction inline): until both are ``killed``;
- kill a work chain waiting on two running children: until all three are ``killed``;
- kill a calc job waiting for its job (``core.direct``, ``sleep 600``, poll interval 5 s): until the node
  is ``killed`` and the job's process is gone;
- pause a work chain waiting on children: until the node says ``paused``.

The issue's target is "effective within a second".
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from daemon import _setup  # noqa: E402 - the daemon benchmark's profile set-up (temporary home, databases)


def _until(predicate, timeout: float = 60.0, step: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("condition not reached")


def _held(pk: int) -> bool:
    from jupyter_prov.daemon import leases
    from jupyter_prov.orm import current

    row = leases.get(current.get_storage(), pk)
    return bool(row and row["worker"] and not row["worker"].startswith("control:"))


def _alive(pid: int) -> bool:
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


def _measure(kind: str, repeat: int) -> dict[str, list[float]]:
    profile, cleanup = _setup(kind)
    from _control_processes import LongStep, Sleep, WaitsOnChildren, busy

    from jupyter_prov.daemon import kill, pause, start_daemon, stop_daemon
    from jupyter_prov.daemon.control import called_pks
    from jupyter_prov.engine import submit
    from jupyter_prov.orm import Computer, Float, Int, ProcessState, current, load_node
    from jupyter_prov.orm.nodes.code import Code

    current.load_profile(profile.name)
    start_daemon(profile, 2)
    times: dict[str, list[float]] = {k: [] for k in ("calcfunction", "long step", "waiting tree", "calc job", "pause")}
    work = tempfile.mkdtemp(prefix="jprov-bench-control-")
    computer = Computer("here", "localhost", workdir=work).store()
    computer.set_metadata("job_poll_interval", 5.0)
    code = Code("/bin/sleep", computer=computer, label="sleep").store()

    def running(pk: int) -> bool:
        return load_node(pk).process_state is ProcessState.RUNNING and _held(pk)

    def timed(what: str, pks: list[int], request, done) -> None:
        start = time.monotonic()
        request()
        _until(done)
        times[what].append(time.monotonic() - start)

    try:
        for _ in range(repeat):
            node = submit(busy, x=Int(1), seconds=Float(60.0))
            _until(lambda: running(node.pk))
            timed("calcfunction", [node.pk], lambda: kill([node]), lambda: load_node(node.pk).is_killed)

            chain = submit(LongStep, seconds=Float(60.0))
            _until(lambda: running(chain.pk))
            time.sleep(0.3)
            timed("long step", [chain.pk], lambda: kill([chain]),
                  lambda: load_node(chain.pk).is_killed and all(load_node(p).is_killed for p in called_pks(
                      current.get_storage(), [chain.pk])))

            tree = submit(WaitsOnChildren, seconds=Float(60.0))
            _until(lambda: load_node(tree.pk).process_state is ProcessState.WAITING and all(
                running(p) for p in called_pks(current.get_storage(), [tree.pk])))
            pks = [tree.pk, *called_pks(current.get_storage(), [tree.pk])]
            timed("pause", pks, lambda: pause([tree]), lambda: load_node(tree.pk).get_attribute("paused", False))
            timed("waiting tree", pks, lambda: kill([tree]), lambda: all(load_node(p).is_killed for p in pks))

            job = submit(Sleep, code=code, seconds=Int(600), metadata={"options": {"retry_base_seconds": 0.1}})
            _until(lambda: load_node(job.pk).get_attribute("stage", None) == "update" and _held(job.pk))
            pid = int(load_node(job.pk).get_attribute("job_id"))
            timed("calc job", [job.pk], lambda: kill([job]), lambda: load_node(job.pk).is_killed and not _alive(pid))
    finally:
        stop_daemon(profile, timeout=60)
        if cleanup:
            cleanup()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["embedded-sqlite", "rabbitmq-postgresql"])
    parser.add_argument("--markdown", type=Path, help="write the results table here")
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["embedded-sqlite", "rabbitmq-postgresql"]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = ["# Process control: pause and kill latency", "",
             f"Command: `python benchmarks/control.py --repeat {args.repeat}` (daemon with 2 workers, fresh "
             f"`JPROV_HOME`; load average at start: {load}; 2 cores shared with other sessions). Time from the "
             "`kill()`/`pause()` call until the database shows the result. Target (issue 5): within 1 s.", "",
             "- calcfunction: its Python body runs (60 s of work) and is interrupted in its worker thread;",
             "- long step: a work chain whose step runs a calcfunction inline, both end killed;",
             "- waiting tree: a work chain waiting on two running calcfunction children, all three killed;",
             "- calc job: `core.direct` job `sleep 600` polled every 5 s; done when the node is killed *and* the",
             "  job's process is gone (calc jobs look for requests every 0.5 s, hence ~0.55 s);",
             "- pause: a work chain waiting on children (no worker holds it: changed by the caller).", "",
             "| configuration | request | median (s) | worst (s) |", "|---|---|---|---|"]
    for kind in kinds:
        if kind != kinds[0]:  # each configuration in its own interpreter (its own profile and daemon)
            out = subprocess.run([sys.executable, __file__, "--repeat", str(args.repeat), "--only", kind],
                                 capture_output=True, text=True, check=True).stdout
            lines += [line for line in out.splitlines() if line.startswith(f"| {kind}")]
            continue
        for what, values in _measure(kind, args.repeat).items():
            line = f"| {kind} | {what} | {statistics.median(values):.3f} | {max(values):.3f} |"
            lines.append(line)
            print(line, flush=True)
    text = "\n".join(lines) + "\n"
    if args.markdown:
        args.markdown.write_text(text)
    elif len(kinds) > 1:
        print(text)


if __name__ == "__main__":
    main()
