"""``jprov query``: a thin command line over the QueryBuilder, as a table or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ._output import parse_json_value, print_json, print_table
from ._session import open_profile

DEFAULT_PROJECTIONS = {
    "node": ["id", "uuid", "node_type", "label"],
    "group": ["id", "label", "type_string"],
    "user": ["id", "email"],
    "computer": ["id", "label", "hostname"],
    "comment": ["id", "node_id", "content"],
    "log": ["id", "node_id", "levelname", "message"],
}

if TYPE_CHECKING:
    from ..orm.querybuilder import QueryBuilder


def resolve_entity(name: str) -> Any:
    """An entity name (node, group, user, computer, comment, log), a node type string or a node class name."""
    from ..orm import Comment, Computer, Group, Log, User
    from ..orm.nodes.node import Node, registered_node_classes
    from ..orm.plugins import node_class_for

    plain = {"node": Node, "group": Group, "user": User, "computer": Computer, "comment": Comment, "log": Log}
    if name.lower() in plain:
        return plain[name.lower()]
    if name.startswith(("data", "process")):
        return node_class_for(name) or name
    for cls in registered_node_classes().values():
        if cls.__name__ == name:
            return cls
    raise click.BadParameter(f"unknown entity {name!r}: use node, group, user, computer, comment, log, "
                             "a node type string (data.dict) or a node class name (Dict)")


def _kind(cls: Any) -> str:
    """Which entity :func:`resolve_entity`'s answer is (a type string is a node type)."""
    from ..orm import Comment, Computer, Group, Log, User

    for kind, entity in (("group", Group), ("user", User), ("computer", Computer), ("comment", Comment), ("log", Log)):
        if isinstance(cls, type) and issubclass(cls, entity):
            return kind
    return "node"


def _filters(items: tuple[str, ...]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: write KEY=VALUE (VALUE is JSON: 5, \"text\", {{\">\": 5}})",
                                     param_hint="--filter")
        filters[key.strip()] = parse_json_value(value)
    return filters


@click.command("query", epilog="Examples:\n\n\b\n  jprov query -e Dict -F 'attributes.x={\">\": 5}' -p uuid -p attributes.x\n"
               "  jprov query --path '[{\"cls\": \"data.dict\", \"tag\": \"d\"}, "
               "{\"cls\": \"process.calculation\", \"with_outgoing\": \"d\", \"project\": [\"uuid\"]}]' --count")
@click.option("-e", "--entity", default="node", show_default=True,
              help="What to query: node, group, user, computer, comment, log, a node type string or class name.")
@click.option("-F", "--filter", "filter_items", multiple=True, metavar="KEY=VALUE",
              help="Filter; VALUE is JSON (a plain value means ==, or an operator dict like {\"<\": 3}).")
@click.option("-f", "filter_alias", multiple=True, hidden=True, help="Old spelling of -F (-f means --force).")
@click.option("-p", "--project", "projections", multiple=True,
              help="Column or JSON path to show (repeatable; default depends on the entity).")
@click.option("--path", "path_json", default=None,
              help="A whole query as JSON: a list of append() arguments, 'cls' naming the entity.")
@click.option("-o", "--order-by", "order", multiple=True, metavar="KEY[:desc]", help="Sort by KEY (repeatable).")
@click.option("-n", "--limit", type=click.IntRange(min=0), default=None, help="At most this many rows.")
@click.option("--offset", type=click.IntRange(min=0), default=None, help="Skip this many rows.")
@click.option("--distinct", is_flag=True, help="Drop duplicate rows.")
@click.option("--count", "count_only", is_flag=True, help="Print only the number of rows.")
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON objects.")
@click.pass_context
def command(ctx: click.Context, entity: str, filter_items: tuple[str, ...], filter_alias: tuple[str, ...],
            projections: tuple[str, ...], path_json: str | None, order: tuple[str, ...], limit: int | None,
            offset: int | None, distinct: bool, count_only: bool, show_sql: bool, as_json: bool) -> None:
    """Query the provenance graph (a thin layer over the Python QueryBuilder)."""
    from ..orm.querybuilder import QueryBuilder
    from ..views.query import rows

    filter_items = filter_items + filter_alias
    open_profile(ctx)
    qb = QueryBuilder(limit=limit, offset=offset, distinct=distinct)
    if path_json:
        _append_path(qb, path_json)
        if filter_items or projections:
            raise click.UsageError("--path already says filters and projections; drop --filter/--project")
    else:
        cls = resolve_entity(entity)
        qb.append(cls, tag="q", filters=_filters(filter_items) or None)
        qb.add_projection("q", list(projections) or DEFAULT_PROJECTIONS[_kind(cls)])
    tag = qb.tags[-1] if path_json else "q"
    for item in order:
        key, _, direction = item.partition(":")
        qb.order_by({tag: {key: direction or "asc"}})
    if show_sql:
        click.echo(qb.as_sql())
        return
    if count_only:
        click.echo(qb.count())
        return
    result = rows(qb)
    keys = result["columns"]
    if as_json:
        print_json([dict(zip(keys, row)) for row in result["rows"]])
    else:
        print_table(keys, [[v if isinstance(v, str) else json.dumps(v, default=str) for v in row]
                           for row in result["rows"]])


def _append_path(qb: QueryBuilder, text: str) -> None:
    try:
        path = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--path") from None
    if not isinstance(path, list) or not all(isinstance(item, dict) for item in path):
        raise click.BadParameter("a JSON list of objects, one per append()", param_hint="--path")
    for item in path:
        item = dict(item)
        name = item.pop("cls", None) or item.pop("entity_type", None)
        if not isinstance(name, str):
            raise click.BadParameter(f"each step needs \"cls\": an entity name, got {item!r}", param_hint="--path")
        qb.append(resolve_entity(name), **item)
