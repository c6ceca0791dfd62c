"""Processes as plain data: a paged list, one process's detail, the tree of what it called, its log.

A process item is a node :func:`~.nodes.summary` plus what a process table shows: its label, status
text, whether it is paused, where it was cached from, and a pause or kill that was asked for but that
the daemon worker running it has not carried out yet (``request``; the worker acts at its next
checkpoint). :func:`state_text` turns an item into the one-word-and-flags form the CLI and the magics
print (``running (pausing)``, ``finished [0] (cached)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from ..orm import Log, ProcessNode, ProcessState, load_nodes
from ..orm.lineage_queries import pending_requests, pk_of, process_page
from ..orm.links import CALL_LINKS
from .nodes import MAX_LIMIT, iso, summary

ACTIVE_STATES = ("created", "running", "waiting")
TERMINAL_STATES = ("finished", "excepted", "killed")
#: processes a :func:`tree` shows at most (a work chain that called 10,000 calculations shows a page)
MAX_TREE = 1000


def _process(identifier: ProcessNode | int | str) -> ProcessNode:
    if isinstance(identifier, ProcessNode):
        return identifier
    return cast(ProcessNode, ProcessNode.get(identifier))  # get() checks the class


def _pending_requests(nodes: Iterable[ProcessNode]) -> dict[int, str]:
    """{pk: "pause" or "kill"} asked of the daemon for active processes and not carried out yet."""
    active = [pk_of(n) for n in nodes if n.get_attribute("process_state", None) not in TERMINAL_STATES]
    return pending_requests(active) if active else {}


def item(node: ProcessNode, *, request: str | None = None) -> dict[str, Any]:
    """:func:`~.nodes.summary` of a process plus ``process_status``, ``paused``, ``cached_from``,
    ``request`` and ``state_text``."""
    data = summary(node)
    data["process_status"] = node.get_attribute("process_status", None)
    data["paused"] = bool(node.get_attribute("paused", False))
    data["cached_from"] = node.get_attribute("cached_from", None)
    data["request"] = request
    data["state_text"] = state_text(data)
    return data


def _items(nodes: list[ProcessNode]) -> list[dict[str, Any]]:
    requests = _pending_requests(nodes)
    return [item(n, request=requests.get(pk_of(n))) for n in nodes]


def state_text(process: dict[str, Any]) -> str:
    """``running``, ``waiting (paused)``, ``running (pausing)``, ``finished [0] (cached)``, ... of an item."""
    state = process.get("process_state")
    text = state or "?"
    if state == ProcessState.FINISHED.value:
        text += f" [{process.get('exit_status')}]"
    if process.get("cached_from"):
        text += " (cached)"
    if state not in TERMINAL_STATES:
        request = process.get("request")
        if request:
            text += f" ({request.rstrip('e')}ing)"  # pausing, killing: the worker acts at the next boundary
        elif process.get("paused"):
            text += " (paused)"
    return text


def list_processes(*, states: Iterable[str] | None = None, root_only: bool = False, offset: int = 0,
                   limit: int = 50) -> dict[str, Any]:
    """Process items, newest first: ``{"total", "offset", "limit", "items"}``.

    ``states`` (process state names) keeps only those states (``None``: every state); ``root_only``
    keeps only processes no other process called. ``limit`` is capped at :data:`~.nodes.MAX_LIMIT`.
    """
    from ..orm import QueryError

    wanted = None
    if states is not None:
        try:
            wanted = [ProcessState(s).value for s in states]
        except ValueError:
            known = ", ".join(s.value for s in ProcessState)
            raise QueryError(f"unknown process state in {list(states)!r} (states: {known})") from None
    for name, value in (("offset", offset), ("limit", limit)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise QueryError(f"{name} must be a non-negative integer, got {value!r}")
    limit = min(limit, MAX_LIMIT)
    pks, total = process_page(states=wanted, root_only=root_only, offset=offset, limit=limit)
    return {"total": total, "offset": offset, "limit": limit, "items": _items(load_nodes(pks))}


def detail(identifier: ProcessNode | int | str) -> dict[str, Any]:
    """An :func:`item` plus exception, sealed, caller, inputs, outputs and called processes.

    A node that is not a process raises :class:`~jupyter_prov.orm.NotExistent` (``... is a Dict, not a
    ProcessNode``).
    """
    node = _process(identifier)
    data = _items([node])[0]
    caller = node.caller
    data["exception"] = node.get_attribute("exception", None)
    data["sealed"] = node.is_sealed
    data["caller"] = caller.pk if caller else None
    data["inputs"] = [{"label": t.link_label, "pk": t.node.pk, "type": type(t.node).__name__}
                      for t in node.get_incoming() if t.link_type not in CALL_LINKS]
    data["outputs"] = [{"label": t.link_label, "pk": t.node.pk, "type": type(t.node).__name__}
                       for t in node.get_outgoing(("create", "return"))]
    called = [t for t in node.get_outgoing(CALL_LINKS)]
    requests = _pending_requests([t.node for t in called])
    data["called"] = [{"label": t.link_label, "pk": t.node.pk, "process_label": t.node.process_label,
                       "state": state_text(item(t.node, request=requests.get(pk_of(t.node))))} for t in called]
    return data


def tree(identifier: ProcessNode | int | str, *, max_processes: int = MAX_TREE) -> dict[str, Any]:
    """The process as an :func:`item` with ``children`` (the processes it called, each with its own
    ``children``), depth first in the order they were called; ``truncated`` when more than
    ``max_processes`` processes would be shown."""
    root = _process(identifier)
    shown = 1
    truncated = False
    top = item(root)
    stack: list[tuple[ProcessNode, dict[str, Any]]] = [(root, top)]
    while stack:
        node, entry = stack.pop()
        entry["children"] = []
        children = node.called
        if shown + len(children) > max_processes:
            children = children[:max(0, max_processes - shown)]
            truncated = True
        shown += len(children)
        for child, child_item in zip(children, _items(children)):
            entry["children"].append(child_item)
            stack.append((child, child_item))
    top["truncated"] = truncated
    return top


def flatten(node_tree: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(depth, item) of a :func:`tree`, depth first: the order a text tree prints."""
    out: list[tuple[int, dict[str, Any]]] = []
    stack = [(0, node_tree)]
    while stack:
        depth, entry = stack.pop()
        out.append((depth, entry))
        stack.extend((depth + 1, child) for child in reversed(entry.get("children", [])))
    return out


def report(identifier: ProcessNode | int | str, *, levelname: str | None = None) -> dict[str, Any]:
    """The log of a process and of every process below it: ``{"pk", "lines": [{"time", "level",
    "message", "pk", "process_label", "depth"}]}``, each process's records in the order they were written, processes depth
    first. ``levelname`` keeps one level (``REPORT``, ``ERROR``)."""
    root = _process(identifier)
    entries: list[tuple[int, ProcessNode]] = [(0, root)]
    stack = [(1, child) for child in reversed(root.called)]
    while stack:
        depth, child = stack.pop()
        entries.append((depth, child))
        stack.extend((depth + 1, c) for c in reversed(child.called))
    lines = []
    for depth, process in entries:
        for log in Log.for_node(process):
            if levelname and log.levelname != levelname.upper():
                continue
            lines.append({"time": iso(log.time), "level": log.levelname, "message": log.message,
                          "pk": process.pk, "process_label": process.process_label or type(process).__name__,
                          "depth": depth})
    return {"pk": root.pk, "lines": lines}
