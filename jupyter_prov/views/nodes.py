"""Nodes as plain data: a summary (what a row of a table or a graph element shows), a detail (what a
details panel shows) and a paged search.

A detail is bounded: at most ``max_links`` links each way and ``max_files`` files, with the totals and a
``truncated`` flag, because one node can have 100,000 outgoing links (a data node read by every cell of
a sweep) and a details panel must answer in milliseconds all the same. The search orders, offsets and
limits in SQL (``orm.lineage_queries.node_page``), caps a page at :data:`MAX_LIMIT` rows, so no face can ask
for the whole profile at once, and counts the matches up to :data:`COUNT_CAP`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..errors import RepositoryError
from ..interop.subgraph import node_kind as subgraph_node_kind
from ..orm import Node, QueryError, current, load_node, load_nodes
from ..orm.graph_queries import node_summaries
from ..orm.lineage_queries import link_page, node_page, pk_of

#: the largest page :func:`search` returns
MAX_LIMIT = 500
#: :func:`search` counts the matches up to this many (then says "more than")
COUNT_CAP = 1000
#: links shown each way and files shown by :func:`detail` unless asked otherwise
MAX_LINKS = 100
MAX_FILES = 200

#: what a face draws or groups a node as; the order is the widget protocol's kind codes
#: (docs/reference/widget-protocol.md: ``nodes.kind``), so the graph encodes ``KINDS.index(kind)``
KINDS = ("data", "calculation", "calcjob", "workflow", "cell", "process", "node")
#: what :func:`search` may order by, and the column each means
ORDER_KEYS = {"ctime": "ctime", "mtime": "mtime", "pk": "id", "label": "label", "node_type": "node_type"}


def iso(value: datetime | None) -> str | None:
    """``value`` as an ISO-8601 string in UTC (``2026-12-03T16:38:41.123456+00:00``)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def node_kind(node_type: str) -> str:
    """Which of :data:`KINDS` a node type string is: the one classifier of the views (summaries, lineage and
    the graph's kind codes): the interop kinds (``interop.subgraph.node_kind``), with calc jobs told apart."""
    if node_type.startswith("process.calculation.calcjob"):
        return "calcjob"
    return subgraph_node_kind(node_type)


#: the name the views used first (``views.lineage`` imports it)
kind_of = node_kind


def _node(node_or_identifier: Node | int | str, storage=None) -> Node:
    if isinstance(node_or_identifier, Node):
        return node_or_identifier
    return load_node(node_or_identifier, storage=storage)


def summary(node_or_identifier: Node | int | str, *, storage=None) -> dict[str, Any]:
    """Identity, type, kind, label, description, times and (for processes) state and exit of a node.

    ``node_or_identifier`` is a stored node, a pk, a UUID or a unique UUID prefix; an unknown one raises
    :class:`~jupyter_prov.orm.NotExistent`. The process fields are ``None`` for data nodes.
    """
    node = _node(node_or_identifier, storage)
    attributes = node.attributes
    return _summary(node.pk, {"uuid": node.uuid, "node_type": node.node_type, "class": type(node).__name__,
                              "process_type": node.process_type, "label": node.label,
                              "description": node.description, "ctime": node.ctime, "mtime": node.mtime,
                              **{key: attributes.get(key) for key in _PROCESS_FIELDS}})


#: the process fields of a summary (``None`` for data nodes)
_PROCESS_FIELDS = ("process_label", "process_state", "exit_status", "exit_message")


def _summary(pk: int | None, row: Mapping[str, Any]) -> dict[str, Any]:
    """The summary of a node from its columns and process attributes (a loaded node or ``node_summaries``)."""
    is_process = row["node_type"].startswith("process.")
    return {
        "pk": pk, "uuid": row["uuid"], "node_type": row["node_type"], "kind": node_kind(row["node_type"]),
        "class": row["class"], "process_type": row["process_type"],
        "label": row["label"], "description": row["description"],
        "ctime": iso(row["ctime"]), "mtime": iso(row["mtime"]),
        **{key: row[key] if is_process else None for key in _PROCESS_FIELDS},
    }


def summaries(pks: list[int], *, storage=None) -> list[dict[str, Any]]:
    """:func:`summary` of each of ``pks`` in that order, read in one statement (no node loaded whole);
    an unknown pk raises :class:`~jupyter_prov.orm.NotExistent`."""
    if not pks:
        return []
    rows = node_summaries(pks, storage=storage)
    if any(pk not in rows for pk in pks):
        load_nodes(pks, storage=storage)  # raises NotExistent naming the missing pks
    return [_summary(pk, rows[pk]) for pk in pks]


