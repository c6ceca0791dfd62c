"""Lineage questions of the Braid use cases, each one recursive query in the database.

- "what data trained this model?" — :func:`trained_on`: the data ancestors of a version (through models
  trained on other models, CTSegNet's loop), filterable by record kind and tag;
- "what is affected if this dataset is invalid?" — :func:`affected_by` (the invalidation cascade's dry run);
- "which versions of model X were trained on dataset Y?" — :func:`versions_trained_on`;
- *stale*: a version some of whose record inputs have a newer version now (computed, with the causes,
  never stored: it changes whenever an input gets a new version), see :func:`stale_causes`.

Braid DB follows lineage one step; these walk the whole graph (a 100,000-deep chain is one query).
"""

from __future__ import annotations

from typing import Any

from ..orm import record_queries as q
from .model import Record, resolve


def trained_on(target: Any, *, kind: str | None = None, tags: dict[str, Any] | None = None,
               records_only: bool = False) -> dict[str, Any]:
    """The data ``target`` (a version, node, ``name@vN``) was derived from: record versions and plain data."""
    pk = resolve(target)
    versions = q.ancestor_versions([pk])
    if kind is not None:
        versions = [v for v in versions if v["kind"].lower() == kind.lower()]
    for key, value in (tags or {}).items():
        versions = [v for v in versions if (v["metadata"] or {}).get("tags", {}).get(key, object()) == value
                    and type((v["metadata"] or {}).get("tags", {}).get(key)) is type(value)]
    result: dict[str, Any] = {
        "node": pk,
        "versions": [{"record": v["name"], "kind": v["kind"], "version": v["number"], "node": v["node_id"],
                      "node_type": v["node_type"], "newest": v["newest"]} for v in versions],
    }
    if not records_only and kind is None and not tags:
        result["data"] = q.data_ancestors([pk])
    return result


def affected_by(target: Any) -> dict[str, Any]:
    """What invalidating ``target`` would mark (nothing is written): the invalidation's dry run."""
    pk = resolve(target)
    plan = q.impact([pk])
    plan.pop("pks")
    return {"dry_run": True, "root": pk, **plan}


def versions_trained_on(model: str | Record, source: Any) -> list[int]:
    """Numbers of the versions of ``model`` derived (at any depth) from ``source`` (a version, node, or a whole
    record: any of its versions)."""
    record = model if isinstance(model, Record) else Record.get(model)
    if isinstance(source, Record) or (isinstance(source, str) and "@" not in source and _is_record(source)):
        source_record = source if isinstance(source, Record) else Record.get(source)
        seeds = [v.node_pk for v in source_record.versions()]
    else:
        seeds = [resolve(source)]
    return q.descendant_versions(seeds, record.pk)


def _is_record(name: str) -> bool:
    return q.record_by_name(name) is not None


def stale_causes(target: Any) -> list[dict[str, Any]]:
    """Record inputs of ``target`` that have a newer version now: ``[{record, used, newest}]`` (empty: not stale)."""
    pk = resolve(target)
    return [{"record": v["name"], "used": v["number"], "newest": v["newest"]}
            for v in q.ancestor_versions([pk]) if v["newest"] > v["number"]]
