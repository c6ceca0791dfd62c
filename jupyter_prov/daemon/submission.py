"""Queue stored processes for the daemon: what ``submit()`` does after storing the process node.

The lease rows are the queue (written in the transaction that stores the process: see
:class:`DaemonQueue`); the broker message only wakes a worker up, so a message lost (or a broker down)
costs a scan interval, not the process. Submitting thousands of processes (``submit_many``) is a
batch insert plus one small message each, sent from a background thread.

With no daemon running, :func:`queue_processes` says so once per profile with the command that starts
one, or starts one itself if the profile option ``daemon_autostart`` is true (``daemon_workers`` sets
how many workers; default 1).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterable, Sequence
from types import FrameType

from ..config import Profile
from ..errors import JprovWarning
from ..orm import current
from ..orm.nodes.process import ProcessNode
from . import leases
from .broker import BrokerUnreachable, get_broker
from .control import kill
from .lifecycle import is_running, start_daemon

log = logging.getLogger("jupyter_prov.daemon")


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside jupyter_prov (a notebook cell)."""
    import os
    import sys

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


class DaemonNotRunningWarning(JprovWarning):
    """Processes were queued but no daemon runs for the profile."""


_warned: dict[str, float] = {}
_checked: dict[str, tuple[float, bool]] = {}
CHECK_EVERY_SECONDS = 5.0


def enqueue(pks: Iterable[int]) -> None:
    """Add the processes to the durable queue (inside the caller's transaction, if one is open)."""
    leases.enqueue(current.get_storage(), [int(pk) for pk in pks])


def notify(pks: Iterable[int], profile: Profile | None = None) -> None:
    """After commit: wake workers for these processes and make sure a daemon will run them."""
    profile = profile or current.get_profile() or current.load_profile()
    pks = [int(pk) for pk in pks]
    broker = get_broker(profile)
    try:
        broker.ensure_publisher()
        broker.publish_continue_soon(pks)
    except BrokerUnreachable as exc:
        warnings.warn(f"{exc}\nThe processes are queued in the database and run once the broker and the daemon "
                      "are up.", DaemonNotRunningWarning, stacklevel=_user_stacklevel())
        return
    ensure_daemon(profile)


def queue_processes(nodes: Iterable[ProcessNode | int]) -> None:
    """Queue stored, non-terminal processes for the daemon (one transaction + one message each)."""
    pks = [node.stored_pk if isinstance(node, ProcessNode) else int(node) for node in nodes]
    enqueue(pks)
    notify(pks)


class NotSubmittableWarning(JprovWarning):
    """A submitted process a daemon worker could not import (defined in ``__main__`` or inside a function)."""


def importable_problem(node: ProcessNode) -> str | None:
    """Why a worker could not import the process's code (it imports ``module:qualname`` by name), or None."""
    process_type = node.process_type or ""
    module, _, qualname = process_type.partition(":")
    if module == "__main__" or "<locals>" in qualname or not qualname:
        where = "inside a function" if "<locals>" in qualname else "in __main__ (a notebook or a script)"
        return (f"process {node.pk} ({process_type!r}) is defined {where}, so a daemon worker cannot import it: "
                "it is stored in state created but NOT queued for the daemon. Move the process into an importable "
                "module (a .py file on the Python path) to submit it, run it here with run(), or continue it in "
                f"this Python process with continue_process({node.pk}).")
    return None


class DaemonQueue:
    """The daemon as the engine's submit queue (:class:`jupyter_prov.engine.queue.SubmitQueue`), declared in
    the entry-point group ``jupyter_prov.submit_queues``: the lease rows are written in the transaction that
    stores the processes; after the commit one message per process wakes a worker."""

    def queueable(self, node: ProcessNode) -> bool:
        return importable_problem(node) is None

    def rows(self, pks: Sequence[int]) -> list[tuple]:
        return leases.insert_rows(pks) if pks else []

    def committed(self, queued: Sequence[ProcessNode], refused: Sequence[ProcessNode]) -> None:
        for node in refused:
            problem = importable_problem(node)
            if problem is not None:  # refused by another submit queue: that one says why
                warnings.warn(problem, NotSubmittableWarning, stacklevel=_user_stacklevel())
        if queued:
            notify([node.stored_pk for node in queued])

    def holds(self, pks: Sequence[int]) -> list[int]:
        storage = current.get_storage()
        return [pk for pk in pks if leases.get(storage, pk) is not None]

    def kill(self, pks: Sequence[int], message: str) -> None:
        kill(pks, message=message)


#: the queue the entry point names (``pyproject.toml``: ``jupyter_prov.submit_queues``)
QUEUE = DaemonQueue()


def ensure_daemon(profile: Profile) -> bool:
    """True if a daemon runs (or was started because ``daemon_autostart`` is set); warns otherwise."""
    now = time.monotonic()
    checked_at, running = _checked.get(profile.name, (-1e9, False))
    if now - checked_at < CHECK_EVERY_SECONDS:  # one look at the pid file per few seconds, not per submit
        return running
    if is_running(profile):
        _checked[profile.name] = (now, True)
        return True
    if profile.options.get("daemon_autostart"):
        workers = int(profile.options.get("daemon_workers", 1))
        log.info("starting the daemon of profile %r with %d worker(s) (daemon_autostart)", profile.name, workers)
        start_daemon(profile, workers)
        _checked[profile.name] = (now, True)
        return True
    _checked[profile.name] = (now, False)
    if now - _warned.get(profile.name, -1e9) > 60:
        _warned[profile.name] = now
        warnings.warn(
            f"no daemon is running for profile {profile.name!r}: submitted processes are queued and will run "
            f"once you start it with `jprov -p {profile.name} daemon start` (or in Python: "
            "`from jupyter_prov.daemon import start_daemon; start_daemon(profile)`), or set the profile option "
            "daemon_autostart to start it on submit.",
            DaemonNotRunningWarning, stacklevel=_user_stacklevel(),
        )
    return False
