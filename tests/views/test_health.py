"""views.health: one answer to "is this profile usable, and does its daemon run?" for every face."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from jupyter_prov.views import health
from tests.views.test_nodes import assert_plain


def test_a_healthy_profile_has_every_part_ok_and_no_daemon(profile, backend_name):
    status = health.status(profile.name)
    assert_plain(status)
    assert status["ok"] is True
    assert [key for key in status if key != "ok"] == list(health.PARTS)
    assert status["storage"]["details"]["backend"] == backend_name
    assert (status["daemon"]["running"], status["daemon"]["pid"], status["daemon"]["workers"]) == (False, None, [])
    assert status["daemon"]["message"] == "not running"


def test_an_unknown_profile_is_one_failed_check(profile):
    status = health.status("no-such-profile")
    assert status["ok"] is False and "no-such-profile" in status["profile"]["message"]
    assert status["storage"] is None and status["daemon"] is None


def test_a_stale_supervisor_pid_file_is_a_problem_not_a_daemon(profile):
    folder = profile.folder / "daemon"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "supervisor.pid").write_text("999999999\n")
    try:
        daemon = health.status(profile.name)["daemon"]
        assert daemon["ok"] is False and daemon["running"] is False and "stale" in daemon["message"]
    finally:
        (folder / "supervisor.pid").unlink()


def test_pid_files_the_daemon_never_writes_are_ignored(profile):
    """eddaea3 read ``daemon.pid`` (and two other names nothing writes) and reported a daemon that
    ``jprov daemon status`` did not see."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (profile.folder / "daemon.pid").write_text(f"{other.pid}\n")
        daemon = health.status(profile.name)["daemon"]
        assert daemon["running"] is False and daemon["message"] == "not running"
    finally:
        other.kill()
        other.wait()
        (profile.folder / "daemon.pid").unlink()


def test_a_running_daemon_is_what_the_daemon_says(profile, backend_name):
    from jupyter_prov.daemon import daemon_status, start_daemon, stop_daemon

    if backend_name == "postgresql":
        pytest.skip("one daemon start pins the answer (it does not depend on the database); SQLite runs it")
    start_daemon(profile, workers=1)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not daemon_status(profile)["workers"]:
            time.sleep(0.2)
        expected = daemon_status(profile)
        daemon = health.status(profile.name)["daemon"]
        assert daemon["ok"] is True and daemon["running"] is True
        assert daemon["pid"] == expected["supervisor"]["pid"]
        assert [w["pid"] for w in daemon["workers"]] == [w["pid"] for w in expected["workers"]]
    finally:
        stop_daemon(profile)
    assert health.status(profile.name)["daemon"]["running"] is False
