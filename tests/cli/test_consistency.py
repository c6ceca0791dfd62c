"""One word per action across every command (as git and sqlite-utils do it).

``-y/--yes`` skips a confirmation, ``-f/--force`` overwrites, ``-n`` is ``--limit`` and nothing else,
``--dry-run`` changes nothing, every command that prints data takes ``--json``, and every listing has
the same default limit and says when it stopped there.
"""

from __future__ import annotations

import json

import click
import pytest

from jupyter_prov.cli import main
from jupyter_prov.cli._docs import iter_commands
from jupyter_prov.cli._output import DEFAULT_LIMIT

COMMANDS = {" ".join(path): command for path, command in iter_commands(main) if not isinstance(command, click.Group)}

#: commands that print no data of their own: an action with a one-line outcome, a file's bytes, a shell,
#: a document in its own format (record export: PROV-JSON)
ACTIONS = {
    "calcjob gotocomputer", "calcjob inputcat", "calcjob outputcat", "code create", "computer configure",
    "computer setup", "daemon logs", "group add", "group create", "group delete", "group remove",
    "node description", "node graph", "node label", "process continue", "process kill", "process pause",
    "process play", "profile delete", "record export", "profile set", "profile set-default", "profile setup", "storage migrate",
    "user set-default",
}


def _visible_options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and not p.hidden]


def _with_name(name: str) -> dict[str, click.Option]:
    return {path: option for path, command in COMMANDS.items() for option in _visible_options(command)
            if name in option.opts}


def test_short_options_mean_one_thing_everywhere():
    meaning = {"-y": "--yes", "-f": "--force", "-n": "--limit"}
    wrong = [f"{path}: {', '.join(option.opts)}" for short, long in meaning.items()
             for path, option in _with_name(short).items() if long not in option.opts]
    assert not wrong, f"short options used for another action: {wrong}"


def test_confirmation_is_yes_and_overwrite_is_force():
    confirming = {path for path, option in _with_name("--yes").items()}
    assert {"group delete", "profile delete", "node delete"} <= confirming
    for path, option in _with_name("--yes").items():
        assert "-y" in option.opts, path
    for path, option in _with_name("--force").items():
        assert "-f" in option.opts and "Overwrite" in option.help, (path, option.help)


def test_nothing_is_spelled_test_run_any_more():
    assert not _with_name("--test-run")
    assert {"archive create", "archive import", "node delete", "storage maintain"} <= set(_with_name("--dry-run"))


def test_every_command_that_prints_data_takes_json():
    without = sorted(path for path, command in COMMANDS.items() if path not in ACTIONS
                     and not any("--json" in option.opts for option in _visible_options(command)))
    assert not without, f"commands that print data but take no --json: {without}"
    for path in ("process status", "process report", "daemon start", "daemon restart"):
        assert "--json" in [o for option in _visible_options(COMMANDS[path]) for o in option.opts], path


def test_every_list_command_has_the_same_default_limit():
    lists = {path: command for path, command in COMMANDS.items() if path.endswith(" list") and path != "profile list"}
    assert {"node list", "process list", "group list", "user list", "computer list", "code list"} <= set(lists)
    for path, command in lists.items():
        limit = [option for option in _visible_options(command) if "--limit" in option.opts]
        assert limit and limit[0].default == DEFAULT_LIMIT, path


def test_old_spellings_still_work(run, tmp_path):
    from jupyter_prov.orm import Int

    Int(1).store()
    run("query", "-f", "node_type=\"data.int\"", "--count")
    assert "would export" in run("archive", "create", str(tmp_path / "a.zip"), "--all", "--test-run").output


@pytest.fixture
def many_nodes(profile):
    from jupyter_prov.orm import Int, store_all

    store_all([Int(i) for i in range(DEFAULT_LIMIT + 3)])
    return DEFAULT_LIMIT + 3


def test_a_cut_listing_says_how_much_it_shows(run, many_nodes):
    out = run("node", "list").output
    assert f"showing {DEFAULT_LIMIT} of {many_nodes:,} (use -n)" in out
    assert "showing" not in run("node", "list", "-n", "0").output
    result = run("node", "list", "--json")
    assert len(json.loads(result.stdout)) == DEFAULT_LIMIT
    assert f"showing {DEFAULT_LIMIT} of {many_nodes:,} (use -n)" in result.stderr


def test_a_cut_group_listing_says_so(run, many_nodes):
    from jupyter_prov.orm import Group, Node, QueryBuilder

    group = Group("big").store()
    group.add_nodes(QueryBuilder().append(Node).all(flat=True))
    assert f"showing {DEFAULT_LIMIT} of {many_nodes:,} (use -n)" in run("group", "show", "big").output


def test_thousands_are_separated():
    from click.testing import CliRunner

    from jupyter_prov.cli._output import truncation_note

    result = CliRunner().invoke(click.command()(lambda: truncation_note(50, 1003)))
    assert result.output.strip() == "showing 50 of 1,003 (use -n)"
