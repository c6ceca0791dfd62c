"""The one fast write path into the SQL database: many rows per driver call, no per-row SQLAlchemy work.

Everything that writes rows in bulk (``StorageBackend.insert_many``, the ORM's ``store_all``, the
archive importer, the daemon's queue rows stored with a process) comes through here, so the
SQLite/PostgreSQL split lives in one place:

- **SQLite**: one ``executemany`` of pre-encoded value tuples. JSON columns become text and
  datetimes SQLite's UTC text, the same bytes SQLAlchemy's types would write. Skipping SQLAlchemy's
  per-row type processing made bulk node inserts about twice as fast (docs/performance.md).
- **PostgreSQL**: ``COPY ... FROM STDIN``. COPY carries no bind parameters, so PostgreSQL's limit
  of 65,535 parameters per statement never applies, however many rows a batch has; a multi-row
  ``INSERT ... VALUES`` would have to be cut at ``65_535 // len(columns)`` rows (:func:`max_rows`).
- **One row with its new id** (:func:`insert_one`): the hot path of ``node.store()`` and
  ``submit()``. The statement text and the row encoder are built once per (dialect, table, columns)
  and cached; ``lastrowid`` on SQLite, ``RETURNING id`` on PostgreSQL.

The API (every function runs inside the caller's open write transaction; ``target`` is that
transaction's SQLAlchemy ``Connection`` or a DB-API cursor of ``StorageBackend.driver_transaction``):

- ``insert_rows(target, dialect, table, rows)``: dicts with the same keys, Python values.
- ``insert_encoded(target, dialect, table, columns, rows)``: tuples in stored form as an SQLite
  database keeps them (JSON as text, timestamps as SQLite's naive UTC text), e.g. rows read from an
  archive; on PostgreSQL the timestamps are marked UTC.
- ``insert_one(cursor, dialect, table, row) -> int``: one dict row, its new primary key.
- ``insert_few(cursor, dialect, table, rows)``: a few dict rows, one cached ``executemany`` (no COPY set-up).
- ``row_encoder(dialect, table, columns)``: the function turning a row dict into driver parameters.

A driver ``IntegrityError`` is raised as SQLAlchemy's ``IntegrityError``, like every other write.
"""

from __future__ import annotations

import operator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence

from sqlalchemy import JSON, Connection, DateTime, Table
from sqlalchemy import exc as sa_exc

from ..errors import StorageError
from .json_text import JsonText, dumps

#: PostgreSQL's limit of bind parameters in one statement
POSTGRES_MAX_PARAMETERS = 65_535
#: columns whose values arrive as stored text in :func:`insert_encoded` and are timestamps
TIMESTAMP_COLUMNS = frozenset({"ctime", "mtime", "time"})

__all__ = ["insert_rows", "insert_encoded", "insert_one", "insert_few", "row_encoder", "max_rows", "POSTGRES_MAX_PARAMETERS"]


