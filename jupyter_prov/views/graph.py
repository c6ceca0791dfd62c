"""Graph neighbourhoods in the columnar format the widgets (and the lab extension's REST) send.

Why columnar and binary: a 5k-node neighbourhood as JSON objects is ~1.6 MB and its parse dominates
the first paint; as typed columns (pks, kind codes, edge endpoint arrays, one string table) it is
~0.35 MB and decodes with no per-node parse (``benchmarks/widgets.py``). The front end pulls the first
snapshot, then applies numbered deltas (see ``docs/reference/widget-protocol.md``, the contract).

Why built on demand: a profile holds millions of nodes; a :class:`Neighbourhood` holds only what the
user has opened (the start nodes and what each expansion brought) and every expansion loads at most
``page_size`` new neighbours per node and direction (the next page on the next ask). What was not
loaded shows as a *stub* on the front end: each node carries its total in- and out-degree.

Everything is read through the ORM (QueryBuilder, :mod:`jupyter_prov.orm.traverse`); each call opens
its own connection, so a comm handler on another thread (ipykernel 7 subshells) may call it while the
user's cell runs; a :class:`Neighbourhood` guards its own state with a lock.
"""

from __future__ import annotations

import datetime as _dt
import threading
import uuid as _uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import JprovError
from ..interop.subgraph import node_kind as subgraph_node_kind
from ..orm import current
from ..orm.links import LinkType
from ..orm.nodes.node import Node
from ..orm.querybuilder import QueryBuilder
from ..orm.traverse import links_between

#: the front end's kind of a node (shape and colour); codes are part of the protocol
KINDS = ("data", "calculation", "calcjob", "workflow", "cell", "process", "node")
KIND_CODES = {name: code for code, name in enumerate(KINDS)}
#: process states; 0: no state (data)
STATES = (None, "created", "waiting", "running", "finished", "excepted", "killed")
STATE_CODES = {name: code for code, name in enumerate(STATES)}
TERMINAL_STATES = frozenset({"finished", "excepted", "killed"})
CALL_LINKS = ("call_calc", "call_work")

#: Tornado refuses websocket messages above 10 MiB; stay well below with the JSON header
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
#: at most this many new neighbours per node and direction in one expansion (the rest: next page)
DEFAULT_PAGE_SIZE = 100
#: at most this many nodes one call brings (depth > 1 stops there; the front end shows stubs)
DEFAULT_MAX_NEW = 5000
#: pks in one ``IN (...)`` of a query
_CHUNK = 5000
_LABEL_CHARS = 60

NODE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pk", "<u4"), ("kind", "u1"), ("state", "u1"), ("exit_status", "<i4"), ("caller", "<u4"),
    ("ctime", "<f8"), ("in_degree", "<u4"), ("out_degree", "<u4"), ("uuid", "u1"), ("type", "<u4"),
    ("label", "<u4"),
)
LINK_COLUMNS: tuple[tuple[str, str], ...] = (("source", "<u4"), ("target", "<u4"), ("link_type", "<u4"),
                                             ("link_label", "<u4"))
#: the buffers of one chunk, in this order (``uuid`` holds 16 bytes per node; strings: offsets then UTF-8)
BUFFER_ORDER = tuple(f"nodes.{n}" for n, _ in NODE_COLUMNS) + tuple(f"links.{n}" for n, _ in LINK_COLUMNS) + (
    "strings.offsets", "strings.utf8")
_NODE_BYTES = sum(np.dtype(t).itemsize for _, t in NODE_COLUMNS) + 15  # the uuid column holds 16 bytes
_LINK_BYTES = sum(np.dtype(t).itemsize for _, t in LINK_COLUMNS)


def node_kind(node_type: str) -> str:
    """The protocol's kind of a node type string: the interop kinds, with calc jobs told apart."""
    if node_type.startswith("process.calculation.calcjob"):
        return "calcjob"
    return subgraph_node_kind(node_type)


