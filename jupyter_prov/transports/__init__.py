"""Transports: how files and commands reach a computer (``core.local``, ``core.ssh``).

Every transport has the same small interface (:class:`Transport`); :func:`get_transport` hands out
one shared, open transport per computer and user in this OS process (a daemon worker running many
jobs on one computer opens one connection, not one per job). Transports are plugins: entry points in
the group ``jupyter_prov.transports``.
"""

from .base import Transport, TransportError
from .pool import close_all, connections_opened, get_transport, load_transport_class

__all__ = [
           "Transport",
           "TransportError",
           "close_all",
           "connections_opened",
           "get_transport",
           "load_transport_class",
]
