"""Our archive, written with ``format="aiida"``, imported by the real aiida-core 2.9.4 — and back.

aiida-core lives in its own virtualenv (``benchmarks/_aiida_venv.py`` installs it from the package
index the first time). Outside CI the test skips with the reason when that cannot be set up; in CI
(``CI=true``) it fails instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from types import SimpleNamespace
from pathlib import Path

import numpy as np
import pytest

from jupyter_prov.archive import ArchiveReader, create_archive, import_archive
from jupyter_prov.orm import load_node
from jupyter_prov.orm.nodes.array import Array
from jupyter_prov.orm.nodes.process import CellExecutionNode

from .conftest import empty_profile_storage

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(params=["sqlite"])
def backend_name(request) -> str:
    """aiida-core reads the archive file, which is the same whatever backend wrote it: run once."""
    return request.param


@pytest.fixture(scope="module")
def aiida_python():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _aiida_venv import aiida_env
        from _aiida_venv import aiida_python as find_python
    finally:
        sys.path.pop(0)
    python = find_python()
    if python is None:
        message = "aiida-core 2.9.4 could not be installed into benchmarks/.venv-aiida (see the output above)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return python, aiida_env()


def _run_aiida(aiida_python, archive: Path, out: Path) -> dict:
    python, env = aiida_python
    proc = subprocess.run([str(python), str(Path(__file__).with_name("aiida_check.py")), str(archive), str(out)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_aiida_core_imports_our_archive_and_we_import_its_export(graph, tmp_path, aiida_python):
    array = Array(arrays={"positions": np.arange(6.0).reshape(2, 3)}).store()
    cell = CellExecutionNode(process_type="notebook.cell")
    cell.set_attribute("process_state", "finished")
    cell.add_incoming(graph.total, "input_calc", "total")
    made = graph.total.__class__(b"from a cell\n", filename="cell.txt")
    cell.store()
    made.add_incoming(cell, "create", "made")
    made.store()
    cell.seal()
    ours = tmp_path / "ours.aiida"
    create_archive(ours, all=True, format="aiida")
    with ArchiveReader(ours) as archive:  # our reader reads what we wrote for AiiDA
        assert archive.format_family == "aiida" and archive.counts()["nodes"] == 12

    seen = _run_aiida(aiida_python, ours, tmp_path / "theirs.aiida")
    nodes = seen["nodes"]
    assert len(nodes) == 12
    assert nodes[graph.x.uuid]["class"] == "Int" and nodes[graph.x.uuid]["attributes"] == {"value": 2}
    assert nodes[graph.x.uuid]["extras"] == {"role": "x"}
    total = nodes[graph.total.uuid]
    assert total["class"] == "SinglefileData" and total["attributes"] == {"filename": "total.txt"}
    assert total["files"] == {"total.txt": hashlib.sha256(b"5\n").hexdigest()}
    assert nodes[graph.folder.uuid]["class"] == "FolderData"
    assert set(nodes[graph.folder.uuid]["files"]) == {"README.txt", "data/values.csv"}
    assert nodes[graph.remote.uuid]["class"] == "RemoteData"
    assert nodes[graph.remote.uuid]["computer"] == "archive-test-host"
    calc = nodes[graph.calc.uuid]
    assert calc["class"] == "CalcFunctionNode" and calc["attributes"]["exit_status"] == 0
    assert "checkpoint" not in calc["attributes"]
    assert nodes[graph.workflow.uuid]["class"] == "WorkFunctionNode"
    assert nodes[array.uuid]["class"] == "ArrayData"
    assert nodes[array.uuid]["arrays"] == {"positions": [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]}
    assert nodes[cell.uuid]["class"] == "CalculationNode"  # a cell computes: a calculation for AiiDA
    assert nodes[cell.uuid]["extras"]["jprov_node_type"] == "process.cell"
    links = {(s, t, kind, label) for s, t, kind, label in seen["links"]}
    assert (graph.calc.uuid, graph.total.uuid, "create", "result") in links
    assert (graph.workflow.uuid, graph.calc.uuid, "call_calc", "CALL") in links
    assert (graph.workflow.uuid, graph.total.uuid, "return", "result") in links
    assert (graph.x.uuid, graph.calc.uuid, "input_calc", "x") in links
    assert (cell.uuid, made.uuid, "create", "made") in links  # AiiDA's data provenance follows it
    assert len(links) == 11 + 2
    assert seen["groups"]["archive-test-results"] == [graph.total.uuid]
    assert seen["comments"] == ["looks right"]
    assert seen["logs"] == ["computed the sum"]

    # and back: aiida-core's own export of what it imported, into an empty profile of ours
    uuids = {name: getattr(graph, name).uuid for name in ("x", "total", "calc", "workflow")}
    cell, made = SimpleNamespace(uuid=cell.uuid), SimpleNamespace(uuid=made.uuid)
    empty_profile_storage()
    summary = import_archive(tmp_path / "theirs.aiida")
    assert summary.counts["nodes"] == 12 and summary.counts["links"] == 13
    assert load_node(uuids["total"]).get_content() == "5\n"
    assert load_node(uuids["x"]).value == 2
    assert load_node(uuids["calc"]).caller.uuid == uuids["workflow"]
    back = load_node(cell.uuid)  # a cell survives the trip through AiiDA as a cell, with its create links
    assert back.node_type == "process.cell" and "jprov_node_type" not in back.extras
    assert back.outputs.made.uuid == made.uuid and load_node(made.uuid).creator.uuid == cell.uuid
    assert back.inputs.total.uuid == uuids["total"]
