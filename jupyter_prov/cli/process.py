"""``jprov process``: list, inspect, continue and kill processes (calculations and workflows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from . import process_control
from ._output import json_option, limit_option, print_json, print_mapping, print_table, truncation_note
from ._session import open_profile

if TYPE_CHECKING:
    from ..orm import ProcessNode

STATES = ["created", "running", "waiting", "finished", "excepted", "killed"]


def _process(identifier: str) -> ProcessNode:
    from ..orm import ProcessNode, load_node

    node = load_node(identifier)
    if not isinstance(node, ProcessNode):
        raise click.ClickException(f"node {identifier} is a {type(node).__name__}, not a process")
    return node


@click.group("process")
def command() -> None:
    """Processes: list them, show one, its report and status tree; continue or kill it."""


@command.command("list")
@click.option("-a", "--all", "all_", is_flag=True, help="All processes, not only the active ones.")
@click.option("-S", "--state", "states", multiple=True, type=click.Choice(STATES), help="Only processes in this state (repeatable).")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, all_: bool, states: tuple[str, ...], limit: int, as_json: bool) -> None:
    """List processes, newest first (by default only those created, running or waiting)."""
    from ..engine.reports import list_processes, state_text

    open_profile(ctx)
    nodes = list_processes(states=states or None, all=all_, limit=limit or None)
    total = _count_processes(states, all_) if limit and len(nodes) == limit else len(nodes)
    if as_json:
        print_json([{"pk": n.pk, "uuid": n.uuid, "process_label": n.process_label,
                     "state": n.process_state.value if n.process_state else None, "exit_status": n.exit_status,
                     "cached_from": n.get_attribute("cached_from", None), "ctime": n.ctime.isoformat()} for n in nodes])
        truncation_note(len(nodes), total, as_json=True)
        return
    print_table(["pk", "process", "state", "created", "type"],
                [(n.pk, n.process_label, state_text(n), n.ctime.strftime("%Y-%m-%d %H:%M:%S"), n.node_type) for n in nodes])
    if total > len(nodes):
        truncation_note(len(nodes), total)
    else:
        click.echo(f"{len(nodes)} process(es)")


def _count_processes(states: tuple[str, ...], all_: bool) -> int:
    """How many processes ``process list`` would show without a limit."""
    from ..engine.reports import ACTIVE_STATES
    from ..orm import Node, QueryBuilder

    filters: dict = {"node_type": {"like": "process%"}}
    wanted = list(states) or (None if all_ else [state.value for state in ACTIVE_STATES])
    if wanted is not None:
        filters["attributes.process_state"] = {"in": wanted}
    return QueryBuilder().append(Node, filters=filters).count()


@command.command("show")
@click.argument("identifier")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, identifier: str, as_json: bool) -> None:
    """Show a process: state, exit status, cached_from, inputs, outputs, caller and called processes."""
    from ..engine.reports import process_summary

    open_profile(ctx)
    data = process_summary(_process(identifier))
    if as_json:
        print_json(data)
        return
    tables = {key: data.pop(key) for key in ("inputs", "outputs", "called")}
    print_mapping({k: v for k, v in data.items() if v is not None})
    for title, rows in tables.items():
        if rows:
            print_table(list(rows[0]), [list(r.values()) for r in rows], title=title)


@command.command("report")
@click.argument("identifier")
@click.option("-l", "--levelname", help="Only log records of this level (REPORT, ERROR, ...).")
@json_option
@click.pass_context
def report(ctx: click.Context, identifier: str, levelname: str | None, as_json: bool) -> None:
    """Print the log of a process and of every process it called, as a tree."""
    from ..engine.reports import log_tree

    open_profile(ctx)
    tree = log_tree(_process(identifier), levelname=levelname)
    if as_json:
        print_json([{"depth": depth, "pk": node.pk, "process_label": node.process_label, "time": log.time,
                     "levelname": log.levelname, "message": log.message} for depth, node, logs in tree for log in logs])
        return
    any_logs = False
    for depth, node, logs in tree:
        indent = "    " * depth
        for log in logs:
            any_logs = True
            first, *rest = log.message.splitlines() or [""]
            click.echo(f"{indent}{log.time:%Y-%m-%d %H:%M:%S} [{node.pk}|{node.process_label}] {log.levelname}: {first}")
            for line in rest:
                click.echo(f"{indent}    {line}")
    if not any_logs:
        click.echo("no log messages")


@command.command("status")
@click.argument("identifier")
@json_option
@click.pass_context
def status(ctx: click.Context, identifier: str, as_json: bool) -> None:
    """Print the tree of a workflow and the processes it called, with their states."""
    from ..engine.process import iter_descendants
    from ..engine.reports import state_text, status_tree

    open_profile(ctx)
    node = _process(identifier)
    if as_json:
        entries = [(0, node), *iter_descendants(node)]
        print_json([{"depth": depth, "pk": n.pk, "process_label": n.process_label or type(n).__name__,
                     "state": n.process_state.value if n.process_state else None, "exit_status": n.exit_status,
                     "status": state_text(n)} for depth, n in entries])
        return
    for line in status_tree(node):
        click.echo(line)


@command.command("continue")
@click.argument("identifier")
@click.pass_context
def continue_(ctx: click.Context, identifier: str) -> None:
    """Run a stored process from its checkpoint in this terminal until it ends."""
    from ..engine.process import ProcessError
    from ..engine.reports import state_text
    from ..engine.runner import continue_process

    open_profile(ctx)
    try:
        node = continue_process(_process(identifier).pk)
    except ProcessError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"process {node.pk}: {state_text(node)}")


# pause/play/kill/watch go through the daemon's process control (see cli/process_control.py)
for _control_command in (process_control.kill, process_control.pause, process_control.play, process_control.watch):
    command.add_command(_control_command)
