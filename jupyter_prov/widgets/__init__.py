"""The notebook widgets (anywidget): :class:`ProvenanceGraph` now; the process monitor and the archive
browser reuse its front end (``labextension/``, bundled into ``static/`` at install time)."""

from .graph import ProvenanceGraph

__all__ = ["ProvenanceGraph"]
