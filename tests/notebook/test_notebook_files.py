"""``%provenance show|history FILE``: the versions of a file on disk, which cell wrote each, which read it,
and a file changed outside the notebook between two reads (real kernel, both backends)."""

from __future__ import annotations

import nbformat
import pytest

from ._kernel import LabLikeClient, output_text, table_rows

pytestmark = pytest.mark.slow


def test_a_file_edited_outside_the_notebook_between_two_reads_is_reported(subprocess_env, tmp_path):
    sources = [
        "%load_ext jupyter_prov",
        "with open('summary.json', 'w') as f:\n    f.write('{\"n\": 1}')",
        "with open('summary.json') as f:\n    first = f.read()",
        # edited in another program while the kernel runs (the test writes it between the cells below)
        "with open('summary.json') as f:\n    second = f.read()",
        "%provenance show summary.json",
        "%provenance history *.json",
        "%provenance show nothing*.csv",
    ]
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"files-{index:02d}"
    path = tmp_path / "files.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    notebook = nbformat.read(path, as_version=4)
    client = LabLikeClient(notebook, timeout=180, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel(env=dict(subprocess_env, JPY_SESSION_NAME=str(path))):
        for index in range(3):
            client.execute_cell(notebook.cells[index], index)
        (tmp_path / "summary.json").write_text('{"n": 2}')
        for index in range(3, len(sources)):
            client.execute_cell(notebook.cells[index], index)
    rows = table_rows(output_text(notebook.cells[4]))
    assert [(r["version"], r["made by"], r["read by"]) for r in rows] == [
        ("1", "cell [2] (cell id files-01)", "cell [3]"),
        ("2", "changed outside the notebook", "cell [4]"),
    ]
    assert rows[0]["bytes"] == "8"
    assert f"<pre style='margin:0'>{tmp_path / 'summary.json'}</pre>" in notebook.cells[4]["outputs"][0]["data"]["text/html"]
    assert rows[0]["hash"] != rows[1]["hash"]
    assert table_rows(output_text(notebook.cells[5])) == rows  # by glob
    assert "UsageError: %provenance show: no recorded file matches 'nothing*.csv'" in output_text(notebook.cells[6])
