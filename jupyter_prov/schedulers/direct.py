"""``core.direct``: run the job script in the background on the computer, no queue (``ps`` for the state)."""

from __future__ import annotations

import re

from .base import (
    SCHEDULER_STDERR,
    SCHEDULER_STDOUT,
    JobInfo,
    JobState,
    Scheduler,
    SchedulerError,
    job_number,
    quote,
)

_PS_STATES = {"R": JobState.RUNNING, "S": JobState.RUNNING, "D": JobState.RUNNING, "I": JobState.RUNNING,
              "T": JobState.SUSPENDED, "t": JobState.SUSPENDED, "Z": JobState.DONE, "X": JobState.DONE}


class DirectScheduler(Scheduler):
    name = "core.direct"

    def header_lines(self, resources) -> list[str]:
        lines = []
        if resources.max_wallclock_seconds:
            lines.append(f"ulimit -t {int(resources.max_wallclock_seconds)}")
        if resources.max_memory_kb:
            lines.append(f"ulimit -v {int(resources.max_memory_kb)}")
        return lines

    def submit_command(self, script_name: str) -> str:
        return (f"nohup bash {quote(script_name)} > {SCHEDULER_STDOUT} 2> {SCHEDULER_STDERR} < /dev/null & "
                "echo $!")

    def parse_submit_output(self, status: int, stdout: str, stderr: str) -> str:
        text = stdout.strip()
        if status != 0 or not text.isdigit():
            raise SchedulerError(f"core.direct: submitting failed (exit {status}): {stderr.strip() or text!r}")
        return text

    def joblist_command(self, job_ids: list[str]) -> str:
        ids = ",".join(str(job_number(j)) for j in job_ids)
        return f"ps -o pid= -o stat= -p {ids}"

    def parse_joblist_output(self, status: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        # ps exits 1 when none of the pids exists: then every job is done
        if status not in (0, 1) or (status == 1 and stderr.strip()):
            raise SchedulerError(f"core.direct: ps failed (exit {status}): {stderr.strip()}")
        jobs = {}
        for line in stdout.splitlines():
            match = re.match(r"\s*(\d+)\s+(\S+)", line)
            if match:
                pid, stat = match.groups()
                jobs[pid] = JobInfo(pid, _PS_STATES.get(stat[0], JobState.UNDETERMINED), stat)
        return jobs

    def kill_command(self, job_id: str) -> str:
        # the job script and every process under it (the code it runs, and what that starts), found first and
        # signalled together: killing only the script would leave the code running, reparented to init
        pid = job_number(job_id)
        return (f"kill -0 {pid} 2>/dev/null || {{ echo 'no process {pid}: the job has ended' >&2; exit 1; }}; "
                "tree() { for c in $(pgrep -P \"$1\"); do tree \"$c\"; done; echo \"$1\"; }; "
                f"kill -TERM $(tree {pid}) 2>/dev/null; exit 0")
