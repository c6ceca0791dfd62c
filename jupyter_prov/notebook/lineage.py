"""Questions about a variable's recorded past: its versions, its lineage, the cells that recompute it.

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

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..orm.links import LinkType
from ..orm.nodes.node import Node, load_nodes
from ..orm.nodes.process import CellExecutionNode, ProcessNode
from ..storage import schema


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
        if not made_by_caller:
            outside.add(node.pk)
        if node.pk in seen:
            continue
        seen.add(node.pk)
        if isinstance(node, ProcessNode):
            called = False
            if isinstance(node, CellExecutionNode):
                cells[node.pk] = node
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
            origins[node.pk] = node
    for pk, node in origins.items():
        if node.node_type == "data.file":
            result.files.append(node)
        elif pk in outside:
            result.unrecorded.append(node)
    result.cells = sorted(cells.values(), key=_order_key)
    return result


def versions_of(name: str, cell_pks: list[int], storage) -> list[tuple[Node, CellExecutionNode, str]]:
    """Every recorded version of variable ``name`` made by the given cells: (value, cell, link type)."""
    links = schema.links
    rows: list[tuple[int, int, str, int]] = []
    with storage.connection() as conn:
        for start in range(0, len(cell_pks), 5000):
            chunk = cell_pks[start:start + 5000]
            stmt = (select(links.c.input_id, links.c.output_id, links.c.type, links.c.id)
                    .where(links.c.input_id.in_(chunk), links.c.label == name,
                           links.c.type.in_([LinkType.CREATE.value, LinkType.RETURN.value])))
            rows.extend(conn.execute(stmt).all())
    rows.sort(key=lambda r: r[3])
    nodes = {n.pk: n for n in load_nodes({pk for r in rows for pk in r[:2]})} if rows else {}
    return [(nodes[r[1]], nodes[r[0]], r[2]) for r in rows]


def summarize(node: Node, limit: int = 60) -> str:
    """A short description of a data node's value for tables."""
    attributes = node.attributes
    kind = node.node_type.split(".")[-1]
    if "value" in attributes:
        text = repr(attributes["value"])
    elif node.node_type == "data.list":
        text = repr(attributes.get("list"))
    elif node.node_type == "data.dict":
        text = repr(dict(attributes))
    elif node.node_type == "data.array":
        meta = attributes.get("arrays", {}).get("default", {})
        text = f"shape {tuple(meta.get('shape', ()))} {meta.get('dtype', '')}"
    elif node.node_type == "data.table":
        text = f"shape {tuple(attributes.get('shape', ()))} columns {attributes.get('columns')}"
    elif node.node_type == "data.reference":
        text = attributes.get("repr", "")
    elif node.node_type == "data.file":
        text = attributes.get("path", attributes.get("filename", ""))
    else:
        text = ""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"{kind}: {text}"


def describe(node: Node, limit: int = 40) -> dict[str, str]:
    """What tells two versions of a variable apart in a table: type, shape or length, excerpt, short hash.

    The hash is the node's content hash (the same value, the same hash); a reference (a function, a
    module, an object that is not stored) has none, only its type and repr.
    """
    attributes = node.attributes
    kind = node.node_type.split(".")[-1]
    type_, size, text = kind, "", ""
    if "value" in attributes:
        value = attributes["value"]
        text = repr(value)
        if isinstance(value, str):
            size = f"len {len(value)}"
    elif node.node_type == "data.list":
        items = attributes.get("list") or []
        text, size = repr(items), f"len {len(items)}"
    elif node.node_type == "data.dict":
        text, size = repr(dict(attributes)), f"len {len(attributes)}"
    elif node.node_type == "data.array":
        meta = attributes.get("arrays", {}).get("default", {})
        type_ = f"array {_dtype_name(meta.get('dtype', ''))}".strip()
        size = str(tuple(meta.get("shape", ())))
    elif node.node_type == "data.table":
        size = str(tuple(attributes.get("shape", ())))
        text = f"columns {attributes.get('columns')}"
    elif node.node_type == "data.reference":
        type_ = str(attributes.get("python_type", kind)).rsplit(".", 1)[-1]
        text = attributes.get("repr", "")
    elif node.node_type == "data.file":
        text = str(attributes.get("path", attributes.get("filename", "")))
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    digest = node.node_hash if node.node_type != "data.reference" else None
    return {"type": type_, "size": size, "value": text, "hash": digest[:10] if digest else "-"}


