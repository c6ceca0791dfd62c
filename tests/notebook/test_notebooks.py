"""Real notebooks in real kernels (nbclient + ipykernel) on both backends; the recorded graph, node by node."""

from __future__ import annotations

import pytest

from ._kernel import inputs, output_text, outputs, recorded_cells, run_notebook, table_rows

pytestmark = pytest.mark.slow
NOTEBOOK_DIR = __import__("pathlib").Path(__file__).resolve().parents[2] / "notebooks"


def _labels(mapping):
    return {k: (v[0], v[1].node_type) if isinstance(v, tuple) else v.node_type for k, v in mapping.items()}


def test_data_pipeline(subprocess_env, tmp_path):
    # all cells in order, then cell 4 again (out of order, after the failing cell), then the flush
    # JupyterLab tells the kernel the notebook's path in JPY_SESSION_NAME (ipykernel puts it in __session__)
    env = dict(subprocess_env, JPY_SESSION_NAME=str(tmp_path / "analysis" / "data_pipeline.ipynb"))
    notebook = run_notebook("data_pipeline.ipynb", env, tmp_path, order=list(range(12)) + [4, 12])
    assert "16.0" in output_text(notebook.cells[7])
    cells = recorded_cells()
    # the %load_ext cell and the %provenance cell are not recorded; cell 4 twice
    assert [c.get_attribute("cell_id") for c in cells] == [f"data_pipelin-{i:02d}" for i in list(range(1, 12)) + [4]]
    imports, write_csv, read_csv, to_numpy, mutate, define, call, loop, make_list, append, fail, again = cells
    assert len({c.get_attribute("session") for c in cells}) == 1
    assert [c.get_attribute("execution_count") for c in cells] == list(range(2, 14))

    assert inputs(imports) == {}
    assert _labels(outputs(imports)) == {"np": ("create", "data.reference"), "pd": ("create", "data.reference")}
    assert outputs(imports)["np"][1].get_attribute("repr").startswith("<module numpy")

    # a file written in one cell and read in the next: the same File node links the two cells
    written = outputs(write_csv)["file_measurements_csv"]
    assert written[0] == "create" and written[1].node_type == "data.file"
    assert written[1].get_content() == "t,v\n0,1.0\n1,2.5\n2,4.0\n"
    assert written[1].get_attribute("path") == str(tmp_path / "measurements.csv")
    assert set(inputs(read_csv)) == {"pd", "file_measurements_csv"}
    assert inputs(read_csv)["file_measurements_csv"].pk == written[1].pk
    assert inputs(read_csv)["pd"].pk == outputs(imports)["pd"][1].pk
    df1 = outputs(read_csv)["df"]
    assert df1[0] == "create" and df1[1].node_type == "data.table"
    assert df1[1].get_attribute("columns") == ["t", "v"] and df1[1].get_attribute("shape") == [3, 2]

    assert inputs(to_numpy) == {"df": df1[1]}
    values, scaled = outputs(to_numpy)["values"][1], outputs(to_numpy)["scaled"][1]
    assert values.get_array().tolist() == [1.0, 2.5, 4.0] and scaled.get_array().tolist() == [2.0, 5.0, 8.0]

    # in-place mutation of a DataFrame: a new version, created from the old one
    assert inputs(mutate) == {"df": df1[1]}
    df2 = outputs(mutate)["df"][1]
    assert df2.pk != df1[1].pk and df2.get_attribute("columns") == ["t", "v", "v2"]
    assert df2.get_dataframe()["v2"].tolist() == [1.0, 6.25, 16.0]

    # a function defined in one cell, called in another: its globals are inputs of the caller
    assert _labels(outputs(define)) == {"offset": ("create", "data.float"), "total": ("create", "data.reference")}
    assert {k: v.pk for k, v in inputs(call).items()} == {
        "total": outputs(define)["total"][1].pk, "offset": outputs(define)["offset"][1].pk, "scaled": scaled.pk}
    assert outputs(call)["result"][1].value == 16.0
    assert call.get_attribute("stdout") == "16.0\n"

    # a loop that rebinds a variable: one version, the final value
    assert {k: v.pk for k, v in inputs(loop).items()} == {"values": values.pk}
    assert outputs(loop)["acc"][1].value == 7.5 and outputs(loop)["v"][1].value == 4.0

    items1 = outputs(make_list)["items"][1]
    assert items1.get_list() == [1, 2]
    assert inputs(append) == {"items": items1}
    assert outputs(append)["items"][1].get_list() == [1, 2, 3]

    # the failing cell: excepted, with the error and the traceback in a log; nothing it did not bind
    assert fail.process_state.value == "excepted" and fail.exit_status == 1
    assert fail.get_attribute("error")["ename"] == "ZeroDivisionError"
    assert outputs(fail) == {} and inputs(fail) == {}
    logs = fail.get_logs()
    assert len(logs) == 1 and "ZeroDivisionError" in logs[0].message and logs[0].levelname == "ERROR"

    # re-executed out of order: reads the *current* df (the mutated one); its values are unchanged,
    # so it creates nothing new (the same nodes stay the current versions)
    assert again.get_attribute("source") == to_numpy.get_attribute("source")
    assert inputs(again) == {"df": df2}
    assert outputs(again) == {}

    for cell in cells:
        assert cell.is_sealed
        assert cell.get_attribute("notebook") == str(tmp_path / "analysis" / "data_pipeline.ipynb")
        assert cell.get_attribute("ended_at") >= cell.get_attribute("started_at")
    # data provenance: every created value has exactly this cell as creator
    for cell in cells:
        for link_type, node in outputs(cell).values():
            if link_type == "create":
                assert node.creator.pk == cell.pk


