"""/archives: an archive of the server's root folder inspected, read in place, a neighbourhood inside it,
imported with a dry run first; a path outside the root folder (or hidden) is refused."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI

#: the checkout sits beside shared/ (/work/main beside /work/shared); a clone elsewhere reads /work/shared
_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "data" / "aiida-archives" / "tutorial.aiida"
TUTORIAL = _BESIDE if _BESIDE.exists() else Path("/work/shared/data/aiida-archives/tutorial.aiida")


@pytest.fixture
def archive_in_root(jp_root_dir) -> str:
    if not TUTORIAL.exists():
        (pytest.fail if IN_CI else pytest.skip)(f"{TUTORIAL} is not here")
    (jp_root_dir / "data").mkdir()
    shutil.copy(TUTORIAL, jp_root_dir / "data" / "tutorial.aiida")
    return "data/tutorial.aiida"


async def test_inspect_an_archive_of_the_root_folder(api, archive_in_root):
    code, body = await api("archives", "inspect", params={"path": archive_in_root})
    assert code == 200, body
    assert body["path"] == archive_in_root  # never the server's own path
    assert body["format"] == "aiida" and body["version"] == "main_0001"
    assert body["counts"]["nodes"] == 55 and body["counts"]["links"] == 56
    assert body["node_types"]["process.workflow.workchain"] == 1


async def test_read_nodes_in_place_without_importing(api, archive_in_root):
    code, body = await api("archives", "nodes", params={"path": archive_in_root, "node_type": "process.",
                                                        "order_by": "pk", "descending": "false", "limit": "5"})
    assert code == 200, body
    assert body["total"] == 13 and len(body["items"]) == 5
    assert all(item["node_type"].startswith("process.") for item in body["items"])
    code, profile_nodes = await api("nodes")
    assert profile_nodes["total"] == 0  # nothing was imported
    chain = (await api("archives", "nodes", params={"path": archive_in_root,
                                                    "node_type": "process.workflow.workchain"}))[1]["items"][0]
    code, detail = await api("archives", "nodes", chain["uuid"], params={"path": archive_in_root})
    assert code == 200 and detail["uuid"] == chain["uuid"] and detail["kind"] == "workflow"
    assert detail["counts"]["outgoing"] > 0
    code, missing = await api("archives", "nodes", "999999", params={"path": archive_in_root})
    assert code == 404


async def test_a_neighbourhood_inside_the_archive(api, archive_in_root):
    from jupyter_prov.server.graph import decode_binary
    from jupyter_prov.views.graph import decode

    chain = (await api("archives", "nodes", params={"path": archive_in_root,
                                                    "node_type": "process.workflow.workchain"}))[1]["items"][0]
    code, body = await api("archives", "nodes", chain["uuid"], "graph", params={"path": archive_in_root})
    assert code == 200, body
    assert chain["pk"] in body["nodes"]["pk"] and len(body["nodes"]["pk"]) > 1
    assert set(body["links"]["link_type"]) <= {"call_calc", "call_work", "input_work", "return", "input_calc", "create"}
    assert any(t in ("call_calc", "input_work", "return") for t in body["links"]["link_type"])
    code, response = await api("archives", "nodes", chain["uuid"], "graph",
                               params={"path": archive_in_root, "format": "binary"}, raw=True)
    elements = decode(decode_binary(response.body)[0][1])
    assert sorted(row.pk for row in elements.nodes) == sorted(body["nodes"]["pk"])


async def test_import_with_a_dry_run_first(api, archive_in_root):
    code, dry = await api("archives", "import", method="POST", body={"path": archive_in_root, "dry_run": True})
    assert code == 200, dry
    assert dry["dry_run"] is True and dry["counts"]["nodes"] == 55 and dry["path"] == archive_in_root
    assert (await api("nodes"))[1]["total"] == 0  # the dry run wrote nothing
    code, done = await api("archives", "import", method="POST", body={"path": archive_in_root, "dry_run": False})
    assert code == 200 and done["dry_run"] is False
    assert (await api("nodes"))[1]["total"] == 55
    code, again = await api("archives", "import", method="POST", body={"path": archive_in_root})
    assert code == 200 and again["dry_run"] is True and again["counts"]["nodes"] == 0  # dry run by default


@pytest.mark.parametrize("path", ["../outside.aiida", "data/../../outside.aiida", "/../outside.aiida"])
async def test_a_path_escaping_the_root_folder_is_refused(api, archive_in_root, jp_root_dir, path):
    shutil.copy(TUTORIAL, jp_root_dir.parent / "outside.aiida")
    for route, method in ((("archives", "inspect"), "GET"), (("archives", "nodes"), "GET")):
        code, body = await api(*route, method=method, params={"path": path})
        assert code == 403 and body["message"] == f"path {path!r} is outside the server's root folder"
    code, body = await api("archives", "import", method="POST", body={"path": path, "dry_run": True})
    assert code == 403


async def test_a_symlink_out_of_the_root_folder_is_refused(api, archive_in_root, jp_root_dir):
    shutil.copy(TUTORIAL, jp_root_dir.parent / "outside.aiida")
    os.symlink(jp_root_dir.parent / "outside.aiida", jp_root_dir / "link.aiida")
    code, body = await api("archives", "inspect", params={"path": "link.aiida"})
    assert code == 403 and "outside the server's root folder" in body["message"]


async def test_hidden_missing_and_non_archive_files(api, archive_in_root, jp_root_dir):
    (jp_root_dir / ".secret").mkdir()
    shutil.copy(TUTORIAL, jp_root_dir / ".secret" / "t.aiida")
    code, body = await api("archives", "inspect", params={"path": ".secret/t.aiida"})
    assert code == 403 and "hidden" in body["message"]
    code, body = await api("archives", "inspect", params={"path": "data/none.aiida"})
    assert code == 404 and body["message"] == "path 'data/none.aiida': no such file in the server's root folder"
    (jp_root_dir / "notes.txt").write_text("not a zip")
    code, body = await api("archives", "inspect", params={"path": "notes.txt"})
    assert code == 400 and "notes.txt" in body["message"]
    code, body = await api("archives", "inspect")
    assert code == 400 and body["message"] == "missing query parameter 'path'"
    code, body = await api("archives", "inspect", params={"path": ""})
    assert code == 400
