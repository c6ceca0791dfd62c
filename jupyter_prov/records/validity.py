"""Validity as append-only events: invalidate, revalidate, and what a node's status is now and why.

Sealed nodes are never changed. An invalidation is a root event on one node plus one event per node the
cascade reaches (its parent: the event of the node it was reached through; its root: the first), written
with the current validity (``db_node_invalid``) and the queued actions in **one transaction**; a
revalidation is events too, lifting the invalidations that held the node from it and from what the cascade
reaches from it. The cascade's direction and rules are in :mod:`jupyter_prov.orm.record_queries`.

Two meanings are kept apart: **invalid** (explicitly tainted by an event, with the chain of causes back to
the root event) and **stale** (an input record has a newer version; computed, Dagster-style, never stored).
A workflow that took or returned an invalid node is **affected**: marked, not walked through.
"""

from __future__ import annotations

from typing import Any

from ..orm import record_queries as q
from ..orm.nodes.node import load_node
from .lineage import stale_causes
from .model import RecordError, _actor, resolve


def invalidate(target: Any, cause: str, *, by: str | None = None, dry_run: bool = False,
               run_actions: bool = True) -> dict[str, Any]:
    """Mark ``target`` (``name@vN``, a version, node or pk) and everything derived from it invalid.

    ``dry_run``: how many nodes, which records and versions, notebooks and cells, affected workflows —
    nothing is written. Otherwise returns the root event's id and the counts, all in one transaction; when
    actions were queued, that transaction also submits their runner to the daemon (``actions_runner``: its
    pk; ``run_actions=False``: leave them queued for :func:`jupyter_prov.records.actions.run_pending`).
    """
    if not isinstance(cause, str) or not cause.strip():
        raise RecordError("invalidate needs a cause (why is it invalid?)")
    pk = resolve(target)
    if dry_run:
        plan = q.impact([pk])
        plan.pop("pks")
        return {"dry_run": True, "root": pk, **plan}
    with q.write_transaction():
        result = q.invalidate(pk, actor=_actor(by), cause=cause.strip())
        if result["actions_queued"] and run_actions:
            from .actions import schedule

            result["actions_runner"] = schedule()
    return {"dry_run": False, "root": pk, **result}


def revalidate(target: Any, cause: str, *, by: str | None = None) -> dict[str, Any]:
    """``target`` is valid again (a revalidate event); raises if it is not invalid."""
    if not isinstance(cause, str) or not cause.strip():
        raise RecordError("revalidate needs a cause (why is it valid again?)")
    pk = resolve(target)
    result = q.revalidate(pk, actor=_actor(by), cause=cause.strip())
    if result["event"] is None:
        raise RecordError(f"node {pk} is not invalid: nothing to revalidate")
    return {"root": pk, **result}


def is_invalid(target: Any) -> bool:
    return q.is_invalid(resolve(target))


def status(target: Any) -> dict[str, Any]:
    """``{"node", "valid", "invalid_by" (root events), "stale" (causes), "affected_by"}``."""
    pk = resolve(target)
    roots = q.holding_roots(pk)
    stale = stale_causes(pk)
    affected = q.affected_by_active(pk)
    state = "invalid" if roots else ("affected" if affected else ("stale" if stale else "valid"))
    return {"node": pk, "status": state, "valid": not roots, "invalid_by": roots, "stale": stale,
            "affected_by": affected}


def why(target: Any, *, max_path: int = 50) -> dict[str, Any]:
    """Why ``target`` is invalid: for each invalidation holding it, the chain of nodes back to the root event
    with the root's cause and actor; and why it is stale. A path longer than ``max_path`` keeps its first
    ``max_path - 1`` steps and the root (``length`` says how long it is)."""
    pk = resolve(target)
    chains = []
    for chain in q.why_invalid(pk):
        root = chain[-1]
        kept = chain if len(chain) <= max_path else [*chain[:max_path - 1], root]
        chains.append({
            "root_event": root["id"], "cause": root["cause"], "actor": root["actor"], "time": root["time"],
            "length": len(chain),
            "path": [{"node": e["node_id"], "label": _label(e["node_id"]), "event": e["id"]} for e in kept],
        })
    return {"node": pk, "invalid": chains, "stale": stale_causes(pk)}


def _label(pk: int) -> str:
    try:
        node = load_node(pk=pk)
    except Exception:  # noqa: BLE001 - a deleted node keeps its events
        return f"node {pk}"
    return node.label or node.node_type.rsplit(".", 1)[-1]
