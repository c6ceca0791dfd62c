"""``%provenance diff``: what changed between two versions of a variable, and which cells made them."""

from __future__ import annotations

import nbformat
import pytest

from ._kernel import output_text, run_notebook, table_rows

pytestmark = pytest.mark.slow


def _rows(cell):
    """``{what: (before, after)}`` of a diff table."""
    return {r[""]: tuple(list(r.values())[1:]) for r in table_rows(output_text(cell))}


def test_diff_tells_shapes_keys_columns_and_statistics_apart(subprocess_env, tmp_path):
    sources = [
        "%load_ext jupyter_prov",
        "import numpy as np\nimport pandas as pd",
        "a = np.array([1.0, 2.0, 3.0])",
        "a = np.array([1.0, 2.0, 5.0])",
        "a = np.zeros((2, 2))",
        "%provenance diff a",
        "%provenance diff a@1 a@2",
        "d = {'x': 1, 'y': 2}",
        "d = {'x': 1, 'y': 3, 'z': 0}",
        "%provenance diff d",
        "t = pd.DataFrame({'v': [1.0, 2.0]})",
        "t['w'] = t['v'] * 2",
        "%provenance diff t",
        "%provenance diff d@1 a@2",
        "%provenance diff a@1 a@9",
    ]
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"diff-{index:02d}"
    path = tmp_path / "diff.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    cells = run_notebook(path, dict(subprocess_env, JPY_SESSION_NAME=str(path)), tmp_path).cells

    latest = _rows(cells[5])
    assert "diff of a: version 2 -> 3" in output_text(cells[5])
    assert latest["made by"] == ("cell [4] (s1)", "cell [5] (s1)")
    assert latest["shape/length"] == ("(3,)", "(2, 2)")
    same_shape = _rows(cells[6])
    assert same_shape["elements changed"] == ("", "1 of 3")
    assert "'max': 3.0" in same_shape["statistics"][0] and "'max': 5.0" in same_shape["statistics"][1]
    keys = _rows(cells[9])
    assert keys["key 'y'"] == ("2", "3") and keys["key 'z'"] == ("(absent)", "0") and "key 'x'" not in keys
    table = _rows(cells[12])
    assert table["columns"] == ("-", "w") and "'mean': 3.0" in table["column 'w'"][1]
    assert "UsageError: %provenance diff compares two versions of one variable" in output_text(cells[13])
    assert "UsageError: %provenance diff: 'a' has no version 9 (it has 3)" in output_text(cells[14])
