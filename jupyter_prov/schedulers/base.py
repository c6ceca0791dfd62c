"""What every scheduler plugin provides, and the job resources it turns into a script header.

The job script is a shell script, so every value that reaches it from a node is either quoted
(``shlex.quote``: the command line, each word of ``mpirun_command``), reduced to an integer (sizes,
times, job ids) or checked to be one plain word (queue, account, QoS: a newline there would start a
command of its own). ``prepend_text``, ``append_text`` and ``custom_scheduler_commands`` are shell
text by intent, written by whoever set up the code or the job, and go in as they are.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import shlex
from collections.abc import Mapping
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from ..errors import SchedulerError

#: file (in the job's folder) where the job script writes the exit status of the command it ran
EXIT_STATUS_FILE = ".jprov-exit-status"
SCHEDULER_STDOUT = "_scheduler-stdout.txt"
SCHEDULER_STDERR = "_scheduler-stderr.txt"


class JobState(str, enum.Enum):
    QUEUED = "queued"
    QUEUED_HELD = "queued_held"
    RUNNING = "running"
    SUSPENDED = "suspended"
    DONE = "done"
    UNDETERMINED = "undetermined"


@dataclasses.dataclass
class JobInfo:
    job_id: str
    state: JobState
    raw_state: str = ""
    reason: str = ""


@dataclasses.dataclass
class JobResources:
    """What a job asks for: ``metadata.options`` of a calc job (names as in aiida-core)."""

    num_machines: int = 1
    num_mpiprocs_per_machine: int = 1
    max_wallclock_seconds: int | None = None
    queue_name: str | None = None
    account: str | None = None
    qos: str | None = None
    max_memory_kb: int | None = None
    custom_scheduler_commands: str = ""
    prepend_text: str = ""
    append_text: str = ""
    withmpi: bool = False
    mpirun_command: tuple[str, ...] = ("mpirun", "-np", "{tot_num_mpiprocs}")
    job_name: str = "jprov"

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> JobResources:
        """From a calc job's options (``resources`` as a nested dict, the rest flat); unknown keys are errors."""
        values = dict(options.get("resources") or {})
        for key, value in options.items():
            if key != "resources":
                values[key] = value
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names - _IGNORED_OPTIONS)
        if unknown:
            raise SchedulerError(f"unknown option(s) {', '.join(map(repr, unknown))} (known: {', '.join(sorted(names))})")
        values = {k: v for k, v in values.items() if k in names}
        if "mpirun_command" in values:
            values["mpirun_command"] = tuple(values["mpirun_command"])
        resources = cls(**values)
        for name in ("num_machines", "num_mpiprocs_per_machine"):
            value = getattr(resources, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SchedulerError(f"resources.{name} must be a positive integer, got {value!r}")
        for name in ("queue_name", "account", "qos"):
            value = getattr(resources, name)
            if value is not None and (not isinstance(value, str) or not _PLAIN_WORD.fullmatch(value)):
                raise SchedulerError(f"option {name} must be one word of letters, digits and _.,:+=@%/-, got {value!r}")
        for name in ("max_memory_kb",):
            value = getattr(resources, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise SchedulerError(f"option {name} must be a positive integer, got {value!r}")
        if not isinstance(resources.job_name, str):
            raise SchedulerError(f"option job_name must be a string, got {resources.job_name!r}")
        if not all(isinstance(part, str) for part in resources.mpirun_command):
            raise SchedulerError(f"option mpirun_command must be a list of strings, got {resources.mpirun_command!r}")
        if resources.max_wallclock_seconds is not None and (
                not isinstance(resources.max_wallclock_seconds, int) or resources.max_wallclock_seconds < 1):
            raise SchedulerError(f"max_wallclock_seconds must be a positive integer, got {resources.max_wallclock_seconds!r}")
        return resources

    @property
    def tot_num_mpiprocs(self) -> int:
        return self.num_machines * self.num_mpiprocs_per_machine


_PLAIN_WORD = re.compile(r"[\w.,:+=@%/-]+")
_IGNORED_OPTIONS = {"parser_name", "poll_interval", "stdout_filename", "stderr_filename", "stdin_filename"}


def format_wallclock(seconds: int) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}-{text}" if days else text


class Scheduler:
    """Base of scheduler plugins: builds commands, parses outputs; the ``*_via`` methods run them."""

    name = "base"
    #: one status query of many jobs (a batched poll) needs at most this many job ids
    max_jobs_per_query = 500

    # ---- the job script --------------------------------------------------------------------------
    def header_lines(self, resources: JobResources) -> list[str]:
        return []

    def job_script(self, resources: JobResources, command_lines: list[str]) -> str:
        """The script: header, prepend text, the command(s) (exit status recorded), append text."""
        lines = ["#!/bin/bash", *self.header_lines(resources)]
        if resources.custom_scheduler_commands:
            lines.append(resources.custom_scheduler_commands.rstrip("\n"))
        lines.append("")
        if resources.prepend_text:
            lines.append(resources.prepend_text.rstrip("\n"))
        for command in command_lines:
            if resources.withmpi:
                mpirun = " ".join(shlex.quote(part.replace("{tot_num_mpiprocs}", str(resources.tot_num_mpiprocs)))
                                  for part in resources.mpirun_command)
                command = f"{mpirun} {command}"
            lines.append(command)
        lines.append(f"echo $? > {EXIT_STATUS_FILE}")
        if resources.append_text:
            lines.append(resources.append_text.rstrip("\n"))
        return "\n".join(lines) + "\n"

    # ---- commands and their outputs (plugins override) ---------------------------------------------
    def submit_command(self, script_name: str) -> str:
        raise NotImplementedError

    def parse_submit_output(self, status: int, stdout: str, stderr: str) -> str:
        raise NotImplementedError

    def joblist_command(self, job_ids: list[str]) -> str:
        raise NotImplementedError

    def parse_joblist_output(self, status: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        raise NotImplementedError

    def kill_command(self, job_id: str) -> str:
        raise NotImplementedError

    def detailed_job_info_command(self, job_id: str) -> str | None:
        return None

    # ---- through a transport ---------------------------------------------------------------------
    def submit_via(self, transport: Any, workdir: str, script_name: str) -> str:
        status, out, err = transport.exec_command(self.submit_command(script_name), workdir=workdir)
        return self.parse_submit_output(status, out.decode(errors="replace"), err.decode(errors="replace"))

    def get_jobs_via(self, transport: Any, job_ids: list[str]) -> dict[str, JobInfo]:
        """The state of each of ``job_ids`` (one query per :attr:`max_jobs_per_query`); a job absent is done."""
        found: dict[str, JobInfo] = {}
        for start in range(0, len(job_ids), self.max_jobs_per_query):
            chunk = job_ids[start:start + self.max_jobs_per_query]
            status, out, err = transport.exec_command(self.joblist_command(chunk))
            found.update(self.parse_joblist_output(status, out.decode(errors="replace"), err.decode(errors="replace")))
        return {job_id: found.get(job_id, JobInfo(job_id, JobState.DONE)) for job_id in job_ids}

    def kill_via(self, transport: Any, job_id: str) -> None:
        status, _out, err = transport.exec_command(self.kill_command(job_id))
        if status != 0:
            raise SchedulerError(f"{self.name}: cancelling job {job_id} failed: {err.decode(errors='replace').strip()}")

    def detailed_job_info_via(self, transport: Any, job_id: str) -> dict[str, Any] | None:
        command = self.detailed_job_info_command(job_id)
        if command is None:
            return None
        status, out, err = transport.exec_command(command)
        return {"command": command, "exit_status": status, "stdout": out.decode(errors="replace"),
                "stderr": err.decode(errors="replace")}


def quote(value: str) -> str:
    return shlex.quote(value)


def job_number(job_id: object) -> int:
    """A job id as the integer that goes into a scheduler command; :class:`SchedulerError` naming it otherwise."""
    text = str(job_id).strip()
    if not text.isdigit() or len(text) > 20:
        raise SchedulerError(f"job id {job_id!r} is not a job number")
    return int(text)


@lru_cache(maxsize=1)
def _scheduler_entry_points() -> dict[str, Any]:
    """Read once per process (a scan of the installed distributions costs milliseconds; a stage asks often)."""
    return {ep.name: ep for ep in entry_points(group="jupyter_prov.schedulers")}


def load_scheduler(name: str) -> Scheduler:
    """An instance of the scheduler plugin ``name`` (entry point in ``jupyter_prov.schedulers``)."""
    # entry points read here, not through orm/plugins.py: schedulers import only config/ and errors.py
    found = _scheduler_entry_points()
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        raise SchedulerError(f"no scheduler plugin {name!r} is installed (known: {known})")
    return found[name].load()()
