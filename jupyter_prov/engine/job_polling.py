"""Batched, rate-limited job-state queries: one scheduler query per computer for all jobs waiting in this OS process.

Each calc job thread asks :func:`job_state` for its job; the first thread whose turn it is queries the
scheduler for every job asked about meanwhile (one ``squeue``/``ps`` for all), at most once per
``job_poll_interval`` seconds per computer (computer metadata; 0.1 s for ``core.local``, 5 s otherwise).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ..schedulers import JobInfo

_pollers: dict[str, ComputerPoller] = {}
_lock = threading.Lock()


class ComputerPoller:
    def __init__(self, interval: float):
        self.interval = interval
        self.cond = threading.Condition()
        self.wanted: set[str] = set()
        self.results: dict[str, tuple[int, Any]] = {}
        self.started = 0  # number of queries started
        self.completed = 0  # number of the last query that completed
        self.querying = False
        self.last = 0.0

    def state(self, job_id: str, query: Callable[[list[str]], dict[str, JobInfo]],
              timeout: float | None = None) -> JobInfo | None:
        """The state of ``job_id`` from a query that started after this call (``None``: not within ``timeout`` s)."""
        give_up = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            self.wanted.add(job_id)
            need = self.started + 1
            while True:
                if self.completed >= need and job_id in self.results:
                    number, value = self.results[job_id]
                    if number >= need:
                        del self.results[job_id]
                        if isinstance(value, BaseException):
                            raise value
                        return value
                left = None if give_up is None else give_up - time.monotonic()
                if left is not None and left <= 0:
                    return None  # the job stays wanted: the next query asks for it
                if not self.querying:
                    wait = self.last + self.interval - time.monotonic()
                    if wait <= 0:
                        break
                    self.cond.wait(wait if left is None else min(wait, left))
                else:
                    self.cond.wait(1.0 if left is None else min(1.0, left))
            self.querying = True
            self.started += 1
            number = self.started
            ids = sorted(self.wanted)
            self.wanted.clear()
        try:
            outcome: Any = query(ids)
        except BaseException as exc:  # noqa: BLE001 - handed to every thread that waits for these jobs
            outcome = exc
        with self.cond:
            self.querying = False
            self.last = time.monotonic()
            self.completed = number
            for jid in ids:
                self.results[jid] = (number, outcome if isinstance(outcome, BaseException) else outcome[jid])
            self.cond.notify_all()
            value = self.results.pop(job_id)[1]
        if isinstance(value, BaseException):
            raise value
        return value

    def forget(self, job_id: str) -> None:
        with self.cond:
            self.results.pop(job_id, None)


def poller_for(computer: Any) -> ComputerPoller:
    default = 0.1 if computer.transport_type == "core.local" else 5.0
    interval = float(computer.metadata.get("job_poll_interval", default))
    with _lock:
        poller = _pollers.get(computer.uuid)
        if poller is None or poller.interval != interval:
            poller = _pollers[computer.uuid] = ComputerPoller(interval)
        return poller


def job_state(computer: Any, job_id: str, query: Callable[[list[str]], dict[str, JobInfo]],
              timeout: float | None = None) -> JobInfo | None:
    """The state of ``job_id`` (``None`` if no query answered within ``timeout`` seconds)."""
    return poller_for(computer).state(job_id, query, timeout)

