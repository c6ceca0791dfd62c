"""`pip install` gives an enabled lab extension: `jupyter labextension list` of the installed environment shows
jupyter-prov enabled and OK (built into the wheel by hatch-jupyter-builder, installed as shared data into
share/jupyter/labextensions/jupyter-prov). The server extension's twin is in tests/server/test_app.py."""

from __future__ import annotations

import re
import subprocess
import sys


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=120)
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # no colours


def test_jupyter_labextension_list_shows_jupyter_prov_enabled():
    out = _run("labextension", "list")
    line = next((line for line in out.splitlines() if line.strip().startswith("jupyter-prov ")), None)
    assert line is not None, out
    assert "enabled" in line and "OK" in line, line

