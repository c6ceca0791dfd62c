"""The writer thread works only while the kernel is idle, pauses inside a large array when a cell starts,
and stores large arrays with the hash a replay computes (both backends)."""

from __future__ import annotations

import hashlib
import io
import time
from datetime import datetime, timezone

import numpy as np
import pytest

from jupyter_prov.notebook.capture import (
    CapturePolicy,
    build_node,
    npy_sha256,
    npy_stream,
    observe,
    value_hash,
)
from jupyter_prov.notebook.cell_records import CellRecord
from jupyter_prov.notebook.writer import ProvenanceWriter


def _record(sequence: int, **values) -> CellRecord:
    policy = CapturePolicy(copy_limit_bytes=1 << 20)  # arrays above 1 MiB stay live: hashed on the writer
    record = CellRecord(sequence=sequence, source=f"cell {sequence}", cell_id=None, execution_count=sequence,
                        notebook=None, session="test-session", started_at=datetime.now(timezone.utc))
    record.ended_at = datetime.now(timezone.utc)
    record.outputs = {name: observe(value, policy) for name, value in values.items()}
    return record


def _wait(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return predicate()


def test_nothing_is_written_while_a_cell_executes(profile):
    errors: list[str] = []
    writer = ProvenanceWriter(CapturePolicy(), errors.append)
    try:
        writer.kernel_busy()
        writer.submit(_record(1, x=1, y=[1, 2]))
        time.sleep(0.5)  # far longer than the writer needs for this record
        assert writer.cells_recorded == 0 and writer.pending == 1
        writer.kernel_idle()
        assert _wait(lambda: writer.cells_recorded == 1, timeout=30)  # no flush: the writer starts by itself
        assert writer.pending == 0 and errors == []
        assert writer.versions["y"].get_list() == [1, 2]
    finally:
        writer.close()


def test_the_writer_pauses_inside_a_large_array_when_a_cell_starts(profile):
    errors: list[str] = []
    writer = ProvenanceWriter(CapturePolicy(), errors.append)
    writer.measure = True
    big = np.arange(32_000_000, dtype=np.float64)  # 256 MB: 244 pieces of 1 MiB
    big[::7] = -1.5
    try:
        writer.kernel_busy()
        writer.submit(_record(1, big=big))
        writer.kernel_idle()
        # the writer starts after its quiet period; wait until it is inside the array, then a cell starts
        assert _wait(lambda: len(writer.gate_passes) >= 20, timeout=60)
        writer.kernel_busy()
        busy_at = time.perf_counter()
        time.sleep(0.5)
        assert writer.cells_recorded == 0, "the array was finished while the cell ran"
        assert [t for t in writer.gate_passes if t > busy_at] == []  # no piece of work began during the cell
        writer.kernel_idle()
        assert writer.flush(timeout=120)
        assert writer.cells_recorded == 1 and errors == []
        assert writer.paused_seconds >= 0.4
    finally:
        writer.close()
    node = writer.versions["big"]
    assert node.is_stored and node.get_attribute("changed_after_cell", None) is None
    # the same hash as the array's .npy written by numpy, and as a replay kernel computes (value_hash)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, big, allow_pickle=False)
    assert node.file_tree["default.npy"] == hashlib.sha256(buffer.getvalue()).hexdigest()
    assert node.node_hash == value_hash(big)
    assert np.array_equal(node.get_array(), big)


def test_urgent_flush_writes_while_the_kernel_is_busy(profile):
    # a cell that launches a process (store_early) or %provenance flush waits for the writer inside a cell
    writer = ProvenanceWriter(CapturePolicy(), lambda message: None)
    try:
        writer.kernel_busy()
        writer.submit(_record(1, z=3))
        assert writer.flush(timeout=60)
        assert writer.cells_recorded == 1 and writer.versions["z"].value == 3
    finally:
        writer.close()


@pytest.mark.parametrize("array", [
    np.arange(12.0).reshape(3, 4), np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)), np.array(2.5),
    np.zeros((0, 3)), np.arange(10, dtype=">i4"), np.array(["ab", "c"]), np.array(["2020-01-01"], dtype="M8[D]"),
    np.arange(20)[::3], np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
], ids=["c", "fortran", "0d", "empty", "big-endian", "unicode", "datetime", "strided", "structured"])
def test_npy_stream_is_the_bytes_numpy_saves(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    expected = buffer.getvalue()
    stream = npy_stream(array)
    if (array.flags.c_contiguous or array.flags.f_contiguous) and array.dtype.names is None:
        assert stream is not None
        pieces = []
        while len(chunk := stream.read(5)):
            pieces.append(bytes(chunk))
        assert b"".join(pieces) == expected
    else:  # strided and structured arrays take numpy's own writer
        assert stream is None
    assert npy_sha256(array) == hashlib.sha256(expected).hexdigest()


def test_large_fortran_array_stored_without_copy_has_the_replay_hash(profile):
    policy = CapturePolicy(copy_limit_bytes=1 << 20, hash_inline_bytes=1 << 20)
    array = np.asfortranarray(np.random.default_rng(1).random((700, 400)))  # 2.2 MB, live, Fortran order
    captured = observe(array, policy)
    assert captured.live
    node = build_node(captured, policy=policy)
    node.store()
    assert node.node_hash == value_hash(array, policy)
    loaded = node.get_array()
    assert np.array_equal(loaded, array) and loaded.flags.f_contiguous


@pytest.mark.slow
def test_a_50_mb_array_cell_in_a_kernel_is_recorded_with_the_numpy_save_hash(subprocess_env, tmp_path):
    import nbformat

    from ._kernel import outputs, recorded_cells, run_notebook

    sources = [
        "%load_ext jupyter_prov",
        "import numpy as np",
        "big = np.arange(6_553_600, dtype=np.float64) * 0.5  # 50 MiB",
        "%provenance flush",
        "from jupyter_prov.notebook.capture import value_hash\nprint(value_hash(big))",
    ]
    path = tmp_path / "big.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
    notebook = run_notebook(path, subprocess_env, tmp_path)
    replay_hash = notebook.cells[-1].outputs[0]["text"].strip()

    cell = next(c for c in recorded_cells() if c.get_attribute("source").startswith("big ="))
    link_type, node = outputs(cell)["big"]
    expected = np.arange(6_553_600, dtype=np.float64) * 0.5
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, expected, allow_pickle=False)
    assert link_type == "create" and node.node_type == "data.array"
    assert node.file_tree["default.npy"] == hashlib.sha256(buffer.getvalue()).hexdigest()
    assert node.node_hash == replay_hash == value_hash(expected)
    assert np.array_equal(node.get_array(), expected)


