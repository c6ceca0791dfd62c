"""Every %provenance subcommand has --help text and a row in the tutorial page."""

from __future__ import annotations

from pathlib import Path

from jupyter_prov.notebook.magics import SUBCOMMANDS, USAGE, ProvenanceMagics

DOC = Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "notebook-provenance.md"


def test_every_subcommand_is_documented():
    implemented = {name[len("_cmd_"):] for name in dir(ProvenanceMagics) if name.startswith("_cmd_")} | {"skip"}
    assert implemented == set(SUBCOMMANDS)
    doc = DOC.read_text()
    for command in implemented - {"help"}:
        assert f"provenance {command}" in USAGE or f"%%provenance {command}" in USAGE, command
        assert f"provenance {command}" in doc or f"`{command}`" in doc, command
