"""An invalid node is never a cache source: caching must not bring a bad result back (#17)."""

from __future__ import annotations

import importlib
import sys
import uuid

import pytest

from jupyter_prov.engine import enable_caching
from jupyter_prov.records import Dataset, invalidate, revalidate

SOURCE = '''
from jupyter_prov.engine import calcfunction

CALLS = []


@calcfunction
def calibrate(x):
    CALLS.append(x.value)
    return {"peaks": x.value * 10}
'''


@pytest.fixture
def mod(tmp_path, monkeypatch):
    name = f"cachesrc_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(name)
    sys.modules.pop(name, None)


def test_an_invalidated_result_is_recomputed_by_the_next_identical_call(profile, mod):
    _, first = mod.calibrate.run_get_node(3)
    invalidate(first.outputs.peaks, "detector gain was wrong")
    with enable_caching():
        result, second = mod.calibrate.run_get_node(3)
    assert mod.CALLS == [3, 3], "the invalid result was taken from the cache"
    assert second.get_attribute("cached_from", None) is None and result["peaks"].value == 30


def test_a_calculation_invalid_through_its_input_is_not_reused(profile, mod):
    raw = Dataset.create("raw").update(3)
    _, first = mod.calibrate.run_get_node(raw.node)
    invalidate(raw, "wrong units")  # the cascade marks the calculation that took it
    with enable_caching():
        _, second = mod.calibrate.run_get_node(3)
    assert mod.CALLS == [3, 3] and second.get_attribute("cached_from", None) is None


def test_a_cached_copy_of_an_invalid_result_is_not_a_source_either(profile, mod):
    _, first = mod.calibrate.run_get_node(3)
    with enable_caching():
        _, copy = mod.calibrate.run_get_node(3)
    assert copy.get_attribute("cached_from") == first.uuid
    invalidate(first.outputs.peaks, "bad")  # the copy is not linked to it, but is the same result
    with enable_caching():
        _, third = mod.calibrate.run_get_node(3)
    assert mod.CALLS == [3, 3] and third.get_attribute("cached_from", None) is None


def test_revalidated_results_are_cache_sources_again(profile, mod):
    _, first = mod.calibrate.run_get_node(3)
    invalidate(first.outputs.peaks, "suspected")
    revalidate(first.outputs.peaks, "checked: fine")
    with enable_caching():
        _, second = mod.calibrate.run_get_node(3)
    assert mod.CALLS == [3] and second.get_attribute("cached_from") == first.uuid
