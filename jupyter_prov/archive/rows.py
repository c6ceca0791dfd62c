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

Cost, measured with ``benchmarks/archive_import_validation.py --without-checks`` (110,000 nodes,
157,000 links, 200,000 files, SQLite, load 9-12): these checks and the merge checks take 2.1 s of
CPU of a 15.2 s import (3.2 s of 8.9 s when every node exists already), ~18 µs per node, most of it
decoding, cleaning and re-encoding attributes (~5 µs) and parsing file trees (~4 µs). What made it
that small: id columns are checked by SQLite storage class (INTEGER is exactly what ``check_pk``
takes), columns with few distinct values (node types, users, labels, extras) once per value, the
rest row by row with one shared JSON decoder; a first version that called every check on every
value took ~30 µs per node.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Collection
from datetime import datetime, timezone
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from ..errors import ArchiveError
from ..orm import validation
from ..orm.exceptions import OrmError
from ..orm.links import LinkType, validate_label
from ..storage.file_tree import FileTreeError, iter_keys, parse_tree
from ..storage.json_text import dumps
from .format import ArchiveIntegrityError

#: an AiiDA node type string kept as is (``data.core.array.ArrayData.``, ``data.pseudo.upf.UpfData.``)
_AIIDA_NODE_TYPE = re.compile(r"\A([A-Za-z_][A-Za-z0-9_]*\.)+\Z")
_NODE_HASH = re.compile(r"\A[0-9a-f]{64}\Z")  # \Z: "$" also matches before a final newline
_BATCH = 2000
Check = Callable[[Any, str], Any]


class RowError(ArchiveError, ValueError):
    """A value of a row that the ORM's rules refuse (the message says which rule)."""


class NotUtf8Text(bytes):
    """Text of a row that is not UTF-8 (kept as its bytes, refused by every text check)."""

    def __repr__(self) -> str:
        return f"text that is not UTF-8 ({bytes(self)[:40]!r})"


def _text_factory(raw: bytes) -> str | NotUtf8Text:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return NotUtf8Text(raw)


# ---- one check per kind of column; each returns the value in the form the ORM writes -------------------
def _no_constant(name: str) -> Any:
    raise RowError(f"{name} is not JSON")


#: the size limit of JSON columns, read from the profile once per :func:`check_rows`
_json_limit = [validation.DEFAULT_MAX_JSON_BYTES]
#: one decoder for every row (``json.loads`` with arguments builds a new one per call)
_decode = json.JSONDecoder(parse_constant=_no_constant).decode


def _json(value: Any, what: str) -> str:
    return json_object(value, what)[0]


def json_object(value: Any, what: str) -> tuple[str, dict]:
    """The JSON-object text ``value`` in the form the ORM writes, and the object it holds."""
    if value.__class__ is not str:
        raise RowError(f"JSON text expected, got {validation.short_repr(value)} ({type(value).__name__})")
    if value == "{}":
        return value, {}
    limit = _json_limit[0]
    if len(value) > limit // 4 and len(value.encode("utf-8", "surrogatepass")) > limit:
        raise RowError(f"{len(value):,} characters of JSON, more than the limit of {limit:,} bytes "
                       f"(profile option {validation.PROFILE_OPTION!r})")
    canonical = _canonical_json(value)
    if canonical is not None:
        return value, canonical
    try:
        parsed = _decode(value)
    except RecursionError:
        raise RowError(f"nested deeper than {validation.MAX_DEPTH} levels") from None
    except RowError:
        raise
    except ValueError as exc:
        raise RowError(f"not JSON ({str(exc)[:100]})") from None
    if type(parsed) is not dict:
        raise RowError(f"a JSON object expected, got {type(parsed).__name__}")
    cleaned = validation.clean_json(parsed, "")
    text = dumps(cleaned)
    return (value if text == value else text), cleaned


#: the C scanner and encoder of :mod:`json`, called directly (``json.loads`` and ``json.dumps`` build a
#: decoder or an encoder per call, which costs as much as parsing a small object)
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in __init__; typeshed omits it
_encode = c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, False)
#: 19 digits in a row: in canonical text only an int outside the signed 64-bit range (or a string) has them
_LONG_DIGITS = re.compile(r"[0-9]{19}").search


