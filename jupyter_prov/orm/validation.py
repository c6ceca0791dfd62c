"""The value rules of the ORM, in one place: what a node's columns, attributes and extras may hold.

The ORM applies them when a value is set and again when a node is stored (values that reach
``_attributes`` directly included); the archive importer (``archive/rows.py``) applies the same rules to
every row it reads, so an archive can hold nothing the ORM would refuse. Each check raises
:class:`~jupyter_prov.orm.exceptions.ValidationError` (a ``ValueError``) with one line naming the input.

JSON values (attributes, extras, metadata)
    dicts with ``str`` keys, lists (tuples become lists), ``str``, ``int``, ``float``, ``bool``, ``None``.
    Numpy scalars become Python numbers. Refused, the same on both backends:

    - NaN and infinity (not JSON);
    - ints outside the signed 64-bit range (:data:`INT_MIN` .. :data:`INT_MAX`): SQLite's JSON
      functions turn larger ones into lossy reals, so a query would see another value than a load;
    - the NUL character in strings and keys: PostgreSQL's JSONB and text columns cannot hold it;
    - nesting deeper than :data:`MAX_DEPTH` (100) containers: the walk here is iterative, but the
      JSON encoders and decoders of Python and the databases recurse (Python's ``json`` raised
      ``RecursionError`` at ~1,000 levels);
    - JSON text longer than the size limit (:func:`max_json_bytes`; default :data:`DEFAULT_MAX_JSON_BYTES`,
      4 MiB, per node for its attributes and separately for its extras; profile option
      ``max_attributes_bytes``). A query on ``attributes.*`` of every node reads the JSON of each row it
      scans, so one big row slows every such query of the profile. Measured with
      ``benchmarks/attribute_size.py`` (10,000 ``Int`` nodes plus one ``Str`` of N MiB, a filter on
      ``attributes.value`` of all nodes, median of 7; load average 15-19, so +-30 % noise): SQLite
      71-97 ms without the big node, 58-130 ms with one of 1 or 4 MiB (within the noise), 324-641 ms
      with 16 MiB and 2.3-2.9 s with 100 MiB; PostgreSQL 79-96 ms, 72-116 ms up to 4 MiB, 141-164 ms with 16 MiB,
      0.9-1.6 s with 100 MiB (``benchmarks/results/attribute-size.md``). 4 MiB also leaves room above
      the notebook's own 1 MiB limit for a value kept as JSON (``CapturePolicy.max_json_bytes``).
      Bytes belong in files (``put_file``), which the repository streams.

Columns
    labels: ``str`` of at most :data:`LABEL_MAX` (255) characters; descriptions: ``str`` of at most
    :data:`DESCRIPTION_MAX` characters; no NUL in either; ``ctime``/``mtime``: timezone-aware
    ``datetime``; UUIDs: the 36-character lowercase hex form; ``node_type``: dotted lowercase
    identifiers (``data.int``, ``process.calculation.calcjob``); ``process_type``: a printable string of
    at most 255 characters (``module:qualname`` for Python processes); pks: ints within the signed 32-bit
    range (:data:`PK_MIN` .. :data:`PK_MAX`), the range of the ``INTEGER`` id columns on PostgreSQL.
"""

from __future__ import annotations

import math
import re
import reprlib
from datetime import datetime
from typing import Any

from ..storage import schema
from ..storage.json_text import JsonText, dumps
from . import current
from .exceptions import ValidationError

MAX_DEPTH = 100
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
DEFAULT_MAX_JSON_BYTES = 4 << 20
LABEL_MAX = schema.LABEL_LENGTH
DESCRIPTION_MAX = 1 << 20
TYPE_STRING_MAX = schema.LABEL_LENGTH
PK_MIN = -(2**31)
PK_MAX = 2**31 - 1
PROFILE_OPTION = "max_attributes_bytes"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # used with fullmatch: `$` would also accept a final newline
_NODE_TYPE = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")
_INF = float("inf")
_short = reprlib.Repr()
_short.maxstring = _short.maxother = 60
_short.maxlong = 40


def short_repr(value: Any) -> str:
    """A repr of ``value`` short enough for one error line (a 100 MB string is not printed)."""
    try:
        return _short.repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        return f"<{type(value).__name__}>"


# ---- JSON values -------------------------------------------------------------------------------------
def _plain(item: Any) -> bool:
    """True for a value of exactly a JSON scalar type that passes every rule: nothing to clean."""
    kind = type(item)
    if kind is str:
        return "\x00" not in item
    if kind is int:
        return INT_MIN <= item <= INT_MAX
    if kind is float:
        return -_INF < item < _INF
    return kind is bool or item is None


def _path_text(path: tuple | None) -> str:
    parts = []
    while path is not None:
        path, key = path
        parts.append(f"[{short_repr(key)}]")
    if len(parts) > 8:  # a deep path: its first and last steps
        parts[4:-4] = [f"...({len(parts) - 8} more)..."]
    return "".join(reversed(parts))


