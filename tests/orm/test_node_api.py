"""The public node API other layers use instead of a node's private fields (#14 item 3).

The notebook's capture builds array, table and reference nodes from content it wrote or hashed
itself; the cache clones outputs, rehashes and finds nodes by hash; the engine asks a node kind which
links it takes. Each of these is a public constructor or method here, and behaves like the code it
replaced.
"""

from __future__ import annotations

import ast
import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from jupyter_prov.orm import (
    Array,
    CalcFunctionNode,
    Data,
    Dict,
    Int,
    LinkType,
    ModificationNotAllowed,
    Node,
    Reference,
    Str,
    WorkChainNode,
    current,
    load_node,
)
from jupyter_prov.orm.entity import Entity
from jupyter_prov.orm.nodes import loading, storing
from jupyter_prov.orm.nodes.table import Table, default_format, table_bytes

ORM = Path(__file__).resolve().parents[2] / "jupyter_prov" / "orm"


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_node_is_an_entity_and_its_module_fits_on_a_few_screens():
    assert issubclass(Node, Entity)
    assert len((ORM / "nodes" / "node.py").read_text().splitlines()) <= 400


def test_current_entity_and_users_do_not_import_each_other_in_a_circle():
    """current.py sits below the entities: it imports neither entity.py nor users.py, not even deferred."""
    tree = ast.parse((ORM / "current.py").read_text())
    imported = {(node.module or "").lstrip(".") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {"entity", "users"} & imported


def test_type_string_and_entity_rows_are_public():
    assert (Int.type_string, WorkChainNode.type_string, Node.type_string) == (
        "data.int", "process.workflow.workchain", "node")
    from jupyter_prov.orm import User

    user = User("someone@example.org", first_name="Ada")
    row = user.row()
    assert row["email"] == "someone@example.org" and row["first_name"] == "Ada"
    row["email"] = "changed"  # a copy
    assert user.email == "someone@example.org"


def test_stored_pk_is_the_pk_of_a_stored_node_and_refuses_an_unstored_one(profile):
    """What code that handles only stored nodes (queued processes, loaded nodes) passes on as an int."""
    node = Int(3)
    with pytest.raises(ModificationNotAllowed, match="not stored"):
        _ = node.stored_pk
    node.store()
    assert node.stored_pk == node.pk and isinstance(node.stored_pk, int)


def test_link_kind_is_public_on_classes_and_nodes():
    assert Int.link_kind == Data.link_kind == "data"
    assert CalcFunctionNode.link_kind == "calculation"
    assert WorkChainNode().link_kind == "workflow"


def test_array_from_numpy_writes_the_npy_or_records_a_key_written_elsewhere(storage):
    values = np.arange(12, dtype="float32").reshape(3, 4)
    written = Array.from_numpy(values).store()
    assert np.array_equal(load_node(written.pk).get_array(), values)

    content = _npy(values)
    key = storage.repository.put_many_bytes([content])[0]
    assert key == hashlib.sha256(content).hexdigest()
    named = Array.from_numpy(values, key=key).store()
    assert named.get_shape() == (3, 4) and named.compute_hash() == written.compute_hash()
    assert np.array_equal(load_node(named.pk).get_array(), values)


def test_array_from_numpy_copies_an_npy_file(storage, tmp_path):
    values = np.arange(5)
    path = tmp_path / "a.npy"
    path.write_bytes(_npy(values))
    node = Array.from_numpy(values, npy_file=path).store()
    assert np.array_equal(load_node(node.pk).get_array(), values)


def test_table_from_frame_with_content_or_key_equals_the_plain_constructor(storage):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5]})
    plain = Table(frame)
    content = table_bytes(frame, default_format())
    from_content = Table.from_frame(frame, content=content)
    key = storage.repository.put_many_bytes([content])[0]
    from_key = Table.from_frame(frame, key=key)
    assert plain.compute_hash() == from_content.compute_hash() == from_key.compute_hash()
    from_key.store()
    assert load_node(from_key.pk).get_dataframe().equals(frame)


def test_reference_of_a_description(storage):
    node = Reference.of("mymodule.Model", "<Model 3 layers>", "ab" * 32).store()
    loaded = load_node(node.pk)
    assert (loaded.python_type, loaded.value, loaded.get_attribute("fingerprint")) == (
        "mymodule.Model", "<Model 3 layers>", "ab" * 32)


