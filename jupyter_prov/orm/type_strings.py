"""Node classes as SQL conditions: a class matches its own type string and those of its subclasses.

Type strings are dotted (``data.int``, ``process.calculation.calcjob``), so a class selects the rows
whose ``node_type`` equals its type string or starts with it followed by a dot. The base ``Node``
(type string ``node``) selects every row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from .exceptions import ValidationError


def type_string_of(node_type: Any) -> str:
    """The type string of a node class, or the string itself; ``""`` for the base ``Node`` (everything)."""
    from .nodes.fields import NodeFields  # the base of every node class (nodes.node would be an import cycle)

    if isinstance(node_type, type) and issubclass(node_type, NodeFields):
        # Node.__init_subclass__ sets it on every kind (declared on Node, which this module cannot import)
        own: str = node_type.type_string  # type: ignore[attr-defined]
        return "" if own == "node" else own
    if isinstance(node_type, str) and node_type:
        return "" if node_type == "node" else node_type.rstrip(".")
    raise ValidationError(f"{node_type!r} is not a node class or a node type string (such as 'data.int')")


def node_type_condition(column, node_types: Any, *, subclasses: bool = True,
                        dialect: str | None = None) -> ColumnElement[bool]:
    """SQL condition on a ``node_type`` column for one node class/type string or several (any of them).

    On SQLite subclasses are a range of the column (``> 'data.dict.'`` and ``< 'data.dict/'``, since ``/``
    follows ``.``), which the ``node_type`` index answers; elsewhere (collations that ignore punctuation)
    a ``LIKE`` prefix.
    """
    if node_types is None:
        return true()
    if isinstance(node_types, (str, type)):
        node_types = [node_types]
    clauses = []
    for node_type in node_types:
        prefix = type_string_of(node_type)
        if not prefix:
            return true()
        clauses.append(column == prefix)
        if not subclasses:
            continue
        below = _subclass_prefix(prefix)
        if dialect == "sqlite":
            clauses.append(and_(column > below, column < below[:-1] + "/"))
        else:
            clauses.append(column.startswith(below, autoescape=True))
        if isinstance(node_type, type):
            clauses.extend(column == other for other in _foreign_subclass_types(node_type, below))
    return or_(*clauses) if clauses else false()


def _subclass_prefix(type_string: str) -> str:
    """What the type strings of subclasses start with: ``data.dict.`` for ours, and for an aiida-core
    type string (``data.core.array.ArrayData.``, ending in a dot) its module path ``data.core.array.``,
    as aiida-core itself matches subclasses (``data.core.array.xy.XyData.``)."""
    if type_string.endswith("."):
        return type_string[:-1].rpartition(".")[0] + "."
    return type_string + "."


def _foreign_subclass_types(cls: type, below: str) -> list[str]:
    """Type strings of registered subclasses of ``cls`` that its prefix does not reach (aiida-core's
    ``InstalledCode`` is a :class:`~.nodes.code.Code` here, but its type string is not under ``data.code``)."""
    from .nodes.registry import registered_node_classes

    own = type_string_of(cls)
    return sorted(type_string for type_string, other in registered_node_classes().items()
                  if other is not cls and issubclass(other, cls) and type_string != own
                  and not type_string.startswith(below))
