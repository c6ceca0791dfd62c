"""views.lineage: a notebook variable's versions, slice and ancestry as plain data.

The graphs are stored the way the recorder stores them: cells with input_calc/create links, on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from jupyter_prov.orm import CellExecutionNode, Float, Int
from jupyter_prov.views import lineage
from tests.views.test_nodes import assert_plain

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _cell(sequence: int, source: str, inputs: dict | None = None) -> CellExecutionNode:
    cell = CellExecutionNode(process_type="notebook.cell", process_label="cell", label=f"cell [{sequence}]")
    cell.set_attribute("process_state", "running")
    cell.set_attribute("sequence", sequence)
    cell.set_attribute("source", source)
    cell.set_attribute("cell_id", f"id-{sequence}")
    cell.set_attribute("started_at", (T0 + timedelta(seconds=sequence)).isoformat())
    for label, node in (inputs or {}).items():
        cell.add_incoming(node, "input_calc", label)
    return cell.store()


def _create(cell: CellExecutionNode, label: str, value) -> Float:
    value.add_incoming(cell, "create", label)
    return value.store()


def _session():
    """x = 2; y = x * 1.5; x = 3 (three cells, two versions of x)."""
    first = _cell(1, "x = 2")
    x1 = _create(first, "x", Int(2))
    second = _cell(2, "y = x * 1.5", {"x": x1})
    y = _create(second, "y", Float(3.0))
    third = _cell(3, "x = 3")
    x2 = _create(third, "x", Int(3))
    return (first, second, third), (x1, y, x2)


def test_versions_of_a_variable_in_the_order_recorded(profile):
    cells, (x1, _, x2) = _session()
    found = lineage.versions("x", [c.pk for c in cells])
    assert_plain(found)
    assert [(v["version"], v["pk"], v["value"], v["link_type"]) for v in found] == \
        [(1, x1.pk, "2", "create"), (2, x2.pk, "3", "create")]
    assert [v["cell"]["label"] for v in found] == ["cell [1]", "cell [3]"]
    assert found[0]["cell"]["cell_id"] == "id-1" and found[0]["hash"] == x1.node_hash[:10]
    assert lineage.versions("x", [cells[1].pk]) == []


def test_the_slice_of_a_value_is_its_cells_in_order(profile):
    (first, second, _), (_, y, _) = _session()
    data = lineage.slice_of(y.pk)
    assert_plain(data)
    assert [c["pk"] for c in data["cells"]] == [first.pk, second.pk]
    assert [c["source"] for c in data["cells"]] == ["x = 2", "y = x * 1.5"]
    assert data["complete"] is True and data["target"]["pk"] == y.pk


def test_a_value_from_outside_the_recording_makes_the_slice_incomplete(profile):
    kelvin = Float(300.0, label="kelvin").store()
    cell = _cell(1, "c = kelvin - 273.15", {"kelvin": kelvin})
    c = _create(cell, "c", Float(26.85))
    data = lineage.slice_of(c)
    assert data["complete"] is False and data["unrecorded"] == [{"pk": kelvin.pk, "label": "kelvin"}]


def test_the_ancestry_lists_nodes_and_links_from_the_value_back(profile):
    (first, second, _), (x1, y, _) = _session()
    data = lineage.ancestry(y)
    assert_plain(data)
    assert data["root"] == y.pk and data["truncated"] is False
    assert [n["pk"] for n in data["nodes"]] == [y.pk, second.pk, x1.pk, first.pk]
    assert [n["kind"] for n in data["nodes"]] == ["data", "cell", "data", "cell"]
    assert data["nodes"][1]["text"] == "cell [2]: y = x * 1.5"
    assert {(e["source"], e["target"], e["link_type"], e["link_label"]) for e in data["edges"]} == {
        (second.pk, y.pk, "create", "y"), (x1.pk, second.pk, "input_calc", "x"), (first.pk, x1.pk, "create", "x")}


def test_a_long_ancestry_is_capped_and_says_so(profile):
    _, (_, y, _) = _session()
    data = lineage.ancestry(y, max_nodes=2)
    assert [n["pk"] for n in data["nodes"]] == [y.pk, data["nodes"][1]["pk"]] and data["truncated"] is True
    assert all(e["source"] in {n["pk"] for n in data["nodes"]} for e in data["edges"])
