"""``jprov calcjob`` on calc jobs that aiida-core made: imported from an archive, or written the aiida-shell way.

aiida-core keeps what a calc job sent in the calc job node's own files (``aiida.in``, ``_aiidasubmit.sh``);
aiida-shell makes ``stdout`` an output node of its own rather than a retrieved file. Calc jobs are named by
pk, UUID or UUID prefix, like nodes everywhere else.
"""

from __future__ import annotations

import json

import pytest

from jupyter_prov.archive import import_archive
from jupyter_prov.orm import load_node
from jupyter_prov.orm.nodes import CalcJobNode, File, Folder
from jupyter_prov.orm.nodes.node import store_all

from tests.archive.conftest import AIIDA_ARCHIVES, empty_profile_storage

TUTORIAL = AIIDA_ARCHIVES / "tutorial.aiida"


@pytest.fixture
def aiida_calcjob(profile):
    if not TUTORIAL.exists():
        pytest.skip(f"{TUTORIAL} is not on this machine")
    empty_profile_storage()
    import_archive(TUTORIAL)
    nodes = json.loads((AIIDA_ARCHIVES / "tutorial.expected.json").read_text())["nodes"]
    return next(n for n in nodes if n["name"] == "calcjob")


def test_inputcat_reads_an_imported_aiida_calc_jobs_own_files(run, aiida_calcjob):
    uuid = aiida_calcjob["uuid"]
    listing = run("calcjob", "inputcat", uuid).output.split()
    assert {"aiida.in", "_aiidasubmit.sh"} <= set(listing)
    want = load_node(uuid=uuid).get_file("aiida.in").decode()
    assert run("calcjob", "inputcat", uuid[:8], "aiida.in").output == want


def test_outputcat_takes_a_uuid_and_reads_the_retrieved_folder(run, aiida_calcjob):
    uuid = aiida_calcjob["uuid"]
    names = run("calcjob", "outputcat", uuid).output.split()
    assert names, "the tutorial's calc job retrieved files"
    retrieved = {t.link_label: t.node for t in load_node(uuid=uuid).get_outgoing()}["retrieved"]
    assert run("calcjob", "outputcat", uuid, names[0]).output == retrieved.get_file(names[0]).decode(errors="replace")


def test_outputcat_stdout_of_an_aiida_shell_job_is_its_stdout_output_node(run, profile):
    job = CalcJobNode(process_type="aiida.calculations:core.shell")
    job.set_attribute("process_state", "finished")
    retrieved = Folder()
    retrieved.put_file("_scheduler-stdout.txt", b"")
    retrieved.add_incoming(job, "create", "retrieved")
    stdout = File(b"hello from aiida-shell\n", filename="stdout")
    stdout.add_incoming(job, "create", "stdout")
    store_all([job, retrieved, stdout])
    job.seal()
    assert run("calcjob", "outputcat", job.uuid, "stdout").output == "hello from aiida-shell\n"
    assert "no file 'nope'" in run("calcjob", "outputcat", str(job.pk), "nope", code=1).output


def test_a_node_that_is_not_a_calc_job_is_named_in_one_line(run, profile):
    node = File(b"x", filename="x.txt").store()
    result = run("calcjob", "inputcat", node.uuid, code=1)
    assert "is a File, not a calc job" in result.output and "Traceback" not in result.output
