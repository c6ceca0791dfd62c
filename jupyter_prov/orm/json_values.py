"""Attribute and extra values: JSON only, checked and normalised before they reach the database."""

from __future__ import annotations

import math
from typing import Any

from .exceptions import ValidationError

_SCALARS = (str, bool, int, type(None))


def clean_json(value: Any, where: str) -> Any:
    """``value`` as plain JSON (tuples become lists, numpy scalars Python numbers).

    Raises :class:`ValidationError` naming ``where`` and the offending key path for anything else:
    non-string keys, NaN or infinite floats, and objects that are not JSON (store those as nodes).
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{where}: {value!r} cannot be stored as JSON (NaN and infinity are not allowed)")
        return value
    return _clean(value, where, "")


_EXACT_SCALARS = frozenset({str, int, bool, type(None)})
_INF = float("inf")


def _plain(item: Any) -> bool:
    """True for a value of exactly a JSON scalar type (a finite float included): nothing to clean."""
    kind = type(item)
    return kind in _EXACT_SCALARS or (kind is float and -_INF < item < _INF)


def _clean(value: Any, where: str, path: str) -> Any:
    kind = type(value)
    if kind in _EXACT_SCALARS:
        return value
    if kind is dict and all(type(k) is str and _plain(v) for k, v in value.items()):
        return dict(value)  # fast path: a flat dict of plain values (most attributes)
    if (kind is list or kind is tuple) and all(_plain(item) for item in value):
        return list(value)  # fast path: a flat list of plain values
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{where}{path}: {value!r} cannot be stored (NaN and infinity are not JSON)")
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(f"{where}{path}: key {key!r} is a {type(key).__name__}; JSON keys are strings")
            out[key] = _clean(item, where, f"{path}[{key!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_clean(item, where, f"{path}[{i}]") for i, item in enumerate(value)]
    module = type(value).__module__
    if module == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _clean(value.item(), where, path)
    raise ValidationError(
        f"{where}{path}: a {type(value).__module__}.{type(value).__name__} is not a JSON value "
        "(use str, int, float, bool, None, lists and dicts, or store it as a node)"
    )
