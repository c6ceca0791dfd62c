"""``jprov computer``: the machines codes run on (set-up commands come with the engine)."""

from __future__ import annotations

import click

from ..orm import Computer
from ._output import print_json, print_mapping, print_table
from ._session import open_profile


@click.group("computer")
def command() -> None:
    """Computers: where calculations run."""


def _as_dict(computer: Computer) -> dict:
    return {"pk": computer.pk, "uuid": computer.uuid, "label": computer.label, "hostname": computer.hostname,
            "description": computer.description, "transport_type": computer.transport_type,
            "scheduler_type": computer.scheduler_type, "metadata": computer.metadata}


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the computers."""
    open_profile(ctx)
    computers = Computer.all()
    if as_json:
        print_json([_as_dict(c) for c in computers])
        return
    print_table(["pk", "label", "hostname", "transport", "scheduler"],
                [(c.pk, c.label, c.hostname, c.transport_type, c.scheduler_type) for c in computers])


@command.command("show")
@click.argument("computer")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, computer: str, as_json: bool) -> None:
    """Show COMPUTER (a label, pk or UUID)."""
    open_profile(ctx)
    data = _as_dict(Computer.load(computer))
    if as_json:
        print_json(data)
    else:
        print_mapping(data)
