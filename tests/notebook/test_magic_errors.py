"""``%provenance`` in a real kernel: a usage error is one line naming the input, never a traceback.

It is shown as IPython shows its own magics' usage errors (``UsageError: ...`` on stderr) and the store
is left as it was. A ``%load_ext jupyter_prov`` whose profile does not load (a corrupt config file, an
unknown profile) still registers ``%provenance``, so that ``%provenance status`` says what is wrong.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from ._kernel import output_text, recorded_cells, run_notebook

pytestmark = pytest.mark.slow


def _notebook(path, sources: list[str]):
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index:02d}"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def _one_usage_line(cell) -> str:
    """The one line a failed %provenance prints; the cell has no other output and no traceback."""
    outputs = cell.get("outputs", [])
    # one stream (the kernel may send it in pieces; the page joins them)
    assert outputs and {(o["output_type"], o.get("name")) for o in outputs} == {("stream", "stderr")}, outputs
    text = "".join(o["text"] for o in outputs)
    assert text.count("\n") == 1 and text.endswith("\n"), text
    assert "Traceback" not in text and "\x1b[" not in text
    assert text.startswith("UsageError: "), text
    return text.strip()


ERRORS = [  # (cell, what the one line must name)
    ("%provenance show nope", "no variable 'nope'"),
    ("%provenance show x y", "takes one variable name, got 'x y'"),
    ("%provenance history 3x", "'3x' is not a variable name"),
    ("%provenance ignore a-b", "ignore: 'a-b' is not a variable name"),
    ("%provenance track", "track needs one or more variable names"),
    ("%provenance slice x --fast", "unknown option '--fast'"),
    ("%provenance show x --run", "unknown option '--run'"),
    ("%provenance config max_json_bytes=abc", "'max_json_bytes': 'abc' is not a number"),
    ("%provenance config record_files=maybe", "'record_files': 'maybe' is not true or false"),
    ("%provenance config nope=1", "unknown capture setting 'nope'"),
    ("%provenance config max_json_bytes", "takes KEY=VALUE, got 'max_json_bytes'"),
    ("%provenance bogus", "unknown %provenance command 'bogus'"),
    ("%provenance status now", "status takes no arguments, got 'now'"),
    ("%provenance export missing/folder/session.jprov", "folder 'missing/folder' does not exist"),
    ("%provenance export a.jprov --zip", "unknown option '--zip'"),
    ('%provenance show "x', "cannot read 'show \"x': No closing quotation"),
    ("%%provenance record\ny = 1", "takes 'skip' as a cell magic, not 'record'"),
]


def test_every_usage_error_is_one_line_naming_the_input(subprocess_env, tmp_path):
    sources = ["%load_ext jupyter_prov", "x = 1", *[cell for cell, _ in ERRORS],
               "%provenance config max_json_bytes=5 record_files=maybe", "%provenance config", "%provenance flush"]
    notebook = run_notebook(_notebook(tmp_path / "errors.ipynb", sources), subprocess_env, tmp_path)
    for (source, named), cell in zip(ERRORS, notebook.cells[2:]):
        line = _one_usage_line(cell)
        assert named in line, (source, line)
    assert not (tmp_path / "missing").exists()  # export does not create folders
    # a config line with one bad setting changes none of them
    assert "'record_files': 'maybe'" in _one_usage_line(notebook.cells[-3])
    assert re.search(r"max_json_bytes\s+1048576\n", output_text(notebook.cells[-2]))
    assert [c.get_attribute("source") for c in recorded_cells()] == ["x = 1"]


def test_trailing_comments_and_skip(subprocess_env, tmp_path):
    sources = ["%load_ext jupyter_prov", "x = [1, 2]", "%provenance show x  # where x comes from",
               "%provenance history x # every version", "%%provenance skip  # not recorded\ny = len(x)\ny",
               "%provenance track _x, _y  # also private names", "%provenance flush  # before reading"]
    notebook = run_notebook(_notebook(tmp_path / "comments.ipynb", sources), subprocess_env, tmp_path)
    assert not [o for c in notebook.cells for o in c["outputs"] if o.get("name") == "stderr"
                or o["output_type"] == "error"]
    assert "create x <- cell [2]: x = [1, 2]" in output_text(notebook.cells[2])
    assert "history of x" in output_text(notebook.cells[3])
    # the skipped cell shows its result once
    shown = [o for o in notebook.cells[4]["outputs"] if o["output_type"] == "execute_result"]
    assert len(shown) == 1 and shown[0]["data"]["text/plain"] == "2"
    assert [c.get_attribute("source") for c in recorded_cells()] == ["x = [1, 2]"]


@pytest.mark.parametrize("broken", ["corrupt config", "unknown profile"])
def test_a_profile_that_does_not_load_is_one_line_and_status_says_why(subprocess_env, tmp_path, broken):
    env = dict(subprocess_env)
    if broken == "corrupt config":
        home = tmp_path / "home"
        home.mkdir()
        (home / "config.json").write_text('{"profiles": {')
        env["JPROV_HOME"] = str(home)
        expected = f"config file {home / 'config.json'} cannot be read"
    else:
        env["JPROV_PROFILE"] = "no-such-profile"
        expected = "unknown profile 'no-such-profile'"
    sources = ["%load_ext jupyter_prov", "a = 1", "%provenance status", "%provenance show a", "%provenance on"]
    notebook = run_notebook(_notebook(tmp_path / "broken.ipynb", sources), env, tmp_path)
    load = notebook.cells[0]["outputs"]
    assert load and {(o["output_type"], o.get("name")) for o in load} == {("stream", "stderr")}, load
    said = "".join(o["text"] for o in load)
    assert said.count("\n") == 1 and expected in said and "recording is off" in said, said
    assert notebook.cells[1]["outputs"] == []  # the cells run, unrecorded
    status = output_text(notebook.cells[2])
    assert expected in status and "recording          off" in status
    assert expected in _one_usage_line(notebook.cells[3])
    assert expected in _one_usage_line(notebook.cells[4])  # tried again: still broken, still one line
    if broken == "corrupt config":
        assert (tmp_path / "home" / "config.json").read_text() == '{"profiles": {'  # left as it was
