"""Named queries that ``views/`` asks for (pages of links, processes and nodes; a variable's versions;
pending control requests), and a value's slice.

SQL stays in the model layer: the views must not import SQLAlchemy or ``storage.schema``, they ask here.
The SQL queries return primary keys and plain tuples, never rows, and each is bounded by the caller's
limit: a node with 100,000 outgoing links shows a page of them and a count, it does not load them all
(``Node.get_outgoing`` does, which is what a detail view must not do).

**Slice**: the minimal, ordered cell executions that recompute a value. Start at the value's node; the
cell that created it (or, for a value made by a process, the cell that called the process; for a value
a cell returned that no process launched from a cell made — e.g. loaded from the profile — the first
cell that returned it) is in the slice; then the same for every input of every cell (and process) in
the slice. Inputs of a process without a creator were made by the calling cell as it ran. Cells run in their original order (the
``sequence`` of the recording session, then start time). A value with no creator that no recorded
cell produced (set while recording was off) makes the slice *incomplete*; the slice says which. A
*file* with no creator (a data file that was on disk before, or written while recording was off) does
not: replaying the slice reads it from disk again, so it is listed among the slice's ``files``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import exists, func, select

from ..storage import schema
from . import current
from .exceptions import ModificationNotAllowed
from .links import LinkType
from .querybuilder.errors import QueryError
from .querybuilder.filters import JsonPath, filter_condition
from .nodes import CellExecutionNode, Node, ProcessNode

def pk_of(node: Node) -> int:
    """The pk of a stored node (the views and the slice work on stored nodes only)."""
    pk = node.pk
    if pk is None:
        raise ModificationNotAllowed(f"{node!r} is not stored: it has no place in the graph yet")
    return pk


#: ids bound per ``IN (...)`` statement (SQLite's default variable limit is 32,766; 5,000 keeps statements small)
CHUNK = 5000


def link_page(pk: int, *, incoming: bool, limit: int, storage=None) -> tuple[list[tuple[str, str, int]], int]:
    """(link type, link label, pk of the node at the other end) of up to ``limit`` links of node ``pk``,
    in the order they were stored, and the number of such links in all."""
    storage = storage or current.get_storage()
    links = schema.links
    near, far = (links.c.output_id, links.c.input_id) if incoming else (links.c.input_id, links.c.output_id)
    with storage.connection() as conn:
        rows = conn.execute(select(links.c.type, links.c.label, far).where(near == pk)
                            .order_by(links.c.id).limit(limit)).all()
        total = len(rows) if len(rows) < limit else conn.execute(
            select(func.count()).select_from(links).where(near == pk)).scalar_one()
    return [(row[0], row[1], row[2]) for row in rows], total


def process_page(*, states: Sequence[str] | None = None, root_only: bool = False, offset: int = 0,
                 limit: int | None = 50, storage=None) -> tuple[list[int], int]:
    """Pks of process nodes, newest first, and how many match: only those in ``states`` (process state
    values) and, with ``root_only``, only those no other process called."""
    storage = storage or current.get_storage()
    nodes, links = schema.nodes, schema.links
    conditions = [nodes.c.node_type.startswith("process.")]
    if states is not None:
        conditions.append(nodes.c.attributes["process_state"].as_string().in_(list(states)))
    if root_only:
        called = select(links.c.id).where(links.c.output_id == nodes.c.id,
                                          links.c.type.in_([LinkType.CALL_CALC.value, LinkType.CALL_WORK.value]))
        conditions.append(~exists(called))
    stmt = select(nodes.c.id).where(*conditions).order_by(nodes.c.id.desc()).offset(offset or None)
    if limit is not None:
        stmt = stmt.limit(limit)
    with storage.connection() as conn:
        pks = list(conn.execute(stmt).scalars())
        if not offset and (limit is None or len(pks) < limit):
            total = len(pks)
        else:
            total = conn.execute(select(func.count()).select_from(nodes).where(*conditions)).scalar_one()
    return pks, total


def pending_requests(pks: Iterable[int], storage=None) -> dict[int, str]:
    """{pk: "pause" or "kill"}: control requests recorded for these processes (the daemon's lease table,
    written by ``daemon.control``) that the worker running them has not carried out yet."""
    storage = storage or current.get_storage()
    leases = schema.process_leases
    pks = list(pks)
    found: dict[int, str] = {}
    with storage.connection() as conn:
        for start in range(0, len(pks), CHUNK):
            rows = conn.execute(select(leases.c.node_id, leases.c.action)
                                .where(leases.c.node_id.in_(pks[start:start + CHUNK]), leases.c.action.is_not(None)))
            found.update({pk: action for pk, action in rows})
    return found


#: columns :func:`node_page` may order by
NODE_ORDER = ("ctime", "mtime", "id", "label", "node_type")
#: a type prefix matching at least this many nodes is paged by a scan in the order asked (SQLite)
_WIDE_TYPE = 2000


def _attribute_condition(nodes, attributes: Mapping[str, Any], dialect: str):
    """QueryBuilder filters on ``attributes`` (``{"energy": {"<": 0}, "unit": "eV"}``) as one condition,
    compiled by the QueryBuilder's own filter code (the same operators and JSON typing rules)."""

    def resolve(key: str):
        head, _, rest = key.partition(".")
        if head != "attributes" or not rest:
            raise QueryError(f"attribute filters name attribute keys, got {key!r}")
        path: list[str | int] = [int(p) if p.isascii() and p.isdigit() and len(p) < 10 else p for p in rest.split(".")]
        return JsonPath(nodes.c.attributes, path, dialect, key)

    return filter_condition(resolve, {f"attributes.{key}": value for key, value in attributes.items()}, dialect,
                            "attributes")


