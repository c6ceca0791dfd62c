"""``jprov node``: look at stored nodes and change what may change (label, description, extras).

``node graph`` and ``node delete`` are plain click commands of ``cli/node_graph.py``, added to this group
at the end of this module.
"""

from __future__ import annotations

import json

import click

from . import node_graph
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


def _flat_link(link: dict) -> dict:
    other = link["node"]
    return {"link_type": link["link_type"], "link_label": link["link_label"], "pk": other["pk"],
            "uuid": other["uuid"], "class": other["class"], "label": other["label"]}


#: ``jprov node show --json`` keys, in the order they have always been printed (scripts read them)
_SHOW_KEYS = ("pk", "uuid", "class", "node_type", "process_type", "label", "description", "ctime", "mtime",
              "node_hash", "attributes", "extras")


@command.command("show", epilog=IDENTIFIER_HELP)
@click.argument("identifier")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, identifier: str, as_json: bool) -> None:
    """Show a node: type, attributes, extras, files and its incoming and outgoing links."""
    from ..views.nodes import detail

    open_profile(ctx)
    view = detail(identifier)
    data = {key: view[key] for key in _SHOW_KEYS}
    data["files"] = [f["path"] for f in view["files"]]
    incoming, outgoing = [_flat_link(l) for l in view["incoming"]], [_flat_link(l) for l in view["outgoing"]]
    counts = view["counts"]
    if as_json:
        print_json({**data, "incoming": incoming, "outgoing": outgoing})
    else:
        print_mapping(data)
        for title, links in (("incoming", incoming), ("outgoing", outgoing)):
            if links:
                print_table(["link type", "link label", "pk", "uuid", "class", "node label"],
                            [(l["link_type"], l["link_label"], l["pk"], l["uuid"], l["class"], l["label"])
                             for l in links], title=title)
            else:
                click.echo(f"no {title} links")
    for what, shown in (("files", data["files"]), ("incoming", incoming), ("outgoing", outgoing)):
        truncation_note(len(shown), counts[what], as_json=as_json, hint=f"{what}; `jprov query` lists them all")


@command.command("list")
@click.option("-t", "--type", "node_type", help="Only nodes whose type string starts with this (e.g. data.int).")
@click.option("-l", "--label", help="Only nodes with this label.")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, node_type: str | None, label: str | None, limit: int, as_json: bool) -> None:
    """List stored nodes, newest first."""
    from ..views.nodes import MAX_LIMIT, search

    open_profile(ctx)
    items: list[dict] = []
    while True:  # pages of at most MAX_LIMIT (-n 0: all of them)
        want = min(MAX_LIMIT, limit - len(items)) if limit else MAX_LIMIT
        page = search(node_type=node_type, label=label, order_by="pk", offset=len(items), limit=want)
        items += page["items"]
        if not page["items"] or len(items) >= page["total"] or (limit and len(items) >= limit):
            break
    if as_json:
        print_json(items)
    else:
        print_table(["pk", "uuid", "class", "label", "ctime"],
                    [(n["pk"], n["uuid"], n["class"], n["label"], _when(n["ctime"])) for n in items])
    truncation_note(len(items), page["total"], as_json=as_json)


def _when(iso_time: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso_time).strftime("%Y-%m-%d %H:%M:%S")


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


command.add_command(node_graph.graph)
command.add_command(node_graph.delete)
