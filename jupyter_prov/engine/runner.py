"""Continuing stored processes: the entry point of daemon workers (and of ``jprov process continue``).

:func:`continue_process` loads a stored process from the database alone — its class imported from the
node's ``process_type`` (``"module:qualname"``, only from a module the profile allows: see
:mod:`.allowed_modules`), its inputs from its input links, its state from the
JSON checkpoint — and runs it. Nothing is unpickled and nothing is kept from the process that
created it, so any OS process with the same profile and the same code can call it.
"""

from __future__ import annotations

import time

from ..errors import ProcessError
from ..orm import ProcessNode, load_node
from .allowed_modules import ModuleNotAllowed
from .interrupts import Interrupted, is_executing, request_kill
from .kinds import import_process_type, process_class_of
from .states import kill_node


def load_process(node: ProcessNode):
    """The :class:`~jupyter_prov.engine.process.Process` of a stored process node, ready to continue."""
    if not isinstance(node, ProcessNode):
        raise ProcessError(f"{node!r} is not a process node")
    try:
        target = import_process_type(node.process_type or "")
    except ModuleNotAllowed as exc:
        raise ModuleNotAllowed(f"{node!r}: {exc}") from None
    try:
        klass = process_class_of(target)
    except ProcessError:
        raise ProcessError(f"{node!r}: its process type {node.process_type!r} names {target!r}, which is not a process "
                           "class or process function; it cannot be continued") from None
    return klass.load(node)


def continue_process(pk: int, *, run_children: bool = True, interrupted: Interrupted | None = None) -> ProcessNode:
    """Run the stored process ``pk`` from its checkpoint until it is terminal; returns its node.

    A terminal process is returned as it is (calling twice is safe). With ``run_children=True`` (the
    default) children it waits for are run here too, so one call finishes the whole tree; with
    ``False`` (daemon workers) the process stops in state ``waiting`` when it waits on children
    that are not terminal, and should be continued again once they are.
    """
    node = load_node(pk)
    if not isinstance(node, ProcessNode):
        raise ProcessError(f"node {pk} is a {type(node).__name__}, not a process")
    if node.is_terminated:
        return node
    process = load_process(node)
    return process.execute(run_children=run_children, interrupted=interrupted)


def kill_process(pk: int, message: str = "killed by the user", *, timeout: float = 10.0) -> bool:
    """Kill a process that has not terminated (and its children); ``False`` if it had terminated already.

    A process executing in another thread of this Python process (``continue_process`` in a thread of
    a notebook kernel) is interrupted there and ends ``killed`` itself (see :mod:`.interrupts`); this
    call waits up to ``timeout`` seconds for that. Any other process is recorded killed here (a calc
    job's scheduler job is cancelled first). Processes run by the daemon: use
    :func:`jupyter_prov.daemon.kill`, which reaches the worker that runs them.
    """
    node = load_node(pk)
    if not isinstance(node, ProcessNode):
        raise ProcessError(f"node {pk} is a {type(node).__name__}, not a process")
    if node.is_terminated:
        return False
    if request_kill(pk, message):
        deadline = time.monotonic() + timeout
        while is_executing(pk) and time.monotonic() < deadline:
            time.sleep(0.02)
        if is_executing(pk):
            raise ProcessError(f"process {pk} was asked to stop but still runs after {timeout} s (its thread is "
                               "blocked outside Python, e.g. in a long C call); it ends killed when that returns")
        return load_node(pk).is_killed
    return kill_node(node, message)
