"""Consistent delete: the dry run names exactly what the delete removes, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jupyter_prov.orm import CalcFunctionNode, Comment, Group, Int, Log, load_node
from jupyter_prov.orm.delete import DeleteError, delete_nodes
from jupyter_prov.orm.exceptions import NotExistent
from jupyter_prov.orm.traverse import TraversalError
from jupyter_prov.storage import schema
from jupyter_prov.testing.graphs import mixed_graph, store_spec


def _count(storage, table) -> int:
    with storage.connection() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _node_ids(storage) -> set[int]:
    with storage.connection() as conn:
        return set(conn.execute(select(schema.nodes.c.id)).scalars())


@pytest.mark.parametrize("mark", ["root", "leaf"])
def test_dry_run_equals_actual_delete(storage, mark):
    spec = mixed_graph(200, components=2, seed=11)
    nodes = store_spec(spec)
    group = Group("g").store()
    group.add_nodes(nodes[:50])
    for node in nodes[:30]:
        Comment(node, "c").store()
        Log(node, "l").store()
    before = _node_ids(storage)
    plan = delete_nodes([spec.pk(mark)])
    assert plan.dry_run and spec.pk(mark) in plan.pks
    assert _node_ids(storage) == before  # a dry run changes nothing
    done = delete_nodes([spec.pk(mark)], dry_run=False)
    assert done.pks == plan.pks
    assert _node_ids(storage) == before - set(plan.pks)
    with storage.connection() as conn:
        dangling = conn.execute(select(func.count()).select_from(schema.links).where(
            schema.links.c.input_id.in_(plan.pks) | schema.links.c.output_id.in_(plan.pks))).scalar_one()
        for table in (schema.group_nodes, schema.comments, schema.logs):
            assert conn.execute(select(func.count()).select_from(table).where(
                table.c.node_id.in_(plan.pks))).scalar_one() == 0
    assert dangling == 0
    assert done.rows_deleted["db_node"] == len(plan.pks)


def test_deleting_an_input_takes_its_consumers_and_keeps_files(storage):
    x = Int(1)
    x.put_file("notes.txt", b"kept for maintain")
    calc = CalcFunctionNode()
    calc.add_incoming(x, "input_calc", "x")
    calc.set_attribute_many({"process_state": "finished", "exit_status": 0})
    y = Int(2)
    y.add_incoming(calc, "create", "result")
    from jupyter_prov.orm import store_all

    store_all([x, calc, y])
    calc.seal()
    key = dict(x.walk_files())["notes.txt"]
    result = delete_nodes(x.pk, dry_run=False)
    assert set(result.pks) == {x.pk, calc.pk, y.pk}
    assert result.node_types == {"data.int": 2, "process.calculation.calcfunction": 1}
    with pytest.raises(NotExistent):
        load_node(x.pk)
    assert storage.repository.get_bytes(key) == b"kept for maintain"


def test_unsealed_process_blocks_the_delete(storage):
    x = Int(1)
    calc = CalcFunctionNode()
    calc.add_incoming(x, "input_calc", "x")
    from jupyter_prov.orm import store_all

    store_all([x, calc])
    plan = delete_nodes([x.pk])
    assert plan.unsealed == [calc.pk]
    with pytest.raises(DeleteError, match="not sealed"):
        delete_nodes([x.pk], dry_run=False)
    assert _node_ids(storage) == {x.pk, calc.pk}


def test_toggles_and_bad_input(storage):
    x = Int(1).store()
    with pytest.raises(TraversalError, match="fixed"):
        delete_nodes([x.pk], create_backward=False)
    with pytest.raises(TraversalError, match="no nodes"):
        delete_nodes([x.pk, 10**9], dry_run=False)
    assert _node_ids(storage) == {x.pk}
    done = delete_nodes([x.pk], dry_run=False, call_calc_forward=False)
    assert done.pks == [x.pk]
    assert done.summary().startswith("deleted 1 node(s) (1 data.int)")
    assert delete_nodes([]).pks == []