def test_a_value_that_comes_back_is_the_earlier_node_and_history_is_kept_as_pks(profile):
    from jupyter_prov.orm.nodes.node import load_nodes

    from ._kernel import outputs

    errors: list[str] = []
    writer = ProvenanceWriter(CapturePolicy(), errors.append)
    try:
        for sequence, value in enumerate([[1, 2], [3], [1, 2], [1, 2]], 1):
            writer.submit(_record(sequence, x=value))
            assert writer.flush(timeout=60)  # one write each: the earlier versions are stored by then
    finally:
        writer.close()
    assert errors == []
    first, second, third, fourth = load_nodes(writer.cell_pks)
    created = outputs(first)["x"]
    assert created[0] == "create" and created[1].get_list() == [1, 2]
    assert outputs(second)["x"][0] == "create"
    # x = [1, 2] again: the node of the first version, returned (not a copy)
    assert outputs(third)["x"][0] == "return" and outputs(third)["x"][1].pk == created[1].pk
    assert outputs(fourth) == {}  # unchanged: no output at all
    assert writer.versions["x"].pk == created[1].pk
    assert sorted(writer.named.by_hash.values()) == sorted([created[1].pk, outputs(second)["x"][1].pk])


def test_the_writer_works_during_cells_when_records_pile_up(profile, monkeypatch):
    # cells run back to back with no pause (nbconvert): memory must stay bounded
    from jupyter_prov.notebook import writer as writer_module

    monkeypatch.setattr(writer_module, "PRESSURE_RECORDS", 3)
    writer = ProvenanceWriter(CapturePolicy(), lambda message: None)
    try:
        writer.kernel_busy()
        writer.submit(_record(1, a=1))
        writer.submit(_record(2, b=2))
        time.sleep(0.3)
        assert writer.cells_recorded == 0  # below the limit: waits for the kernel
        writer.submit(_record(3, c=3))
        assert _wait(lambda: writer.cells_recorded == 3, timeout=30)  # the kernel is still busy
    finally:
        writer.close()


def test_after_waiting_the_writer_uses_short_gaps_between_cells(profile, monkeypatch):
    from jupyter_prov.notebook import writer as writer_module

    monkeypatch.setattr(writer_module, "STARVATION_SECONDS", 0.3)
    writer = ProvenanceWriter(CapturePolicy(), lambda message: None)
    try:
        writer.kernel_busy()
        writer.submit(_record(1, a=1))
        started = time.monotonic()
        # cells back to back: 5 ms between them, less than the writer's 20 ms quiet period
        while writer.cells_recorded == 0 and time.monotonic() - started < 30:
            writer.kernel_idle()
            time.sleep(0.005)
            writer.kernel_busy()
            time.sleep(0.01)
        assert writer.cells_recorded == 1
        assert time.monotonic() - started >= 0.3  # not before the records had waited STARVATION_SECONDS
    finally:
        writer.close()
