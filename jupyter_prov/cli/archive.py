"""``jprov archive``: export to one file, inspect, import, migrate (our format and AiiDA's)."""

from __future__ import annotations

from pathlib import Path

import click

from ._output import dry_run_option, force_option, json_option, print_json, print_mapping, print_table
from ._session import open_profile

_TOGGLES = [
    ("input_calc_forward", "Also export the calculations that used an exported datum."),
    ("create_backward", "Export the creator of each exported datum (default on)."),
    ("return_backward", "Also export the workflows that returned an exported datum."),
    ("input_work_forward", "Also export the workflows that used an exported datum."),
    ("call_calc_backward", "Export the caller of each exported calculation (default on)."),
    ("call_work_backward", "Export the caller of each exported workflow (default on)."),
]


@click.group("archive")
def command() -> None:
    """Archives: one file holding nodes, their provenance and files; also AiiDA archives."""


def _toggle_options(function):
    for name, help_text in reversed(_TOGGLES):
        flag = name.replace("_", "-")
        function = click.option(f"--{flag}/--no-{flag}", name, default=None, help=help_text)(function)
    return function


@command.command("create")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-a", "--all", "all_", is_flag=True, help="Export the whole profile.")
@click.option("-N", "--nodes", "node_ids", multiple=True, help="Node pks or UUIDs to export (repeatable; commas or spaces separate several).")
@click.option("-G", "--groups", "group_ids", multiple=True, help="Group labels or pks to export (repeatable; commas or spaces separate several).")
@_toggle_options
@click.option("--format", "format_", type=click.Choice(["jprov", "aiida"]), default=None,
              help="Write our format or one that aiida-core 2.x imports (default: by OUTPUT's extension, "
                   ".aiida is aiida-core's, anything else ours).")
@click.option("--batch-size", default=1000, show_default=True, help="Rows per database batch.")
@click.option("--compression", type=click.IntRange(0, 9), default=6, show_default=True,
              help="zlib level of the zip members (0: stored).")
@click.option("--include-comments/--no-include-comments", default=True, show_default=True, help="Export comments.")
@click.option("--include-logs/--no-include-logs", default=True, show_default=True, help="Export logs.")
@dry_run_option("Print what would be exported and stop.")
@force_option("OUTPUT")
@json_option
@click.pass_context
def create(ctx, output, all_, node_ids, group_ids, format_, batch_size, compression, include_comments,
           include_logs, dry_run, test_run_alias, force, as_json, **toggles) -> None:
    """Export nodes (with the provenance they need), groups or everything to the archive OUTPUT."""
    from ..archive import create_archive

    test_run = dry_run or test_run_alias
    format_ = _format_for(output, format_)
    open_profile(ctx)
    node_ids = [part for value in node_ids for part in value.replace(",", " ").split()]
    group_ids = [part for value in group_ids for part in value.replace(",", " ").split()]
    nodes = [int(i) if i.isdigit() else i for i in node_ids]
    summary = create_archive(output, nodes=nodes, groups=list(group_ids), all=all_, batch_size=batch_size,
                             compression=compression, include_comments=include_comments, include_logs=include_logs,
                             test_run=test_run, format=format_, overwrite=force,
                             show_progress=not (test_run or as_json),
                             **{k: v for k, v in toggles.items() if v is not None})
    if as_json:
        print_json({"output": str(output), "dry_run": test_run, "counts": dict(summary.counts)})
        return
    print_table(["entity", "count"], summary.counts.items(),
                title="would export (test run, nothing written)" if test_run else f"exported to {output}")


def _format_for(output: Path, format_: str | None) -> str:
    """The format to write: the one asked for, else by the extension; an AiiDA name on our format is refused
    (aiida-core would be handed a file it cannot read, and `verdi archive import` would fail on it)."""
    aiida_name = output.suffix.lower() == ".aiida"
    if format_ is None:
        return "aiida" if aiida_name else "jprov"
    if aiida_name and format_ == "jprov":
        raise click.BadParameter(f"{output}: .aiida is aiida-core's extension; write our format to a .jprov file, "
                                 "or use --format aiida", param_hint="OUTPUT")
    if format_ == "aiida" and output.suffix.lower() == ".jprov":
        raise click.BadParameter(f"{output}: .jprov is our format's extension; name an AiiDA archive .aiida",
                                 param_hint="OUTPUT")
    return format_


