"""Machine-wide locks for tests that share one real server with every other test process on the machine.

The suite runs in several pytest-xdist workers (and helpers may run pytest beside CI). Most tests are
independent: each session has its own PostgreSQL database, its own config folder and its own RabbitMQ
names. Two kinds of test are not: one that restarts the RabbitMQ server (every RabbitMQ test running at
that moment would see its broker vanish) and one that starts a real SLURM (slurmd takes the host's node
name). They take an exclusive ``fcntl`` lock on a file in the machine's temporary folder; the tests that
merely use RabbitMQ take the same lock shared. ``fcntl`` locks die with their process, so a killed worker
never blocks the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

LOCK_FOLDER = Path(os.environ.get("JPROV_TEST_LOCKS", tempfile.gettempdir())) / "jprov-test-locks"


@contextlib.contextmanager
def machine_lock(name: str, *, shared: bool = False) -> Iterator[None]:
    """Hold the machine-wide lock ``name`` (shared or exclusive) for the duration of the block."""
    LOCK_FOLDER.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FOLDER / f"{name}.lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