def node_page(*, node_type: str | None = None, label: str | None = None, pk: int | None = None,
              uuid_prefix: str | None = None, since: datetime | None = None, until: datetime | None = None,
              attributes: Mapping[str, Any] | None = None, order_by: str = "ctime", descending: bool = True,
              offset: int = 0, limit: int = 50, count_cap: int | None = None,
              storage=None) -> tuple[list[int], int, bool]:
    """Pks of one page of nodes, how many match, and whether counting stopped at ``count_cap``: a
    type-string prefix, an exact label, a pk, a UUID prefix, ``since <= ctime < until``, QueryBuilder
    filters on ``attributes``; ordered by ``order_by`` (one of :data:`NODE_ORDER`, ties by pk).

    The same answer as the QueryBuilder (strings compare by code point on both databases) in one
    statement it does not have to build: a QueryBuilder compile of ``db_node`` is ~5 ms, most of a
    search (benchmarks/results/views.md).

    Why capped: an exact count reads every match (a type with 40k nodes and an attribute filter: 190 ms
    of a 100k-node profile, issue #16); counting stops after ``count_cap`` (``None``: exact).
    Why the plan choice on SQLite: without statistics SQLite narrows a type prefix by its index and then
    sorts every match (40k rows: ~200 ms for a page of 50); when the prefix matches many nodes
    (``_WIDE_TYPE``, counted in the covering index) a scan in ``ctime``/``pk`` order that stops after the
    page is ~100x faster (``benchmarks/results/server.md``).
    """
    storage = storage or current.get_storage()
    nodes = schema.nodes
    sqlite = storage.dialect == "sqlite"
    conditions = []
    type_conditions = []
    if node_type:
        if sqlite:  # BINARY collation: a range, which the node_type index answers (LIKE folds case)
            type_conditions = [nodes.c.node_type >= node_type, nodes.c.node_type < node_type + "\U0010ffff"]
        else:
            type_conditions = [nodes.c.node_type.startswith(node_type, autoescape=True)]
    conditions += type_conditions
    if label is not None:
        conditions.append(nodes.c.label == label)
    if pk is not None:
        conditions.append(nodes.c.id == pk)
    if uuid_prefix:
        conditions.append(nodes.c.uuid.startswith(uuid_prefix.lower(), autoescape=True))
    for bound, compare in ((since, nodes.c.ctime.__ge__), (until, nodes.c.ctime.__lt__)):
        if bound is not None:
            bound = bound if bound.tzinfo else bound.replace(tzinfo=timezone.utc)
            # SQLite's DateTime stores naive UTC text and would drop a zone when binding
            conditions.append(compare(bound.astimezone(timezone.utc).replace(tzinfo=None) if sqlite else bound))
    if attributes:
        conditions.append(_attribute_condition(nodes, attributes, storage.dialect))
    base_conditions = conditions[:-1] if attributes else conditions
    if order_by not in NODE_ORDER:
        raise QueryError(f"order_by must be one of {', '.join(NODE_ORDER)}, got {order_by!r}")
    column: Any = nodes.c[order_by]
    if order_by in ("label", "node_type") and not sqlite:
        column = column.collate("C")
    keys = [column] + ([nodes.c.id] if order_by != "id" else [])
    order = [key.desc() if descending else key.asc() for key in keys]
    with storage.connection() as conn:
        if not sqlite:
            # one search, one backend: parallel workers cost more to start than these bounded reads take
            # (a capped count: 36 ms with 2 workers, 2.8 ms without, on a 100k-node profile under load) and
            # take cores from the other requests; LOCAL: until this read's transaction ends
            conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        page_conditions = conditions
        if sqlite and node_type and order_by in ("ctime", "id") and pk is None:
            wide = conn.execute(select(func.count()).select_from(
                select(nodes.c.id).where(*type_conditions).limit(_WIDE_TYPE).subquery())).scalar_one()
            if wide >= _WIDE_TYPE:  # the same range on ``node_type || ''``, which no index answers
                unindexed = nodes.c.node_type.concat("")
                page_conditions = [c for c in conditions if not any(c is t for t in type_conditions)]
                page_conditions += [unindexed >= node_type, unindexed < node_type + "\U0010ffff"]
        stmt = select(nodes.c.id).where(*page_conditions).order_by(*order).offset(offset or None).limit(limit)
        pks = None
        if not sqlite and attributes and order_by in ("ctime", "id") and pk is None:
            pks = _windowed_page(conn, base_conditions, attributes, order_by, descending, offset, limit)
        if pks is None:
            pks = list(conn.execute(stmt).scalars())
        capped = False
        if not offset and len(pks) < limit:
            total = len(pks)
        else:
            matches = select(nodes.c.id).where(*conditions)
            if count_cap is not None:
                matches = matches.limit(count_cap + 1)
            total = conn.execute(select(func.count()).select_from(matches.subquery())).scalar_one()
            if count_cap is not None and total > count_cap:
                total, capped = count_cap, True
    return pks, total, capped


