"""``jprov node``: look at stored nodes and change what may change (label, description, extras).

Other modules add commands to this group (``node graph``, ``node delete``) with ``@command.command``.
"""

from __future__ import annotations

import json

import click

from ._output import (
    json_option,
    limit_option,
    parse_json_value,
    print_json,
    print_mapping,
    print_table,
    truncation_note,
)
from ._session import open_profile

IDENTIFIER_HELP = "IDENTIFIER is a pk, a UUID or a unique UUID prefix."


@click.group("node")
def command() -> None:
    """Nodes: show, list, and edit labels, descriptions and extras."""


@command.command("show", epilog=IDENTIFIER_HELP)
@click.argument("identifier")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, identifier: str, as_json: bool) -> None:
    """Show a node: type, attributes, extras, files and its incoming and outgoing links."""
    from ..orm import load_node
    from ..orm.nodes.summary import node_summary

    open_profile(ctx)
    data = node_summary(load_node(identifier))
    if as_json:
        print_json(data)
        return
    incoming, outgoing = data.pop("incoming"), data.pop("outgoing")
    print_mapping(data)
    for title, links in (("incoming", incoming), ("outgoing", outgoing)):
        if links:
            print_table(["link type", "link label", "pk", "uuid", "class", "node label"],
                        [(l["link_type"], l["link_label"], l["pk"], l["uuid"], l["class"], l["label"]) for l in links],
                        title=title)
        else:
            click.echo(f"no {title} links")


@command.command("list")
@click.option("-t", "--type", "node_type", help="Only nodes whose type string starts with this (e.g. data.int).")
@click.option("-l", "--label", help="Only nodes with this label.")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, node_type: str | None, label: str | None, limit: int, as_json: bool) -> None:
    """List stored nodes, newest first."""
    from ..orm.nodes.summary import list_nodes, node_summary

    open_profile(ctx)
    nodes = list_nodes(node_type=node_type, label=label, limit=limit or None)
    if as_json:
        print_json([node_summary(n, links=False) for n in nodes])
    else:
        print_table(["pk", "uuid", "class", "label", "ctime"],
                    [(n.pk, n.uuid, type(n).__name__, n.label, n.ctime.strftime("%Y-%m-%d %H:%M:%S"))
                     for n in nodes])
    if limit and len(nodes) == limit:
        truncation_note(len(nodes), _count_nodes(node_type, label), as_json=as_json)


def _count_nodes(node_type: str | None, label: str | None) -> int:
    """How many nodes ``node list`` would show without a limit."""
    from ..orm import Node, QueryBuilder

    filters: dict = {}
    if node_type:
        filters["node_type"] = {"like": f"{node_type}%"}
    if label is not None:
        filters["label"] = label
    return QueryBuilder().append(Node, filters=filters or None).count()


@command.command("label", epilog=IDENTIFIER_HELP)
@click.argument("identifier")
@click.argument("new_label", required=False)
@click.pass_context
def label(ctx: click.Context, identifier: str, new_label: str | None) -> None:
    """Show the label of a node, or set it to NEW_LABEL."""
    from ..orm import load_node

    open_profile(ctx)
    node = load_node(identifier)
    if new_label is not None:
        node.label = new_label
    click.echo(node.label)


@command.command("description", epilog=IDENTIFIER_HELP)
@click.argument("identifier")
@click.argument("new_description", required=False)
@click.pass_context
def description(ctx: click.Context, identifier: str, new_description: str | None) -> None:
    """Show the description of a node, or set it to NEW_DESCRIPTION."""
    from ..orm import load_node

    open_profile(ctx)
    node = load_node(identifier)
    if new_description is not None:
        node.description = new_description
    click.echo(node.description)


@command.command("extras", epilog=IDENTIFIER_HELP + " VALUE is JSON when it parses as JSON, else a string.")
@click.argument("identifier")
@click.option("-s", "--set", "to_set", nargs=2, multiple=True, metavar="KEY VALUE", help="Set extra KEY to VALUE.")
@click.option("-d", "--delete", "to_delete", multiple=True, metavar="KEY", help="Delete extra KEY.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def extras(ctx: click.Context, identifier: str, to_set: tuple, to_delete: tuple, as_json: bool) -> None:
    """Show the extras of a node; --set and --delete change them (extras are always mutable)."""
    from ..orm import load_node

    open_profile(ctx)
    node = load_node(identifier)
    if to_set:
        node.set_extra_many({key: parse_json_value(value) for key, value in to_set})
    for key in to_delete:
        try:
            node.delete_extra(key)
        except AttributeError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        print_json(node.extras)
    elif node.extras:
        print_mapping({key: value if isinstance(value, str) else json.dumps(value) for key, value in node.extras.items()})
    else:
        click.echo("no extras")


from .node_graph import delete as _delete
from .node_graph import graph as _graph

command.add_command(_graph)
command.add_command(_delete)