@dataclass
class NodeRow:
    """What the graph shows of one node (no attributes beyond the few that make its label and state)."""

    pk: int
    uuid: str
    node_type: str
    kind: str
    label: str
    ctime: float
    state: str | None = None
    exit_status: int | None = None
    caller: int | None = None
    in_degree: int = 0
    out_degree: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class LinkEdge:
    source: int
    target: int
    link_type: str
    link_label: str


@dataclass
class Elements:
    """Nodes (new or changed) and links of one snapshot or delta."""

    nodes: list[NodeRow] = field(default_factory=list)
    links: list[LinkEdge] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.links)


class GraphRequestError(JprovError, ValueError):
    """A graph request names a node, direction or link type that does not exist, or nothing to show."""


# ---- reading ---------------------------------------------------------------------------------------------
def _short_label(label: str | None, node_type: str, kind: str, row: dict[str, Any]) -> str:
    if label:
        text = str(label)
    elif kind == "cell":
        source = str(row.get("source") or "")
        text = next((line.strip() for line in source.splitlines() if line.strip()), "")
    elif kind != "data":
        text = str(row.get("process_label") or node_type.rsplit(".", 1)[-1])
    elif row.get("value") is not None and not isinstance(row.get("value"), (dict, list)):
        text = repr(row["value"])
    else:
        text = ""
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _epoch(value: Any) -> float:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.timestamp()
    return float("nan")


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for offset in range(0, len(values), _CHUNK):
        yield values[offset:offset + _CHUNK]


def _link_type_values(link_types: Any) -> list[str]:
    if link_types is None or link_types == "all":
        return [t.value for t in LinkType]
    if link_types == "data":
        return ["input_calc", "create"]
    if isinstance(link_types, str):
        link_types = [link_types]
    values = []
    for value in link_types:
        try:
            values.append(LinkType(value).value)
        except ValueError:
            raise GraphRequestError(f"unknown link type {value!r} (known: {', '.join(t.value for t in LinkType)})") from None
    return sorted(set(values))


def node_rows(pks: Iterable[int], *, storage=None) -> dict[int, NodeRow]:
    """The rows of ``pks`` with caller and degrees: three batched queries per 5,000 nodes."""
    storage = storage or current.get_storage()
    wanted = sorted(set(pks))
    rows: dict[int, NodeRow] = {}
    keys = ["id", "uuid", "node_type", "label", "ctime", "attributes.process_state", "attributes.exit_status",
            "attributes.value", "attributes.process_label", "attributes.source"]
    for chunk in _chunks(wanted):
        qb = QueryBuilder(storage=storage).append(Node, filters={"id": {"in": chunk}}, project=keys, tag="n")
        for pk, uuid, node_type, label, ctime, state, exit_status, value, process_label, source in qb.iterall():
            kind = node_kind(node_type)
            text = _short_label(label, node_type, kind,
                                {"value": value, "process_label": process_label, "source": source})
            rows[pk] = NodeRow(pk=pk, uuid=str(uuid), node_type=node_type, kind=kind, label=text, ctime=_epoch(ctime),
                               state=state if state in STATE_CODES else None,
                               exit_status=exit_status if isinstance(exit_status, int) else None)
    _add_callers_and_degrees(rows, storage)
    return rows


def _add_callers_and_degrees(rows: dict[int, NodeRow], storage) -> None:
    # Degrees from the link rows of both directions (no GROUP BY in the QueryBuilder yet: a hub with 100k
    # links costs one 100k-row read here; see requests.md for a counting query in orm/traverse.py)
    for chunk in _chunks(sorted(rows)):
        out_qb = (QueryBuilder(storage=storage)
                  .append(Node, filters={"id": {"in": chunk}}, project=["id"], tag="a")
                  .append(Node, with_incoming="a", project=[], edge_project=["type"], tag="b"))
        for pk, _link_type in out_qb.iterall():
            rows[pk].out_degree += 1
        in_qb = (QueryBuilder(storage=storage)
                 .append(Node, filters={"id": {"in": chunk}}, project=["id"], tag="a")
                 .append(Node, with_outgoing="a", project=["id"], edge_project=["type"], tag="b"))
        for pk, source, link_type in in_qb.iterall():
            rows[pk].in_degree += 1
            if link_type in CALL_LINKS:
                rows[pk].caller = source


