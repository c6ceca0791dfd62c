"""Named queries of ``views/graph.py``: a graph view's links, node columns and degrees, a batch at a time.

Why batched: a view grows breadth first, and asking once per frontier node cost one statement (and a
QueryBuilder compile, ~5 ms) per node: a 500-node neighbourhood took 0.6 s alone and seconds under load
(issue #16, ``benchmarks/results/server.md``). Each function here takes a list of pks and runs one
statement per :func:`chunks` of 5,000 of them, bound as ONE parameter: ``IN (SELECT value FROM
json_each(?))`` on SQLite (the planner still searches the index per id; an ``IN (?, ?, ...)`` of 900 ids
cost ~6 ms of SQLAlchemy compile per statement, more than the query), ``= ANY(array)`` on PostgreSQL —
so a view costs a few statements per level, whatever its width.

- :func:`link_pages`: up to ``limit`` links of *each* node from a per-node offset, in the order they were
  stored (``row_number() OVER (PARTITION BY node ORDER BY link id)``; SQLite >= 3.25 and PostgreSQL). The
  links are read through the ``(input_id, type)`` / ``(output_id, type)`` indexes.
- :func:`degrees`: links per node, ``GROUP BY`` on the same indexes (a node with 100k links is an index
  range, not 100k rows in Python).
- :func:`node_columns`: the few columns a graph element shows, attribute values extracted in SQL (the
  whole attributes of a node can be megabytes).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import BigInteger, String, and_, any_, bindparam, cast, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY

from ..storage import schema
from . import current
from .traverse import id_in as _any_array

#: ids per statement (one parameter on both databases: the chunk only bounds a statement's rows)
CHUNK = 5000
CALL_LINKS = ("call_calc", "call_work")


def chunks(pks: Sequence[int], storage=None) -> Iterator[list[int]]:
    for start in range(0, len(pks), CHUNK):
        yield list(pks[start:start + CHUNK])


def id_in(column, ids: list[int], dialect: str):
    """``column IN ids`` with the ids as one parameter (``json_each`` on SQLite, ``ANY`` on PostgreSQL)."""
    if dialect == "postgresql":
        return _any_array(column, ids, dialect)
    values = func.json_each(literal(json.dumps([int(pk) for pk in ids]), String)).table_valued("value")
    return column.in_(select(values.c.value))


def _ids_param(name: str, dialect: str):
    """The bound parameter of a compiled statement's id list (see :func:`_run`)."""
    if dialect == "postgresql":
        return cast(bindparam(name, value=[]), ARRAY(BigInteger))
    return bindparam(name, value="[]", type_=String)


def _id_in_param(column, name: str, dialect: str):
    """``column IN ids`` with the ids as the one parameter ``name`` (:func:`_ids_value` gives its value)."""
    if dialect == "postgresql":
        return column == any_(_ids_param(name, dialect))
    values = func.json_each(_ids_param(name, dialect)).table_valued("value")
    return column.in_(select(values.c.value))


def _ids_value(ids: Sequence[int], dialect: str) -> Any:
    ids = [int(pk) for pk in ids]
    return ids if dialect == "postgresql" else json.dumps(ids)


#: (dialect, statement key) -> (SQL text, positional parameter names or None, default parameter values)
_COMPILED: dict[tuple[str, Any], tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}


def _run(conn, key: Any, build, **values: Any) -> list[Any]:
    """The rows (plain tuples) of the statement ``build()`` makes, compiled once per dialect and ``key`` and
    then run as the driver's SQL with ``values`` for its named parameters.

    Why: building a Core statement, its cache key and its result processing cost more than the queries
    of a 500-node neighbourhood (~1/4 of its CPU, issue #16, ``benchmarks/results/server.md``). The
    columns read here need no result processing (uuid and ctime are read as text on SQLite, as the
    driver's values on PostgreSQL, as before)."""
    dialect = conn.dialect
    entry = _COMPILED.get((dialect.name, key))
    if entry is None:
        compiled = build().compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
        entry = (str(compiled), order, dict(compiled.params))
        if len(_COMPILED) > 256:  # link type sets are few; bound the cache all the same
            _COMPILED.clear()
        _COMPILED[(dialect.name, key)] = entry
    sql, order, defaults = entry
    params = {**defaults, **values}
    return conn.exec_driver_sql(sql, tuple(params[name] for name in order) if order is not None else params).all()


