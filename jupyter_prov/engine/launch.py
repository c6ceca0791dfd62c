"""Launching processes: ``run`` in the foreground, ``submit`` to store a process for later.

``run`` works the same in a script and in a notebook cell (plain synchronous Python, no event loop).
``submit`` stores the process in state ``created`` with its checkpoint and returns the node; it is
then run by :func:`jupyter_prov.engine.runner.continue_process` — by a daemon worker once the daemon
is running (the daemon registers itself in :data:`SUBMIT_HOOKS` to queue the process), or by hand.
"""

from __future__ import annotations

from typing import Any, Callable

from ..orm import ProcessNode
from .functions import ProcessFunction
from .process import Process, ProcessError, current_process, process_class_of

#: called with each node that ``submit`` stored (the daemon adds its queueing here)
SUBMIT_HOOKS: list[Callable[[ProcessNode], None]] = []


def _register_daemon() -> None:
    """The daemon adds its queueing hook when first needed (imported lazily: ``run`` never needs it)."""
    import importlib

    importlib.import_module("jupyter_prov.daemon.submission").register_submit_hook()


def _run_process(process: Process) -> tuple[Any, ProcessNode]:
    node = process.execute(run_children=True, reraise=True)
    return process.result(), node


def instantiate(process: Any, args: tuple, inputs: dict[str, Any], parent: Process | None = None) -> Process:
    """A process instance of a process class or process function with these inputs."""
    klass = process_class_of(process)
    metadata = None
    if "metadata" in inputs and "metadata" not in klass.spec().inputs:
        metadata = inputs.pop("metadata")
    if isinstance(process, ProcessFunction) or hasattr(klass, "bind"):
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
    return result, node.pk


def submit(process: Any, *args: Any, **inputs: Any) -> ProcessNode:
    """Store the process in state ``created`` (with its checkpoint) and return its node, without running it.

    Run it with ``continue_process(node.pk)`` (the daemon does so for you once it runs). Inputs are
    validated now: bad input raises and nothing is stored.
    """
    instance = instantiate(process, args, inputs)
    node = instance.store_created()
    if instance.parent is not None:
        instance.parent.child_submitted(instance)
    announce_submitted(node)
    return node


def announce_submitted(node: ProcessNode) -> None:
    """Tell the submit hooks (the daemon's queue) about a stored ``created`` process."""
    _register_daemon()
    for hook in SUBMIT_HOOKS:
        hook(node)
