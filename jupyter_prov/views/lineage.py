"""A notebook variable's recorded past as plain data: its versions, its slice, its ancestry.

The ``%provenance history|slice|show`` magics render these as tables and drawings. What a version or a node looks like in one
line (:func:`describe`, :func:`summarize`, :func:`process_text`) is decided here once, so every face
tells two versions of a variable apart the same way. The slice itself (which cells recompute a value)
is a graph question and lives with the model: :func:`jupyter_prov.orm.lineage_queries.compute_slice`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..orm import CellExecutionNode, LinkType, Node, ProcessNode, load_node, load_nodes
from ..orm.lineage_queries import Slice, compute_slice, outputs_labelled, pk_of
from .nodes import kind_of, summary

#: nodes :func:`ancestry` collects at most
MAX_ANCESTRY = 200


def _node(node_or_identifier: Node | int | str) -> Node:
    return node_or_identifier if isinstance(node_or_identifier, Node) else load_node(node_or_identifier)


def summarize(node: Node, limit: int = 60) -> str:
    """A short description of a data node's value for tables (``int: 5``, ``array: shape (3,) <f8``)."""
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


def _cell(cell: Node) -> dict[str, Any]:
    return {"pk": cell.pk, "uuid": cell.uuid, "label": cell.label, "cell_id": cell.get_attribute("cell_id", ""),
            "started_at": cell.get_attribute("started_at", ""), "source": cell.get_attribute("source", "")}


def versions(name: str, cell_pks: Iterable[int]) -> list[dict[str, Any]]:
    """Every recorded version of variable ``name`` made by the given cells, in the order recorded:
    ``[{"version", "pk", "uuid", "type", "size", "value", "hash", "link_type", "cell": {pk, uuid, label,
    cell_id, started_at, source}}]`` (``link_type`` ``create``: the cell made it, ``return``: it read it in)."""
    rows = outputs_labelled(name, cell_pks, (LinkType.CREATE, LinkType.RETURN))
    nodes = {n.pk: n for n in load_nodes({pk for row in rows for pk in row[:2]})} if rows else {}
    result = []
    for index, (cell_pk, value_pk, link_type) in enumerate(rows, 1):
        value = nodes[value_pk]
        result.append({"version": index, "pk": value.pk, "uuid": value.uuid, **describe(value),
                       "link_type": link_type, "cell": _cell(nodes[cell_pk])})
    return result


def slice_data(piece: Slice) -> dict[str, Any]:
    """A computed slice as plain data (see :func:`slice_of`)."""
    return {
        "target": summary(piece.target),
        "cells": [_cell(cell) for cell in piece.cells],
        "files": sorted({str(f.get_attribute("path", f.label)) for f in piece.files}),
        "unrecorded": [{"pk": n.pk, "label": n.label} for n in piece.unrecorded],
        "complete": piece.complete,
    }


def slice_of(node_or_identifier: Node | int | str) -> dict[str, Any]:
    """The cells that recompute a value, in execution order: ``{"target": summary, "cells": [{pk, uuid,
    label, cell_id, started_at, source}], "files": [paths read from disk], "unrecorded": [{pk, label}],
    "complete"}`` (incomplete: values in ``unrecorded`` came from outside the recording)."""
    return slice_data(compute_slice(_node(node_or_identifier)))


def ancestry(node_or_identifier: Node | int | str, *, max_nodes: int = MAX_ANCESTRY) -> dict[str, Any]:
    """What a value derives from, along every incoming link: ``{"root": pk, "nodes": [{pk, uuid, kind,
    node_type, label, text}], "edges": [{source, target, link_type, link_label}], "truncated"}``.

    Nodes are in the order they were reached (the root first); each node's incoming edges in the order
    the links were stored. At most ``max_nodes`` nodes; ``truncated`` when more were reachable.
    """
    root = _node(node_or_identifier)
    found: dict[int, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    todo = [root]
    truncated = False
    while todo:
        node = todo.pop()
        pk = pk_of(node)
        if pk in found:
            continue
        if len(found) >= max_nodes:
            truncated = True
            break
        text = process_text(node) if isinstance(node, ProcessNode) else summarize(node)
        found[pk] = {"pk": pk, "uuid": node.uuid, "kind": kind_of(node.node_type),
                          "node_type": node.node_type, "label": node.label, "text": text}
        for triple in node.get_incoming():
            edges.append({"source": triple.node.pk, "target": node.pk, "link_type": triple.link_type.value,
                          "link_label": triple.link_label})
            todo.append(triple.node)
    edges = [edge for edge in edges if edge["source"] in found]
    return {"root": root.pk, "nodes": list(found.values()), "edges": edges, "truncated": truncated}