def _canonical_json(value: str) -> dict | None:
    """The object ``value`` holds if it is in exactly the text :func:`_json` would write and within every
    rule, else None.

    The fast path of :func:`_json` (half its time for our own exports): the text parses, is an object,
    and is its own compact encoding, so it is what ``dumps(clean_json(parsed))`` gives unless a rule
    of :func:`~jupyter_prov.orm.validation.clean_json` refuses the value. Those rules are visible in
    such text: NaN and infinity do not encode (``allow_nan=False``); NUL is written ``\\u0000``; an
    int outside 64 bits has 19 or more digits in a row (a float's shortest repr has at most 17); nesting
    needs as many brackets as levels; ``e+`` marks a float that :func:`dumps` writes differently.
    Whatever looks like any of these, false positives included, takes the full path, which decides.
    """
    if "\\u0000" in value or "e+" in value:
        return None
    if len(value) > 2 * _MAX_DEPTH and value.count("{") + value.count("[") > _MAX_DEPTH:
        return None  # (a level takes two characters at least, so shorter text is never too deep)
    try:
        parsed, end = _scan(value, 0)
        if end != len(value) or parsed.__class__ is not dict or "".join(_encode(parsed, 0)) != value:
            return None
    except (StopIteration, ValueError, TypeError, RecursionError):
        return None
    for item in parsed.values():
        kind = item.__class__
        if kind is int:
            if not _INT_MIN <= item <= _INT_MAX:
                return None
        elif kind is dict or kind is list:  # nested: look for long ints in the text
            return parsed if _LONG_DIGITS(value) is None else None
    return parsed


_MAX_DEPTH, _INT_MIN, _INT_MAX = validation.MAX_DEPTH, validation.INT_MIN, validation.INT_MAX


def _time(value: Any, what: str) -> str:
    if value.__class__ is str and _ARCHIVE_TIME(value):  # the form archives hold (naive UTC, microseconds)
        try:
            _fromisoformat(value)
        except ValueError:
            raise RowError(f"{validation.short_repr(value)} is not a valid time") from None
        return value  # that shape, once it parses, is its own isoformat(" ", "microseconds")
    if not isinstance(value, str) or len(value) > 64:
        raise RowError(f"an ISO 8601 time expected, got {validation.short_repr(value)}")
    try:
        parsed = _fromisoformat(value)
    except ValueError:
        raise RowError(f"an ISO 8601 time expected, got {validation.short_repr(value)}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.isoformat(" ", "microseconds")


_ARCHIVE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}").fullmatch
_fromisoformat = datetime.fromisoformat


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
    if value.endswith("\n"):  # check_node_type's pattern ends in "$", which also matches before a final newline
        raise RowError(f"must be a dotted type string such as 'data.int', got {validation.short_repr(value)}")
    return value


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch


def _uuid(value: Any, what: str) -> str:
    if value.__class__ is str and _UUID_TEXT(value):
        return value
    validation.check_uuid(value, what=what)  # the message for what it refuses
    raise RowError(f"must be a UUID like 3f2a9c1e-0b7d-4c55-9e21-6a0f1c2d3e4f, got {validation.short_repr(value)}")


def _node_hash(value: Any, what: str) -> Any:
    if value is not None and not (isinstance(value, str) and _NODE_HASH.match(value)):
        raise RowError(f"a sha256 hex digest or NULL expected, got {validation.short_repr(value)}")
    return value


def _tree(value: Any, what: str) -> str:
    if value.__class__ is str:
        if value == "{}":
            return value
        one = _ONE_FILE(value)  # one plain name (most trees that are not empty): one match in C
        if one is not None:
            keys = _file_keys[0]
            if keys is not None:
                keys.add(one.group(1))
            return value
    elif value is None:
        raise RowError("a file tree (JSON object) expected, got NULL")
    else:
        raise RowError(f"JSON text expected, got {type(value).__name__}")
    keys = _file_keys[0]
    flat = _flat_tree_keys(value)  # one folder of plain names: no JSON parse at all
    if flat is not None:
        if keys is not None:
            keys.update(flat)
        return value
    tree = parse_tree(value, what="file tree")  # names checked; a name that occurs twice refused (json.loads hides it)
    if keys is not None:
        for key in tree.values():
            if key.__class__ is str:
                keys.add(key)
            else:
                keys.update(iter_keys(key))
    return value  # valid JSON text; JSON columns of both databases take it as it is


