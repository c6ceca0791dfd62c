"""``jprov record``: versioned records (list, show, history, diff, alias, export --prov) and their validity
(invalidate, revalidate, why). The same operations as :mod:`jupyter_prov.records` in a notebook; every command has ``--json``.

A TARGET is ``name@v3``, ``name@production`` (an alias), ``name`` (its latest version), a node pk or UUID.
"""

from __future__ import annotations

from typing import Any

import click

from ._output import json_option, limit_option, parse_json_value, print_json, print_mapping, print_table, truncation_note
from ._session import open_profile


@click.group("record")
def command() -> None:
    """Versioned records: list, show, history, diff, alias, invalidate, revalidate, why, export."""


def _tags(values: tuple[str, ...]) -> dict:
    tags = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--tag")
        tags[key] = parse_json_value(value)
    return tags


@command.command("list")
@click.option("-k", "--kind", default=None, help="Only records of this kind (Model, Dataset, Config, Fact).")
@click.option("-t", "--tag", "tags", multiple=True, help="KEY=VALUE (VALUE as JSON if it parses: 10 is a number).")
@click.option("--name", default=None, help="Only names matching this pattern (* matches anything).")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, kind: str | None, tags: tuple[str, ...], name: str | None, limit: int,
          as_json: bool) -> None:
    """List records with their kind, number of versions and tags."""
    from ..records import find
    from ..views.records import record_row

    open_profile(ctx)
    records = find(kind, tags=_tags(tags), name=name)
    rows = [record_row(r) for r in records[: limit or None]]
    if as_json:
        print_json(rows)
    else:
        print_table(["name", "kind", "versions", "latest node", "tags"],
                    [(r["name"], r["kind"], r["versions"], r["latest_node"], r["tags"] or "") for r in rows])
    truncation_note(len(rows), len(records), as_json=as_json)


@command.command("show")
@click.argument("name")
@json_option
@click.pass_context
def show(ctx: click.Context, name: str, as_json: bool) -> None:
    """Show record NAME: its versions, aliases, tags and actions."""
    from ..records import Record
    from ..views.records import record_summary as record_detail

    open_profile(ctx)
    detail = record_detail(Record.get(name))
    if as_json:
        print_json(detail)
        return
    versions = detail.pop("versions_list")
    print_mapping({k: v for k, v in detail.items() if v not in (None, "", [], {})}, title=f"record {name}")
    print_table(["version", "node", "time", "actor", "aliases", "status"],
                [(f"v{v['version']}", v["node"], v["time"][:19], v["actor"],
                  ", ".join(v["aliases"]), v["status"]) for v in versions])


@command.command("history")
@click.argument("name")
@json_option
@click.pass_context
def history(ctx: click.Context, name: str, as_json: bool) -> None:
    """The versions and alias moves of record NAME, oldest first."""
    from ..views.records import record_history

    open_profile(ctx)
    events = record_history(name)
    if as_json:
        print_json(events)
        return
    rows = []
    for e in events:
        what = (f"v{e['version']} (node {e['node']})" if e["event"] == "version"
                else f"alias {e['alias']} -> " + (f"v{e['version']}" if e["version"] else "(removed)"))
        rows.append((e["time"][:19], e["event"], what, e["actor"]))
    print_table(["time", "event", "what", "actor"], rows)


@command.command("diff")
@click.argument("name")
@click.argument("a")
@click.argument("b")
@json_option
@click.pass_context
def diff(ctx: click.Context, name: str, a: str, b: str, as_json: bool) -> None:
    """Compare versions A and B of record NAME (v3, 3, or an alias): content and which inputs changed."""
    from ..records import Record

    open_profile(ctx)
    result = Record.get(name).diff(_version_key(a), _version_key(b))
    if as_json:
        print_json(result)
        return
    content, lineage = result["content"], result["lineage"]
    click.echo(f"{name}: v{result['a']} -> v{result['b']}  "
               f"({'same content' if content['same_content'] else 'content differs'})")
    for part in ("attributes", "files"):
        for change, keys in content[part].items():
            if keys:
                click.echo(f"  {part} {change}: {', '.join(keys)}")
    for item in lineage["changed"]:
        click.echo(f"  input {item['record']}: v{item['from']} -> v{item['to']}")
    for item in lineage["added"]:
        click.echo(f"  input added: {item['record']} {item['versions']}")
    for item in lineage["removed"]:
        click.echo(f"  input removed: {item['record']} {item['versions']}")


def _version_key(text: str):
    return int(text) if text.isdigit() else text