def _neighbour_page(pk: int, direction: str, types: list[str], offset: int, limit: int, storage) -> list[LinkEdge]:
    """Links of ``pk`` in ``direction`` ordered by link id, ``limit`` of them from ``offset``."""
    if direction == "descendants":
        relation, source_is_start = {"with_incoming": "a"}, True
    else:
        relation, source_is_start = {"with_outgoing": "a"}, False
    qb = (QueryBuilder(storage=storage)
          .append(Node, filters={"id": pk}, project=[], tag="a")
          .append(Node, project=["id"], edge_project=["id", "type", "label"], edge_tag="e", tag="b",
                  edge_filters={"type": {"in": types}}, **relation)
          .order_by({"e": "id"}).limit(limit).offset(offset))
    edges = []
    for other, _link_id, link_type, label in qb.iterall():
        edges.append(LinkEdge(pk, other, link_type, label) if source_is_start else LinkEdge(other, pk, link_type, label))
    return edges


def resolve_roots(start: Any, *, storage=None, limit: int = DEFAULT_MAX_NEW) -> list[int]:
    """Pks of a node, pk, UUID (prefix), a list of them, or the nodes a QueryBuilder returns (at most ``limit``)."""
    from ..orm.nodes.node import load_node

    storage = storage or current.get_storage()
    if isinstance(start, QueryBuilder):
        pks: list[int] = []
        for row in start.iterall():
            for value in row:
                if isinstance(value, Node) and value.pk is not None:
                    pks.append(value.pk)
                elif isinstance(value, int) and not isinstance(value, bool):
                    pks.append(value)
            if len(pks) >= limit:
                break
        return sorted(set(pks))[:limit]
    if isinstance(start, (list, tuple, set, frozenset)):
        return sorted({pk for item in start for pk in resolve_roots(item, storage=storage)})
    if isinstance(start, Node):
        if start.pk is None:
            raise GraphRequestError(f"{start!r} is not stored: it is not in the provenance graph yet")
        return [start.pk]
    try:
        return [load_node(start, storage=storage).pk]
    except LookupError as exc:
        raise GraphRequestError(f"no node {start!r} to show: {exc}") from None


