"""The notebook widgets (anywidget): :class:`ProvenanceGraph`, :class:`ProcessMonitor` and
:class:`ArchiveBrowser`. They share one front end (``labextension/``, bundled into ``static/`` at
install time) and one graph component; the protocol is ``docs/reference/widget-protocol.md``."""

from .archive_browser import ArchiveBrowser
from .graph import ProvenanceGraph
from .process_monitor import ProcessMonitor

__all__ = ["ArchiveBrowser", "ProcessMonitor", "ProvenanceGraph"]
