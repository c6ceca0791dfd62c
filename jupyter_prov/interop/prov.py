"""The provenance graph as W3C PROV (PROV-JSON and PROV-N, through the ``prov`` package).

=========================  ===============================================================
jupyter-prov               PROV
=========================  ===============================================================
data node                  entity ``node:<uuid>``
process node (any kind)    activity ``node:<uuid>`` (start: ctime, end: mtime when sealed)
user                       agent ``user:<pk>``; ``wasAttributedTo`` (data) / ``wasAssociatedWith``
create                     ``wasGeneratedBy(entity, activity)``
input_calc, input_work     ``used(activity, entity)``
call_calc, call_work       ``wasStartedBy(callee, starter=caller)`` and ``wasInformedBy(callee, caller)``
return                     ``wasInfluencedBy(entity, workflow)`` (the workflow hands on data it did not make)
=========================  ===============================================================

Each record carries ``jprov:link_label`` / ``jprov:link_type``; entities and activities carry
``prov:label``, ``prov:type`` (``jprov:<type string>``), ``jprov:pk`` and a short ``jprov:value``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .subgraph import Subgraph, collect, short_value

JPROV_NS = "https://jupyter-prov.readthedocs.io/ns#"
NODE_NS = "urn:uuid:"
USER_NS = "https://jupyter-prov.readthedocs.io/user/"
FORMATS = ("json", "provn", "xml")


def _time(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def to_prov_document(subgraph: Subgraph):
    """A :class:`prov.model.ProvDocument` of ``subgraph``."""
    from prov.model import ProvDocument

    doc = ProvDocument()
    doc.add_namespace("jprov", JPROV_NS)
    doc.add_namespace("node", NODE_NS)
    doc.add_namespace("user", USER_NS)
    for user_id, email in sorted(subgraph.users.items()):
        doc.agent(f"user:{user_id}", {"prov:type": "prov:Person", "prov:label": email})
    for pk, row in sorted(subgraph.nodes.items()):
        identifier = f"node:{row['uuid']}"
        attributes: dict[str, Any] = {"prov:type": f"jprov:{row['node_type']}", "jprov:pk": pk}
        if row.get("label"):
            attributes["prov:label"] = row["label"]
        value = short_value(row, limit=200)
        if value:
            attributes["jprov:value"] = value
        agent = f"user:{row['user_id']}"
        if row["node_type"].startswith("process"):
            sealed = (row.get("attributes") or {}).get("sealed", False)
            doc.activity(identifier, _time(row["ctime"]), _time(row["mtime"]) if sealed else None, attributes)
            doc.wasAssociatedWith(identifier, agent)
        else:
            doc.entity(identifier, attributes)
            doc.wasAttributedTo(identifier, agent)
    uuid = {pk: row["uuid"] for pk, row in subgraph.nodes.items()}
    for link in subgraph.links:
        source, target = f"node:{uuid[link.input_id]}", f"node:{uuid[link.output_id]}"
        extra = {"jprov:link_type": link.type, "jprov:link_label": link.label}
        if link.type == "create":
            doc.wasGeneratedBy(target, source, None, other_attributes=extra)
        elif link.type in ("input_calc", "input_work"):
            doc.used(target, source, None, other_attributes=extra)
        elif link.type in ("call_calc", "call_work"):
            doc.wasStartedBy(target, starter=source, other_attributes=extra)
            doc.wasInformedBy(target, source, other_attributes=extra)
        elif link.type == "return":
            doc.wasInfluencedBy(target, source, other_attributes=extra)
    return doc


def prov_document(center: Any = None, *, ancestors: int | None = None, descendants: int | None = None,
                  link_types: Any = None, pks=None, storage=None, max_nodes: int | None = None):
    """The PROV document of the graph around ``center`` (see :func:`~jupyter_prov.interop.subgraph.collect`)."""
    return to_prov_document(collect(center, ancestors=ancestors, descendants=descendants, link_types=link_types,
                                    pks=pks, storage=storage, max_nodes=max_nodes))


def serialize(document, format: str = "json") -> str:
    """PROV-JSON (``json``), PROV-N (``provn``) or PROV-XML (``xml``) text of ``document``."""
    if format == "provn":
        return document.get_provn()
    if format not in FORMATS:
        raise ValueError(f"unknown PROV format {format!r}: use one of {', '.join(FORMATS)}")
    return document.serialize(format=format, indent=2) if format == "json" else document.serialize(format=format)


def write(document, path: str | Path, format: str | None = None) -> Path:
    path = Path(path)
    if format is None:
        format = {".provn": "provn", ".xml": "xml"}.get(path.suffix.lower(), "json")
    path.write_text(serialize(document, format), encoding="utf-8")
    return path
