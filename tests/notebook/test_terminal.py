"""The plain IPython terminal path, and recording controls: off/on, skip, ignore/track, failures reported once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ._kernel import inputs, outputs, recorded_cells

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).parent / "_terminal_session.py"


def test_terminal_session(subprocess_env, tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT)], check=False, env=subprocess_env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["cells_ok"]
    # the failure is reported once, clearly, and counted afterwards
    assert summary["stderr"].count("jupyter-prov: recording failed") == 1
    assert "your cells run normally" in summary["stderr"]
    assert summary["errors"] >= 2

    cells = recorded_cells()
    sources = [c.get_attribute("source") for c in cells]
    # not recorded: magics, the cell run while off, the skipped cell, the cells whose writing failed
    assert sources == ["import numpy as np", "a = np.arange(3)", "c = b + 1", "secret = 42\npublic = secret + 1",
                       "_hidden = 3", "_hidden = 4", "h = 1", "k = 2"]
    # each recorded cell carries the number of the terminal's prompt it was typed at
    assert [n for _, n in summary["prompts"]] == list(range(1, len(summary["prompts"]) + 1))
    typed_at = [n for source, n in summary["prompts"] if source in sources]
    assert [c.get_attribute("execution_count") for c in cells] == typed_at
    assert [c.label for c in cells] == [f"cell [{n}]" for n in typed_at]
    by_source = dict(zip(sources, cells))
    # b was set while recording was off: it enters the graph without a creator when c reads it
    b = inputs(by_source["c = b + 1"])["b"]
    assert b.value == 10 and b.creator is None
    assert outputs(by_source["c = b + 1"])["c"][1].value == 11
    # ignored names are neither inputs nor outputs
    ignored = by_source["secret = 42\npublic = secret + 1"]
    assert set(outputs(ignored)) == {"public"} and inputs(ignored) == {}
    # names starting with _ only when tracked
    assert outputs(by_source["_hidden = 3"]) == {}
    assert outputs(by_source["_hidden = 4"])["_hidden"][1].value == 4
    assert outputs(by_source["k = 2"])["k"][1].value == 2
    assert all(c.get_attribute("session") == summary["session"] for c in cells)
