"""Schedulers: how a job script is written, submitted, polled and cancelled (``core.direct``, ``core.slurm``).

A scheduler only builds commands and parses their output; it runs them through a transport, so the
same plugin works on this machine and over SSH. Plugins register in ``jupyter_prov.schedulers``.
"""

from .base import JobInfo, JobResources, JobState, Scheduler, SchedulerError, load_scheduler

__all__ = ["JobInfo", "JobResources", "JobState", "Scheduler", "SchedulerError", "load_scheduler"]
