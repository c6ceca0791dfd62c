"""Plain, JSON-ready descriptions of records for the faces (the CLI, the magics; later the widgets).

Kept here until ``views/`` has a records page; no click, HTML or traitlets.
"""

from __future__ import annotations

from typing import Any

from ..orm import record_queries as q
from .model import Record, Version


def record_row(record: Record) -> dict[str, Any]:
    latest = q.latest_version(record.pk)
    return {"name": record.name, "kind": record.kind_name, "versions": latest["number"] if latest else 0,
            "latest_node": latest["node_id"] if latest else None, "tags": record.tags, "frozen": record.frozen,
            "uri": record.uri, "updated": latest["ctime"] if latest else record.ctime}


def version_row(version: Version, aliases: dict[str, int] | None = None) -> dict[str, Any]:
    aliases = aliases if aliases is not None else version.record.aliases()
    invalid = q.holding_roots(version.node_pk)
    return {"version": version.number, "node": version.node_pk, "time": version.ctime, "actor": version.actor,
            "revision_of": version.previous_pk, "process": version.process_pk,
            "aliases": sorted(a for a, n in aliases.items() if n == version.number),
            "status": "invalid" if invalid else "valid", "content_hash": version.content_hash}


def record_detail(record: Record) -> dict[str, Any]:
    aliases = record.aliases()
    return {**record_row(record), "description": record.description, "uuid": record.uuid,
            "aliases": aliases, "versions_list": [version_row(v, aliases) for v in record.versions()],
            "actions": [{"action": a["action"], "target": a["target"]} for a in q.actions_of(record.pk)]}
