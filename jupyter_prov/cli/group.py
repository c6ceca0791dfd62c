"""``jprov group``: named sets of nodes (membership may change at any time)."""

from __future__ import annotations

import click

from ._output import json_option, limit_option, print_json, print_table, truncation_note, yes_option
from ._session import open_profile


@click.group("group")
def command() -> None:
    """Groups: create, list, show, add and remove nodes, delete."""


@command.command("create")
@click.argument("label")
@click.option("-D", "--description", default="", help="A description of the group.")
@click.pass_context
def create(ctx: click.Context, label: str, description: str) -> None:
    """Create a group LABEL."""
    from ..orm import Group

    open_profile(ctx)
    group = Group(label, description).store()
    click.echo(f"group {group.label!r} created (pk {group.pk})")


@command.command("list")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List the groups with their number of nodes."""
    from ..orm import Group

    open_profile(ctx)
    groups = Group.all()
    rows = [{"pk": g.pk, "label": g.label, "type_string": g.type_string, "nodes": g.count(),
             "description": g.description} for g in groups[: limit or None]]
    if as_json:
        print_json(rows)
    else:
        print_table(["pk", "label", "type", "nodes", "description"], [tuple(r.values()) for r in rows])
    truncation_note(len(rows), len(groups), as_json=as_json)


@command.command("show")
@click.argument("group")
@limit_option
@json_option
@click.pass_context
def show(ctx: click.Context, group: str, limit: int, as_json: bool) -> None:
    """Show GROUP (a label, pk or UUID) and its nodes."""
    import itertools

    from ..orm import Group
    from ..views.nodes import summary

    open_profile(ctx)
    found = Group.load(group)
    total = found.count()
    nodes = list(itertools.islice(found.nodes, limit or None))
    if as_json:
        print_json({"pk": found.pk, "uuid": found.uuid, "label": found.label, "type_string": found.type_string,
                    "description": found.description, "extras": found.extras, "count": total,
                    "nodes": [summary(n) for n in nodes]})
        truncation_note(len(nodes), total, as_json=True)
        return
    click.echo(f"group {found.label!r} (pk {found.pk}, {found.type_string}): {total} nodes")
    if found.description:
        click.echo(found.description)
    if nodes:
        print_table(["pk", "uuid", "class", "label"], [(n.pk, n.uuid, type(n).__name__, n.label) for n in nodes])
    truncation_note(len(nodes), total)


@command.command("add")
@click.argument("group")
@click.argument("nodes", nargs=-1, required=True)
@click.pass_context
def add(ctx: click.Context, group: str, nodes: tuple[str, ...]) -> None:
    """Add NODES (pks or UUIDs) to GROUP."""
    from ..orm import Group, load_node

    open_profile(ctx)
    found = Group.load(group)
    found.add_nodes([load_node(n) for n in nodes])
    click.echo(f"group {found.label!r} has {found.count()} nodes")


@command.command("remove")
@click.argument("group")
@click.argument("nodes", nargs=-1, required=True)
@click.pass_context
def remove(ctx: click.Context, group: str, nodes: tuple[str, ...]) -> None:
    """Remove NODES (pks or UUIDs) from GROUP; the nodes themselves stay."""
    from ..orm import Group, load_node

    open_profile(ctx)
    found = Group.load(group)
    found.remove_nodes([load_node(n) for n in nodes])
    click.echo(f"group {found.label!r} has {found.count()} nodes")


@command.command("delete")
@click.argument("group")
@yes_option
@click.pass_context
def delete(ctx: click.Context, group: str, yes: bool) -> None:
    """Delete GROUP; its nodes stay."""
    from ..orm import Group

    open_profile(ctx)
    found = Group.load(group)
    if not yes:
        click.confirm(f"Delete group {found.label!r} ({found.count()} nodes stay)?", abort=True)
    label = found.label
    found.delete()
    click.echo(f"group {label!r} deleted")
