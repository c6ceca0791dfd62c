"""Invariants of stored nodes (ARCHITECTURE.md section 4): immutability, acyclicity, all-or-nothing stores."""

import pytest
from sqlalchemy import func, select

from jupyter_prov.orm import (
    CalcFunctionNode, Dict, Int, LinkError, LinkType, ModificationNotAllowed, StoringNotAllowed, ValidationError,
    WorkChainNode, current, load_node, store_all,
)
from jupyter_prov.storage import schema


def _counts():
    with current.get_storage().connection() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (schema.nodes, schema.links))


def _calc(state="running"):
    calc = CalcFunctionNode()
    calc.set_process_state(state)
    return calc


# ---- immutability -----------------------------------------------------------------------------------
def test_stored_attributes_never_change(profile):
    node = Dict({"a": 1, "nested": {"b": [1, 2]}}).store()
    for change in (lambda: node.set_attribute("a", 2), lambda: node.set_attribute("new", 1),
                   lambda: node.delete_attribute("a"), lambda: node.set_attribute_many({"a": 3})):
        with pytest.raises(ModificationNotAllowed, match="is stored"):
            change()
    with pytest.raises(TypeError):
        node.attributes["a"] = 5  # a read-only view
    loaded = load_node(node.pk)
    assert dict(loaded.attributes) == {"a": 1, "nested": {"b": [1, 2]}}
    assert loaded.node_hash == node.node_hash == loaded.compute_hash()


def test_stored_files_never_change(profile, tmp_path):
    node = Int(1)
    node.put_file("data/a.txt", b"first")
    node.store()
    local = tmp_path / "b.txt"
    local.write_bytes(b"x")
    for change in (lambda: node.put_file("data/a.txt", b"second"), lambda: node.put_file("b.txt", local),
                   lambda: node.delete_file("data/a.txt"), lambda: node.put_folder(tmp_path)):
        with pytest.raises(ModificationNotAllowed, match="files cannot change"):
            change()
    loaded = load_node(node.pk)
    assert loaded.list_files("data") == ["a.txt"] and loaded.get_file("data/a.txt") == b"first"


def test_stored_incoming_links_never_change(profile):
    datum = Int(1).store()
    calc = _calc()
    calc.add_incoming(datum, LinkType.INPUT_CALC, "x")
    calc.store()
    with pytest.raises(LinkError, match="never change"):
        calc.add_incoming(Int(2).store(), LinkType.INPUT_CALC, "y")
    assert [t.link_label for t in load_node(calc.pk).get_incoming()] == ["x"]


def test_process_attributes_change_until_sealed(profile):
    calc = _calc().store()
    calc.set_process_state("finished")
    calc.set_exit(0)
    with pytest.raises(ModificationNotAllowed, match="'x'"):
        calc.set_attribute("x", 1)  # not an updatable attribute
    calc.seal()
    with pytest.raises(ModificationNotAllowed):
        calc.set_attribute("exit_status", 1)
    loaded = load_node(calc.pk)
    assert loaded.is_sealed and loaded.exit_status == 0 and loaded.process_state.value == "finished"


def test_only_terminated_processes_seal(profile):
    calc = _calc().store()
    with pytest.raises(ModificationNotAllowed, match="only a terminated process"):
        calc.seal()


def test_extras_label_description_stay_mutable(profile):
    node = Int(1).store()
    node.label, node.description = "one", "the first"
    node.set_extra("k", {"v": 1})
    loaded = load_node(node.pk)
    assert (loaded.label, loaded.description, loaded.extras) == ("one", "the first", {"k": {"v": 1}})


# ---- acyclicity -------------------------------------------------------------------------------------
def test_a_cycle_in_a_batch_is_refused_and_stores_nothing(profile):
    calc, datum = _calc(), Int(1)
    datum.add_incoming(calc, LinkType.CREATE, "result")
    calc.add_incoming(datum, LinkType.INPUT_CALC, "x")
    with pytest.raises(LinkError, match="cycle"):
        store_all([calc, datum])
    assert _counts() == (0, 0) and calc.pk is None and datum.pk is None


