"""notebooks/see-your-provenance.ipynb runs top to bottom in a kernel and shows what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("anywidget")

from ..notebook._kernel import output_text, run_notebook

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "see-your-provenance.ipynb"


@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=True)
def test_the_tutorial_notebook_runs_and_shows_graphs(subprocess_env, tmp_path):
    notebook = run_notebook(NOTEBOOK, subprocess_env, tmp_path, timeout=240)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [output_text(cell) for cell in code if any(o.get("output_type") == "error" for o in cell.outputs)]
    assert not errors, errors
    assert "relaxed in" in output_text(code[1])
    for index in (2, 3, 4):
        data = next(o["data"] for o in code[index].outputs if o.get("output_type") == "execute_result")
        assert "application/vnd.jupyter.widget-view+json" in data, index
        assert "<svg" in data.get("image/svg+xml", ""), f"cell {index} saves a static SVG beside the widget"
    assert "recorded cell(s)" in output_text(code[4]) and not output_text(code[4]).startswith("0 ")
    # the process monitor of the work chain, the archive browser of its export and a dry-run import
    assert "Relax finished [0]" in output_text(code[5]) and "called process(es)" in output_text(code[5])
    for index in (5, 6):
        data = next(o["data"] for o in code[index].outputs if o.get("output_type") == "execute_result")
        assert "application/vnd.jupyter.widget-view+json" in data, index
    assert "<ArchiveBrowser of" in output_text(code[6])
    assert "a dry run: the import would add 0 new node(s)" in output_text(code[7]), "they are in the profile already"
