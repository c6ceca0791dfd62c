"""What ``%provenance history``, ``show`` and ``slice --run`` show in a real kernel.

A history row tells versions apart (type, shape or length, a short content hash beside the excerpt);
lineage trees and graphs name a cell by its number and first line and a calcfunction by its name; a
replay says "cannot compare" for a value without content hash, shows no warning of the replay kernel
and no terminal colours in the page.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from ._kernel import output_text, run_notebook, table_rows

pytestmark = pytest.mark.slow


def _run(sources, env, tmp_path, name):
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"{name}-{index:02d}"
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return run_notebook(path, env, tmp_path).cells


def test_history_tells_versions_apart(subprocess_env, tmp_path):
    cells = _run(["%load_ext jupyter_prov", "import numpy as np", "x = 1", 'x = "one"', "x = [1, 2, 3]",
                  "x = np.zeros(3)", "x = np.ones(3)", 'x = {"a": 1}', "x = np.ones(3)", "%provenance history x"],
                 subprocess_env, tmp_path, "history")
    rows = table_rows(output_text(cells[-1]))
    assert [(r["type"], r["shape/len"], r["value"], r["link"]) for r in rows] == [
        ("int", "", "1", "create"), ("str", "len 3", "'one'", "create"), ("list", "len 3", "[1, 2, 3]", "create"),
        ("array float64", "(3,)", "", "create"), ("array float64", "(3,)", "", "create"),
        ("dict", "len 1", "{'a': 1}", "create"), ("array float64", "(3,)", "", "return")]
    hashes = [r["hash"] for r in rows]
    assert all(re.fullmatch(r"[0-9a-f]{10}", h) for h in hashes)
    # zeros and ones differ; ones again is the same value: the same hash, the same node, returned
    assert len(set(hashes)) == 6 and hashes[4] == hashes[6] and rows[4]["node"] == rows[6]["node"]
    html = cells[-1]["outputs"][0]["data"]["text/html"]
    assert "<th style='text-align:left'>hash</th>" in html and hashes[3] in html


CALC = ["%load_ext jupyter_prov",
        "from jupyter_prov.engine import calcfunction\nfrom jupyter_prov.orm import Int",
        "@calcfunction\ndef add(x, y):\n    return Int(x.value + y.value)",
        "a = Int(3).store()\nb = Int(4).store()",
        "total = add(a, b)\ndoubled = total.value * 2",
        "%provenance show total"]


def test_lineage_names_cells_by_first_line_and_calcfunctions_by_name(subprocess_env, tmp_path):
    cells = _run(CALC, subprocess_env, tmp_path, "labels")
    text = output_text(cells[-1])
    assert "create result <- add [finished] <" in text
    assert "return total <- cell [5]: total = add(a, b) … <" in text
    assert "return a <- cell [4]: a = Int(3).store() … <" in text
    for line in text.splitlines():  # every arrow points at something named
        assert not re.search(r"<-\s*(<\d+>)?$", line) and "<-  <" not in line, line
    # no file of jupyter-prov's own (its config, the repository) is an input of a cell that stores a node
    assert "config.json" not in text and "file_" not in text
    svg = next(o["data"]["image/svg+xml"] for o in cells[-1]["outputs"] if "image/svg+xml" in o.get("data", {}))
    assert "total = add(a, b)" in svg and "add [finished]" in svg and "a = Int(3).store()" in svg


def test_slice_run_compares_what_can_be_compared_and_shows_no_kernel_noise(subprocess_env, tmp_path):
    cells = _run(["%load_ext jupyter_prov",
                  "def g():\n    return 1",
                  "%provenance slice g --run",
                  "import os\nassert os.environ.get('JPROV_RECORD') != '0', 'only where it was recorded'\nv = 1",
                  "%provenance slice v --run",
                  "w = 2",
                  "%provenance slice w --run"], subprocess_env, tmp_path, "replay")
    for cell in (cells[2], cells[4], cells[6]):
        # the replay kernel's start-up warnings (TCP without encryption) do not reach the user's output
        assert [o["output_type"] for o in cell["outputs"]] == ["execute_result"], cell["outputs"]
        html = cell["outputs"][0]["data"]["text/html"]
        assert "\x1b" not in html and "\x1b" not in output_text(cell)
    reference = output_text(cells[2])
    assert "replayed in a fresh kernel: cannot compare (reference value)" in reference and "MISMATCH" not in reference
    failed = output_text(cells[4])
    assert "the replay in a fresh kernel failed: AssertionError: only where it was recorded" in failed
    assert "MISMATCH" not in failed
    assert "replayed in a fresh kernel: the hash of w matches" in output_text(cells[6])
