"""A terminal IPython session (TerminalInteractiveShell, no kernel), driven cell by cell; prints a JSON summary.

Run by tests/notebook/test_terminal.py in a subprocess on the test profile (JPROV_HOME/JPROV_PROFILE).
"""

import contextlib
import io
import json
import os
import shutil
import sys

from IPython.terminal.interactiveshell import TerminalInteractiveShell

from jupyter_prov.notebook import get_recorder
from jupyter_prov.orm import current

shell = TerminalInteractiveShell.instance()
errors_seen = io.StringIO()
prompts: list[list] = []  # [source, N] of every cell, N as the terminal's prompt ``In [N]:`` shows it


def run(source):
    prompts.append([source, shell.execution_count])  # what the prompt shows before the cell runs
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        result = shell.run_cell(source, store_history=True)
    errors_seen.write(buffer.getvalue())
    return result


run("%load_ext jupyter_prov")

recorder = get_recorder(shell)
run("import numpy as np")
run("a = np.arange(3)")
run("%provenance off")
run("b = 10")
run("%provenance on")
run("c = b + 1")
run("%provenance ignore secret")
run("secret = 42\npublic = secret + 1")
run("%%provenance skip\nd = 5")
run("_hidden = 3")
run("%provenance track _hidden")
run("_hidden = 4")
run("%provenance flush")
# the repository disappears (a disk unmounted): recording fails, the cells do not
repository = current.get_storage().repository.folder
moved = str(repository) + ".away"
shutil.move(str(repository), moved)
repository.write_text("not a folder")
current.get_storage().repository.close()
r1 = run("e = np.ones(4)")
r2 = run("f = np.zeros(2)\ng = 'still running'")
run("%provenance flush")
run("h = 1")
run("%provenance flush")
repository.unlink()
shutil.move(moved, str(repository))
current.get_storage().repository.close()
run("k = 2")
run("%provenance flush")
print(json.dumps({
    "cells_ok": bool(r1.success and r2.success and shell.user_ns.get("g") == "still running"),
    "errors": len(recorder.errors),
    "stderr": errors_seen.getvalue(),
    "session": recorder.session,
    "cell_pks": list(recorder.writer.cell_pks),
    "prompts": prompts,
}))
sys.stdout.flush()
os._exit(0) if os.environ.get("JPROV_TEST_HARD_EXIT") else None
