"""Who a notebook is, as one answer that the kernel and the lab extension share.

The kernel asks when it stores a session (:func:`jupyter_prov.notebook.sessions.notebook_id`); the server
asks for the lab extension (``GET /jupyter-prov/api/notebooks/identity``), which writes the answer into
the notebook's metadata (``metadata.jupyter_prov.notebook_id``) so that it stays with the file. Only the
kernel makes a new id (when it records the notebook's first session); the front end writes ids the store
already knows, so the file never names a notebook that no session was recorded for, and an id in a file
can always be checked against the path its latest session was recorded at.

The rules, in order (``path`` is the notebook file's absolute path, as the kernel knows it):

1. ``metadata``: the id in the file's metadata — unless it is a copy: the latest session of that id was
   recorded at another path and the file there still exists and names the same id (File > Duplicate,
   ``cp``). An id recorded at another path whose file is gone, or names another id, moved here (``renamed``).
2. ``path``: the id of the latest session recorded at ``path`` (a kernel restart), unless that notebook's
   latest session was recorded at another path that exists (it moved away and this is a new file).
3. ``cells``: the id of recorded cells with the same cell ids as this notebook (nbformat's cell ids are
   random and stay with the file): a renamed notebook whose metadata carries no id — unless the notebook
   at the old path still exists (then this is a copy).
4. ``kernel``: the id of the latest session in the same kernel, when there is no path and no cell ids.
5. ``none``: no id yet (the kernel then makes one).

A copy never gets the id it was copied from (``copy_of`` names it).
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import sessions as session_views

#: the key of the notebook's metadata that jupyter-prov writes (``{"notebook_id": ...}``)
METADATA_KEY = "jupyter_prov"


def read_notebook(path: str | None) -> tuple[str | None, list[str], dict[str, str]]:
    """``(id in the metadata, cell ids, {cell id: source})`` of the notebook file at ``path`` as saved on disk."""
    if not path or not path.endswith(".ipynb"):
        return None, [], {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None, [], {}
    if not isinstance(data, dict):
        return None, [], {}
    meta = (data.get("metadata") or {}).get(METADATA_KEY) or {}
    sources: dict[str, str] = {}
    for cell in data.get("cells") or []:
        if isinstance(cell, dict) and isinstance(cell.get("id"), str):
            source = cell.get("source", "")
            sources[cell["id"]] = "".join(source) if isinstance(source, list) else str(source)
    notebook_id = meta.get("notebook_id") if isinstance(meta, dict) else None
    return (notebook_id if isinstance(notebook_id, str) and notebook_id else None), list(sources), sources


def _exists(path: str | None) -> bool:
    return bool(path) and os.path.isabs(path or "") and os.path.exists(path or "")


def _elsewhere(latest: str | None, path: str | None) -> str | None:
    """``latest`` (the path a notebook's latest session was recorded at) when it is not ``path`` and exists."""
    return latest if latest and latest != path and _exists(latest) else None


def identify(
    path: str | None,
    cell_ids: list[str] | None = None,
    kernel: str | None = None,
    metadata_id: str | None = None,
) -> dict[str, Any]:
    """``{"notebook_id": id or None, "how": rule, "copy_of": id or None}`` of the notebook at ``path``
    (see the module's docstring). ``metadata_id`` is the id the notebook's metadata holds now, when the
    caller knows better than the file on disk (an open notebook not saved yet); ``cell_ids`` add to the file's."""
    from_file, file_cells, _ = read_notebook(path)
    claimed = metadata_id or from_file
    copy_of: str | None = None
    if claimed:
        latest = session_views.latest_path(claimed)
        original = _elsewhere(latest, path)
        if original is None:
            how = "renamed" if latest and path and latest != path else "metadata"
            return {"notebook_id": claimed, "how": how, "copy_of": None}
        if read_notebook(original)[0] == claimed:
            copy_of = claimed
        else:  # the old path holds another notebook now: this one moved here
            return {"notebook_id": claimed, "how": "renamed", "copy_of": None}
    if path:
        known = session_views.notebook_of_path(path)
        if known and known != copy_of and _elsewhere(session_views.latest_path(known), path) is None:
            return {"notebook_id": known, "how": "path", "copy_of": copy_of}
    cells = list(dict.fromkeys([*file_cells, *(cell_ids or [])]))
    for known, old_path in session_views.notebooks_of_cell_ids(cells):
        if known == copy_of:
            continue
        old_path = session_views.latest_path(known) or old_path
        if old_path == path or not _exists(old_path):
            return {"notebook_id": known, "how": "cells", "copy_of": copy_of}
        copy_of = copy_of or known
    if kernel and not path and not cells:
        known = session_views.notebook_of_kernel(kernel)
        if known:
            return {"notebook_id": known, "how": "kernel", "copy_of": None}
    return {"notebook_id": None, "how": "none", "copy_of": copy_of}
