"""/processes: list by state (paged), detail, tree, report, and pause/play/kill through the daemon's functions."""

from __future__ import annotations

import warnings

import pytest


def _submit_queued(count: int = 1):
    """Processes stored as ``created`` and queued for a daemon that does not run."""
    from jupyter_prov.daemon import submission
    from jupyter_prov.engine import submit
    from jupyter_prov.orm import Int
    from tests.daemon.processes import add

    submission._warned.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [submit(add, x=Int(i), y=Int(1)) for i in range(count)]


@pytest.fixture
def processes(profile):
    from jupyter_prov.orm import Int, Log
    from tests.daemon.processes import add

    finished = [add(Int(i), Int(2)).creator for i in range(2)]
    Log(finished[0], "added two numbers").store()
    Log(finished[0], "something odd", levelname="WARNING").store()
    return {"finished": finished, "created": _submit_queued(2)}


async def test_list_by_state_newest_first_and_paged(api, processes):
    code, body = await api("processes")
    assert code == 200, body
    assert body["total"] == 4 and [item["pk"] for item in body["items"]] == sorted(
        [p.pk for p in processes["finished"] + processes["created"]], reverse=True)
    code, body = await api("processes", params={"states": "created"})
    assert code == 200 and sorted(item["pk"] for item in body["items"]) == sorted(p.pk for p in processes["created"])
    assert all(item["state_text"] == "created" for item in body["items"])
    code, body = await api("processes", params={"states": "finished,created", "limit": "1", "offset": "1"})
    assert body["total"] == 4 and len(body["items"]) == 1 and body["offset"] == 1
    code, body = await api("processes", params={"root_only": "true", "states": "finished"})
    assert body["total"] == 2


async def test_list_bad_input(api, processes):
    code, body = await api("processes", params={"states": "sleeping"})
    assert code == 400 and body["message"].startswith("states: unknown state 'sleeping'")
    code, body = await api("processes", params={"limit": "1000"})
    assert code == 400 and "at most 500" in body["message"]


async def test_detail_tree_and_report(api, processes):
    calc = processes["finished"][0]
    code, body = await api("processes", str(calc.pk))
    assert code == 200, body
    assert body["pk"] == calc.pk and body["process_state"] == "finished" and body["sealed"] is True
    assert sorted(i["label"] for i in body["inputs"]) == ["x", "y"] and [o["label"] for o in body["outputs"]] == ["result"]
    code, tree = await api("processes", str(calc.pk), "tree")
    assert code == 200 and tree["pk"] == calc.pk and tree["children"] == [] and tree["truncated"] is False
    code, report = await api("processes", str(calc.pk), "report")
    assert code == 200 and [line["message"] for line in report["lines"]] == ["added two numbers", "something odd"]
    assert report["total"] == 2 and report["truncated"] is False
    code, warnings_only = await api("processes", str(calc.pk), "report", params={"levelname": "WARNING"})
    assert [line["level"] for line in warnings_only["lines"]] == ["WARNING"]
    code, capped = await api("processes", str(calc.pk), "report", params={"limit": "1"})
    assert len(capped["lines"]) == 1 and capped["total"] == 2 and capped["truncated"] is True


async def test_a_data_node_is_not_a_process_and_a_bad_pk_is_400(api, processes):
    output = processes["finished"][0].get_outgoing()[0].node
    code, body = await api("processes", str(output.pk))
    assert code == 404 and "not a processnode" in body["message"].lower(), body
    code, body = await api("processes", "abc")
    assert code == 400 and body["message"] == "process pk must be an integer, got 'abc'"
    code, body = await api("processes", "987654")
    assert code == 404


async def test_kill_a_queued_process_then_it_is_killed(api, processes):
    from jupyter_prov.orm import load_node

    queued = processes["created"][0]
    code, body = await api("processes", str(queued.pk), "kill", method="POST", body={"message": "not needed"})
    assert code == 200, body
    assert body == {"action": "kill", "result": {str(queued.pk): "killed"}}
    node = load_node(queued.pk)
    assert node.is_killed and "not needed" in node.get_attribute("process_status")
    code, again = await api("processes", str(queued.pk), "kill", method="POST")
    assert again["result"] == {str(queued.pk): "already killed"}


async def test_pause_and_play_a_queued_process(api, processes):
    from jupyter_prov.orm import load_node

    queued = processes["created"][1]
    code, body = await api("processes", "control", method="POST", body={"action": "pause", "pks": [queued.pk]})
    assert code == 200 and body["result"] == {str(queued.pk): "paused"}
    assert load_node(queued.pk).get_attribute("paused") is True
    code, listed = await api("processes", params={"states": "created"})
    assert next(i for i in listed["items"] if i["pk"] == queued.pk)["paused"] is True
    code, body = await api("processes", str(queued.pk), "play", method="POST")
    assert code == 200 and body["result"] == {str(queued.pk): "playing"}
    assert load_node(queued.pk).get_attribute("paused") is False


async def test_control_bad_input_changes_nothing(api, processes):
    from jupyter_prov.orm import load_node

    queued = processes["created"][0]
    code, body = await api("processes", "control", method="POST", body={"action": "stop", "pks": [queued.pk]})
    assert code == 400 and body["message"] == "action must be one of pause, play, kill, got 'stop'"
    code, body = await api("processes", "control", method="POST", body={"action": "kill", "pks": [queued.pk, 999999]})
    assert code == 404 and "999999" in body["message"]
    assert not load_node(queued.pk).is_terminated  # unknown pks raise before anything changes
    data_pk = processes["finished"][0].get_outgoing()[0].node.pk
    code, body = await api("processes", "control", method="POST", body={"action": "kill", "pks": [data_pk]})
    assert code == 400 and "only processes can be controlled" in body["message"]
    code, body = await api("processes", "control", method="POST", body={"action": "kill", "pks": []})
    assert code == 400 and body["message"] == "pks must be a non-empty list of integers"
    code, body = await api("processes", str(queued.pk), "kill", method="POST", body={"force": True})
    assert code == 400 and body["message"].startswith("unknown body field 'force'")
    assert not load_node(queued.pk).is_terminated
    code, body = await api("processes", str(queued.pk), "kill", method="GET")
    assert code == 405
