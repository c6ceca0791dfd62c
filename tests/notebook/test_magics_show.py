"""``%provenance show x`` in a kernel: the interactive ProvenanceGraph (anywidget) when it is installed,
with the Graphviz SVG and the indented text beside it, so a saved notebook still shows the lineage."""

from __future__ import annotations

import nbformat
import pytest

from ._kernel import output_text, run_notebook

pytestmark = pytest.mark.slow
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_show_is_the_interactive_graph_with_the_static_lineage_beside_it(subprocess_env, tmp_path):
    pytest.importorskip("anywidget")
    cells = [nbformat.v4.new_code_cell(source) for source in
             ["%load_ext jupyter_prov", "x = [1, 2]", "y = len(x)", "%provenance show y"]]
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index:02d}"
    path = tmp_path / "show.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    notebook = run_notebook(path, subprocess_env, tmp_path)
    [shown] = [o for o in notebook.cells[-1]["outputs"] if o["output_type"] == "execute_result"]
    assert WIDGET in shown["data"], shown["data"].keys()
    assert "<svg" in shown["data"]["image/svg+xml"]
    assert "create y <- cell [3]: y = len(x)" in output_text(notebook.cells[-1])
