"""``jprov node graph``, ``jprov node delete`` and ``jprov query`` on both backends."""

from __future__ import annotations

import json
import shutil

import pytest

from jupyter_prov.orm import CalcFunctionNode, Dict, Int, load_node, store_all
from jupyter_prov.orm.exceptions import NotExistent


@pytest.fixture
def chain(profile):
    x = Int(3, label="x")
    calc = CalcFunctionNode(process_label="double")
    calc.add_incoming(x, "input_calc", "x")
    calc.set_attribute_many({"process_state": "finished", "exit_status": 0})
    y = Dict({"energy": -4.5, "x": 6}, label="y")
    y.add_incoming(calc, "create", "result")
    store_all([x, calc, y])
    calc.seal()
    return x, calc, y


def test_graph_writes_dot_prov_and_svg(run, chain, tmp_path):
    x, calc, y = chain
    out = tmp_path / "g.dot"
    assert "wrote" in run("node", "graph", str(y.pk), "--ancestors", "2", "-o", str(out)).output
    text = out.read_text()
    assert text.startswith("digraph") and f"N{x.pk}" in text and "create" in text
    run("node", "graph", y.uuid, "--link-types", "data", "-o", str(tmp_path / "g.json"))
    document = json.loads((tmp_path / "g.json").read_text())
    assert len(document["entity"]) == 2 and len(document["activity"]) == 1
    run("node", "graph", str(x.pk), "-d", "1", "-o", str(tmp_path / "g.provn"))
    assert "used(" in (tmp_path / "g.provn").read_text()
    if shutil.which("dot"):
        run("node", "graph", str(x.pk), "-o", str(tmp_path / "g.svg"))
        assert b"<svg" in (tmp_path / "g.svg").read_bytes()
    result = run("node", "graph", str(x.pk), "-o", str(tmp_path / "g.gif"), code=2)
    assert "unknown suffix" in result.output


def test_delete_dry_run_then_force(run, chain):
    x, calc, y = chain
    listing = run("node", "delete", str(x.pk), "--dry-run", "--json").output
    assert sorted(json.loads(listing)["pks"]) == sorted([x.pk, calc.pk, y.pk])
    assert load_node(y.pk).pk == y.pk  # nothing deleted by a dry run
    run("node", "delete", str(x.pk), input="n\n", code=1)
    assert load_node(x.pk)
    result = run("node", "delete", str(y.pk), "--force")
    assert "deleted 2 node(s)" in result.output
    with pytest.raises(NotExistent):
        load_node(calc.pk)
    assert load_node(x.pk).pk == x.pk


def test_delete_refuses_unsealed(run, profile):
    x = Int(1)
    calc = CalcFunctionNode()
    calc.add_incoming(x, "input_calc", "x")
    store_all([x, calc])
    result = run("node", "delete", str(x.pk), "--force", code=1)
    assert "not sealed" in result.output
    assert load_node(calc.pk)


def test_query_table_json_count_path(run, chain):
    x, calc, y = chain
    rows = run.json("query", "-e", "Dict", "-f", 'attributes.energy={"<": -4}', "-p", "uuid", "-p", "attributes.x")
    assert rows == [{"uuid": y.uuid, "attributes.x": 6}]
    assert run("query", "-e", "data", "--count").output.strip() == "2"
    table = run("query", "-e", "node", "-o", "id:desc").output
    assert table.index(y.uuid) < table.index(x.uuid)
    path = json.dumps([{"cls": "Dict", "tag": "d"},
                       {"cls": "process.calculation", "with_outgoing": "d", "project": ["attributes.process_label"]}])
    assert run.json("query", "--path", path) == [{"attributes.process_label": "double"}]
    assert "SELECT" in run("query", "-e", "Int", "--sql").output
    assert "no column" in run("query", "-p", "colour", code=1).output
    assert "unknown entity" in run("query", "-e", "Spaceship", code=2).output
