"""``jprov process pause|play|kill|watch``: control processes run by the daemon.

The commands are plain click commands; ``cli/process.py`` adds them to the ``jprov process`` group
(this module does not import that one, so the two do not import each other).
"""

from __future__ import annotations

import click

from ._session import open_profile


def _pks(identifiers: tuple[str, ...]) -> list[int]:
    from ..orm import ProcessNode, load_node
    from ..orm.exceptions import NotExistent, OrmError

    pks = []
    for identifier in identifiers:
        try:
            node = load_node(identifier)
        except NotExistent:
            raise click.ClickException(f"no process {identifier!r} in this profile") from None
        except OrmError as exc:
            raise click.ClickException(f"{identifier!r}: {exc}") from None
        if not isinstance(node, ProcessNode):
            raise click.ClickException(f"node {identifier} is a {node.node_type}, not a process")
        pks.append(node.stored_pk)
    return pks


def _control(ctx: click.Context, action: str, identifiers: tuple[str, ...], wait: bool, **kwargs) -> None:
    from .. import daemon

    open_profile(ctx)
    pks = _pks(identifiers)
    try:
        report = getattr(daemon, action)(pks, **kwargs)
    except daemon.BrokerUnreachable as exc:
        raise click.ClickException(str(exc)) from None
    for pk, outcome in report.items():
        click.echo(f"process {pk}: {outcome}")
    if wait:
        from ..daemon.control import wait_for_control

        wanted = {"kill": ["killed", "finished", "excepted"], "pause": ["paused", "finished", "excepted", "killed"],
                  "play": ["running", "waiting", "finished", "excepted", "killed"]}[action]
        if not wait_for_control(list(report), wanted, timeout=10):
            raise click.ClickException(f"not every process reached {action} within 10 s; see `jprov daemon logs`")


@click.command("kill")
@click.argument("identifiers", nargs=-1, required=True)
@click.option("-m", "--message", default="killed by user", show_default=True, help="Why it was killed.")
@click.option("--wait/--no-wait", default=False, help="Wait until each process has ended.")
@click.pass_context
def kill(ctx: click.Context, identifiers: tuple[str, ...], message: str, wait: bool) -> None:
    """Kill processes and every process they called (a work chain's running children too)."""
    _control(ctx, "kill", identifiers, wait, message=message)


@click.command("pause")
@click.argument("identifiers", nargs=-1, required=True)
@click.option("--wait/--no-wait", default=False, help="Wait until each process is paused.")
@click.pass_context
def pause(ctx: click.Context, identifiers: tuple[str, ...], wait: bool) -> None:
    """Pause processes run by the daemon: they go on only after `jprov process play`."""
    _control(ctx, "pause", identifiers, wait)


@click.command("play")
@click.argument("identifiers", nargs=-1, required=True)
@click.option("--wait/--no-wait", default=False, help="Wait until each process runs again.")
@click.pass_context
def play(ctx: click.Context, identifiers: tuple[str, ...], wait: bool) -> None:
    """Resume paused processes."""
    _control(ctx, "play", identifiers, wait)


@click.command("watch")
@click.argument("identifier")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds (exit code 1).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per state change.")
@click.pass_context
def watch(ctx: click.Context, identifier: str, timeout: float | None, as_json: bool) -> None:
    """Print the state changes of a process and the processes it calls until it ends."""
    import json

    from ..daemon import WaitTimeout
    from ..daemon.events import watch as watch_process

    open_profile(ctx)
    pk = _pks((identifier,))[0]
    try:
        for change in watch_process(pk, timeout=timeout):
            if as_json:
                click.echo(json.dumps(change))
            else:
                exit_text = f" [{change['exit_status']}]" if change.get("exit_status") not in (None, 0) else ""
                click.echo(f"{change['pk']:>8}  {change['label'] or '':<30} {change['state']}{exit_text}")
    except WaitTimeout as exc:
        raise click.ClickException(str(exc)) from None


__all__ = ["kill", "pause", "play", "watch"]
