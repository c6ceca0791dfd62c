"""What people look at about processes: lists, summaries, status trees and log trees.

The CLI (``jprov process``), the notebook magics and the REST API all print from these functions.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select

from ..orm import Log, ProcessNode, ProcessState, current, load_nodes
from ..orm.links import CALL_LINKS
from ..storage import schema
from .process import iter_descendants

ACTIVE_STATES = (ProcessState.CREATED, ProcessState.RUNNING, ProcessState.WAITING)


def list_processes(*, states: Iterable[str] | None = None, all: bool = False, limit: int | None = 100) -> list[ProcessNode]:
    """Process nodes, newest first: the active ones, or ``all``, or those in ``states``."""
    table = schema.nodes
    stmt = select(table.c.id).where(table.c.node_type.startswith("process")).order_by(table.c.id.desc())
    wanted = [ProcessState(s).value for s in states] if states else None
    if wanted is None and not all:
        wanted = [s.value for s in ACTIVE_STATES]
    if wanted is not None:
        stmt = stmt.where(table.c.attributes["process_state"].as_string().in_(wanted))
    if limit:
        stmt = stmt.limit(limit)
    with current.get_storage().connection() as conn:
        pks = conn.execute(stmt).scalars().all()
    return load_nodes(pks)


def pending_request(node: ProcessNode) -> str | None:
    """A pause or kill requested from the daemon worker that runs ``node`` and not carried out yet."""
    if node.is_terminated or node.pk is None:
        return None
    leases = schema.process_leases
    with current.get_storage().connection() as conn:
        return conn.execute(select(leases.c.action).where(leases.c.node_id == node.pk)).scalar()


def state_text(node: ProcessNode) -> str:
    """``running``, ``waiting (paused)``, ``running (pausing)``, ``finished [0] (cached)``, ..."""
    state = node.process_state
    text = state.value if state else "?"
    if state is ProcessState.FINISHED:
        text += f" [{node.exit_status}]"
    if node.get_attribute("cached_from", None):
        text += " (cached)"
    if not node.is_terminated:
        request = pending_request(node)
        if request:
            text += f" ({request.rstrip('e')}ing)"  # pausing, killing: the worker acts at the next boundary
        elif node.get_attribute("paused", False):
            text += " (paused)"
    return text


def process_summary(node: ProcessNode) -> dict[str, Any]:
    """The facts of one process: type, state, exit, caching source, inputs, outputs, caller and called."""
    caller = node.caller
    return {
        "pk": node.pk, "uuid": node.uuid, "type": node.node_type, "process_type": node.process_type,
        "process_label": node.process_label, "label": node.label, "state": node.process_state.value if node.process_state else None,
        "exit_status": node.exit_status, "exit_message": node.exit_message,
        "exception": node.get_attribute("exception", None), "cached_from": node.get_attribute("cached_from", None),
        "process_status": node.get_attribute("process_status", None), "paused": node.get_attribute("paused", None),
        "request": pending_request(node),
        "ctime": node.ctime.isoformat(), "mtime": node.mtime.isoformat(), "sealed": node.is_sealed,
        "caller": caller.pk if caller else None,
        "inputs": [{"label": t.link_label, "pk": t.node.pk, "type": type(t.node).__name__}
                   for t in node.get_incoming() if t.link_type not in CALL_LINKS],
        "outputs": [{"label": t.link_label, "pk": t.node.pk, "type": type(t.node).__name__} for t in
                    node.get_outgoing(("create", "return"))],
        "called": [{"label": t.link_label, "pk": t.node.pk, "process_label": t.node.process_label,
                    "state": state_text(t.node)} for t in node.get_outgoing(CALL_LINKS)],
    }


def status_tree(node: ProcessNode) -> list[str]:
    """Lines of the tree of ``node`` and the processes it called, with their states."""
    lines = [f"{node.process_label or type(node).__name__}<{node.pk}> {state_text(node)}"]
    for depth, child in iter_descendants(node):
        lines.append(f"{'    ' * (depth - 1)}└── {child.process_label or type(child).__name__}<{child.pk}> {state_text(child)}")
    return lines


def log_tree(node: ProcessNode, *, levelname: str | None = None) -> list[tuple[int, ProcessNode, list[Log]]]:
    """(depth, process, its logs) for ``node`` and every process below it."""
    entries = [(0, node), *iter_descendants(node)]
    result = []
    for depth, process in entries:
        logs = Log.for_node(process)
        if levelname:
            logs = [log for log in logs if log.levelname == levelname.upper()]
        result.append((depth, process, logs))
    return result
