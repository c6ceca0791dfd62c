"""Which Python class a stored node type string comes back as.

Every :class:`~.node.Node` subclass that names its own ``_type_string`` registers here when it is
defined; an installed plugin (entry point ``jupyter_prov.nodes``) wins over the built-in class. A type
string no class claims comes back as the nearest kind (a process or a datum), so a node written by
a plugin that is not installed still loads. Kept apart from ``node.py`` so that loading needs no
import of the Node class itself (no import cycle between the node modules).
"""

from __future__ import annotations

from typing import Any

from ..plugins import BUILTIN_NODE_CLASSES, node_class_for

_registry = BUILTIN_NODE_CLASSES


def register(cls: Any) -> None:
    """Register a node class under its type string (the first class to claim a string keeps it)."""
    _registry.setdefault(cls._type_string, cls)


def registered_node_classes() -> dict[str, Any]:
    """The built-in node classes by type string (plugins not included: see :func:`class_for`)."""
    return _registry


def class_for(type_string: str) -> Any:
    """The class of a stored node: the plugin's or registered class, else the process/data base class."""
    found = node_class_for(type_string)
    if found is not None:
        return found
    found = _registry.get(type_string)
    if found is not None:
        return found
    return _registry["process"] if type_string.startswith("process.") else _registry["data"]
