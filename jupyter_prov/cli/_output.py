"""How the CLI prints: rich tables for people (colour only on a terminal), JSON for scripts.

Also the options every command spells the same way (one word per action, as git and sqlite-utils do):
``-y/--yes`` skips a confirmation, ``-f/--force`` overwrites, ``-n/--limit`` bounds a listing (the same
default everywhere), ``--dry-run`` changes nothing, ``--json`` prints what a command shows as JSON.
rich is imported on first print: ``jprov --help`` does not need it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_LIMIT = 50
"""Rows a listing shows unless ``-n`` says otherwise (every list command, the same)."""


def limit_option(function: Callable) -> Callable:
    return click.option("-n", "--limit", type=click.IntRange(min=0), default=DEFAULT_LIMIT, show_default=True,
                        help="At most this many (0: all).")(function)


def json_option(function: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print as JSON.")(function)


def yes_option(function: Callable) -> Callable:
    return click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")(function)


def force_option(what: str) -> Callable[[Callable], Callable]:
    return click.option("-f", "--force", is_flag=True, help=f"Overwrite {what} if it exists.")


def dry_run_option(help_text: str) -> Callable[[Callable], Callable]:
    """``--dry-run`` (the old ``--test-run`` of the archive commands still works, hidden)."""

    def decorate(function: Callable) -> Callable:
        function = click.option("--test-run", "test_run_alias", is_flag=True, hidden=True,
                                help="Old spelling of --dry-run.")(function)
        return click.option("--dry-run", is_flag=True, help=help_text)(function)

    return decorate


def truncation_note(shown: int, total: int, *, as_json: bool = False, hint: str = "use -n") -> None:
    """``showing 50 of 1,003 (use -n)`` when a listing stopped at its limit (on stderr under ``--json``)."""
    if total > shown:
        click.echo(f"showing {shown:,} of {total:,} ({hint})", err=as_json)


def console() -> Console:
    """A console on click's current stdout (so CliRunner captures it); wide when not a terminal."""
    from rich.console import Console

    # sys.stdout, which click's CliRunner swaps for its capture (click.get_text_stream is deprecated in 8.5)
    stream = sys.stdout
    is_tty = stream.isatty()
    return Console(file=stream, width=None if is_tty else 200, no_color=not is_tty, highlight=False,
                   soft_wrap=not is_tty)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_default, ensure_ascii=False))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None) -> None:
    from rich.table import Table

    table = Table(*columns, title=title, show_lines=False, header_style="bold")
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    console().print(table)


def print_mapping(data: dict[str, Any], *, title: str | None = None) -> None:
    """Key/value lines, nested values as compact JSON."""
    from rich.table import Table

    table = Table(show_header=False, title=title, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in data.items():
        shown = value if isinstance(value, str) else json.dumps(value, default=_default, ensure_ascii=False)
        table.add_row(str(key), shown)
    console().print(table)


def print_record(data: dict[str, Any], *, as_json: bool, title: str | None = None) -> None:
    """One record: JSON for scripts (``--json``), key/value lines for people."""
    if as_json:
        print_json(data)
    else:
        print_mapping(data, title=title)


def status_line(ok: bool, name: str, message: str) -> None:
    mark = "[green]✔ OK[/green]" if ok else "[red]✘ problem[/red]"
    console().print(f"{mark:<24} [bold]{name:<11}[/bold] {message}", markup=True)


def parse_json_value(text: str) -> Any:
    """A value given on the command line: JSON if it parses, else the plain string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def fail(message: str) -> NoReturn:
    raise click.ClickException(message)


def is_tty() -> bool:
    return sys.stdout.isatty()
