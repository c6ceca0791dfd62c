"""The health of a profile as plain data: profile, storage, repository, broker and daemon.

Whether the daemon runs is the daemon's own answer (:func:`jupyter_prov.daemon.daemon_status`: the
supervisor's lock is held), the same one ``jprov daemon status`` prints. Until this module, ``jprov
status`` looked for four pid-file names of which the daemon writes one, so the two commands could
disagree (a supervisor alive but reported "not running", or a leftover file of another name reported as
a daemon). A pid file the supervisor left behind when it died is *stale*: reported, never trusted.
"""

from __future__ import annotations

from typing import Any

from ..config import Profile
from ..orm.health import BROKER_TIMEOUT_S, Check, check_broker, check_profile, check_repository, check_storage

#: the parts in the order a person reads them (and ``jprov status`` prints them)
PARTS = ("profile", "storage", "repository", "broker", "daemon")


def check_daemon(profile: Profile) -> Check:
    """Does a daemon run for this profile? Not running is not a problem; a stale pid file is."""
    from ..daemon import daemon_status

    try:
        status = daemon_status(profile)
    except Exception as exc:  # noqa: BLE001 - an unreadable daemon folder is a problem to report, not to raise
        return Check("daemon", False, f"cannot tell whether the daemon runs: {type(exc).__name__}: {exc}",
                     {"running": False, "pid": None, "workers": []})
    workers = [{"pid": w.get("pid"), "alive": bool(w.get("alive")), "ready": bool(w.get("ready")),
                "started": w.get("started")} for w in status.get("workers", [])]
    if status["running"]:
        pid = (status.get("supervisor") or {}).get("pid")
        return Check("daemon", True, f"running (pid {pid}, {len(workers)} worker(s))",
                     {"running": True, "pid": pid, "workers": workers, "log": status.get("log")})
    stale = status.get("stale_pid_file")
    if stale:
        return Check("daemon", False, f"not running, but a stale pid file {stale} is left by a daemon that did "
                     "not stop cleanly (`jprov daemon start` removes it)",
                     {"running": False, "pid": None, "workers": [], "pid_file": stale})
    return Check("daemon", True, "not running", {"running": False, "pid": None, "workers": []})


def checks(profile_name: str | None = None, *, broker_timeout: float = BROKER_TIMEOUT_S) -> list[dict[str, Any]]:
    """Every check of a profile (the default one if ``None``) in :data:`PARTS` order, each
    ``{"name", "ok", "message", "details"}``; only the profile check when the profile does not load."""
    profile_check, profile = check_profile(profile_name)
    if profile is None:
        return [profile_check.to_json()]
    found = [profile_check, check_storage(profile), check_repository(profile),
             check_broker(profile, broker_timeout), check_daemon(profile)]
    return [check.to_json() for check in found]


def status(profile_name: str | None = None, *, broker_timeout: float = BROKER_TIMEOUT_S) -> dict[str, Any]:
    """``{"ok", "profile", "storage", "repository", "broker", "daemon"}``: each part a check
    (``{"name", "ok", "message", "details"}``, ``None`` when the profile did not load); the daemon's also
    has ``running``, ``pid`` and ``workers`` (``[{pid, alive, ready, started}]``) at its top level."""
    found = {check["name"]: check for check in checks(profile_name, broker_timeout=broker_timeout)}
    result: dict[str, Any] = {"ok": all(check["ok"] for check in found.values())}
    for part in PARTS:
        result[part] = found.get(part)
    daemon = result["daemon"]
    if daemon is not None:
        details = daemon["details"]
        daemon.update(running=details["running"], pid=details["pid"], workers=details["workers"])
    return result