def max_rows(columns: int) -> int:
    """Rows of ``columns`` values that fit in one PostgreSQL statement with bind parameters."""
    return max(1, POSTGRES_MAX_PARAMETERS // max(1, columns))


def encode_json(value: Any) -> str | None:
    """JSON text of a column value (text the ORM encoded already passes as it is, see json_text.py)."""
    if value is None:
        return None
    if type(value) is JsonText:
        return value.text
    return "{}" if value == {} else dumps(value)


def sqlite_datetime(value: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite ``DateTime`` type stores (always UTC here)."""
    if value is None:
        return None
    if value.tzinfo is timezone.utc:  # the usual case: skip building a naive copy
        return value.isoformat(" ", "microseconds")[:-6]
    if value.tzinfo is not None:
        if value.utcoffset():
            value = value.astimezone(timezone.utc)
        value = value.replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def _memo(encode):
    """``encode`` remembering its last argument: timestamps repeat row after row in a batch."""
    last: list = [object(), None]

    def encode_last(value):
        if value is not last[0]:
            last[0], last[1] = value, encode(value)
        return last[1]

    return encode_last


def _encoders(dialect: str, table: Table, columns: Sequence[str], *, memo: bool = False) -> dict[str, Callable]:
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)
                    or getattr(table.c[name].type, "mapping", None)}
    encoders: dict[str, Callable] = {name: encode_json for name in json_columns}
    if dialect == "sqlite":
        # shared between the columns: ctime and mtime of a new row are one object
        encode_datetime = _memo(sqlite_datetime) if memo else sqlite_datetime
        encoders.update({name: encode_datetime for name in columns if isinstance(table.c[name].type, DateTime)})
    return encoders


def _encoded_values(rows: Sequence[dict], columns: Sequence[str], encoders: dict) -> list:
    """The rows as value sequences in ``columns`` order, the columns named in ``encoders`` encoded.

    Picking the values with one ``itemgetter`` call per row and encoding only the few JSON/datetime
    columns made bulk inserts of nodes about twice as fast as a generator over every column.
    """
    pick = operator.itemgetter(*columns)
    if len(columns) == 1:
        rows_values = [(pick(row),) for row in rows]
    else:
        rows_values = [pick(row) for row in rows]
    special = [(i, encoders[name]) for i, name in enumerate(columns) if name in encoders]
    if not special:
        return rows_values
    out: list[list[Any]] = []
    append = out.append
    for values in rows_values:
        encoded = list(values)
        for i, encode in special:
            encoded[i] = encode(encoded[i])
        append(encoded)
    return out


def row_encoder(dialect: str, table: Table, columns: Sequence[str]) -> Callable[[dict], list]:
    """A function turning a row dict into the driver's parameter list (JSON and datetimes encoded)."""
    encoders = _encoders(dialect, table, columns)
    pick = operator.itemgetter(*columns)
    single = len(columns) == 1
    special = [(i, encoders[name]) for i, name in enumerate(columns) if name in encoders]

    def encode(row: dict) -> list:
        values = [pick(row)] if single else list(pick(row))
        last = last_encoded = None
        for i, encode_value in special:
            raw = values[i]
            if raw is last and raw is not None:  # ctime and mtime of a new node are one object
                values[i] = last_encoded
                continue
            last, last_encoded = raw, encode_value(raw)
            values[i] = last_encoded
        return values

    return encode


def _mark(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"


def driver_of(connection: Any) -> Any:
    """The DB-API connection under a SQLAlchemy pooled connection (SQLAlchemy's ``None`` once it is closed)."""
    driver = connection.driver_connection
    if driver is None:
        raise StorageError("the database connection is closed")
    return driver


def _names(columns: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in columns)


@contextmanager
def _cursor(target: Any) -> Iterator[Any]:
    """A DB-API cursor of ``target``'s transaction; a driver IntegrityError becomes SQLAlchemy's."""
    if isinstance(target, Connection):
        driver = driver_of(target.connection)
        cursor = driver.cursor()
        integrity = target.dialect.loaded_dbapi.IntegrityError
        try:
            yield cursor
        except integrity as exc:
            raise sa_exc.IntegrityError("bulk insert", None, exc) from exc
        finally:
            cursor.close()
        return
    try:
        yield target
    except _driver_integrity_error(target) as exc:
        raise sa_exc.IntegrityError("bulk insert", None, exc) from exc


def _driver_integrity_error(cursor: Any) -> type[BaseException]:
    """The driver's IntegrityError class for a cursor (sqlite3 or psycopg)."""
    if type(cursor).__module__.startswith("sqlite3"):
        import sqlite3

        return sqlite3.IntegrityError
    import psycopg

    return psycopg.IntegrityError


def insert_rows(target: Any, dialect: str, table: Table, rows: Sequence[dict]) -> None:
    """Insert dict rows (all with the same keys) in one driver call (SQLite ``executemany``, PostgreSQL ``COPY``)."""
    if not rows:
        return
    columns = list(rows[0])
    values = _encoded_values(rows, columns, _encoders(dialect, table, columns, memo=True))
    with _cursor(target) as cursor:
        if dialect == "sqlite":
            mark = _mark(dialect)
            cursor.executemany(
                f'INSERT INTO "{table.name}" ({_names(columns)}) VALUES ({", ".join(mark for _ in columns)})', values)
            return
        with cursor.copy(f'COPY "{table.name}" ({_names(columns)}) FROM STDIN') as copy:
            for row in values:
                copy.write_row(row)


def insert_encoded(target: Any, dialect: str, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert rows in SQLite's stored form (JSON text, naive UTC timestamp text) in one driver call."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return
    columns = list(columns)
    with _cursor(target) as cursor:
        if dialect == "sqlite":
            mark = _mark(dialect)
            cursor.executemany(
                f'INSERT INTO "{table.name}" ({_names(columns)}) VALUES ({", ".join(mark for _ in columns)})', rows)
            return
        stamps = [i for i, name in enumerate(columns) if name in TIMESTAMP_COLUMNS]
        with cursor.copy(f'COPY "{table.name}" ({_names(columns)}) FROM STDIN') as copy:
            for row in rows:
                if stamps:
                    row = list(row)
                    for i in stamps:
                        if row[i] is not None:
                            row[i] = f"{row[i]}+00"
                copy.write_row(row)


_one_row_sql: dict[tuple, tuple[str, Callable[[dict], list]]] = {}


def insert_one(cursor: Any, dialect: str, table: Table, row: dict) -> int:
    """Insert one dict row on a DB-API cursor; its new primary key. The statement is cached per column set."""
    key = (dialect, table.name, tuple(row))
    statement = _one_row_sql.get(key)
    if statement is None:
        mark = _mark(dialect)
        sql = f'INSERT INTO "{table.name}" ({_names(row)}) VALUES ({", ".join(mark for _ in row)})'
        if dialect != "sqlite":
            sql += " RETURNING id"
        statement = _one_row_sql[key] = (sql, row_encoder(dialect, table, list(row)))
    sql, encode = statement
    try:
        cursor.execute(sql, encode(row))
    except _driver_integrity_error(cursor) as exc:
        raise sa_exc.IntegrityError(f"INSERT INTO {table.name}", None, exc) from exc
    return cursor.lastrowid if dialect == "sqlite" else cursor.fetchone()[0]


_many_sql: dict[tuple, tuple[str, Callable[[dict], list]]] = {}


def insert_few(cursor: Any, dialect: str, table: Table, rows: Sequence[dict]) -> None:
    """Insert a few dict rows on a DB-API cursor with one cached ``executemany`` (no COPY set-up)."""
    if not rows:
        return
    columns = tuple(rows[0])
    key = (dialect, table.name, columns)
    statement = _many_sql.get(key)
    if statement is None:
        mark = _mark(dialect)
        sql = f'INSERT INTO "{table.name}" ({_names(columns)}) VALUES ({", ".join(mark for _ in columns)})'
        statement = _many_sql[key] = (sql, row_encoder(dialect, table, list(columns)))
    sql, encode = statement
    try:
        cursor.executemany(sql, [encode(row) for row in rows])
    except _driver_integrity_error(cursor) as exc:
        raise sa_exc.IntegrityError(f"INSERT INTO {table.name}", None, exc) from exc
