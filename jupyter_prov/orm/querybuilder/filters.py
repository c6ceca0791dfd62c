"""Filters of the QueryBuilder as SQL, the same answer on SQLite (JSON1) and PostgreSQL (JSONB).

A filter dictionary maps a *key* (a column, or a path into a JSON column: ``attributes.energy``,
``extras.tags.0``) to a value (meaning ``==``) or to ``{operator: value}``; ``and``/``or`` take lists of
such dictionaries and ``not`` one. Operators may be negated with a leading ``!`` (``!in``, ``!like``).

Where the two databases differ by nature, the SQL here makes them agree:

- JSON values are compared only with values of the same JSON type (a string is never ``> 5``;
  ``true`` is not ``1``), so SQLite's loose typing cannot give answers PostgreSQL would not.
- ``like`` is case-sensitive on both (SQLite's ``LIKE`` is not, so it becomes ``GLOB``); ``ilike``
  folds ASCII case on both.
- strings compare and sort by code point (``COLLATE "C"`` on PostgreSQL, SQLite's default).
- a JSON path ordered by sorts numbers, then strings, then booleans, then the rest, then missing/null.

Values are checked like stored values (:mod:`..validation`): ints outside the signed 64-bit range,
NaN/infinity and strings with NUL are refused with a :class:`QueryError` naming the filter (the
drivers raised ``OverflowError`` or failed on PostgreSQL), as are filters nested deeper than
:data:`MAX_FILTER_DEPTH`. ``in`` takes any number of values: up to :data:`SMALL_IN` they are bound one
by one; more are bound as one parameter, a ``json_each`` table on SQLite, an array on PostgreSQL
(``= ANY``): one by one, 999 values or more hit SQLite's expression depth limit (1,000) and 65,536 the
parameter limit of PostgreSQL's protocol.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    and_,
    any_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB

from .. import validation
from ..exceptions import ValidationError
from .errors import QueryError

JSON_TYPES = ("object", "array", "string", "number", "boolean", "null")
_SQLITE_TYPES = {
    "object": ("object",), "array": ("array",), "string": ("text",), "number": ("integer", "real"),
    "boolean": ("true", "false"), "null": ("null",),
}
COMPARISONS = ("<", "<=", ">", ">=")
OPERATORS = ("==", "<", "<=", ">", ">=", "in", "like", "ilike", "is null", "contains", "has_key", "of_type",
             "of_length", "longer", "shorter")
JSON_ONLY = ("contains", "has_key", "of_type", "of_length", "longer", "shorter")
#: dicts and lists nested in one filter (``and``/``or``/``not`` and operator dictionaries): the SQL of a
#: deeper filter would exceed Python's recursion limit or SQLite's expression depth
MAX_FILTER_DEPTH = 50
#: ``in`` lists up to this length are bound value by value (see the module docstring)
SMALL_IN = 250
#: ``in`` values that are JSON objects or arrays (compared one by one; PostgreSQL only)
MAX_IN_CONTAINERS = 1000


def check_filter_depth(filters: Any, where: str) -> None:
    """Refuse a filter nested deeper than :data:`MAX_FILTER_DEPTH` (iteratively: no ``RecursionError``)."""
    stack = [(filters, 1)]
    while stack:
        value, depth = stack.pop()
        items: Iterable[Any]
        if isinstance(value, dict):
            items = value.values()
        elif isinstance(value, (list, tuple)):
            items = value
        else:
            continue
        if depth > MAX_FILTER_DEPTH:
            raise QueryError(f"filters of {where} are nested deeper than {MAX_FILTER_DEPTH} levels")
        stack.extend((item, depth + 1) for item in items)


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc) if value.tzinfo is not None and value.utcoffset() else value


def check_value(key: str, value: Any) -> Any:
    """A filter value within the rules of stored values (datetimes allowed), else :class:`QueryError`.

    An aware datetime is turned to UTC, the zone times are stored in: SQLite keeps them as text without a
    zone, and a bound datetime in another zone would be compared by its clock reading.
    """
    if isinstance(value, datetime):
        return _utc(value)
    kind = type(value)
    if kind is int:
        if validation.INT_MIN <= value <= validation.INT_MAX:
            return value
    elif kind is float:
        if math.isfinite(value):
            return value
    elif kind is str:
        if "\x00" not in value:
            return value
    elif kind in (list, tuple) and value and all(isinstance(i, datetime) for i in value):
        return kind(_utc(item) for item in value)
    elif value is None or kind is bool or (kind in (list, tuple) and not value):
        return value
    try:
        validation.clean_json(value, f"filter {key!r}")
    except ValidationError as exc:
        raise QueryError(str(exc)) from None
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class JsonPath:
    """A path into a JSON column of one table alias, rendered for one dialect."""

    def __init__(self, column, path: list[str | int], dialect: str, key: str):
        self.column = column
        self.path = path
        self.dialect = dialect
        self.key = key
        for part in path:
            if isinstance(part, str) and ('"' in part or not part or "\x00" in part):
                raise QueryError(f"filter key {key!r}: JSON path parts must be non-empty and have no '\"' or NUL")

    # -- pieces per dialect ---------------------------------------------------------------------
    def _sqlite_path(self, extra: Sequence[str | int] = ()) -> str:
        text = "$"
        for part in [*self.path, *extra]:
            text += f"[{part}]" if isinstance(part, int) else f'."{part}"'
        return text

    def _pg_path(self, extra: Sequence[str | int] = ()) -> list[str]:
        return [str(part) for part in [*self.path, *extra]]

    def jsonb(self) -> ColumnElement:
        """PostgreSQL: the value as JSONB (SQL NULL when missing)."""
        if not self.path:
            return self.column
        return self.column.op("#>", return_type=JSONB)(literal(self._pg_path(), type_=_pg_text_array()))

    def sqlite_type(self) -> ColumnElement:
        return func.json_type(self.column, self._sqlite_path())

    def sqlite_value(self) -> ColumnElement:
        return func.json_extract(self.column, self._sqlite_path())

    def json_type_is(self, *types: str, two_valued: bool = False) -> ColumnElement[bool]:
        """The value is of one of these JSON types (``string``, ``number``, ...).

        A missing value gives SQL NULL (cheaper, and as good as false inside AND) unless ``two_valued``:
        then false, so that ``not`` of it holds for a missing value.
        """
        kind: ColumnElement[Any]
        if self.dialect == "postgresql":
            kind = func.jsonb_typeof(self.jsonb())
            names = list(types)
        else:
            kind = self.sqlite_type()
            names = [t for name in types for t in _SQLITE_TYPES[name]]
        if two_valued:
            kind = func.coalesce(kind, "missing")
        return kind.in_(names) if len(names) > 1 else kind == names[0]

    def number(self) -> ColumnElement:
        if self.dialect == "postgresql":
            return case((func.jsonb_typeof(self.jsonb()) == "number", cast(self.jsonb(), Float)), else_=None)
        return case((self.json_type_is("number"), self.sqlite_value()), else_=None)

    def text(self) -> ColumnElement:
        if self.dialect == "postgresql":
            value = self.column.op("#>>", return_type=Text)(literal(self._pg_path(), type_=_pg_text_array()))
            return case((func.jsonb_typeof(self.jsonb()) == "string", value), else_=None).collate("C")
        return case((self.json_type_is("string"), self.sqlite_value()), else_=None)

    def _compared_number(self) -> ColumnElement:
        """The number to compare, next to a type test in the same AND (SQLite needs no guard: nothing fails)."""
        return self.sqlite_value() if self.dialect == "sqlite" else self.number()

    def _compared_text(self) -> ColumnElement:
        return self.sqlite_value() if self.dialect == "sqlite" else self.text()

    def projected(self) -> ColumnElement:
        """The value as JSON, for a projection (decoded to Python by the JSON type)."""
        if self.dialect == "postgresql":
            return self.jsonb()
        return type_coerce(self.column.op("->", return_type=Text)(self._sqlite_path()), JSON)

    def array_length(self) -> ColumnElement:
        if self.dialect == "postgresql":
            return case((func.jsonb_typeof(self.jsonb()) == "array", func.jsonb_array_length(self.jsonb())), else_=None)
        return case((self.json_type_is("array"), func.json_array_length(self.column, self._sqlite_path())), else_=None)

    def child(self, part: str | int) -> JsonPath:
        return JsonPath(self.column, [*self.path, part], self.dialect, self.key)

    # -- operators --------------------------------------------------------------------------------
    def equals(self, value: Any) -> ColumnElement[bool]:
        if value is None:
            return self.is_null()
        if isinstance(value, bool):
            if self.dialect == "postgresql":
                return and_(self.json_type_is("boolean"), self.jsonb() == literal(value, JSONB))
            return self.sqlite_type() == ("true" if value else "false")
        if _is_number(value):
            return and_(self.json_type_is("number"), self._compared_number() == value)
        if isinstance(value, str):
            return and_(self.json_type_is("string"), self._compared_text() == value)
        if isinstance(value, (list, tuple, dict)):
            if self.dialect == "postgresql":
                return self.jsonb() == literal(_json_value(value, self.key), JSONB)
            raise QueryError(
                f"filter {self.key!r}: SQLite cannot compare whole JSON objects or arrays for equality; "
                "use 'contains' together with 'of_length', or filter on the keys"
            )
        raise QueryError(f"filter {self.key!r}: cannot compare with a {type(value).__name__} ({value!r})")

    def is_in(self, values: list) -> ColumnElement[bool]:
        """The value equals one of ``values`` (numbers and strings as one ``IN`` each, whatever their number)."""
        numbers, texts, others = [], [], []
        for item in values:
            if _is_number(item):
                numbers.append(item)
            elif isinstance(item, str):
                texts.append(item)
            else:
                others.append(item)
        if sum(isinstance(item, (list, tuple, dict)) for item in others) > MAX_IN_CONTAINERS:
            raise QueryError(f"filter {self.key!r}: 'in' takes at most {MAX_IN_CONTAINERS} objects or arrays")
        clauses = []
        if numbers:
            clauses.append(and_(self.json_type_is("number"),
                                many_in(self._compared_number(), numbers, self.dialect, "float")))
        if texts:
            clauses.append(and_(self.json_type_is("string"), many_in(self._compared_text(), texts, self.dialect, "str")))
        clauses += [self.equals(item) for item in others]
        return or_(*clauses)

    def compare(self, operator: str, value: Any) -> ColumnElement[bool]:
        if _is_number(value):
            return and_(self.json_type_is("number"), _comparison(self._compared_number(), operator, value))
        if isinstance(value, str):
            return and_(self.json_type_is("string"), _comparison(self._compared_text(), operator, value))
        raise QueryError(f"filter {self.key!r}: {operator!r} on a JSON value needs a number or a string, got {value!r}")

    def is_null(self) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            return or_(self.jsonb().is_(None), func.jsonb_typeof(self.jsonb()) == "null")
        return or_(self.sqlite_type().is_(None), self.sqlite_type() == "null")

    def like(self, pattern: str, insensitive: bool) -> ColumnElement[bool]:
        return and_(self.json_type_is("string"), _like(self._compared_text(), pattern, insensitive, self.dialect))

    def contains(self, value: Any) -> ColumnElement[bool]:
        if isinstance(value, dict):
            if self.dialect == "postgresql":
                return and_(self.json_type_is("object"), self.jsonb().op("@>")(literal(_json_value(value, self.key), JSONB)))
            clauses = [self.json_type_is("object")]
            for key, item in value.items():
                child = self.child(key)
                clauses.append(child.contains(item) if isinstance(item, (dict, list)) else child.equals(item))
            return and_(*clauses)
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (dict, list, tuple)) or (item is None):
                    raise QueryError(f"filter {self.key!r}: 'contains' on an array takes scalar elements, got {item!r}")
            if self.dialect == "postgresql":
                return and_(self.json_type_is("array"), self.jsonb().op("@>")(literal(_json_value(list(value), self.key), JSONB)))
            clauses = [self.json_type_is("array")]
            for item in value:
                each = func.json_each(self.column, self._sqlite_path()).table_valued("value", "type")
                clauses.append(select(literal(1)).select_from(each).where(_element_equals(each, item)).exists())
            return and_(*clauses)
        raise QueryError(f"filter {self.key!r}: 'contains' takes a list (array elements) or a dict (object keys), got {value!r}")

    def has_key(self, key: Any) -> ColumnElement[bool]:
        if not isinstance(key, str) or not key or '"' in key:
            raise QueryError(f"filter {self.key!r}: 'has_key' takes a non-empty string, got {key!r}")
        if self.dialect == "postgresql":
            return and_(self.json_type_is("object"), self.jsonb().op("?")(literal(key, Text)))
        return and_(self.json_type_is("object"), self.child(key).sqlite_type().is_not(None))

    def of_type(self, name: Any) -> ColumnElement[bool]:
        if name not in JSON_TYPES:
            raise QueryError(f"filter {self.key!r}: 'of_type' takes one of {', '.join(JSON_TYPES)}, got {name!r}")
        return self.json_type_is(name, two_valued=True)


def many_in(expression, values: list, dialect: str, kind: str) -> ColumnElement[bool]:
    """``expression IN values`` for any number of values (one parameter for many: see the module docstring)."""
    if len(values) <= SMALL_IN:
        return expression.in_(values)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        if kind == "float":
            values = [float(item) for item in values]
        sql_type: Any = {"int": BigInteger(), "float": Float(), "str": Text(), "bool": Boolean(),
                         "datetime": DateTime(timezone=True)}.get(kind, Text())
        return expression == any_(literal(values, ARRAY(sql_type)))
    if kind == "datetime":
        from ...storage.bulk import sqlite_datetime

        values = [sqlite_datetime(item) for item in values]
    each = func.json_each(literal(json.dumps(values, allow_nan=False), Text)).table_valued("value")
    return expression.in_(select(each.c.value))


def _element_equals(each, item) -> ColumnElement[bool]:
    if isinstance(item, bool):
        return each.c.type == ("true" if item else "false")
    if _is_number(item):
        return and_(each.c.type.in_(["integer", "real"]), each.c.value == item)
    if isinstance(item, str):
        return and_(each.c.type == "text", each.c.value == item)
    raise QueryError(f"cannot look for {item!r} in a JSON array")


def _pg_text_array():
    from sqlalchemy.dialects.postgresql import ARRAY

    return ARRAY(Text)


def _json_value(value: Any, key: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"filter {key!r}: {value!r} is not a JSON value ({exc})") from None
    return value


def _comparison(expression, operator: str, value: Any) -> ColumnElement[bool]:
    return {
        "<": expression < value, "<=": expression <= value, ">": expression > value, ">=": expression >= value,
    }[operator]


def like_to_glob(pattern: str) -> str:
    """A LIKE pattern (``%``, ``_``, backslash escapes) as a case-sensitive SQLite GLOB pattern."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append({"*": "[*]", "?": "[?]", "[": "[[]"}.get(char, char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        else:
            out.append({"*": "[*]", "?": "[?]", "[": "[[]"}.get(char, char))
    if escaped:
        out.append("\\")
    return "".join(out)


def _like(expression, pattern: Any, insensitive: bool, dialect: str) -> ColumnElement[bool]:
    if not isinstance(pattern, str):
        raise QueryError(f"'like'/'ilike' take a string pattern, got {pattern!r}")
    if insensitive:
        return func.lower(expression).like(func.lower(pattern), escape="\\")
    if dialect == "sqlite":
        return expression.op("GLOB")(like_to_glob(pattern))
    return expression.like(pattern, escape="\\")


# ---- columns -----------------------------------------------------------------------------------------
def column_kind(column) -> str:
    kind = column.type
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, (String, Text)):
        return "str"
    return "other"


_VALUE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "datetime": lambda v: isinstance(v, datetime),
    "bool": lambda v: isinstance(v, bool),
    "json": lambda v: True,
    "other": lambda v: True,
}