#: a plain name: 1-255 printable ASCII characters but ``"``, ``\`` and ``/``, not ``.`` or ``..`` (the JSON
#: text of such a name is the name itself: no escapes)
_PLAIN_NAME = r'(?!\.\.?")[ !#-.0-\[\]-~]{1,255}'
_PLAIN_ENTRY = rf'"{_PLAIN_NAME}":"[0-9a-f]{{64}}"'
#: a tree of one plain name and its sha256 key, in compact JSON; group 1 is the key
_ONE_FILE = re.compile(rf'\{{"{_PLAIN_NAME}":"([0-9a-f]{{64}})"\}}').fullmatch
#: one folder of plain names and their keys, in compact JSON
_FLAT_TREE = re.compile(rf'\{{{_PLAIN_ENTRY}(?:,{_PLAIN_ENTRY})*\}}').fullmatch


def _flat_tree_keys(value: str) -> list[str] | None:
    """The keys of ``value`` if it is one folder of plain names in compact JSON (most trees), else None.

    Plain: 1-255 printable ASCII characters without ``"``, ``\\`` or ``/`` (so the text has no escapes
    and a JSON decoder would change nothing), not ``.`` or ``..``, no name twice, every value a sha256
    key. A strict subset of what :func:`~jupyter_prov.storage.file_tree.parse_tree` accepts (its own
    fast path takes any ASCII name without ``/`` or NUL); anything else returns None and takes
    ``parse_tree``, which decides and names the problem. The shape is one regular expression (in C);
    without a quote inside a name or key, the text split at ``"`` is ``['{', name, ':', key, ',', name,
    ':', key, '}']``, which gives the names (to find one given twice) and the keys.
    """
    if _FLAT_TREE(value) is None:
        return None
    parts = value.split('"')
    names = parts[1::4]
    if len(set(names)) != len(names):
        return None
    return parts[3::4]


#: the set :func:`check_rows` collects the repository keys of file trees into (None: not collected)
_file_keys: list[set[str] | None] = [None]


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
_process_type = _orm(validation.check_process_type)

#: every column the importer writes, per table: (column naming a row in messages, id columns (True: may be
#: NULL), columns checked once per distinct value, columns checked row by row)
RULES: dict[str, tuple[str, dict[str, bool], dict[str, Check], dict[str, Check]]] = {
    "db_user": ("email", {"id": False}, {},
                {"email": _email, "first_name": _short_text(254), "last_name": _short_text(254),
                 "institution": _short_text(254)}),
    "db_computer": ("uuid", {"id": False}, {},
                    {"uuid": _uuid, "label": _non_empty_label, "hostname": _label, "description": _description,
                     "scheduler_type": _label, "transport_type": _label, "metadata": _json}),
    "db_node": ("uuid", {"id": False, "user_id": False, "computer_id": True},
                {"node_type": _node_type, "process_type": _process_type, "label": _label,
                 "description": _description, "extras": _json},
                {"uuid": _uuid, "ctime": _time, "mtime": _time, "attributes": _json, "repository_metadata": _tree}),
    "db_link": ("id", {"id": False, "input_id": False, "output_id": False}, {"label": _link_label, "type": _link_type},
                {}),
    "db_group": ("uuid", {"id": False, "user_id": False}, {},
                 {"uuid": _uuid, "label": _non_empty_label, "type_string": _label, "time": _time,
                  "description": _description, "extras": _json}),
    "db_group_node": ("id", {"id": False, "group_id": False, "node_id": False}, {}, {}),
    "db_comment": ("uuid", {"id": False, "node_id": False, "user_id": False}, {},
                   {"uuid": _uuid, "ctime": _time, "mtime": _time, "content": _description}),
    "db_log": ("uuid", {"id": False, "node_id": False}, {"loggername": _label, "levelname": _short_text(50)},
               {"uuid": _uuid, "time": _time, "message": _description, "metadata": _json}),
}