def _ends(incoming: bool):
    links = schema.links
    return (links.c.output_id, links.c.input_id) if incoming else (links.c.input_id, links.c.output_id)


def link_pages(pks: Sequence[int], *, incoming: bool, link_types: Sequence[str], offset: int, limit: int,
               storage=None) -> dict[int, list[tuple[int, str, str]]]:
    """``{pk: [(pk at the other end, link type, link label), ...]}``: links ``offset + 1`` to ``offset + limit``
    of each of ``pks`` (into it with ``incoming``, else out of it) of ``link_types``, in stored order."""
    storage = storage or current.get_storage()
    links = schema.links
    near, far = _ends(incoming)
    pages: dict[int, list[tuple[int, str, str]]] = {}
    dialect = storage.dialect
    types = tuple(link_types)

    def build():
        rank = func.row_number().over(partition_by=near, order_by=links.c.id).label("rank")
        inner = (select(near.label("near"), far.label("far"), links.c.type, links.c.label, rank)
                 .where(_id_in_param(near, "ids", dialect), links.c.type.in_(list(types))).subquery())
        return (select(inner.c.near, inner.c.far, inner.c.type, inner.c.label)
                .where(inner.c.rank > bindparam("low", value=0), inner.c.rank <= bindparam("high", value=0))
                .order_by(inner.c.near, inner.c.rank))

    with storage.connection() as conn:
        for chunk in chunks(pks):
            for near_pk, far_pk, link_type, label in _run(conn, ("link_pages", incoming, types), build,
                                                          ids=_ids_value(chunk, dialect), low=offset,
                                                          high=offset + limit):
                pages.setdefault(near_pk, []).append((far_pk, link_type, label))
    return pages


def degrees(pks: Sequence[int], *, incoming: bool, storage=None) -> dict[int, int]:
    """``{pk: number of links into it (incoming) / out of it}``; nodes without any are left out."""
    storage = storage or current.get_storage()
    near, _ = _ends(incoming)
    found: dict[int, int] = {}
    with storage.connection() as conn:
        for chunk in chunks(pks):
            stmt = select(near, func.count()).where(id_in(near, chunk, storage.dialect)).group_by(near)
            found.update({pk: count for pk, count in conn.execute(stmt)})
    return found


def callers(pks: Sequence[int], *, storage=None) -> dict[int, int]:
    """``{pk: the process that called it}`` for the processes of ``pks`` that some process called."""
    storage = storage or current.get_storage()
    links = schema.links
    found: dict[int, int] = {}
    with storage.connection() as conn:
        for chunk in chunks(pks):
            stmt = select(links.c.output_id, links.c.input_id).where(
                id_in(links.c.output_id, chunk, storage.dialect), links.c.type.in_(CALL_LINKS))
            found.update({pk: caller for pk, caller in conn.execute(stmt)})
    return found


def links_of(pks: Sequence[int], *, incoming: bool, others: Sequence[int] | None = None,
             storage=None) -> list[tuple[int, int, str, str]]:
    """``(input pk, output pk, link type, link label)`` of every link into (``incoming``) or out of ``pks``;
    with ``others``, only those whose other end is one of ``others`` (for nodes with many links)."""
    storage = storage or current.get_storage()
    links = schema.links
    near, far = _ends(incoming)
    columns = (links.c.input_id, links.c.output_id, links.c.type, links.c.label)
    dialect = storage.dialect
    rows: list[tuple[int, int, str, str]] = []
    with storage.connection() as conn:
        for chunk in chunks(pks):
            if others is None:
                rows.extend((row[0], row[1], row[2], row[3]) for row in _run(
                    conn, ("links_of", incoming), lambda: select(*columns).where(_id_in_param(near, "ids", dialect)),
                    ids=_ids_value(chunk, dialect)))
                continue
            for other_chunk in chunks(others):
                rows.extend((row[0], row[1], row[2], row[3]) for row in _run(
                    conn, ("links_of_others", incoming), lambda: select(*columns).where(
                        and_(_id_in_param(near, "ids", dialect), _id_in_param(far, "others", dialect))),
                    ids=_ids_value(chunk, dialect), others=_ids_value(other_chunk, dialect)))
    return rows