def test_clone_is_a_new_unstored_node_with_the_same_content(storage):
    original = Dict({"a": {"b": [1, 2]}}, label="x")
    original.put_file("notes/readme.txt", b"hello")
    original.set_extra("tag", "kept out")
    original.store()
    clone = original.clone()
    assert not clone.is_stored and clone.uuid != original.uuid and type(clone) is Dict
    assert clone.get_dict() == original.get_dict() and clone.label == "x" and clone.extras == {}
    assert clone.compute_hash() == original.node_hash
    clone.set_attribute("a", 1)  # the clone's attributes are its own
    assert original.get_dict() == {"a": {"b": [1, 2]}}
    clone.store()
    assert load_node(clone.pk).get_file("notes/readme.txt") == b"hello"


def test_discard_pending_links_drops_one_type_before_storing(storage):
    calc = CalcFunctionNode()
    source = Int(1).store()
    calc.add_incoming(source, LinkType.INPUT_CALC, "x")
    result = Int(2)
    result.add_incoming(calc, LinkType.CREATE, "result")
    result.discard_pending_links(LinkType.CREATE)
    assert result.get_incoming() == []
    calc.discard_pending_links("create")  # nothing of that type: unchanged
    assert [t.link_label for t in calc.get_incoming()] == ["x"]
    source_links = source.get_incoming()
    with pytest.raises(ModificationNotAllowed):
        source.discard_pending_links(LinkType.CREATE)
    assert source.get_incoming() == source_links


def test_a_stored_process_hashes_the_same_from_loaded_inputs(storage):
    calc = CalcFunctionNode(process_type="bench.f")
    calc.add_incoming(Int(3).store(), LinkType.INPUT_CALC, "x")
    calc.set_attribute("process_state", "running")
    calc.store()
    inputs = calc.get_incoming(LinkType.INPUT_CALC)
    assert calc.compute_hash_with_inputs(inputs) == calc.compute_hash() == calc.node_hash
    assert calc.compute_hash_with_inputs([]) != calc.node_hash


def test_find_by_hash_gives_the_pks_of_that_content_oldest_first(storage):
    first, second = Str("same").store(), Str("same").store()
    Str("other").store()
    assert loading.find_by_hash(first.node_hash, node_type="data.str", process_type=None) == [first.pk, second.pk]
    assert loading.find_by_hash(first.node_hash, node_type="data.int", process_type=None) == []
    calc_a = CalcFunctionNode(process_type="p").store()
    calc_b = CalcFunctionNode(process_type="p").store()
    assert loading.find_by_hash(calc_a.node_hash, node_type=calc_a.node_type, process_type="p") == [calc_a.pk, calc_b.pk]
    assert loading.find_by_hash(calc_a.node_hash, node_type=calc_a.node_type, process_type="p", limit=1) == [calc_a.pk]


def test_rehash_stores_changed_hashes_only(storage):
    nodes = [Int(i).store() for i in range(3)]
    assert storing.rehash(nodes) == 0
    with storage.transaction() as conn:
        from sqlalchemy import update

        from jupyter_prov.storage import schema

        conn.execute(update(schema.nodes).where(schema.nodes.c.id == nodes[1].pk).values(node_hash="stale"))
    assert storing.rehash() == 1
    assert load_node(nodes[1].pk).node_hash == nodes[1].compute_hash()


def test_update_stored_attributes_writes_many_processes_at_once_under_the_rules(storage):
    calcs = [CalcFunctionNode() for _ in range(3)]
    for calc in calcs:
        calc.set_attribute("process_state", "running")
    storing.store_all(calcs)
    storing.update_stored_attributes([(calc, {"process_state": "finished", "exit_status": 0, "sealed": True})
                                      for calc in calcs])
    assert all(load_node(c.pk).is_sealed and load_node(c.pk).exit_status == 0 for c in calcs)
    assert calcs[0].is_sealed
    with pytest.raises(ModificationNotAllowed):  # sealed now
        storing.update_stored_attributes([(calcs[0], {"process_status": "late"})])
    data = Int(1).store()
    with pytest.raises(ModificationNotAllowed):  # a datum's attributes never change once stored
        storing.update_stored_attributes([(data, {"value": 2})])
    assert load_node(data.pk).value == 1


def test_reload_reads_the_stored_row_again(storage):
    calc = CalcFunctionNode()
    calc.set_attribute("process_state", "running")
    calc.store()
    with pytest.raises(RuntimeError):
        with storage.transaction():
            storing.update_stored_attributes([(calc, {"process_status": "in a transaction that fails"})])
            raise RuntimeError("rolled back")
    assert calc.process_status == "in a transaction that fails"  # memory is ahead of the database
    assert calc.reload().process_status is None


def test_foreign_storage_names_only_another_storage(storage):
    assert current.foreign_storage(None) is None
    assert current.foreign_storage(storage) is None
    assert current.loaded_storage() is storage
    other = object()
    assert current.foreign_storage(other) is other