def test_calcfunction_called_from_a_cell(subprocess_env, tmp_path):
    pytest.importorskip("jupyter_prov.engine")
    run_notebook("calcfunction.ipynb", subprocess_env, tmp_path)
    cells = recorded_cells()
    _imports, define, make, call = cells
    assert {k: v[0] for k, v in outputs(make).items()} == {"a": "return", "b": "return"}
    a, b = outputs(make)["a"][1], outputs(make)["b"][1]
    assert {"a", "b", "add"} <= set(inputs(call))
    assert inputs(call)["a"].pk == a.pk and inputs(call)["b"].pk == b.pk
    assert inputs(call)["add"].pk == outputs(define)["add"][1].pk
    called = call.called
    assert len(called) == 1 and called[0].node_type == "process.calculation.calcfunction"
    calc = called[0]
    assert calc.caller.pk == call.pk
    total_link, total = outputs(call)["total"]
    assert total_link == "return" and total.value == 7 and total.creator.pk == calc.pk
    doubled_link, doubled = outputs(call)["doubled"]
    assert doubled_link == "create" and doubled.value == 14
    assert call.is_sealed and call.process_state.value == "finished"


def test_process_launched_in_a_cell_is_linked_to_it(subprocess_env, tmp_path):
    """The engine's contract: current_caller() inside a cell returns the stored cell node."""
    run_notebook("provider.ipynb", subprocess_env, tmp_path)
    first, second = recorded_cells()
    x = outputs(first)["x"][1]
    assert inputs(second) == {"x": x}  # stored early, with the inputs known before it ran
    calc = second.called[0]
    assert calc.get_attribute("process_label") == "double"
    assert outputs(second)["y"][0] == "return" and outputs(second)["y"][1].value == 42
    assert outputs(second)["y"][1].creator.pk == calc.pk
    assert outputs(second)["z"][0] == "create" and outputs(second)["z"][1].value == 22
    assert second.is_sealed and second.process_state.value == "finished"
    assert outputs(second)["caller"][1].node_type == "data.reference"


def test_slice_replay_history_show_export(subprocess_env, tmp_path):
    notebook = run_notebook("slice.ipynb", subprocess_env, tmp_path)
    text = {c.source.split()[1] if c.source.startswith("%provenance") else c.source: output_text(c)
            for c in notebook.cells}
    sliced = text["slice"]
    assert "slice of signal: 6 cell(s)" in sliced
    assert "the hash of signal matches" in sliced
    assert "unrelated.upper()" not in sliced
    assert "history of grid" in text["history"]
    # two versions of grid (grid *= 3 changed it in place): same type and shape, told apart by the hash
    versions = table_rows(text["history"])
    assert [(v["type"], v["shape/len"], v["link"], v["cell"]) for v in versions] == [
        ("array float64", "(5,)", "create", "cell [4]"), ("array float64", "(5,)", "create", "cell [6]")]
    assert len({v["hash"] for v in versions}) == 2 and all(len(v["hash"]) == 10 for v in versions)
    # the cells by number and first line, as the notebook shows them
    assert "create signal <- cell [7]: signal = grid ** 2 + np.asarray(noise) <" in text["show"]
    show = next(c for c in notebook.cells if c.source.startswith("%provenance show"))
    svg = [o["data"]["image/svg+xml"] for o in show.outputs if "image/svg+xml" in o.get("data", {})]
    assert svg and "<svg" in svg[0]  # drawn by jupyter_prov.interop.dot (graphviz)
    assert "pending writes     0" in text["status"]
    assert (tmp_path / "session.jprov").is_file()
    signal = outputs(recorded_cells()[5])["signal"][1]
    from jupyter_prov.notebook.lineage import compute_slice

    piece = compute_slice(signal)
    assert [c.get_attribute("cell_id") for c in piece.cells] == [f"slice-{i:02d}" for i in range(1, 7)]
    assert piece.complete


