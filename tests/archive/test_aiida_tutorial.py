"""The AiiDA tutorial archive written by aiida-core 2.9.4: inspected, read in place and imported, value by value."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from jupyter_prov.archive import ArchiveReader, ArchiveReadOnlyError, import_archive, inspect_archive
from jupyter_prov.orm import Group, load_node
from jupyter_prov.storage import schema

from .conftest import AIIDA_ARCHIVES, empty_profile_storage

TUTORIAL = AIIDA_ARCHIVES / "tutorial.aiida"
pytestmark = pytest.mark.skipif(not TUTORIAL.exists(), reason=f"{TUTORIAL} is not on this machine")


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((AIIDA_ARCHIVES / "tutorial.expected.json").read_text())


def test_inspect(expected):
    info = inspect_archive(TUTORIAL)
    assert info["format"] == "aiida" and info["version"] == "main_0001"
    counts = expected["counts"]
    assert info["counts"]["nodes"] == counts["nodes"]
    assert info["counts"]["links"] == counts["links"]
    assert info["counts"]["groups"] == counts["groups"]
    assert info["counts"]["group_nodes"] == counts["group_memberships"]
    assert info["counts"]["comments"] == counts["comments"] and info["counts"]["logs"] == counts["logs"]
    assert info["counts"]["files"] == info["repository_objects"] == counts["repository_objects"]
    assert info["users"] == [u["email"] for u in expected["users"]]
    assert info["computers"] == [c["label"] for c in expected["computers"]]
    assert info["node_types"]["data.int"] == expected["node_type_counts"]["data.core.int.Int."]
    assert info["node_types"]["data.core.structure.StructureData."] == 1  # unknown types keep their type string
    assert info["link_types"] == expected["link_type_counts"]


def test_read_in_place_every_node(expected):
    with ArchiveReader(TUTORIAL) as archive:
        for want in expected["nodes"]:
            node = archive.load_node(want["uuid"])
            assert node.label == want["label"] and node.description == want["description"]
            assert node.process_type == want["process_type"]
            assert dict(node.attributes) == want["attributes"], want["name"]
            assert node.extras == want["extras"]
            assert node.user.email == want["user_email"]
            assert (node.computer.label if node.computer else None) == want["computer_label"]
            assert node.ctime.strftime("%Y-%m-%d %H:%M:%S.%f") == want["ctime"]
            files = dict(node.walk_files())
            assert set(files) == set(want["repository_files"]), want["name"]
            for path, described in want["repository_files"].items():
                content = node.get_file(path)
                assert hashlib.sha256(content).hexdigest() == described["sha256"] and len(content) == described["size"]
            for directory in want["repository_directories"]:
                assert isinstance(node.list_files(directory), list)
        folder = next(n for n in expected["nodes"] if n["repository_directories"] and "extra/empty_dir" in n["repository_directories"])
        assert archive.load_node(folder["uuid"]).list_files("extra/empty_dir") == []
        # the dict that needs exact integers keeps them
        parameters = next(n for n in expected["nodes"] if n["name"] == "parameters")
        assert archive.load_node(parameters["uuid"]).attributes == parameters["attributes"]
        with pytest.raises(ArchiveReadOnlyError, match="read-only"):
            archive.load_node(parameters["uuid"]).set_extra("x", 1)


def test_querybuilder_in_place(expected):
    from jupyter_prov.orm.nodes import Int

    with ArchiveReader(TUTORIAL) as archive:
        count = archive.querybuilder().append(Int).count()
        assert count == expected["node_type_counts"]["data.core.int.Int."]


def test_import(profile, storage, expected):
    empty_profile_storage()  # repository objects too: a test before this one may have imported the same files
    summary = import_archive(TUTORIAL)
    counts = expected["counts"]
    assert summary.counts["nodes"] == counts["nodes"] and summary.counts["links"] == counts["links"]
    assert summary.counts["comments"] == counts["comments"] and summary.counts["logs"] == counts["logs"]
    assert summary.counts["files"] == counts["repository_objects"]
    with storage.connection() as conn:
        labels = Counter((t, l) for t, l in conn.execute(select(schema.links.c.type, schema.links.c.label)))
    want = Counter({(t, l): n for t, by_label in expected["link_label_counts"].items() for l, n in by_label.items()})
    assert labels == want
    for want_group in expected["groups"]:
        group = Group.load(want_group["label"])
        assert group.uuid == want_group["uuid"] and group.extras == want_group["extras"]
        assert sorted(n.uuid for n in group.nodes) == want_group["member_uuids"]
    for want_node in expected["nodes"]:
        node = load_node(want_node["uuid"])
        assert dict(node.attributes) == want_node["attributes"], want_node["name"]  # exact ints, floats stay floats
        assert json.dumps(dict(node.attributes), sort_keys=True) == json.dumps(want_node["attributes"], sort_keys=True)
        want_extras = {k: v for k, v in want_node["extras"].items() if not k.startswith("_aiida_")}
        if node.node_type.startswith("process"):  # an imported calculation is no cache source (engine/caching.py)
            want_extras["_jprov_cacheable"] = False
        assert node.extras == want_extras
        for path, described in want_node["repository_files"].items():
            assert hashlib.sha256(node.get_file(path)).hexdigest() == described["sha256"]
    for comment in expected["comments"]:
        assert comment["content"] in [c.content for c in load_node(comment["node_uuid"]).get_comments()]
    for node_uuid, n in expected["log_counts_per_node"].items():
        assert len(load_node(node_uuid).get_logs()) == n
    again = import_archive(TUTORIAL)
    assert again.counts["nodes"] == 0 and again.counts["links"] == 0 and again.counts["files"] == 0
    with storage.connection() as conn:
        assert conn.execute(select(func.count()).select_from(schema.nodes)).scalar_one() == counts["nodes"]
