"""The hostile-archive suite with a daemon running: its workers run nothing and write nothing, whatever is imported.

The target holds a provenance graph of its own (a sealed calculation, a workflow, files). With the daemon up
(real worker processes, scans every 0.5 s), archives of the hostile suite are imported one after the other:
refused ones (a row that is not JSON, a process type with a newline, an input smuggled into the sealed
calculation, a file tree leaving its folder, a member listed twice, a bomb over the budget), each leaving
every table's digest and the repository's object list as they were even with the workers scanning beside
the import; then an accepted one holding a shell job in ``created`` whose command would create a sentinel,
processes naming ``os:system`` and a module nobody allowed (importing it creates a second sentinel), and
processes of an allowed module in ``created``/``running``/``waiting``. A broker message then names each
imported process. Until 40 s after the workers started (longer than every scan they do, and than the first
round of the old "created but never queued" scan that once ran such a shell job), nothing runs: no
sentinel, no lease, and not one row of any table changes after the last import. SQLite and PostgreSQL,
embedded broker (tests/daemon/test_hostile_imports.py runs the process archive on RabbitMQ too).
"""

from __future__ import annotations

import json
import time
import uuid as uuid_module
from pathlib import Path

import pytest

from jupyter_prov.archive import ArchiveIntegrityError, create_archive, import_archive
from jupyter_prov.orm import load_node
from tests.daemon.conftest import daemon_profile, rabbitmq_in_use  # noqa: F401 - fixtures used here
from tests.engine.hostile_archives import hostile_archive

from .conftest import build_graph
from .hostile import assert_refused_unchanged, copy_node, edit_archive, link, snapshot
from .hostile_zip import Member, content_with_key_after, deflate, key_of, members_of, write_zip

WAIT_SECONDS = 40.0
KEY = "a" * 64

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def broker_kind() -> str:
    return "embedded"


def _refused_archives(graph, exported: Path, folder: Path) -> list[tuple[Path, str]]:
    """(archive, what its refusal says) for a cross-section of the hostile suite."""
    smuggled = str(uuid_module.uuid4())
    bomb = content_with_key_after(b"\x00" * (40 * 2**20))
    with_bomb = edit_archive(exported, folder / "with-bomb.jprov", sql=[
        copy_node(graph.total.uuid, str(uuid_module.uuid4()), repository_metadata=json.dumps({"z.bin": key_of(bomb)}),
                  node_hash=None)])
    members = members_of(exported)
    metadata = next(member for member in members if member.name == "metadata.json")
    new = [str(uuid_module.uuid4()) for _ in range(3)]  # rows of new nodes (the archive's copies of the
    return [  # target's own nodes are never read)
        (edit_archive(exported, folder / "row.jprov", sql=[copy_node(graph.calc.uuid, new[0], attributes="{not json")]),
         f"db_node row uuid {new[0]} .*column attributes: not JSON"),
        (edit_archive(exported, folder / "ptype.jprov", sql=[
            copy_node(graph.calc.uuid, new[1], process_type="os:system\n")]),
         "column process_type: must be printable"),
        (edit_archive(exported, folder / "input.jprov", sql=[
            copy_node(graph.x.uuid, smuggled), link(smuggled, graph.calc.uuid, "smuggled", "input_calc")]),
         f"input_calc link 'smuggled'.*into node {graph.calc.uuid}"),
        (edit_archive(exported, folder / "tree.jprov", sql=[
            copy_node(graph.total.uuid, new[2], repository_metadata=json.dumps({"..": {"escaped.txt": KEY}}))],
            add={f"repo/{KEY}": b"planted"}),
         r"file name '\.\.' is not allowed"),
        (write_zip(folder / "twice.jprov", members + [Member("metadata.json", metadata.data[:-1] + b', "x": 1}')]),
         "'metadata.json' is listed twice"),
        (write_zip(folder / "bomb.jprov", members_of(with_bomb) + [Member(f"repo/{key_of(bomb)}", bomb,
                                                                          payload=deflate(bomb, 9))]),
         "more than the budget"),
    ]


def test_a_daemon_beside_the_hostile_imports_runs_and_writes_nothing(daemon_profile, tmp_path, monkeypatch):
    from jupyter_prov.daemon import leases, start_daemon
    from jupyter_prov.daemon.broker import Broker
    from jupyter_prov.orm import current

    import_sentinel = tmp_path / "module-imported"
    monkeypatch.setenv("JPROV_TEST_SENTINEL", str(import_sentinel))  # the workers inherit it
    shell_sentinel = tmp_path / "shell-ran"
    processes, uuids = hostile_archive(tmp_path / "processes.jprov", shell_sentinel)  # (empties the store)
    graph = build_graph()  # the target's own graph
    exported = tmp_path / "graph.jprov"
    create_archive(exported, all=True)
    refused = _refused_archives(graph, exported, tmp_path)
    storage = current.get_storage()

    start_daemon(daemon_profile, 1)  # returns when the worker is ready: its scans have started
    started = time.monotonic()
    monkeypatch.setenv("JPROV_ARCHIVE_MAX_EXPANDED_SIZE", "32MiB")  # (this process only: the worker runs already)
    for path, match in refused:
        assert_refused_unchanged(storage, path, match)
    monkeypatch.delenv("JPROV_ARCHIVE_MAX_EXPANDED_SIZE")
    import_archive(processes)
    nodes = [load_node(uuid) for uuid in uuids]
    Broker(daemon_profile).publish_continue([node.pk for node in nodes])  # a message naming them is not enough
    after_import = snapshot(storage)
    deadline = started + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert not shell_sentinel.exists(), "the imported shell job ran"
        assert not import_sentinel.exists(), "a worker imported a module nobody allowed"
        time.sleep(0.5)
    assert all(leases.get(storage, node.pk) is None for node in nodes)
    changed = [name for name, digest in snapshot(storage).items() if after_import[name] != digest]
    assert not changed, f"the daemon changed {changed} after the imports"
    with pytest.raises(ArchiveIntegrityError):  # and the target's own graph is still guarded
        import_archive(refused[2][0])
