"""Every command has --help text (a command without documentation is a bug)."""

import click
from click.testing import CliRunner

from jupyter_prov.cli import main


def _commands(group: click.Group, path=()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_help_text():
    missing = [" ".join(path) for path, command in _commands(main) if not (command.help or "").strip()]
    assert not missing, f"commands without help text: {missing}"


def test_every_option_has_help_text():
    missing = [f"{' '.join(path)} {param.name}" for path, command in _commands(main)
               for param in command.params if isinstance(param, click.Option) and not param.help]
    assert not missing, f"options without help text: {missing}"


def test_help_runs_for_every_command():
    runner = CliRunner()
    commands = list(_commands(main))
    assert len(commands) >= 25
    for path, command in commands:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert (command.help or "").strip().splitlines()[0][:30] in result.output
