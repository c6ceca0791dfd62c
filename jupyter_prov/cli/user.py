"""``jprov user``: the users nodes belong to."""

from __future__ import annotations

import click

from ._output import json_option, limit_option, print_json, print_table, truncation_note
from ._session import open_profile


@click.group("user")
def command() -> None:
    """Users (identified by email)."""


@command.command("list")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List the users of the profile (the default user is marked with *)."""
    from ..orm import User
    from ..orm.current import default_user_email

    open_profile(ctx)
    default = default_user_email()
    users = User.all()
    rows = [{"pk": u.pk, "email": u.email, "first_name": u.first_name, "last_name": u.last_name,
             "institution": u.institution, "default": u.email == default} for u in users[: limit or None]]
    if as_json:
        print_json(rows)
        truncation_note(len(rows), len(users), as_json=True)
        return
    print_table(["", "pk", "email", "name", "institution"],
                [("*" if r["default"] else "", r["pk"], r["email"], f"{r['first_name']} {r['last_name']}".strip(),
                  r["institution"]) for r in rows])
    truncation_note(len(rows), len(users))


@command.command("set-default")
@click.argument("email")
def set_default(email: str) -> None:
    """Make EMAIL the user that new nodes belong to (in every profile of this config)."""
    from ..config import get_config

    if "@" not in email:
        raise click.ClickException(f"{email!r} is not an email address")
    config = get_config()
    config.options["user_email"] = email
    config.save()
    click.echo(f"default user is now {email}")
