"""``jprov calcjob``: look at the files of a calc job."""

from __future__ import annotations

import click

from ._output import fail
from ._session import open_profile


@click.group("calcjob")
def command() -> None:
    """Calc jobs: their input and output files, their folder on the computer."""


def _calcjob(pk: int):
    from ..orm import load_node
    from ..orm.nodes.process import CalcJobNode

    node = load_node(pk)
    if not isinstance(node, CalcJobNode):
        fail(f"node {pk} is a {type(node).__name__}, not a calc job")
    return node


def _cat(node, label: str, path: str | None) -> None:
    folder = {t.link_label: t.node for t in node.get_outgoing()}.get(label)
    if folder is None:
        fail(f"calc job {node.pk} has no {label} folder yet (stage: {node.get_attribute('stage', None)})")
    names = [name for name, _hash in folder.walk_files()]
    if path is None:
        click.echo("\n".join(names))
        return
    if path not in names:
        fail(f"calc job {node.pk}: no file {path!r} in {label} (files: {', '.join(names)})")
    click.echo(folder.get_file(path).decode(errors="replace"), nl=False)


@command.command("inputcat")
@click.argument("pk", type=int)
@click.argument("path", required=False)
@click.pass_context
def inputcat(ctx: click.Context, pk: int, path: str | None) -> None:
    """Print the file PATH sent to the computer for calc job PK (without PATH: list the files)."""
    open_profile(ctx)
    _cat(_calcjob(pk), "sent_files", path)


@command.command("outputcat")
@click.argument("pk", type=int)
@click.argument("path", required=False)
@click.pass_context
def outputcat(ctx: click.Context, pk: int, path: str | None) -> None:
    """Print the retrieved file PATH of calc job PK (without PATH: list the files)."""
    open_profile(ctx)
    _cat(_calcjob(pk), "retrieved", path)


@command.command("gotocomputer")
@click.argument("pk", type=int)
@click.option("--print-command", is_flag=True, help="Print the command instead of running it.")
@click.pass_context
def gotocomputer(ctx: click.Context, pk: int, print_command: bool) -> None:
    """Open a shell in the work directory of calc job PK on its computer."""
    import os
    import shlex

    open_profile(ctx)
    node = _calcjob(pk)
    workdir = node.get_attribute("remote_workdir", None)
    if not workdir:
        fail(f"calc job {pk} has no work directory yet (stage: {node.get_attribute('stage', None)})")
    computer = node.computer
    if computer.transport_type == "core.local":
        argv = ["bash", "-c", f"cd {shlex.quote(workdir)} && exec $SHELL -l"]
    else:
        params = computer.get_authinfo().auth_params
        argv = ["ssh", "-t"]
        if params.get("port"):
            argv += ["-p", str(params["port"])]
        if params.get("key_filename"):
            argv += ["-i", params["key_filename"]]
        if params.get("proxy_jump"):
            argv += ["-J", params["proxy_jump"]]
        host = f"{params['username']}@{computer.hostname}" if params.get("username") else computer.hostname
        argv += [host, f"cd {shlex.quote(workdir)} && exec $SHELL -l"]
    if print_command:
        click.echo(shlex.join(argv))
        return
    os.execvp(argv[0], argv)
