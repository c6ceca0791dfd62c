"""A running daemon runs nothing that came from an archive: hostile archives imported under real workers.

The archive holds a shell job in state ``created`` whose command would create a sentinel file,
processes in ``created`` naming a foreign process type (``os:system``) and a module nobody allowed
(``tests.engine.not_allowed``, whose import creates a second sentinel), and processes of an allowed
module in ``created``/``running``/``waiting``, all stored an hour ago. After the import a broker message
names each of them too. Within a wait longer than every scan the workers do (scan 0.5 s, and the
"created but never queued" scan that once ran such a shell job came 30 s after a worker started),
nothing runs: no sentinel, no state or attribute changed, no queue row, no new node.
"""

from __future__ import annotations

import time

from jupyter_prov.archive import import_archive
from jupyter_prov.daemon import leases
from jupyter_prov.daemon.broker import Broker
from jupyter_prov.daemon.daemon_files import DaemonFiles
from jupyter_prov.orm import QueryBuilder, current, load_node
from tests.engine.hostile_archives import hostile_archive

#: longer than the scan interval many times over, and than the old reconcile scan's first round (30 s after
#: a worker started, then a scan interval and the grace period before a worker took what it queued)
WAIT_SECONDS = 40.0


def _node_count() -> int:
    from jupyter_prov.orm import Node

    return QueryBuilder().append(Node).count()


def test_a_daemon_runs_nothing_from_hostile_archives(daemon_profile, tmp_path, monkeypatch):
    from jupyter_prov.daemon import start_daemon

    import_sentinel = tmp_path / "module-imported"
    monkeypatch.setenv("JPROV_TEST_SENTINEL", str(import_sentinel))  # the workers inherit it
    shell_sentinel = tmp_path / "shell-ran"
    path, uuids = hostile_archive(tmp_path / "hostile.zip", shell_sentinel)

    start_daemon(daemon_profile, 2)  # returns when the workers are ready: their scans have started
    started = time.monotonic()
    import_archive(path)
    nodes = [load_node(uuid) for uuid in uuids]
    before = {node.uuid: dict(node.attributes) for node in nodes}
    count = _node_count()
    broker = Broker(daemon_profile)
    broker.publish_continue([node.pk for node in nodes])  # a message naming them is not enough either

    deadline = started + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert not shell_sentinel.exists(), "the imported shell job ran"
        assert not import_sentinel.exists(), "a worker imported a module nobody allowed"
        time.sleep(0.5)

    storage = current.get_storage()
    assert {uuid: dict(load_node(uuid).attributes) for uuid in uuids} == before
    assert all(leases.get(storage, node.pk) is None for node in nodes)
    assert _node_count() == count
    log = DaemonFiles.of(daemon_profile).log.read_text(errors="replace")
    assert log.count("it has no queue row") >= len(nodes)
    assert "queuing" not in log
