"""Versioned records as W3C PROV-JSON: revisions, derivations, generations and invalidations, with status.

=============================  ============================================================================
jupyter-prov                   PROV-JSON
=============================  ============================================================================
record ``bragg``               entity ``jprov:record/bragg`` (``prov:type`` ``jprov:Model``, ``prov:label``)
version ``bragg@v2``           entity ``node:<uuid>`` + ``specializationOf(version, record)``;
                               ``jprov:status`` valid / invalid / affected / stale, ``jprov:aliases``
v2 revises v1                  ``wasDerivedFrom`` with ``prov:type`` ``prov:Revision`` (PROV's
                               ``wasRevisionOf``: in PROV-JSON a derivation of type Revision)
``derived_from``               ``wasDerivedFrom(version, source)``
``by=process``                 ``wasGeneratedBy(version, node:<process uuid>)``
an invalidation holding it     activity ``jprov:invalidation/<root event>`` (cause, time) associated with
                               agent ``jprov:actor/<actor>``; ``wasInvalidatedBy(version, that activity)``
=============================  ============================================================================

Built as plain dicts (no dependency); the tests read it back with the ``prov`` package. Node identifiers are
those of :mod:`jupyter_prov.interop.prov` (``node:`` is ``urn:uuid:``), so the two documents merge.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..orm import record_queries as q
from ..orm.nodes.loading import load_nodes
from .lineage import stale_causes
from .model import Record, find

JPROV_NS = "https://jupyter-prov.readthedocs.io/ns#"
NODE_NS = "urn:uuid:"


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _qname(value: str) -> dict[str, str]:
    return {"$": value, "type": "prov:QUALIFIED_NAME"}


def prov_json(records: Iterable[Record | str] | None = None) -> dict[str, Any]:
    """The PROV-JSON document (a dict) of ``records`` (names or records; all records when ``None``)."""
    chosen = [r if isinstance(r, Record) else Record.get(r) for r in records] if records is not None else find()
    doc: dict[str, Any] = {"prefix": {"jprov": JPROV_NS, "node": NODE_NS}, "entity": {}, "activity": {},
                           "agent": {}, "specializationOf": {}, "wasDerivedFrom": {}, "wasGeneratedBy": {},
                           "wasInvalidatedBy": {}, "wasAssociatedWith": {}}
    counter = iter(range(1, 1 << 62))

    def relation(kind: str, body: dict[str, Any]) -> None:
        doc[kind][f"_:{kind[:4]}{next(counter)}"] = body

    versions = [(record, version) for record in chosen for version in record.versions()]
    pks = {v.node_pk for _, v in versions}
    sources = {v.node_pk: q.derivation_sources(v.node_pk) for _, v in versions}
    processes = {v.process_pk for _, v in versions if v.process_pk}
    every = sorted(pks | {s for group in sources.values() for s in group} | processes)
    nodes = {node.pk: node for node in load_nodes(every)}
    invalid = q.invalid_among(pks)

    def ident(pk: int) -> str:
        return f"node:{nodes[pk].uuid}"

    for record in chosen:
        rid = f"jprov:record/{quote(record.name, safe='')}"
        doc["entity"][rid] = {"prov:type": _qname(f"jprov:{record.kind_name}"), "prov:label": record.name,
                              "jprov:uuid": record.uuid, **({"jprov:uri": record.uri} if record.uri else {})}
        aliases = record.aliases()
        for version in record.versions():
            vid = ident(version.node_pk)
            status = "invalid" if version.node_pk in invalid else (
                "affected" if q.affected_by_active(version.node_pk) else (
                    "stale" if stale_causes(version.node_pk) else "valid"))
            named = sorted(a for a, n in aliases.items() if n == version.number)
            doc["entity"][vid] = {"prov:label": version.label, "prov:type": _qname("jprov:Version"),
                                  "jprov:record": record.name, "jprov:version": version.number,
                                  "jprov:status": status, "jprov:content_hash": version.content_hash,
                                  "jprov:node_type": nodes[version.node_pk].node_type,
                                  **({"jprov:aliases": ",".join(named)} if named else {})}
            relation("specializationOf", {"prov:specificEntity": vid, "prov:generalEntity": rid})
            if version.previous_pk is not None and version.previous_pk in nodes:
                relation("wasDerivedFrom", {"prov:generatedEntity": vid, "prov:usedEntity": ident(version.previous_pk),
                                            "prov:type": _qname("prov:Revision"), "prov:time": _time(version.ctime)})
            for source in sources[version.node_pk]:
                sid = ident(source)
                doc["entity"].setdefault(sid, {"prov:label": nodes[source].label or nodes[source].node_type,
                                               "jprov:node_type": nodes[source].node_type})
                if nodes[source].node_type.startswith("process"):
                    continue  # a process named by=: the generation below says it
                relation("wasDerivedFrom", {"prov:generatedEntity": vid, "prov:usedEntity": sid})
            if version.process_pk:
                pid = ident(version.process_pk)
                doc["entity"].pop(pid, None)
                doc["activity"][pid] = {"prov:label": nodes[version.process_pk].label or "process",
                                        "jprov:process_type": nodes[version.process_pk].process_type or ""}
                relation("wasGeneratedBy", {"prov:entity": vid, "prov:activity": pid,
                                            "prov:time": _time(version.ctime)})
            for chain in q.why_invalid(version.node_pk) if version.node_pk in invalid else []:
                root = chain[-1]
                aid = f"jprov:invalidation/{root['id']}"
                agent = f"jprov:actor/{quote(root['actor'] or 'unknown', safe='')}"
                if aid not in doc["activity"]:
                    doc["activity"][aid] = {"prov:type": _qname("jprov:Invalidation"), "jprov:cause": root["cause"],
                                            "prov:startTime": _time(root["time"]), "prov:endTime": _time(root["time"]),
                                            "jprov:root_node": ident(root["node_id"]) if root["node_id"] in nodes
                                            else root["node_id"]}
                    doc["agent"].setdefault(agent, {"prov:label": root["actor"] or "unknown"})
                    relation("wasAssociatedWith", {"prov:activity": aid, "prov:agent": agent})
                relation("wasInvalidatedBy", {"prov:entity": vid, "prov:activity": aid,
                                              "prov:time": _time(chain[0]["time"])})
    return {key: value for key, value in doc.items() if value}
