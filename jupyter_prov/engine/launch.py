"""Launching processes: ``run`` in the foreground, ``submit`` to store a process for later.

``run`` works the same in a script and in a notebook cell (plain synchronous Python, no event loop).
``submit`` stores the process in state ``created`` with its checkpoint and returns the node; it is
then run by :func:`jupyter_prov.engine.runner.continue_process` — by whatever registered itself as a
submit queue (:mod:`.queue`; the daemon does, through an entry point: its queue row is written in the
same transaction as the process), or by hand. ``submit_many`` submits one process for
each set of inputs, storing them in a few large transactions.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import JprovWarning
from ..orm import ProcessNode, store_all
from .kinds import process_class_of
from .process import Process, ProcessError, current_process
from .queue import submit_queues

#: ``submit_many`` stores and queues this many processes per transaction
SUBMIT_CHUNK = 1000


_warned_no_queue = False


def _warn_no_queue() -> None:
    """Once per Python process: nothing will run what ``submit`` stores (a stale install without entry points)."""
    global _warned_no_queue
    if not _warned_no_queue:
        _warned_no_queue = True
        warnings.warn("no submit queue is registered (the entry-point group jupyter_prov.submit_queues is empty: "
                      "reinstall jupyter-prov, e.g. `pip install -e .`): submitted processes are stored in state "
                      "created and run only with continue_process(pk)", JprovWarning, stacklevel=4)


def _run_process(process: Process) -> tuple[Any, ProcessNode]:
    node = process.execute(run_children=True, reraise=True)
    return process.result(), node


def instantiate(process: Any, args: tuple, inputs: dict[str, Any], parent: Process | None = None) -> Process:
    """A process instance of a process class or process function with these inputs."""
    klass = process_class_of(process)
    metadata = None
    if "metadata" in inputs and "metadata" not in klass.spec().inputs:
        metadata = inputs.pop("metadata")
    if hasattr(klass, "bind"):  # process functions and graphs take positional arguments too
        inputs = klass.bind(args, inputs)
    elif args:
        raise ProcessError(f"{klass.__name__} takes its inputs as keyword arguments only")
    if parent is None:
        parent = current_process()
    return klass(inputs, parent=parent, metadata=metadata)


def run(process: Any, *args: Any, **inputs: Any) -> Any:
    """Run a process class or process function in the foreground and return its result.

    A process function returns what it returned (its ``result`` output, or a dict of outputs);
    a process class returns its outputs as a dict.
    """
    return run_get_node(process, *args, **inputs)[0]


def run_get_node(process: Any, *args: Any, **inputs: Any) -> tuple[Any, ProcessNode]:
    """Like :func:`run`, also returning the process node."""
    return _run_process(instantiate(process, args, inputs))


def run_get_pk(process: Any, *args: Any, **inputs: Any) -> tuple[Any, int]:
    """Like :func:`run`, also returning the pk of the process node."""
    result, node = run_get_node(process, *args, **inputs)
    return result, node.stored_pk


def submit(process: Any, *args: Any, **inputs: Any) -> ProcessNode:
    """Store the process in state ``created`` (with its checkpoint) and return its node, without running it.

    Run it with ``continue_process(node.pk)`` (the daemon does so for you once it runs). Inputs are
    validated now: bad input raises and nothing is stored. The process, its new input nodes, their links
    and its place in the daemon's queue are written in one transaction.
    """
    return store_and_queue([instantiate(process, args, inputs)])[0]


def submit_many(process: Any, inputs: Iterable[Mapping[str, Any]], *,
                chunk_size: int = SUBMIT_CHUNK) -> list[ProcessNode]:
    """Submit ``process`` once for each mapping of inputs; returns the nodes in the same order.

    Much faster than calling :func:`submit` in a loop: all inputs are validated first (bad input
    raises naming the entry, and nothing is stored), then the processes, their new input nodes and
    their queue rows are stored ``chunk_size`` processes per transaction, and each chunk is handed
    to the daemon as soon as it is committed (workers start while the rest is being stored).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size!r}")
    if isinstance(inputs, Mapping):
        raise TypeError("submit_many takes a list of input mappings (one per process), got a single mapping")
    instances = []
    for index, each in enumerate(inputs):
        if not isinstance(each, Mapping):
            raise TypeError(f"submit_many: entry {index} of the inputs is {each!r}, not a mapping of input names to values")
        try:
            instances.append(instantiate(process, (), dict(each)))
        except Exception as exc:
            try:
                named = type(exc)(f"submit_many: entry {index} of the inputs: {exc}")
            except Exception:  # noqa: BLE001 - an exception class with another signature: keep it, add a note
                note = f"(submit_many: entry {index} of the inputs)"
                if sys.version_info >= (3, 11):
                    exc.add_note(note)
                else:  # Python 3.10 has no add_note (and shows no notes); keep the note where 3.11 would
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
                raise exc from None
            raise named from exc
    nodes: list[ProcessNode] = []
    for start in range(0, len(instances), chunk_size):
        nodes.extend(store_and_queue(instances[start:start + chunk_size]))
    return nodes


def store_and_queue(instances: Sequence[Process], *, queue: bool = True) -> list[ProcessNode]:
    """Store the processes in state ``created`` in one transaction (with their queue rows) and queue them.

    With ``queue=False`` (children of a work chain run in the foreground) they are only stored.
    """
    queues = submit_queues() if queue else []
    if queue and not queues:
        _warn_no_queue()
    nodes: list = []
    for instance in instances:
        nodes.extend(instance.prepare_created())
    processes = [instance.node for instance in instances]
    queued = [node for node in processes if all(q.queueable(node) for q in queues)] if queues else []

    def queue_rows(pk_of):
        pks = [pk_of(node) for node in queued]
        return [entry for q in queues for entry in q.rows(pks)]

    store_all(nodes, extra_rows=queue_rows if queued else None)
    for instance in instances:
        if instance.parent is not None:
            instance.parent.child_submitted(instance)
    if queues:
        ids = {id(node) for node in queued}
        refused = [node for node in processes if id(node) not in ids]
        for q in queues:
            q.committed(queued, refused)
    return processes