_HEX = "[0-9a-f]"
#: columns whose every valid value an SQL condition recognises (in SQLite's C, without fetching the
#: rows): only the rows it does not recognise go through the Python check, which refuses them. The
#: conditions are stricter than the checks (text without NUL, one byte per character: ``length`` stops
#: at a NUL, ``CAST AS BLOB`` counts bytes), never looser.
SQL_CHECKED: dict[str, dict[str, tuple[str, Check]]] = {
    table: {"uuid": (f"typeof(uuid) = 'text' AND length(uuid) = 36 AND length(CAST(uuid AS BLOB)) = 36 AND uuid GLOB "
                     f"'{_HEX * 8}-{_HEX * 4}-{_HEX * 4}-{_HEX * 4}-{_HEX * 12}'", _uuid)}
    for table in ("db_computer", "db_node", "db_group", "db_comment", "db_log")
}
SQL_CHECKED["db_node"]["node_hash"] = (
    "node_hash IS NULL OR (typeof(node_hash) = 'text' AND length(node_hash) = 64 "
    "AND length(CAST(node_hash AS BLOB)) = 64 AND NOT node_hash GLOB '*[^0-9a-f]*')", _node_hash)
for _table, _columns in SQL_CHECKED.items():
    for _column in _columns:
        RULES[_table][3].pop(_column, None)


class _Refused(ArchiveError):
    def __init__(self, table: str, column: str, where: str, params: tuple, exc: Exception):
        self.table, self.column, self.where, self.params, self.exc = table, column, where, params, exc


#: columns of ``db_node`` an import checks in its own single read of each row (:class:`NewNodeChecks`), so
#: :func:`check_rows` skips them when told (``import_reads``): the UUID while nodes are matched to the
#: stored ones, the rest while new nodes are written. Read once instead of twice: ~2 µs per node.
IMPORT_READS = ("uuid", "node_hash", "ctime", "mtime", "attributes")


def check_rows(database: Path, archive_path: Path | str, file_keys: set[str] | None = None,
               stored_nodes: Collection[int] = (), *, import_reads: bool = False) -> int:
    """Check every row of the archive database ``database`` (rewriting values to the ORM's form); rows rewritten.

    ``file_keys``, if given, receives every repository key the nodes' file trees name (parsed here
    anyway, so the later steps need not parse them again). ``stored_nodes``: ids of ``db_node`` rows
    whose node the target stores already; an import reads only their UUID, node type and extras (the
    stored node keeps everything else), so their other columns are not checked (nor their keys collected).
    ``import_reads``: the columns :data:`IMPORT_READS` of ``db_node`` are left to the importer, which
    checks them with :class:`NewNodeChecks` as it reads each row (every other path checks them here).

    Raises :class:`ArchiveIntegrityError`: ``archive <file>: db_node row uuid <uuid> (id 7), column ctime:
    an ISO 8601 time expected, got 'yesterday'; nothing was imported``.

    Three ways to one set of rules, chosen for speed only: an id column is an int of SQLite's 64-bit
    INTEGER storage class exactly when :func:`~jupyter_prov.orm.validation.check_pk` takes it, so only
    its other values are looked at; a column of few distinct values (node types, users, empty extras)
    is checked once per distinct value (``SELECT DISTINCT``: values of different storage classes stay
    apart, text compares byte by byte; half the instructions of a ``GROUP BY``, which sorts every row);
    the rest row by row.
    """
    _json_limit[0] = validation.max_json_bytes()
    _file_keys[0] = file_keys
    reader = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    updates: list[tuple[str, str, tuple]] = []
    skip = json.dumps(sorted(stored_nodes)) if stored_nodes else None
    try:
        try:
            _check_all(reader, updates, skip, import_reads)
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc).lower():
                raise
            reader.text_factory = _text_factory  # text that is not UTF-8: find its row the slow way
            _check_all(reader, updates, skip, import_reads)
    except _Refused as refused:
        raise ArchiveIntegrityError(
            f"archive {archive_path}: {_name_row(reader, refused)}, column {refused.column}: "
            f"{_message(refused.exc, refused.column)}; nothing was imported") from None
    except sqlite3.DatabaseError as exc:
        raise ArchiveIntegrityError(f"archive {archive_path}: its database cannot be read ({exc})") from None
    finally:
        reader.close()
        _file_keys[0] = None
    if updates:
        _rewrite(database, updates)
    return len(updates)


