"""The error of a ``%provenance`` command (a module of its own: the magics and the questions they ask both raise it)."""

from __future__ import annotations

from ..errors import NotebookError


class ProvenanceError(NotebookError):
    """A ``%provenance`` command could not do what was asked (shown as one line, see :mod:`.magics`)."""