def _dtype_name(dtype: str) -> str:
    """``float64`` for ``<f8``: the name people read in numpy's repr."""
    try:
        import numpy

        return numpy.dtype(dtype).name
    except (TypeError, ValueError):
        return dtype


def process_text(node: Node, limit: int = 50) -> str:
    """A process as a person knows it: a cell by its number and first line, a function by its name."""
    if isinstance(node, CellExecutionNode):
        lines = [line for line in (node.get_attribute("source", "") or "").splitlines() if line.strip()]
        first = lines[0].strip() if lines else ""
        if len(first) > limit:
            first = first[: limit - 1] + "…"
        elif len(lines) > 1:
            first += " …"
        return f"{node.label or 'cell'}: {first}" if first else (node.label or "cell")
    name = node.get_attribute("process_label") or node.label or node.node_type.split(".")[-1]
    state = node.get_attribute("process_state")
    return f"{name} [{state}]" if state else str(name)


def lineage_graph(target: Node, *, max_nodes: int = 200):
    """A graphviz Digraph of the ancestry of ``target`` (the interop layer's when it is installed)."""
    try:
        from ..interop.dot import provenance_graph  # type: ignore[import-not-found]
    except ImportError:
        provenance_graph = None
    if provenance_graph is not None:
        return provenance_graph(target, ancestors=None, descendants=0, max_nodes=max_nodes)
    return _fallback_graph(target, max_nodes=max_nodes)


def _fallback_graph(target: Node, *, max_nodes: int):
    """Minimal drawing used until ``jupyter_prov.interop.dot`` exists: ancestors with labelled links."""
    import graphviz

    dot = graphviz.Digraph(graph_attr={"rankdir": "LR"}, node_attr={"fontsize": "10"})
    seen: set[int] = set()
    todo = [target]
    while todo and len(seen) < max_nodes:
        node = todo.pop()
        if node.pk in seen:
            continue
        seen.add(node.pk)
        if isinstance(node, CellExecutionNode):
            dot.node(str(node.pk), process_text(node, 40), shape="rectangle", style="filled", fillcolor="#fde9b8")
        elif isinstance(node, ProcessNode):
            dot.node(str(node.pk), process_text(node, 40), shape="rectangle", style="filled", fillcolor="#cfe8fc")
        else:
            dot.node(str(node.pk), f"{node.label or node.pk}\n{summarize(node, 30)}", shape="ellipse",
                     style="filled", fillcolor="#e0f3db" if node is not target else "#a6dba0")
        for triple in node.get_incoming():
            dot.edge(str(triple.node.pk), str(node.pk), label=f"{triple.link_type.value}\n{triple.link_label}",
                     fontsize="8")
            todo.append(triple.node)
    return dot


def lineage_text(target: Node, *, max_nodes: int = 200) -> str:
    """The ancestry as indented text (terminals)."""
    lines: list[str] = []
    seen: set[int] = set()

    def walk(node: Node, depth: int, via: str) -> None:
        if len(seen) >= max_nodes:
            return
        what = process_text(node) if isinstance(node, ProcessNode) else summarize(node)
        marker = " (see above)" if node.pk in seen else ""
        lines.append(f"{'  ' * depth}{via}{what} <{node.pk}>{marker}")
        if marker:
            return
        seen.add(node.pk)
        for triple in node.get_incoming():
            walk(triple.node, depth + 1, f"{triple.link_type.value} {triple.link_label} <- ")

    walk(target, 0, "")
    return "\n".join(lines)


class LineageView:
    """Displays the lineage graph as SVG in a notebook and as text in a terminal."""

    def __init__(self, target: Node):
        self.target = target

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = {"text/plain": lineage_text(self.target)}
        try:
            bundle["image/svg+xml"] = lineage_graph(self.target).pipe(format="svg").decode()
        except Exception:  # noqa: BLE001, S110 - no graphviz executable: the text is still there
            pass
        return bundle

    def __repr__(self) -> str:
        return lineage_text(self.target)
