"""Hidden state: ``show`` warns when a value depends on a cell deleted from the notebook or edited since,
and the deleted cell is marked in the graph (real kernel; the notebook as saved on disk)."""

from __future__ import annotations

import nbformat
import pytest

from ._kernel import LabLikeClient, output_text, recorded_cells

pytestmark = pytest.mark.slow


def test_deleted_and_edited_cells_are_flagged(subprocess_env, tmp_path):
    sources = ["%load_ext jupyter_prov", "base = 10", "step = 2", "total = base + step", "%provenance show total",
               "other = 1", "%provenance show other", "fresh = step * 2", "%provenance show fresh"]
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"stale-{index:02d}"
    path = tmp_path / "stale.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    notebook = nbformat.read(path, as_version=4)
    client = LabLikeClient(notebook, timeout=180, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel(env=dict(subprocess_env, JPY_SESSION_NAME=str(path))):
        for index in range(4):
            client.execute_cell(notebook.cells[index], index)
        # the user deletes the cell that set `base`, edits the one that set `step`, saves the notebook
        saved = nbformat.read(path, as_version=4)
        saved.cells = [c for c in saved.cells if c["id"] != "stale-01"]
        next(c for c in saved.cells if c["id"] == "stale-02").source = "step = 3"
        nbformat.write(saved, path)
        for index in range(4, 7):
            client.execute_cell(notebook.cells[index], index)
        # a new cell, run after the last save: not in the file yet, and not called deleted for that
        notebook.cells[7]["id"] = "stale-new"
        for index in range(7, 9):
            client.execute_cell(notebook.cells[index], index)
    warning = output_text(notebook.cells[4])
    assert "warning: this value depends on 1 cell(s) no longer in the notebook: cell [2] (cell id stale-01)" in warning
    assert "1 cell(s) whose source differs from the notebook's now: cell [3] (cell id stale-02)" in warning
    assert "warning" not in output_text(notebook.cells[6])  # `other` depends on no such cell
    fresh = output_text(notebook.cells[8])
    assert "whose source differs" in fresh and "stale-02" in fresh and "no longer in the notebook" not in fresh
    marks = {c.get_attribute("cell_id"): c.get_extra("deleted_from_notebook", False) for c in recorded_cells()}
    assert marks == {"stale-01": True, "stale-02": False, "stale-03": False, "stale-05": False, "stale-new": False}
