"""Push, not poll: process state changes and daemon status reach /api/events/subscribe (the event bus
JupyterLab's EventManager reads), with small payloads, within a second of the change."""

from __future__ import annotations

import asyncio
import json
import time
import warnings

import pytest

from jupyter_prov.server.events import DAEMON_STATUS_SCHEMA, PROCESS_STATE_SCHEMA, coalesce, process_event
from tests.timing import stretched


async def _push_mode(api, timeout: float = 15.0) -> None:
    code, body = await api("status", params={"health": "true"})  # loads the profile: the bridge starts
    assert code == 200, body
    deadline = time.monotonic() + timeout
    while body["events"] != "push":
        assert time.monotonic() < deadline, f"the event bridge is {body['events']!r}, not pushing"
        await asyncio.sleep(0.1)
        body = (await api("status"))[1]


async def _next_event(ws, schema: str, predicate, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {schema} event within {timeout} s"
        message = await asyncio.wait_for(ws.read_message(), remaining)
        assert message is not None, "the event socket closed"
        event = json.loads(message)
        if event.get("schema_id") == schema and predicate(event):
            return event


def _queued():
    from jupyter_prov.daemon import submission
    from jupyter_prov.engine import submit
    from jupyter_prov.orm import Int
    from tests.daemon.processes import add

    submission._warned.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return submit(add, x=Int(1), y=Int(2))


async def test_a_kill_is_pushed_to_event_subscribers_within_a_second(api, jp_ws_fetch, profile):
    ws = await jp_ws_fetch("api", "events", "subscribe")
    await _push_mode(api)
    daemon = await _next_event(ws, DAEMON_STATUS_SCHEMA, lambda e: True, 10)
    assert {k: daemon[k] for k in ("profile", "running", "workers")} == {"profile": profile.name, "running": False,
                                                                         "workers": 0}
    node = _queued()
    start = time.monotonic()
    code, body = await api("processes", str(node.pk), "kill", method="POST")
    assert code == 200 and body["result"] == {str(node.pk): "killed"}
    event = await _next_event(ws, PROCESS_STATE_SCHEMA, lambda e: e["pk"] == node.pk, stretched(5.0))
    assert time.monotonic() - start < stretched(1.0)
    payload = {k: v for k, v in event.items() if k != "schema_id"}
    assert payload == {"profile": profile.name, "pk": node.pk, "state": "killed", "exit_status": None}
    ws.close()


@pytest.fixture
def rabbitmq_profile(profile):
    """The test's profile with RabbitMQ as its broker (names unique to this session), loaded."""
    from jupyter_prov.orm import current
    from tests.conftest import IN_CI
    from tests.daemon.conftest import _rabbitmq_reachable, make_daemon_profile
    from tests.machine_locks import machine_lock

    with machine_lock("rabbitmq", shared=True):
        problem = _rabbitmq_reachable()
        if problem:
            (pytest.fail if IN_CI else pytest.skip)(problem)
        served = make_daemon_profile(profile, "rabbitmq")
        current.load_profile(served.name)
        yield served
        current.load_profile(profile.name)


async def test_events_are_pushed_through_rabbitmq_too(api, jp_ws_fetch, rabbitmq_profile):
    ws = await jp_ws_fetch("api", "events", "subscribe")
    await _push_mode(api)
    node = _queued()
    code, body = await api("processes", "control", method="POST", body={"action": "pause", "pks": [node.pk]})
    assert code == 200 and body["result"] == {str(node.pk): "paused"}
    event = await _next_event(ws, PROCESS_STATE_SCHEMA, lambda e: e["pk"] == node.pk, stretched(5.0))
    assert (event["state"], event["profile"]) == ("paused", rabbitmq_profile.name)
    ws.close()


def test_broker_messages_are_hints_a_malformed_one_is_dropped():
    assert process_event("p", {"pk": 3, "state": "running", "worker": "w1", "time": 1.0}) == {
        "profile": "p", "pk": 3, "state": "running", "exit_status": None}
    assert process_event("p", {"pk": 3, "state": "finished", "exit_status": 0})["exit_status"] == 0
    for bad in ([1], {"pk": "3", "state": "running"}, {"pk": True, "state": "x"}, {"pk": 3, "state": ""},
                {"pk": 3, "state": "x" * 33}, {"pk": 3}, None):
        assert process_event("p", bad) is None, bad
    assert process_event("p", {"pk": 3, "state": "finished", "exit_status": "0"})["exit_status"] is None


def test_a_burst_is_coalesced_to_the_newest_state_per_process():
    events = [{"pk": 1, "state": "running"}, {"pk": 2, "state": "running"}, {"pk": 1, "state": "finished"}]
    assert coalesce(events) == [{"pk": 2, "state": "running"}, {"pk": 1, "state": "finished"}]


def test_the_event_schemas_validate_our_payloads_and_refuse_others():
    import logging

    from jupyter_events import EventLogger

    from jupyter_prov.server.events import register_schemas

    logger = EventLogger(handlers=[logging.NullHandler()])  # with no handler, emit validates nothing
    register_schemas(logger)
    logger.emit(schema_id=PROCESS_STATE_SCHEMA, data={"profile": "p", "pk": 1, "state": "killed", "exit_status": None})
    logger.emit(schema_id=DAEMON_STATUS_SCHEMA, data={"profile": "p", "running": True, "workers": 2, "wanted": 2})
    with pytest.raises(Exception, match="pk"):
        logger.emit(schema_id=PROCESS_STATE_SCHEMA, data={"profile": "p", "state": "killed"})