#: candidates (in the order asked) a windowed page filters by attributes before it reads them all (PostgreSQL)
_WINDOW = 2000


def _windowed_page(conn, base_conditions, attributes: Mapping[str, Any], order_by: str, descending: bool,
                   offset: int, limit: int) -> list[int] | None:
    """On PostgreSQL, the page of an attribute search read from the first ``_WINDOW`` (or 4 x offset + limit)
    nodes that match the other conditions, in the order asked; ``None`` when that window holds fewer than
    a full page (then the caller reads them all).

    Why: the planner estimates one row for any JSON filter, so it scans and sorts every node (160 ms of a
    100k-node profile) instead of walking the ctime index until the page is full (4 ms): the window makes
    the ordered walk a subquery of its own. The same page: the first ``offset + limit`` matches among the
    first W candidates in order are the first matches overall once there are that many."""
    nodes = schema.nodes
    window = max(_WINDOW, 4 * (offset + limit))
    keys = [nodes.c[order_by]] + ([nodes.c.id] if order_by != "id" else [])
    inner = (select(nodes.c.id, nodes.c.ctime, nodes.c.attributes).where(*base_conditions)
             .order_by(*[key.desc() if descending else key.asc() for key in keys]).limit(window).subquery())
    outer_keys = [inner.c[order_by]] + ([inner.c.id] if order_by != "id" else [])
    stmt = (select(inner.c.id).where(_attribute_condition(inner, attributes, "postgresql"))
            .order_by(*[key.desc() if descending else key.asc() for key in outer_keys])
            .offset(offset or None).limit(limit))
    pks = list(conn.execute(stmt).scalars())
    return pks if len(pks) == limit else None