#: the attribute values :func:`node_columns` extracts (``None`` when absent or not a scalar)
NODE_ATTRIBUTES = ("process_state", "exit_status", "value", "process_label", "source")


def _attribute(nodes, key: str, dialect: str) -> tuple[Any, Any]:
    """(the value as SQL gives it, its JSON type name) of ``attributes[key]``: no JSON decode per value in
    Python (decoding five values per node was most of a 500-node read)."""
    if dialect == "postgresql":
        return nodes.c.attributes.op("->>")(key), func.jsonb_typeof(nodes.c.attributes.op("->")(key))
    path = "$." + key
    return func.json_extract(nodes.c.attributes, path), func.json_type(nodes.c.attributes, path)


def _scalar(raw: Any, json_type: str | None) -> Any:
    """A JSON scalar from :func:`_attribute` as Python (objects and arrays as ``None``)."""
    if json_type in ("text", "string", "integer", "real"):
        return raw
    if json_type in ("true", "false"):
        return json_type == "true"
    if json_type == "boolean":
        return raw == "true"
    if json_type == "number":
        try:
            return int(raw)
        except ValueError:
            return float(raw)
    return None


def node_columns(pks: Sequence[int], *, storage=None) -> list[tuple[Any, ...]]:
    """``(pk, uuid, node_type, label, ctime, *attributes)`` of ``pks`` (the :data:`NODE_ATTRIBUTES` as JSON
    scalars, ``None`` when absent or an object or array), in pk order; unknown pks are left out."""
    storage = storage or current.get_storage()
    nodes = schema.nodes
    columns: list[Any] = [nodes.c.id, nodes.c.uuid, nodes.c.node_type, nodes.c.label, nodes.c.ctime]
    for key in NODE_ATTRIBUTES:
        columns += _attribute(nodes, key, storage.dialect)
    rows: list[tuple[Any, ...]] = []
    with storage.connection() as conn:
        for chunk in chunks(sorted(set(pks))):
            for row in conn.execute(select(*columns).where(id_in(nodes.c.id, chunk, storage.dialect))
                                    .order_by(nodes.c.id)):
                values = [_scalar(row[i], row[i + 1]) for i in range(5, 5 + 2 * len(NODE_ATTRIBUTES), 2)]
                rows.append((row[0], row[1], row[2], row[3], row[4], *values))
    return rows


def node_rows(pks: Sequence[int], *, storage=None) -> list[tuple[Any, ...]]:
    """``(pk, uuid, node_type, label, ctime, *attributes, out degree, in degree, caller)`` of ``pks`` in pk
    order: :func:`node_columns`, :func:`degrees` both ways and :func:`callers` in ONE statement per chunk
    (the degrees and the caller are correlated subqueries on the link indexes; the caller's is the unique
    partial index of call links). ``uuid`` is text, ``ctime`` a ``datetime`` (naive means UTC); unknown pks
    are left out.

    Why one statement and plain columns: the four statements and SQLAlchemy's per-row type processing
    (a ``UUID`` object and a parsed ``datetime`` per node) were most of a 500-node neighbourhood's CPU
    (issue #16, ``benchmarks/results/server.md``)."""
    storage = storage or current.get_storage()
    dialect = storage.dialect

    def build():
        nodes, links = schema.nodes, schema.links
        sqlite = dialect == "sqlite"
        uuid_column = type_coerce(nodes.c.uuid, String) if sqlite else nodes.c.uuid
        ctime_column = type_coerce(nodes.c.ctime, String) if sqlite else nodes.c.ctime
        columns: list[Any] = [nodes.c.id, uuid_column, nodes.c.node_type, nodes.c.label, ctime_column]
        for key in NODE_ATTRIBUTES:
            columns += _attribute(nodes, key, dialect)
        columns += [
            select(func.count()).where(links.c.input_id == nodes.c.id).scalar_subquery(),
            select(func.count()).where(links.c.output_id == nodes.c.id).scalar_subquery(),
            select(links.c.input_id).where(links.c.output_id == nodes.c.id, links.c.type.in_(CALL_LINKS))
            .limit(1).scalar_subquery(),
        ]
        return select(*columns).where(_id_in_param(nodes.c.id, "ids", dialect)).order_by(nodes.c.id)

    first_degree = 5 + 2 * len(NODE_ATTRIBUTES)
    parse = _dt.datetime.fromisoformat
    rows: list[tuple[Any, ...]] = []
    with storage.connection() as conn:
        for chunk in chunks(sorted(set(pks))):
            for row in _run(conn, "node_rows", build, ids=_ids_value(chunk, dialect)):
                values = [_scalar(row[i], row[i + 1]) for i in range(5, first_degree, 2)]
                ctime = row[4]
                if isinstance(ctime, str):
                    ctime = parse(ctime)
                rows.append((row[0], str(row[1]), row[2], row[3], ctime, *values, row[first_degree],
                             row[first_degree + 1], row[first_degree + 2]))
    return rows


