"""A named query of the ORM that wrote a node's row hands the values to the node object through its
public ``take_written_values`` (#14: no module sets another module's ``node._attributes``)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_prov.orm import CalcFunctionNode, Int, ModificationNotAllowed, load_node
from jupyter_prov.orm.record_queries import finish_processes, write_transaction


def test_finish_processes_puts_the_written_outcome_on_the_node_after_the_commit(storage):
    node = CalcFunctionNode().store()
    before = node.mtime
    with write_transaction():
        apply = finish_processes([(node, {"exit_status": 0, "sealed": True})])
        assert "exit_status" not in node.attributes  # nothing on the object until the caller committed
    apply()
    assert node.attributes["exit_status"] == 0 and node.is_sealed
    assert node.mtime > before
    row = load_node(node.pk)
    assert row.attributes == node.attributes and row.mtime == node.mtime


def test_take_written_values_sets_the_fields_and_copies_the_mapping(storage):
    node = CalcFunctionNode().store()
    when = datetime(2030, 1, 2, tzinfo=timezone.utc)
    given = {"exit_status": 3}
    node.take_written_values(given, when)
    given["exit_status"] = 4
    assert node.attributes == {"exit_status": 3} and node.mtime == when


def test_take_written_values_refuses_an_unstored_node(storage):
    with pytest.raises(ModificationNotAllowed, match="not stored"):
        Int(1).take_written_values({"value": 2}, datetime.now(timezone.utc))
