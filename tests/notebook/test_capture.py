"""The capture policy: kinds, change detection, offline hashes equal to the stored ones (both backends)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_prov.notebook.capture import CapturePolicy, build_node, fingerprint, observe, value_hash


@pytest.mark.parametrize("value, kind, node_type", [
    (3, "json", "data.int"), (2.5, "json", "data.float"), ("s", "json", "data.str"), (True, "json", "data.bool"),
    ([1, [2, 3]], "json", "data.list"), ((1, 2), "json", "data.list"), ({"a": {"b": 1}}, "json", "data.dict"),
    (np.float64(1.5), "json", "data.float"), (np.arange(6).reshape(2, 3), "array", "data.array"),
    (pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}), "table", "data.table"),
    ({1: 2}, "reference", "data.reference"), (None, "reference", "data.reference"),
    (float("nan"), "reference", "data.reference"), (np.array([object()]), "reference", "data.reference"),
])
def test_kinds_and_offline_hash_equal_stored_hash(profile, value, kind, node_type):
    captured = observe(value, CapturePolicy())
    assert captured.kind == kind
    node = build_node(captured)
    assert node.node_type == node_type
    node.store()
    if kind != "reference":
        assert value_hash(value) == node.node_hash  # what a replay kernel compares
    else:
        assert value_hash(value) is None
        assert set(node.attributes) == {"python_type", "repr", "fingerprint"}


def test_in_place_changes_change_the_fingerprint():
    policy = CapturePolicy()
    items, array, frame = [1], np.zeros(10), pd.DataFrame({"a": [1.0]})
    before = [fingerprint(v, policy) for v in (items, array, frame)]
    items.append(2)
    array[3] = 1
    frame.loc[0, "a"] = 2.0
    after = [fingerprint(v, policy) for v in (items, array, frame)]
    assert all(b != a for b, a in zip(before, after))


def test_large_arrays_are_sampled_and_not_copied(profile):
    policy = CapturePolicy(hash_inline_bytes=1024, copy_limit_bytes=4096)
    big = np.arange(100_000, dtype=np.float64)
    captured = observe(big, policy)
    assert captured.live and captured.payload is big  # no copy on the kernel thread
    big[0] = -1.0  # changed after the cell, before the writer hashed it: sampled element 0 differs
    node = build_node(captured, policy=policy)
    assert node.get_attribute("changed_after_cell") is True
    node.store()
    assert node.get_array()[0] == -1.0
    small = observe(np.arange(10.0), policy)
    assert not small.live  # copied: later changes do not reach the record


def test_odd_values_become_references():
    class NoHash:
        def __hash__(self):
            raise RuntimeError("unhashable on purpose")

    kind, _ = fingerprint(pd.DataFrame({"w": [NoHash()]}), CapturePolicy())
    assert kind == "reference"

    class BadRepr:
        def __repr__(self):
            raise ValueError("broken repr")

    captured = observe(BadRepr(), CapturePolicy())
    assert "BadRepr" in captured.payload["repr"]  # a broken __repr__ does not break recording


def test_policy_settings_are_validated():
    policy = CapturePolicy()
    policy.set("copy_limit_bytes", "1024")
    policy.set("capture_streams", "off")
    assert policy.copy_limit_bytes == 1024 and policy.capture_streams is False
    with pytest.raises(ValueError, match="unknown capture setting 'nope'"):
        policy.set("nope", "1")


def test_a_bad_policy_value_names_the_setting_and_changes_nothing():
    policy = CapturePolicy()
    with pytest.raises(ValueError, match=r"^capture setting 'copy_limit_bytes': 'abc' is not a number$"):
        policy.set("copy_limit_bytes", "abc")
    with pytest.raises(ValueError, match=r"^capture setting 'record_files': 'maybe' is not true or false$"):
        policy.set("record_files", "maybe")
    with pytest.raises(ValueError, match=r"^capture setting 'max_json_bytes': '-5' must be 0 or more$"):
        policy.set("max_json_bytes", "-5")
    assert policy == CapturePolicy()