#: the process attributes a node summary shows (``views.nodes.summary``)
SUMMARY_ATTRIBUTES = ("process_label", "process_state", "exit_status", "exit_message")


def node_summaries(pks: Sequence[int], *, storage=None) -> dict[int, dict[str, Any]]:
    """``{pk: {uuid, node_type, class, process_type, label, description, ctime, mtime, *SUMMARY_ATTRIBUTES}}``
    of ``pks`` (unknown pks left out): what ``views.nodes.summary`` shows of a node, without reading its
    attributes, extras and file list whole. ``class`` is the name of the node's class (the one
    ``load_node`` makes), times are aware ``datetime`` objects, the attributes are their JSON values
    (``None`` when absent).

    Why: a search page loaded 50 whole nodes (three JSON columns decoded per row) to show 14 fields,
    ~1/3 of a search's CPU on a 100k-node profile (issue #16, ``benchmarks/results/server.md``)."""
    from .nodes.registry import class_for

    storage = storage or current.get_storage()
    dialect = storage.dialect

    def build():
        nodes = schema.nodes
        sqlite = dialect == "sqlite"
        columns: list[Any] = [nodes.c.id, type_coerce(nodes.c.uuid, String), nodes.c.node_type, nodes.c.process_type,
                              nodes.c.label, nodes.c.description]
        columns += [type_coerce(nodes.c.ctime, String) if sqlite else nodes.c.ctime,
                    type_coerce(nodes.c.mtime, String) if sqlite else nodes.c.mtime]
        for key in SUMMARY_ATTRIBUTES:
            columns += _attribute(nodes, key, dialect)
        return select(*columns).where(_id_in_param(nodes.c.id, "ids", dialect))

    found: dict[int, dict[str, Any]] = {}
    with storage.connection() as conn:
        for chunk in chunks(sorted(set(pks))):
            for row in _run(conn, "node_summaries", build, ids=_ids_value(chunk, dialect)):
                summary = {"uuid": str(row[1]), "node_type": row[2], "class": class_for(row[2]).__name__,
                           "process_type": row[3], "label": row[4], "description": row[5],
                           "ctime": _aware_time(row[6]), "mtime": _aware_time(row[7])}
                for i, key in enumerate(SUMMARY_ATTRIBUTES):
                    raw, json_type = row[8 + 2 * i], row[9 + 2 * i]
                    summary[key] = json.loads(raw) if json_type in ("object", "array") else _scalar(raw, json_type)
                found[row[0]] = summary
    return found


def _aware_time(value: Any) -> Any:
    """A time column as an aware ``datetime`` (SQLite's text is naive UTC, as ``load_node`` reads it)."""
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value)
    if isinstance(value, _dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value


__all__ = ["CALL_LINKS", "NODE_ATTRIBUTES", "SUMMARY_ATTRIBUTES", "callers", "chunks", "degrees", "link_pages", "links_of", "node_columns",
           "node_rows", "node_summaries"]