def _rewrite(database: Path, updates: list[tuple[str, str, tuple]]) -> None:
    """Write the values brought to the ORM's form: by rowid, or (distinct values) through a mapping table."""
    by_rowid: dict[tuple[str, str], list[tuple]] = {}
    by_value: dict[tuple[str, str], list[tuple]] = {}
    for kind_table, column, params in updates:
        kind, table = kind_table.split(":", 1)
        (by_rowid if kind == "rowid" else by_value).setdefault((table, column), []).append(params)
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN")
        for (table, column), rows in by_rowid.items():
            writer.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", rows)
        for (table, column), pairs in by_value.items():
            writer.execute("CREATE TEMP TABLE jprov_rewrite (old PRIMARY KEY, new)")
            writer.executemany("INSERT INTO jprov_rewrite (new, old) VALUES (?, ?)", pairs)
            writer.execute(f"UPDATE {table} SET {column} = (SELECT new FROM jprov_rewrite WHERE old = {table}.{column}) "
                           f"WHERE {column} IN (SELECT old FROM jprov_rewrite)")
            writer.execute("DROP TABLE jprov_rewrite")
        writer.execute("COMMIT")
    finally:
        writer.close()


_ERRORS = (RowError, OrmError, FileTreeError, ValueError, TypeError, OverflowError)


def _check_all(reader: sqlite3.Connection, updates: list[tuple[str, str, tuple]], skip: str | None = None,
               import_reads: bool = False) -> None:
    updates.clear()
    if _file_keys[0] is not None:
        _file_keys[0].clear()
    for table, (_key, ids, distinct, per_row) in RULES.items():
        for column, nullable in ids.items():
            condition = f"typeof({column}) != 'integer'" + (f" AND {column} IS NOT NULL" if nullable else "")
            row = reader.execute(f"SELECT id, {column} FROM {table} WHERE {condition} LIMIT 1").fetchone()
            if row is not None:
                try:
                    validation.check_pk(row[1], what=column)
                    raise RowError(f"an int expected, got {validation.short_repr(row[1])}")
                except _ERRORS as exc:
                    raise _Refused(table, column, "rowid = ?", (_rowid(reader, table, column, condition),),
                                   exc) from None
        for column, check in distinct.items():
            for (value,) in reader.execute(f"SELECT DISTINCT {column} COLLATE BINARY FROM {table}"):
                try:
                    new = check(value, column)
                except _ERRORS as exc:
                    where = f"CAST({column} AS BLOB) = ?" if isinstance(value, NotUtf8Text) else f"{column} IS ?"
                    raise _Refused(table, column, where, (value,), exc) from None
                if new is not value:
                    updates.append((f"value:{table}", column, (new, value)))
        for column, (condition, check) in SQL_CHECKED.get(table, {}).items():
            if import_reads and table == "db_node" and column in IMPORT_READS:
                continue
            for rowid, value in reader.execute(f"SELECT rowid, {column} FROM {table} WHERE NOT coalesce({condition}, 0)"):
                try:
                    new = check(value, column)
                except _ERRORS as exc:
                    raise _Refused(table, column, "rowid = ?", (rowid,), exc) from None
                if new is not value:
                    updates.append((f"rowid:{table}", column, (new, rowid)))
        if import_reads and table == "db_node":
            per_row = {column: check for column, check in per_row.items() if column not in IMPORT_READS}
        if not per_row:
            continue
        checks = list(enumerate(per_row.items(), 1))
        if table == "db_node" and skip is not None:  # (id is db_node's rowid: INTEGER PRIMARY KEY, database.py)
            cursor = reader.execute(f"SELECT rowid, {', '.join(per_row)} FROM {table} "
                                    "WHERE rowid NOT IN (SELECT value FROM json_each(?))", (skip,))
        else:
            cursor = reader.execute(f"SELECT rowid, {', '.join(per_row)} FROM {table}")
        while batch := cursor.fetchmany(_BATCH):
            for i, (column, check) in checks:  # column by column: one try and one lookup per column and batch
                row = None
                try:
                    for row in batch:
                        value = row[i]
                        new = check(value, column)
                        if new is not value:
                            updates.append((f"rowid:{table}", column, (new, row[0])))
                except _ERRORS as exc:
                    raise _Refused(table, column, "rowid = ?", (row[0],), exc) from None


