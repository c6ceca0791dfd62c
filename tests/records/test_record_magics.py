"""``%provenance record ...`` (notebook/record_magics.py): the subcommands, promotion of a recorded value."""

from __future__ import annotations

import pytest

from jupyter_prov.notebook.record_magics import record_command
from jupyter_prov.orm import Dict, Int
from jupyter_prov.records import Model, Record, RecordError, find, is_invalid

from .conftest import calc


@pytest.fixture
def notebook(profile):
    """What the writer knows: variable → the recorded node of its current version (stored by a calculation)."""
    source = Dict({"lr": 0.1}).store()
    _process, (weights,) = calc([source], 1)
    variables = {"weights": weights, "config": source}

    def current_node(name):
        if name not in variables:
            raise RecordError(f"no variable {name!r} in this notebook")
        return variables[name]

    return lambda line: record_command(line.split(), current_node)


def test_promote_makes_a_recorded_value_a_version_and_keeps_its_lineage(notebook):
    assert notebook("promote weights bragg --kind Model --alias production").startswith("weights -> bragg@v1")
    record = Record.get("bragg")
    assert isinstance(record, Model) and record["production"].number == 1
    assert "already" not in notebook("promote weights bragg")  # same content: still v1
    assert len(record) == 1
    assert notebook("promote config bragg-config --kind Config").endswith(")")
    assert notebook("invalidate bragg-config --cause x --dry-run") == (
        "would mark 3 node(s) invalid; records: bragg v1; bragg-config v1")  # config -> calculation -> weights


def test_show_history_list_invalidate_why_revalidate(notebook):
    notebook("promote weights bragg --kind Model")
    Model.get("bragg").update(Int(5))
    assert "bragg  Model  2 version(s)" in notebook("list --kind Model")
    assert "v2" in notebook("show bragg") and "(node" in notebook("history bragg")
    assert "invalidated 1 node(s)" in notebook("invalidate bragg@v2 --cause bad-run")
    assert is_invalid(Model.get("bragg")[2])
    assert "bad-run" in notebook("why bragg@v2")
    assert "revalidated 1 node(s)" in notebook("revalidate bragg@v2 --cause fine")


@pytest.mark.parametrize("line, message", [
    ("promote nope bragg", "no variable 'nope'"),
    ("promote weights", "usage: %provenance record promote"),
    ("invalidate bragg@v1", "needs --cause"),
    ("show", "usage: %provenance record show NAME"),
    ("fly", "unknown %provenance record command 'fly'"),
    ("list --colour red", "unknown option '--colour'"),
])
def test_bad_input_names_what_is_wrong(notebook, line, message):
    with pytest.raises(RecordError, match=message):
        notebook(line)
    assert find() == []  # nothing was created
