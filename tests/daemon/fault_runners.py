"""Daemon runners (profile option ``daemon_runner``) that inject faults into the worker running them.

``die_after_first_submit``: the first time a worker of the profile has a scheduler accept a calc job,
that worker SIGKILLs itself right after the submit command returned, before the engine records the
job id: the window in which a naive engine would submit the job a second time. The file named by
``JPROV_TEST_DIE_MARKER`` makes it happen once per test.
"""

from __future__ import annotations

import os
import signal

from jupyter_prov.daemon.worker import continue_with_engine
from jupyter_prov.transports.local import LocalTransport

_real_exec_argv = LocalTransport.exec_argv


def _exec_then_die_once(self, argv, **kwargs):
    result = _real_exec_argv(self, argv, **kwargs)
    marker = os.environ.get("JPROV_TEST_DIE_MARKER")
    if marker and "jprov-submit" in argv:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return result
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)
    return result


def die_after_first_submit(pk, interrupted=None):
    LocalTransport.exec_argv = _exec_then_die_once
    return continue_with_engine(pk, interrupted=interrupted)


__all__ = ["die_after_first_submit"]
