"""Hostile archives for the engine and daemon tests, built with the project's own export.

Each builder stores the nodes in the test's profile, exports them with :func:`create_archive`, then
empties the store (as if the archive came from someone else's profile) and returns the archive path
and the UUIDs of the processes in it.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_prov.archive import create_archive
from jupyter_prov.orm import CalcFunctionNode, Int, List, current, store_all
from tests.conftest import clean_storage


def _export_and_forget(path: Path, nodes) -> Path:
    create_archive(path, nodes=nodes)
    clean_storage(current.get_storage())
    current._state["user"] = None
    return path


def shell_job_touching(sentinel: Path):
    """A ShellJob in state ``created`` (with its checkpoint) whose command would create ``sentinel``."""
    from jupyter_prov.engine.launch import instantiate
    from jupyter_prov.engine.shell_jobs import ShellJob, localhost_computer, shell_code

    code = shell_code("touch", localhost_computer())
    process = instantiate(ShellJob, (), {"code": code, "arguments": List([str(sentinel)]),
                                         "metadata": {"options": {}}})
    store_all(process.prepare_created())  # stored, queued nowhere
    return process.node


def process_row(process_type: str, state: str = "created"):
    """A bare process row naming any ``process_type`` (an archive can say anything)."""
    x = Int(1).store()
    node = CalcFunctionNode(process_type=process_type)
    node.set_attribute("process_state", state)
    from jupyter_prov.orm import LinkType

    node.add_incoming(x, LinkType.INPUT_CALC, "x")
    return node.store()


def _age(nodes, hours: float) -> None:
    """Make the rows look stored long ago (a scan for "old, created, never queued" rows would take them)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from jupyter_prov.storage import schema

    with current.get_storage().transaction() as conn:
        conn.execute(update(schema.nodes).where(schema.nodes.c.id.in_([n.pk for n in nodes]))
                     .values(ctime=datetime.now(timezone.utc) - timedelta(hours=hours)))


def hostile_archive(path: Path, sentinel: Path, *, foreign_types=("os:system", "tests.engine.not_allowed:touch")
                    ) -> tuple[Path, list[str]]:
    """One archive with a created shell job touching ``sentinel`` and created processes of foreign types.

    Also a process of an allowed module (``tests.daemon.processes:add``) in each non-terminal state: an
    allowed module does not make an archive's process runnable either. Every row is an hour old.
    """
    nodes = [shell_job_touching(sentinel)]
    nodes += [process_row(process_type) for process_type in foreign_types]
    nodes += [process_row("tests.daemon.processes:add", state) for state in ("created", "running", "waiting")]
    _age(nodes, 1)
    uuids = [node.uuid for node in nodes]
    return _export_and_forget(path, nodes), uuids
