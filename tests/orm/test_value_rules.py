"""The ORM's value rules at store time (orm/validation.py): bad values give one clear error, the store stays as it was.

Also: floats stay floats on both backends, and what ``attributes`` hands out cannot change a stored node.
"""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from jupyter_prov.orm import (
    CalcFunctionNode,
    Dict,
    Float,
    Int,
    QueryBuilder,
    Str,
    ValidationError,
    current,
    load_node,
    store_all,
    validation,
)
from jupyter_prov.orm.nodes import Node


def _count() -> int:
    return QueryBuilder().append(Node).count()


def _deep(levels: int):
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


# ---- JSON rules, when set and when stored -----------------------------------------------------------
@pytest.mark.parametrize("bad, message", [
    (_deep(1_000), "nested deeper than 100"),
    (_deep(100_000), "nested deeper than 100"),
    (2**64, "64-bit"),
    (-(2**63) - 1, "64-bit"),
    ("a\x00b", "NUL"),
    ({"k\x00": 1}, "NUL"),
])
def test_bad_json_values_are_refused_when_set(profile, bad, message):
    with pytest.raises(ValidationError, match=message) as info:
        Dict({"x": bad})
    assert "Dict['x']" in str(info.value)


@pytest.mark.parametrize("bad, message", [
    (_deep(2_000), "nested deeper than 100"),
    (2**70, "64-bit"),
    ("a\x00b", "NUL"),
    (float("nan"), "NaN"),
    (object(), "not a JSON value"),
])
def test_values_that_bypass_the_setters_are_refused_at_store_time(profile, bad, message):
    node = Int(1)
    node._attributes["x"] = bad  # what engine and notebook code do for speed
    before = _count()
    with pytest.raises(ValidationError, match=message) as info:
        node.store()
    assert "attributes of" in str(info.value)
    assert not node.is_stored and _count() == before


def test_a_batch_with_one_bad_node_stores_nothing(profile):
    good, bad = Int(1), Int(2)
    bad._attributes["x"] = 2**80
    before = _count()
    with pytest.raises(ValidationError, match="64-bit"):
        store_all([good, bad] + [Int(i) for i in range(100)])
    assert _count() == before and not good.is_stored


def test_ints_at_the_edges_of_the_64_bit_range_round_trip(profile):
    node = Dict({"lo": validation.INT_MIN, "hi": validation.INT_MAX}).store()
    assert load_node(node.pk).get_dict() == {"lo": -(2**63), "hi": 2**63 - 1}


def test_nesting_up_to_the_limit_round_trips(profile):
    value = _deep(validation.MAX_DEPTH - 2)  # the Dict, then 100 - 1 lists
    node = Dict({"x": value}).store()
    assert load_node(node.pk)["x"] == value
    with pytest.raises(ValidationError, match="nested deeper than 100"):
        Dict({"x": [value]})


# ---- size limit ----------------------------------------------------------------------------------------
def test_attributes_over_the_size_limit_are_refused_with_the_limit(profile):
    current.get_profile().options[validation.PROFILE_OPTION] = 1000
    try:
        Str("x" * 900).store()
        before = _count()
        with pytest.raises(ValidationError, match=r"more than the limit of 1,000 bytes"):
            Str("x" * 1100).store()
        with pytest.raises(ValidationError, match="limit"):
            store_all([Int(1), Str("é" * 600)])  # 1,200 bytes of UTF-8 in 600 characters
        assert _count() == before
    finally:
        del current.get_profile().options[validation.PROFILE_OPTION]


def test_the_default_size_limit_takes_big_attributes_and_refuses_bigger(profile):
    Str("x" * (validation.DEFAULT_MAX_JSON_BYTES - 100)).store()
    with pytest.raises(ValidationError, match="limit"):
        Str("x" * (validation.DEFAULT_MAX_JSON_BYTES + 1)).store()


def test_extras_over_the_size_limit_are_refused(profile):
    current.get_profile().options[validation.PROFILE_OPTION] = 1000
    try:
        node = Int(1).store()
        with pytest.raises(ValidationError, match="limit"):
            node.set_extra("big", "x" * 2000)
        assert load_node(node.pk).extras == {}
    finally:
        del current.get_profile().options[validation.PROFILE_OPTION]


# ---- columns ------------------------------------------------------------------------------------------
def test_label_and_description_reject_nul(profile):
    with pytest.raises(ValidationError, match="NUL"):
        Int(1, label="a\x00")
    with pytest.raises(ValidationError, match="NUL"):
        Int(1, description="a\x00")


def test_column_checks_name_the_input():
    with pytest.raises(ValidationError, match="ctime .* no time zone"):
        validation.check_datetime(datetime(2020, 1, 1), what="ctime")
    with pytest.raises(ValidationError, match="uuid"):
        validation.check_uuid("not-a-uuid")
    with pytest.raises(ValidationError, match="node_type"):
        validation.check_node_type("data.Int; DROP")
    with pytest.raises(ValidationError, match="at most 255"):
        validation.check_label("x" * (10 << 20), what="label of row 3")



