"""Names a cell binds without assignment syntax (``globals()``, ``exec``), in a namespace with thousands of
IPython-style entries, after ``del`` and after ``%reset``. Run by tests/notebook/test_namespace.py."""

import json
import sys

from IPython.core.interactiveshell import InteractiveShell

from jupyter_prov.notebook import get_recorder
from jupyter_prov.notebook.recorder import NAMESPACE_MARK

shell = InteractiveShell.instance()
shell.run_cell("%load_ext jupyter_prov", store_history=True)
marks_between_cells = []
for source in [
    'globals()["dyn"] = 5',
    'exec("late = [1, 2]")',
    'get_ipython().user_ns.update({f"_pad{i}": i for i in range(5000)})',
    "x = 1",
    'del dyn\nglobals()["dyn"] = 6',
    'globals()["same"] = 5\nglobals().pop("late")',
    "%reset -f",
    'globals()["after"] = 3',
]:
    result = shell.run_cell(source, store_history=True)
    assert result.success, result
    marks_between_cells.append(NAMESPACE_MARK in shell.user_ns)
shell.run_cell("%provenance flush")
recorder = get_recorder(shell)
print(json.dumps({"marks": marks_between_cells, "errors": recorder.errors, "cell_pks": recorder.writer.cell_pks}))
sys.stdout.flush()
