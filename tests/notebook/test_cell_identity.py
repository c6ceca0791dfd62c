"""A recorded cell is the cell the user saw: its execution count is the ``In [N]`` of the notebook.

IPython 9.x increments ``execution_count`` before ``pre_run_cell`` (8.x after the cell), so the number
the recorder reads there is not the cell's on every release. The notebook's own ``execution_count``
field (nbclient sets it from the kernel's ``execute_input``/``execute_reply``, as JupyterLab does) is
the reference, cell by cell, also for a cell run again out of order, a cell stored while it runs (it
launched a process), a failing cell and a syntax error.
"""

from __future__ import annotations

import nbformat
import pytest

from ._kernel import NOTEBOOKS, LabLikeClient, recorded_cells

pytestmark = pytest.mark.slow


def test_recorded_count_is_the_notebooks_count_for_every_cell(subprocess_env, tmp_path):
    notebook = nbformat.read(NOTEBOOKS / "cell_identity.ipynb", as_version=4)
    client = LabLikeClient(notebook, timeout=180, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(tmp_path)}})
    order = [*range(len(notebook.cells) - 1), 4, 9, 6, 1, len(notebook.cells) - 1]
    executed: list[tuple[str, int]] = []  # (cell id, the In [N] the notebook shows), execution by execution
    with client.setup_kernel(env=subprocess_env):
        for index in order:
            cell = notebook.cells[index]
            client.execute_cell(cell, index)
            executed.append((cell["id"], cell["execution_count"]))
    assert [n for _, n in executed] == list(range(1, len(order) + 1))  # the kernel's own numbering

    cells = recorded_cells()
    recorded = [(c.get_attribute("cell_id"), c.get_attribute("execution_count")) for c in cells]
    not_recorded = {notebook.cells[i]["id"] for i in (0, 2, 3, len(notebook.cells) - 1)}  # magics, skip
    assert recorded == [pair for pair in executed if pair[0] not in not_recorded]
    assert [c.label for c in cells] == [f"cell [{n}]" for _, n in recorded]
    by_count = {c.get_attribute("execution_count"): c for c in cells}
    assert by_count[7].called and by_count[7].called[0].node_type == "process.calculation.calcfunction"
    assert by_count[13].called  # stored early again, out of order
    assert by_count[8].process_state.value == by_count[9].process_state.value == "excepted"
