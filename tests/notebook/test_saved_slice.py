"""``%provenance slice x --to repro.ipynb|.py``: the saved slice, run in a fresh kernel with nbclient,
reproduces the value's hash; its header names the environment and the input files."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from ._kernel import output_text, run_notebook

pytestmark = pytest.mark.slow


def test_a_saved_slice_rerun_in_a_fresh_kernel_reproduces_the_hash(subprocess_env, tmp_path):
    (tmp_path / "measurements.csv").write_text("t,v\n0,1.0\n1,2.5\n")
    sources = [
        "%load_ext jupyter_prov",
        "import numpy as np",
        "unrelated = 'not in the slice'",
        "with open('measurements.csv') as f:\n    rows = f.read().splitlines()[1:]",
        "values = np.array([float(r.split(',')[1]) for r in rows])",
        "scaled = values * 2",
        "%provenance slice scaled --to repro.ipynb --copy-inputs",
        "%provenance slice scaled --to repro.py",
        "%provenance slice scaled --to repro.txt",
    ]
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"saved-{index:02d}"
    path = tmp_path / "saved.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    cells = run_notebook(path, dict(subprocess_env, JPY_SESSION_NAME=str(path)), tmp_path).cells
    assert "saved to repro.ipynb" in output_text(cells[6])
    assert "UsageError: %provenance slice --to: 'repro.txt' is neither a .ipynb nor a .py file" in output_text(cells[8])

    saved = nbformat.read(tmp_path / "repro.ipynb", as_version=4)
    header, *code, check = saved.cells
    assert header.cell_type == "markdown"
    assert f"Python {sys.version.split()[0]}" in header.source and "numpy " in header.source
    assert str(tmp_path / "measurements.csv") in header.source
    assert (tmp_path / "repro_inputs" / "measurements.csv").read_text() == "t,v\n0,1.0\n1,2.5\n"
    assert [c.source for c in code] == [sources[1], sources[3], sources[4], sources[5]]  # minimal, in order
    assert "assert _jprov_hash ==" in check.source

    # run it in a fresh kernel, recording off, as someone who got the file would
    env = dict(subprocess_env, JPROV_RECORD="0")
    NotebookClient(saved, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute(env=env)
    assert "the hash of scaled matches the recorded one" in output_text(saved.cells[-1])

    script = subprocess.run([sys.executable, "repro.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=180, check=False)
    assert script.returncode == 0, script.stderr
    assert "the hash of scaled matches the recorded one" in script.stdout

    # the data changed: the saved slice fails at its check, saying so
    (tmp_path / "measurements.csv").write_text("t,v\n0,1.0\n1,3.5\n")
    script = subprocess.run([sys.executable, "repro.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=180, check=False)
    assert script.returncode != 0 and "the hash of scaled differs" in script.stderr
