"""CLI test helpers: run ``jprov`` in-process with click's CliRunner on the test profile."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jupyter_prov.cli import main


@pytest.fixture
def run(profile):
    """``run(*args)`` invokes ``jprov -p <test profile> *args``; asserts the exit code (0 unless told)."""
    runner = CliRunner()

    def invoke(*args: str, code: int = 0, input: str | None = None):
        result = runner.invoke(main, ["-p", profile.name, *args], input=input, catch_exceptions=False)
        assert result.exit_code == code, f"jprov {' '.join(args)} -> {result.exit_code}: {result.output}"
        return result

    invoke.json = lambda *args: json.loads(invoke(*args, "--json").stdout)
    return invoke
