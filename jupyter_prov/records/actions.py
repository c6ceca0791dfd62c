"""Invalidation actions: what runs when a version of a record (or of any record of a kind) becomes invalid.

An action is attached to a record or a kind (:func:`attach`): ``notify`` (a Python callable), ``shell`` (an
allow-listed command) or ``rerun`` (re-run the process that produced the version with the newest valid
inputs, submitted to the daemon). Invalidating a version queues one outbox row per (action, invalidation,
version) **in the invalidation's transaction** (:func:`jupyter_prov.orm.record_queries.invalidate`); in the
same transaction :func:`jupyter_prov.records.invalidate` submits one :func:`run_record_actions` process to
the daemon (:func:`schedule`). So the daemon runs the actions with nothing added to the daemon itself: the
runner is an ordinary process, held by a lease, taken over by another worker if its worker dies (``kill
-9``), and visible in the graph. Braid DB stores its actions and never runs them (an early ``return``).

What an action may run is never read from the database (invariant 5: nothing read from the store is imported
by name or executed). The row names a *notifier* or an *allowed command*, and the code behind the name is
what this process registered: a notifier is a Python callable registered with :func:`register_notifier` or
installed as an entry point of the group ``jupyter_prov.record_actions``; a shell command is an argv list
given to :func:`allow_command` (the allow-list). A re-run imports the producing process's class only from a
module the profile allows (:func:`jupyter_prov.engine.kinds.import_process_type`, as the daemon does).

Exactly once, as far as it can be:

- a row is claimed with one conditional UPDATE (``queued`` → ``running``): of any number of runners exactly
  one runs it; while it runs, its runner renews ``claimed_at`` every :data:`BEAT` seconds;
- a ``rerun`` writes its submitted process, its run node and the row's outcome in **one transaction**: a
  runner killed before that commit submitted nothing, so a ``running`` row not renewed for ``stale_after``
  seconds is put back to ``queued`` and run by the next runner — the re-run is submitted exactly once;
- ``notify`` and ``shell`` are side effects outside the store: a runner killed while one ran leaves a row that
  is marked ``interrupted`` (with a run node saying so) and **not** run again — at most once, never silently
  lost (the row and the graph say what happened);
- each run is recorded as a process node (``process_label`` ``record-action``) taking the invalid version,
  with its outcome (``exit_status``; the row's ``outcome`` JSON has the details).

``run_record_actions`` waits for rows other runners hold until they finish or go stale, so a runner taking
over from a killed one (the daemon re-runs its process) finishes the killed one's work too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from importlib.metadata import entry_points
from typing import Any

from ..engine import submit, workfunction
from ..engine.kinds import import_process_type
from ..orm import record_queries as q
from ..orm.links import INPUT_LINKS, LinkType
from ..orm.nodes.node import Node, load_node
from ..orm.nodes.process import WorkFunctionNode
from .model import KINDS, Record, RecordError, kind_class

ACTIONS = ("notify", "shell", "rerun")
ENTRY_POINT_GROUP = "jupyter_prov.record_actions"
SHELL_TIMEOUT = 300
#: seconds between the renewals of a running action's claim
BEAT = 1.0
#: a running row not renewed for this long belongs to a runner that died
STALE_AFTER = 10.0
#: the profile option naming allowed commands (``{name: argv}``), for the daemon's workers
COMMANDS_OPTION = "record_action_commands"
#: the extra naming what a submitted re-run re-runs
RERUN_EXTRA = "jprov_rerun_of"

_notifiers: dict[str, Callable[[dict[str, Any]], Any]] = {}
_commands: dict[str, list[str]] = {}


def register_notifier(name: str, function: Callable[[dict[str, Any]], Any]) -> None:
    """``function(event)`` runs for a notify action named ``name`` (``event``: record, version, node, cause)."""
    _notifiers[name] = function


def allow_command(name: str, argv: Sequence[str]) -> None:
    """Put ``argv`` on the allow-list of this process as ``name`` (for the daemon: :data:`COMMANDS_OPTION`); the invalidation's details arrive as environment variables
    (``JPROV_RECORD``, ``JPROV_VERSION``, ``JPROV_NODE``, ``JPROV_CAUSE``)."""
    if not argv or not all(isinstance(a, str) for a in argv):
        raise RecordError(f"allowed command {name!r} needs a non-empty argv list of strings")
    _commands[name] = list(argv)


def attach(to: Record | str, action: str, target: str = "") -> int:
    """Attach an action to a record (or to every record of a kind: ``to="Model"``); returns its id.

    ``notify`` and ``shell`` name a notifier or an allowed command (``target``); ``rerun`` needs none."""
    if action not in ACTIONS:
        raise RecordError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    if not isinstance(target, str) or (not target and action != "rerun"):
        raise RecordError(f"action {action!r} needs the name of a notifier or an allowed command")
    if isinstance(to, Record):
        return q.insert_action({"record_id": to.pk, "action": action, "target": target})
    if isinstance(to, str) and to in KINDS:
        return q.insert_action({"kind": kind_class(to).kind, "action": action, "target": target})
    return q.insert_action({"record_id": Record.get(to).pk, "action": action, "target": target})


def pending() -> list[dict[str, Any]]:
    return q.outbox("queued")


def run_pending(worker: str | None = None, *, stale_after: float = STALE_AFTER,
                wait_for_others: float = 0.0) -> list[dict[str, Any]]:
    """Run every queued action once (claimed first, so concurrent runners never run one twice) and recover the
    rows of runners that died (not renewed for ``stale_after`` seconds: a re-run is queued again, a side effect
    is marked ``interrupted``). ``wait_for_others``: for up to that many seconds, wait for rows that other
    runners hold to finish or go stale (and take over the re-runs of dead ones). Returns what ran here."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    deadline = time.monotonic() + wait_for_others
    done: list[dict[str, Any]] = []
    while True:
        _recover(stale_after, worker)
        for row in q.outbox("queued"):
            if not q.claim_action(row["id"], worker):
                continue  # another runner has it
            done.append(_run(row, worker))
        if time.monotonic() >= deadline or not q.outbox("running"):
            if not q.outbox("queued"):
                return done
            continue
        time.sleep(min(BEAT, max(0.0, deadline - time.monotonic())))


