"""How the CLI prints: rich tables for people (colour only on a terminal), JSON for scripts."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, Iterable, Sequence

import click
from rich.console import Console
from rich.table import Table


def console() -> Console:
    """A console on click's current stdout (so CliRunner captures it); wide when not a terminal."""
    stream = click.get_text_stream("stdout")
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    return Console(file=stream, width=None if is_tty else 200, no_color=not is_tty, highlight=False,
                   soft_wrap=not is_tty)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_default, ensure_ascii=False))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None) -> None:
    table = Table(*columns, title=title, show_lines=False, header_style="bold")
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    console().print(table)


def print_mapping(data: dict[str, Any], *, title: str | None = None) -> None:
    """Key/value lines, nested values as compact JSON."""
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


def fail(message: str) -> None:
    raise click.ClickException(message)


def is_tty() -> bool:
    return sys.stdout.isatty()
