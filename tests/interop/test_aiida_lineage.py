"""What aiida-core's own tools see in our archives (issue 19 items 2 and 3), with the real aiida-core 2.9.4.

- Notebook cells are calculations for AiiDA: every node's ancestors and descendants by aiida-core's
  ``QueryBuilder`` (``with_descendants``/``with_ancestors``) are the sets ours gives.
- ``verdi process show`` and ``report`` work on our processes, ``verdi calcjob outputcat`` prints a
  shell job's stdout, ``verdi code list -A`` lists our code as an ``InstalledCode``.
- aiida-core's own export of what it imported comes back here exactly as it was (the workflow part
  written beside a cell and the attributes added for aiida-core are gone again).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_prov.archive import create_archive, import_archive
from jupyter_prov.engine import launch_shell_job
from jupyter_prov.interop.aiida import cell_workflow_uuid
from jupyter_prov.orm import File, Node, QueryBuilder, load_node

from ..archive.conftest import empty_profile_storage
from ..archive.test_aiida_roundtrip import aiida_python  # noqa: F401 - the fixture

HERE = Path(__file__).resolve().parent


def _related(uuid: str, relation: str) -> list[str]:
    query = QueryBuilder().append(Node, filters={"uuid": uuid}, tag="n")
    query.append(Node, **{relation: "n"}, project="uuid")
    return sorted(set(query.all(flat=True)))


def _everything() -> dict[str, dict]:
    """Every node: type, attributes, extras, and its links out, as this profile stores them."""
    nodes = {}
    for node in QueryBuilder().append(Node).all(flat=True):
        attributes = {key: value for key, value in node.attributes.items() if key != "checkpoint"}  # (never exported)
        nodes[node.uuid] = {"node_type": node.node_type, "process_type": node.process_type,
                            "attributes": attributes, "extras": node.extras,
                            "out": sorted((link.link_type.value, link.link_label, link.node.uuid)
                                          for link in node.get_outgoing())}
    return nodes


@pytest.fixture
def session(profile, subprocess_env, tmp_path):
    """A recorded notebook session, then a shell job, in ``profile``."""
    proc = subprocess.run([sys.executable, str(HERE / "_cell_session.py")], capture_output=True, text=True,
                          env=subprocess_env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not report["errors"] and len(report["cells"]) >= 5
    (tmp_path / "x.txt").write_text("one\ntwo\nthree\n")
    job = launch_shell_job("wc", arguments=["-l", "{data}"], nodes={"data": File.from_path(tmp_path / "x.txt")})
    assert job.is_finished_ok
    return {"cells": [load_node(pk).uuid for pk in report["cells"]], "job": job.uuid,
            "code": job.inputs.code.uuid}


@pytest.mark.slow
def test_aiida_core_sees_our_lineage_runs_verdi_on_it_and_gives_it_back_unchanged(
        session, aiida_python, tmp_path):
    ours = _everything()
    lineage = {uuid: (_related(uuid, "with_descendants"), _related(uuid, "with_ancestors")) for uuid in ours}
    archive = tmp_path / "ours.aiida"
    create_archive(archive, all=True, format="aiida")

    python, env = aiida_python
    proc = subprocess.run([str(python), str(HERE / "aiida_verdi.py"), str(archive), str(tmp_path / "theirs.aiida")],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    nodes = seen["nodes"]

    # cells are calculations; the cells that called or returned something have a workflow beside them
    for cell in session["cells"]:
        assert nodes[cell]["class"] == "CalculationNode", nodes[cell]
        assert nodes[cell]["extras"]["jprov_node_type"] == "process.cell"
    workflows = {uuid for uuid, node in nodes.items() if "jprov_cell_workflow_of" in node["extras"]}
    assert workflows and workflows <= {cell_workflow_uuid(cell) for cell in session["cells"]}
    assert set(nodes) == set(ours) | workflows
    # the same data provenance, node by node
    different = {uuid: {"ours": lineage[uuid], "aiida": (nodes[uuid]["ancestors"], nodes[uuid]["descendants"])}
                 for uuid in ours if lineage[uuid] != (nodes[uuid]["ancestors"], nodes[uuid]["descendants"])}
    assert not different, different
    assert sum(len(ancestors) for ancestors, _ in lineage.values()) > 10  # (a real graph, not empty sets)

    # aiida-core's commands on our processes and code
    assert sum("show" in node for node in nodes.values()) >= 4  # cell, cell workflow, calcfunction, calc job
    for uuid, node in nodes.items():
        if "show" in node:
            assert node["show"]["rc"] == 0 and node["report"]["rc"] == 0, (uuid, node["show"], node["report"])
    job = nodes[session["job"]]
    assert job["class"] == "CalcJobNode"
    assert job["outputcat"]["rc"] == 0 and job["outputcat"]["out"].split()[0] == "3", job["outputcat"]
    assert nodes[session["code"]]["class"] == "InstalledCode"
    assert "core.code.installed" in seen["code_list"]["out"], seen["code_list"]

    # and back: aiida-core's own export into an empty profile of ours is what we exported
    empty_profile_storage()
    import_archive(tmp_path / "theirs.aiida")
    back = _everything()
    assert set(back) == set(ours)
    for uuid, node in ours.items():
        came = dict(back[uuid], extras=dict(back[uuid]["extras"]))
        if node["node_type"].startswith("process"):  # an imported process is no cache source (issue 13)
            assert came["extras"].pop("_jprov_cacheable") is False
        assert came == node, (uuid, node, back[uuid])
