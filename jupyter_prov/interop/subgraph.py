"""The part of the provenance graph an export shows: centres, their ancestors and descendants, and links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InteropError
from ..orm import current, queries
from ..orm.links import DATA_LINKS, LinkType
from ..orm.nodes.node import Node, load_node
from ..orm.traverse import CHUNK_SIZE, LinkRow, links_between
from ..orm.traverse import ancestors as find_ancestors
from ..orm.traverse import descendants as find_descendants

#: refuse to draw more nodes than this unless the caller raises the limit
DEFAULT_MAX_NODES = 2000

_COLUMNS = ("id", "uuid", "node_type", "process_type", "label", "description", "ctime", "mtime", "user_id",
            "attributes")


class GraphTooLarge(InteropError, ValueError):
    """The selected part of the graph has more nodes than ``max_nodes``."""


def node_kind(node_type: str) -> str:
    """``data``, ``calculation``, ``workflow``, ``cell`` or ``process`` for a node type string."""
    if node_type.startswith("data"):
        return "data"
    if node_type.startswith("process.calculation"):
        return "calculation"
    if node_type.startswith("process.workflow"):
        return "workflow"
    if node_type.startswith("process.cell"):
        return "cell"
    return "process" if node_type.startswith("process") else "node"


@dataclass
class Subgraph:
    """Node rows by pk (columns of ``db_node`` without extras and files), links, centre pks and user emails."""

    nodes: dict[int, dict[str, Any]]
    links: list[LinkRow]
    centers: list[int]
    users: dict[int, str] = field(default_factory=dict)

    def kind(self, pk: int) -> str:
        return node_kind(self.nodes[pk]["node_type"])


def link_type_values(link_types: Any) -> list[str]:
    """``None``/``"all"``: every type; ``"data"``: input_calc and create; else the types named."""
    if link_types is None or link_types == "all":
        return [t.value for t in LinkType]
    if link_types == "data":
        return [t.value for t in DATA_LINKS]
    if isinstance(link_types, (str, LinkType)):
        link_types = [link_types]
    return sorted({LinkType(t).value for t in link_types})


def resolve_pks(center: Any, storage) -> list[int]:
    """Pks of a node, pk, UUID (prefix) or a list of them."""
    if isinstance(center, (list, tuple, set, frozenset)):
        return [pk for item in center for pk in resolve_pks(item, storage)]
    if isinstance(center, Node):
        if center.pk is None:
            raise ValueError(f"{center!r} is not stored: it is not in the provenance graph yet")
        return [center.pk]
    return [load_node(center, storage=storage).pk]


def _depth(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative number of links or None (all), got {value!r}")
    return value


def collect(center: Any = None, *, ancestors: int | None = None, descendants: int | None = None,
            link_types: Any = None, pks: Iterable[int] | None = None, storage=None,
            max_nodes: int | None = DEFAULT_MAX_NODES) -> Subgraph:
    """The centres with their ancestors/descendants up to that many links (``None``: all), or exactly ``pks``."""
    storage = storage or current.get_storage()
    types = link_type_values(link_types)
    if pks is not None:
        selected = set(pks)
        centers: list[int] = []
    else:
        if center is None:
            raise ValueError("collect() needs a centre node (or pks=...)")
        centers = resolve_pks(center, storage)
        selected = set(centers)
        up, down = _depth(ancestors, "ancestors"), _depth(descendants, "descendants")
        if up != 0:
            selected |= find_ancestors(centers, link_types=types, max_depth=up, storage=storage)
        if down != 0:
            selected |= find_descendants(centers, link_types=types, max_depth=down, storage=storage)
    if max_nodes is not None and len(selected) > max_nodes:
        raise GraphTooLarge(
            f"the graph around {centers or 'the nodes'} has {len(selected)} nodes, more than max_nodes={max_nodes}; "
            "limit ancestors/descendants or the link types, or raise max_nodes"
        )
    nodes = queries.node_rows(storage, sorted(selected), _COLUMNS, chunk_size=CHUNK_SIZE)
    links = links_between(nodes, storage=storage, link_types=types)
    return Subgraph(nodes, links, centers, queries.user_emails(storage, {row["user_id"] for row in nodes.values()}))


def short_value(row: dict[str, Any], limit: int = 40) -> str | None:
    """A short text of what a data node holds (its value, the keys of a dict), ``None`` if nothing fits."""
    attributes = row.get("attributes") or {}
    if row["node_type"].startswith("process"):
        label = attributes.get("process_label")
        state = attributes.get("process_state")
        text = " ".join(str(part) for part in (label, f"[{state}]" if state else None) if part)
        return text or None
    if "value" in attributes and len(attributes) == 1:
        text = repr(attributes["value"])
    elif row["node_type"] == "data.dict" and attributes:
        text = "{" + ", ".join(sorted(attributes)[:4]) + (", …" if len(attributes) > 4 else "") + "}"
    elif "list" in attributes:
        text = f"list[{len(attributes['list'])}]"
    else:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"
