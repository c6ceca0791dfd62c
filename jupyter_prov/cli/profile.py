"""``jprov profile``: set up, list, show, change, choose and delete profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ._output import json_option, print_json, print_record, print_table, yes_option

if TYPE_CHECKING:
    from ..config import Profile


def _shown(profile: Profile) -> dict[str, Any]:
    """What list and show print: the profile with the passwords in its URLs as ``***``."""
    from ..config.settings import mask_password

    data = profile.to_json()
    for key in ("storage", "broker"):
        data[key] = mask_password(data[key])
    return data


@click.group("profile")
def command() -> None:
    """Profiles: one storage (database + file repository) and one broker each."""


@command.command("setup")
@click.argument("name")
@click.option("--storage", help="Database URL, e.g. postgresql+psycopg://user@host:5432/db "
              "(default: an SQLite file in the profile folder).")
@click.option("--repository", help="Folder of the file repository (default: in the profile folder).")
@click.option("--broker", help="Message broker URL, e.g. amqp://guest:guest@127.0.0.1:5672// "
              "(default: an SQLite broker in the profile folder); it must accept a connection.")
@click.option("--set-default", is_flag=True, help="Make it the default profile.")
def setup(name: str, storage: str | None, repository: str | None, broker: str | None, set_default: bool) -> None:
    """Create profile NAME and its database schema (the database must be reachable and empty)."""
    from ..orm.profile_admin import setup_profile

    profile = setup_profile(name, storage=storage, repository=repository, broker=broker, set_default=set_default)
    click.echo(f"profile {profile.name!r} created" + (" and made the default" if set_default else ""))


def _set_epilog() -> str:
    from ..config.settings import LOCATIONS, OPTIONS

    lines = [f"  {key:<22} checked by reaching it, as setup does" for key in LOCATIONS]
    lines += [f"  {key:<22} {option.help}" for key, option in OPTIONS.items()]
    return "KEY is one of:\n\n\b\n" + "\n".join(lines)


@command.command("set", epilog=_set_epilog())
@click.argument("name")
@click.argument("key")
@click.argument("value")
def set_(name: str, key: str, value: str) -> None:
    """Set KEY of profile NAME to VALUE (a location is checked first; nothing changes if it fails)."""
    from ..config.settings import LOCATIONS, mask_password
    from ..orm.profile_admin import set_profile_value

    profile = set_profile_value(name, key, value)
    shown = mask_password(getattr(profile, key)) if key in LOCATIONS else profile.options[key]
    click.echo(f"profile {name!r}: {key} = {shown}")


@command.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List the profiles (the default one is marked with *)."""
    from ..config import get_config

    config = get_config()
    rows = [(name == config.default_profile, p) for name, p in sorted(config.profiles.items())]
    if as_json:
        print_json([{"name": p.name, "default": default, **_shown(p)} for default, p in rows])
        return
    if not rows:
        click.echo("no profiles; run `jprov profile setup NAME` (or just load_profile() in Python)")
        return
    print_table(["", "name", "storage", "broker"],
                [("*" if d else "", p.name, _shown(p)["storage"], _shown(p)["broker"]) for d, p in rows])


@command.command("show")
@click.argument("name", required=False)
@json_option
def show(name: str | None, as_json: bool) -> None:
    """Show profile NAME (default: the default profile)."""
    from ..config import get_config

    config = get_config()
    profile = config.get_profile(name)
    data = {"name": profile.name, "default": profile.name == config.default_profile, **_shown(profile),
            "folder": str(profile.folder)}
    print_record(data, as_json=as_json)


@command.command("set-default")
@click.argument("name")
def set_default(name: str) -> None:
    """Make profile NAME the default one."""
    from ..config import get_config

    config = get_config()
    config.set_default(name)
    config.save()
    click.echo(f"default profile is now {name!r}")


@command.command("delete")
@click.argument("name")
@click.option("--delete-data", is_flag=True, help="Also drop its database tables and delete its file repository.")
@yes_option
def delete(name: str, delete_data: bool, yes: bool) -> None:
    """Delete profile NAME from the config (its data stays unless --delete-data)."""
    from ..config import get_config
    from ..orm.profile_admin import delete_profile

    get_config().get_profile(name)
    what = "the profile and ALL ITS DATA" if delete_data else "the profile (its data stays)"
    if not yes:
        click.confirm(f"Delete {what} {name!r}?", abort=True)
    delete_profile(name, delete_data=delete_data)
    click.echo(f"profile {name!r} deleted" + (" with its data" if delete_data else ""))
