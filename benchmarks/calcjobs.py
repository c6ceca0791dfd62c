"""Calc job throughput: shell jobs (`wc -l` on small files) in the foreground, by a daemon, and over SSH.

    python benchmarks/calcjobs.py [--foreground 50] [--local 200] [--ssh 100] [--workers 2]

SQLite profile with the embedded broker in a fresh JPROV_HOME. Measures:
- foreground: `launch_shell_job("wc", ...)` one after another in this process (seconds per job);
- daemon, local computer: N jobs submitted, 2 workers, jobs/s from first submit to last completion;
- daemon, SSH to a real sshd on 127.0.0.1: jobs/s and SSH connections opened (counted from sshd's log:
  one "Accepted publickey" line per connection).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]


def _setup():
    os.environ["JPROV_HOME"] = tempfile.mkdtemp(prefix="jprov-bench-calcjobs-")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT), os.environ.get("PYTHONPATH", "")])
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    profile = default_profile_for("bench", storage=None, broker=None)
    profile.options["broker_namespace"] = f"bench-{uuid.uuid4().hex[:8]}"
    config = get_config()
    config.add_profile(profile, make_default=True)
    config.save()
    current.load_profile(profile.name)
    return profile


def _files(n: int, folder: Path):
    from jupyter_prov.orm.nodes.files import File

    folder.mkdir(parents=True, exist_ok=True)
    nodes = []
    for i in range(n):
        path = folder / f"f{i}.txt"
        path.write_text(f"file {i}\n" + "line\n" * (i % 20))
        nodes.append(File.from_path(path))
    return nodes


def _daemon_run(profile, code, files, workers: int) -> float:
    from jupyter_prov.daemon import start_daemon, stop_daemon, wait
    from jupyter_prov.engine import launch_shell_job

    start_daemon(profile, workers)
    try:
        t0 = time.perf_counter()
        nodes = [launch_shell_job(code, arguments=["-l", "{f}"], nodes={"f": f}, submit=True) for f in files]
        for node in nodes:
            done = wait(node, timeout=600, poll=0.05)
            assert done.is_finished_ok, (done.pk, done.process_state, done.exit_message, done.get_attribute("exception", None))
        return time.perf_counter() - t0
    finally:
        stop_daemon(profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--foreground", type=int, default=50)
    parser.add_argument("--local", type=int, default=200)
    parser.add_argument("--ssh", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    profile = _setup()

    import warnings

    from jupyter_prov.engine import launch_shell_job
    from jupyter_prov.orm import Computer
    from jupyter_prov.orm.nodes.code import Code
    from jupyter_prov.transports import connections_opened
    from tests.transports.sshd import SshServer

    warnings.simplefilter("ignore")
    work = Path(tempfile.mkdtemp(prefix="jprov-bench-work-"))
    rows = []

    files = _files(max(args.foreground, args.local, args.ssh), work / "inputs")
    launch_shell_job("wc", arguments=["-l", "{f}"], nodes={"f": files[0]})  # creates localhost + code (warm-up)
    opened = connections_opened()
    t0 = time.perf_counter()
    for f in files[1:args.foreground + 1]:
        node = launch_shell_job("wc", arguments=["-l", "{f}"], nodes={"f": f})
        assert node.is_finished_ok, node.exit_message
    elapsed = time.perf_counter() - t0
    rows.append(("foreground, local (one after another)", args.foreground, elapsed, args.foreground / elapsed,
                 f"{connections_opened() - opened} (already open)"))

    local = Computer.load("localhost")
    local.set_metadata("job_poll_interval", 0.1)
    code = Code.get("wc@localhost")
    elapsed = _daemon_run(profile, code, files[:args.local], args.workers)
    rows.append((f"daemon, {args.workers} workers, local", args.local, elapsed, args.local / elapsed,
                 "local transport: no connection"))

    server = SshServer(work / "sshd")
    server.config.write_text(server.config.read_text().replace("LogLevel ERROR", "LogLevel INFO"))
    log = work / "sshd.log"
    server.start()
    server.process.kill()
    server.process.wait()
    server.process = subprocess.Popen(["/usr/sbin/sshd", "-D", "-E", str(log), "-f", str(server.config)])
    time.sleep(0.5)
    try:
        remote = Computer("ssh-bench", "127.0.0.1", transport_type="core.ssh", workdir=str(work / "ssh-work")).store()
        remote.set_metadata("job_poll_interval", 0.5)
        remote.configure(**server.auth_params)
        ssh_code = Code("/usr/bin/wc", computer=remote, label="wc").store()
        elapsed = _daemon_run(profile, ssh_code, files[:args.ssh], args.workers)
        accepted = log.read_text().count("Accepted publickey")
        rows.append((f"daemon, {args.workers} workers, SSH to 127.0.0.1", args.ssh, elapsed, args.ssh / elapsed,
                     f"{accepted} SSH connections"))
    finally:
        server.stop()

    load = os.getloadavg()
    print(f"load average before/after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print("| run | jobs | seconds | jobs/s | ms/job | connections |")
    print("|---|---|---|---|---|---|")
    for name, n, seconds, rate, conns in rows:
        print(f"| {name} | {n} | {seconds:.1f} | {rate:.1f} | {1000 * seconds / n:.0f} | {conns} |")


if __name__ == "__main__":
    main()