def test_a_longer_cycle_is_refused(profile):
    c1, d1, c2, d2 = _calc(), Int(1), _calc(), Int(2)
    d1.add_incoming(c1, LinkType.CREATE, "out")
    c2.add_incoming(d1, LinkType.INPUT_CALC, "x")
    d2.add_incoming(c2, LinkType.CREATE, "out")
    c1.add_incoming(d2, LinkType.INPUT_CALC, "x")
    with pytest.raises(LinkError, match="cycle"):
        store_all([d2, c1, c2, d1])
    assert _counts() == (0, 0)


def test_stored_data_cannot_become_its_own_ancestor(profile):
    """Links only point into nodes as they are stored, so a path back to an older node cannot appear."""
    datum = Int(1).store()
    calc = _calc()
    calc.add_incoming(datum, LinkType.INPUT_CALC, "x")
    calc.store()
    with pytest.raises(LinkError):
        datum.add_incoming(calc, LinkType.CREATE, "result")


# ---- one transaction ---------------------------------------------------------------------------------
def test_failed_store_all_leaves_nothing_behind(profile):
    stored = Int(0).store()
    batch = [Int(i) for i in range(1, 50)]
    clash = Int(99)
    clash._uuid = stored.uuid  # the database refuses a second node with this UUID
    batch.append(clash)
    before = _counts()
    with pytest.raises(StoringNotAllowed, match="nothing was stored"):
        store_all(batch)
    assert _counts() == before
    assert all(n.pk is None and n.node_hash is None for n in batch)
    clash._uuid = Int(0).uuid
    store_all(batch)  # fixed, the same batch stores
    assert _counts()[0] == before[0] + 50


def test_failed_link_in_a_batch_leaves_nodes_and_links_out(profile):
    workflow = WorkChainNode()
    workflow.set_process_state("running")
    workflow.store()
    calc = _calc().store()
    inputs = [Int(i) for i in range(30)]
    targets = []
    for i in range(25):
        datum = Int(i)
        datum.add_incoming(calc, LinkType.CREATE, f"out_{i}")
        targets.append(datum)
    late = Int(100)
    late.add_incoming(calc, LinkType.CREATE, "out_3")  # same output label as another in the batch
    before = _counts()
    with pytest.raises(LinkError, match="out_3|labels are unique"):
        store_all([*inputs, *targets, late])
    assert _counts() == before
    assert all(n.pk is None for n in [*inputs, *targets, late])


def test_unstored_computer_is_refused(profile):
    from jupyter_prov.orm import Computer

    with pytest.raises(ValidationError, match="must be stored"):
        Int(1, computer=Computer("unstored"))


# ---- bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [object(), {1: "int key"}, float("nan"), float("inf"), {"a": [1, {2}]}, b"bytes"])
def test_non_json_attributes_are_refused_naming_the_key(profile, value):
    node = Dict()
    with pytest.raises(ValidationError, match="attribute 'key'"):
        node.set_attribute("key", value)
    with pytest.raises(ValidationError, match="extra 'key'"):
        Int(1).store().set_extra("key", value)


def test_non_json_dict_content_is_refused(profile):
    with pytest.raises(ValidationError):
        Dict({"ok": 1, "bad": object()})
    assert _counts() == (0, 0)


@pytest.mark.parametrize("key", ["", 5, None])
def test_bad_attribute_and_extra_keys(profile, key):
    with pytest.raises(ValidationError, match="non-empty strings"):
        Dict().set_attribute(key, 1)
    with pytest.raises(ValidationError, match="non-empty strings"):
        Int(1).set_extra(key, 1)


def test_too_long_labels_are_refused(profile):
    with pytest.raises(ValidationError, match="at most 255"):
        Int(1, label="x" * 256)
    node = Int(1, label="x" * 255).store()
    with pytest.raises(ValidationError, match="at most 255"):
        node.label = "y" * 256
    assert load_node(node.pk).label == "x" * 255
    with pytest.raises(ValidationError, match="must be a string"):
        node.label = 5


@pytest.mark.parametrize("path", ["/etc/passwd", "../up", "a/../../b", ""])
def test_file_paths_stay_inside_the_node(profile, path):
    with pytest.raises(ValidationError):
        Int(1).put_file(path, b"x")


def test_wrong_values_for_scalar_kinds(profile):
    from jupyter_prov.orm import Bool, Float, Str

    for kind, value in ((Int, "5"), (Int, 1.5), (Float, "x"), (Str, 5), (Bool, "yes")):
        with pytest.raises(ValidationError):
            kind(value)
