"""``jprov storage``: information about the storage, schema migration and maintenance."""

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
    """Delete unreferenced repository objects and pack loose ones (safe while the profile is in use)."""
    from ..orm.profile_admin import maintain_storage

    open_profile(ctx)
    report = maintain_storage(full=full, dry_run=dry_run)
    print_record(report, as_json=as_json, title="dry run: nothing was changed" if dry_run else None)
