"""A process imported from an archive is a record: it never runs, whatever state the archive says it is in."""

from __future__ import annotations

import pytest

from jupyter_prov.archive import import_archive
from jupyter_prov.engine import continue_process
from jupyter_prov.engine.imported import imported_process_attributes
from jupyter_prov.orm import ProcessState, load_node
from tests.engine.hostile_archives import hostile_archive


@pytest.fixture
def hostile(profile, tmp_path):
    sentinel = tmp_path / "sentinel"
    path, uuids = hostile_archive(tmp_path / "hostile.zip", sentinel)
    return path, uuids, sentinel


def test_imported_processes_are_terminal_and_say_why(hostile):
    path, uuids, sentinel = hostile
    import_archive(path)
    for uuid in uuids:
        node = load_node(uuid)
        assert node.process_state is ProcessState.KILLED, node
        assert node.is_sealed
        assert node.checkpoint is None
        assert "imported from an archive" in node.process_status
    assert not sentinel.exists()


def test_continue_process_never_runs_an_imported_process(hostile):
    path, uuids, sentinel = hostile
    import_archive(path)
    for uuid in uuids:
        node = continue_process(load_node(uuid).pk)
        assert node.process_state is ProcessState.KILLED
    assert not sentinel.exists()


def test_play_refuses_an_imported_process(hostile):
    from jupyter_prov.daemon import play

    path, uuids, sentinel = hostile
    import_archive(path)
    report = play([load_node(uuid).pk for uuid in uuids])
    assert set(report.values()) == {"already killed"}
    assert not sentinel.exists()


def test_the_node_hash_of_an_imported_process_is_unchanged(hostile):
    """Only attributes outside the hash change (state, status, sealed, checkpoint)."""
    path, uuids, _sentinel = hostile
    import_archive(path)
    for uuid in uuids:
        node = load_node(uuid)
        if node.node_hash is not None:
            assert node.compute_hash() == node.node_hash


@pytest.mark.parametrize("attributes, expected", [
    ({"process_state": "created", "checkpoint": {"x": 1}}, "killed"),
    ({"process_state": "running", "paused": True}, "killed"),
    ({"process_state": "not-a-state"}, "killed"),
    ({}, "killed"),
    ({"process_state": "finished", "exit_status": 0}, "finished"),
])
def test_imported_process_attributes(attributes, expected):
    settled = imported_process_attributes(attributes)
    assert settled["process_state"] == expected
    assert settled["sealed"] is True
    assert "checkpoint" not in settled and "paused" not in settled
    assert imported_process_attributes(settled) is None  # settled already: left as it is
    assert imported_process_attributes("not an object") is None
