"""The rows of a QueryBuilder as plain data: column names and JSON-ready values.

``jprov query`` prints these as a table or as JSON objects; a face that runs a user's query (the lab
extension's search) can send them as they are. A projected entity (``project="*"``) becomes its
reference (``{"pk", "uuid", "class"}`` for a node, ``{"pk", "class"}`` for the others), a time an
ISO-8601 string in UTC; attribute and extra values are JSON already.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..orm import Node
from ..orm.entity import Entity
from .nodes import iso


def column_names(keys: list[tuple[str, str]]) -> list[str]:
    """``item`` when the query projects from one tag, else ``tag.item``."""
    if len({tag for tag, _ in keys}) == 1:
        return [item for _, item in keys]
    return [f"{tag}.{item}" for tag, item in keys]


def plain(value: Any) -> Any:
    """A projected value as JSON-ready data."""
    if isinstance(value, Node):
        return {"pk": value.pk, "uuid": value.uuid, "class": type(value).__name__}
    if isinstance(value, Entity):
        return {"pk": value.pk, "class": type(value).__name__}
    if isinstance(value, datetime):
        return iso(value)
    return value


def rows(qb) -> dict[str, Any]:
    """``{"columns": [...], "rows": [[value, ...], ...]}`` of running ``qb`` (its own limit and offset)."""
    keys = qb.keys()
    return {"columns": column_names(keys), "rows": [[plain(value) for value in row] for row in qb.all()]}
