"""``slice --run`` replays in a fresh kernel on the same Python as the kernel asking, whatever ``python3`` is."""

from __future__ import annotations

import json
import sys

from jupyter_prov.notebook.lineage import Slice
from jupyter_prov.notebook.replay import replay_slice
from jupyter_prov.orm import Str
from jupyter_prov.orm.nodes.process import CellExecutionNode

SOURCE = 'import os, sys\nwhere = "this python" if sys.executable == os.environ["JPROV_TEST_PYTHON"] else "another"'


def test_replay_runs_on_this_interpreter_not_on_the_python3_kernelspec(profile, tmp_path, monkeypatch):
    # a `python3` kernelspec that starts the kernel another way (here: the same binary through a wrapper
    # that marks the kernel), as a kernelspec of another environment would
    wrapper = tmp_path / "other-python"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -c "import sys; sys.executable = \'other\'; '
                       'from ipykernel import kernelapp; '
                       'kernelapp.launch_new_instance()" "$@"\n')
    wrapper.chmod(0o755)
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(wrapper), "-f", "{connection_file}"],
                                                  "display_name": "other", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JPROV_TEST_PYTHON", sys.executable)

    cell = CellExecutionNode(process_type="notebook.cell", process_label="cell")
    cell.set_attribute("source", SOURCE)
    target = Str("this python").store()
    piece = Slice(target, cells=[cell])

    result = replay_slice(piece, "where", cwd=str(tmp_path))
    assert result.error is None and result.matches

    named = replay_slice(piece, "where", cwd=str(tmp_path), kernel_name="python3")
    assert named.error is None and not named.matches  # the kernelspec's kernel: "another"
