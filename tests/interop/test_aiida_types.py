"""AiiDA's data types arrive as classes with the behaviour an AiiDA user reaches for, and go back unchanged.

The archive ``tutorial.aiida`` was written by the real aiida-core 2.9.4 (``/work/shared/data/aiida-archives``,
its README says what it holds): an ArrayData (``positions`` float64 (4, 3), ``species`` int64 (5,)), an XyData
(x ``energy`` [eV], y ``dos`` and ``abs_energy``), a two-atom Si StructureData and the InstalledCode ``bash``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from jupyter_prov.archive import create_archive, import_archive
from jupyter_prov.orm import QueryBuilder, load_node
from jupyter_prov.orm.computers import Computer
from jupyter_prov.orm.nodes import (
    Array,
    ArrayData,
    Data,
    InstalledCode,
    KpointsData,
    ShellCode,
    StructureData,
    XyData,
)
from jupyter_prov.orm.nodes.code import Code

from tests.archive.conftest import AIIDA_ARCHIVES, empty_profile_storage

TUTORIAL = AIIDA_ARCHIVES / "tutorial.aiida"
pytestmark = pytest.mark.skipif(not TUTORIAL.exists(), reason=f"{TUTORIAL} is not on this machine")


@pytest.fixture(scope="module")
def expected() -> dict:
    nodes = json.loads((AIIDA_ARCHIVES / "tutorial.expected.json").read_text())["nodes"]
    return {node["name"]: node for node in nodes}


@pytest.fixture
def imported(profile, expected):
    empty_profile_storage()
    import_archive(TUTORIAL)
    return {name: load_node(uuid=node["uuid"]) for name, node in expected.items()}


def test_array_data_reads_its_arrays_by_name(imported):
    arrays = imported["arrays"]
    assert isinstance(arrays, ArrayData) and not isinstance(arrays, Array)
    assert arrays.get_arraynames() == ["positions", "species"]
    positions, species = arrays.get_array("positions"), arrays.get_array("species")
    assert positions.shape == (4, 3) and positions.dtype == np.float64
    assert species.shape == (5,) and species.dtype == np.int64
    assert arrays.get_shape("positions") == (4, 3)
    with pytest.raises(KeyError, match="has no array 'velocities'"):
        arrays.get_array("velocities")


def test_xy_data_gives_x_and_ys_with_names_and_units(imported):
    xy = imported["xy"]
    assert isinstance(xy, XyData)
    name, x, units = xy.get_x()
    assert (name, units, x.shape) == ("energy", "eV", (9,))
    ys = xy.get_y()
    assert [(n, u) for n, _, u in ys] == [("dos", "states/eV"), ("abs_energy", "eV")]
    assert np.allclose(ys[1][1], np.abs(x))


def test_structure_data_has_cell_sites_kinds_and_formula(imported):
    structure = imported["structure"]
    assert isinstance(structure, StructureData)
    assert structure.cell == [[0.0, 2.715, 2.715], [2.715, 0.0, 2.715], [2.715, 2.715, 0.0]]
    assert structure.pbc == (True, True, True)
    assert [(k.name, k.symbol, k.mass) for k in structure.kinds] == [("Si", "Si", 28.0855)]
    assert [s.position for s in structure.sites] == [(0.0, 0.0, 0.0), (1.3575, 1.3575, 1.3575)]
    assert structure.get_formula() == "Si2"


def test_structure_to_ase_when_installed(imported):
    ase = pytest.importorskip("ase")
    atoms = imported["structure"].get_ase()
    assert isinstance(atoms, ase.Atoms) and atoms.get_chemical_formula() == "Si2"


def test_installed_code_is_a_code_on_its_computer(imported):
    code = imported["code"]
    assert isinstance(code, InstalledCode) and isinstance(code, Code)
    assert code.executable == "/bin/bash" and code.default_calc_job_plugin == "core.arithmetic.add"
    assert code.computer.label == "tutorial-localhost"
    assert Code.get("bash@tutorial-localhost").uuid == code.uuid
    assert code.uuid in {c.uuid for c in QueryBuilder().append(Code).all(flat=True)}


def test_query_by_aiida_class_finds_its_subclasses(imported):
    found = {n.uuid for n in QueryBuilder().append(ArrayData).all(flat=True)}
    assert {imported["arrays"].uuid, imported["xy"].uuid} <= found
    assert imported["xy"].uuid in {n.uuid for n in QueryBuilder().append(XyData).all(flat=True)}
    assert imported["arrays"].uuid not in {n.uuid for n in QueryBuilder().append(XyData).all(flat=True)}


def _with_node_type(source, target, uuid: str, node_type: str) -> None:
    """A copy of the AiiDA archive ``source`` in which node ``uuid`` has the type string ``node_type``."""
    import sqlite3
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "db.sqlite3":
                database = target.with_suffix(".sqlite3")
                database.write_bytes(data)
                conn = sqlite3.connect(database)
                with conn:
                    conn.execute("UPDATE db_dbnode SET node_type = ? WHERE uuid = ?", (node_type, uuid))
                conn.close()
                data = database.read_bytes()
            zout.writestr(info, data)


def _aiida_row(archive, uuid: str) -> tuple[str, dict]:
    """``(node_type, attributes)`` of a node as aiida-core reads it: the archive's own database, unconverted."""
    import sqlite3
    import zipfile

    database = archive.with_suffix(".read.sqlite3")
    with zipfile.ZipFile(archive) as z:
        database.write_bytes(z.read("db.sqlite3"))
    conn = sqlite3.connect(database)
    try:
        node_type, attributes = conn.execute("SELECT node_type, attributes FROM db_dbnode WHERE uuid = ?",
                                             (uuid,)).fetchone()
    finally:
        conn.close()
    return node_type, json.loads(attributes)


