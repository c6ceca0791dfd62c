"""Values from a calc job's options reach the job script quoted, as integers, or as one checked word."""

from __future__ import annotations

import pytest

from jupyter_prov.schedulers import JobResources, SchedulerError, load_scheduler


@pytest.mark.parametrize("name", ["queue_name", "account", "qos"])
@pytest.mark.parametrize("value", ["debug\ntouch /tmp/owned", "debug; touch x", "a b", "$(id)", 7])
def test_a_header_value_that_is_not_one_word_is_refused(name, value):
    with pytest.raises(SchedulerError, match=name):
        JobResources.from_options({name: value})


def test_header_values_that_are_words_are_kept():
    resources = JobResources.from_options({"queue_name": "gpu,debug", "account": "proj-1", "qos": "normal"})
    header = load_scheduler("core.slurm").job_script(resources, ["true"])
    assert "#SBATCH --partition=gpu,debug" in header and "#SBATCH --account=proj-1" in header


def test_every_word_of_the_mpirun_command_is_quoted():
    resources = JobResources.from_options({"withmpi": True, "resources": {"num_machines": 2},
                                           "mpirun_command": ["mpirun", "-np", "{tot_num_mpiprocs}", "$(touch x)"]})
    script = load_scheduler("core.direct").job_script(resources, ["'code'"])
    assert "mpirun -np 2 '$(touch x)' 'code'" in script


@pytest.mark.parametrize("options", [{"max_memory_kb": "1; touch x"}, {"mpirun_command": ["mpirun", 3]},
                                     {"job_name": ["x"]}])
def test_values_of_the_wrong_type_are_refused(options):
    with pytest.raises(SchedulerError):
        JobResources.from_options(options)


@pytest.mark.parametrize("name", ["core.direct", "core.slurm"])
@pytest.mark.parametrize("job_id", ["12; touch x", "$(id)", "-1", "", "1" * 30])
def test_a_job_id_that_is_not_a_number_never_reaches_a_command(name, job_id):
    scheduler = load_scheduler(name)
    for command in (lambda: scheduler.kill_command(job_id), lambda: scheduler.joblist_command([job_id])):
        with pytest.raises(SchedulerError, match="job id"):
            command()