@command.command("alias")
@click.argument("name")
@click.argument("alias")
@click.argument("version", required=False)
@click.option("--remove", is_flag=True, help="Remove the alias instead of moving it.")
@json_option
@click.pass_context
def alias(ctx: click.Context, name: str, alias: str, version: str | None, remove: bool, as_json: bool) -> None:
    """Point ALIAS of record NAME at VERSION (v3, 3, or another alias); without VERSION, show it."""
    from ..records import Record

    open_profile(ctx)
    record = Record.get(name)
    result: dict[str, Any]
    if remove:
        record.remove_alias(alias)
        result = {"record": name, "alias": alias, "version": None}
    elif version is None:
        result = {"record": name, "alias": alias, "version": record[alias].number}
    else:
        result = {"record": name, "alias": alias, "version": record.set_alias(alias, _version_key(version)).number}
    if as_json:
        print_json(result)
    else:
        click.echo(f"{name}@{alias} -> " + (f"v{result['version']}" if result["version"] else "(removed)"))


def _target(text: str):
    return int(text) if text.isdigit() else text


@command.command("invalidate")
@click.argument("target")
@click.option("-c", "--cause", required=True, help="Why it is invalid (kept in the event).")
@click.option("--by", default=None, help="Who invalidates (default: the profile's user).")
@click.option("--dry-run", is_flag=True, help="Only say what would be marked invalid.")
@json_option
@click.pass_context
def invalidate(ctx: click.Context, target: str, cause: str, by: str | None, dry_run: bool, as_json: bool) -> None:
    """Mark TARGET and everything derived from it invalid (one transaction; see --dry-run first)."""
    from ..records import invalidate as invalidate_

    open_profile(ctx)
    result = invalidate_(_target(target), cause, by=by, dry_run=dry_run)
    if as_json:
        print_json(result)
        return
    if dry_run:
        click.echo(f"would mark {result['nodes']:,} node(s) invalid; {len(result['affected_workflows'])} "
                   "workflow(s) affected")
        for kind, count in result["by_type"].items():
            click.echo(f"  {kind}: {count:,}")
        for name, numbers in result["records"].items():
            click.echo(f"  record {name}: " + ", ".join(f"v{n}" for n in numbers))
        for notebook, count in result["notebooks"].items():
            click.echo(f"  notebook {notebook}: {count} cell(s)")
        return
    click.echo(f"invalidated {result['nodes']:,} node(s) (event {result['event']}); "
               f"{result['affected_workflows']} workflow(s) affected; {result['actions_queued']} action(s) queued")


@command.command("revalidate")
@click.argument("target")
@click.option("-c", "--cause", required=True, help="Why it is valid again (kept in the event).")
@click.option("--by", default=None, help="Who revalidates (default: the profile's user).")
@json_option
@click.pass_context
def revalidate(ctx: click.Context, target: str, cause: str, by: str | None, as_json: bool) -> None:
    """TARGET is valid again, with what was invalid only through it."""
    from ..records import revalidate as revalidate_

    open_profile(ctx)
    result = revalidate_(_target(target), cause, by=by)
    if as_json:
        print_json(result)
    else:
        click.echo(f"revalidated {result['nodes']:,} node(s) (event {result['event']})")


@command.command("why")
@click.argument("target")
@json_option
@click.pass_context
def why(ctx: click.Context, target: str, as_json: bool) -> None:
    """Why TARGET is invalid (the chain back to the root event) or stale (inputs with newer versions)."""
    from ..views.records import badge

    open_profile(ctx)
    result = badge(_target(target))
    result["invalid"] = result.pop("why")
    if as_json:
        print_json(result)
        return
    click.echo(f"node {result['node']}: {result['status']}")
    for chain in result["invalid"]:
        click.echo(f"  invalid since {chain['time'][:19]} by {chain['actor']}: "
                   f"{chain['cause']}")
        path = " <- ".join(f"{step['label']} ({step['node']})" for step in chain["path"])
        more = f" ({chain['length']} steps)" if chain["length"] > len(chain["path"]) else ""
        click.echo(f"    {path}{more}")
    for cause in result["stale"]:
        click.echo(f"  stale: uses {cause['record']} v{cause['used']}, newest is v{cause['newest']}")


@command.command("export")
@click.argument("names", nargs=-1)
@click.option("--prov", "as_prov", is_flag=True, default=True, help="W3C PROV-JSON (the one format so far).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to this file (default: stdout).")
@click.pass_context
def export(ctx: click.Context, names: tuple[str, ...], as_prov: bool, output: str | None) -> None:
    """Export records NAMES (all without names) as PROV-JSON: versions with wasRevisionOf (a Revision
    derivation), derivations, generations, and wasInvalidatedBy with each version's status."""
    import json

    from ..views.records import prov_document

    open_profile(ctx)
    document = prov_document(list(names) or None)
    text = json.dumps(document, indent=2, sort_keys=True)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        click.echo(f"wrote {len(document.get('entity', {}))} entities to {output}")
    else:
        click.echo(text)
