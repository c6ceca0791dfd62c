"""Kernel sessions, the environments that ran them and the notebooks they belong to, as plain data.

A recorded kernel session is one ``data.dict`` node labelled :data:`SESSION_LABEL` (its uuid, the
notebook's id and path, host, kernel id, start time, git state, the environment's hash); the
environment it ran in is one ``data.dict`` node labelled :data:`ENVIRONMENT_LABEL` for every session
with the same Python and distributions (:func:`jupyter_prov.notebook.environment.environment_hash`).
Every cell of a session carries the session's uuid (``session``), the notebook's id (``notebook_id``)
and the environment's hash (``environment``) as attributes. The ``%provenance sessions|env|history
--all-sessions`` faces read these functions; the notebook's writer asks them who a notebook is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..orm import CellExecutionNode, Dict, Node, QueryBuilder

SESSION_LABEL = "notebook session"
ENVIRONMENT_LABEL = "python environment"


def _dicts(label: str, filters: dict[str, Any], *, newest_first: bool = True, limit: int | None = None) -> list[Dict]:
    qb = QueryBuilder().append(Dict, filters={"label": label, **filters}, project="*", tag="d")
    qb.order_by({"d": {"id": "desc" if newest_first else "asc"}})
    if limit is not None:
        qb.limit(limit)
    return [row[0] for row in qb.all()]


def environment_node(digest: str) -> Dict | None:
    """The stored environment with this hash, if any session ran in it before."""
    found = _dicts(ENVIRONMENT_LABEL, {"attributes.hash": digest}, newest_first=False, limit=1)
    return found[0] if found else None


def session_node(session: str) -> Dict | None:
    """The stored node of kernel session ``session`` (its uuid)."""
    found = _dicts(SESSION_LABEL, {"attributes.session": session}, limit=1)
    return found[0] if found else None


def notebook_of_path(path: str) -> str | None:
    """The notebook id of the latest session recorded for the notebook file at ``path``."""
    found = _dicts(SESSION_LABEL, {"attributes.notebook_path": path, "attributes.notebook_id": {"is null": False}},
                   limit=1)
    return found[0].get("notebook_id") if found else None


def notebook_of_kernel(kernel_id: str) -> str | None:
    """The notebook id of the latest session recorded in the kernel ``kernel_id`` (the extension loaded again)."""
    found = _dicts(SESSION_LABEL, {"attributes.kernel_id": kernel_id, "attributes.notebook_id": {"is null": False}},
                   limit=1)
    return found[0].get("notebook_id") if found else None


def latest_path(notebook_id: str) -> str | None:
    """The notebook path of the latest recorded session of notebook ``notebook_id``."""
    found = _dicts(SESSION_LABEL, {"attributes.notebook_id": notebook_id}, limit=1)
    return found[0].get("notebook_path") if found else None


def notebooks_of_cell_ids(cell_ids: Iterable[str]) -> list[tuple[str, str | None]]:
    """``(notebook id, notebook path)`` of recorded cells with one of these cell ids, newest first, one per id.

    A notebook's cell ids are random (nbformat 4.5) and stay with the notebook when it is renamed or
    moved, which is how a renamed notebook is known again (see :mod:`jupyter_prov.views.notebook_identity`).
    """
    ids = [i for i in dict.fromkeys(cell_ids) if i]
    if not ids:
        return []
    qb = QueryBuilder().append(
        CellExecutionNode, filters={"attributes.cell_id": {"in": ids[:500]}, "attributes.notebook_id": {"is null": False}},
        project=["attributes.notebook_id", "attributes.notebook"], tag="c")
    qb.order_by({"c": {"id": "desc"}})
    seen: dict[str, str | None] = {}
    for notebook_id, path in qb.iterall():
        seen.setdefault(notebook_id, path)
    return list(seen.items())


def sessions(notebook_id: str) -> list[dict[str, Any]]:
    """The recorded kernel sessions of a notebook, oldest first: ``[{"number", "session", "started_at",
    "host", "kernel_id", "notebook_path", "environment", "python_version", "cells", "git_commit", "git_dirty"}]``
    (``number`` counts from 1; ``name@2`` names the second)."""
    nodes = _dicts(SESSION_LABEL, {"attributes.notebook_id": notebook_id}, newest_first=False)
    counts: dict[str, int] = {}
    if nodes:
        qb = QueryBuilder().append(CellExecutionNode, filters={"attributes.notebook_id": notebook_id},
                                   project=["attributes.session"], tag="c")
        for (session,) in qb.iterall():
            counts[session] = counts.get(session, 0) + 1
    rows = []
    for number, node in enumerate(sorted(nodes, key=lambda n: (n.get("started_at") or "", n.pk)), 1):
        git = node.get("git") or {}
        rows.append({"number": number, "session": node.get("session"), "started_at": node.get("started_at"),
                     "host": node.get("host"), "kernel_id": node.get("kernel_id"),
                     "notebook_path": node.get("notebook_path"), "environment": node.get("environment"),
                     "python_version": node.get("python_version"), "cells": counts.get(node.get("session"), 0),
                     "git_commit": git.get("commit"), "git_dirty": git.get("dirty_count", 0)})
    return rows


def cell_pks(notebook_id: str, session: str | None = None) -> list[int]:
    """The recorded cells of a notebook (of one of its sessions if given), in the order they were stored."""
    filters: dict[str, Any] = {"attributes.notebook_id": notebook_id}
    if session is not None:
        filters["attributes.session"] = session
    qb = QueryBuilder().append(CellExecutionNode, filters=filters, project=["id"], tag="c")
    qb.order_by({"c": "id"})
    return [row[0] for row in qb.all()]


def creating_cell(node: Node) -> CellExecutionNode | None:
    """The cell that made (``create``) or returned a value: the first such cell."""
    for link_type in ("create", "return"):
        cells = [t.node for t in node.get_incoming(link_type) if isinstance(t.node, CellExecutionNode)]
        if cells:
            return min(cells, key=lambda c: c.pk or 0)
    return None


def environment_of_session(session: str) -> dict[str, Any] | None:
    """``{"session": the session's facts, "environment": the environment's}`` of a recorded session."""
    node = session_node(session)
    if node is None:
        return None
    env = environment_node(node.get("environment") or "")
    facts = {**node.get_dict(), "local_modules": node.get_extra("local_modules", {})}
    return {"session": facts, "environment": env.get_dict() if env is not None else None}


def environment_of_value(node: Node) -> dict[str, Any] | None:
    """The session and environment (see :func:`environment_of_session`) of the cell that made ``node``."""
    cell = creating_cell(node)
    if cell is None or not cell.get_attribute("session", None):
        return None
    return environment_of_session(cell.get_attribute("session"))


def environment_summary(facts: dict[str, Any]) -> dict[str, Any]:
    """One row per fact of a session and its environment, for a key/value table (distributions counted)."""
    session, env = facts.get("session") or {}, facts.get("environment") or {}
    git = session.get("git") or {}
    local = session.get("local_modules") or {}
    summary: dict[str, Any] = {
        "python": f"{env.get('python_version', '?')} ({env.get('implementation', '?')}) {env.get('executable', '')}",
        "platform": env.get("platform"),
        "distributions": f"{len(env.get('distributions') or {})} (environment {str(session.get('environment'))[:12]})",
        "host": session.get("host"),
        "kernel id": session.get("kernel_id"),
        "session": session.get("session"),
        "started": session.get("started_at"),
        "notebook": session.get("notebook_path"),
        "notebook id": session.get("notebook_id"),
        "git": (f"{git.get('root')} @ {str(git.get('commit'))[:12]}"
                + (f", {git.get('dirty_count')} changed file(s)" if git.get("dirty_count") else ", clean")) if git else "-",
    }
    for module, state in sorted(local.items()):
        summary[f"module {module}"] = (f"{state.get('root')} @ {str(state.get('commit'))[:12]}"
                                       + (", dirty" if state.get("dirty_count") else ", clean")) if state else "not in git"
    return summary


def environment_diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs between two environments (``environment`` dicts): ``[{"what", "before", "after"}]`` for
    the Python version, executable, platform, and each distribution added, removed or of another version."""
    rows = []
    for key in ("python_version", "implementation", "executable", "platform"):
        if before.get(key) != after.get(key):
            rows.append({"what": key, "before": before.get(key), "after": after.get(key)})
    old, new = before.get("distributions") or {}, after.get("distributions") or {}
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            rows.append({"what": name, "before": old.get(name), "after": new.get(name)})
    return rows


def sessions_of_cells(pks: Iterable[int]) -> dict[int, str | None]:
    """``{cell pk: session uuid}`` of recorded cells."""
    wanted = sorted(set(pks))
    result: dict[int, str | None] = {}
    for start in range(0, len(wanted), 500):
        qb = QueryBuilder().append(CellExecutionNode, filters={"id": {"in": wanted[start:start + 500]}},
                                   project=["id", "attributes.session"], tag="c")
        result.update({pk: session for pk, session in qb.iterall()})
    return result
