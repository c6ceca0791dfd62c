"""An error jupyter-prov raises reaches a ``jprov`` user as one line on stderr and a non-zero exit, never a traceback.

The CLI catches :class:`~jupyter_prov.errors.JprovError` once, at the root group, whatever layer raised it
(engine, daemon, transports, schedulers, archive, ...). Anything else that escapes is a bug and keeps its
traceback, so that it gets reported.
"""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from jupyter_prov import errors
from jupyter_prov.cli import main
from jupyter_prov.errors import JprovError


def _jprov(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jupyter_prov.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


@pytest.mark.parametrize("backend_name", ["sqlite"])
def test_killing_a_process_that_never_ran_is_one_line_naming_it(subprocess_env):
    """The engine's ProcessError (a stored process node without a state cannot be killed) is one line."""
    from jupyter_prov.orm.nodes.process import WorkChainNode

    node = WorkChainNode().store()
    result = _jprov(subprocess_env, "process", "kill", str(node.pk))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and f"pk={node.pk}" in lines[0] and "killed" in lines[0]


def _layer_errors() -> list[type[JprovError]]:
    return [cls for cls in vars(errors).values()
            if isinstance(cls, type) and issubclass(cls, JprovError)]


@pytest.fixture
def failing_command():
    """A ``jprov`` subcommand that raises the exception it is given, removed again afterwards."""
    raised: list[BaseException] = []

    @click.command("raise-for-test")
    def command() -> None:
        raise raised[0]

    main.add_command(command)
    try:
        yield raised
    finally:
        main.commands.pop("raise-for-test")


@pytest.mark.parametrize("cls", _layer_errors(), ids=lambda cls: cls.__name__)
def test_every_layer_error_is_one_line_and_exit_code_1(failing_command, cls):
    failing_command.append(cls("file /tmp/x.zip: not an archive"))
    result = CliRunner().invoke(main, ["raise-for-test"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output == "Error: file /tmp/x.zip: not an archive\n"


def test_an_error_without_a_message_names_its_kind(failing_command):
    from jupyter_prov.daemon.events import WaitTimeout

    failing_command.append(WaitTimeout())
    result = CliRunner().invoke(main, ["raise-for-test"])
    assert result.exit_code == 1
    assert result.output == "Error: WaitTimeout\n"


def test_a_bug_keeps_its_traceback(failing_command):
    failing_command.append(KeyError("not a jupyter-prov error"))
    with pytest.raises(KeyError):
        CliRunner().invoke(main, ["raise-for-test"], catch_exceptions=False)
