"""Versioned records as plain, JSON-ready data for every face: the CLI and ``%provenance record`` render these;
the graph widget and the lab extension read :func:`badge` / :func:`badges` for their stale/invalid markers.

Everything returned is JSON-ready (times as ISO 8601 strings, no objects): a face prints it, serialises it, or
sends it over the wire as it is. A **badge** is one of ``valid``, ``invalid`` (explicitly tainted: ``why`` has the
chain of nodes back to each root event, with cause, actor and time), ``affected`` (a workflow that took or
returned an invalid node) or ``stale`` (an input record has a newer version: ``stale`` lists them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..orm import record_queries as q
from ..records import Record, find, status, why
from ..records.prov import prov_json

STATUSES = ("valid", "invalid", "affected", "stale")


def plain(value: Any) -> Any:
    """``value`` with every datetime as an ISO string (dicts, lists and tuples walked)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _record(record: Record | str) -> Record:
    return record if isinstance(record, Record) else Record.get(record)


def record_row(record: Record) -> dict[str, Any]:
    """One line of a record list: name, kind, number of versions, latest node, tags."""
    latest = q.latest_version(record.pk)
    return plain({"name": record.name, "kind": record.kind_name, "versions": latest["number"] if latest else 0,
                  "latest_node": latest["node_id"] if latest else None, "tags": record.tags,
                  "frozen": record.frozen, "uri": record.uri, "updated": latest["ctime"] if latest else record.ctime})


def record_list(kind: str | None = None, *, tags: Mapping[str, Any] | None = None,
                name: str | None = None) -> list[dict[str, Any]]:
    return [record_row(r) for r in find(kind, tags=tags, name=name)]


def version_row(version: Any, aliases: Mapping[str, int] | None = None) -> dict[str, Any]:
    aliases = aliases if aliases is not None else version.record.aliases()
    invalid = q.holding_roots(version.node_pk)
    return plain({"version": version.number, "node": version.node_pk, "time": version.ctime, "actor": version.actor,
                  "revision_of": version.previous_pk, "process": version.process_pk,
                  "aliases": sorted(a for a, n in aliases.items() if n == version.number),
                  "status": "invalid" if invalid else "valid", "content_hash": version.content_hash})


def record_summary(record: Record | str) -> dict[str, Any]:
    """A record with its versions (each with its status), aliases, tags and attached actions."""
    record = _record(record)
    aliases = record.aliases()
    return {**record_row(record), "description": record.description, "uuid": record.uuid, "aliases": aliases,
            "versions_list": [version_row(v, aliases) for v in record.versions()],
            "actions": [{"action": a["action"], "target": a["target"]} for a in q.actions_of(record.pk)]}


def record_history(record: Record | str) -> list[dict[str, Any]]:
    """Versions and alias moves, oldest first (``{"event": "version"|"alias", "time", "actor", ...}``)."""
    return plain(_record(record).history())


def record_diff(record: Record | str, a: Any, b: Any) -> dict[str, Any]:
    return plain(_record(record).diff(a, b))


def badge(target: Any) -> dict[str, Any]:
    """The validity badge of one node or version: status, a one-line ``text``, and the why-chain."""
    state = status(target)
    reasons = why(target)
    text = {"valid": "valid", "affected": "affected: took or returned an invalid node"}.get(state["status"], "")
    if state["status"] == "invalid" and reasons["invalid"]:
        first = reasons["invalid"][0]
        text = f"invalid: {first['cause']} ({first['actor']}, {first['length']} step(s) from the root)"
    elif state["status"] == "stale":
        text = "stale: " + ", ".join(f"{s['record']} v{s['used']} (newest v{s['newest']})" for s in state["stale"])
    return plain({"node": state["node"], "status": state["status"], "text": text, "why": reasons["invalid"],
                  "stale": state["stale"], "affected_by": state["affected_by"]})


def badges(pks: Iterable[int]) -> dict[int, dict[str, str]]:
    """``{pk: {"status", "text"}}`` for the nodes of a drawing, in few queries: invalid nodes in one query per
    5,000, affected workflows likewise; stale is asked only of record versions (a query each). Nodes not in the
    result are valid (a face draws no badge)."""
    pks = sorted(set(pks))
    found: dict[int, dict[str, str]] = {}
    for pk in q.invalid_among(pks):
        found[pk] = {"status": "invalid", "text": "invalid (ask why)"}
    for pk in q.affected_among([p for p in pks if p not in found]):
        found[pk] = {"status": "affected", "text": "affected: took or returned an invalid node"}
    versions = q.versions_of_nodes([p for p in pks if p not in found])
    for pk in versions:
        stale = [v for v in q.ancestor_versions([pk]) if v["newest"] > v["number"]]
        if stale:
            found[pk] = {"status": "stale", "text": "stale: " + ", ".join(
                f"{v['name']} v{v['number']} (newest v{v['newest']})" for v in stale)}
    return found


def prov_document(records: Iterable[Record | str] | None = None) -> dict[str, Any]:
    """The records (all when ``None``) as a PROV-JSON document (see :mod:`jupyter_prov.records.prov`)."""
    return prov_json(records)