# ---- the state of one view ---------------------------------------------------------------------------------
class Neighbourhood:
    """The part of the graph one view has loaded, grown by :meth:`expand`; numbered versions for deltas.

    ``version`` counts the deltas so far; :meth:`snapshot` is everything loaded at that version.
    """

    def __init__(self, roots: Iterable[int], *, storage=None, depth: int = 1, link_types: Any = None,
                 page_size: int = DEFAULT_PAGE_SIZE, max_new: int = DEFAULT_MAX_NEW):
        self._storage = storage or current.get_storage()
        self._lock = threading.RLock()
        self.page_size = page_size
        self.max_new = max_new
        self.roots = sorted(set(roots))
        self.nodes: dict[int, NodeRow] = {}
        self.links: set[LinkEdge] = set()
        self._cursors: dict[tuple[int, str, tuple[str, ...]], int] = {}
        self.version = 0
        with self._lock:
            rows = node_rows(self.roots, storage=self._storage)
            missing = sorted(set(self.roots) - set(rows))
            if missing:
                raise GraphRequestError(f"no nodes with pk {missing[:10]} to show")
            self._add(Elements(list(rows.values()), []))
            if depth:
                for direction in ("ancestors", "descendants"):
                    self._expand(self.roots, direction, depth, link_types)
            self.version = 0

    @property
    def storage(self):
        return self._storage

    def snapshot(self) -> tuple[int, Elements]:
        """``(version, everything loaded)``."""
        with self._lock:
            return self.version, Elements(sorted(self.nodes.values(), key=lambda r: r.pk),
                                          sorted(self.links, key=lambda e: (e.source, e.target, e.link_type, e.link_label)))

    def _add(self, elements: Elements) -> Elements:
        new_nodes = [row for row in elements.nodes if row.pk not in self.nodes]
        for row in new_nodes:
            self.nodes[row.pk] = row
        new_links = []
        for link in elements.links:
            if link not in self.links:
                self.links.add(link)
                new_links.append(link)
        return Elements(new_nodes, new_links)

    def expand(self, pks: int | Iterable[int], direction: str = "both", *, depth: int = 1,
               link_types: Any = None) -> tuple[int, Elements]:
        """Load the next page of neighbours of ``pks`` (``ancestors``, ``descendants`` or ``both``), ``depth``
        links deep; ``(new version, what is new)`` — an empty delta keeps the version."""
        if direction not in ("ancestors", "descendants", "both"):
            raise GraphRequestError(f"direction must be 'ancestors', 'descendants' or 'both', got {direction!r}")
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= 50:
            raise GraphRequestError(f"depth must be a number of links from 1 to 50, got {depth!r}")
        start = [pks] if isinstance(pks, int) else list(pks)
        with self._lock:
            unknown = [pk for pk in start if pk not in self.nodes]
            if unknown:
                raise GraphRequestError(f"nodes {unknown[:10]} are not in this view: expand from a node it shows")
            found = Elements()
            for side in (("ancestors", "descendants") if direction == "both" else (direction,)):
                part = self._expand(start, side, depth, link_types)
                found.nodes += part.nodes
                found.links += part.links
            if found:
                self.version += 1
            return self.version, found

    def _expand(self, start: list[int], direction: str, depth: int, link_types: Any) -> Elements:
        types = tuple(_link_type_values(link_types))
        found = Elements()
        frontier = list(start)
        for _ in range(depth):
            edges: list[LinkEdge] = []
            for pk in frontier:
                edges += self._next_page(pk, direction, types)
                if len(edges) >= self.max_new:
                    break
            far = {e.source if direction == "ancestors" else e.target for e in edges}
            new_pks = sorted(far - set(self.nodes))
            rows = node_rows(new_pks, storage=self._storage) if new_pks else {}
            # links between the new nodes and everything already shown, not only the ones followed
            between = links_between(list(rows), storage=self._storage) if rows else []
            known = set(self.nodes) | set(rows)
            extra = [LinkEdge(link.input_id, link.output_id, link.type, link.label) for link in between]
            extra += self._links_to_known(list(rows), known)
            added = self._add(Elements(list(rows.values()), edges + extra))
            found.nodes += added.nodes
            found.links += added.links
            frontier = new_pks
            if not frontier or len(found.nodes) >= self.max_new:
                break
        return found

    def _links_to_known(self, new_pks: list[int], known: set[int]) -> list[LinkEdge]:
        if not new_pks:
            return []
        result = []
        for chunk in _chunks(sorted(new_pks)):
            for relation, new_is_source in (({"with_incoming": "a"}, True), ({"with_outgoing": "a"}, False)):
                qb = (QueryBuilder(storage=self._storage)
                      .append(Node, filters={"id": {"in": chunk}}, project=["id"], tag="a")
                      .append(Node, project=["id"], edge_project=["type", "label"], tag="b", **relation))
                for new, other, link_type, label in qb.iterall():
                    if other in known and other not in chunk:
                        result.append(LinkEdge(new, other, link_type, label) if new_is_source
                                      else LinkEdge(other, new, link_type, label))
        return result

    def _next_page(self, pk: int, direction: str, types: tuple[str, ...]) -> list[LinkEdge]:
        """Up to ``page_size`` links of ``pk`` to nodes not shown yet (pages on from the last ask)."""
        key = (pk, direction, types)
        offset = self._cursors.get(key, 0)
        result: list[LinkEdge] = []
        while len(result) < self.page_size:
            page = _neighbour_page(pk, direction, list(types), offset, self.page_size, self._storage)
            offset += len(page)
            for edge in page:
                far = edge.source if direction == "ancestors" else edge.target
                if far in self.nodes or any((r.source if direction == "ancestors" else r.target) == far for r in result):
                    self.links.add(edge) if far in self.nodes else None
                    continue
                result.append(edge)
            if len(page) < self.page_size:
                break
        self._cursors[key] = offset
        return result

    def add_nodes(self, pks: Iterable[int], *, as_roots: bool = False) -> tuple[int, Elements]:
        """Show ``pks`` too (found by a search), with their links to what is shown; ``(version, what is new)``."""
        with self._lock:
            new = sorted(set(pks) - set(self.nodes))
            rows = node_rows(new, storage=self._storage) if new else {}
            if as_roots:
                self.roots = sorted(set(self.roots) | set(pks))
            known = set(self.nodes) | set(rows)
            links = [LinkEdge(link.input_id, link.output_id, link.type, link.label)
                     for link in links_between(list(rows), storage=self._storage)] if rows else []
            added = self._add(Elements(list(rows.values()), links + self._links_to_known(list(rows), known)))
            if added:
                self.version += 1
            return self.version, added

    def open_workflow(self, pk: int) -> tuple[int, Elements]:
        """Load every process ``pk`` called (recursively, up to ``max_new``) and their data links one deep."""
        with self._lock:
            if pk not in self.nodes:
                raise GraphRequestError(f"node {pk} is not in this view")
            found = self._expand([pk], "descendants", 50, CALL_LINKS)
            processes = [row.pk for row in found.nodes]
            for side in ("ancestors", "descendants"):
                part = self._expand(processes, side, 1, ["input_calc", "create", "input_work", "return"]) if processes \
                    else Elements()
                found.nodes += part.nodes
                found.links += part.links
            if found:
                self.version += 1
            return self.version, found

    def refresh_states(self) -> tuple[int, Elements]:
        """Re-read the processes shown that were not terminal; a delta of those whose state changed."""
        with self._lock:
            live = [pk for pk, row in self.nodes.items() if row.kind != "data" and row.state not in TERMINAL_STATES]
            if not live:
                return self.version, Elements()
            fresh = node_rows(live, storage=self._storage)
            changed = []
            for pk, row in fresh.items():
                old = self.nodes[pk]
                if (row.state, row.exit_status, row.in_degree, row.out_degree) != (
                        old.state, old.exit_status, old.in_degree, old.out_degree):
                    self.nodes[pk] = row
                    changed.append(row)
            if changed:
                self.version += 1
            return self.version, Elements(changed, [])


