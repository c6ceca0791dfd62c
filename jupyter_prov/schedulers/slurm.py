"""``core.slurm``: SLURM through ``sbatch``, ``squeue``, ``scancel`` and ``sacct``."""

from __future__ import annotations

import re

from .base import (
    SCHEDULER_STDERR,
    SCHEDULER_STDOUT,
    JobInfo,
    JobResources,
    JobState,
    Scheduler,
    SchedulerError,
    format_wallclock,
    job_number,
    quote,
)

#: squeue's compact state codes (``%t``)
_STATES = {
    "PD": JobState.QUEUED, "CF": JobState.QUEUED, "R": JobState.RUNNING, "CG": JobState.RUNNING,
    "RS": JobState.RUNNING, "RQ": JobState.QUEUED, "RH": JobState.QUEUED_HELD, "RD": JobState.QUEUED_HELD,
    "RF": JobState.QUEUED, "SI": JobState.RUNNING, "SO": JobState.RUNNING, "S": JobState.SUSPENDED,
    "ST": JobState.SUSPENDED, "CD": JobState.DONE, "CA": JobState.DONE, "F": JobState.DONE, "TO": JobState.DONE,
    "NF": JobState.DONE, "PR": JobState.DONE, "BF": JobState.DONE, "DL": JobState.DONE, "OOM": JobState.DONE,
    "RV": JobState.DONE, "SE": JobState.DONE,
}
_SEPARATOR = "^^^"
_SACCT_FIELDS = "JobID,JobName,State,ExitCode,Elapsed,Start,End,NNodes,NCPUS,NodeList,MaxRSS,Partition,Account"


class SlurmScheduler(Scheduler):
    name = "core.slurm"
    max_jobs_per_query = 200

    def header_lines(self, resources: JobResources) -> list[str]:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", resources.job_name)[:128] or "jprov"
        lines = ["#SBATCH --no-requeue", f"#SBATCH --job-name={name}",
                 f"#SBATCH --output={SCHEDULER_STDOUT}", f"#SBATCH --error={SCHEDULER_STDERR}",
                 f"#SBATCH --nodes={resources.num_machines}",
                 f"#SBATCH --ntasks-per-node={resources.num_mpiprocs_per_machine}"]
        if resources.max_wallclock_seconds:
            lines.append(f"#SBATCH --time={format_wallclock(resources.max_wallclock_seconds)}")
        if resources.queue_name:
            lines.append(f"#SBATCH --partition={resources.queue_name}")
        if resources.account:
            lines.append(f"#SBATCH --account={resources.account}")
        if resources.qos:
            lines.append(f"#SBATCH --qos={resources.qos}")
        if resources.max_memory_kb:
            lines.append(f"#SBATCH --mem={max(1, int(resources.max_memory_kb) // 1024)}")
        return lines

    def submit_command(self, script_name: str) -> str:
        return f"sbatch {quote(script_name)}"

    def parse_submit_output(self, status: int, stdout: str, stderr: str) -> str:
        match = re.search(r"Submitted batch job (\d+)", stdout)
        if status != 0 or not match:
            raise SchedulerError(f"core.slurm: sbatch failed (exit {status}): {(stderr or stdout).strip()}")
        return match.group(1)

    def joblist_command(self, job_ids: list[str]) -> str:
        ids = ",".join(str(job_number(j)) for j in job_ids)
        fmt = _SEPARATOR.join(["%i", "%t", "%r", "%M", "%D", "%N"])
        # a lone job id squeue no longer knows is an error; an extra id makes it a list (SLURM's own trick)
        if len(job_ids) == 1:
            ids += f",{ids}"
        return f"squeue --noheader --format={quote(fmt)} --jobs={ids}"

    def parse_joblist_output(self, status: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        if status != 0:
            if "Invalid job id specified" in stderr:
                return {}  # every asked job has left the queue: done
            raise SchedulerError(f"core.slurm: squeue failed (exit {status}): {stderr.strip()}")
        jobs = {}
        for line in stdout.splitlines():
            if not line.strip():
                continue
            fields = line.split(_SEPARATOR)
            if len(fields) < 3:
                raise SchedulerError(f"core.slurm: cannot read the squeue line {line!r}")
            job_id, state, reason = fields[0].strip(), fields[1].strip(), fields[2].strip()
            jobs[job_id] = JobInfo(job_id, _STATES.get(state, JobState.UNDETERMINED), state, reason)
        return jobs

    def kill_command(self, job_id: str) -> str:
        return f"scancel {job_number(job_id)}"

    def detailed_job_info_command(self, job_id: str) -> str | None:
        return f"sacct --format={_SACCT_FIELDS} --parsable2 --jobs={job_number(job_id)}"


def parse_sacct(text: str) -> list[dict[str, str]]:
    """Rows of ``sacct --parsable2`` output as dicts (header line = keys)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0].split("|")
    return [dict(zip(header, line.split("|"))) for line in lines[1:]]
