"""Records in archives: versions, aliases (with their history), derivations and validity events, as plain data.

An archive keeps its nodes' uuids, not their pks (an import gives them new ones), so everything here names a
node by uuid. :func:`export_records` gives the JSON-ready payload for the nodes an archive holds;
:func:`import_records` writes it into the loaded profile after the archive's nodes are imported, in one
transaction. The archive code (``archive/create.py`` and ``archive/import_.py``) stores the payload as the
archive's ``records.json`` member.

Rules:

- a record comes with the versions whose nodes are exported (numbers kept; others are gaps), its alias moves
  that point at one of them (or remove the alias), and its tags;
- validity events of exported nodes come along and their *current* invalidity too, so an invalid result is
  still invalid — and never a cache source — after the import. An event whose root event was on a node not
  exported cannot be rooted here and is left out (counted in ``events_skipped``);
- importing **never queues or runs an action**: the invalidation happened elsewhere, its actions ran there;
- importing twice changes nothing (records by uuid, versions by number, moves and events by their fields);
  a version number that is another node here, or a name held by another record, is refused and nothing of the
  payload is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from ..orm import record_queries as q
from .model import RecordError

PAYLOAD_VERSION = 1
MEMBER = "records.json"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def export_records(node_pks: Iterable[int]) -> dict[str, Any]:
    """The records payload of the nodes ``node_pks`` (JSON-ready; empty lists when they touch no record)."""
    pks = sorted(set(node_pks))
    rows = q.record_rows_of_nodes(pks)
    exported = set(pks)
    numbers = {(v["record_id"], v["number"]) for v in rows["versions"]}
    roots = {e["id"] for e in rows["events"] if e["root_id"] == e["id"]}
    events = [e for e in rows["events"] if e["root_id"] in roots or e["root_id"] is None]
    named = {v["node_id"] for v in rows["versions"]} | {v["previous_node_id"] for v in rows["versions"] if v["previous_node_id"]}
    named |= {v["process_id"] for v in rows["versions"] if v["process_id"]}
    named |= {e["via_node_id"] for e in events if e["via_node_id"]} | {e["node_id"] for e in events}
    named |= {i["node_id"] for i in rows["invalid"]}
    uuids = q.node_uuids(named | {d["source_id"] for d in rows["derivations"]} | {d["target_id"] for d in rows["derivations"]})
    return {
        "version": PAYLOAD_VERSION,
        "records": [{"id": r["id"], "uuid": r["uuid"], "name": r["name"], "uri": r["uri"], "kind": r["kind"],
                     "description": r["description"], "metadata": r["metadata"], "frozen": bool(r["frozen"]),
                     "ctime": _iso(r["ctime"])} for r in rows["records"]],
        "versions": [{"record": v["record_id"], "number": v["number"], "node": uuids[v["node_id"]],
                      "previous": uuids.get(v["previous_node_id"]) if v["previous_node_id"] else None,
                      "process": uuids.get(v["process_id"]) if v["process_id"] else None,
                      "content_hash": v["content_hash"], "ctime": _iso(v["ctime"]), "actor": v["actor"]}
                     for v in rows["versions"]],
        "aliases": [{"record": a["record_id"], "alias": a["alias"], "version": a["version_number"],
                     "time": _iso(a["time"]), "actor": a["actor"]} for a in rows["aliases"]
                    if a["version_number"] is None or (a["record_id"], a["version_number"]) in numbers],
        "derivations": [[uuids[d["source_id"]], uuids[d["target_id"]]] for d in rows["derivations"]
                        if d["source_id"] in exported],
        "events": [{"id": e["id"], "kind": e["kind"], "node": uuids[e["node_id"]], "root": e["root_id"],
                    "parent": e["parent_id"], "via": uuids.get(e["via_node_id"]) if e["via_node_id"] else None,
                    "actor": e["actor"], "time": _iso(e["time"]), "cause": e["cause"]} for e in events],
        "events_skipped": len(rows["events"]) - len(events),
        "invalid": [[uuids[i["node_id"]], i["root_id"], i["event_id"]] for i in rows["invalid"] if i["root_id"] in roots],
    }


def import_records(payload: dict[str, Any]) -> dict[str, int]:
    """Write a payload of :func:`export_records` into the loaded profile (its nodes imported already): counts of
    the rows written. One transaction; never queues an action."""
    if not isinstance(payload, dict) or payload.get("version") != PAYLOAD_VERSION:
        raise RecordError(f"records payload: version {payload.get('version') if isinstance(payload, dict) else None!r} "
                          f"is not {PAYLOAD_VERSION}")
    named = {v["node"] for v in payload["versions"]} | {v["previous"] for v in payload["versions"] if v["previous"]}
    named |= {v["process"] for v in payload["versions"] if v["process"]}
    named |= {u for pair in payload["derivations"] for u in pair} | {e["node"] for e in payload["events"]}
    named |= {e["via"] for e in payload["events"] if e["via"]} | {i[0] for i in payload["invalid"]}
    local = q.node_pks_by_uuid(named)
    missing = sorted({v["node"] for v in payload["versions"]} - set(local))
    if missing:
        raise RecordError(f"records payload: {len(missing)} version node(s) are not in this profile "
                          f"(import the archive's nodes first), e.g. {missing[0]}")
    records = [{**r, "ctime": _time(r["ctime"])} for r in payload["records"]]
    versions = [{"record_id": v["record"], "number": v["number"], "node_id": local[v["node"]],
                 "previous_node_id": local.get(v["previous"]) if v["previous"] else None,
                 "process_id": local.get(v["process"]) if v["process"] else None, "content_hash": v["content_hash"],
                 "ctime": _time(v["ctime"]), "actor": v["actor"]} for v in payload["versions"]]
    aliases = [{"record_id": a["record"], "alias": a["alias"], "version_number": a["version"], "time": _time(a["time"]),
                "actor": a["actor"]} for a in payload["aliases"]]
    derivations = [(local[s], local[t]) for s, t in payload["derivations"] if s in local and t in local]
    events = [{"id": e["id"], "kind": e["kind"], "node_id": local[e["node"]], "root_id": e["root"],
               "parent_id": e["parent"], "via_node_id": local.get(e["via"]) if e["via"] else None, "actor": e["actor"],
               "time": _time(e["time"]), "cause": e["cause"]} for e in payload["events"] if e["node"] in local]
    invalid = [(local[u], root, event) for u, root, event in payload["invalid"] if u in local]
    try:
        return q.import_record_rows(records, versions, aliases, derivations, events, invalid)
    except ValueError as exc:
        raise RecordError(f"records payload: {exc}") from None
