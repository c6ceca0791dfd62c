"""The JSON text of the database's JSON columns, the same on SQLite and PostgreSQL.

Compact, UTF-8, no NaN or infinity. One difference from :func:`json.dumps`: a float whose ``repr`` has
a positive exponent (``1e+16``, ``1e+308``) is written as its exact decimal expansion with a decimal
point (``10000000000000000.0``). PostgreSQL's JSONB keeps numbers as ``numeric`` and prints
``1e+16`` back as ``10000000000000000``, which reads as an int; with the decimal point it keeps its
scale and reads back as the same float. Every other float is written as ``repr`` writes it (below
1e16 ``repr`` always has a decimal point or a negative exponent, which JSONB prints with one).
JSONB's ``numeric`` has no negative zero: ``-0.0`` reads back as ``0.0`` there (equal, the sign is lost).

:class:`JsonText` carries text encoded already (by the ORM, which checks its size at store time) so
the backend does not encode the same value twice.
"""

from __future__ import annotations

import json
from json.encoder import _make_iterencode, encode_basestring  # type: ignore[attr-defined]
from typing import Any

_fast = json.JSONEncoder(separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode


class JsonText:
    """JSON text already encoded by :func:`dumps` (a JSON column's value that needs no encoding)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __len__(self) -> int:
        return len(self.text)


def _floatstr(value: float) -> str:
    text = float.__repr__(value)
    if "e+" in text:
        return format(value, ".1f")  # the exact decimal value of the double: reads back as the same float
    if text in ("nan", "inf", "-inf"):
        raise ValueError(f"Out of range float values are not JSON compliant: {text}")
    return text


def _careful(value: Any) -> str:
    chunks = _make_iterencode(
        {}, _no_default, encode_basestring, None, _floatstr, ":", ",", False, False, True
    )(value, 0)
    return "".join(chunks)


def _no_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """``value`` as compact JSON text (see the module docstring for floats with positive exponents)."""
    if type(value) is JsonText:
        return value.text
    text = _fast(value)
    if "e+" in text:  # rare: a big float (or a string holding "e+"): the careful encoder
        return _careful(value)
    return text
