"""Every row of an archive's database, checked with the ORM's value rules before anything is imported.

SQLite keeps whatever a row holds (a column declared JSON or DATETIME takes any text, a number or
bytes), so an archive's database can hold attributes ``{not json``, a bare ``NaN``, a ctime
``yesterday`` or a 10 MiB label. One such row in a profile makes every ``attributes.*`` query of the
profile fail, so every column of every table an import writes is checked here with the functions the
ORM itself uses (:mod:`jupyter_prov.orm.validation`, :func:`jupyter_prov.orm.links.validate_label`,
:func:`jupyter_prov.storage.file_tree.parse_tree`): one code path, the same rules, whether the row
comes from a kernel or from an archive. The first bad row is reported on one line naming the table,
the row (uuid, else id), the column and the rule.

Values are also brought to the form the ORM writes: JSON as the compact text of
:func:`jupyter_prov.storage.json_text.dumps` (which PostgreSQL reads back as the same floats), times
as naive-UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` text (an archive's convention; a time with an offset is
converted). A row whose text differs from that form is rewritten in the archive's temporary database
(never in the archive file), so the importer can keep copying the stored text without a JSON round
trip; our own exports are in that form already, and nothing is rewritten for them.

Cost (110,000 nodes, 157,000 links, small attributes; see ``benchmarks/archive_import_validation.py``):
one pass over the rows, ~2-4 µs per node for parsing and re-encoding its attributes and extras.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..orm import validation
from ..orm.exceptions import OrmError
from ..orm.links import LinkType, validate_label
from ..storage.file_tree import FileTreeError, parse_tree
from ..storage.json_text import dumps
from .format import ArchiveIntegrityError

#: an AiiDA node type string kept as is (``data.core.array.ArrayData.``, ``data.pseudo.upf.UpfData.``)
_AIIDA_NODE_TYPE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*\.)+$")
_NODE_HASH = re.compile(r"^[0-9a-f]{64}$")
_CANONICAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")
_BATCH = 2000


class RowError(ValueError):
    """A value of a row that the ORM's rules refuse (the message says which rule)."""


class NotUtf8Text(bytes):
    """Text of a row that is not UTF-8 (kept as its bytes, refused by every text check)."""


def _text_factory(raw: bytes) -> str | NotUtf8Text:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return NotUtf8Text(raw)


