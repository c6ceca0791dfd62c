"""Export then import: everything comes back, merged by UUID, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import func, select

from jupyter_prov.archive import ArchiveError, create_archive, import_archive
from jupyter_prov.orm import Group, load_node
from jupyter_prov.orm.computers import Computer
from jupyter_prov.storage import schema

from .conftest import empty_profile_storage


def _count(storage, table) -> int:
    with storage.connection() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_zip_layout_metadata_first_and_stored(graph, tmp_path):
    path = tmp_path / "all.jprov"
    create_archive(path, all=True)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert infos[0].filename == "metadata.json" and infos[0].compress_type == zipfile.ZIP_STORED
        assert infos[0].header_offset == 0
        assert infos[1].filename == "db.sqlite3"
        assert all(info.filename.startswith("repo/") for info in infos[2:])
        metadata = json.loads(archive.read("metadata.json"))
    assert metadata["export_version"] == "jprov_0002"
    assert metadata["counts"]["nodes"] == 9
    assert metadata["node_types"]["data.int"] == 3
    assert metadata["computers"][0]["label"] == "archive-test-host"


def test_export_all_then_import_into_empty_profile(graph, tmp_path, storage):
    path = tmp_path / "all.jprov"
    summary = create_archive(path, all=True)
    assert summary.counts["nodes"] == 9 and summary.counts["links"] == 11
    uuids = {name: getattr(graph, name).uuid for name in ("x", "calc", "total", "folder", "workflow", "remote")}
    empty_profile_storage()
    result = import_archive(path)
    assert result.counts["nodes"] == 9
    assert result.counts["links"] == 11
    assert result.counts["files"] == 3  # total.txt, values.csv, README.txt
    total = load_node(uuids["total"])
    assert total.ctime == graph.total.ctime and total.mtime >= total.ctime  # timestamps survive both backends
    assert total.get_content() == "5\n"
    assert total.get_extra("checked") is True
    assert [c.content for c in total.get_comments()] == ["looks right"]
    assert total.creator.uuid == uuids["calc"]
    calc = load_node(uuids["calc"])
    assert "checkpoint" not in calc.attributes  # checkpoints are stripped
    assert calc.caller.uuid == uuids["workflow"]
    assert [log.message for log in calc.get_logs()] == ["computed the sum"]
    assert load_node(uuids["folder"]).get_file("data/values.csv") == b"a,b\n1,2\n"
    assert load_node(uuids["remote"]).computer.label == "archive-test-host"
    assert _count(storage, schema.authinfos) == 0  # authinfos never travel
    assert Group.load("archive-test-results").count() == 1
    imported = [g for g in Group.all() if g.type_string == "core.import"]
    assert len(imported) == 1 and imported[0].count() == 9


def test_importing_twice_adds_nothing(graph, tmp_path, storage):
    path = tmp_path / "all.jprov"
    create_archive(path, all=True)
    before = {t.name: _count(storage, t) for t in (schema.nodes, schema.links, schema.comments, schema.logs,
                                                     schema.users, schema.computers)}
    summary = import_archive(path, import_group=False)
    assert summary.counts["nodes"] == 0 and summary.counts["existing_nodes"] == 9
    assert summary.counts["links"] == 0 and summary.counts["comments"] == 0 and summary.counts["logs"] == 0
    after = {t.name: _count(storage, t) for t in (schema.nodes, schema.links, schema.comments, schema.logs,
                                                    schema.users, schema.computers)}
    assert after == before


def test_export_of_one_node_takes_its_provenance_along(graph, tmp_path):
    path = tmp_path / "total.jprov"
    summary = create_archive(path, nodes=[graph.total])
    # total <- calc (creator) <- x, y, params, folder (inputs) ; calc <- workflow (caller) ; calc -> remote (created)
    assert summary.counts["nodes"] == 8
    from jupyter_prov.archive import ArchiveReader

    with ArchiveReader(path) as archive, archive.storage.connection() as conn:
        uuids = set(conn.execute(select(schema.nodes.c.uuid)).scalars())
    assert graph.unrelated.uuid not in uuids
    assert {graph.calc.uuid, graph.x.uuid, graph.workflow.uuid, graph.remote.uuid} <= uuids


def test_traversal_toggles(graph, tmp_path):
    summary = create_archive(tmp_path / "a.jprov", nodes=[graph.x], test_run=True)
    assert summary.counts["nodes"] == 1
    summary = create_archive(tmp_path / "b.jprov", nodes=[graph.x], input_calc_forward=True, test_run=True)
    assert summary.counts["nodes"] == 8
    with pytest.raises(ValueError, match="fixed"):
        create_archive(tmp_path / "c.jprov", nodes=[graph.x], create_forward=False)


def test_test_run_writes_nothing(graph, tmp_path):
    path = tmp_path / "nothing.jprov"
    summary = create_archive(path, all=True, test_run=True)
    assert summary.test_run and summary.counts["nodes"] == 9
    assert not path.exists()


def test_export_groups_and_options(graph, tmp_path):
    path = tmp_path / "group.jprov"
    summary = create_archive(path, groups=["archive-test-results"], include_comments=False, include_logs=False,
                             compression=0)
    assert summary.counts["groups"] == 1 and summary.counts["group_nodes"] == 1
    assert summary.counts["comments"] == 0 and summary.counts["logs"] == 0
    with zipfile.ZipFile(path) as archive:
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    with pytest.raises(ArchiveError, match="exists already"):
        create_archive(path, groups=["archive-test-results"])
    with pytest.raises(ArchiveError, match="nothing to export"):
        create_archive(tmp_path / "empty.jprov")


def test_extras_modes_for_existing_nodes(graph, tmp_path):
    path = tmp_path / "all.jprov"
    create_archive(path, all=True)
    graph.total.set_extra("checked", False)
    graph.total.set_extra("local", 1)
    import_archive(path, import_group=False, extras_mode_existing="keep_existing")
    assert load_node(graph.total.uuid).extras == {"checked": False, "local": 1}
    import_archive(path, import_group=False, extras_mode_existing="update_existing")
    assert load_node(graph.total.uuid).extras == {"checked": True, "local": 1}
    import_archive(path, import_group=False, extras_mode_existing="mirror")
    assert load_node(graph.total.uuid).extras == {"checked": True}
    graph.total.set_extra("checked", "mine")
    import_archive(path, import_group=False, extras_mode_existing="none")
    assert load_node(graph.total.uuid).extras == {"checked": "mine"}
    with pytest.raises(ArchiveError, match="extras_mode_existing"):
        import_archive(path, extras_mode_existing="sometimes")


def test_extras_mode_new_none_and_comment_modes(graph, tmp_path, storage):
    path = tmp_path / "all.jprov"
    create_archive(path, all=True)
    comment = graph.total.get_comments()[0]
    comment.set_content("edited here later")
    import_archive(path, import_group=False, comment_mode="newest")
    assert [c.content for c in load_node(graph.total.uuid).get_comments()] == ["edited here later"]
    import_archive(path, import_group=False, comment_mode="overwrite")
    assert [c.content for c in load_node(graph.total.uuid).get_comments()] == ["looks right"]
    empty_profile_storage()
    import_archive(path, extras_mode_new="none")
    assert load_node(graph.total.uuid).extras == {}


def test_import_test_run_writes_nothing(graph, tmp_path, storage):
    path = tmp_path / "all.jprov"
    create_archive(path, all=True)
    empty_profile_storage()
    summary = import_archive(path, test_run=True)
    assert summary.test_run and summary.counts["nodes"] == 9 and summary.counts["files"] == 3
    assert _count(storage, schema.nodes) == 0
    assert list(storage.repository.list_keys()) == []


def test_computer_label_clash_gets_a_suffix(graph, tmp_path, storage):
    path = tmp_path / "all.jprov"
    create_archive(path, all=True)
    empty_profile_storage()
    Computer("archive-test-host", "elsewhere").store()
    import_archive(path)
    labels = sorted(c.label for c in Computer.all())
    assert labels[0] == "archive-test-host" and labels[1].startswith("archive-test-host_")