def _recover(stale_after: float, worker: str) -> None:
    limit = datetime.now(timezone.utc) - timedelta(seconds=stale_after)
    for row in q.outbox("running"):
        if row["claimed_at"] is None or row["claimed_at"] >= limit:
            continue
        if row["action"] == "rerun":  # nothing was submitted (that commits with the outcome): run it again
            q.requeue_action(row["id"], limit)
            continue
        outcome = {"status": "interrupted", "error": f"runner {row['worker']} stopped while running it "
                   f"(seen by {worker}); not run again: its side effects may or may not have happened"}
        if q.finish_action(row["id"], "interrupted", outcome, only_if_stale_before=limit):
            process = _record_run(row, _context(row), outcome, worker)
            q.set_action_process(row["id"], process)


@workfunction
def run_record_actions() -> dict[str, Any]:
    """The daemon's runner of queued invalidation actions (submitted by :func:`schedule`)."""
    run_pending(f"{socket.gethostname()}:{os.getpid()}:runner", wait_for_others=STALE_AFTER + 5 * BEAT)
    return {}


def schedule() -> int:
    """Submit one :func:`run_record_actions` to the daemon (joins the caller's open transaction); its pk."""
    node = submit(run_record_actions)
    assert node.pk is not None
    return node.pk


def allowed_command(name: str) -> list[str] | None:
    """The argv allowed as ``name``: given to :func:`allow_command` here, or in the profile option
    :data:`COMMANDS_OPTION` (``{name: [argv...]}``: the daemon's workers read it; a profile's configuration is
    written by its user, never read from the store)."""
    if name in _commands:
        return list(_commands[name])
    from ..orm import current

    profile = current.get_profile()
    configured = (profile.options.get(COMMANDS_OPTION) or {}) if profile is not None else {}
    argv = configured.get(name) if isinstance(configured, dict) else None
    if isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv):
        return list(argv)
    return None


