"""The SQL of versioned records and invalidation (used by :mod:`jupyter_prov.records`), and two named writes of
the notebook writer.

Everything that walks the graph is one recursive CTE over ``db_link`` (and ``db_derivation``), run by the
database, never Python recursion: Braid DB's own recursive walk hits Python's recursion limit on a chain of
~1,200 records; here a 100,000-deep chain is one statement (see benchmarks/results/records.md).

The walk keeps ``(node, via)`` pairs with ``UNION``, which both SQLite and PostgreSQL deduplicate against
every row produced so far: the walk is linear in the edges it crosses, diamonds included, and terminates.
SQLite runs the two kinds of edge as two recursive selects (each uses its index, ``ix_db_link_input_type``
and ``ix_db_derivation_source_id``); PostgreSQL allows one recursive reference only, so its step joins the
walk with the union of both edge tables (its planner pushes the join into both branches).

**Cascade rules** (written down here and in docs/how-to/versioned-records.md):

- forwards along data provenance: a datum to the calculations that took it (``input_calc``), a calculation
  to what it created (``create``), and along record derivations (``db_derivation``, source → target);
- a workflow (or a cell) that took an affected node (``input_work``) or returned one (``return``) is
  *affected*: marked, never walked through (what it returned was created by calculations the walk reaches
  on their own inputs);
- never caller → callee (``call_calc``/``call_work``), never along ``wasRevisionOf`` (a new version of a
  record does not inherit the fault of the old one);
- a version of a frozen record is a boundary: neither marked nor walked through.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Integer, String, bindparam, cast, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import JSONB

from ..storage import bulk, schema
from . import current
from .json_values import clean_json

FORWARD_LINKS = ("input_calc", "create")
BACKWARD_LINKS = ("create", "input_calc")
AFFECTED_LINKS = ("input_work",)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _time_param(name: str = "time"):
    """A bound datetime in raw SQL, encoded as the DateTime columns are (SQLite stores text)."""
    return bindparam(name, type_=schema.validity_events.c.time.type)


def _storage():
    return current.get_storage()


@contextmanager
def write_transaction() -> Iterator[None]:
    """One write transaction of the loaded profile: every record write inside is all or nothing."""
    with _storage().transaction():
        yield


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _row(row) -> dict[str, Any]:
    out = dict(row._mapping)
    for key in ("ctime", "time", "queued_at", "claimed_at", "finished_at"):
        if key in out:
            out[key] = _aware(out[key])
    return out


# ---- the notebook writer's named operations ------------------------------------------------------------
def warm_up_storage() -> None:
    """Open a connection and read one row, so the first recorded cell does not pay for it."""
    with _storage().connection() as conn:
        conn.execute(select(schema.nodes.c.id).limit(1)).all()


def finish_processes(items: Sequence[tuple[Any, dict[str, Any]]]) -> Callable[[], None]:
    """Write the final attributes (outcome, ``sealed``) of many stored, unsealed processes in one statement.

    The rules of the model hold: each node is stored and not sealed, and every key is one its class lets
    change after storing. Run inside the caller's transaction; returns the function that puts the new
    values on the node objects, to be called once that transaction committed.
    """
    if not items:
        return lambda: None
    rows, updates = [], []
    now = _now()
    for node, values in items:
        if not node.is_stored or getattr(node, "is_sealed", False):
            raise ValueError(f"{node!r} is not a stored, unsealed process: its attributes cannot change")
        allowed = type(node).updatable_attributes
        wrong = sorted(set(values) - allowed)
        if wrong:
            raise ValueError(f"{node!r}: attributes {wrong} cannot change after storing")
        cleaned = clean_json(values, f"outcome of {node!r}")
        merged = {**node.attributes, **cleaned}
        rows.append({"id": node.pk, "attributes": merged, "mtime": now})
        updates.append((node, merged))
    _storage().bulk_update(schema.nodes, rows)

    def apply() -> None:
        for node, merged in updates:
            node.take_written_values(merged, now)
    return apply


# ---- records ------------------------------------------------------------------------------------------
def insert_record(values: dict[str, Any]) -> dict[str, Any]:
    values = {"ctime": _now(), "description": "", "metadata": {}, "frozen": False, **values}
    with _storage().transaction() as conn:
        pk = conn.execute(insert(schema.records).values(values).returning(schema.records.c.id)).scalar_one()
    return {**values, "id": pk}


def record_by_name(name: str) -> dict[str, Any] | None:
    with _storage().connection() as conn:
        row = conn.execute(select(schema.records).where(schema.records.c.name == name)).first()
    return _row(row) if row else None


def record_by_id(pk: int) -> dict[str, Any] | None:
    with _storage().connection() as conn:
        row = conn.execute(select(schema.records).where(schema.records.c.id == pk)).first()
    return _row(row) if row else None


def update_record(pk: int, **values: Any) -> None:
    with _storage().transaction() as conn:
        conn.execute(update(schema.records).where(schema.records.c.id == pk).values(**values))


def find_records(kind: str | None = None, tags: dict[str, Any] | None = None,
                 name_like: str | None = None) -> list[dict[str, Any]]:
    """Records by kind, by tags (key *and* value, typed: ``1`` is not ``"1"`` nor ``True``), by name pattern."""
    table = schema.records
    query = select(table).order_by(table.c.name)
    if kind is not None:
        query = query.where(table.c.kind == kind)
    if name_like is not None:
        query = query.where(table.c.name.like(name_like))
    storage = _storage()
    for key, value in (tags or {}).items():
        path = table.c.metadata["tags"][key]
        if storage.dialect == "postgresql":
            query = query.where(path == cast(value, JSONB))  # the bound value is JSON-encoded once, as JSONB
        else:
            where = f'$.tags."{key}"'
            query = query.where(func.json_type(table.c.metadata, where) == _sqlite_json_type(value))
            if isinstance(value, (dict, list)):
                query = query.where(func.json_extract(table.c.metadata, where) == func.json(json.dumps(value)))
            elif value is not None:  # SQLite's json_extract maps true/false to 1/0: the type check tells them apart
                query = query.where(func.json_extract(table.c.metadata, where) == (int(value) if isinstance(value, bool) else value))
    with storage.connection() as conn:
        return [_row(row) for row in conn.execute(query)]


def _sqlite_json_type(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "text"
    return "array" if isinstance(value, list) else "object"


# ---- versions -----------------------------------------------------------------------------------------


def insert_version(values: dict[str, Any], derived_from: Iterable[int] = ()) -> dict[str, Any]:
    """A version row (and the derivation rows of its node), inside the caller's transaction if one is open.

    Written on the transaction's driver cursor (``bulk.insert_one``, as a node is): SQLAlchemy's statement
    machinery cost more than SQLite's insert (about 170 µs of an update's 1 ms)."""
    values = {"ctime": _now(), "actor": "", "previous_node_id": None, "process_id": None, **values}
    storage = _storage()
    with storage.transaction(), storage.write_cursor() as cursor:
        pk = bulk.insert_one(cursor, storage.dialect, schema.record_versions, values)
        if derived_from:
            add_derivations(values["node_id"], derived_from)
    return {**values, "id": pk}


def add_derivations(target: int, sources: Iterable[int]) -> None:
    sources = sorted({int(s) for s in sources} - {target})
    if not sources:
        return
    table = schema.derivations
    with _storage().transaction() as conn:
        existing = set(conn.execute(select(table.c.source_id).where(
            table.c.target_id == target, table.c.source_id.in_(sources))).scalars())
        rows = [{"source_id": s, "target_id": target} for s in sources if s not in existing]
        if rows:
            conn.execute(insert(table), rows)


def derivation_sources(target: int) -> list[int]:
    table = schema.derivations
    with _storage().connection() as conn:
        return list(conn.execute(select(table.c.source_id).where(table.c.target_id == target)
                                 .order_by(table.c.source_id)).scalars())


_V = schema.record_versions
_LATEST = select(_V).where(_V.c.record_id == bindparam("record")).order_by(_V.c.number.desc()).limit(1)
_BY_NUMBER = select(_V).where(_V.c.record_id == bindparam("record"), _V.c.number == bindparam("number"))
_BY_HASH = (select(_V).where(_V.c.record_id == bindparam("record"), _V.c.content_hash == bindparam("digest"))
            .order_by(_V.c.number).limit(1))
_ALL = select(_V).where(_V.c.record_id == bindparam("record")).order_by(_V.c.number)
_AS_OF = (select(_V).where(_V.c.record_id == bindparam("record"), _V.c.ctime <= bindparam("moment"))
          .order_by(_V.c.ctime.desc(), _V.c.number.desc()).limit(1))
# statements built once: SQLAlchemy compiles each once and caches it (building them per call was a third of
# the cost of record.update())


def _one(statement, **params) -> dict[str, Any] | None:
    with _storage().connection() as conn:
        row = conn.execute(statement, params).first()
    return _row(row) if row else None


_VERSION_COLUMNS = ("id", "record_id", "number", "node_id", "previous_node_id", "content_hash", "ctime", "actor",
                    "process_id")
_SINCE = ("SELECT " + ", ".join(_VERSION_COLUMNS) + ", (SELECT count(*) FROM db_record_version "
          "WHERE record_id = {p}) FROM db_record_version WHERE record_id = {p} AND number >= {p} ORDER BY number")
_NUMBER = "SELECT " + ", ".join(_VERSION_COLUMNS) + " FROM db_record_version WHERE record_id = {p} AND number = {p}"


def _driver_row(row: Sequence[Any]) -> dict[str, Any]:
    """A version row read on the driver cursor as ``_row`` gives it (SQLite's datetime text parsed, as UTC)."""
    out = dict(zip(_VERSION_COLUMNS, row))
    ctime = out["ctime"]
    if isinstance(ctime, str):
        ctime = datetime.fromisoformat(ctime)
    out["ctime"] = _aware(ctime)
    return out


class _Hashes:
    """What this process knows of one record's versions: content hash → (number, node) of the oldest version
    with it, the highest number seen and how many rows there were then."""

    __slots__ = ("by_hash", "known", "total")

    def __init__(self) -> None:
        self.by_hash: dict[str, tuple[int, int]] = {}
        self.known = 0
        self.total = 0


#: (database url, record id, record uuid) → _Hashes; the uuid tells a record apart from a later one that got
#: the same id (an emptied profile)
_HASHES: dict[tuple[str, int, str], _Hashes] = {}


def latest_and_match(record_id: int, digest: str, record_uuid: str = "") -> tuple[dict[str, Any] | None,
                                                                                  dict[str, Any] | None]:
    """(the newest version, the oldest version with content hash ``digest``) for ``record.update``.

    One indexed query: the versions numbered from the highest this process saw (usually one row, the newest)
    and the record's row count. There is no index on the content hash, and scanning every version for it was
    most of the cost of an update on a 1,000-version record (0.56 of 1.45 ms, growing with the versions); the
    hashes seen are kept per record instead. Rows added below the highest number (an archive filling a gap) or
    removed (a node deleted) change the count: everything is read again. A cached match is checked against its
    row before it is returned (it is then read by the caller's transaction)."""
    storage = _storage()
    key = (str(storage.url), record_id, record_uuid)
    cache = _HASHES.get(key)
    if cache is None:
        cache = _HASHES[key] = _Hashes()
    since, by_number = (sql.format(p=storage.placeholder) for sql in (_SINCE, _NUMBER))
    with storage.transaction(), storage.write_cursor() as cursor:  # (the driver cursor: see insert_version)
        cursor.execute(since, (record_id, record_id, cache.known))
        rows = cursor.fetchall()
        total = rows[0][-1] if rows else 0
        if total != cache.total + sum(1 for r in rows if r[2] > cache.known):
            cache = _HASHES[key] = _Hashes()
            cursor.execute(since, (record_id, record_id, 0))
            rows = cursor.fetchall()
            total = rows[0][-1] if rows else 0
        for row in rows:
            if row[2] > cache.known:
                cache.by_hash.setdefault(row[5], (row[2], row[3]))
                cache.known, cache.total = row[2], cache.total + 1
        if cache.total != total:  # (rows changed between the two reads: do not trust what was gathered)
            del _HASHES[key]
        if not rows:
            return None, None
        latest = _driver_row(rows[-1][:-1])
        if latest["content_hash"] == digest:
            return latest, latest
        seen = cache.by_hash.get(digest)
        if seen is None:
            return latest, None
        cursor.execute(by_number, (record_id, seen[0]))
        match = cursor.fetchone()
    if match is None or match[3] != seen[1] or match[5] != digest:
        _HASHES.pop(key, None)
        return latest, version_with_hash(record_id, digest)
    return latest, _driver_row(match)


def versions(record_id: int) -> list[dict[str, Any]]:
    with _storage().connection() as conn:
        return [_row(r) for r in conn.execute(_ALL, {"record": record_id})]


def version(record_id: int, number: int) -> dict[str, Any] | None:
    return _one(_BY_NUMBER, record=record_id, number=number)


def latest_version(record_id: int) -> dict[str, Any] | None:
    return _one(_LATEST, record=record_id)


def version_with_hash(record_id: int, digest: str) -> dict[str, Any] | None:
    """The oldest version of the record with content hash ``digest``."""
    return _one(_BY_HASH, record=record_id, digest=digest)


def version_as_of(record_id: int, moment: datetime) -> dict[str, Any] | None:
    return _one(_AS_OF, record=record_id, moment=moment)


def versions_of_nodes(pks: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """node pk → the record versions it is (with the record's name and kind)."""
    pks = sorted(set(pks))
    found: dict[int, list[dict[str, Any]]] = {}
    v, r = schema.record_versions, schema.records
    with _storage().connection() as conn:
        for start in range(0, len(pks), 5000):
            chunk = pks[start:start + 5000]
            rows = conn.execute(select(v, r.c.name, r.c.kind, r.c.metadata).join(r, r.c.id == v.c.record_id)
                                .where(v.c.node_id.in_(chunk)).order_by(v.c.node_id, v.c.id))
            for row in rows:
                found.setdefault(row.node_id, []).append(_row(row))
    return found


# ---- aliases ------------------------------------------------------------------------------------------
def move_alias(record_id: int, alias: str, number: int | None, actor: str) -> None:
    with _storage().transaction() as conn:
        conn.execute(insert(schema.record_aliases).values(
            record_id=record_id, alias=alias, version_number=number, time=_now(), actor=actor))


def alias_target(record_id: int, alias: str, moment: datetime | None = None) -> int | None:
    table = schema.record_aliases
    query = select(table.c.version_number).where(table.c.record_id == record_id, table.c.alias == alias)
    if moment is not None:
        query = query.where(table.c.time <= moment)
    with _storage().connection() as conn:
        row = conn.execute(query.order_by(table.c.id.desc()).limit(1)).first()
    return None if row is None else row[0]


def alias_history(record_id: int) -> list[dict[str, Any]]:
    table = schema.record_aliases
    with _storage().connection() as conn:
        return [_row(r) for r in conn.execute(select(table).where(table.c.record_id == record_id).order_by(table.c.id))]


def current_aliases(record_id: int) -> dict[str, int]:
    aliases: dict[str, int] = {}
    for move in alias_history(record_id):
        if move["version_number"] is None:
            aliases.pop(move["alias"], None)
        else:
            aliases[move["alias"]] = move["version_number"]
    return aliases


# ---- the walk ---------------------------------------------------------------------------------------------
_FROZEN = ("SELECT fv.node_id FROM db_record_version fv JOIN db_record fr ON fr.id = fv.record_id "
           "WHERE fr.frozen = :frozen_true")


def _walk_cte(dialect: str, forwards: bool, *, boundary: bool) -> str:
    """``walk(id, via)``: the nodes reachable from ``seeds(id)`` along the cascade's edges (see the module)."""
    if forwards:
        link_from, link_to, der_from, der_to, types = "input_id", "output_id", "source_id", "target_id", FORWARD_LINKS
    else:
        link_from, link_to, der_from, der_to, types = "output_id", "input_id", "target_id", "source_id", BACKWARD_LINKS
    in_types = ", ".join(f"'{t}'" for t in types)
    stop_link = f" AND l.{link_to} NOT IN ({_FROZEN})" if boundary else ""
    stop_der = f" AND d.{der_to} NOT IN ({_FROZEN})" if boundary else ""
    if dialect == "sqlite":
        step = (f"SELECT l.{link_to}, w.id FROM walk w JOIN db_link l ON l.{link_from} = w.id "
                f"AND l.type IN ({in_types}){stop_link} "
                f"UNION SELECT d.{der_to}, w.id FROM walk w JOIN db_derivation d ON d.{der_from} = w.id{stop_der}")
    else:
        # LATERAL: each step looks the walk's new rows up by index (a plain join with the union of both edge
        # tables was planned as a hash join scanning db_link at every step: minutes on a 100,000-deep chain)
        stop = f" WHERE e.dst NOT IN ({_FROZEN})" if boundary else ""
        step = (f"SELECT e.dst, w.id FROM walk w CROSS JOIN LATERAL ("
                f"SELECT l.{link_to} AS dst FROM db_link l WHERE l.{link_from} = w.id AND l.type IN ({in_types}) "
                f"UNION ALL SELECT d.{der_to} FROM db_derivation d WHERE d.{der_from} = w.id) e{stop}")
    return f"walk(id, via) AS (SELECT id, CAST(NULL AS INTEGER) FROM seeds UNION {step})"


def _seeds_cte(seeds: Sequence[int]) -> tuple[str, dict[str, Any]]:
    params = {f"s{i}": int(pk) for i, pk in enumerate(seeds)}
    values = " UNION ALL ".join(f"SELECT CAST(:s{i} AS INTEGER) AS id" for i in range(len(seeds)))
    return f"seeds(id) AS ({values})", params


def _with_walk(seeds: Sequence[int], forwards: bool, boundary: bool, body: str,
               tail: str = "") -> tuple[Any, dict[str, Any]]:
    """``WITH RECURSIVE seeds, walk`` + ``tail`` (more CTEs and the statement) or ``body`` (the statement)."""
    dialect = _storage().dialect
    seeds_sql, params = _seeds_cte(seeds)
    sql = f"WITH RECURSIVE {seeds_sql}, {_walk_cte(dialect, forwards, boundary=boundary)}{tail} {body}"
    params["frozen_true"] = True
    return text(sql), params


def descendants(seeds: Sequence[int], *, boundary: bool = True) -> list[tuple[int, int | None]]:
    """(node, the node it was reached through) of everything the cascade reaches from ``seeds`` (seeds included)."""
    if not seeds:
        return []
    stmt, params = _with_walk(seeds, True, boundary, "SELECT id, MIN(via) FROM walk GROUP BY id")
    with _storage().connection() as conn:
        return [(row[0], row[1]) for row in conn.execute(stmt, params)]


def ancestors(seeds: Sequence[int]) -> list[int]:
    """Every node the data of ``seeds`` came from (backwards along create, input_calc and derivations)."""
    if not seeds:
        return []
    stmt, params = _with_walk(seeds, False, False, "SELECT DISTINCT id FROM walk")
    with _storage().connection() as conn:
        return sorted(row[0] for row in conn.execute(stmt, params) if row[0] not in set(seeds))


def ancestor_versions(seeds: Sequence[int]) -> list[dict[str, Any]]:
    """The record versions among the ancestors of ``seeds`` (with record name, kind, metadata, node type)."""
    if not seeds:
        return []
    body = ("SELECT v.node_id, v.record_id, v.number, r.name, r.kind, r.metadata, n.node_type, "
            "(SELECT MAX(v2.number) FROM db_record_version v2 WHERE v2.record_id = v.record_id) AS newest "
            "FROM (SELECT DISTINCT id FROM walk) a JOIN db_record_version v ON v.node_id = a.id "
            "JOIN db_record r ON r.id = v.record_id JOIN db_node n ON n.id = v.node_id "
            "WHERE a.id NOT IN (" + ", ".join(f":s{i}" for i in range(len(seeds))) + ") ORDER BY r.name, v.number")
    stmt, params = _with_walk(seeds, False, False, body)
    with _storage().connection() as conn:
        rows = []
        for row in conn.execute(stmt, params):
            item = dict(row._mapping)
            if isinstance(item["metadata"], str):
                item["metadata"] = json.loads(item["metadata"])
            rows.append(item)
    return rows


def data_ancestors(seeds: Sequence[int]) -> list[dict[str, Any]]:
    """The data nodes among the ancestors (pk, uuid, node type, label)."""
    if not seeds:
        return []
    body = ("SELECT n.id, n.uuid, n.node_type, n.label FROM (SELECT DISTINCT id FROM walk) a "
            "JOIN db_node n ON n.id = a.id WHERE n.process_type IS NULL AND a.id NOT IN ("
            + ", ".join(f":s{i}" for i in range(len(seeds))) + ") ORDER BY n.id")
    stmt, params = _with_walk(seeds, False, False, body)
    with _storage().connection() as conn:
        return [dict(row._mapping) for row in conn.execute(stmt, params)]


def descendant_versions(seeds: Sequence[int], record_id: int) -> list[int]:
    """Version numbers of record ``record_id`` whose nodes the cascade reaches from ``seeds``."""
    if not seeds:
        return []
    body = ("SELECT DISTINCT v.number FROM walk a JOIN db_record_version v ON v.node_id = a.id "
            "WHERE v.record_id = :record ORDER BY v.number")
    stmt, params = _with_walk(seeds, True, False, body)
    params["record"] = record_id
    with _storage().connection() as conn:
        return [row[0] for row in conn.execute(stmt, params)]


def impact(seeds: Sequence[int]) -> dict[str, Any]:
    """What invalidating ``seeds`` would mark: counts by node type, records, cells and notebooks, affected workflows.

    One statement: the walk is materialised once and joined three ways (the nodes with their record versions,
    the workflows that took them, the processes that returned them).
    """
    body = (
        ", reached AS MATERIALIZED (SELECT DISTINCT id FROM walk) "
        "SELECT 'node' AS what, n.id, n.node_type, r.name, v.number, "
        "CASE WHEN n.node_type = 'process.cell' THEN n.attributes END AS attributes "
        "FROM reached a JOIN db_node n ON n.id = a.id "
        "LEFT JOIN db_record_version v ON v.node_id = n.id LEFT JOIN db_record r ON r.id = v.record_id "
        "UNION ALL SELECT 'affected', l.output_id, NULL, NULL, NULL, NULL FROM reached a "
        "JOIN db_link l ON l.input_id = a.id AND l.type = 'input_work' "
        "UNION ALL SELECT 'affected', l.input_id, NULL, NULL, NULL, NULL FROM reached a "
        "JOIN db_link l ON l.output_id = a.id AND l.type = 'return'")
    stmt, params = _with_walk(seeds, True, True, "", tail=body)
    stmt = stmt.columns(what=String, id=Integer, node_type=String, name=String, number=Integer,
                        attributes=schema.JsonType)
    by_type: dict[str, int] = {}
    records: dict[str, set[int]] = {}
    notebooks: dict[str, int] = {}
    cells, affected = [], set()
    seen: set[int] = set()
    with _storage().connection() as conn:
        for what, pk, node_type, name, number, attributes in conn.execute(stmt, params):
            if what == "affected":
                affected.add(pk)
                continue
            if name is not None:
                records.setdefault(name, set()).add(number)
            if pk in seen:
                continue  # a node that is a version of several records comes once per version
            seen.add(pk)
            by_type[node_type] = by_type.get(node_type, 0) + 1
            if node_type == "process.cell":
                attributes = attributes or {}
                notebook = attributes.get("notebook") or "(no notebook)"
                notebooks[notebook] = notebooks.get(notebook, 0) + 1
                cells.append({"pk": pk, "notebook": notebook, "execution_count": attributes.get("execution_count")})
    return {"nodes": len(seen), "by_type": dict(sorted(by_type.items())), "pks": sorted(seen),
            "records": {name: sorted(numbers) for name, numbers in sorted(records.items())},
            "notebooks": dict(sorted(notebooks.items())), "cells": sorted(cells, key=lambda c: c["pk"]),
            "affected_workflows": sorted(affected - seen)}


def _affected_by_event(conn, root: int) -> list[int]:
    """Processes that took (``input_work``) or returned a node this invalidation marked, and were not marked."""
    rows = conn.execute(text(
        "SELECT l.output_id FROM db_node_invalid i JOIN db_link l ON l.input_id = i.node_id "
        "AND l.type = 'input_work' WHERE i.root_id = :root "
        "UNION SELECT l.input_id FROM db_node_invalid i JOIN db_link l ON l.output_id = i.node_id "
        "AND l.type = 'return' WHERE i.root_id = :root"), {"root": root})
    found = {row[0] for row in rows}
    if not found:
        return []
    marked = set(conn.execute(select(schema.node_invalidity.c.node_id).where(
        schema.node_invalidity.c.root_id == root, schema.node_invalidity.c.node_id.in_(sorted(found)))).scalars())
    return sorted(found - marked)


# ---- validity events ---------------------------------------------------------------------------------------
def _insert_event(conn, **values: Any) -> int:
    values.setdefault("time", _now())
    return conn.execute(insert(schema.validity_events).values(**values)
                        .returning(schema.validity_events.c.id)).scalar_one()


def invalidate(seed: int, *, actor: str, cause: str) -> dict[str, Any]:
    """Append the invalidation events of ``seed`` and of everything the cascade reaches, materialise them, and
    queue the actions of the records hit, all in one transaction. Returns the root event and counts."""
    storage = _storage()
    now = _now()
    with storage.transaction() as conn:
        root = _insert_event(conn, kind="invalidate", node_id=seed, actor=actor, time=now, cause=cause)
        conn.execute(update(schema.validity_events).where(schema.validity_events.c.id == root).values(root_id=root))
        stmt, params = _with_walk([seed], True, True,
                                  "INSERT INTO db_validity_event (kind, node_id, root_id, via_node_id, actor, time, cause) "
                                  "SELECT 'invalidate', id, :root, MIN(via), :actor, :time, 'cascade' FROM walk "
                                  "WHERE id <> :s0 GROUP BY id")
        params.update(root=root, actor=actor, time=now)
        conn.execute(stmt.bindparams(_time_param()), params)
        # each cascaded event's parent: the event of the node it was reached through
        # a cascaded event's parent is the event of the same root on the node it was reached through
        # (via_node_id): found by the (root_id, node_id) index when asked (why_invalid). Writing parent_id here
        # took an UPDATE of every row, which PostgreSQL planned against the table's statistics from before
        # the insert (empty): a nested loop, tens of seconds for 100,000 rows.
        conn.execute(text("INSERT INTO db_node_invalid (node_id, root_id, event_id) "
                          "SELECT node_id, root_id, id FROM db_validity_event WHERE root_id = :root"), {"root": root})
        affected = _affected_by_event(conn, root)
        for start in range(0, len(affected), 5000):
            conn.execute(insert(schema.validity_events), [
                {"kind": "affected", "node_id": pk, "root_id": root, "actor": actor, "time": now, "cause": "affected"}
                for pk in affected[start:start + 5000]])
        queued = _queue_actions(conn, root, now)
        count = conn.execute(select(func.count()).select_from(schema.node_invalidity)
                             .where(schema.node_invalidity.c.root_id == root)).scalar_one()
    return {"event": root, "nodes": count, "affected_workflows": len(affected), "actions_queued": queued}


def _queue_actions(conn, root: int, now: datetime) -> int:
    """Outbox rows for the actions attached to the records (or kinds) of the versions this event made invalid."""
    result = conn.execute(text(
        "INSERT INTO db_action_outbox (action_id, event_id, node_id, status, queued_at) "
        "SELECT DISTINCT a.id, :root, v.node_id, 'queued', :now FROM db_node_invalid i "
        "JOIN db_record_version v ON v.node_id = i.node_id JOIN db_record r ON r.id = v.record_id "
        "JOIN db_record_action a ON (a.record_id = r.id OR (a.record_id IS NULL AND a.kind = r.kind)) "
        "WHERE i.root_id = :root").bindparams(_time_param("now")), {"root": root, "now": now})
    return result.rowcount or 0


def holding_roots(pk: int) -> list[int]:
    with _storage().connection() as conn:
        return list(conn.execute(select(schema.node_invalidity.c.root_id)
                                 .where(schema.node_invalidity.c.node_id == pk).order_by("root_id")).scalars())


def revalidate(seed: int, *, actor: str, cause: str) -> dict[str, Any]:
    """``seed`` is valid again: the invalidations that hold it are lifted from it and from what the cascade
    reaches from it (all of an invalidation when ``seed`` is its root). Appends events; one transaction."""
    storage = _storage()
    now = _now()
    inv = schema.node_invalidity
    with storage.transaction() as conn:
        roots = list(conn.execute(select(inv.c.root_id).where(inv.c.node_id == seed)).scalars())
        if not roots:
            return {"event": None, "nodes": 0}
        event = _insert_event(conn, kind="revalidate", node_id=seed, actor=actor, time=now, cause=cause)
        conn.execute(update(schema.validity_events).where(schema.validity_events.c.id == event).values(root_id=event))
        own = [r for r in roots if _event_node(conn, r) == seed]
        others = [r for r in roots if r not in own]
        marks = ", ".join(f":r{i}" for i in range(len(others)))
        touched = 0
        if own:
            own_marks = ", ".join(f":o{i}" for i in range(len(own)))
            own_params = {f"o{i}": r for i, r in enumerate(own)}
            conn.execute(text(
                "INSERT INTO db_validity_event (kind, node_id, root_id, parent_id, actor, time, cause) "
                f"SELECT DISTINCT 'revalidate', node_id, :event, :event, :actor, :time, 'lifted' FROM db_node_invalid "
                f"WHERE root_id IN ({own_marks}) AND node_id <> :seed").bindparams(_time_param()),
                {**own_params, "event": event, "actor": actor, "time": now, "seed": seed})
            touched += conn.execute(text(f"DELETE FROM db_node_invalid WHERE root_id IN ({own_marks})"),
                                    own_params).rowcount or 0
        if others:
            params = {f"r{i}": r for i, r in enumerate(others)}
            stmt, walk_params = _with_walk([seed], True, True,
                                           "INSERT INTO db_validity_event (kind, node_id, root_id, parent_id, actor, time, cause) "
                                           "SELECT DISTINCT 'revalidate', i.node_id, :event, :event, :actor, :time, 'lifted' "
                                           f"FROM db_node_invalid i WHERE i.root_id IN ({marks}) "
                                           "AND i.node_id IN (SELECT id FROM walk) AND i.node_id <> :s0")
            conn.execute(stmt.bindparams(_time_param()), {**walk_params, **params, "event": event, "actor": actor,
                                                          "time": now})
            stmt, walk_params = _with_walk([seed], True, True,
                                           f"DELETE FROM db_node_invalid WHERE root_id IN ({marks}) "
                                           "AND node_id IN (SELECT id FROM walk)")
            touched += conn.execute(stmt, {**walk_params, **params}).rowcount or 0
        # queued actions of lifted invalidations that no worker took yet are cancelled
        if own:
            conn.execute(update(schema.action_outbox).where(schema.action_outbox.c.event_id.in_(own),
                                                            schema.action_outbox.c.status == "queued")
                         .values(status="cancelled", finished_at=now))
    return {"event": event, "nodes": touched}


def _event_node(conn, event: int) -> int | None:
    return conn.execute(select(schema.validity_events.c.node_id)
                        .where(schema.validity_events.c.id == event)).scalar_one_or_none()


def invalid_among(pks: Iterable[int]) -> set[int]:
    """Which of ``pks`` are invalid now (one query per 5,000)."""
    pks = sorted(set(pks))
    found: set[int] = set()
    inv = schema.node_invalidity
    with _storage().connection() as conn:
        for start in range(0, len(pks), 5000):
            found.update(conn.execute(select(inv.c.node_id).distinct()
                                      .where(inv.c.node_id.in_(pks[start:start + 5000]))).scalars())
    return found


def is_invalid(pk: int) -> bool:
    """Whether node ``pk`` is invalid now (the cache never uses such a node as a source)."""
    return bool(invalid_among([pk]))


def is_invalid_cache_source(pk: int) -> bool:
    """Whether calculation ``pk`` must not be a cache source: it, or a node it created, is invalid now.

    (The cascade marks a calculation whose input is invalid; an output invalidated by itself leaves its
    creator valid, so the outputs are checked too.) One query.
    """
    inv, links = schema.node_invalidity, schema.links
    created = select(links.c.output_id).where(links.c.input_id == pk, links.c.type == "create")
    with _storage().connection() as conn:
        return conn.execute(select(inv.c.node_id).where(
            (inv.c.node_id == pk) | inv.c.node_id.in_(created)).limit(1)).first() is not None


def count_invalid() -> int:
    with _storage().connection() as conn:
        return conn.execute(select(func.count(func.distinct(schema.node_invalidity.c.node_id)))).scalar_one()


def invalid_nodes() -> set[int]:
    with _storage().connection() as conn:
        return set(conn.execute(select(schema.node_invalidity.c.node_id).distinct()).scalars())


def why_invalid(pk: int) -> list[list[dict[str, Any]]]:
    """For each invalidation holding ``pk``: its chain of events, from ``pk``'s event back to the root event."""
    inv = schema.node_invalidity
    chains = []
    with _storage().connection() as conn:
        starts = list(conn.execute(select(inv.c.event_id).where(inv.c.node_id == pk).order_by(inv.c.root_id)).scalars())
        for start in starts:
            chain = []
            stmt = text(
                "WITH RECURSIVE up(id, depth) AS (SELECT CAST(:start AS INTEGER), 0 UNION ALL "
                "SELECT COALESCE(e.parent_id, p.id), up.depth + 1 FROM up JOIN db_validity_event e ON e.id = up.id "
                "LEFT JOIN db_validity_event p ON e.parent_id IS NULL AND e.via_node_id IS NOT NULL "
                "AND p.root_id = e.root_id AND p.node_id = e.via_node_id "
                "WHERE e.parent_id IS NOT NULL OR p.id IS NOT NULL) "
                "SELECT e.* FROM up JOIN db_validity_event e ON e.id = up.id ORDER BY up.depth"
            ).columns(*schema.validity_events.columns)
            for row in conn.execute(stmt, {"start": start}):
                chain.append(_row(row))
            chains.append(chain)
    return chains


def events_of(pk: int) -> list[dict[str, Any]]:
    table = schema.validity_events
    with _storage().connection() as conn:
        return [_row(r) for r in conn.execute(select(table).where(table.c.node_id == pk).order_by(table.c.id))]


def affected_by_active(pk: int) -> list[int]:
    """Root events of still-active invalidations that marked process ``pk`` affected."""
    events, inv = schema.validity_events, schema.node_invalidity
    with _storage().connection() as conn:
        return list(conn.execute(select(events.c.root_id).distinct().where(
            events.c.node_id == pk, events.c.kind == "affected",
            events.c.root_id.in_(select(inv.c.root_id).distinct()))).scalars())


def affected_among(pks: Iterable[int]) -> set[int]:
    """Which of ``pks`` an invalidation still in force marked *affected* (one query per 5,000)."""
    pks = sorted(set(pks))
    events, inv = schema.validity_events, schema.node_invalidity
    found: set[int] = set()
    with _storage().connection() as conn:
        for start in range(0, len(pks), 5000):
            found.update(conn.execute(select(events.c.node_id).distinct().where(
                events.c.node_id.in_(pks[start:start + 5000]), events.c.kind == "affected",
                events.c.root_id.in_(select(inv.c.root_id).distinct()))).scalars())
    return found


# ---- actions and their outbox -------------------------------------------------------------------------------
def insert_action(values: dict[str, Any]) -> int:
    with _storage().transaction() as conn:
        return conn.execute(insert(schema.record_actions).values({"ctime": _now(), **values})
                            .returning(schema.record_actions.c.id)).scalar_one()


def actions_of(record_id: int | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    table = schema.record_actions
    query = select(table).order_by(table.c.id)
    if record_id is not None:
        query = query.where(table.c.record_id == record_id)
    if kind is not None:
        query = query.where(table.c.kind == kind)
    with _storage().connection() as conn:
        return [_row(r) for r in conn.execute(query)]


def outbox(status: str | None = None) -> list[dict[str, Any]]:
    table, actions = schema.action_outbox, schema.record_actions
    query = (select(table, actions.c.action, actions.c.target, actions.c.record_id)
             .join(actions, actions.c.id == table.c.action_id).order_by(table.c.id))
    if status is not None:
        query = query.where(table.c.status == status)
    with _storage().connection() as conn:
        return [_row(r) for r in conn.execute(query)]


def claim_action(row_id: int, worker: str) -> bool:
    """Take queued outbox row ``row_id`` for ``worker``; ``False`` if someone else took it (or it is not queued)."""
    table = schema.action_outbox
    with _storage().transaction() as conn:
        result = conn.execute(update(table).where(table.c.id == row_id, table.c.status == "queued")
                              .values(status="running", worker=worker, claimed_at=_now()))
        return (result.rowcount or 0) == 1


def finish_action(row_id: int, status: str, outcome: dict[str, Any], process_id: int | None = None, *,
                  only_if_stale_before: datetime | None = None) -> bool:
    """Write the outcome of outbox row ``row_id``; with ``only_if_stale_before``, only if it is still ``running``
    and its claim was last renewed before then (a recovery racing a runner that came back). Whether it was."""
    table = schema.action_outbox
    query = update(table).where(table.c.id == row_id)
    if only_if_stale_before is not None:
        query = query.where(table.c.status == "running", table.c.claimed_at < only_if_stale_before)
    with _storage().transaction() as conn:
        result = conn.execute(query.values(status=status, outcome=clean_json(outcome, "action outcome"),
                                           finished_at=_now(), process_id=process_id))
        return (result.rowcount or 0) == 1


def renew_action(row_id: int, worker: str) -> bool:
    """``worker`` still runs outbox row ``row_id``: its claim time moves to now (the runner's heartbeat)."""
    table = schema.action_outbox
    with _storage().transaction() as conn:
        result = conn.execute(update(table).where(table.c.id == row_id, table.c.status == "running",
                                                  table.c.worker == worker).values(claimed_at=_now()))
        return (result.rowcount or 0) == 1


def requeue_action(row_id: int, stale_before: datetime) -> bool:
    """Put a ``running`` row whose runner died (claim last renewed before ``stale_before``) back to ``queued``."""
    table = schema.action_outbox
    with _storage().transaction() as conn:
        result = conn.execute(update(table).where(table.c.id == row_id, table.c.status == "running",
                                                  table.c.claimed_at < stale_before)
                              .values(status="queued", worker=None, claimed_at=None))
        return (result.rowcount or 0) == 1


def set_action_process(row_id: int, process_id: int | None) -> None:
    table = schema.action_outbox
    with _storage().transaction() as conn:
        conn.execute(update(table).where(table.c.id == row_id).values(process_id=process_id))


# ---- records in archives (jupyter_prov/records/archive_io.py) ------------------------------------------------
def node_uuids(pks: Iterable[int], *, storage=None) -> dict[int, str]:
    pks = sorted(set(pks))
    nodes = schema.nodes
    found: dict[int, str] = {}
    with (storage or _storage()).connection() as conn:
        for start in range(0, len(pks), 5000):
            found.update((pk, u) for pk, u in conn.execute(select(nodes.c.id, nodes.c.uuid)
                                                           .where(nodes.c.id.in_(pks[start:start + 5000]))))
    return found


def node_pks_by_uuid(uuids: Iterable[str], *, storage=None) -> dict[str, int]:
    uuids = sorted(set(uuids))
    nodes = schema.nodes
    found: dict[str, int] = {}
    with (storage or _storage()).connection() as conn:
        for start in range(0, len(uuids), 5000):
            found.update((u, pk) for pk, u in conn.execute(select(nodes.c.id, nodes.c.uuid)
                                                           .where(nodes.c.uuid.in_(uuids[start:start + 5000]))))
    return found


def archive_node_uuids(database: Any, uuids: Iterable[str]) -> set[str]:
    """Which of ``uuids`` are nodes of an archive's database (the SQLite file ``database``, read only)."""
    import sqlite3

    uuids = sorted(set(uuids))
    found: set[str] = set()
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        for start in range(0, len(uuids), 5000):
            found.update(row[0] for row in conn.execute(
                "SELECT uuid FROM db_node WHERE uuid IN (SELECT value FROM json_each(?))",
                (json.dumps(uuids[start:start + 5000]),)))
    finally:
        conn.close()
    return found


def _in_chunks(conn, table, column, values: Sequence[int] | None, *conditions) -> list[dict[str, Any]]:
    """Rows of ``table`` whose ``column`` is in ``values`` (``None``: every row), in id order."""
    order = table.c.id if "id" in table.c else column
    if values is None:
        return [_row(r) for r in conn.execute(select(table).where(*conditions).order_by(order))]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(values), 5000):
        rows += [_row(r) for r in conn.execute(select(table).where(column.in_(values[start:start + 5000]), *conditions)
                                               .order_by(order))]
    return rows


def record_rows_of_nodes(pks: Sequence[int] | None, *, storage=None) -> dict[str, list[dict[str, Any]]]:
    """The record rows touching nodes ``pks`` (``None``: every node): the records with a version among them,
    those versions, the alias moves of those records, the derivations between ``pks``, validity events and
    current invalidity of ``pks``."""
    pks = None if pks is None else sorted(set(pks))
    v, r, a, d = schema.record_versions, schema.records, schema.record_aliases, schema.derivations
    e, inv = schema.validity_events, schema.node_invalidity
    with (storage or _storage()).connection() as conn:
        versions = _in_chunks(conn, v, v.c.node_id, pks)
        record_ids = sorted({row["record_id"] for row in versions})
        records = _in_chunks(conn, r, r.c.id, record_ids)
        aliases = _in_chunks(conn, a, a.c.record_id, record_ids)
        derivations = _in_chunks(conn, d, d.c.target_id, pks)
        if pks is not None:
            wanted = set(pks)
            derivations = [row for row in derivations if row["source_id"] in wanted]
        events = _in_chunks(conn, e, e.c.node_id, pks)
        invalid = _in_chunks(conn, inv, inv.c.node_id, pks)
    return {"records": records, "versions": versions, "aliases": aliases, "derivations": derivations,
            "events": events, "invalid": invalid}


def import_record_rows(records: list[dict[str, Any]], versions: list[dict[str, Any]], aliases: list[dict[str, Any]],
                       derivations: list[tuple[int, int]], events: list[dict[str, Any]],
                       invalid: list[tuple[int, int, int]], *, storage=None) -> dict[str, int]:
    """Write imported record rows in one transaction (node pks already local; ``events[i]["id"]``, ``root_id``,
    ``parent_id`` and the event ids of ``invalid`` are the archive's, mapped here). Existing rows are kept: a
    record by uuid, a version by (record, number) — a different node there is a conflict (raises ValueError) —,
    an alias move or an event equal in every field. Never queues an action."""
    r, v, a, e, inv = (schema.records, schema.record_versions, schema.record_aliases, schema.validity_events,
                       schema.node_invalidity)
    counts = dict.fromkeys(("records", "versions", "aliases", "derivations", "events", "invalid"), 0)
    record_map: dict[int, int] = {}
    with (storage or _storage()).transaction() as conn:
        for row in records:
            existing = conn.execute(select(r.c.id).where(r.c.uuid == row["uuid"])).scalar_one_or_none()
            if existing is None:
                clash = conn.execute(select(r.c.uuid).where(r.c.name == row["name"])).scalar_one_or_none()
                if clash is not None:
                    raise ValueError(f"record {row['name']!r} exists here as another record (uuid {clash}); "
                                     f"the archive's is {row['uuid']}")
                values = {k: row[k] for k in ("uuid", "name", "uri", "kind", "description", "metadata", "frozen", "ctime")}
                existing = conn.execute(insert(r).values(values).returning(r.c.id)).scalar_one()
                counts["records"] += 1
            record_map[row["id"]] = existing
        for row in versions:
            record_id = record_map[row["record_id"]]
            here = conn.execute(select(v.c.node_id).where(v.c.record_id == record_id, v.c.number == row["number"])).first()
            if here is not None:
                if here[0] != row["node_id"]:
                    raise ValueError(f"version {row['number']} of record {row['record_id']} is another node here")
                continue
            conn.execute(insert(v).values({**{k: row[k] for k in ("number", "node_id", "previous_node_id", "content_hash",
                                                                 "ctime", "actor", "process_id")}, "record_id": record_id}))
            counts["versions"] += 1
        for row in aliases:
            record_id = record_map[row["record_id"]]
            same = conn.execute(select(a.c.id).where(a.c.record_id == record_id, a.c.alias == row["alias"],
                                                     a.c.time == row["time"], a.c.actor == row["actor"])).first()
            if same is None:
                conn.execute(insert(a).values(record_id=record_id, alias=row["alias"], version_number=row["version_number"],
                                              time=row["time"], actor=row["actor"]))
                counts["aliases"] += 1
        for source, target in derivations:
            if conn.execute(select(schema.derivations.c.id).where(schema.derivations.c.source_id == source,
                                                                  schema.derivations.c.target_id == target)).first() is None:
                conn.execute(insert(schema.derivations).values(source_id=source, target_id=target))
                counts["derivations"] += 1
        event_map: dict[int, int] = {}
        pending_links = []
        for row in sorted(events, key=lambda x: x["id"]):
            same = conn.execute(select(e.c.id).where(e.c.node_id == row["node_id"], e.c.kind == row["kind"],
                                                     e.c.time == row["time"], e.c.actor == row["actor"],
                                                     e.c.cause == row["cause"])).scalar_one_or_none()
            if same is not None:
                event_map[row["id"]] = same
                continue
            new = conn.execute(insert(e).values(kind=row["kind"], node_id=row["node_id"], via_node_id=row["via_node_id"],
                                                actor=row["actor"], time=row["time"], cause=row["cause"])
                               .returning(e.c.id)).scalar_one()
            event_map[row["id"]] = new
            pending_links.append((new, row["root_id"], row["parent_id"]))
            counts["events"] += 1
        for new, root, parent in pending_links:
            conn.execute(update(e).where(e.c.id == new).values(root_id=event_map.get(root) if root is not None else None,
                                                               parent_id=event_map.get(parent) if parent is not None else None))
        for node_id, root, event in invalid:
            if root not in event_map or event not in event_map:
                continue
            key = (node_id, event_map[root])
            if conn.execute(select(inv.c.node_id).where(inv.c.node_id == key[0], inv.c.root_id == key[1])).first() is None:
                conn.execute(insert(inv).values(node_id=node_id, root_id=key[1], event_id=event_map[event]))
                counts["invalid"] += 1
    return counts
