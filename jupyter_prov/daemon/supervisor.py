"""The daemon supervisor: keeps N worker OS processes alive for one profile.

Started in its own session by :func:`jupyter_prov.daemon.lifecycle.start_daemon`
(``subprocess.Popen(start_new_session=True)``, no double fork). It holds the profile's supervisor
lock for its whole life, starts the workers as child processes, restarts any that dies, writes
``status.json`` on every change, and prunes old embedded-broker message files (messages are hints;
the state is in the database).

Signals: SIGTERM/SIGINT stop (workers get SIGTERM, finish what runs, release their leases; after
``--stop-timeout`` seconds they are killed); SIGHUP re-reads ``wanted.json`` (``incr``/``decr``).
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from ..config import get_config
from .daemon_files import DaemonFiles

log = logging.getLogger("jupyter_prov.daemon.supervisor")

#: message files older than this are dropped from the embedded broker's folders
PRUNE_AFTER_SECONDS = 600
#: a worker that dies sooner than this after its start counts as a crash loop (restarts slow down)
CRASH_LOOP_SECONDS = 5


class Supervisor:
    def __init__(self, profile_name: str, workers: int, stop_timeout: float):
        self.profile = get_config().get_profile(profile_name)
        self.files = DaemonFiles.of(self.profile)
        self.wanted = workers
        self.stop_timeout = stop_timeout
        self.workers: dict[int, dict] = {}
        self.stopping = threading.Event()
        self.reload = threading.Event()
        self.started = datetime.now(timezone.utc).isoformat()
        self._restart_delay = 0.0
        self._log_handle: BinaryIO | None = None

    def _spawn(self) -> None:
        self._log_handle = self._log_handle or open(self.files.log, "ab", buffering=0)  # noqa: SIM115 - the workers' log, open for the supervisor's life
        env = dict(os.environ, JPROV_PROFILE=self.profile.name)
        proc = subprocess.Popen([sys.executable, "-m", "jupyter_prov.daemon.worker", "--profile", self.profile.name,
                                 "--supervisor-pid", str(os.getpid())],
                                stdin=subprocess.DEVNULL, stdout=self._log_handle, stderr=subprocess.STDOUT, env=env)
        self.workers[proc.pid] = {"proc": proc, "started": time.time()}
        log.info("started worker pid %d", proc.pid)

    def write_status(self) -> None:
        self.files.write_json(self.files.status, {
            "profile": self.profile.name,
            "supervisor": {"pid": os.getpid(), "started": self.started},
            "wanted": self.wanted,
            "workers": [{"pid": pid, "started": datetime.fromtimestamp(info["started"], timezone.utc).isoformat()}
                        for pid, info in sorted(self.workers.items())],
        })

    def _reap(self) -> bool:
        changed = False
        for pid, info in list(self.workers.items()):
            code = info["proc"].poll()
            if code is None:
                continue
            del self.workers[pid]
            (self.files.folder / f"ready-{pid}").unlink(missing_ok=True)
            changed = True
            if not self.stopping.is_set():
                lived = time.time() - info["started"]
                log.warning("worker pid %d exited with code %s after %.1f s; starting another", pid, code, lived)
                self._restart_delay = min(max(self._restart_delay * 2, 1.0), 30.0) if lived < CRASH_LOOP_SECONDS else 0.0
        return changed

    def _scale(self) -> bool:
        changed = False
        while len(self.workers) < self.wanted and not self.stopping.is_set():
            if self._restart_delay:
                self.stopping.wait(self._restart_delay)
            self._spawn()
            changed = True
        while len(self.workers) > self.wanted:
            pid, info = max(self.workers.items(), key=lambda item: item[1]["started"])
            info["proc"].terminate()
            try:
                info["proc"].wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                info["proc"].kill()
                info["proc"].wait()
            del self.workers[pid]
            (self.files.folder / f"ready-{pid}").unlink(missing_ok=True)
            log.info("stopped worker pid %d (now %d wanted)", pid, self.wanted)
            changed = True
        return changed

    def _prune_broker(self) -> None:
        broker_folder = self.profile.broker[len("filesystem://"):] if self.profile.broker.startswith("filesystem://") else None
        if not broker_folder:
            return
        cutoff = time.time() - PRUNE_AFTER_SECONDS
        for sub, age in (("processed", 0), ("messages", cutoff)):
            folder = Path(broker_folder) / sub
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                try:
                    if sub == "processed" or entry.stat().st_mtime < age:
                        os.unlink(entry.path)
                except OSError:
                    pass

    def run(self) -> int:
        self.files.ensure()
        lock_fd = os.open(self.files.lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.error("another supervisor runs for profile %r; exiting", self.profile.name)
            return 1
        self.files.pid.write_text(str(os.getpid()))
        log.info("supervisor pid %d for profile %r: %d workers", os.getpid(), self.profile.name, self.wanted)
        last_prune = 0.0
        try:
            self._scale()
            self.write_status()
            while not self.stopping.wait(0.2):
                changed = self._reap()
                if self.reload.is_set():
                    self.reload.clear()
                    wanted = (self.files.read_json(self.files.wanted) or {}).get("workers")
                    if isinstance(wanted, int) and wanted >= 0:
                        self.wanted = wanted
                changed |= self._scale()
                if changed:
                    self.write_status()
                if time.monotonic() - last_prune > 30:
                    last_prune = time.monotonic()
                    self._prune_broker()
        finally:
            self._stop_workers()
            self.files.status.unlink(missing_ok=True)
            self.files.pid.unlink(missing_ok=True)
            log.info("supervisor stopped")
            os.close(lock_fd)
        return 0

    def _stop_workers(self) -> None:
        for info in self.workers.values():
            if info["proc"].poll() is None:
                info["proc"].terminate()
        # `jprov daemon stop|restart --timeout` says how long running steps may take to reach their checkpoint
        asked = (self.files.read_json(self.files.folder / "stop.json") or {}).get("timeout")
        timeout = float(asked) if isinstance(asked, (int, float)) and asked >= 0 else self.stop_timeout
        (self.files.folder / "stop.json").unlink(missing_ok=True)
        deadline = time.monotonic() + timeout
        for pid, info in list(self.workers.items()):
            try:
                info["proc"].wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop within %.0f s; killing it", pid, timeout)
                info["proc"].kill()
                info["proc"].wait()
            (self.files.folder / f"ready-{pid}").unlink(missing_ok=True)
        self.workers.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="jupyter-prov daemon supervisor (use `jprov daemon start`).")
    parser.add_argument("--profile", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--stop-timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s supervisor[{os.getpid()}] %(levelname)s %(message)s")
    supervisor = Supervisor(args.profile, args.workers, args.stop_timeout)
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: supervisor.stopping.set())
    signal.signal(signal.SIGHUP, lambda *_: supervisor.reload.set())
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
