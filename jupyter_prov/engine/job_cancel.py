"""Cancelling the scheduler job of a calc job that is being killed.

Its own module because killing a process (:mod:`.states`, the daemon's control) needs it while it
needs nothing of the running process: only the node's stage, job id and work directory, the
computer's transport and the scheduler. Imported when a calc job is killed (the transports import
paramiko, which a plain ``run`` does not need).
"""

from __future__ import annotations

import logging
import posixpath

from ..orm.nodes.process import CalcJobNode
from ..schedulers import SchedulerError, load_scheduler
from ..transports import TransportError, get_transport

log = logging.getLogger("jupyter_prov.engine.calcjobs")

#: the submission's record in the work directory (stdout, stderr, exit status of the submit command),
#: written before anything else happens so a resumed ``submit`` stage never submits twice
SUBMIT_FILES = (".jprov-submit.out", ".jprov-submit.err", ".jprov-submit.status")


def cancel_job(node: CalcJobNode) -> str | None:
    """Cancel the scheduler job of a calc job that is being killed; says what happened (``None``: no job).

    A job is cancelled only between its submission and its end (stages ``submit`` after the scheduler
    answered, and ``update``), through the computer's transport and the scheduler's kill command
    (``core.direct``: the job script and its children; ``core.slurm``: ``scancel``). A failure is reported,
    not raised: the process is killed anyway and the message says the job may still run.
    """
    if not isinstance(node, CalcJobNode) or node.is_terminated:
        return None
    stage = node.get_attribute("stage", None)
    job_id = node.get_attribute("job_id", None)
    computer = node.computer
    if computer is None or stage not in ("submit", "update"):
        return None
    try:
        transport = get_transport(computer)
        scheduler = load_scheduler(computer.scheduler_type)
        if job_id is None:  # killed while submitting: the submission's own record has the job id, if any
            workdir = node.get_attribute("remote_workdir", None)
            out_name, err_name, status_name = SUBMIT_FILES
            if not workdir or not transport.path_exists(posixpath.join(workdir, status_name)):
                return None
            status = int(transport.read_bytes(posixpath.join(workdir, status_name)).decode().strip() or -1)
            out = transport.read_bytes(posixpath.join(workdir, out_name)).decode(errors="replace")
            err = transport.read_bytes(posixpath.join(workdir, err_name)).decode(errors="replace")
            try:
                job_id = scheduler.parse_submit_output(status, out, err)
            except SchedulerError:
                return None  # the scheduler refused it: nothing runs
        scheduler.kill_via(transport, str(job_id))
    except (TransportError, SchedulerError, OSError) as exc:
        log.warning("calc job %s: cancelling job %s failed: %s", node.pk, job_id, exc)
        return f"cancelling scheduler job {job_id} on {computer.label!r} failed ({exc}): it may still run"
    log.info("calc job %s: scheduler job %s cancelled", node.pk, job_id)
    return f"scheduler job {job_id} cancelled"
