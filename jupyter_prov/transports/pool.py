"""One shared open transport per computer and user in this OS process."""

from __future__ import annotations

import threading
from importlib.metadata import entry_points
from typing import Any

from .base import Transport, TransportError

_BUILTIN = {"core.local": "jupyter_prov.transports.local:LocalTransport",
            "core.ssh": "jupyter_prov.transports.ssh:SshTransport"}
_pool: dict[tuple[str, int | None], Transport] = {}
_lock = threading.Lock()
_opened = 0


def load_transport_class(name: str) -> type[Transport]:
    """The transport class of entry point ``name`` in ``jupyter_prov.transports``."""
    import importlib

    found = [ep for ep in entry_points(group="jupyter_prov.transports") if ep.name == name]
    if found:
        return found[0].load()
    if name in _BUILTIN:
        module, _, attr = _BUILTIN[name].partition(":")
        return getattr(importlib.import_module(module), attr)
    raise TransportError(f"unknown transport {name!r} (known: {', '.join(sorted(_BUILTIN))})")


def get_transport(computer: Any, user: Any = None) -> Transport:
    """The open transport to ``computer`` for ``user`` (default user), shared by every thread of this process.

    A connection that was lost is opened again; :func:`connections_opened` counts the opens.
    """
    global _opened
    authinfo = None
    params: dict[str, Any] = {}
    if computer.transport_type != "core.local":
        authinfo = computer.get_authinfo(user)
        params = authinfo.auth_params
    key = (computer.uuid, authinfo.pk if authinfo is not None else None)
    with _lock:
        transport = _pool.get(key)
        if transport is None or transport.params != params:
            if transport is not None:
                transport.close()
            transport = load_transport_class(computer.transport_type)(computer.hostname, **params)
            _pool[key] = transport
    with transport.lock:
        if not transport.is_open:
            transport.open()
            with _lock:
                _opened += 1
    return transport


def connections_opened() -> int:
    """How many connections this OS process has opened (local transports count too)."""
    return _opened


def close_all() -> None:
    """Close every pooled transport (tests, worker shutdown)."""
    with _lock:
        transports = list(_pool.values())
        _pool.clear()
    for transport in transports:
        transport.close()
