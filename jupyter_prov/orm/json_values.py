"""Attribute and extra values: JSON only, checked and normalised before they reach the database.

The rules themselves live in :mod:`jupyter_prov.orm.validation` (one place for the ORM and the archive
importer); this module keeps the name the rest of the package imports, and hands values out safely:
what a node hands out is a copy or a read-only view, so nothing done to it changes the node (its
attributes are immutable once stored, and a later permitted write of a process must not persist a
change made through a value handed out earlier).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .validation import clean_json

__all__ = ["clean_json", "copy_json", "frozen_view"]

_CONTAINERS = (dict, list)


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (scalars are immutable and returned as they are)."""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) if type(item) in _CONTAINERS else item for key, item in value.items()}
    if kind is list:
        return [copy_json(item) if type(item) in _CONTAINERS else item for item in value]
    return value


def frozen_view(values: dict[str, Any]) -> Mapping[str, Any]:
    """A read-only view of ``values``; nested lists and dicts in it are copies.

    A flat dict (most attributes) is viewed directly: no copy.
    """
    for item in values.values():
        if type(item) in _CONTAINERS:
            return MappingProxyType(copy_json(values))
    return MappingProxyType(values)
