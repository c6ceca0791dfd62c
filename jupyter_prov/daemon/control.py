"""Pause, play and kill submitted processes and whole workflow trees.

A request is written to the process's lease row first (durable), then:

- a process no live worker holds is handled right here: the caller takes its lease (one atomic
  UPDATE, so no worker can start it meanwhile), changes the node and lets the lease go;
- a process a worker holds gets a control message on the broadcast exchange; the holder acts as
  soon as the engine gives control back (between steps), and workers also look at the lease rows
  every half second in case the message was lost.

Killing a workflow kills every non-terminal process it called, recursively.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable

from ..config import Profile
from ..engine.states import kill_node, mark_killed, mark_paused
from ..orm import current
from ..orm.exceptions import NotExistent, ValidationError
from ..orm.nodes.node import load_node
from ..orm.nodes.process import ProcessNode, ProcessState
from ..orm.queries import called_pks, caller_pk
from ..storage.backend import StorageBackend
from . import leases
from .broker import Broker, BrokerUnreachable, get_broker

#: how long a controller holds a lease while it changes a process
CONTROL_LEASE_SECONDS = 30.0


def _controller_id() -> str:
    return f"control:{socket.gethostname()}:{os.getpid()}"


# ---- the public API ---------------------------------------------------------------------------
def _resolve(pks: Iterable[int | ProcessNode], storage: StorageBackend) -> dict[int, ProcessNode]:
    """``{pk: node}`` of the stored processes named, in the order given."""
    nodes: dict[int, ProcessNode] = {}
    for item in pks:
        pk = item.pk if isinstance(item, ProcessNode) else item
        try:
            pk = int(pk)  # type: ignore[arg-type]  # a caller's None or str is refused just below
            node = load_node(pk, storage=storage)
        except (NotExistent, ValueError, TypeError):
            profile = current.get_profile()
            raise NotExistent(f"no process with pk {item!r} in profile "
                              f"{profile.name if profile else '(none)'!r}") from None
        if not isinstance(node, ProcessNode):
            raise ValidationError(f"node {pk} is a {node.node_type}, not a process: only processes can be controlled")
        nodes[pk] = node
    return nodes


def _profile() -> Profile:
    profile = current.get_profile()
    return profile if profile is not None else current.load_profile()


def kill(pks: Iterable[int | ProcessNode], *, message: str = "killed by user",
         broker: Broker | None = None) -> dict[int, str]:
    """Kill processes and everything they called. Returns ``{pk: what happened}``.

    Unknown pks or non-process nodes raise before anything changes.
    """
    return _control(pks, leases.KILL, message=message, broker=broker)


def pause(pks: Iterable[int | ProcessNode], *, broker: Broker | None = None) -> dict[int, str]:
    """Pause processes (a workflow's children keep running; the workflow does not go on)."""
    return _control(pks, leases.PAUSE, broker=broker)


def play(pks: Iterable[int | ProcessNode], *, broker: Broker | None = None) -> dict[int, str]:
    """Resume paused processes."""
    return _control(pks, "play", broker=broker)


def _control(pks, action: str, *, message: str = "killed by user", broker: Broker | None = None) -> dict[int, str]:
    storage = current.get_storage()
    nodes = _resolve(pks, storage)
    targets = list(nodes)
    if action == leases.KILL:
        targets += [pk for pk in called_pks(storage, targets) if pk not in targets]
    broker = broker or get_broker(_profile())
    me = _controller_id()
    report: dict[int, str] = {}
    to_workers: list[int] = []
    wake_parents: list[int] = []
    play_continue: list[int] = []
    for pk in targets:
        node = load_node(pk, storage=storage)
        row = leases.get(storage, pk)
        if node.is_terminated:
            report[pk] = f"already {node.process_state.value}"
            continue
        if row is None:
            caller = caller_pk(storage, pk) if node.process_state is ProcessState.RUNNING else None
            if pk in nodes and caller is not None and leases.get(storage, caller) is not None:
                # called inline by a step of a process the daemon runs: it runs in that worker's thread, and
                # only the engine there may end it (changing the node here would break the running step)
                report[pk] = (f"not {'killed' if action == leases.KILL else 'changed'}: it runs inside a step of "
                              f"process {caller}, which the daemon runs; {action} process {caller} instead")
                continue
            if action == leases.KILL and pk in nodes:
                kill_node(node, message)
                report[pk] = "killed (it was not run by the daemon)"
            else:
                report[pk] = "not run by the daemon (it runs in its own Python process)"
            continue
        if action == "play" and not row["paused"] and row["action"] != leases.PAUSE:
            report[pk] = "not paused"
            continue
        leases.request(storage, [pk], None if action == "play" else action)
        if not leases.claim(storage, pk, me, CONTROL_LEASE_SECONDS, any_status=True):
            to_workers.append(pk)
            report[pk] = f"{action} requested from its worker"
            continue
        node = load_node(pk, storage=storage)  # fresh, now that nobody else may change it
        try:
            if action == leases.KILL:
                mark_killed(node, message)
                parent, status = leases.finish(storage, pk)
                report[pk] = "killed"
                broker_event(broker, pk, "killed")
                if parent is not None and status == leases.QUEUED:
                    wake_parents.append(parent)
            elif action == leases.PAUSE:
                with storage.transaction():  # the node and its request change in one commit
                    mark_paused(node, True)
                    leases.release(storage, pk, me, paused=True, clear_action=True)
                report[pk] = "paused"
                broker_event(broker, pk, "paused")
            else:
                with storage.transaction():
                    mark_paused(node, False)
                    leases.release(storage, pk, me, paused=False, clear_action=True)
                report[pk] = "playing"
                broker_event(broker, pk, "playing")
                if row["status"] in (leases.QUEUED, leases.RUNNING):
                    play_continue.append(pk)
        except BaseException:
            leases.release(storage, pk, me)
            raise
    # the requests are in the lease rows already: a message only makes workers act at once
    unsent: list[int] = []
    if to_workers:
        try:
            broker.publish_control("play" if action == "play" else action, to_workers,
                                   message=message if action == leases.KILL else None)
        except BrokerUnreachable:
            unsent += to_workers
    wake = [parent for parent in wake_parents if parent not in targets] + play_continue
    if wake:
        try:
            broker.publish_continue(wake)
        except BrokerUnreachable:
            unsent += [pk for pk in play_continue]
    for pk in unsent:
        report[pk] += (" (the broker is unreachable: the request is recorded in the database and a running daemon "
                       "sees it within a few seconds)")
    return report


def broker_event(broker: Broker, pk: int, state: str) -> None:
    try:
        broker.publish_event(pk, state)
    except Exception:  # noqa: BLE001, S110 - events are best effort
        pass


def wait_for_control(pks: Iterable[int], states: Iterable[str], timeout: float = 5.0) -> bool:
    """Poll until every process is in one of ``states`` (a helper for the CLI's ``--wait``)."""
    storage = current.get_storage()
    wanted = set(states)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        nodes = [load_node(pk, storage=storage) for pk in pks]
        if all((n.process_state and n.process_state.value in wanted) or
               ("paused" in wanted and n.get_attribute("paused", False)) for n in nodes):
            return True
        time.sleep(0.1)
    return False