# ---- encoding ----------------------------------------------------------------------------------------------
def _encode_part(nodes: list[NodeRow], links: list[LinkEdge]) -> list[bytes]:
    strings: dict[str, int] = {"": 0}

    def index(text: str) -> int:
        found = strings.get(text)
        if found is None:
            found = strings[text] = len(strings)
        return found

    n = len(nodes)
    uuids = bytearray(16 * n)
    for i, row in enumerate(nodes):
        try:
            uuids[16 * i:16 * i + 16] = _uuid.UUID(row.uuid).bytes
        except ValueError:
            pass
    columns = {
        "pk": [r.pk for r in nodes], "kind": [KIND_CODES[r.kind] for r in nodes],
        "state": [STATE_CODES.get(r.state, 0) for r in nodes],
        "exit_status": [-1 if r.exit_status is None else r.exit_status for r in nodes],
        "caller": [r.caller or 0 for r in nodes], "ctime": [r.ctime for r in nodes],
        "in_degree": [r.in_degree for r in nodes], "out_degree": [r.out_degree for r in nodes],
        "type": [index(r.node_type) for r in nodes], "label": [index(r.label) for r in nodes],
    }
    buffers = []
    for name, dtype in NODE_COLUMNS:
        buffers.append(bytes(uuids) if name == "uuid" else np.asarray(columns[name], dtype=dtype).tobytes())
    link_columns = {
        "source": [e.source for e in links], "target": [e.target for e in links],
        "link_type": [index(e.link_type) for e in links], "link_label": [index(e.link_label) for e in links],
    }
    for name, dtype in LINK_COLUMNS:
        buffers.append(np.asarray(link_columns[name], dtype=dtype).tobytes())
    encoded = [text.encode("utf-8") for text in strings]
    offsets = np.zeros(len(encoded) + 1, dtype="<u4")
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    buffers += [offsets.tobytes(), b"".join(encoded)]
    return buffers