def clean_json(value: Any, where: str) -> Any:
    """``value`` as plain JSON within the rules above (tuples become lists, numpy scalars Python numbers).

    Raises :class:`ValidationError` naming ``where`` and the key path of the first offending item.
    Iterative: any nesting depth gives the error, never ``RecursionError``.
    """
    kind = type(value)
    if kind is dict:
        if all(type(k) is str and "\x00" not in k and _plain(v) for k, v in value.items()):
            return dict(value)  # fast path: a flat dict of plain values (most attributes)
    elif kind is list or kind is tuple:
        if all(_plain(item) for item in value):
            return list(value)
    elif _plain(value):
        return value
    holder: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, tuple | None, int]] = [(holder, 0, value, None, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        target, slot, item, path, depth = pop()
        if _plain(item):
            target[slot] = item
            continue
        if isinstance(item, dict):
            if depth >= MAX_DEPTH:
                raise ValidationError(f"{where}{_path_text(path)}: nested deeper than {MAX_DEPTH} levels")
            out: dict[str, Any] = {}
            target[slot] = out
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise ValidationError(
                        f"{where}{_path_text(path)}: key {short_repr(key)} is a {type(key).__name__}; "
                        "JSON keys are strings"
                    )
                if "\x00" in key:
                    raise ValidationError(f"{where}{_path_text(path)}: key {short_repr(key)} holds a NUL character")
                key = str(key)
                out[key] = None  # keeps the order of the keys
                push((out, key, sub, (path, key), depth + 1))
            continue
        if isinstance(item, (list, tuple)):
            if depth >= MAX_DEPTH:
                raise ValidationError(f"{where}{_path_text(path)}: nested deeper than {MAX_DEPTH} levels")
            items: list[Any] = [None] * len(item)
            target[slot] = items
            for i, sub in enumerate(item):
                push((items, i, sub, (path, i), depth + 1))
            continue
        target[slot] = _scalar(item, f"{where}{_path_text(path)}")
    return holder[0]


def _scalar(item: Any, where: str) -> Any:
    """A JSON scalar (subclasses and numpy scalars made plain), or the error for ``item``."""
    if isinstance(item, bool):
        return bool(item)
    if isinstance(item, int):
        if not INT_MIN <= item <= INT_MAX:
            raise ValidationError(
                f"{where}: the int {short_repr(item)} is outside the signed 64-bit range that both databases "
                "store exactly (store it as a Str, or a Float if approximate is fine)"
            )
        return int(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise ValidationError(f"{where}: {item!r} cannot be stored (NaN and infinity are not JSON)")
        return float(item)
    if isinstance(item, str):
        if "\x00" in item:
            raise ValidationError(f"{where}: the string {short_repr(item)} holds a NUL character, which cannot be stored")
        return str(item)
    if item is None:
        return None
    module = type(item).__module__
    if module == "numpy" and hasattr(item, "item") and getattr(item, "ndim", 1) == 0:
        return _scalar(item.item(), where)
    raise ValidationError(
        f"{where}: a {module}.{type(item).__name__} is not a JSON value "
        "(use str, int, float, bool, None, lists and dicts, or store it as a node)"
    )


def max_json_bytes() -> int:
    """The size limit of a node's attributes (and of its extras): the loaded profile's option, else the default."""
    profile = current.get_profile()
    if profile is not None:
        limit = profile.options.get(PROFILE_OPTION)
        if limit is not None:
            return int(limit)
    return DEFAULT_MAX_JSON_BYTES


#: an upper bound of the JSON text of one number, ``true``/``false``/``null`` (a float with a positive
#: exponent is written as its decimal expansion, up to 309 digits: see storage/json_text.py)
_SCALAR_TEXT_MAX = 330


def check_json(value: Any, *, what: str = "attributes", limit: int | None = None) -> JsonText | None:
    """Check a dict of attributes (or extras) against every rule; ``None`` if it needs no encoding yet.

    The store path: a flat dict of small scalars (most nodes) is checked in one loop with an upper
    bound of its text's size, and left for the backend to encode batch by batch (encoding 100,000 nodes
    up front held ~24 MB more at the peak of ``store_all``). Anything else is encoded here, and the text
    returned (:class:`JsonText`) is what the row stores.
    """
    if type(value) is not dict:
        raise ValidationError(f"{what}: must be a dict with string keys, got a {type(value).__name__}")
    if not value:
        return None
    limit = max_json_bytes() if limit is None else limit
    bound = 2
    for key, item in value.items():  # the common flat dict: no copy, no call per value
        kind = type(item)
        if type(key) is str and "\x00" not in key:
            if kind is str:
                if "\x00" not in item:
                    bound += 6 * (len(key) + len(item)) + 6  # at most 6 bytes of text per character (\uXXXX)
                    continue
            elif ((kind is int and INT_MIN <= item <= INT_MAX) or (kind is float and -_INF < item < _INF)
                  or kind is bool or item is None):
                bound += 6 * len(key) + 4 + _SCALAR_TEXT_MAX
                continue
        return encode_json(value, what=what, limit=limit)  # nested or bad: the full walk
    if bound <= limit:
        return None
    return encode_json(value, what=what, limit=limit)


def encode_json(value: Any, *, what: str = "attributes", limit: int | None = None) -> JsonText:
    """The JSON text of a dict of attributes (or extras) checked against every rule, ready for the database.

    ``limit`` is the size limit in bytes of UTF-8 text (default: :func:`max_json_bytes`).
    """
    if type(value) is not dict:
        raise ValidationError(f"{what}: must be a dict with string keys, got a {type(value).__name__}")
    if not value:
        return JsonText("{}")
    for key, item in value.items():  # the common flat dict: checked here, no copy, no call per value
        kind = type(item)
        if type(key) is str and "\x00" not in key and (
                (kind is int and INT_MIN <= item <= INT_MAX) or (kind is str and "\x00" not in item)
                or (kind is float and -_INF < item < _INF) or kind is bool or item is None):
            continue
        clean_json(value, what)  # the full walk; raises for the first bad value
        break
    text = dumps(value)
    limit = max_json_bytes() if limit is None else limit
    if len(text) > limit // 4 and len(text.encode()) > limit:  # chars <= bytes <= 4 chars
        raise ValidationError(
            f"{what}: {len(text.encode()):,} bytes of JSON, more than the limit of {limit:,} bytes "
            f"(profile option {PROFILE_OPTION!r}); put large content in files (put_file)"
        )
    return JsonText(text)


def check_attributes(value: Any, *, what: str = "attributes", limit: int | None = None) -> dict[str, Any]:
    """A clean copy of the dict ``value`` (attributes, extras, metadata) after every JSON rule and the size limit."""
    if not isinstance(value, dict):
        raise ValidationError(f"{what}: must be a dict with string keys, got a {type(value).__name__}")
    cleaned = clean_json(value, what)
    encode_json(cleaned, what=what, limit=limit)
    return cleaned


# ---- columns --------------------------------------------------------------------------------------
def check_text(value: Any, *, what: str, maximum: int = DESCRIPTION_MAX) -> str:
    """Text for a column: a string of at most ``maximum`` characters, no NUL (comments, messages)."""
    return _text(value, what, maximum)


def _text(value: Any, what: str, maximum: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > maximum:
        raise ValidationError(f"{what} is {len(value):,} characters long; at most {maximum:,} are allowed")
    if "\x00" in value:
        raise ValidationError(f"{what} holds a NUL character, which cannot be stored")
    return value


def check_label(text: Any, *, what: str = "label") -> str:
    """A label: a string of at most :data:`LABEL_MAX` characters, no NUL."""
    return _text(text, what, LABEL_MAX)


def check_description(text: Any, *, what: str = "description") -> str:
    """A description: a string of at most :data:`DESCRIPTION_MAX` characters, no NUL."""
    return _text(text, what, DESCRIPTION_MAX)


def check_datetime(value: Any, *, what: str = "ctime") -> datetime:
    """A timezone-aware ``datetime`` (ctime, mtime)."""
    if not isinstance(value, datetime):
        raise ValidationError(f"{what} must be a datetime, got {short_repr(value)} ({type(value).__name__})")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{what} {value.isoformat()} has no time zone")
    return value


def check_uuid(value: Any, *, what: str = "uuid") -> str:
    """A UUID in its canonical 36-character lowercase form."""
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise ValidationError(f"{what} must be a UUID like 3f2a9c1e-0b7d-4c55-9e21-6a0f1c2d3e4f, got {short_repr(value)}")
    return value


def check_node_type(value: Any, *, what: str = "node_type") -> str:
    """A node type string: dotted lowercase identifiers, at most 255 characters."""
    if not isinstance(value, str) or len(value) > TYPE_STRING_MAX or not _NODE_TYPE.fullmatch(value):
        raise ValidationError(
            f"{what} must be a dotted type string such as 'data.int' (at most {TYPE_STRING_MAX} characters), "
            f"got {short_repr(value)}"
        )
    return value


def check_process_type(value: Any, *, what: str = "process_type") -> str | None:
    """A process type: ``None`` or a printable string of at most 255 characters."""
    if value is None:
        return None
    text = _text(value, what, TYPE_STRING_MAX)
    if not text.isprintable():
        raise ValidationError(f"{what} must be printable text, got {short_repr(text)}")
    return text


def check_pk(value: Any, *, what: str = "pk") -> int:
    """A primary key: an int (not a bool) within the range of the id columns (:data:`PK_MIN` .. :data:`PK_MAX`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an int, got {short_repr(value)} ({type(value).__name__})")
    if not PK_MIN <= value <= PK_MAX:
        raise ValidationError(f"{what} {short_repr(value)} is outside the 32-bit range of primary keys")
    return int(value)