def test_tutorial_notebook(subprocess_env, tmp_path):
    """notebooks/provenance-of-your-notebook.ipynb (the tutorial page's notebook) runs and says what it claims."""
    notebook = run_notebook(NOTEBOOK_DIR / "provenance-of-your-notebook.ipynb", subprocess_env, tmp_path)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    code = {c["id"]: output_text(c) for c in notebook.cells if c.cell_type == "code"}
    assert "recording          on" in code["tutorial-02"]
    assert code["tutorial-09"].strip() == "3"
    assert "history of temperatures" in code["tutorial-15"]
    versions = table_rows(code["tutorial-15"])  # read, then a column added in place
    assert [(v["type"], v["shape/len"], v["cell id"]) for v in versions] == [
        ("table", "(4, 2)", "tutorial-05"), ("table", "(4, 3)", "tutorial-07")]
    assert versions[0]["hash"] != versions[1]["hash"]
    assert "create n_warm <- cell" in code["tutorial-17"]
    assert "the hash of n_warm matches" in code["tutorial-19"]
    assert (tmp_path / "my-session.jprov").is_file()
    cells = recorded_cells()
    call = next(c for c in cells if c.get_attribute("cell_id") == "tutorial-13")
    assert call.called[0].node_type == "process.calculation.calcfunction"
    assert outputs(call)["mean_celsius"][0] == "return"
    read = next(c for c in cells if c.get_attribute("cell_id") == "tutorial-05")
    assert "file_temperatures_csv" in inputs(read)
    # off/on, skip and ignore: the cells run while off or skipped are not recorded; an ignored variable is
    # neither input nor output; a value set while off enters the graph without a creator
    recorded_ids = {c.get_attribute("cell_id") for c in cells}
    assert not {"tutorial-24", "tutorial-26"} & recorded_ids
    summary = next(c for c in cells if c.get_attribute("cell_id") == "tutorial-28")
    assert set(inputs(summary)) == {"station", "n_warm", "mean_celsius", "np"}
    assert inputs(summary)["station"].value == "Payerne" and inputs(summary)["station"].creator is None
    assert set(outputs(summary)) == {"summary"}
    assert code["tutorial-28"].strip() == "'Payerne: 3 warm day(s), mean 11.8 °C'"

    # a scientist runs it again, top to bottom, in the same folder: the file and the archive are replaced
    again = run_notebook(NOTEBOOK_DIR / "provenance-of-your-notebook.ipynb", subprocess_env, tmp_path)
    assert not [o for c in again.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len({c.get_attribute("session") for c in recorded_cells()}) == 2


def test_kernel_shutdown_writes_what_is_pending(subprocess_env, tmp_path):
    """No %provenance flush: the kernel's exit (atexit) writes the pending records."""
    run_notebook("shutdown.ipynb", subprocess_env, tmp_path)
    first, second = recorded_cells()
    assert outputs(first)["x"][1].value == 1
    assert inputs(second) == {"x": outputs(first)["x"][1]}
    assert outputs(second)["z"][1].get_list() == [2, 2, 2]


def test_two_kernels_record_into_one_profile_at_once(subprocess_env, tmp_path):
    """Two notebooks running at the same time on the same profile: both sessions are recorded completely."""
    import threading

    errors = []

    def run(name, folder):
        folder.mkdir()
        try:
            run_notebook(name, subprocess_env, folder)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=("slice.ipynb", tmp_path / "a")),
               threading.Thread(target=run, args=("data_pipeline.ipynb", tmp_path / "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    cells = recorded_cells()
    sessions = {}
    for cell in cells:
        sessions.setdefault(cell.get_attribute("session"), []).append(cell)
    assert sorted(len(v) for v in sessions.values()) == [7, 11]
    for session_cells in sessions.values():
        # nothing lost and nothing recorded twice: the sequence numbers are exactly 1..n
        assert [c.get_attribute("sequence") for c in session_cells] == list(range(1, len(session_cells) + 1))
        assert all(c.is_sealed for c in session_cells)
