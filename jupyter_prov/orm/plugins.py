"""Plugins found through entry points, and the alias table of stored type strings.

Node classes register under the entry-point group ``jupyter_prov.nodes`` with their *type string*
as the name (``data.int = jupyter_prov.orm.nodes.data:Int``). The database stores the type string,
so a class can move or be renamed without a migration: only the entry point changes. A type string
that was itself renamed is mapped to its new one in :data:`TYPE_ALIASES`, or by a plugin through the
group ``jupyter_prov.type_aliases`` (entry-point name = old type string, value = new type string).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from ..errors import OrmError

#: the built-in node classes by type string, filled by :func:`.nodes.registry.register` as each class is
#: defined (kept here, not there, so that this module needs no import of the node modules: they import it)
BUILTIN_NODE_CLASSES: dict[str, Any] = {}

GROUPS = {
    "nodes": "jupyter_prov.nodes",
    "calculations": "jupyter_prov.calculations",
    "workflows": "jupyter_prov.workflows",
    "parsers": "jupyter_prov.parsers",
    "schedulers": "jupyter_prov.schedulers",
    "transports": "jupyter_prov.transports",
}

TYPE_ALIASES: dict[str, str] = {}


class PluginNotFound(OrmError, LookupError):
    """No plugin of that name is installed."""


@lru_cache(maxsize=None)
def _entry_points(group: str) -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=group)}


@lru_cache(maxsize=None)
def type_aliases() -> dict[str, str]:
    aliases = dict(TYPE_ALIASES)
    for name, ep in _entry_points("jupyter_prov.type_aliases").items():
        aliases[name] = ep.value
    return aliases


def plugin_names(kind: str) -> list[str]:
    return sorted(_entry_points(GROUPS[kind]))


def load_plugin(kind: str, name: str) -> Any:
    """The object registered as ``name`` in the group of ``kind`` (one of :data:`GROUPS`)."""
    group = GROUPS[kind]
    try:
        ep = _entry_points(group)[name]
    except KeyError:
        known = ", ".join(plugin_names(kind)) or "none"
        raise PluginNotFound(f"no {kind[:-1]} plugin {name!r} is installed (known: {known})") from None
    return ep.load()


@lru_cache(maxsize=None)
def node_class_for(type_string: str) -> type | None:
    """The node class stored as ``type_string``, following aliases; ``None`` when no plugin provides it."""
    type_string = type_aliases().get(type_string, type_string)
    ep = _entry_points(GROUPS["nodes"]).get(type_string)
    if ep is None:
        return BUILTIN_NODE_CLASSES.get(type_string)
    return ep.load()
