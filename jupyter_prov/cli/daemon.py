"""``jprov daemon``: start, stop, scale and inspect the background daemon of a profile."""

from __future__ import annotations

import time

import click

from ._output import json_option, print_json, print_table
from ._session import open_profile


def _profile(ctx: click.Context):
    return open_profile(ctx)


@click.group("daemon")
def command() -> None:
    """The background daemon: workers that run submitted processes."""


def _echo_status(status: dict, as_json: bool = False) -> None:
    if as_json:
        print_json(status)
        return
    if status.get("note"):
        click.echo(f"note: {status['note']}")
    if not status["running"]:
        stale = f" (stale pid file {status['stale_pid_file']})" if status.get("stale_pid_file") else ""
        click.echo(f"daemon of profile {status['profile']!r} is not running{stale}")
        return
    sup = status["supervisor"]
    click.echo(f"daemon of profile {status['profile']!r} is running: supervisor pid {sup['pid']}, "
               f"{len(status['workers'])} worker(s), broker {status['broker']}")
    print_table(["worker pid", "alive", "ready", "started"],
                [(w["pid"], w["alive"], w["ready"], w["started"]) for w in status["workers"]])
    click.echo(f"log: {status['log']}")


@command.command("start")
@click.argument("workers", type=click.IntRange(min=1), default=1)
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for the workers.")
@json_option
@click.pass_context
def start(ctx: click.Context, workers: int, timeout: float, as_json: bool) -> None:
    """Start the daemon with WORKERS worker processes (default 1)."""
    from ..daemon import start_daemon

    _echo_status(start_daemon(_profile(ctx), workers, wait=timeout), as_json)


@command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the supervisor and workers with their pids as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Is the daemon running; the supervisor and each worker with its pid."""
    from ..daemon import daemon_status

    data = daemon_status(_profile(ctx))
    if as_json:
        print_json(data)
    else:
        _echo_status(data)


@command.command("stop")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to let running steps reach their checkpoint before the workers are killed.")
@json_option
@click.pass_context
def stop(ctx: click.Context, timeout: float, as_json: bool) -> None:
    """Stop the daemon; running processes stop at their next checkpoint and the next daemon goes on from there."""
    from ..daemon import stop_daemon

    result = stop_daemon(_profile(ctx), timeout=timeout)
    if as_json:
        print_json(result)
        return
    click.echo(result.get("message") or f"daemon stopped (supervisor pid {result['supervisor']})")


@command.command("restart")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to let running steps reach their checkpoint before the workers are killed.")
@json_option
@click.pass_context
def restart(ctx: click.Context, timeout: float, as_json: bool) -> None:
    """Restart the daemon with as many workers, so they import the current code of your modules.

    The workers stop taking new work; each running process goes on to its next checkpoint (a work chain
    step, a calc job poll, the end of a calcfunction) and the new workers continue it from there.
    """
    from ..daemon import restart_daemon

    _echo_status(restart_daemon(_profile(ctx), timeout=timeout), as_json)


@command.command("incr")
@click.argument("number", type=click.IntRange(min=1), default=1)
@json_option
@click.pass_context
def incr(ctx: click.Context, number: int, as_json: bool) -> None:
    """Add NUMBER workers (default 1)."""
    from ..daemon import scale_daemon

    _echo_status(scale_daemon(_profile(ctx), number), as_json)


@command.command("decr")
@click.argument("number", type=click.IntRange(min=1), default=1)
@json_option
@click.pass_context
def decr(ctx: click.Context, number: int, as_json: bool) -> None:
    """Remove NUMBER workers (default 1; at least one stays)."""
    from ..daemon import scale_daemon

    _echo_status(scale_daemon(_profile(ctx), -number), as_json)


@command.command("logs")
@click.option("-n", "--limit", "lines", type=click.IntRange(min=1), default=50, show_default=True,
              help="How many lines from the end.")
@click.option("--lines", "lines_alias", type=click.IntRange(min=1), default=None, hidden=True,
              help="Old spelling of --limit.")
@click.option("--follow", is_flag=True, help="Keep printing new lines (Ctrl-C to stop).")
@click.option("-f", "follow_alias", is_flag=True, hidden=True, help="Old spelling of --follow (-f means --force).")
@click.pass_context
def logs(ctx: click.Context, lines: int, lines_alias: int | None, follow: bool, follow_alias: bool) -> None:
    """Print the end of the daemon's log (supervisor and workers)."""
    lines = lines_alias or lines
    follow = follow or follow_alias
    from ..daemon.daemon_files import DaemonFiles
    from ..daemon.lifecycle import read_log

    profile = _profile(ctx)
    path = DaemonFiles.of(profile).log
    if not path.exists():
        click.echo(f"no daemon log yet ({path})")
        return
    text = read_log(profile, lines)
    if text:
        click.echo(text)
    if not follow:
        return
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        try:
            while True:
                line = handle.readline()
                if line:
                    click.echo(line.decode("utf-8", "replace").rstrip("\n"))
                else:
                    time.sleep(0.2)
        except KeyboardInterrupt:
            pass
