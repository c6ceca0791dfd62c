"""``%provenance`` catches every error of the package (:class:`~jupyter_prov.errors.JprovError`) once and
shows it as one ``UsageError`` line, not only its own usage errors: on eddaea3 an error from a lower
layer (here: the profile the ORM would load is gone) reached the user as a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

SESSION = textwrap.dedent("""
    import json, os, sys
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext jupyter_prov", store_history=True)
    assert shell.run_cell("x = 41", store_history=True).success
    shell.run_cell("%provenance flush")
    # the user unloads the profile and points at one that does not exist: the next ORM call fails
    shell.run_cell("import os; from jupyter_prov.orm import current; os.environ['JPROV_PROFILE'] = 'gone'; "
                   "current.unload_profile()", store_history=True)
    result = shell.run_cell("%provenance history x", store_history=True)
    error = result.error_in_exec
    print(json.dumps({"type": type(error).__name__, "message": str(error)}))
""")


def test_an_error_from_a_lower_layer_is_one_usage_line(subprocess_env, tmp_path):
    proc = subprocess.run([sys.executable, "-c", SESSION], check=False, env=subprocess_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shown["type"] == "UsageError", shown
    assert "gone" in shown["message"] and "\n" not in shown["message"]
    assert "Traceback" not in proc.stdout + proc.stderr
