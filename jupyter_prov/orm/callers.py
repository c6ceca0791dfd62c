"""Who launches a process: the caller that a new top-level process gets linked to.

A process started inside a workflow is linked to that workflow by the engine. A process started
at the top level of a notebook cell is linked to the *cell execution* that is running; the notebook
recorder says which one by entering :func:`calling_context`. The provider is called lazily, so the
cell node is only stored when the cell actually launches something.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Callable, Iterator

from .nodes.process import ProcessNode

_provider: contextvars.ContextVar[Callable[[], ProcessNode] | None] = contextvars.ContextVar(
    "jupyter_prov_caller", default=None
)


@contextmanager
def calling_context(provider: Callable[[], ProcessNode]) -> Iterator[None]:
    """Processes launched at the top level inside this block are called by ``provider()`` (a stored process)."""
    token = _provider.set(provider)
    try:
        yield
    finally:
        _provider.reset(token)


def current_caller() -> ProcessNode | None:
    """The stored process that a new top-level process should be linked to, if any."""
    provider = _provider.get()
    return provider() if provider is not None else None
