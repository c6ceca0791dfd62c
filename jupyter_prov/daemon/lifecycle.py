"""Start, stop, scale and inspect a profile's daemon (the Python API behind ``jprov daemon``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import psutil

from ..config import Profile
from ..errors import DaemonError
from .broker import get_broker
from .daemon_files import DaemonFiles

#: ``{"timeout": seconds}``: how long the supervisor lets workers reach a checkpoint when told to stop
STOP_FILE = "stop.json"


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def daemon_status(profile: Profile) -> dict[str, Any]:
    """``{"running", "profile", "supervisor": {"pid"}, "workers": [{"pid", "alive", "ready"}], "log", ...}``.

    A pid file left behind by a supervisor that died is reported as ``stale_pid_file`` (and not trusted).
    """
    files = DaemonFiles.of(profile)
    running = files.supervisor_alive()
    pid = files.read_pid()
    status: dict[str, Any] = {"profile": profile.name, "running": running, "broker": profile.broker.split("@")[-1],
                              "log": str(files.log), "supervisor": None, "workers": [], "wanted": 0}
    if not running:
        if pid is not None or files.status.exists():
            status["stale_pid_file"] = str(files.pid)
        return status
    data = files.read_json(files.status) or {}
    status["supervisor"] = {"pid": pid, "started": (data.get("supervisor") or {}).get("started")}
    status["wanted"] = data.get("wanted", 0)
    for worker in data.get("workers", []):
        wpid = worker.get("pid")
        status["workers"].append({"pid": wpid, "started": worker.get("started"), "alive": _alive(wpid),
                                  "ready": (files.folder / f"ready-{wpid}").exists()})
    return status


def is_running(profile: Profile) -> bool:
    return DaemonFiles.of(profile).supervisor_alive()


def _clear_stale(files: DaemonFiles) -> str | None:
    if files.supervisor_alive():
        return None
    note = None
    if files.pid.exists() or files.status.exists():
        note = f"removed a stale pid file ({files.pid}) left by a daemon that did not stop cleanly"
    files.pid.unlink(missing_ok=True)
    files.status.unlink(missing_ok=True)
    for ready in files.folder.glob("ready-*") if files.folder.exists() else []:
        ready.unlink(missing_ok=True)
    return note


def start_daemon(profile: Profile, workers: int = 1, *, wait: float = 30.0, stop_timeout: float = 30.0) -> dict[str, Any]:
    """Start the supervisor and ``workers`` workers in the background; returns :func:`daemon_status`.

    Raises :class:`DaemonError` if it runs already, the broker is unreachable, or the workers do not
    come up within ``wait`` seconds (the message carries the end of the log).
    """
    if workers < 1:
        raise DaemonError(f"the number of workers must be at least 1, got {workers}")
    files = DaemonFiles.of(profile)
    files.ensure()
    if files.supervisor_alive():
        raise DaemonError(f"the daemon of profile {profile.name!r} is running already "
                          f"(supervisor pid {files.read_pid()}); use `jprov daemon restart` or `incr`")
    note = _clear_stale(files)
    (files.folder / STOP_FILE).unlink(missing_ok=True)
    get_broker(profile).check()
    files.write_json(files.wanted, {"workers": workers})
    env = dict(os.environ, JPROV_PROFILE=profile.name)
    with open(files.log, "ab", buffering=0) as log_handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_prov.daemon.supervisor", "--profile", profile.name,
             "--workers", str(workers), "--stop-timeout", str(stop_timeout)],
            stdin=subprocess.DEVNULL, stdout=log_handle, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        status = daemon_status(profile)
        if status["running"] and len([w for w in status["workers"] if w["ready"]]) >= workers:
            if note:
                status["note"] = note
            return status
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    tail = read_log(profile, lines=20)
    if proc.poll() is None:
        stop_daemon(profile, timeout=10)
    raise DaemonError(f"the daemon of profile {profile.name!r} did not start within {wait:.0f} s; "
                      f"end of {files.log}:\n{tail}")


def stop_daemon(profile: Profile, *, timeout: float = 60.0) -> dict[str, Any]:
    """Stop the daemon: workers take no new work, each running process goes on to its next checkpoint (a work
    chain step, a calc job poll, the end of a process function) and gives back its lease; a worker still busy
    after ``timeout`` seconds is killed (its process runs again from its last checkpoint). Returns what was stopped."""
    files = DaemonFiles.of(profile)
    if not files.supervisor_alive():
        note = _clear_stale(files)
        return {"stopped": False, "message": f"the daemon of profile {profile.name!r} is not running"
                + (f" ({note})" if note else "")}
    pid = files.read_pid()
    if pid is None:  # the supervisor ended (and removed its pid file) since supervisor_alive() looked
        _clear_stale(files)
        return {"stopped": False, "message": f"the daemon of profile {profile.name!r} is not running"}
    files.write_json(files.folder / STOP_FILE, {"timeout": timeout})  # read by the supervisor on SIGTERM
    try:
        supervisor = psutil.Process(pid)
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout + 15)  # the supervisor kills its workers after `timeout`, then cleans up
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    deadline = time.monotonic() + 5
    while files.supervisor_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    _clear_stale(files)
    return {"stopped": True, "supervisor": pid}


def restart_daemon(profile: Profile, workers: int | None = None, *, timeout: float = 60.0,
                   **kwargs: Any) -> dict[str, Any]:
    """Stop (gracefully, see :func:`stop_daemon`; ``timeout``), then start with the same number of workers
    (or ``workers``): the new workers import the current code of the scientist's modules."""
    files = DaemonFiles.of(profile)
    previous = (files.read_json(files.wanted) or {}).get("workers", 1)
    stop_daemon(profile, timeout=timeout)
    return start_daemon(profile, workers or previous, **kwargs)


def scale_daemon(profile: Profile, delta: int, *, wait: float = 30.0) -> dict[str, Any]:
    """Add (``delta`` > 0) or remove workers of the running daemon (at least one stays)."""
    files = DaemonFiles.of(profile)
    if not files.supervisor_alive():
        raise DaemonError(f"the daemon of profile {profile.name!r} is not running; start it with `jprov daemon start`")
    status = daemon_status(profile)
    wanted = max(1, int(status["wanted"] or len(status["workers"])) + delta)
    files.write_json(files.wanted, {"workers": wanted})
    pid = files.read_pid()
    if pid is None:  # the supervisor ended since supervisor_alive() looked
        raise DaemonError(f"the daemon of profile {profile.name!r} is not running; start it with `jprov daemon start`")
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        status = daemon_status(profile)
        if status["wanted"] == wanted and len([w for w in status["workers"] if w["ready"]]) == wanted:
            return status
        time.sleep(0.1)
    raise DaemonError(f"the daemon did not reach {wanted} workers within {wait:.0f} s; see {files.log}")


def read_log(profile: Profile, lines: int = 50) -> str:
    files = DaemonFiles.of(profile)
    try:
        with open(files.log, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 200 * lines))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
