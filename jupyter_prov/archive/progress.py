"""Progress bars for the phases of an archive operation (shown by the CLI, silent by default in Python)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def phase(description: str, total: int | None, *, show: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar for one phase; yields ``advance(n)``. With ``show=False`` it costs nothing."""
    if not show:
        yield _nothing
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False) as progress:
        task = progress.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            progress.advance(task, n)

        yield advance


def _nothing(n: int = 1) -> None:
    """``advance`` of a phase nobody watches."""