def _check_value(key: str, kind: str, operator: str, value: Any) -> None:
    if value is None and operator == "==":
        return
    if not _VALUE_CHECKS[kind](value):
        raise QueryError(f"filter {key!r}: operator {operator!r} on a {kind} column needs a {kind} value, got {value!r}")


def _beyond_int32(value: Any) -> bool:
    values = value if isinstance(value, (list, tuple)) else [value]
    return any(type(v) is int and not validation.PK_MIN <= v <= validation.PK_MAX for v in values)


def column_condition(column, key: str, operator: str, value: Any, dialect: str) -> ColumnElement[bool]:
    kind = column_kind(column)
    if kind == "int" and _beyond_int32(value):
        column = cast(column, BigInteger)  # the id columns are 32-bit on PostgreSQL: compare as 64-bit
    if operator in JSON_ONLY:
        raise QueryError(f"filter {key!r}: operator {operator!r} works on JSON values (attributes.*, extras.*), "
                         f"not on the {kind} column {key!r}")
    if operator == "is null":
        if not isinstance(value, bool):
            raise QueryError(f"filter {key!r}: 'is null' takes True or False, got {value!r}")
        return column.is_(None) if value else column.is_not(None)
    if operator == "==":
        if value is None:
            return column.is_(None)
        _check_value(key, kind, operator, value)
        return column == value
    if operator in COMPARISONS:
        _check_value(key, kind, operator, value)
        if kind == "bool":
            raise QueryError(f"filter {key!r}: {operator!r} does not apply to a boolean column")
        if kind == "str" and dialect == "postgresql":
            column = column.collate("C")
        return _comparison(column, operator, value)
    if operator == "in":
        values = _in_values(key, value)
        for item in values:
            _check_value(key, kind, operator, item)
        return many_in(column, values, dialect, kind) if values else false()
    if operator in ("like", "ilike"):
        if kind != "str":
            raise QueryError(f"filter {key!r}: {operator!r} works on text columns, {key!r} is a {kind} column")
        return _like(column, value, operator == "ilike", dialect)
    raise QueryError(f"filter {key!r}: unknown operator {operator!r} (known: {', '.join(OPERATORS)})")