def _context(row: dict[str, Any]) -> dict[str, Any]:
    record = q.record_by_id(row["record_id"]) if row["record_id"] else None
    versions = q.versions_of_nodes([row["node_id"]]).get(row["node_id"], [])
    chain = q.why_invalid(row["node_id"])
    cause = chain[0][-1]["cause"] if chain and chain[0] else ""
    return {"record": versions[0]["name"] if versions else (record or {}).get("name"),
            "version": versions[0]["number"] if versions else None, "node": row["node_id"],
            "event": row["event_id"], "cause": cause, "action": row["action"], "target": row["target"]}


@contextmanager
def _renewing(row_id: int, worker: str) -> Iterator[None]:
    """Renew the claim of ``row_id`` every :data:`BEAT` seconds while the block runs."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(BEAT):
            try:
                q.renew_action(row_id, worker)
            except Exception:  # noqa: BLE001, S110 - a busy database: the next beat tries again
                pass

    thread = threading.Thread(target=beat, name=f"action-{row_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _run(row: dict[str, Any], worker: str) -> dict[str, Any]:
    context = _context(row)
    if row["action"] == "rerun":
        return _run_rerun(row, context, worker)
    outcome: dict[str, Any]
    try:
        with _renewing(row["id"], worker):
            if row["action"] == "notify":
                result = _notifier(row["target"])(dict(context))
                outcome = {"status": "done",
                           "result": result if isinstance(result, (str, int, float, bool)) else None}
            elif row["action"] == "shell":
                argv = allowed_command(row["target"])
                if argv is None:
                    raise RecordError(f"command {row['target']!r} is not on the allow-list")
                env = {**os.environ, "JPROV_RECORD": str(context["record"]), "JPROV_VERSION": str(context["version"]),
                       "JPROV_NODE": str(context["node"]), "JPROV_CAUSE": context["cause"]}
                completed = subprocess.run(argv, env=env, capture_output=True, text=True,
                                           timeout=SHELL_TIMEOUT, check=False)
                outcome = {"status": "done" if completed.returncode == 0 else "failed",
                           "returncode": completed.returncode,
                           "stdout": completed.stdout[-2000:], "stderr": completed.stderr[-2000:]}
            else:
                raise RecordError(f"unknown action {row['action']!r}")
    except Exception as exc:  # noqa: BLE001 - an action's failure is its outcome, recorded
        outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:2000]}
    process = _record_run(row, context, outcome, worker)
    q.finish_action(row["id"], outcome["status"], outcome, process_id=process)
    return {**context, **outcome, "process": process}


def _run_rerun(row: dict[str, Any], context: dict[str, Any], worker: str) -> dict[str, Any]:
    """Submit the re-run, record the run and the outcome in one transaction (a failure: its outcome)."""
    try:
        with q.write_transaction():
            plan = rerun_plan(row["node_id"])
            new = submit(plan["process_class"], **plan["inputs"])
            new.set_extra(RERUN_EXTRA, {"process": plan["process"], "record": context["record"],
                                        "version": context["version"], "event": row["event_id"]})
            outcome: dict[str, Any] = {"status": "done", "submitted": new.pk, "process_type": plan["process_type"],
                                       "replaced": plan["replaced"]}
            process = _record_run(row, context, outcome, worker, strict=True)
            q.finish_action(row["id"], "done", outcome, process_id=process)
    except Exception as exc:  # noqa: BLE001 - nothing was submitted: the failure is the outcome
        outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:2000]}
        process = _record_run(row, context, outcome, worker)
        q.finish_action(row["id"], "failed", outcome, process_id=process)
    return {**context, **outcome, "process": process}


def rerun_plan(node_pk: int) -> dict[str, Any]:
    """How the version ``node_pk`` would be re-run: its producing process, and that process's inputs with each
    record version replaced by the newest valid version of its record. Raises if it cannot be re-run."""
    rows = q.versions_of_nodes([node_pk]).get(node_pk, [])
    producer = next((r["process_id"] for r in rows if r["process_id"]), None)
    node = load_node(pk=node_pk)
    if producer is None:
        creator = node.creator
        producer = creator.pk if creator is not None else None
    if producer is None:
        raise RecordError(f"node {node_pk} has no producing process recorded: nothing to re-run")
    process = load_node(pk=producer)
    process_type = process.process_type
    if not process_type:
        raise RecordError(f"process {producer} has no process type: it cannot be re-run")
    inputs: dict[str, Node] = {}
    replaced = []
    for triple in process.get_incoming(INPUT_LINKS):
        newest = _newest_valid(triple.node)
        if newest is None:
            raise RecordError(f"input {triple.link_label!r} (node {triple.node.pk}) of process {producer} is invalid "
                              "and no valid version of it exists")
        if newest.pk != triple.node.pk:
            replaced.append({"input": triple.link_label, "from": triple.node.pk, "to": newest.pk})
        inputs[triple.link_label] = newest
    return {"process": producer, "process_type": process_type, "process_class": import_process_type(process_type),
            "inputs": _nested(inputs), "replaced": replaced}


def _newest_valid(node: Node) -> Node | None:
    """The newest valid version of the record ``node`` is a version of (``node`` itself if valid and in no record)."""
    assert node.pk is not None
    rows = q.versions_of_nodes([node.pk]).get(node.pk, [])
    if not rows:
        return None if q.is_invalid(node.pk) else node
    candidates = sorted(q.versions(rows[0]["record_id"]), key=lambda r: -r["number"])
    invalid = q.invalid_among(r["node_id"] for r in candidates)
    for candidate in candidates:
        if candidate["node_id"] not in invalid:
            return node if candidate["node_id"] == node.pk else load_node(pk=candidate["node_id"])
    return None


def _nested(flat: dict[str, Node]) -> dict[str, Any]:
    """Link labels ``a__b`` (a namespace's port) as nested mappings, as the process was given them."""
    nested: dict[str, Any] = {}
    for label, value in flat.items():
        parts = label.split("__")
        where = nested
        for part in parts[:-1]:
            where = where.setdefault(part, {})
        where[parts[-1]] = value
    return nested


def _notifier(name: str) -> Callable[[dict[str, Any]], Any]:
    if name in _notifiers:
        return _notifiers[name]
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name not in found:
        raise RecordError(f"no notifier {name!r} (register_notifier, or an entry point in {ENTRY_POINT_GROUP})")
    loaded: Callable[[dict[str, Any]], Any] = found[name].load()
    return loaded


def _record_run(row: dict[str, Any], context: dict[str, Any], outcome: dict[str, Any], worker: str, *,
                strict: bool = False) -> int | None:
    """The run as a process node taking the invalid version (``input_work``: it returns nothing it made)."""
    node = WorkFunctionNode(label=f"{row['action']} {row['target']}"[:255])
    ok = outcome["status"] == "done"
    node.set_attribute_many({
        "process_label": "record-action", "process_state": "finished" if ok else "excepted",
        "exit_status": 0 if ok else 1,
        "exit_message": None if ok else str(outcome.get("error") or outcome.get("returncode"))[:1000],
        "action": row["action"], "target": row["target"], "event": row["event_id"], "worker": worker,
        "record": context["record"], "version": context["version"], "outcome": outcome["status"],
    })
    try:
        node.add_incoming(load_node(pk=row["node_id"]), LinkType.INPUT_WORK, "invalidated")
        node.store()
        node.seal()
    except Exception:
        if strict:
            raise
        return None
    return node.pk
