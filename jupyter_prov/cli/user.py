"""``jprov user``: the users nodes belong to."""

from __future__ import annotations

import click

from ..config import get_config
from ..orm import User
from ..orm.current import default_user_email
from ._output import print_json, print_table
from ._session import open_profile


@click.group("user")
def command() -> None:
    """Users (identified by email)."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the users of the profile (the default user is marked with *)."""
    open_profile(ctx)
    default = default_user_email()
    rows = [{"pk": u.pk, "email": u.email, "first_name": u.first_name, "last_name": u.last_name,
             "institution": u.institution, "default": u.email == default} for u in User.all()]
    if as_json:
        print_json(rows)
        return
    print_table(["", "pk", "email", "name", "institution"],
                [("*" if r["default"] else "", r["pk"], r["email"], f"{r['first_name']} {r['last_name']}".strip(),
                  r["institution"]) for r in rows])


@command.command("set-default")
@click.argument("email")
def set_default(email: str) -> None:
    """Make EMAIL the user that new nodes belong to (in every profile of this config)."""
    if "@" not in email:
        raise click.ClickException(f"{email!r} is not an email address")
    config = get_config()
    config.options["user_email"] = email
    config.save()
    click.echo(f"default user is now {email}")
