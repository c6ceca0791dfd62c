"""Process lists and state texts as ORM objects, for the engine's and the daemon's own tests.

What people see of processes (lists, details, trees, reports) is :mod:`jupyter_prov.views.processes`,
which the CLI renders. These functions remain for tests that want process *nodes*; they ask the ORM's
named queries (no SQL here). Once those tests ask ``views.processes``, this module goes.
"""

from __future__ import annotations

from typing import Iterable

from ..orm import ProcessNode, ProcessState, load_nodes
from ..orm.lineage_queries import pending_requests, process_page

ACTIVE_STATES = (ProcessState.CREATED, ProcessState.RUNNING, ProcessState.WAITING)


def list_processes(*, states: Iterable[str] | None = None, all: bool = False, limit: int | None = 100) -> list[ProcessNode]:
    """Process nodes, newest first: the active ones, or ``all``, or those in ``states``."""
    wanted = [ProcessState(s).value for s in states] if states else None
    if wanted is None and not all:
        wanted = [s.value for s in ACTIVE_STATES]
    pks, _ = process_page(states=wanted, limit=limit or None)
    return load_nodes(pks)


def pending_request(node: ProcessNode) -> str | None:
    """A pause or kill requested from the daemon worker that runs ``node`` and not carried out yet."""
    if node.is_terminated or node.pk is None:
        return None
    return pending_requests([node.pk]).get(node.pk)


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
