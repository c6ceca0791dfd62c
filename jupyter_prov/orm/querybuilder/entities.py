"""What a QueryBuilder vertex can be: nodes (by class), groups, users, computers, comments, logs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from ...storage import schema
from .errors import QueryError


@dataclass(frozen=True)
class EntityKind:
    """One kind of row a vertex selects: its table, how rows become objects, and column aliases."""

    name: str
    table: Table
    make: Callable[[dict, Any], Any]
    aliases: dict[str, str]


def _node(row: dict, storage) -> Any:
    from ..nodes.loading import node_from_row

    return node_from_row(row, storage)


def _entity(module: str, cls_name: str) -> Callable[[dict, Any], Any]:
    def make(row: dict, storage) -> Any:
        import importlib

        cls = getattr(importlib.import_module(f"jupyter_prov.orm.{module}"), cls_name)
        return cls._from_row(row, storage)

    return make


KINDS: dict[str, EntityKind] = {
    "node": EntityKind("node", schema.nodes, _node, {"pk": "id", "type": "node_type"}),
    "group": EntityKind("group", schema.groups, _entity("groups", "Group"), {"pk": "id"}),
    "user": EntityKind("user", schema.users, _entity("users", "User"), {"pk": "id"}),
    "computer": EntityKind("computer", schema.computers, _entity("computers", "Computer"), {"pk": "id"}),
    "comment": EntityKind("comment", schema.comments, _entity("comments", "Comment"), {"pk": "id"}),
    "log": EntityKind("log", schema.logs, _entity("logs", "Log"), {"pk": "id"}),
}

#: JSON columns filters and projections may go into with a dotted path
JSON_COLUMNS = {"attributes", "extras", "repository_metadata", "metadata", "auth_params", "val"}


def classify(entity: Any) -> tuple[str, Any]:
    """``(kind name, node type filter)`` of what was appended: a class, a type string or a tuple of them."""
    from ..comments import Comment
    from ..computers import Computer
    from ..groups import Group
    from ..logs import Log
    from ..nodes.node import Node
    from ..users import User

    plain = {Group: "group", User: "user", Computer: "computer", Comment: "comment", Log: "log"}
    if isinstance(entity, (tuple, list)):
        if not entity:
            raise QueryError("append() got an empty tuple of classes")
        kinds = {classify(item)[0] for item in entity}
        if kinds != {"node"}:
            raise QueryError(f"a tuple of classes must hold node classes only, got {entity!r}")
        return "node", tuple(entity)
    if isinstance(entity, type):
        for cls, name in plain.items():
            if issubclass(entity, cls):
                return name, None
        if issubclass(entity, Node):
            return "node", entity
    if isinstance(entity, str):
        if entity in KINDS and entity != "node":
            return entity, None
        if entity == "node" or entity.startswith(("data", "process")):
            return "node", entity
    raise QueryError(
        f"cannot query {entity!r}: append a node class (Node, Data, Dict, CalcFunctionNode, ...), a node type "
        "string ('data.dict'), Group, User, Computer, Comment or Log"
    )


def default_tag(entity: Any) -> str:
    if isinstance(entity, (tuple, list)):
        return "_".join(default_tag(item) for item in entity)
    if isinstance(entity, type):
        return entity.__name__.lower()
    return str(entity).replace(".", "_")
