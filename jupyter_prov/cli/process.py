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


def _pages(limit: int, **filters) -> tuple[list[dict], int]:
    """Items of ``views.processes.list_processes`` up to ``limit`` (0: all, page by page) and the total."""
    from ..views.processes import list_processes

    items: list[dict] = []
    while True:
        want = (limit - len(items)) if limit else 500
        page = list_processes(offset=len(items), limit=want, **filters)
        items += page["items"]
        if not page["items"] or len(items) >= page["total"] or (limit and len(items) >= limit):
            return items, page["total"]


def _when(iso_time: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso_time).strftime("%Y-%m-%d %H:%M:%S")


@command.command("list")
@click.option("-a", "--all", "all_", is_flag=True, help="All processes, not only the active ones.")
@click.option("-S", "--state", "states", multiple=True, type=click.Choice(STATES), help="Only processes in this state (repeatable).")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, all_: bool, states: tuple[str, ...], limit: int, as_json: bool) -> None:
    """List processes, newest first (by default only those created, running or waiting)."""
    from ..views.processes import ACTIVE_STATES

    open_profile(ctx)
    wanted = list(states) if states else (None if all_ else list(ACTIVE_STATES))
    items, total = _pages(limit, states=wanted)
    if as_json:
        print_json([{"pk": p["pk"], "uuid": p["uuid"], "process_label": p["process_label"],
                     "state": p["process_state"], "exit_status": p["exit_status"], "cached_from": p["cached_from"],
                     "ctime": p["ctime"]} for p in items])
        truncation_note(len(items), total, as_json=True)
        return
    print_table(["pk", "process", "state", "created", "type"],
                [(p["pk"], p["process_label"], p["state_text"], _when(p["ctime"]), p["node_type"]) for p in items])
    if total > len(items):
        truncation_note(len(items), total)
    else:
        click.echo(f"{len(items)} process(es)")


#: ``jprov process show --json`` keys, in the order they have always been printed (scripts read them)
_SHOW_KEYS = {"pk": "pk", "uuid": "uuid", "type": "node_type", "process_type": "process_type",
              "process_label": "process_label", "label": "label", "state": "process_state",
              "exit_status": "exit_status", "exit_message": "exit_message", "exception": "exception",
              "cached_from": "cached_from", "process_status": "process_status", "paused": "paused",
              "request": "request", "ctime": "ctime", "mtime": "mtime", "sealed": "sealed", "caller": "caller",
              "inputs": "inputs", "outputs": "outputs", "called": "called"}


@command.command("show")
@click.argument("identifier")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, identifier: str, as_json: bool) -> None:
    """Show a process: state, exit status, cached_from, inputs, outputs, caller and called processes."""
    from ..views.processes import detail

    open_profile(ctx)
    view = detail(_process(identifier))
    data = {key: view[name] for key, name in _SHOW_KEYS.items()}
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
    from ..views.processes import report as process_report

    open_profile(ctx)
    lines = process_report(_process(identifier), levelname=levelname)["lines"]
    if as_json:
        print_json([{"depth": line["depth"], "pk": line["pk"], "process_label": line["process_label"],
                     "time": line["time"], "levelname": line["level"], "message": line["message"]}
                    for line in lines])
        return
    for line in lines:
        indent = "    " * line["depth"]
        first, *rest = line["message"].splitlines() or [""]
        click.echo(f"{indent}{_when(line['time'])} [{line['pk']}|{line['process_label']}] {line['level']}: {first}")
        for more in rest:
            click.echo(f"{indent}    {more}")
    if not lines:
        click.echo("no log messages")


@command.command("status")
@click.argument("identifier")
@json_option
@click.pass_context
def status(ctx: click.Context, identifier: str, as_json: bool) -> None:
    """Print the tree of a workflow and the processes it called, with their states."""
    from ..views.processes import flatten, tree

    open_profile(ctx)
    node_tree = tree(_process(identifier))
    entries = [(depth, entry, entry["process_label"] or entry["class"]) for depth, entry in flatten(node_tree)]
    if as_json:
        print_json([{"depth": depth, "pk": entry["pk"], "process_label": label, "state": entry["process_state"],
                     "exit_status": entry["exit_status"], "status": entry["state_text"]}
                    for depth, entry, label in entries])
        return
    for depth, entry, label in entries:
        branch = f"{'    ' * (depth - 1)}└── " if depth else ""
        click.echo(f"{branch}{label}<{entry['pk']}> {entry['state_text']}")
    if node_tree["truncated"]:
        click.echo(f"… (more than {len(entries)} processes)")


@command.command("continue")
@click.argument("identifier")
@click.pass_context
def continue_(ctx: click.Context, identifier: str) -> None:
    """Run a stored process from its checkpoint in this terminal until it ends."""
    from ..engine.runner import continue_process
    from ..orm.lineage_queries import pk_of
    from ..views.processes import item

    open_profile(ctx)
    node = continue_process(pk_of(_process(identifier)))
    click.echo(f"process {node.pk}: {item(node)['state_text']}")


# pause/play/kill/watch go through the daemon's process control (see cli/process_control.py)
for _control_command in (process_control.kill, process_control.pause, process_control.play, process_control.watch):
    command.add_command(_control_command)
