"""The background daemon: workers that run submitted processes, their broker, and process control.

Python API (the CLI's ``jprov daemon`` and ``jprov process pause|play|kill|watch`` call the same):

- :func:`start_daemon`, :func:`stop_daemon`, :func:`restart_daemon`, :func:`scale_daemon`, :func:`daemon_status`
- :func:`queue_processes` (queue processes stored by other means: ``submit()`` and ``submit_many()``
  write the queue row in the transaction that stores the process), :func:`wait`, :func:`watch`
- :func:`pause`, :func:`play`, :func:`kill` (whole trees for kill)

All durable state is in the database (``db_process_lease``, see :mod:`.leases`); broker messages are hints.
``submit()`` finds the daemon through the entry point ``jupyter_prov.submit_queues`` (the daemon is the
engine's submit queue, :class:`.submission.DaemonQueue`); the engine does not import this package.
"""

from .broker import Broker, BrokerUnreachable, get_broker
from .control import kill, pause, play
from .events import WaitTimeout, wait, watch
from .lifecycle import (
    DaemonError,
    daemon_status,
    is_running,
    restart_daemon,
    scale_daemon,
    start_daemon,
    stop_daemon,
)
from .submission import (
    DaemonNotRunningWarning,
    NotSubmittableWarning,
    enqueue,
    notify,
    queue_processes,
)

__all__ = [
    "Broker",
    "BrokerUnreachable",
    "DaemonError",
    "DaemonNotRunningWarning",
    "NotSubmittableWarning",
    "WaitTimeout",
    "daemon_status",
    "enqueue",
    "get_broker",
    "is_running",
    "kill",
    "notify",
    "pause",
    "play",
    "queue_processes",
    "restart_daemon",
    "scale_daemon",
    "start_daemon",
    "stop_daemon",
    "wait",
    "watch",
]
