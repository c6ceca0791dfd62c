"""/notebooks/identity: the id the lab extension writes into a notebook's metadata is the kernel's answer
(views.notebook_identity.identify) for the notebook's path as its kernel knows it; a copy of a notebook
whose metadata carries an id is not given that id (the endpoint and the kernel alike); a renamed one is."""

from __future__ import annotations

import json
import os
import shutil

from jupyter_prov.notebook.sessions import notebook_id
from jupyter_prov.views.sessions import SESSION_LABEL


def _write(path, cell_ids, notebook_id=None):
    metadata = {"jupyter_prov": {"notebook_id": notebook_id}} if notebook_id else {}
    cells = [{"cell_type": "code", "id": cid, "metadata": {}, "source": f"x = {i}", "outputs": [],
              "execution_count": None} for i, cid in enumerate(cell_ids)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}))


def _session(notebook, path):
    """A kernel session of ``notebook`` recorded at ``path``, as the kernel's writer stores it."""
    from jupyter_prov.orm import Dict

    Dict({"session": f"s-{notebook}-{os.path.basename(path)}", "notebook_id": notebook, "notebook_path": str(path),
          "kernel_id": "k"}, label=SESSION_LABEL).store()


async def test_the_id_of_a_notebook_follows_its_sessions_and_its_file(api, jp_root_dir, jp_serverapp):
    root = jp_root_dir
    _write(root / "draft.ipynb", ["c0", "c1"])
    code, body = await api("notebooks", "identity", params={"path": "draft.ipynb"})
    assert code == 200, body
    assert body == {"path": "draft.ipynb", "notebook_id": None, "how": "none", "copy_of": None}  # no kernel ran it yet

    # a kernel recorded a session at the path jupyter_server gives the kernel (JPY_SESSION_NAME)
    kernel_path = jp_serverapp.session_manager.get_kernel_env("draft.ipynb", "draft.ipynb")["JPY_SESSION_NAME"]
    _session("nb-1", kernel_path)
    code, body = await api("notebooks", "identity", params={"path": "draft.ipynb"})
    assert (body["notebook_id"], body["how"]) == ("nb-1", "path")

    # the front end wrote it into the metadata and saved; then File > Duplicate
    _write(root / "draft.ipynb", ["c0", "c1"], notebook_id="nb-1")
    shutil.copy(root / "draft.ipynb", root / "draft-Copy1.ipynb")
    code, body = await api("notebooks", "identity", params={"path": "draft-Copy1.ipynb"})
    assert (body["notebook_id"], body["how"], body["copy_of"]) == (None, "none", "nb-1")
    copy_kernel_path = str(root / "draft-Copy1.ipynb")
    kernel_id = notebook_id(copy_kernel_path, ["c0", "c1"])  # the copy's kernel makes a new id
    assert kernel_id != "nb-1"
    _session(kernel_id, copy_kernel_path)
    code, body = await api("notebooks", "identity", params={"path": "draft-Copy1.ipynb"})
    assert (body["notebook_id"], body["how"], body["copy_of"]) == (kernel_id, "path", "nb-1")
    code, body = await api("notebooks", "identity", params={"path": "draft.ipynb"})
    assert (body["notebook_id"], body["how"]) == ("nb-1", "metadata")  # the original keeps its id

    # renamed (moved into a folder): the metadata goes with the file, the old path is gone
    (root / "final").mkdir()
    (root / "draft.ipynb").rename(root / "final" / "paper.ipynb")
    code, body = await api("notebooks", "identity", params={"path": "final/paper.ipynb"})
    assert (body["notebook_id"], body["how"], body["copy_of"]) == ("nb-1", "renamed", None)
    assert notebook_id(str(root / "final" / "paper.ipynb"), []) == "nb-1"  # the kernel agrees

    # a new notebook made at the old path is not the one that moved away (once the moved one ran there)
    _session("nb-1", root / "final" / "paper.ipynb")
    _write(root / "draft.ipynb", ["n0"])
    code, body = await api("notebooks", "identity", params={"path": "draft.ipynb"})
    assert (body["notebook_id"], body["how"]) == (None, "none")
    assert notebook_id(str(root / "draft.ipynb"), ["n0"]) != "nb-1"

    # the id the open notebook's metadata holds now (not saved yet) counts over the file's
    code, body = await api("notebooks", "identity", params={"path": "draft.ipynb", "notebook_id": "nb-9"})
    assert (body["notebook_id"], body["how"]) == ("nb-9", "metadata")


async def test_a_copy_made_by_the_kernel_side_alone_is_a_new_notebook_too(api, jp_root_dir):
    """Without the lab extension: no id in the metadata; the cell ids say which notebook it is."""
    from jupyter_prov.orm import CellExecutionNode

    root = jp_root_dir
    _write(root / "a.ipynb", ["k0"])
    _session("nb-a", root / "a.ipynb")
    cell = CellExecutionNode()
    cell.set_attribute("cell_id", "k0")
    cell.set_attribute("notebook_id", "nb-a")
    cell.set_attribute("notebook", str(root / "a.ipynb"))
    cell.store()
    shutil.copy(root / "a.ipynb", root / "b.ipynb")
    code, body = await api("notebooks", "identity", params={"path": "b.ipynb"})
    assert (body["notebook_id"], body["copy_of"]) == (None, "nb-a")
    (root / "a.ipynb").unlink()  # now b is where a's cells live: a moved
    code, body = await api("notebooks", "identity", params={"path": "b.ipynb"})
    assert (body["notebook_id"], body["how"]) == ("nb-a", "cells")


async def test_a_bad_path_is_refused(api, jp_root_dir):
    _write(jp_root_dir / ".hidden" / "n.ipynb", ["h0"])
    (jp_root_dir / "data.txt").write_text("x")
    for params, status in [({}, 400), ({"path": ""}, 400), ({"path": "data.txt"}, 400),
                           ({"path": "missing.ipynb"}, 404), ({"path": "../outside.ipynb"}, 403),
                           ({"path": ".hidden/n.ipynb"}, 403), ({"path": "a.ipynb", "other": "1"}, 400)]:
        code, body = await api("notebooks", "identity", params=params)
        assert code == status, (params, code, body)
        assert body["message"], body