def outputs_labelled(label: str, sources: Iterable[int], link_types: Sequence[LinkType],
                     storage=None) -> list[tuple[int, int, str]]:
    """(source pk, output pk, link type) of every link labelled ``label`` of one of ``link_types`` out of
    one of ``sources``, in the order the links were stored."""
    storage = storage or current.get_storage()
    links = schema.links
    sources = list(sources)
    rows: list[tuple[int, int, str, int]] = []
    with storage.connection() as conn:
        for start in range(0, len(sources), CHUNK):
            stmt = (select(links.c.input_id, links.c.output_id, links.c.type, links.c.id)
                    .where(links.c.input_id.in_(sources[start:start + CHUNK]), links.c.label == label,
                           links.c.type.in_([t.value for t in link_types])))
            rows.extend(conn.execute(stmt).all())
    rows.sort(key=lambda r: r[3])
    return [(r[0], r[1], r[2]) for r in rows]


@dataclass
class Slice:
    target: Node
    cells: list[CellExecutionNode] = field(default_factory=list)
    unrecorded: list[Node] = field(default_factory=list)
    """values the slice depends on that no recorded cell or process produced"""
    files: list[Node] = field(default_factory=list)
    """files the slice reads that no recorded cell or process wrote (read from disk again on replay)"""

    @property
    def complete(self) -> bool:
        return not self.unrecorded

    def sources(self) -> list[str]:
        return [cell.get_attribute("source", "") for cell in self.cells]


def _order_key(cell: Node):
    return (cell.get_attribute("started_at", ""), cell.get_attribute("sequence", 0), cell.pk)


def _launched_in_a_cell(process: Node) -> bool:
    """Whether ``process`` is a cell, or was called (directly or through workflows) by a cell."""
    node, seen = process, set()
    while not isinstance(node, CellExecutionNode):
        callers = node.get_incoming((LinkType.CALL_CALC, LinkType.CALL_WORK))
        if not callers or node.pk in seen:
            return False
        seen.add(node.pk)
        node = callers[0].node
    return True


def compute_slice(target: Node) -> Slice:
    """The cell executions that recompute ``target`` (a stored data node), in execution order."""
    result = Slice(target)
    cells: dict[int, CellExecutionNode] = {}
    seen: set[int] = set()
    origins: dict[int, Node] = {}  # data nodes no recorded cell or process produced
    outside: set[int] = set()  # ... of those, the ones the slice needs from outside its cells
    # (node, reached only as an input of a process that a cell or workflow called): such an input was
    # made while the caller ran (`to_celsius(Float(300.0))`), so replaying the calling cell makes it again
    todo: list[tuple[Node, bool]] = [(target, False)]
    while todo:
        node, made_by_caller = todo.pop()
        pk = pk_of(node)
        if not made_by_caller:
            outside.add(pk)
        if pk in seen:
            continue
        seen.add(pk)
        if isinstance(node, ProcessNode):
            called = False
            if isinstance(node, CellExecutionNode):
                cells[pk] = node
            else:
                callers = node.get_incoming((LinkType.CALL_CALC, LinkType.CALL_WORK))
                called = bool(callers)
                todo.extend((t.node, False) for t in callers)
            todo.extend((t.node, called) for t in node.get_incoming((LinkType.INPUT_CALC, LinkType.INPUT_WORK)))
            continue
        creators = node.get_incoming(LinkType.CREATE)
        if creators and _launched_in_a_cell(creators[0].node):
            todo.append((creators[0].node, False))
            continue
        # made outside this notebook's cells (or by nothing): the first cell that returned it (loaded it) remakes it
        returned_by = [t.node for t in node.get_incoming(LinkType.RETURN) if isinstance(t.node, CellExecutionNode)]
        if returned_by:
            todo.append((min(returned_by, key=_order_key), False))
        else:
            origins[pk] = node
    for pk, node in origins.items():
        if node.node_type == "data.file":
            result.files.append(node)
        elif pk in outside:
            result.unrecorded.append(node)
    result.cells = sorted(cells.values(), key=_order_key)
    return result