def test_uuids_and_type_strings_match_exactly_not_up_to_a_final_newline():
    # `$` also matches before a final newline: a row could carry "<uuid>\n" past the check
    with pytest.raises(ValidationError, match="uuid"):
        validation.check_uuid("3f2a9c1e-0b7d-4c55-9e21-6a0f1c2d3e4f\n")
    with pytest.raises(ValidationError, match="node_type"):
        validation.check_node_type("data.int\n")
    assert validation.check_uuid("3f2a9c1e-0b7d-4c55-9e21-6a0f1c2d3e4f") == "3f2a9c1e-0b7d-4c55-9e21-6a0f1c2d3e4f"
    assert validation.check_node_type("data.int") == "data.int"

# ---- floats stay floats -------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [1e16, 1e308, -1e308, 5e-324, -0.0, 0.1, 1e15, 123456789012345678.0, 2.5e-7])
def test_floats_round_trip_as_floats(profile, x):
    node = Float(x).store()
    value = load_node(node.pk).value
    assert type(value) is float and value == x
    nested = Dict({"list": [x], "d": {"x": x}}).store()
    loaded = load_node(nested.pk).get_dict()
    assert type(loaded["list"][0]) is float and loaded["list"][0] == x and loaded["d"]["x"] == x


def test_big_floats_are_found_by_queries(profile):
    node = Float(1e16).store()
    found = QueryBuilder().append(Float, filters={"attributes.value": 1e16}, project="id").all(flat=True)
    assert found == [node.pk]
    projected = QueryBuilder().append(Float, filters={"id": node.pk}, project="attributes.value").all(flat=True)
    assert projected == [1e16] and type(projected[0]) is float
    assert not math.isnan(projected[0])


# ---- the attributes view is read-only all the way down -----------------------------------------------
def test_nested_attributes_handed_out_cannot_change_a_stored_node(profile):
    node = Dict({"nested": {"x": 1}, "list": [1, 2]}).store()
    for handed_out in (node.attributes["nested"], node.get_attribute("nested"), node["nested"]):
        try:
            handed_out["x"] = 999
        except TypeError:
            pass
    for handed_out in (node.attributes["list"], node.get_attribute("list"), node["list"]):
        try:
            handed_out.append(999)
        except (TypeError, AttributeError):
            pass
    assert node.get_dict() == {"nested": {"x": 1}, "list": [1, 2]}
    assert node.compute_hash() == node.node_hash
    assert load_node(node.pk).get_dict() == {"nested": {"x": 1}, "list": [1, 2]}


def test_a_nested_change_is_not_persisted_by_a_later_permitted_write(profile):
    process = CalcFunctionNode(process_type="m:f")
    process.set_attribute("config", {"threshold": 1, "steps": [1, 2]})
    process.set_process_state("created")
    process.store()
    for handed_out in (process.attributes["config"], process.get_attribute("config")):
        try:
            handed_out["threshold"] = 999
            handed_out["steps"].append(3)
        except (TypeError, AttributeError):
            pass
    process.set_process_state("running")  # a permitted write of the unsealed process
    assert load_node(process.pk).get_attribute("config") == {"threshold": 1, "steps": [1, 2]}
    assert process.get_attribute("config") == {"threshold": 1, "steps": [1, 2]}


def test_handed_out_values_still_compare_as_json(profile):
    node = Dict({"nested": {"x": [1, 2]}}).store()
    assert node.attributes["nested"] == {"x": [1, 2]}
    assert dict(node.attributes) == {"nested": {"x": [1, 2]}}
    node.attributes["nested"]["x"].append(3)  # a copy: fine to change
    assert node["nested"] == {"x": [1, 2]}


def test_nested_file_tree_handed_out_cannot_change_a_stored_node(profile):
    node = Dict({})
    node.put_file("a/b.txt", b"x")
    node.store()
    try:
        node.file_tree["a"]["c.txt"] = node.file_tree["a"]["b.txt"]
    except TypeError:
        pass
    assert node.list_files("a") == ["b.txt"]


def test_comments_with_nul_are_refused_and_log_messages_replace_it(profile):
    from jupyter_prov.orm import Log

    node = Int(1).store()
    with pytest.raises(ValidationError, match="NUL"):
        node.add_comment("a\x00b")
    comment = node.add_comment("fine")
    with pytest.raises(ValidationError, match="NUL"):
        comment.set_content("x\x00")
    Log(node, "read a\x00b").store()
    assert [log.message for log in node.get_logs()] == ["read a\ufffdb"]
    assert [c.content for c in node.get_comments()] == ["fine"]