#: texts checked once per value when this short (longer ones are checked each time they occur), and at most
#: this many remembered at a time
_MEMO_TEXT = 512
_MEMO_SIZE = 20_000


class NewNodeChecks:
    """The checks of :data:`IMPORT_READS` for the importer, which reads each ``db_node`` row once.

    The same functions and messages as :func:`check_rows`: ``archive <file>: db_node row uuid <uuid>
    (id 7), column ctime: an ISO 8601 time expected, got 'yesterday'; nothing was imported``.
    """

    def __init__(self, archive_path: Path | str):
        self.archive_path = archive_path
        _json_limit[0] = validation.max_json_bytes()
        #: attributes text -> (text in the ORM's form, object): many processes of one kind have the same
        #: attributes, checked once (short texts only, a bounded number: see :data:`_MEMO_TEXT`)
        self._attributes: dict[str, tuple[str, dict]] = {}

    def uuid(self, archive_id: int, value: Any) -> str:
        try:
            return _uuid(value, "uuid")
        except _ERRORS as exc:
            raise self._refused(archive_id, None, "uuid", exc) from None

    def row(self, archive_id: int, uuid: str, ctime: Any, mtime: Any, attributes: Any,
            node_hash: Any) -> tuple[str, str, str, dict]:
        """``(ctime, mtime, attributes text, attributes object)`` in the form the ORM writes, or refused.

        The attributes object may be shared by rows with the same attributes text: read it, never change it.
        """
        column = "ctime"
        try:
            checked = _time(ctime, column)
            if mtime == ctime:  # (most nodes: never changed after they were stored) the same text, the same result
                mtime = checked
            else:
                column = "mtime"
                mtime = _time(mtime, column)
            column = "attributes"
            known = self._attributes.get(attributes) if attributes.__class__ is str else None
            if known is None:
                known = json_object(attributes, column)
                if len(attributes) <= _MEMO_TEXT:
                    if len(self._attributes) >= _MEMO_SIZE:
                        self._attributes.clear()
                    self._attributes[attributes] = known
            column = "node_hash"
            if node_hash is not None and not (node_hash.__class__ is str and _NODE_HASH.match(node_hash)):
                _node_hash(node_hash, column)
        except _ERRORS as exc:
            raise self._refused(archive_id, uuid, column, exc) from None
        return checked, mtime, known[0], known[1]

    def _refused(self, archive_id: int, uuid: Any, column: str, exc: Exception) -> ArchiveIntegrityError:
        if isinstance(uuid, str) and len(uuid) <= 64 and uuid.isprintable():
            row = f"db_node row uuid {uuid} (id {archive_id!r})"
        else:
            row = f"db_node row id {archive_id!r}"
        return ArchiveIntegrityError(f"archive {self.archive_path}: {row}, column {column}: {_message(exc, column)}; "
                                     "nothing was imported")


def _rowid(reader: sqlite3.Connection, table: str, column: str, condition: str) -> int:
    return reader.execute(f"SELECT rowid FROM {table} WHERE {condition} LIMIT 1").fetchone()[0]


def _name_row(reader: sqlite3.Connection, refused: _Refused) -> str:
    """``db_node row uuid <uuid> (id 7)``, or ``db_link row id 12``: the first row the refusal is about."""
    key = RULES[refused.table][0]
    try:
        row = reader.execute(f"SELECT id, {key} FROM {refused.table} WHERE {refused.where} LIMIT 1",
                             refused.params).fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None:
        return f"{refused.table} row"
    if key != "id" and isinstance(row[1], str) and len(row[1]) <= 64 and row[1].isprintable():
        return f"{refused.table} row {key} {row[1]} (id {row[0]!r})"
    return f"{refused.table} row id {row[0]!r}"


def _message(exc: Exception, column: str) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    for prefix in (f"{column}: ", f"{column} ", "file tree: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text