def _in_values(key: str, value: Any) -> list:
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise QueryError(f"filter {key!r}: 'in' takes a list of values, got {value!r}")
    return list(value)


def json_condition(path: JsonPath, operator: str, value: Any) -> ColumnElement[bool]:
    if operator == "==":
        return path.equals(value)
    if operator in COMPARISONS:
        return path.compare(operator, value)
    if operator == "in":
        values = _in_values(path.key, value)
        return path.is_in(values) if values else false()
    if operator in ("like", "ilike"):
        return path.like(value, operator == "ilike")
    if operator == "is null":
        if not isinstance(value, bool):
            raise QueryError(f"filter {path.key!r}: 'is null' takes True or False, got {value!r}")
        return path.is_null() if value else not_(path.is_null())
    if operator == "contains":
        return path.contains(value)
    if operator == "has_key":
        return path.has_key(value)
    if operator == "of_type":
        return path.of_type(value)
    if operator in ("of_length", "longer", "shorter"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise QueryError(f"filter {path.key!r}: {operator!r} takes a non-negative integer, got {value!r}")
        length = path.array_length()
        test = {"of_length": length == value, "longer": length > value, "shorter": length < value}[operator]
        return and_(path.json_type_is("array"), test)
    raise QueryError(f"filter {path.key!r}: unknown operator {operator!r} (known: {', '.join(OPERATORS)})")


def operator_condition(resolve, key: str, operator: str, value: Any, dialect: str) -> ColumnElement[bool]:
    """One ``{operator: value}`` on ``key``; ``resolve(key)`` gives a column or a :class:`JsonPath`."""
    if operator in ("and", "or"):
        if not isinstance(value, (list, tuple)) or not value:
            raise QueryError(f"filter {key!r}: {operator!r} takes a non-empty list of operator dictionaries")
        parts = [value_condition(resolve, key, item, dialect) for item in value]
        return and_(*parts) if operator == "and" else or_(*parts)
    if operator in ("not", "~"):
        return not_(value_condition(resolve, key, value, dialect))
    negate = operator.startswith("!") and operator not in ("!=",)
    if operator == "!=":
        operator, negate = "==", True
    if negate:
        operator = operator[1:]
    if operator == "=":
        operator = "=="
    value = check_value(key, value)
    target = resolve(key)
    if isinstance(target, JsonPath):
        condition = json_condition(target, operator, value)
        if negate:
            # a negated test holds only where the value exists: "!==" 3 does not match a missing key
            return and_(not_(target.is_null()) if operator != "is null" else true(), not_(condition))
        return condition
    condition = column_condition(target, key, operator, value, dialect)
    if negate:
        return and_(target.is_not(None), not_(condition)) if operator != "is null" else not_(condition)
    return condition


def value_condition(resolve, key: str, value: Any, dialect: str) -> ColumnElement[bool]:
    """The filter value of ``key``: a plain value (``==``) or a dictionary of operators (all must hold)."""
    if isinstance(value, dict):
        if not value:
            raise QueryError(f"filter {key!r}: an empty operator dictionary (to compare with {{}}, use {{'==': {{}}}})")
        return and_(*[operator_condition(resolve, key, op, item, dialect) for op, item in value.items()])
    return operator_condition(resolve, key, "==", value, dialect)


def filter_condition(resolve, filters: Any, dialect: str, where: str) -> ColumnElement[bool]:
    """A whole filter dictionary of one vertex (``where`` names it in errors)."""
    if filters is None:
        return true()
    if not isinstance(filters, dict):
        raise QueryError(f"filters of {where} must be a dictionary, got {filters!r}")
    check_filter_depth(filters, where)
    parts = []
    for key, value in filters.items():
        if key in ("and", "or"):
            if not isinstance(value, (list, tuple)) or not value:
                raise QueryError(f"filters of {where}: {key!r} takes a non-empty list of filter dictionaries")
            items = [filter_condition(resolve, item, dialect, where) for item in value]
            parts.append(and_(*items) if key == "and" else or_(*items))
        elif key in ("not", "~"):
            parts.append(not_(filter_condition(resolve, value, dialect, where)))
        else:
            parts.append(value_condition(resolve, key, value, dialect))
    return and_(*parts) if parts else true()
