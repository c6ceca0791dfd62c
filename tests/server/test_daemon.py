"""/daemon: status, start, add/remove workers, stop — a real daemon (OS processes) of the served profile —
with each change and the processes it runs pushed as events."""

from __future__ import annotations

import os

import pytest

from jupyter_prov.server.events import DAEMON_STATUS_SCHEMA, PROCESS_STATE_SCHEMA
from tests.daemon.conftest import REPO_ROOT, make_daemon_profile
from tests.server.test_events import _next_event, _push_mode
from tests.timing import stretched


@pytest.fixture
def daemon_profile(profile, monkeypatch):
    """The test's profile with the embedded broker and short leases, loaded; its daemon is stopped at the end."""
    from jupyter_prov.daemon import is_running, stop_daemon
    from jupyter_prov.orm import current

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")])))
    served = make_daemon_profile(profile, "embedded")
    current.load_profile(served.name)
    yield served
    if is_running(served):
        stop_daemon(served, timeout=30)
    current.load_profile(profile.name)


@pytest.mark.slow
async def test_start_scale_run_and_stop_the_daemon_with_events(api, jp_ws_fetch, daemon_profile):
    from jupyter_prov.engine import submit
    from jupyter_prov.orm import Float, Int
    from tests.daemon.processes import slow_add

    ws = await jp_ws_fetch("api", "events", "subscribe")
    await _push_mode(api)
    code, status = await api("daemon")
    assert code == 200 and status["running"] is False and status["profile"] == daemon_profile.name
    code, body = await api("daemon", "workers", method="POST", body={"delta": 1})
    assert code == 409 and "not running" in body["message"]

    code, started = await api("daemon", "start", method="POST", body={"workers": 1})
    assert code == 200, started
    assert started["running"] is True and len(started["workers"]) == 1
    event = await _next_event(ws, DAEMON_STATUS_SCHEMA, lambda e: e["running"], stretched(5))
    assert event["workers"] == 1 and event["profile"] == daemon_profile.name
    code, body = await api("daemon", "start", method="POST", body={"workers": 1})
    assert code == 409 and "running already" in body["message"]

    node = submit(slow_add, x=Int(1), y=Int(2), seconds=Float(0.2))
    finished = await _next_event(ws, PROCESS_STATE_SCHEMA, lambda e: e["pk"] == node.pk and e["state"] == "finished",
                                 stretched(30))
    assert finished["exit_status"] == 0

    code, scaled = await api("daemon", "workers", method="POST", body={"delta": 1})
    assert code == 200 and scaled["wanted"] == 2 and len(scaled["workers"]) == 2
    await _next_event(ws, DAEMON_STATUS_SCHEMA, lambda e: e["workers"] == 2, stretched(5))
    code, scaled = await api("daemon", "workers", method="POST", body={"delta": -1})
    assert code == 200 and scaled["wanted"] == 1

    code, stopped = await api("daemon", "stop", method="POST")
    assert code == 200 and stopped["stopped"] is True
    await _next_event(ws, DAEMON_STATUS_SCHEMA, lambda e: not e["running"], stretched(5))
    code, status = await api("daemon")
    assert status["running"] is False
    ws.close()


@pytest.mark.parametrize(("route", "body", "message"), [
    ("start", {"workers": 0}, "workers must be between 1 and 32, got 0"),
    ("start", {"workers": "two"}, "workers must be an integer, got 'two'"),
    ("workers", {}, "missing body field 'delta'"),
    ("workers", {"delta": 0}, "delta must be a non-zero number of workers to add (+) or remove (-)"),
    ("stop", {"timeout": 1}, "unknown body field 'timeout' (known: none)"),
])
async def test_bad_daemon_requests_are_400_and_start_nothing(api, profile, route, body, message):
    from jupyter_prov.daemon import is_running

    code, reply = await api("daemon", route, method="POST", body=body)
    assert code == 400 and reply["message"] == message
    assert not is_running(profile)