def test_unknown_plugin_types_load_with_attributes_and_files(profile, expected, tmp_path):
    folder = expected["folder"]
    plugin = "data.quantumespresso.force_constants.ForceConstantsData."
    archive = tmp_path / "plugin.aiida"
    _with_node_type(TUTORIAL, archive, folder["uuid"], plugin)
    empty_profile_storage()
    import_archive(archive)
    node = load_node(uuid=folder["uuid"])
    assert isinstance(node, Data) and node.node_type == plugin
    assert dict(node.attributes) == folder["attributes"]
    assert {path: node.get_file(path) for path in folder["repository_files"]} == {
        path: load_node(uuid=folder["uuid"]).get_file(path) for path in folder["repository_files"]}
    assert set(dict(node.walk_files())) == set(folder["repository_files"])
    exported = tmp_path / "again.aiida"
    create_archive(exported, nodes=[node], format="aiida")
    assert _aiida_row(exported, folder["uuid"])[0] == plugin


def test_our_array_goes_to_aiida_as_array_data_and_comes_back_as_array(profile, tmp_path):
    array = Array(arrays={"positions": np.arange(6.0).reshape(2, 3), "ids": np.arange(3, dtype=np.int32)}).store()
    before = dict(array.attributes)
    archive = tmp_path / "ours.aiida"
    create_archive(archive, nodes=[array], format="aiida")
    node_type, attributes = _aiida_row(archive, array.uuid)  # what aiida-core reads: ArrayData, array|<name> shapes
    assert node_type == "data.core.array.ArrayData."
    assert attributes["array|positions"] == [2, 3] and attributes["array|ids"] == [3]
    empty_profile_storage()
    import_archive(archive)
    back = load_node(uuid=array.uuid)
    assert type(back) is Array and dict(back.attributes) == before
    assert back.get_array("ids").dtype == np.int32 and np.array_equal(back.get_array("positions"), np.arange(6.0).reshape(2, 3))
    assert "jprov_node_type" not in back.extras


def test_aiida_types_made_here_store_and_reload(profile):
    computer = Computer("types-host", "localhost", transport_type="core.local", scheduler_type="core.direct").store()
    xy = XyData()
    xy.set_x(np.linspace(0, 1, 5), "time", "s")
    xy.set_y([np.ones(5)], ["signal"], ["V"])
    kpoints = KpointsData()
    kpoints.set_kpoints_mesh([4, 4, 2])
    structure = StructureData(cell=[[3.0, 0, 0], [0, 3.0, 0], [0, 0, 3.0]])
    structure.append_atom([0, 0, 0], "C")
    for position in ([1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]):
        structure.append_atom(position, "H")
    code = ShellCode("/bin/echo", computer=computer, label="echo").store()
    for node in (xy, kpoints, structure):
        node.store()
    assert load_node(xy.pk).get_y()[0][0] == "signal"
    assert load_node(kpoints.pk).get_kpoints_mesh() == ([4, 4, 2], [0.0, 0.0, 0.0])
    assert load_node(structure.pk).get_formula() == "CH4"
    assert isinstance(load_node(code.pk), ShellCode) and Code.get("echo@types-host").executable == "/bin/echo"


def test_an_installed_code_runs_a_shell_job(profile):
    from jupyter_prov.engine.shell_jobs import launch_shell_job, localhost_computer

    code = InstalledCode("/bin/echo", computer=localhost_computer(), label="aiida-echo",
                         default_calc_job_plugin="core.shell").store()
    node = launch_shell_job(load_node(code.pk), arguments=["made", "by", "an", "AiiDA", "code"])
    assert node.is_finished_ok, node.exit_message
    assert node.outputs.stdout.get_content().strip() == "made by an AiiDA code"