@command.command("inspect")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-d", "--database", is_flag=True, help="Also count the rows in the archive's database.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def inspect(archive, database, as_json) -> None:
    """Version, creation time, counts, users, computers and node types of ARCHIVE."""
    from ..archive import inspect_archive

    info = inspect_archive(archive, database=database)
    if as_json:
        print_json(info)
        return
    print_mapping({key: info.get(key) for key in ("path", "format", "version", "ctime", "written_by", "size",
                                                   "repository_objects")}, title="archive")
    print_table(["entity", "count"], info.get("counts", {}).items(), title="counts")
    print_table(["node type", "count"], info.get("node_types", {}).items(), title="node types")
    print_table(["user"], [[u] for u in info.get("users", [])], title="users")
    print_table(["computer"], [[c] for c in info.get("computers", [])], title="computers")
    if database:
        print_table(["entity", "count"], info["database"]["counts"].items(), title="counted in the database")


@command.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--import-group/--no-import-group", default=True, show_default=True,
              help="Put the imported nodes in a new group of type core.import.")
@click.option("--group-label", default=None, help="Label of the import group (default: file name and time).")
@click.option("--extras-mode-new", type=click.Choice(["import", "none"]), default="import", show_default=True,
              help="Extras of nodes new to this profile: import them or drop them.")
@click.option("--extras-mode-existing", type=click.Choice(["keep_existing", "update_existing", "mirror", "none"]),
              default="keep_existing", show_default=True, help="Extras of nodes this profile has already.")
@click.option("--comment-mode", type=click.Choice(["newest", "overwrite"]), default="newest", show_default=True,
              help="A comment that exists already: keep the newest, or take the archive's.")
@click.option("--batch-size", default=1000, show_default=True, help="Rows per database batch.")
@dry_run_option("Check the archive and print what would be imported; write nothing.")
@json_option
@click.pass_context
def import_(ctx, archive, import_group, group_label, extras_mode_new, extras_mode_existing, comment_mode,
            batch_size, dry_run, test_run_alias, as_json) -> None:
    """Merge ARCHIVE (ours or an AiiDA archive) into the profile; nodes are matched by UUID."""
    from ..archive import import_archive

    test_run = dry_run or test_run_alias
    open_profile(ctx)
    summary = import_archive(archive, import_group=import_group, group_label=group_label,
                             extras_mode_new=extras_mode_new, extras_mode_existing=extras_mode_existing,
                             comment_mode=comment_mode, test_run=test_run, batch_size=batch_size,
                             show_progress=not (test_run or as_json))
    if as_json:
        print_json({"archive": str(archive), "dry_run": test_run, "counts": dict(summary.counts),
                    "import_group": summary.details.get("import_group")})
        return
    print_table(["entity", "new"], summary.counts.items(),
                title="would import (test run, nothing written)" if test_run else f"imported {archive}")
    if summary.details.get("import_group"):
        click.echo(f"import group: {summary.details['import_group']}")


@command.command("migrate")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@force_option("TARGET")
@click.option("--compression", type=click.IntRange(0, 9), default=6, show_default=True, help="zlib level of the zip members.")
@json_option
def migrate(source, target, force, compression, as_json) -> None:
    """Write SOURCE (an older jupyter-prov archive, or an AiiDA archive) as TARGET at the newest format."""
    from ..archive import migrate_archive

    summary = migrate_archive(source, target, compression=compression, force=force, show_progress=not as_json)
    if as_json:
        print_json({"source": str(source), "target": str(target), "from": summary.details["from"],
                    "to": summary.details["to"], "conversion_info": list(summary.details["conversion_info"])})
        return
    click.echo(f"{source} ({summary.details['from']}) -> {target} ({summary.details['to']})")
    for note in summary.details["conversion_info"]:
        click.echo(f"  {note}")
