"""jprov status: one line per part, OK or the problem."""

import json

from click.testing import CliRunner

from jupyter_prov.cli import main


def test_status_of_a_healthy_profile(run, backend_name):
    checks = run.json("status")
    assert [c["name"] for c in checks] == ["profile", "storage", "repository", "broker", "daemon"]
    assert all(c["ok"] for c in checks), checks
    storage = checks[1]
    assert storage["details"]["backend"] == backend_name
    assert checks[4]["message"] == "not running"
    text = run("status").output
    assert "storage" in text and "OK" in text


def test_status_of_an_unknown_profile(profile):
    result = CliRunner().invoke(main, ["-p", "no-such-profile", "status", "--json"])
    assert result.exit_code == 1
    checks = json.loads(result.output)
    assert checks[0]["ok"] is False and "no-such-profile" in checks[0]["message"]


def test_status_reports_an_unreachable_broker(profile, jprov_home):
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for

    config = get_config()
    bad = default_profile_for("broker-down", broker="amqp://guest:guest@127.0.0.1:1//")
    config.add_profile(bad)
    config.save()
    try:
        result = CliRunner().invoke(main, ["-p", "broker-down", "status", "--json", "--broker-timeout", "1"])
        assert result.exit_code == 1
        broker = [c for c in json.loads(result.output) if c["name"] == "broker"][0]
        assert broker["ok"] is False and "127.0.0.1:1" in broker["message"]
    finally:
        config = get_config()
        config.remove_profile("broker-down")
        config.save()


def test_status_reports_a_stale_daemon_pid_file(run, profile):
    pid_file = profile.folder / "daemon" / "supervisor.pid"  # the one the daemon writes (daemon/daemon_files.py)
    pid_file.parent.mkdir(exist_ok=True)
    pid_file.write_text("999999999\n")
    try:
        result = run("status", "--json", code=1)
        daemon = json.loads(result.output)[-1]
        assert daemon["ok"] is False and "stale" in daemon["message"]
        assert "stale_pid_file" in run.json("daemon", "status")  # one answer: the daemon's own
    finally:
        pid_file.unlink()


def test_status_and_daemon_status_give_one_answer(run, profile):
    """A ``daemon.pid`` naming a live process that is no daemon: eddaea3's ``jprov status`` said "running",
    ``jprov daemon status`` said not running. Both ask the daemon now (its supervisor lock)."""
    import subprocess
    import sys

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    pid_file = profile.folder / "daemon.pid"
    pid_file.write_text(f"{other.pid}\n")
    try:
        daemon = run.json("status")[-1]
        assert daemon["message"] == "not running" and daemon["details"]["running"] is False
        assert run.json("daemon", "status")["running"] is False
    finally:
        other.kill()
        other.wait()
        pid_file.unlink()