def encode(elements: Elements, *, version: int, kind: str = "delta",
           max_bytes: int = MAX_MESSAGE_BYTES) -> list[tuple[dict[str, Any], list[bytes]]]:
    """``elements`` as messages ``(content, buffers)`` of at most ``max_bytes`` each.

    Nodes come before the links that need them (a link's part is never earlier than its ends' part).
    Every part has its own string table; ``part``/``parts`` let the front end apply a version whole.
    """
    if kind not in ("snapshot", "delta"):
        raise ValueError(f"kind must be 'snapshot' or 'delta', got {kind!r}")
    budget = max_bytes - 4096  # the JSON header
    plan: list[tuple[list[NodeRow], list[LinkEdge]]] = []
    part_nodes: list[NodeRow] = []
    part_links: list[LinkEdge] = []
    size = 0
    # an upper bound of each element's bytes (its strings counted as if no other element shared them)
    items = [(row, _NODE_BYTES + 8 + len(row.label.encode()) + len(row.node_type)) for row in elements.nodes]
    items += [(link, _LINK_BYTES + 8 + len(link.link_type) + len(link.link_label.encode())) for link in elements.links]
    for item, cost in items:
        if cost > budget:
            raise ValueError(f"max_bytes={max_bytes} is too small for one element ({cost} bytes)")
        if size + cost > budget:
            plan.append((part_nodes, part_links))
            part_nodes, part_links, size = [], [], 0
        (part_nodes if isinstance(item, NodeRow) else part_links).append(item)
        size += cost
    plan.append((part_nodes, part_links))
    messages = []
    for i, (part_nodes, part_links) in enumerate(plan):
        buffers = _encode_part(part_nodes, part_links)
        content = {"type": "chunk", "kind": kind, "version": version, "part": i, "parts": len(plan),
                   "nodes": len(part_nodes), "links": len(part_links), "buffers": list(BUFFER_ORDER)}
        messages.append((content, buffers))
    return messages


def decode(buffers: list[bytes]) -> Elements:
    """The inverse of one part of :func:`encode` (tests and the REST client use it)."""
    named = dict(zip(BUFFER_ORDER, buffers))
    offsets = np.frombuffer(named["strings.offsets"], dtype="<u4")
    utf8 = named["strings.utf8"]
    strings = [bytes(utf8[offsets[i]:offsets[i + 1]]).decode("utf-8") for i in range(len(offsets) - 1)]
    cols = {name: np.frombuffer(named[f"nodes.{name}"], dtype=dtype) for name, dtype in NODE_COLUMNS}
    nodes = []
    for i in range(len(cols["pk"])):
        state = STATES[int(cols["state"][i])]
        exit_status = int(cols["exit_status"][i])
        nodes.append(NodeRow(pk=int(cols["pk"][i]), uuid=str(_uuid.UUID(bytes=bytes(cols["uuid"][16 * i:16 * i + 16]))),
                             node_type=strings[cols["type"][i]], kind=KINDS[int(cols["kind"][i])],
                             label=strings[cols["label"][i]], ctime=float(cols["ctime"][i]), state=state,
                             exit_status=None if exit_status == -1 else exit_status,
                             caller=int(cols["caller"][i]) or None, in_degree=int(cols["in_degree"][i]),
                             out_degree=int(cols["out_degree"][i])))
    lcols = {name: np.frombuffer(named[f"links.{name}"], dtype=dtype) for name, dtype in LINK_COLUMNS}
    links = [LinkEdge(int(lcols["source"][i]), int(lcols["target"][i]), strings[lcols["link_type"][i]],
                      strings[lcols["link_label"][i]]) for i in range(len(lcols["source"]))]
    return Elements(nodes, links)


__all__ = [
    "BUFFER_ORDER", "DEFAULT_PAGE_SIZE", "Elements", "GraphRequestError", "KINDS", "LinkEdge", "MAX_MESSAGE_BYTES",
    "Neighbourhood", "NodeRow", "STATES", "decode", "encode", "node_kind", "node_rows", "resolve_roots",
]
