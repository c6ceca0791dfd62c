"""Invalidation actions: what runs when a version of a record (or of any record of a kind) becomes invalid.

An action is attached to a record or a kind (:func:`attach`). Invalidating a version queues one outbox row
per (action, invalidation, version) **in the invalidation's transaction** (see
:func:`jupyter_prov.orm.record_queries.invalidate`): an invalidation that rolls back queues nothing, one
that commits cannot lose its actions. Braid DB stores its actions and never runs them (an early
``return``); here a worker runs them with :func:`run_pending` — the daemon calls it (hook requested), and
``jprov``/tests may call it directly.

What an action may run is never read from the database (invariant 5: nothing read from the store is imported
by name or executed). The row names a *notifier* or an *allowed command*, and the code behind the name is
what this process registered: a notifier is a Python callable registered with :func:`register_notifier` or
installed as an entry point of the group ``jupyter_prov.record_actions``; a shell command is an argv list
given to :func:`allow_command` (the allow-list). An unknown name fails that action, recorded as such.

Exactly once, precisely: a row is claimed with one conditional UPDATE (``queued`` → ``running``), so of any
number of workers exactly one runs it; its outcome is written when it ends. A worker killed between claim
and outcome leaves the row ``running``; the next :func:`run_pending` after ``stale_after`` seconds marks it
``interrupted`` and does **not** run it again (an action is a side effect outside the store: at most once,
and never silently lost — the row says so). Each run is recorded as a process node with its outcome.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from importlib.metadata import entry_points
from typing import Any

from ..orm import record_queries as q
from ..orm.links import LinkType
from ..orm.nodes.node import load_node
from ..orm.nodes.process import WorkFunctionNode
from .model import KINDS, Record, RecordError, kind_class

ACTIONS = ("notify", "shell")
ENTRY_POINT_GROUP = "jupyter_prov.record_actions"
SHELL_TIMEOUT = 300

_notifiers: dict[str, Callable[[dict[str, Any]], Any]] = {}
_commands: dict[str, list[str]] = {}


def register_notifier(name: str, function: Callable[[dict[str, Any]], Any]) -> None:
    """``function(event)`` runs for a notify action named ``name`` (``event``: record, version, node, cause)."""
    _notifiers[name] = function


def allow_command(name: str, argv: Sequence[str]) -> None:
    """Put ``argv`` on the allow-list as ``name``; the invalidation's details arrive as environment variables
    (``JPROV_RECORD``, ``JPROV_VERSION``, ``JPROV_NODE``, ``JPROV_CAUSE``)."""
    if not argv or not all(isinstance(a, str) for a in argv):
        raise RecordError(f"allowed command {name!r} needs a non-empty argv list of strings")
    _commands[name] = list(argv)


def attach(to: Record | str, action: str, target: str) -> int:
    """Attach an action to a record (or to every record of a kind: ``to="Model"``); returns its id."""
    if action not in ACTIONS:
        raise RecordError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    if not isinstance(target, str) or not target:
        raise RecordError(f"action {action!r} needs the name of a notifier or an allowed command")
    if isinstance(to, Record):
        return q.insert_action({"record_id": to.pk, "action": action, "target": target})
    if isinstance(to, str) and to in KINDS:
        return q.insert_action({"kind": kind_class(to).kind, "action": action, "target": target})
    return q.insert_action({"record_id": Record.get(to).pk, "action": action, "target": target})


def pending() -> list[dict[str, Any]]:
    return q.outbox("queued")


def run_pending(worker: str | None = None, *, stale_after: float = 3600.0) -> list[dict[str, Any]]:
    """Run every queued action once (claimed first, so concurrent workers never run one twice); mark the ones
    a dead worker left ``running`` for longer than ``stale_after`` seconds as ``interrupted``. Returns what ran."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    limit = datetime.now(timezone.utc) - timedelta(seconds=stale_after)
    for row in q.outbox("running"):
        if row["claimed_at"] is not None and row["claimed_at"] < limit:
            q.finish_action(row["id"], "interrupted", {"error": f"worker {row['worker']} stopped while running it"})
    done = []
    for row in q.outbox("queued"):
        if not q.claim_action(row["id"], worker):
            continue  # another worker has it
        done.append(_run(row, worker))
    return done


def _context(row: dict[str, Any]) -> dict[str, Any]:
    record = q.record_by_id(row["record_id"]) if row["record_id"] else None
    versions = q.versions_of_nodes([row["node_id"]]).get(row["node_id"], [])
    chain = q.why_invalid(row["node_id"])
    cause = chain[0][-1]["cause"] if chain and chain[0] else ""
    return {"record": versions[0]["name"] if versions else (record or {}).get("name"),
            "version": versions[0]["number"] if versions else None, "node": row["node_id"],
            "event": row["event_id"], "cause": cause, "action": row["action"], "target": row["target"]}


def _run(row: dict[str, Any], worker: str) -> dict[str, Any]:
    context = _context(row)
    try:
        if row["action"] == "notify":
            result = _notifier(row["target"])(dict(context))
            outcome = {"status": "done", "result": result if isinstance(result, (str, int, float, bool)) else None}
        elif row["action"] == "shell":
            argv = _commands.get(row["target"])
            if argv is None:
                raise RecordError(f"command {row['target']!r} is not on the allow-list")
            env = {**os.environ, "JPROV_RECORD": str(context["record"]), "JPROV_VERSION": str(context["version"]),
                   "JPROV_NODE": str(context["node"]), "JPROV_CAUSE": context["cause"]}
            completed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=SHELL_TIMEOUT,
                                       check=False)
            outcome = {"status": "done" if completed.returncode == 0 else "failed", "returncode": completed.returncode,
                       "stdout": completed.stdout[-2000:], "stderr": completed.stderr[-2000:]}
        else:
            raise RecordError(f"unknown action {row['action']!r}")
    except Exception as exc:  # noqa: BLE001 - an action's failure is its outcome, recorded
        outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:2000]}
    process = _record_run(row, context, outcome, worker)
    q.finish_action(row["id"], outcome["status"], outcome, process_id=process)
    return {**context, **outcome, "process": process}


def _notifier(name: str) -> Callable[[dict[str, Any]], Any]:
    if name in _notifiers:
        return _notifiers[name]
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name not in found:
        raise RecordError(f"no notifier {name!r} (register_notifier, or an entry point in {ENTRY_POINT_GROUP})")
    return found[name].load()


def _record_run(row: dict[str, Any], context: dict[str, Any], outcome: dict[str, Any], worker: str) -> int | None:
    """The run as a process node taking the invalid version (``input_work``: it returns nothing it made)."""
    node = WorkFunctionNode(label=f"{row['action']} {row['target']}"[:255])
    ok = outcome["status"] == "done"
    node.set_attribute_many({
        "process_label": "record-action", "process_state": "finished" if ok else "excepted",
        "exit_status": 0 if ok else 1, "exit_message": None if ok else str(outcome.get("error") or
                                                                         outcome.get("returncode"))[:1000],
        "action": row["action"], "target": row["target"], "event": row["event_id"], "worker": worker,
        "record": context["record"], "version": context["version"],
    })
    try:
        node.add_incoming(load_node(pk=row["node_id"]), LinkType.INPUT_WORK, "invalidated")
        node.store()
        node.seal()
    except Exception:  # noqa: BLE001 - the outcome row is written even if the node cannot be
        return None
    return node.pk