# ---- one check per kind of column; each returns the value in the form the ORM writes -------------------
def _json(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise RowError(f"JSON text expected, got {validation.short_repr(value)} ({type(value).__name__})")
    limit = validation.max_json_bytes()
    if len(value) > limit // 4 and len(value.encode("utf-8", "surrogatepass")) > limit:
        raise RowError(f"{len(value):,} characters of JSON, more than the limit of {limit:,} bytes "
                       f"(profile option {validation.PROFILE_OPTION!r})")

    def no_constant(name: str) -> Any:
        raise RowError(f"{name} is not JSON")

    try:
        parsed = json.loads(value, parse_constant=no_constant)
    except RecursionError:
        raise RowError(f"nested deeper than {validation.MAX_DEPTH} levels") from None
    except RowError:
        raise
    except ValueError as exc:
        raise RowError(f"not JSON ({str(exc)[:100]})") from None
    if type(parsed) is not dict:
        raise RowError(f"a JSON object expected, got {type(parsed).__name__}")
    text = dumps(validation.clean_json(parsed, ""))
    return value if text == value else text


def _time(value: Any, what: str) -> str:
    if isinstance(value, str) and _CANONICAL_TIME.match(value):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise RowError(f"{validation.short_repr(value)} is not a valid time") from None
        return value
    if not isinstance(value, str) or len(value) > 64:
        raise RowError(f"an ISO 8601 time expected, got {validation.short_repr(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"an ISO 8601 time expected, got {validation.short_repr(value)}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.isoformat(" ", "microseconds")


def _orm(check: Callable[..., Any]) -> Callable[[Any, str], Any]:
    def run(value: Any, what: str) -> Any:
        check(value, what=what)
        return value
    return run


def _non_empty_label(value: Any, what: str) -> str:
    validation.check_label(value, what=what)
    if not value.strip():
        raise RowError("must not be empty")
    return value


def _short_text(maximum: int) -> Callable[[Any, str], str]:
    def run(value: Any, what: str) -> str:
        if isinstance(value, str) and len(value) > maximum:
            raise RowError(f"is {len(value):,} characters long; at most {maximum} are allowed")
        validation.check_label(value, what=what)
        return value
    return run


def _email(value: Any, what: str) -> str:
    _short_text(254)(value, what)
    if "@" not in value:
        raise RowError(f"{validation.short_repr(value)} is not an email address")
    return value


def _node_type(value: Any, what: str) -> str:
    if isinstance(value, str) and len(value) <= validation.TYPE_STRING_MAX and _AIIDA_NODE_TYPE.match(value):
        return value  # an AiiDA type string the conversion kept (it loads as a plain data or process node)
    validation.check_node_type(value, what=what)
    return value


def _node_hash(value: Any, what: str) -> Any:
    if value is not None and not (isinstance(value, str) and _NODE_HASH.match(value)):
        raise RowError(f"a sha256 hex digest or NULL expected, got {validation.short_repr(value)}")
    return value


def _tree(value: Any, what: str) -> str:
    if value is None:
        raise RowError("a file tree (JSON object) expected, got NULL")
    if not isinstance(value, str):
        raise RowError(f"JSON text expected, got {type(value).__name__}")
    if value == "{}":
        return value
    try:
        tree = parse_tree(value, what="file tree")
    except RecursionError:
        raise RowError("nested too deep") from None
    text = dumps(tree)
    return value if text == value else text


def _pk(value: Any, what: str) -> Any:
    return validation.check_pk(value, what=what)


def _optional_pk(value: Any, what: str) -> Any:
    return None if value is None else validation.check_pk(value, what=what)


def _link_label(value: Any, what: str) -> str:
    validate_label(value)
    return value


_LINK_TYPES = frozenset(t.value for t in LinkType)


def _link_type(value: Any, what: str) -> str:
    if value not in _LINK_TYPES:
        raise RowError(f"unknown link type {validation.short_repr(value)} (known: {', '.join(sorted(_LINK_TYPES))})")
    return value


_label = _orm(validation.check_label)
_description = _orm(validation.check_description)
_uuid = _orm(validation.check_uuid)
_process_type = _orm(validation.check_process_type)

#: table -> (column naming the row in messages, {column: check}); every column the importer writes
RULES: dict[str, tuple[str, dict[str, Callable[[Any, str], Any]]]] = {
    "db_user": ("email", {"id": _pk, "email": _email, "first_name": _short_text(254), "last_name": _short_text(254),
                          "institution": _short_text(254)}),
    "db_computer": ("uuid", {"id": _pk, "uuid": _uuid, "label": _non_empty_label, "hostname": _label,
                             "description": _description, "scheduler_type": _label, "transport_type": _label,
                             "metadata": _json}),
    "db_node": ("uuid", {"id": _pk, "uuid": _uuid, "node_type": _node_type, "process_type": _process_type,
                         "label": _label, "description": _description, "ctime": _time, "mtime": _time,
                         "user_id": _pk, "computer_id": _optional_pk, "attributes": _json, "extras": _json,
                         "repository_metadata": _tree, "node_hash": _node_hash}),
    "db_link": ("id", {"id": _pk, "input_id": _pk, "output_id": _pk, "label": _link_label, "type": _link_type}),
    "db_group": ("uuid", {"id": _pk, "uuid": _uuid, "label": _non_empty_label, "type_string": _label, "time": _time,
                          "description": _description, "extras": _json, "user_id": _pk}),
    "db_group_node": ("id", {"id": _pk, "group_id": _pk, "node_id": _pk}),
    "db_comment": ("uuid", {"id": _pk, "uuid": _uuid, "node_id": _pk, "ctime": _time, "mtime": _time,
                            "user_id": _pk, "content": _description}),
    "db_log": ("uuid", {"id": _pk, "uuid": _uuid, "time": _time, "loggername": _label,
                        "levelname": _short_text(50), "node_id": _pk, "message": _description, "metadata": _json}),
}


def _row_name(table: str, key: str, row: tuple, columns: list[str]) -> str:
    value = row[columns.index(key)]
    if key != "id" and isinstance(value, str) and len(value) <= 64 and value.isprintable():
        return f"{table} row {key} {value} (id {row[0]!r})"
    return f"{table} row id {row[0]!r}"


def check_rows(database: Path, archive_path: Path | str) -> int:
    """Check every row of the archive database ``database`` (rewriting values to the ORM's form); rows rewritten.

    Raises :class:`ArchiveIntegrityError`: ``archive <file>: db_node row uuid <uuid> (id 7), column ctime:
    an ISO 8601 time expected, got 'yesterday'; nothing was imported``.
    """
    reader = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    reader.text_factory = _text_factory
    rewritten = 0
    updates: dict[str, list[tuple]] = {}
    try:
        for table, (key, checks) in RULES.items():
            columns = list(checks)
            cursor = reader.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    changed = None
                    for i, column in enumerate(columns):
                        value = row[i]
                        try:
                            new = checks[column](value, column)
                        except (RowError, OrmError, FileTreeError, ValueError, TypeError, OverflowError) as exc:
                            raise ArchiveIntegrityError(
                                f"archive {archive_path}: {_row_name(table, key, row, columns)}, column {column}: "
                                f"{_message(exc, column)}; nothing was imported") from None
                        if new is not value:
                            changed = changed or {}
                            changed[column] = new
                    if changed:
                        updates.setdefault(table, []).append((row[0], changed))
    except sqlite3.DatabaseError as exc:
        raise ArchiveIntegrityError(f"archive {archive_path}: its database cannot be read ({exc})") from None
    finally:
        reader.close()
    if updates:
        writer = sqlite3.connect(database, isolation_level=None)
        try:
            writer.execute("BEGIN")
            for table, rows in updates.items():
                for pk, changed in rows:
                    assignments = ", ".join(f"{column} = ?" for column in changed)
                    writer.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*changed.values(), pk))
                    rewritten += 1
            writer.execute("COMMIT")
        finally:
            writer.close()
    return rewritten


def _message(exc: Exception, column: str) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    for prefix in (f"{column}: ", f"{column} ", "file tree: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text
