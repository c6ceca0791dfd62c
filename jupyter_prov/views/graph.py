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
from ..orm import current, graph_queries
from ..orm.links import LinkType
from ..orm.nodes.node import Node
from ..orm.querybuilder import QueryBuilder
from .nodes import KINDS, node_kind

#: the front end's kind of a node (shape and colour): ``views.nodes.KINDS``, whose order is the protocol's codes
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
#: a node with more links than this one way has its links to the shown nodes read by their pks, not all
_MANY_LINKS = 1000
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
    """The rows of ``pks`` with caller and degrees, in pk order: one statement per chunk of pks
    (``orm.graph_queries.node_rows``: the columns, degrees in and out and the caller together)."""
    storage = storage or current.get_storage()
    rows: dict[int, NodeRow] = {}
    for pk, uuid, node_type, label, ctime, state, exit_status, value, process_label, source, out_degree, \
            in_degree, caller in graph_queries.node_rows(sorted(set(pks)), storage=storage):
        kind = node_kind(node_type)
        text = _short_label(label, node_type, kind, {"value": value, "process_label": process_label, "source": source})
        rows[pk] = NodeRow(pk=pk, uuid=uuid, node_type=node_type, kind=kind, label=text, ctime=_epoch(ctime),
                           state=state if state in STATE_CODES else None,
                           exit_status=exit_status if isinstance(exit_status, int) and not isinstance(exit_status, bool)
                           else None,
                           caller=caller if kind != "data" and in_degree else None,
                           in_degree=in_degree, out_degree=out_degree)
    return rows


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
        """Breadth first from ``start``, one level at a time: each level is a few statements (its pages of
        links, then the new nodes' rows and links), not one per frontier node."""
        types = tuple(_link_type_values(link_types))
        found = Elements()
        frontier = list(start)
        for _ in range(depth):
            edges = self._next_pages(frontier, direction, types)
            far = {e.source if direction == "ancestors" else e.target for e in edges}
            new_pks = sorted(far - set(self.nodes))
            rows = node_rows(new_pks, storage=self._storage) if new_pks else {}
            # links between the new nodes and everything shown (themselves too), not only the ones followed
            extra = self._links_touching(rows, set(self.nodes) | set(rows))
            added = self._add(Elements(list(rows.values()), edges + extra))
            found.nodes += added.nodes
            found.links += added.links
            frontier = new_pks
            if not frontier or len(found.nodes) >= self.max_new:
                break
        return found

    def _links_touching(self, rows: dict[int, NodeRow], known: set[int]) -> list[LinkEdge]:
        """Every link between a node of ``rows`` and a node of ``known`` (which holds ``rows``), each once.

        A node's links are read whole unless it has more than ``_MANY_LINKS`` of them one way; then only
        those to ``known`` (by their pks): a hub read by 100k calculations costs an index lookup."""
        if not rows:
            return []
        result = []
        for incoming in (False, True):
            degree = {pk: row.in_degree if incoming else row.out_degree for pk, row in rows.items()}
            few = [pk for pk in sorted(rows) if 0 < degree[pk] <= _MANY_LINKS]
            many = [pk for pk in sorted(rows) if degree[pk] > _MANY_LINKS]
            found = graph_queries.links_of(few, incoming=incoming, storage=self._storage)
            if many:
                found += graph_queries.links_of(many, incoming=incoming, others=sorted(known), storage=self._storage)
            for source, target, link_type, label in found:
                if incoming and source in rows:
                    continue  # read from the other end already
                if (source if incoming else target) in known:
                    result.append(LinkEdge(source, target, link_type, label))
        return result

    def _next_pages(self, frontier: list[int], direction: str, types: tuple[str, ...]) -> list[LinkEdge]:
        """For each node of ``frontier`` in turn, up to ``page_size`` links to nodes not shown yet (paging on
        from the last ask), until ``max_new`` links: one statement per chunk of nodes and page round."""
        incoming = direction == "ancestors"
        edges: list[LinkEdge] = []
        for chunk in graph_queries.chunks(frontier):
            offsets = {pk: self._cursors.get((pk, direction, types), 0) for pk in chunk}
            results: dict[int, list[LinkEdge]] = {pk: [] for pk in chunk}
            taken: dict[int, set[int]] = {pk: set() for pk in chunk}
            pending = list(dict.fromkeys(chunk))
            while pending:  # a page whose links lead to shown nodes is followed by the next page
                by_offset: dict[int, list[int]] = {}
                for pk in pending:
                    by_offset.setdefault(offsets[pk], []).append(pk)
                pages: dict[int, list[tuple[int, str, str]]] = {}
                for offset, group in by_offset.items():
                    pages.update(graph_queries.link_pages(group, incoming=incoming, link_types=types, offset=offset,
                                                          limit=self.page_size, storage=self._storage))
                again = []
                for pk in pending:
                    page = pages.get(pk, [])
                    offsets[pk] += len(page)
                    for far, link_type, label in page:
                        edge = LinkEdge(far, pk, link_type, label) if incoming else LinkEdge(pk, far, link_type, label)
                        if far in self.nodes:
                            self.links.add(edge)
                        elif far not in taken[pk]:
                            taken[pk].add(far)
                            results[pk].append(edge)
                    if len(page) == self.page_size and len(results[pk]) < self.page_size:
                        again.append(pk)
                pending = again
            for pk in dict.fromkeys(chunk):
                edges += results[pk]
                self._cursors[(pk, direction, types)] = offsets[pk]
                if len(edges) >= self.max_new:
                    return edges
        return edges

    def add_nodes(self, pks: Iterable[int], *, as_roots: bool = False) -> tuple[int, Elements]:
        """Show ``pks`` too (found by a search), with their links to what is shown; ``(version, what is new)``."""
        with self._lock:
            new = sorted(set(pks) - set(self.nodes))
            rows = node_rows(new, storage=self._storage) if new else {}
            if as_roots:
                self.roots = sorted(set(self.roots) | set(pks))
            links = self._links_touching(rows, set(self.nodes) | set(rows))
            added = self._add(Elements(list(rows.values()), links))
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
        text = row.uuid
        try:  # the canonical text of the database by bytes.fromhex (a quarter of the time of uuid.UUID)
            raw = bytes.fromhex(text.replace("-", "")) if len(text) == 36 and text.count("-") == 4 else b""
            uuids[16 * i:16 * i + 16] = raw if len(raw) == 16 else _uuid.UUID(text).bytes
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
    items: list[tuple[NodeRow | LinkEdge, int]] = [
        (row, _NODE_BYTES + 8 + len(row.label.encode()) + len(row.node_type)) for row in elements.nodes]
    items += [(link, _LINK_BYTES + 8 + len(link.link_type) + len(link.link_label.encode())) for link in elements.links]
    for item, cost in items:
        if cost > budget:
            raise ValueError(f"max_bytes={max_bytes} is too small for one element ({cost} bytes)")
        if size + cost > budget:
            plan.append((part_nodes, part_links))
            part_nodes, part_links, size = [], [], 0
        if isinstance(item, NodeRow):
            part_nodes.append(item)
        else:
            part_links.append(item)
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
