"""New names are found from the namespace's insertion order, not by comparing its whole key set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ._kernel import outputs, recorded_cells

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).parent / "_namespace_session.py"


def test_names_bound_without_assignment_syntax(subprocess_env, tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT)], check=False, env=subprocess_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["errors"] == []
    assert summary["marks"] == [False] * 8  # the start mark is gone between cells

    cells = recorded_cells()
    written = [{name: node.value if hasattr(node, "value") else node.get_list() for name, (_, node) in outputs(c).items()}
               for c in cells]
    sources = [c.get_attribute("source") for c in cells]
    assert sources[0] == 'globals()["dyn"] = 5' and sources[-1] == 'globals()["after"] = 3'
    assert written == [
        {"dyn": 5},  # bound through globals(): no assignment in the source
        {"late": [1, 2]},  # bound by exec
        {},  # 5,000 underscore names: not tracked
        {"x": 1},
        {"dyn": 6},  # deleted and bound again
        {"same": 5},  # bound through globals() in a cell that also removes a name
        {},  # %reset -f: every name is gone
        {"after": 3},
    ]
    assert sources[6] == "%reset -f"
