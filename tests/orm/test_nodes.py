"""Nodes: storing, loading, attributes, extras, files, and what stays immutable once stored."""

import numpy as np
import pytest

from jupyter_prov.orm import (
    Array, Bool, Dict, File, Float, Folder, Int, List, ModificationNotAllowed, NotExistent, Str,
    ValidationError, load_node, store_all, to_data,
)


def test_int_round_trip(profile):
    node = Int(5).store()
    loaded = load_node(node.pk)
    assert type(loaded) is Int and loaded.value == 5
    assert loaded.uuid == node.uuid
    assert load_node(node.uuid[:10]).pk == node.pk
    assert loaded.node_hash == node.node_hash and len(node.node_hash) == 64


@pytest.mark.parametrize("value, kind", [(True, Bool), (3, Int), (2.5, Float), ("x", Str), ({"a": 1}, Dict), ([1, 2], List)])
def test_to_data_picks_the_kind(profile, value, kind):
    node = to_data(value).store()
    assert type(load_node(node.pk)) is kind
    assert load_node(node.pk).value == value


def test_attributes_are_immutable_once_stored(profile):
    node = Dict({"energy": -3.2}).store()
    with pytest.raises(ModificationNotAllowed, match="stored"):
        node.set_attribute("energy", 1.0)
    with pytest.raises(ModificationNotAllowed):
        node.delete_attribute("energy")
    assert load_node(node.pk)["energy"] == -3.2


def test_extras_stay_mutable(profile):
    node = Int(1).store()
    node.set_extra("tag", "a")
    node.set_extra_many({"n": 2, "nested": {"x": [1, 2]}})
    node.delete_extra("n")
    assert load_node(node.pk).extras == {"tag": "a", "nested": {"x": [1, 2]}}


def test_label_and_description_validation(profile):
    node = Int(1)
    with pytest.raises(ValidationError, match="at most 255"):
        node.label = "x" * 256
    node.label = "ok"
    node.store()
    node.description = "later"
    assert load_node(node.pk).description == "later"


@pytest.mark.parametrize("bad", [object(), {1: "x"}, float("nan"), {"a": {"b": set()}}])
def test_non_json_attribute_values_are_refused_with_the_key(profile, bad):
    with pytest.raises(ValidationError, match="attribute 'x'"):
        Int(1).set_attribute("x", bad)


def test_files_round_trip_and_are_immutable(profile, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("hello")
    node = Folder()
    node.put_file("a/b.txt", b"bytes")
    node.put_file("in.txt", source)
    node.store()
    loaded = load_node(node.pk)
    assert loaded.list_files() == ["a/", "in.txt"]
    assert loaded.get_file("a/b.txt") == b"bytes"
    assert loaded.open("in.txt").read() == "hello"
    with pytest.raises(ModificationNotAllowed):
        loaded.put_file("c.txt", b"x")
    with pytest.raises(ValidationError, match="inside the node"):
        Folder().put_file("../escape", b"x")


def test_file_node_and_array(profile, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("1\n2\n")
    f = File.from_path(path).store()
    assert load_node(f.pk).get_content() == "1\n2\n"
    arr = Array(np.arange(12).reshape(3, 4)).store()
    back = load_node(arr.pk)
    assert back.get_shape() == (3, 4)
    np.testing.assert_array_equal(back.get_array(), np.arange(12).reshape(3, 4))


def test_same_content_same_hash(profile):
    a, b = Dict({"x": 1, "y": [1, 2]}), Dict({"y": [1, 2], "x": 1})
    store_all([a, b])
    assert a.node_hash == b.node_hash
    assert Int(1).store().node_hash != Float(1.0).store().node_hash


def test_hash_is_stable_after_loading(profile):
    node = Dict({"f": 0.1, "s": "é", "n": None, "l": [1.5, True]}).store()
    assert load_node(node.pk).compute_hash() == node.node_hash


def test_unknown_node(profile):
    with pytest.raises(NotExistent, match="no node with pk 999999"):
        load_node(999999)
