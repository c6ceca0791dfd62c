"""``jprov status``: is the profile healthy?"""

from __future__ import annotations

import click

from ._output import print_json, status_line
from ._session import profile_name


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.option("--broker-timeout", type=float, default=3.0, show_default=True,
              help="Seconds to wait for the broker to answer.")
@click.pass_context
def command(ctx: click.Context, as_json: bool, broker_timeout: float) -> None:
    """Check the profile, storage, repository, broker and daemon; exit 1 when one has a problem."""
    from ..views.health import checks

    found = checks(profile_name(ctx), broker_timeout=broker_timeout)
    if as_json:
        print_json(found)
    else:
        for check in found:
            status_line(check["ok"], check["name"], check["message"])
    if not all(check["ok"] for check in found):
        ctx.exit(1)
