"""A notebook session run by tests/interop/test_aiida_lineage.py: cells that make values, call a
calcfunction, return its result and compute from it (the real recorder, in an IPython shell)."""

import json
import sys

from IPython.core.interactiveshell import InteractiveShell

from jupyter_prov.notebook import get_recorder

shell = InteractiveShell.instance()
for source in [
    "%load_ext jupyter_prov",
    "from jupyter_prov.engine import calcfunction\nfrom jupyter_prov.orm import Int",
    "@calcfunction\ndef add(x, y):\n    return x + y",
    "a = Int(2)\nb = Int(3)",
    "s = add(a, b)",
    "t = Int(s.value * 10)",
    "u = add(t, a)",
]:
    result = shell.run_cell(source, store_history=True)
    assert result.success, (source, result)
shell.run_cell("%provenance flush")
recorder = get_recorder(shell)
print(json.dumps({"errors": recorder.errors, "cells": recorder.writer.cell_pks}))
sys.stdout.flush()
