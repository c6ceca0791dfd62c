"""Writing a process's state: every change of ``process_state`` goes through here, checked and written once.

- :func:`set_state`: a transition, checked against :data:`~jupyter_prov.orm.nodes.process.TRANSITIONS`,
  with the attributes that change with it, in one write;
- :func:`kill_node` (a process and its non-terminal children, killed here), :func:`mark_killed`,
  :func:`mark_excepted`, :func:`mark_paused` (what the lease holder writes when the daemon stops, fails or
  pauses a process it runs; before, the daemon had its own copies of these writes);
- writes that must not queue behind SQLite's busy handler take the backend's
  :meth:`~jupyter_prov.storage.backend.StorageBackend.write_turn` first (graph tasks ending together).

A calc job's scheduler job is cancelled before the process is recorded killed (:mod:`.job_cancel`,
imported when a calc job is killed: it needs the transports, which import paramiko).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..errors import ProcessError
from ..orm import Node, ProcessNode, ProcessState, current
from ..orm.nodes.process import TRANSITIONS, CalcJobNode


def set_state(node: ProcessNode, state: ProcessState, **attributes: Any) -> None:
    """Move ``node`` to ``state`` (checked against the allowed transitions) and set ``attributes``, in one write."""
    previous = node.process_state
    if state is not previous and state not in TRANSITIONS[previous]:
        raise ProcessError(f"{node!r}: the process state cannot go from {previous or 'nothing'} to {state.value}")
    node.set_attribute_many({"process_state": state.value, **attributes})


def _cancel_job(node: ProcessNode, message: str) -> str:
    """Cancel the scheduler job of a calc job being killed; the message says how that went."""
    if not isinstance(node, CalcJobNode):
        return message
    from .job_cancel import cancel_job

    note = cancel_job(node)
    return f"{message}; {note}" if note else message


def kill_node(node: ProcessNode, message: str = "killed") -> bool:
    """Kill a non-terminal process and, first, its non-terminal children; ``False`` if it was terminal."""
    if node.is_terminated:
        return False
    for child in node.called:
        kill_node(child, f"caller {node.pk} was killed")
    message = _cancel_job(node, message)
    with current.get_storage().transaction():
        set_state(node, ProcessState.KILLED, process_status=message, sealed=True, checkpoint=None)
    return True


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def mark_killed(node: ProcessNode, message: str = "killed by user") -> None:
    """Record ``node`` killed by its lease holder (its children are the controller's business), sealed."""
    if node.is_terminated:
        return
    message = _cancel_job(node, message)
    node.set_attribute_many({"process_state": ProcessState.KILLED.value, "process_status": message,
                             "paused": False, "checkpoint": None, "ended_at": _now()})
    node.seal()


def mark_excepted(node: ProcessNode, message: str) -> None:
    """Record ``node`` excepted with ``message`` (a worker could not run it), sealed."""
    if node.is_terminated:
        return
    node.set_attribute_many({"process_state": ProcessState.EXCEPTED.value, "exception": message,
                             "process_status": message.splitlines()[0][:500] if message else None, "checkpoint": None,
                             "ended_at": _now()})
    node.seal()


def mark_paused(node: ProcessNode, paused: bool) -> None:
    """Record ``node`` paused or playing again (its state does not change)."""
    if node.is_terminated:
        return
    node.set_attribute_many({"paused": paused, "process_status": "paused" if paused else None})


def cleared_checkpoint(node: ProcessNode) -> dict[str, Any]:
    """``{"checkpoint": None}`` if the node has one (a terminal process keeps none), else ``{}``."""
    return {"checkpoint": None} if node.get_attribute("checkpoint", None) is not None else {}


def with_new_inputs(node: ProcessNode) -> list[Node]:
    """``node`` and the unstored inputs it links from (stored together in one transaction)."""
    if node.is_stored:
        return [node]
    return [link.node for link in node.get_incoming() if not link.node.is_stored] + [node]
