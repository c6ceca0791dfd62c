"""``jprov node graph`` and ``jprov node delete``: draw the provenance around a node; delete consistently."""

from __future__ import annotations

from pathlib import Path

import click

from ._output import print_json, print_table, truncation_note
from ._session import open_profile

GRAPH_FORMATS = {".svg": "dot", ".png": "dot", ".pdf": "dot", ".dot": "dot", ".gv": "dot",
                 ".json": "prov", ".provn": "prov", ".xml": "prov"}


def _link_types(value: str) -> str | list[str]:
    if value in ("data", "all"):
        return value
    return [part.strip() for part in value.split(",") if part.strip()]


@click.command("graph", epilog="IDENTIFIER is a pk, a UUID or a unique UUID prefix. The output format follows "
               "the file suffix: .svg .png .pdf (graphviz), .dot, .json (W3C PROV-JSON), .provn (PROV-N), .xml (PROV-XML).")
@click.argument("identifier")
@click.option("-a", "--ancestors", type=click.IntRange(min=0), default=None,
              help="Follow links backwards at most this many steps (default: all the way).")
@click.option("-d", "--descendants", type=click.IntRange(min=0), default=None,
              help="Follow links forwards at most this many steps (default: all the way).")
@click.option("-l", "--link-types", default="all", show_default=True,
              help="'data' (input_calc, create), 'all', or a comma-separated list of link types.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: <pk>.dot in the current folder).")
@click.option("--max-nodes", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Refuse graphs with more nodes than this.")
@click.pass_context
def graph(ctx: click.Context, identifier: str, ancestors: int | None, descendants: int | None, link_types: str,
          output: Path | None, max_nodes: int) -> None:
    """Draw the provenance graph around a node (graphviz, or W3C PROV)."""
    from ..orm import load_node

    open_profile(ctx)
    node = load_node(identifier)
    output = output or Path(f"{node.pk}.dot")
    kind = GRAPH_FORMATS.get(output.suffix.lower())
    if kind is None:
        raise click.BadParameter(f"unknown suffix {output.suffix!r}; use one of {', '.join(GRAPH_FORMATS)}",
                                 param_hint="--output")
    chosen = _link_types(link_types)
    try:
        if kind == "dot":
            from ..interop.dot import provenance_graph, write

            write(provenance_graph(node, ancestors=ancestors, descendants=descendants, link_types=chosen,
                                   max_nodes=max_nodes), output)
        else:
            from ..interop.prov import prov_document
            from ..interop.prov import write as write_prov

            write_prov(prov_document(node, ancestors=ancestors, descendants=descendants, link_types=chosen,
                                     max_nodes=max_nodes), output)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # graphviz missing its `dot` program
        if type(exc).__name__ == "ExecutableNotFound":
            raise click.ClickException("rendering needs the graphviz program 'dot' (apt-get install graphviz); "
                                       "or write .dot and render it elsewhere") from exc
        raise
    click.echo(f"wrote {output}")


@click.command("delete", epilog="IDENTIFIERS are pks, UUIDs or unique UUID prefixes. What provenance forces to go "
               "along: the calculations that used a deleted datum and everything they made, the workflows that "
               "called a deleted process. File contents stay until `jprov storage maintain`.")
@click.argument("identifiers", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", "yes_alias", is_flag=True, hidden=True, help="Old spelling of --yes.")
@click.option("--create-forward/--no-create-forward", default=None,
              help="Delete the data a deleted calculation created (default: yes).")
@click.option("--call-calc-forward/--no-call-calc-forward", default=None,
              help="Delete the calculations a deleted workflow called (default: yes).")
@click.option("--call-work-forward/--no-call-work-forward", default=None,
              help="Delete the workflows a deleted workflow called (default: yes).")
@click.option("--json", "as_json", is_flag=True, help="Print the list of nodes as JSON.")
@click.pass_context
def delete(ctx: click.Context, identifiers: tuple[str, ...], dry_run: bool, yes: bool, yes_alias: bool,
           create_forward: bool | None, call_calc_forward: bool | None, call_work_forward: bool | None,
           as_json: bool) -> None:
    """Delete nodes and what provenance requires to go with them."""
    from ..orm import load_node
    from ..orm.delete import delete_nodes

    open_profile(ctx)
    pks = [load_node(identifier).pk for identifier in identifiers]
    given = {"create_forward": create_forward, "call_calc_forward": call_calc_forward,
             "call_work_forward": call_work_forward}
    rules: dict[str, bool] = {key: value for key, value in given.items() if value is not None}
    plan = delete_nodes(pks, dry_run=True, **rules)
    if as_json:
        print_json({"pks": plan.pks, "requested": plan.requested, "node_types": plan.node_types,
                    "unsealed": plan.unsealed, "dry_run": dry_run})
    else:
        _show_plan(plan)
    if plan.unsealed:
        raise click.ClickException(f"{len(plan.unsealed)} process(es) are not sealed (running or never finished): "
                                   f"pk {plan.unsealed[:20]}; nothing was deleted")
    if dry_run:
        return
    if not (yes or yes_alias):
        click.confirm(f"Delete these {len(plan.pks)} node(s)?", abort=True)
    result = delete_nodes(pks, dry_run=False, **rules)
    if set(result.pks) != set(plan.pks):  # the graph changed in between: say so
        click.echo(f"note: the graph changed since the listing; {len(result.pks)} node(s) were deleted")
    click.echo(result.summary())


def _show_plan(plan) -> None:
    from ..orm import load_nodes

    shown = load_nodes(plan.pks[:50])
    print_table(["pk", "uuid", "class", "label", "why"],
                [(n.pk, n.uuid, type(n).__name__, n.label, "asked" if n.pk in plan.requested else "provenance")
                 for n in shown], title="nodes to delete")
    truncation_note(len(shown), len(plan.pks), hint="--json lists them all")
    click.echo(plan.summary())
