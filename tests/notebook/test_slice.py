"""compute_slice on recorded graphs: which cells recompute a value, and when a slice is incomplete.

The graphs are stored the way the recorder stores them (cells with input_calc/create/return links,
processes launched in a cell linked with call_calc), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyter_prov.notebook.lineage import compute_slice
from jupyter_prov.orm import Float
from jupyter_prov.orm.callers import calling_context
from jupyter_prov.orm.nodes.files import File
from jupyter_prov.orm.nodes.process import CellExecutionNode

engine = pytest.importorskip("jupyter_prov.engine")
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@engine.calcfunction
def to_celsius(kelvin):
    return Float(kelvin.value - 273.15)


def _cell(sequence: int, source: str, inputs: dict | None = None) -> CellExecutionNode:
    cell = CellExecutionNode(process_type="notebook.cell", process_label="cell", label=f"cell [{sequence}]")
    cell.set_attribute("process_state", "running")
    cell.set_attribute("sequence", sequence)
    cell.set_attribute("source", source)
    cell.set_attribute("started_at", (T0 + timedelta(seconds=sequence)).isoformat())
    for label, node in (inputs or {}).items():
        cell.add_incoming(node, "input_calc", label)
    return cell.store()


def _create(cell: CellExecutionNode, label: str, value: Float) -> Float:
    value.add_incoming(cell, "create", label)
    return value.store()


def _finish(cell: CellExecutionNode) -> None:
    cell.set_attribute("process_state", "finished")
    cell.seal()


def test_a_value_made_inline_for_a_calcfunction_is_remade_by_the_calling_cell(profile):
    cell = _cell(1, "mean_celsius = to_celsius(Float(300.0))")
    with calling_context(lambda: cell):
        result = to_celsius(Float(300.0))
    result.add_incoming(cell, "return", "mean_celsius")
    _finish(cell)
    piece = compute_slice(result)
    assert [c.pk for c in piece.cells] == [cell.pk]
    assert piece.complete and piece.files == []


def test_a_variable_set_while_recording_was_off_makes_the_slice_incomplete(profile):
    kelvin = Float(300.0).store()  # no creator: set while recording was off
    cell = _cell(1, "mean_celsius = to_celsius(kelvin)", {"kelvin": kelvin})
    with calling_context(lambda: cell):
        result = to_celsius(kelvin)
    result.add_incoming(cell, "return", "mean_celsius")
    _finish(cell)
    piece = compute_slice(result)
    assert [c.pk for c in piece.cells] == [cell.pk]
    assert [n.pk for n in piece.unrecorded] == [kelvin.pk] and not piece.complete


def test_a_result_of_an_earlier_run_is_remade_by_the_cell_that_loaded_it(profile):
    earlier = to_celsius(Float(280.0))  # a calculation run before, outside any cell
    load = _cell(1, "t = load_node(...)")
    earlier.add_incoming(load, "return", "t")
    _finish(load)
    double = _cell(2, "doubled = Float(t.value * 2)", {"t": earlier})
    doubled = _create(double, "doubled", Float(earlier.value * 2))
    _finish(double)
    piece = compute_slice(doubled)
    assert [c.pk for c in piece.cells] == [load.pk, double.pk]
    assert piece.complete


def test_a_data_file_from_disk_is_read_again_not_missing(profile, tmp_path):
    data = File(b"t,v\n0,1.0\n", filename="measurements.csv")
    data.set_attribute("path", str(tmp_path / "measurements.csv"))
    data.store()
    read = _cell(1, "values = np.loadtxt('measurements.csv')", {"file_measurements_csv": data})
    values = _create(read, "values", Float(1.0))
    _finish(read)
    unrelated = _cell(2, "other = 3.0")
    _create(unrelated, "other", Float(3.0))
    _finish(unrelated)
    piece = compute_slice(values)
    assert [c.pk for c in piece.cells] == [read.pk]
    assert [f.pk for f in piece.files] == [data.pk] and piece.complete
