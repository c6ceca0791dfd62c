"""A real single-node SLURM (Debian slurm-wlm 22.05) for tests: own munged socket, own ports, own state dirs."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slurm_available() -> str | None:
    """``None`` if a SLURM can be started here, else the reason it cannot."""
    for program in ("slurmctld", "slurmd", "munged", "sbatch", "squeue"):
        if shutil.which(program) is None and not os.path.exists(f"/usr/sbin/{program}"):
            return f"{program} is not installed (apt-get install -y slurm-wlm)"
    if not os.path.exists("/etc/munge/munge.key"):
        return "/etc/munge/munge.key is missing"
    if os.geteuid() != 0:
        return "starting slurmd needs root"
    return None


class SlurmCluster:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        for sub in ("state", "spool", "log"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        self.munge_socket = self.folder / "munge.socket"
        host = socket.gethostname().split(".")[0]
        self.conf = self.folder / "slurm.conf"
        cpus = os.cpu_count() or 1
        self.conf.write_text(f"""\
ClusterName=jprovtest
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={self.folder}/state
SlurmdSpoolDir={self.folder}/spool
SlurmctldPidFile={self.folder}/slurmctld.pid
SlurmdPidFile={self.folder}/slurmd.pid
SlurmctldLogFile={self.folder}/log/slurmctld.log
SlurmdLogFile={self.folder}/log/slurmd.log
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName={host} CPUs={cpus} RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.pids: list[int] = []

    def start(self) -> None:
        subprocess.run(["munged", "--force", f"--socket={self.munge_socket}",
                        f"--pid-file={self.folder}/munged.pid", f"--log-file={self.folder}/log/munged.log",
                        f"--seed-file={self.folder}/munged.seed"], check=True, env=self.env)
        self.pids.append(int((self.folder / "munged.pid").read_text()))
        for daemon in ("slurmctld", "slurmd"):
            subprocess.run([daemon, "-f", str(self.conf)], check=True, env=self.env)
            self.pids.append(self._wait_pid(self.folder / f"{daemon}.pid"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=self.env,
                                 check=False).stdout
            if out.strip() in ("idle", "mix", "alloc"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"SLURM did not get an idle node within 30 s (sinfo: {out.strip()!r})")

    def _wait_pid(self, path: Path) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return int(path.read_text())
            time.sleep(0.1)
        raise RuntimeError(f"{path.name} did not appear: see {self.folder}/log")

    def stop(self) -> None:
        for pid in reversed(self.pids):
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        self.pids.clear()


@contextlib.contextmanager
def running_slurm(folder: Path) -> Iterator[SlurmCluster]:
    """A started single-node cluster in ``folder`` with ``SLURM_CONF`` pointing at it; skips the test with the
    reason when SLURM cannot run here. Afterwards: cluster stopped, cached transports closed, variable restored."""
    import pytest

    from jupyter_prov.transports import close_all

    reason = slurm_available()
    if reason:
        pytest.skip(reason)
    from tests.machine_locks import machine_lock

    with machine_lock("slurm"):  # one SLURM at a time on this machine (slurmd takes the host's node name)
        cluster = SlurmCluster(folder)
        old = os.environ.get("SLURM_CONF")
        os.environ["SLURM_CONF"] = str(cluster.conf)
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.stop()
            close_all()
            if old is None:
                os.environ.pop("SLURM_CONF", None)
            else:
                os.environ["SLURM_CONF"] = old
