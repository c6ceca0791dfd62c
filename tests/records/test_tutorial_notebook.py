"""notebooks/versioned-records.ipynb (the Braid use cases, small) runs top to bottom in a kernel and says what it claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebook._kernel import output_text, run_notebook

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "versioned-records.ipynb"
PAGE = Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "versioned-records.md"


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"], indirect=True)
def test_the_versioned_records_notebook_runs(subprocess_env, tmp_path):
    notebook = run_notebook(NOTEBOOK, subprocess_env, tmp_path, timeout=240)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [output_text(cell) for cell in code if any(o.get("output_type") == "error" for o in cell.outputs)]
    assert not errors, errors
    slac, bragg, ctseg, acts, faces = (output_text(cell) for cell in code[1:])
    assert slac.startswith("stale [{'record': 'slac-sims-") and "[1, 2] 2" in slac
    assert "[('production', 1), ('production', 2)]" in slac
    assert "invalid — invalid: detector calibration was wrong" in bragg
    assert "versions of the model trained (at any depth) on the first scans: [1, 2, 3]" in ctseg
    assert "[('slac-model', 2, 'done')]" in acts and acts.rstrip().endswith("valid")
    assert "slac-model 2 {'production': 2, 'latest': 2}" in faces


def test_the_notebook_is_the_tutorial_page():
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    page = PAGE.read_text()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.source in page, cell.source[:80]
