"""``jprov record ...``: every subcommand on a real profile, with --json, and bad input as one line."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from jupyter_prov.cli import main
from jupyter_prov.cli import record as record_cli
from jupyter_prov.orm import Int
from jupyter_prov.records import Dataset, Model, is_invalid

# `jprov` with the record group, without changing the real `main` (tests/cli/test_docs.py compares its tree
# with docs/cli.md): until cli/__init__.py lists the module (requested), this copy has it
jprov_main = copy.copy(main)
jprov_main.commands = {**main.commands, "record": record_cli.command}


@pytest.fixture
def jprov(profile):
    runner = CliRunner()

    def invoke(*args, code=0):
        result = runner.invoke(jprov_main, ["-p", profile.name, "record", *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    invoke.json = lambda *args: json.loads(invoke(*args, "--json").stdout)
    return invoke


@pytest.fixture
def braggnn(profile):
    peaks = Dataset.create("peaks", tags={"beamline": "1-ID", "frames": 1440})
    p1 = peaks.update(Int(1))
    model = Model.create("braggnn", tags={"beamline": "1-ID"})
    m1 = model.update(Int(10), derived_from=[p1])
    p2 = peaks.update(Int(2))
    model.update(Int(20), derived_from=[p2])
    model.set_alias("production", 1)
    return peaks, model, m1


def test_list_and_filter_by_kind_and_typed_tag(jprov, braggnn):
    assert [r["name"] for r in jprov.json("list")] == ["braggnn", "peaks"]
    assert [r["name"] for r in jprov.json("list", "--kind", "dataset")] == ["peaks"]
    assert [r["name"] for r in jprov.json("list", "--tag", "frames=1440")] == ["peaks"]
    assert jprov.json("list", "--tag", 'frames="1440"') == []
    assert "braggnn" in jprov("list").stdout


def test_show_history_alias(jprov, braggnn):
    shown = jprov.json("show", "braggnn")
    assert shown["versions"] == 2 and shown["aliases"] == {"production": 1, "latest": 2}
    assert [v["aliases"] for v in shown["versions_list"]] == [["production"], ["latest"]]
    assert "v2" in jprov("show", "braggnn").stdout
    events = jprov.json("history", "braggnn")
    assert [e["event"] for e in events] == ["version", "version", "alias"]
    assert jprov.json("alias", "braggnn", "production", "v2")["version"] == 2
    assert jprov.json("alias", "braggnn", "production")["version"] == 2
    assert jprov.json("alias", "braggnn", "production", "--remove")["version"] is None
    assert "production -> v1" in jprov("history", "braggnn").stdout


def test_diff_names_the_input_that_changed(jprov, braggnn):
    result = jprov.json("diff", "braggnn", "v1", "v2")
    assert result["lineage"]["changed"] == [{"record": "peaks", "from": [1], "to": [2]}]
    assert "input peaks: v[1] -> v[2]" in jprov("diff", "braggnn", "1", "2").stdout


def test_invalidate_dry_run_then_commit_then_why_then_revalidate(jprov, braggnn):
    peaks, model, m1 = braggnn
    plan = jprov.json("invalidate", "peaks@v1", "--cause", "wrong geometry", "--dry-run")
    assert plan["records"] == {"braggnn": [1], "peaks": [1]} and not is_invalid(m1)
    assert "would mark 2 node(s)" in jprov("invalidate", "peaks@v1", "-c", "x", "--dry-run").stdout
    done = jprov.json("invalidate", "peaks@v1", "--cause", "wrong geometry", "--by", "carol")
    assert done["nodes"] == 2 and is_invalid(m1)
    why = jprov.json("why", "braggnn@production")
    assert why["status"] == "invalid" and why["invalid"][0]["cause"] == "wrong geometry"
    assert "wrong geometry" in jprov("why", "braggnn@v1").stdout
    assert jprov.json("revalidate", "peaks@v1", "-c", "geometry was right")["nodes"] == 2
    assert not is_invalid(m1)


@pytest.mark.parametrize("args, message", [
    (("show", "nope"), "no record named 'nope'"),
    (("show", "braggnn@v1"), "no record named 'braggnn@v1'"),
    (("alias", "braggnn", "latest", "1"), "alias 'latest' is not valid"),
    (("diff", "braggnn", "v1", "v9"), "has no version 9"),
    (("invalidate", "peaks@v1", "--cause", " "), "needs a cause"),
    (("revalidate", "peaks@v1", "--cause", "ok"), "is not invalid"),
    (("list", "--kind", "Robot"), "unknown record kind 'Robot'"),
])
def test_bad_input_is_one_line_and_changes_nothing(jprov, braggnn, args, message):
    result = jprov(*args, code=1)
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not is_invalid(braggnn[2])