def detail(identifier: Node | int | str, *, max_links: int = MAX_LINKS, max_files: int = MAX_FILES,
           storage=None) -> dict[str, Any]:
    """:func:`summary` plus attributes, extras, files ``[{path, size}]``, and the incoming and outgoing
    links ``[{link_type, link_label, node: summary}]`` (in the order they were stored).

    At most ``max_links`` links each way and ``max_files`` files; ``counts`` has the totals and
    ``truncated`` says whether anything was left out.
    """
    node = _node(identifier, storage)
    data = summary(node)
    data["node_hash"] = node.node_hash
    data["attributes"] = _plain(dict(node.attributes))
    data["extras"] = _plain(dict(node.extras))
    paths = list(node.walk_files())
    data["files"] = _files(paths[:max_files], storage)
    counts = {"files": len(paths)}
    for direction in ("incoming", "outgoing"):
        rows, total = link_page(pk_of(node), incoming=direction == "incoming", limit=max_links,
                                storage=storage)
        far = sorted({pk for _, _, pk in rows})
        others = dict(zip(far, summaries(far, storage=storage)))
        data[direction] = [{"link_type": link_type, "link_label": label, "node": others[pk]}
                           for link_type, label, pk in rows]
        counts[direction] = total
    data["counts"] = counts
    data["truncated"] = (counts["files"] > len(data["files"]) or counts["incoming"] > len(data["incoming"])
                         or counts["outgoing"] > len(data["outgoing"]))
    return data


def _files(paths: list[tuple[str, str]], storage=None) -> list[dict[str, Any]]:
    """``[{path, size}]`` (size ``None`` when the object is missing from the repository)."""
    if not paths:
        return []
    repository = (storage or current.get_storage()).repository
    sizes: dict[str, int] = {}
    try:
        for key, _stream, size in repository.iter_streams(sorted({key for _, key in paths})):
            sizes[key] = size
    except RepositoryError:
        pass  # a missing object: its size stays None (``jprov storage verify`` finds it)
    return [{"path": path, "size": sizes.get(key)} for path, key in paths]


def _plain(value: Any) -> Any:
    """JSON values as they are; anything else (it should not be there) as its text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def search(*, node_type: str | None = None, label: str | None = None, identifier: int | str | None = None,
           since: datetime | str | None = None, until: datetime | str | None = None,
           attributes: Mapping[str, Any] | None = None, order_by: str = "ctime", descending: bool = True,
           offset: int = 0, limit: int = 50, count_cap: int | None = COUNT_CAP, storage=None) -> dict[str, Any]:
    """A page of stored nodes as summaries: ``{"total", "total_capped", "offset", "limit", "items"}``.

    - ``node_type``: a type-string prefix (``data.``, ``process.workflow``)
    - ``label``: the exact label
    - ``identifier``: a pk, or a UUID prefix
    - ``since``/``until``: creation time at or after / before (datetimes or ISO-8601 strings; a time
      without a zone is UTC)
    - ``attributes``: QueryBuilder filters on attributes, ``{"energy": {"<": 0}, "unit": "eV"}``
    - ``order_by``: one of :data:`ORDER_KEYS`, ties broken by pk in the same direction
    - ``limit`` is capped at :data:`MAX_LIMIT`
    - ``total`` counts the matches up to ``count_cap`` (``None``: all of them); ``total_capped`` says the
      count stopped there ("more than 1,000"): an exact count reads every match, and a face answering
      a keystroke cannot wait for 40k rows (issue #16)
    """
    if order_by not in ORDER_KEYS:
        raise QueryError(f"order_by must be one of {', '.join(ORDER_KEYS)}, got {order_by!r}")
    for name, value in (("offset", offset), ("limit", limit)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise QueryError(f"{name} must be a non-negative integer, got {value!r}")
    if count_cap is not None and (not isinstance(count_cap, int) or isinstance(count_cap, bool) or count_cap < 1):
        raise QueryError(f"count_cap must be a positive integer or None, got {count_cap!r}")
    if attributes is not None and not isinstance(attributes, Mapping):
        raise QueryError(f"attributes must be a mapping of attribute filters, got {attributes!r}")
    limit = min(limit, MAX_LIMIT)
    pk, uuid_prefix = _identifier(identifier) if identifier is not None else (None, None)
    start = _time(since, "since") if since is not None else None
    end = _time(until, "until") if until is not None else None
    # one statement of the ORM's, attribute filters compiled by the QueryBuilder's filter code
    pks, total, capped = node_page(node_type=node_type or None, label=label, pk=pk, uuid_prefix=uuid_prefix,
                                   since=start, until=end, attributes=attributes or None, order_by=ORDER_KEYS[order_by],
                                   descending=descending, offset=offset, limit=limit, count_cap=count_cap,
                                   storage=storage)
    return {"total": total, "total_capped": capped, "offset": offset, "limit": limit,
            "items": summaries(pks, storage=storage)}


def _identifier(identifier: int | str) -> tuple[int | None, str | None]:
    """(pk, None) or (None, UUID prefix)."""
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        return _checked_pk(identifier), None
    text = str(identifier).strip().lower()
    if text.isascii() and text.isdigit():
        return _checked_pk(int(text)), None
    if not text:
        raise QueryError("identifier is empty: give a pk or a UUID prefix")
    return None, text


def _checked_pk(pk: int) -> int:
    if not -(2 ** 63) <= pk < 2 ** 63:
        raise QueryError(f"identifier {pk} is not a pk (outside the 64-bit range)")
    return pk


def _time(value: datetime | str, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise QueryError(f"{name} must be an ISO-8601 time, got {value!r}") from None
    if not isinstance(value, datetime):
        raise QueryError(f"{name} must be a datetime or an ISO-8601 string, got {value!r}")
    # in UTC: the QueryBuilder binds an aware time's clock reading on SQLite, ignoring its zone (requests.md)
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
