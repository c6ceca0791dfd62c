"""``jprov computer``: the machines codes run on (set-up commands come with the engine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ._output import json_option, limit_option, print_json, print_record, print_table, truncation_note
from ._session import open_profile

if TYPE_CHECKING:
    from ..orm import Computer


@click.group("computer")
def command() -> None:
    """Computers: where calculations run."""


def _as_dict(computer: Computer) -> dict:
    return {"pk": computer.pk, "uuid": computer.uuid, "label": computer.label, "hostname": computer.hostname,
            "description": computer.description, "transport_type": computer.transport_type,
            "scheduler_type": computer.scheduler_type, "metadata": computer.metadata}


@command.command("list")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List the computers."""
    from ..orm import Computer

    open_profile(ctx)
    every = Computer.all()
    computers = every[: limit or None]
    if as_json:
        print_json([_as_dict(c) for c in computers])
    else:
        print_table(["pk", "label", "hostname", "transport", "scheduler"],
                    [(c.pk, c.label, c.hostname, c.transport_type, c.scheduler_type) for c in computers])
    truncation_note(len(computers), len(every), as_json=as_json)


@command.command("show")
@click.argument("computer")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, computer: str, as_json: bool) -> None:
    """Show COMPUTER (a label, pk or UUID)."""
    from ..orm import Computer

    open_profile(ctx)
    data = _as_dict(Computer.load(computer))
    print_record(data, as_json=as_json)


@command.command("setup")
@click.argument("label")
@click.option("--hostname", default="localhost", show_default=True, help="Host name (or address) of the computer.")
@click.option("--transport", default="core.local", show_default=True, help="Transport plugin: core.local or core.ssh.")
@click.option("--scheduler", default="core.direct", show_default=True, help="Scheduler plugin: core.direct or core.slurm.")
@click.option("--workdir", required=True, help="Folder on the computer where jobs run (~ is expanded for local).")
@click.option("--description", default="", help="A description.")
@click.pass_context
def setup(ctx: click.Context, label: str, hostname: str, transport: str, scheduler: str, workdir: str,
          description: str) -> None:
    """Create the computer LABEL (then `jprov computer configure LABEL` for SSH settings)."""
    import os

    from ..orm import Computer
    from ..orm.plugins import PluginNotFound, plugin_names
    from ._output import fail

    open_profile(ctx)
    for kind, name in (("transports", transport), ("schedulers", scheduler)):
        if name not in plugin_names(kind):
            fail(f"unknown {kind[:-1]} {name!r} (installed: {', '.join(plugin_names(kind))})")
    if Computer.find(label=label):
        fail(f"a computer {label!r} exists already")
    if transport == "core.local":
        workdir = os.path.abspath(os.path.expanduser(workdir))
    elif not workdir.startswith("/"):
        fail(f"--workdir {workdir!r} must be an absolute path on {hostname}")
    try:
        computer = Computer(label, hostname, description=description, transport_type=transport,
                            scheduler_type=scheduler, workdir=workdir).store()
    except PluginNotFound as exc:  # pragma: no cover - checked above
        fail(str(exc))
    click.echo(f"computer {computer.label!r} created (pk {computer.pk})")


@command.command("configure")
@click.argument("computer")
@click.option("--username", help="User name on the computer (SSH).")
@click.option("--port", type=int, help="SSH port.")
@click.option("--key-filename", help="Private key file (SSH).")
@click.option("--proxy-jump", help="Bastion host [user@]host[:port] to jump through (SSH).")
@click.option("--proxy-command", help="Command whose stdin/stdout is the connection, e.g. 'ssh -W %h:%p bastion'.")
@click.option("--host-key-policy", type=click.Choice(["reject", "warn", "auto_add"]),
              help="Unknown host keys: reject (default; host must be in known_hosts), warn or auto_add.")
@click.option("--allow-agent/--no-allow-agent", default=None, help="Use the SSH agent.")
@click.option("--timeout", type=float, help="Connect timeout in seconds.")
@click.pass_context
def configure(ctx: click.Context, computer: str, **settings) -> None:
    """Store your connection settings for COMPUTER (kept per user, never exported)."""
    from ..orm import Computer

    open_profile(ctx)
    target = Computer.load(computer)
    params = {k: v for k, v in settings.items() if v is not None}
    target.configure(**params)
    click.echo(f"computer {target.label!r} configured: {', '.join(sorted(params)) or 'no settings'}")


@command.command("test")
@click.argument("computer")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_context
def test(ctx: click.Context, computer: str, as_json: bool) -> None:
    """Check COMPUTER: connection, work directory writable, scheduler answers."""
    from ..orm import Computer
    from ..schedulers import load_scheduler
    from ..transports import close_all, get_transport
    from ._output import status_line

    open_profile(ctx)
    target = Computer.load(computer)
    checks: list[dict] = []

    def report(ok: bool, name: str, message: str) -> None:
        checks.append({"name": name, "ok": ok, "message": message})
        if not as_json:
            status_line(ok, name, message)

    try:
        transport = get_transport(target)
        report(True, "connection", f"{target.transport_type} to {target.hostname}")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        report(False, "connection", str(exc))
        transport = None
    if transport is not None:
        try:
            transport.makedirs(target.workdir)
            probe = f"{target.workdir.rstrip('/')}/.jprov-test"
            transport.write_bytes(probe, b"ok")
            transport.remove(probe)
            report(True, "work directory", f"{target.workdir} is writable")
        except Exception as exc:  # noqa: BLE001
            report(False, "work directory", str(exc))
        try:
            scheduler = load_scheduler(target.scheduler_type)
            scheduler.get_jobs_via(transport, ["1"])
            report(True, "scheduler", f"{target.scheduler_type} answers")
        except Exception as exc:  # noqa: BLE001
            report(False, "scheduler", str(exc))
        close_all()
    if as_json:
        print_json(checks)
    if not all(check["ok"] for check in checks):
        raise SystemExit(1)
