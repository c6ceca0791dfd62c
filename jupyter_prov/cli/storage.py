"""``jprov storage``: information about the storage, schema migration, maintenance and verification."""

from __future__ import annotations

import click

from ._output import print_record
from ._session import open_profile, profile_name


@click.group("storage")
def command() -> None:
    """The profile's storage: database and file repository."""


@command.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Database URL, schema version, number of entities, repository size."""
    from ..orm import current

    open_profile(ctx)
    data = current.get_storage().info()
    print_record(data, as_json=as_json)


@command.command("migrate")
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the database to the schema of this jupyter-prov (back it up first).

    Takes the exclusive profile lock: nothing else may use the profile meanwhile.
    """
    from ..orm.profile_admin import migrate_profile

    result = migrate_profile(profile_name(ctx))
    if result["from"] == result["to"]:
        click.echo(f"the database is at schema version {result['to']} already; nothing to do")
    else:
        click.echo(f"migrated the database from schema version {result['from']} to {result['to']}")


@command.command("maintain")
@click.option("--full", is_flag=True, help="Also repack the repository and vacuum the database; "
              "needs the profile to be unused by any other process.")
@click.option("--dry-run", is_flag=True, help="Only report what would be done.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def maintain(ctx: click.Context, full: bool, dry_run: bool, as_json: bool) -> None:
    """Pack loose repository objects, delete unreferenced ones, check a sample of hashes (see `verify`).

    Safe while the profile is in use; unreferenced objects are deleted only when no other process uses
    the repository. Exit code 1 when the check finds tampering or damage.
    """
    from ..orm.integrity import verify_storage
    from ..orm.profile_admin import maintain_storage

    open_profile(ctx)
    report = maintain_storage(full=full, dry_run=dry_run)
    checked = verify_storage()  # a sample of node and object hashes: tampering shows up here too
    report["verify"] = _verify_summary(checked)
    print_record(report, as_json=as_json, title="dry run: nothing was changed" if dry_run else None)
    if checked.findings:
        ctx.exit(1)


@command.command("verify")
@click.option("--sample", type=click.IntRange(min=1), default=None,
              help="Check this many nodes and this many objects, chosen at random  [default: 1000].")
@click.option("--full", is_flag=True, help="Check every node and every object (reads all file bytes).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def verify(ctx: click.Context, sample: int | None, full: bool, as_json: bool) -> None:
    """Recompute node hashes and object hashes; report tampering (exit code 1 on any finding).

    A node whose attributes or file tree no longer give its stored hash, an object whose bytes no longer
    give its key, and an object a node names that the repository lacks are findings.
    """
    from ..orm.integrity import DEFAULT_SAMPLE, verify_storage

    if full and sample is not None:
        raise click.UsageError("give --sample or --full, not both")
    open_profile(ctx)
    report = verify_storage(sample=None if full else (sample or DEFAULT_SAMPLE))
    if as_json:
        print_record(report.as_dict(), as_json=True)
    else:
        print_record(_verify_summary(report), as_json=False,
                     title="storage verified: no findings" if not report.findings else "TAMPERING OR DAMAGE FOUND")
        for row in report.tampered_nodes:
            click.echo(f"node {row['pk']}: {row['problem']}")
        for key in report.corrupt_objects:
            click.echo(f"object {key}: its bytes do not match its key")
        for key in report.missing_objects:
            click.echo(f"object {key}: named by a node, missing from the repository")
    if report.findings:
        ctx.exit(1)


def _verify_summary(report) -> dict:
    return {"nodes_checked": f"{report.nodes_checked} of {report.nodes_total}",
            "objects_checked": f"{report.objects_checked} of {report.objects_total}",
            "tampered_nodes": len(report.tampered_nodes), "corrupt_objects": len(report.corrupt_objects),
            "missing_objects": len(report.missing_objects), "findings": report.findings}
