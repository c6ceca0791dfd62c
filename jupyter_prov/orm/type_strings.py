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
    from .nodes.node import Node

    if isinstance(node_type, type) and issubclass(node_type, Node):
        return "" if node_type is Node else node_type._type_string
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
        if subclasses and dialect == "sqlite":
            clauses.append(and_(column > prefix + ".", column < prefix + "/"))
        elif subclasses:
            clauses.append(column.startswith(prefix + ".", autoescape=True))
    return or_(*clauses) if clauses else false()
