"""Compact HTML (and plain-text) tables for nodes, groups and query results in a notebook.

Jupyter calls ``_repr_html_``/``_repr_mimebundle_`` of the last value of a cell; these functions
build what those methods return. Values are escaped; long values are shortened so that a node with a
large dictionary still shows as a small table.

This is the model's own notebook form (``Node``, ``Group`` and ``QueryBuilder`` call it, with or without
the ``%provenance`` extension loaded), so it sits in ``orm/``, below ``views/``, and cannot build on it.
Faces show data from :mod:`jupyter_prov.views`; only an ORM object's ``repr`` comes from here.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

MAX_VALUE = 80
MAX_ROWS = 50


def short(value: Any, limit: int = MAX_VALUE) -> str:
    """A one-line text form of ``value``, cut at ``limit`` characters."""
    from .nodes.fields import NodeFields  # the base of every node; nodes.node imports this module

    if isinstance(value, NodeFields):
        node: Any = value  # a Node (NodeFields declares the slots, Node the properties)
        text = f"{type(node).__name__} pk={node.pk} uuid={node.uuid}"
    elif isinstance(value, (dict, list)):
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_html(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None,
               more: int = 0) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(short(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    cap = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    tail = f"<tr><td colspan='{len(headers)}'>… {more} more</td></tr>" if more else ""
    return f"<table class='jprov-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}{tail}</tbody></table>"


def table_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    rows = [[short(v, 40) for v in row] for row in rows]
    widths = [max([len(str(h)), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def _node_rows(node) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("type", node.node_type), ("uuid", node.uuid), ("pk", node.pk), ("label", node.label),
    ]
    if node.process_type:
        rows.append(("process type", node.process_type))
    if node.description:
        rows.append(("description", node.description))
    rows.append(("created", node.ctime.isoformat(timespec="seconds")))
    state = node.attributes.get("process_state")
    if state:
        rows.append(("state", f"{state} (exit {node.attributes.get('exit_status')})"))
    value = _value_of(node)
    if value is not None:
        rows.append(("value", value))
    for key in list(node.attributes)[:10]:
        if key not in ("value", "process_state", "exit_status"):
            rows.append((f"attributes.{key}", node.attributes[key]))
    if node.extras:
        rows.append(("extras", node.extras))
    files = [path for path, _ in node.walk_files()]
    if files:
        rows.append(("files", ", ".join(files[:10]) + (" …" if len(files) > 10 else "")))
    return rows


def _value_of(node) -> Any:
    try:
        value = node.value
    except Exception:  # noqa: BLE001 - a node kind without a single value
        return None
    return value if not isinstance(value, dict) else None


def node_html(node) -> str:
    rows = _node_rows(node)
    return table_html(["", ""], rows, caption=f"{type(node).__name__} pk={node.pk}")


def node_text(node) -> str:
    return table_text(["field", "value"], _node_rows(node))


def group_html(group) -> str:
    """The first :data:`MAX_ROWS` members of a stored group (unstored: just its label)."""
    if not group.is_stored:
        return table_html(["", ""], [("label", group.label), ("stored", "no")], caption="Group")
    from .querybuilder import QueryBuilder

    qb = QueryBuilder(storage=group.storage).append(type(group), filters={"id": group.pk}, tag="g")
    qb.append(entity_type="node", tag="node", with_group="g", project="*").order_by({"node": "id"}).limit(MAX_ROWS)
    members = qb.all(flat=True)
    total = group.count()
    rows = [(node.pk, type(node).__name__, node.uuid, node.label) for node in members]
    caption = f"Group {group.label!r} ({total} nodes)"
    return table_html(["pk", "type", "uuid", "label"], rows, caption=caption, more=max(0, total - len(rows)))


def mimebundle(html_text: str, plain: str) -> dict[str, str]:
    return {"text/html": html_text, "text/plain": plain}
