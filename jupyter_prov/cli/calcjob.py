"""``jprov calcjob``: look at the files of a calc job."""

from __future__ import annotations

import click

from ._output import fail
from .node import IDENTIFIER_HELP
from ._session import open_profile


@click.group("calcjob")
def command() -> None:
    """Calc jobs: their input and output files, their folder on the computer."""


def _calcjob(identifier: str):
    """The calc job IDENTIFIER names: a pk, a UUID or a unique UUID prefix (like every other command)."""
    from ..orm import load_node
    from ..orm.nodes.process import CalcJobNode
    from ..views.nodes import summary

    node = load_node(summary(int(identifier) if identifier.isdigit() else identifier)["pk"])
    if not isinstance(node, CalcJobNode):
        fail(f"node {identifier} is a {type(node).__name__}, not a calc job")
    return node


def _outputs(node) -> dict:
    return {t.link_label: t.node for t in node.get_outgoing()}


def _print_file(folder, names: list[str], path: str | None, where: str) -> None:
    if path is None:
        click.echo("\n".join(names))
        return
    if path not in names:
        fail(f"{where}: no file {path!r} (files: {', '.join(names) or 'none'})")
    click.echo(folder.get_file(path).decode(errors="replace"), nl=False)


@command.command("inputcat", epilog=IDENTIFIER_HELP)
@click.argument("identifier")
@click.argument("path", required=False)
@click.pass_context
def inputcat(ctx: click.Context, identifier: str, path: str | None) -> None:
    """Print the file PATH sent to the computer for a calc job (without PATH: list the files).

    Our calc jobs keep what they sent as the output ``sent_files``; aiida-core's keep it in the calc
    job node's own files (``aiida.in``, ``_aiidasubmit.sh``), which is where an imported one has it.
    """
    open_profile(ctx)
    node = _calcjob(identifier)
    sent = _outputs(node).get("sent_files")
    folder = sent if sent is not None else node
    names = [name for name, _hash in folder.walk_files()]
    if sent is None and not names:
        fail(f"calc job {node.pk} has sent no files yet (stage: {node.get_attribute('stage', None)})")
    _print_file(folder, names, path, f"calc job {node.pk}, files sent")


@command.command("outputcat", epilog=IDENTIFIER_HELP)
@click.argument("identifier")
@click.argument("path", required=False)
@click.pass_context
def outputcat(ctx: click.Context, identifier: str, path: str | None) -> None:
    """Print the retrieved file PATH of a calc job (without PATH: list the files).

    PATH may also name a file output of its own (aiida-shell's ``stdout`` is an output node, not a
    retrieved file).
    """
    from ..orm.nodes.files import File

    open_profile(ctx)
    node = _calcjob(identifier)
    outputs = _outputs(node)
    retrieved = outputs.get("retrieved")
    names = [name for name, _hash in retrieved.walk_files()] if retrieved is not None else []
    if path is not None and path not in names and isinstance(outputs.get(path), File):
        click.echo(outputs[path].get_content("rb").decode(errors="replace"), nl=False)
        return
    if retrieved is None:
        fail(f"calc job {node.pk} has no retrieved folder yet (stage: {node.get_attribute('stage', None)})")
    _print_file(retrieved, names, path, f"calc job {node.pk}, retrieved")


@command.command("gotocomputer", epilog=IDENTIFIER_HELP)
@click.argument("identifier")
@click.option("--print-command", is_flag=True, help="Print the command instead of running it.")
@click.pass_context
def gotocomputer(ctx: click.Context, identifier: str, print_command: bool) -> None:
    """Open a shell in the work directory of a calc job on its computer."""
    import os
    import shlex

    open_profile(ctx)
    node = _calcjob(identifier)
    workdir = node.get_attribute("remote_workdir", None)
    if not workdir:
        fail(f"calc job {node.pk} has no work directory yet (stage: {node.get_attribute('stage', None)})")
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
