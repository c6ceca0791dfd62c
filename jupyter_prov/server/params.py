"""Request parameters: each one parsed and checked before any work, a bad one refused with a 400 that names it.

A route declares its parameters as ``{name: parser}``; a name it does not declare is refused too (a typo
such as ``lmit=10`` would otherwise be silently ignored and return the default page). Parsers take the
raw text of a query argument (or a JSON body value) and return the value or raise :class:`BadParameter`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ..errors import JprovError

Parser = Callable[[str, Any], Any]


class BadParameter(JprovError, ValueError):
    """One parameter of a request is wrong; the message names it and says what is expected."""


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(name: str, raw: Any) -> int:
        if isinstance(raw, bool):
            raise BadParameter(f"{name} must be an integer, got {raw!r}")
        try:
            value = int(raw) if isinstance(raw, int) else int(str(raw).strip(), 10)
        except ValueError:
            raise BadParameter(f"{name} must be an integer, got {raw!r}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise BadParameter(f"{name} must be {bounds}, got {value}")
        return value

    return parse


def boolean(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise BadParameter(f"{name} must be true or false, got {raw!r}")


def text(max_length: int = 1000) -> Parser:
    def parse(name: str, raw: Any) -> str:
        if not isinstance(raw, str):
            raise BadParameter(f"{name} must be a string, got {type(raw).__name__}")
        if len(raw) > max_length:
            raise BadParameter(f"{name} is longer than {max_length} characters")
        if "\x00" in raw:
            raise BadParameter(f"{name} contains a NUL character")
        return raw

    return parse


def choice(*allowed: str) -> Parser:
    def parse(name: str, raw: Any) -> str:
        if raw not in allowed:
            raise BadParameter(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return raw

    return parse


def text_list(max_items: int = 50, max_length: int = 200) -> Parser:
    """A comma-separated query argument, or a JSON list of strings in a body."""
    item = text(max_length)

    def parse(name: str, raw: Any) -> list[str]:
        values = [part.strip() for part in raw.split(",") if part.strip()] if isinstance(raw, str) else raw
        if not isinstance(values, list):
            raise BadParameter(f"{name} must be a comma-separated list or a JSON list, got {type(raw).__name__}")
        if len(values) > max_items:
            raise BadParameter(f"{name} has more than {max_items} items")
        return [item(name, value) for value in values]

    return parse


def integer_list(max_items: int = 1000) -> Parser:
    one = integer(1)

    def parse(name: str, raw: Any) -> list[int]:
        values = [part for part in raw.split(",") if part.strip()] if isinstance(raw, str) else raw
        if not isinstance(values, list) or not values:
            raise BadParameter(f"{name} must be a non-empty list of integers")
        if len(values) > max_items:
            raise BadParameter(f"{name} has more than {max_items} items")
        return [one(name, value) for value in values]

    return parse


def timestamp(name: str, raw: Any) -> datetime:
    try:
        value = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(f"{name} must be an ISO 8601 time such as 2026-12-03T16:00:00+00:00, got {raw!r}") from None
    return value


def json_object(max_bytes: int = 20_000) -> Parser:
    def parse(name: str, raw: Any) -> dict:
        if isinstance(raw, str):
            if len(raw) > max_bytes:
                raise BadParameter(f"{name} is longer than {max_bytes} characters")
            try:
                raw = json.loads(raw)
            except ValueError as exc:
                raise BadParameter(f"{name} must be a JSON object: {exc}") from None
        if not isinstance(raw, dict):
            raise BadParameter(f"{name} must be a JSON object, got {type(raw).__name__}")
        return raw

    return parse


def parse_all(values: Mapping[str, Any], spec: Mapping[str, Parser], *, where: str = "query parameter",
              required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The parsed values of ``values`` (raw) by ``spec``; unknown or missing names are refused."""
    unknown = sorted(set(values) - set(spec))
    if unknown:
        known = ", ".join(sorted(spec)) or "none"
        raise BadParameter(f"unknown {where} {unknown[0]!r} (known: {known})")
    missing = [name for name in required if name not in values]
    if missing:
        raise BadParameter(f"missing {where} {missing[0]!r}")
    return {name: spec[name](name, raw) for name, raw in values.items()}
