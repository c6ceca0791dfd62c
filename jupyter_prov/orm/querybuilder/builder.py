"""The QueryBuilder: questions to the provenance graph as a chain of tagged vertices.

    qb = QueryBuilder()
    qb.append(Dict, filters={"attributes.energy": {"<": -3.0}}, project=["uuid", "attributes.energy"], tag="res")
    qb.append(CalcFunctionNode, with_outgoing="res", filters={"attributes.process_label": "relax"})
    qb.all(); qb.count(); qb.iterdict(batch_size=1000); qb.to_dataframe()

Every vertex selects rows of one kind (nodes of some classes, groups, users, computers, comments,
logs), is joined to an earlier vertex by a relationship (see :mod:`.relationships`), may be filtered
(see :mod:`.filters`) and may project columns, JSON paths (``attributes.x.y``), ``*`` (the ORM object)
or ``**`` (all columns as a dict). The query is built fresh as SQL each time it runs, on the storage
given (default: the loaded profile's), and objects it returns remember that storage.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, cast

from sqlalchemy import and_, case, func, literal_column, select, true
from sqlalchemy.sql import ColumnElement

from ...storage import schema
from .. import current, validation
from ..exceptions import MultipleObjectsError, NotExistent
from ..type_strings import node_type_condition
from . import relationships as rel
from .entities import JSON_COLUMNS, KINDS, classify, default_tag
from .errors import QueryError
from .filters import JsonPath, check_filter_depth, column_kind, filter_condition

DEFAULT_BATCH = 1000


@dataclass
class _Vertex:
    tag: str
    kind: str
    node_types: Any = None
    subclassing: bool = True
    filters: list[dict] = field(default_factory=list)
    projections: list[str] = field(default_factory=list)
    keyword: str | None = None
    joined_to: str | None = None
    outer: bool = False
    edge_tag: str | None = None
    edge_filters: list[dict] = field(default_factory=list)
    edge_projections: list[str] = field(default_factory=list)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


class QueryBuilder:
    """Build a query by appending vertices; run it with :meth:`all`, :meth:`count`, :meth:`iterall`, ..."""

    def __init__(self, *, storage=None, limit: int | None = None, offset: int | None = None,
                 distinct: bool = False, path: list[dict] | None = None):
        self._storage = storage
        self._vertices: list[_Vertex] = []
        self._tags: dict[str, _Vertex] = {}
        self._edge_tags: dict[str, _Vertex] = {}
        self._order: list[tuple[str, str, str]] = []  # (tag, key, "asc"/"desc")
        self._limit: int | None = None
        self._offset: int | None = None
        self._distinct = bool(distinct)
        if limit is not None:
            self.limit(limit)
        if offset is not None:
            self.offset(offset)
        for item in path or []:
            item = dict(item)
            self.append(item.pop("cls", None), **item)

    # ---- building ----------------------------------------------------------------------------------
    def append(self, cls: Any = None, *, entity_type: str | None = None, tag: str | None = None,
               filters: dict | None = None, project: Any = None, subclassing: bool = True,
               edge_tag: str | None = None, edge_filters: dict | None = None, edge_project: Any = None,
               outerjoin: bool = False, **relationship: str) -> QueryBuilder:
        """Add a vertex: ``cls`` (or ``entity_type``), joined to an earlier tag by one relationship keyword."""
        what = cls if cls is not None else entity_type
        if what is None:
            raise QueryError("append() needs a class (or entity_type): what rows should this vertex select?")
        kind, node_types = classify(what)
        tag = tag or self._unique_tag(default_tag(what))
        if not isinstance(tag, str) or not tag:
            raise QueryError(f"tag must be a non-empty string, got {tag!r}")
        if tag in self._tags or tag in self._edge_tags:
            raise QueryError(f"tag {tag!r} is used already in this query; give another tag=...")
        vertex = _Vertex(tag=tag, kind=kind, node_types=node_types, subclassing=subclassing, outer=outerjoin)
        if len(relationship) > 1:
            raise QueryError(f"vertex {tag!r}: one relationship per append, got {', '.join(relationship)}")
        if relationship:
            (keyword, other), = relationship.items()
            if keyword not in rel.ALL_KEYWORDS:
                raise QueryError(f"unknown keyword argument or relationship {keyword!r} "
                                 f"(relationships: {', '.join(rel.ALL_KEYWORDS)})")
            relation = rel.lookup(kind, keyword)
            if other not in self._tags:
                raise QueryError(f"vertex {tag!r}: {keyword}={other!r} names no earlier tag "
                                 f"(known: {', '.join(self._tags) or 'none'})")
            if self._tags[other].kind != relation.other:
                raise QueryError(f"vertex {tag!r}: {keyword} joins a {relation.other}, but {other!r} is a "
                                 f"{self._tags[other].kind}")
            vertex.keyword, vertex.joined_to = keyword, other
            if relation.has_edge:
                vertex.edge_tag = edge_tag or f"{other}--{tag}"
                if vertex.edge_tag in self._tags or vertex.edge_tag in self._edge_tags:
                    raise QueryError(f"edge tag {vertex.edge_tag!r} is used already in this query")
            elif edge_tag or edge_filters or edge_project:
                raise QueryError(f"vertex {tag!r}: {keyword} has no edge to tag, filter or project")
        elif self._vertices:
            raise QueryError(f"vertex {tag!r}: say how it joins the query (with_incoming=..., with_group=..., ...)")
        elif edge_tag or edge_filters or edge_project:
            raise QueryError(f"vertex {tag!r}: the first vertex has no edge")
        self._vertices.append(vertex)
        self._tags[tag] = vertex
        if vertex.edge_tag:
            self._edge_tags[vertex.edge_tag] = vertex
        if filters is not None:
            self.add_filter(tag, filters)
        if project is not None:
            self.add_projection(tag, project)
        if edge_filters is not None:
            self.add_filter(cast(str, vertex.edge_tag), edge_filters)
        if edge_project is not None:
            self.add_projection(cast(str, vertex.edge_tag), edge_project)
        return self

    def _unique_tag(self, base: str) -> str:
        tag, n = base, 1
        while tag in self._tags or tag in self._edge_tags:
            tag = f"{base}_{n}"
            n += 1
        return tag

    def _vertex_or_edge(self, tag: str) -> tuple[_Vertex, bool]:
        if tag in self._tags:
            return self._tags[tag], False
        if tag in self._edge_tags:
            return self._edge_tags[tag], True
        known = ", ".join([*self._tags, *self._edge_tags]) or "none"
        raise QueryError(f"unknown tag {tag!r} (known: {known})")

    def add_filter(self, tag: str, filters: dict) -> QueryBuilder:
        """AND more filters onto the vertex (or edge) ``tag``."""
        vertex, is_edge = self._vertex_or_edge(tag)
        if not isinstance(filters, dict):
            raise QueryError(f"filters of {tag!r} must be a dictionary, got {filters!r}")
        check_filter_depth(filters, f"tag {tag!r}")
        (vertex.edge_filters if is_edge else vertex.filters).append(copy.deepcopy(filters))
        return self

    def add_projection(self, tag: str, projection: Any) -> QueryBuilder:
        """Project columns, JSON paths, ``*`` or ``**`` of the vertex (or edge) ``tag``."""
        vertex, is_edge = self._vertex_or_edge(tag)
        items = _as_list(projection)
        for item in items:
            if not isinstance(item, str) or not item:
                raise QueryError(f"projections of {tag!r} are strings ('*', 'uuid', 'attributes.x'), got {item!r}")
        (vertex.edge_projections if is_edge else vertex.projections).extend(items)
        return self

    def order_by(self, order: dict | list) -> QueryBuilder:
        """``{tag: "ctime"}``, ``{tag: ["label", {"attributes.x": "desc"}]}`` or ``{tag: {"id": {"order": "desc"}}}``."""
        for item in _as_list(order):
            if not isinstance(item, dict):
                raise QueryError(f"order_by takes {{tag: key or list of keys}}, got {item!r}")
            for tag, keys in item.items():
                self._vertex_or_edge(tag)
                for key in _as_list(keys):
                    if isinstance(key, str):
                        self._order.append((tag, key, "asc"))
                        continue
                    if not isinstance(key, dict):
                        raise QueryError(f"order_by of {tag!r}: {key!r} is not a key or {{key: 'asc'/'desc'}}")
                    for name, how in key.items():
                        direction = how.get("order", "asc") if isinstance(how, dict) else how
                        if direction not in ("asc", "desc"):
                            raise QueryError(f"order_by of {tag!r}: order of {name!r} is 'asc' or 'desc', got {direction!r}")
                        self._order.append((tag, name, direction))
        return self

    def limit(self, limit: int | None) -> QueryBuilder:
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)
                                  or not 0 <= limit <= validation.INT_MAX):
            raise QueryError(f"limit must be a non-negative 64-bit integer, got {validation.short_repr(limit)}")
        self._limit = limit
        return self

    def offset(self, offset: int | None) -> QueryBuilder:
        if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool)
                                   or not 0 <= offset <= validation.INT_MAX):
            raise QueryError(f"offset must be a non-negative 64-bit integer, got {validation.short_repr(offset)}")
        self._offset = offset
        return self

    def distinct(self, value: bool = True) -> QueryBuilder:
        self._distinct = bool(value)
        return self

    # ---- compiling -------------------------------------------------------------------------------------
    @property
    def storage(self):
        return self._storage or current.get_storage()

    def _object_storage(self):
        return current.foreign_storage(self._storage)

    def _resolver(self, alias, tag: str, kind: str, dialect: str) -> Callable[[str], Any]:
        aliases = KINDS[kind].aliases if kind in KINDS else {"pk": "id"}

        def resolve(key: str):
            if not isinstance(key, str) or not key:
                raise QueryError(f"filter keys of {tag!r} are strings, got {key!r}")
            head, _, rest = key.partition(".")
            head = aliases.get(head, head)
            if head not in alias.c:
                known = ", ".join(sorted({*alias.c.keys(), *aliases}))
                raise QueryError(f"{tag!r} has no column {head!r} (in {key!r}); known: {known}")
            column = alias.c[head]
            if rest or (head in JSON_COLUMNS and column_kind(column) == "json"):
                if column_kind(column) != "json":
                    raise QueryError(f"{key!r} of {tag!r}: {head!r} is not a JSON column, it has no keys")
                # an array index: ASCII digits of an int SQLite's JSON paths take (else a key)
                path = [int(p) if p.isascii() and p.isdigit() and len(p) < 10 else p
                        for p in rest.split(".")] if rest else []
                return JsonPath(column, path, dialect, key)
            return column

        return resolve

    def _compile(self, *, for_count: bool = False):
        if not self._vertices:
            raise QueryError("the query is empty: append() at least one class")
        storage = self.storage
        dialect = storage.dialect
        aliases: dict[str, Any] = {}
        edges: dict[str, Any] = {}
        resolvers: dict[str, Callable[[str], Any]] = {}
        where: list[ColumnElement] = []
        from_clause = None
        for index, vertex in enumerate(self._vertices):
            table = KINDS[vertex.kind].table
            alias = table.alias(f"v{index}")
            aliases[vertex.tag] = alias
            resolvers[vertex.tag] = self._resolver(alias, vertex.tag, vertex.kind, dialect)
            own = [filter_condition(resolvers[vertex.tag], f, dialect, f"tag {vertex.tag!r}") for f in vertex.filters]
            if vertex.kind == "node" and vertex.node_types is not None:
                own.insert(0, node_type_condition(alias.c.node_type, vertex.node_types,
                                                  subclasses=vertex.subclassing, dialect=dialect))
            if vertex.edge_tag:
                edge = schema.links.alias(f"e{index}")
                edges[vertex.edge_tag] = edge
                resolvers[vertex.edge_tag] = self._resolver(edge, vertex.edge_tag, "link", dialect)
                own += [filter_condition(resolvers[vertex.edge_tag], f, dialect, f"edge {vertex.edge_tag!r}")
                        for f in vertex.edge_filters]
            if index == 0:
                from_clause = alias
                where += own
                continue
            # append() refuses a vertex after the first without a relationship
            assert vertex.keyword is not None and vertex.joined_to is not None
            relation = rel.lookup(vertex.kind, vertex.keyword)
            other = aliases[vertex.joined_to]
            start_ids, single = None, False
            if relation.via in ("descendants", "ancestors"):
                start_ids = self._start_ids(self._tags[vertex.joined_to], dialect)
                other_vertex = self._tags[vertex.joined_to]
                single = not other_vertex.outer and _single_pk(other_vertex) is not None
            on = and_(*own) if vertex.outer and own else None
            from_clause = rel.join(from_clause, relation, alias, other, edge=edges.get(vertex.edge_tag or ""),
                                   start_ids=start_ids, on=on, outer=vertex.outer, name=f"closure{index}",
                                   single_start=single)
            if not vertex.outer:
                where += own
        columns, converters = self._projections(aliases, edges, resolvers, dialect)
        if for_count and not self._distinct:
            columns = [literal_column("1")]  # the number of rows does not depend on what they hold
        assert from_clause is not None  # the first vertex set it
        stmt = select(*columns).select_from(from_clause)
        if where:
            stmt = stmt.where(and_(*where))
        if self._distinct:
            stmt = stmt.distinct()
        if not for_count:
            stmt = stmt.order_by(*self._order_clauses(resolvers, dialect))
        if self._limit is not None:
            stmt = stmt.limit(self._limit)
        if self._offset is not None:
            stmt = stmt.offset(self._offset)
        return stmt, converters

    def _start_ids(self, vertex: _Vertex, dialect: str):
        """Ids of the rows the vertex's own filters allow: where a recursive closure may start."""
        table = KINDS[vertex.kind].table.alias(f"start_{vertex.tag}")
        resolve = self._resolver(table, vertex.tag, vertex.kind, dialect)
        conditions = [filter_condition(resolve, f, dialect, f"tag {vertex.tag!r}") for f in vertex.filters]
        if vertex.node_types is not None:
            conditions.append(node_type_condition(table.c.node_type, vertex.node_types,
                                                  subclasses=vertex.subclassing, dialect=dialect))
        return select(table.c.id).where(and_(true(), *conditions))

    def _projection_plan(self) -> list[tuple[str, str, bool]]:
        plan = []
        for vertex in self._vertices:
            plan += [(vertex.tag, item, False) for item in vertex.projections]
            if vertex.edge_tag:
                plan += [(vertex.edge_tag, item, True) for item in vertex.edge_projections]
        if not plan:
            plan = [(self._vertices[-1].tag, "*", False)]
        return plan

    def _projections(self, aliases, edges, resolvers, dialect):
        columns: list = []
        converters: list[Callable[[Any], Any]] = []
        storage = self._object_storage()
        for n, (tag, item, is_edge) in enumerate(self._projection_plan()):
            alias = edges[tag] if is_edge else aliases[tag]
            kind = "link" if is_edge else self._tags[tag].kind
            if item in ("*", "**"):
                start = len(columns)
                names = list(alias.c.keys())
                columns += [alias.c[name].label(f"p{n}_{name}") for name in names]
                converters.append(_entity_converter(start, names, kind, item == "*", storage))
                continue
            target = resolvers[tag](item)
            if isinstance(target, JsonPath):
                columns.append(target.projected().label(f"p{n}"))
                converters.append(_plain(len(columns) - 1))
            else:
                columns.append(target.label(f"p{n}"))
                position = len(columns) - 1
                converters.append(_datetime(position) if column_kind(target) == "datetime" else _plain(position))
        return columns, converters

    def _order_clauses(self, resolvers, dialect) -> list:
        clauses = []
        for tag, key, direction in self._order:
            target = resolvers[tag](key)
            if isinstance(target, JsonPath):
                rank = case((target.json_type_is("number"), 0), (target.json_type_is("string"), 1),
                            (target.json_type_is("boolean"), 2), (target.is_null(), 4), else_=3)
                keys = [rank, target.number(), target.text()]
            else:
                if column_kind(target) == "str" and dialect == "postgresql":
                    target = target.collate("C")
                keys = [target]
            for expression in keys:
                ordered = expression.desc() if direction == "desc" else expression.asc()
                clauses.append(ordered.nulls_first() if direction == "desc" else ordered.nulls_last())
        return clauses

    def as_sql(self) -> str:
        """The SQL this query runs, for reading (parameters not inlined)."""
        stmt, _ = self._compile()
        return str(stmt.compile(self.storage.engine))

    # ---- running ---------------------------------------------------------------------------------------
    def _rows(self, batch_size: int | None = None) -> Iterator[list]:
        stmt, converters = self._compile()
        with self.storage.connection() as conn:
            if batch_size:
                conn = conn.execution_options(yield_per=batch_size)
            for row in conn.execute(stmt):
                yield [convert(row) for convert in converters]

    def count(self) -> int:
        """How many rows the query returns."""
        stmt, _ = self._compile(for_count=True)
        with self.storage.connection() as conn:
            return conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()

    def all(self, *, flat: bool = False) -> list:
        """Every row as a list of its projections (``flat``: one list of all values)."""
        rows = list(self._rows())
        return [value for row in rows for value in row] if flat else rows

    def iterall(self, batch_size: int | None = DEFAULT_BATCH) -> Iterator[list]:
        """The rows one by one, fetched from the database ``batch_size`` at a time."""
        yield from self._rows(batch_size)

    def first(self, *, flat: bool = False) -> Any:
        """The first row (``None`` if there is none); ``flat`` with one projection gives the value."""
        previous = self._limit
        self._limit = 1 if previous is None else min(previous, 1)
        try:
            rows = list(self._rows())
        finally:
            self._limit = previous
        if not rows:
            return None
        return rows[0][0] if flat and len(rows[0]) == 1 else rows[0]

    def one(self) -> list:
        """The only row; :class:`NotExistent` if there is none, :class:`MultipleObjectsError` if more."""
        previous = self._limit
        self._limit = 2 if previous is None else min(previous, 2)
        try:
            rows = list(self._rows())
        finally:
            self._limit = previous
        if not rows:
            raise NotExistent("the query returned no row, one was expected")
        if len(rows) > 1:
            raise MultipleObjectsError("the query returned more than one row, one was expected")
        return rows[0]

    def keys(self) -> list[tuple[str, str]]:
        """``(tag, projection)`` of each value a row holds, in the order of :meth:`all`'s rows."""
        return [(tag, item) for tag, item, _ in self._projection_plan()]

    @property
    def tags(self) -> list[str]:
        """The tags of the appended vertices, in the order they were appended."""
        return [vertex.tag for vertex in self._vertices]

    def iterdict(self, batch_size: int | None = DEFAULT_BATCH) -> Iterator[dict[str, dict[str, Any]]]:
        """Rows as ``{tag: {projection: value}}``, fetched ``batch_size`` at a time."""
        keys = self.keys()
        for row in self._rows(batch_size):
            result: dict[str, dict[str, Any]] = {}
            for (tag, item), value in zip(keys, row):
                result.setdefault(tag, {})[item] = value
            yield result

    def dict(self, batch_size: int | None = None) -> list[dict[str, dict[str, Any]]]:
        return list(self.iterdict(batch_size))

    def to_dataframe(self, batch_size: int | None = DEFAULT_BATCH):
        """A pandas DataFrame with a column per projection (``tag.projection``; the projection alone if unique)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is an optional extra
            raise ImportError("to_dataframe() needs pandas: pip install 'jupyter-prov[pandas]'") from exc
        keys = self.keys()
        plain = [item for _, item in keys]
        names = plain if len(set(plain)) == len(plain) else [f"{tag}.{item}" for tag, item in keys]
        return pd.DataFrame(list(self._rows(batch_size)), columns=names)

    def __iter__(self) -> Iterator[list]:
        return self.iterall()

    def __repr__(self) -> str:
        parts = []
        for vertex in self._vertices:
            joined = f" {vertex.keyword}={vertex.joined_to!r}" if vertex.keyword else ""
            parts.append(f"{vertex.tag}:{vertex.kind}{joined}")
        return f"<QueryBuilder {' -> '.join(parts) or 'empty'}>"

    def _repr_html_(self) -> str:
        from .display import query_html

        return query_html(self)


def _single_pk(vertex: _Vertex) -> int | None:
    """The pk a vertex is pinned to by a top-level ``id``/``pk`` equality filter (``None`` if not pinned)."""
    for filters in vertex.filters:
        for key in ("id", "pk"):
            value = filters.get(key)
            if isinstance(value, dict) and set(value) == {"=="}:
                value = value["=="]
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def _plain(position: int) -> Callable[[Any], Any]:
    return lambda row: row[position]


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _datetime(position: int) -> Callable[[Any], Any]:
    return lambda row: _aware(row[position])


def _entity_converter(start: int, names: list[str], kind: str, as_object: bool, storage) -> Callable[[Any], Any]:
    def convert(row):
        values = {name: _aware(row[start + i]) for i, name in enumerate(names)}
        if values.get("id") is None:
            return None
        if not as_object or kind == "link":
            return values
        return KINDS[kind].make(values, storage)

    return convert
