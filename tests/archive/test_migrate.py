"""The migration chain: a hand-made archive of the first format version is read, imported and migrated."""

from __future__ import annotations

import json
import zipfile

import pytest

from jupyter_prov.archive import (
    FORMAT_VERSION,
    ArchiveFormatError,
    ArchiveReader,
    create_archive,
    import_archive,
    inspect_archive,
    migrate_archive,
)
from jupyter_prov.orm import load_node

from .conftest import AIIDA_ARCHIVES, empty_profile_storage
from .test_bad_input import rewrite


@pytest.fixture
def old_archive(graph, tmp_path):
    """Our current archive turned, by hand, into format jprov_0001 (no node_hash column, no Alembic stamp)."""
    current = tmp_path / "current.jprov"
    create_archive(current, all=True)
    with zipfile.ZipFile(current) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    metadata["export_version"] = "jprov_0001"
    metadata.pop("db_schema_revision", None)
    return rewrite(current, tmp_path / "old.jprov", replace={"metadata.json": json.dumps(metadata)}, sql=[
        "DROP INDEX ix_db_node_process_hash",
        "ALTER TABLE db_node DROP COLUMN node_hash",
        "DROP TABLE alembic_version",
    ])


def test_old_archive_is_read_in_place_and_imported(old_archive, graph, storage):
    assert inspect_archive(old_archive)["version"] == "jprov_0001"
    with ArchiveReader(old_archive) as archive:
        assert archive.format_version == "jprov_0001"
        assert archive.load_node(graph.total.uuid).get_file("total.txt") == b"5\n"
        assert archive.load_node(graph.total.uuid).node_hash is None
    empty_profile_storage()
    summary = import_archive(old_archive)
    assert summary.counts["nodes"] == 9
    assert load_node(graph.total.uuid).get_content() == "5\n"


def test_migrate_writes_the_newest_format(old_archive, graph, tmp_path):
    target = tmp_path / "new.jprov"
    summary = migrate_archive(old_archive, target)
    assert summary.details["from"] == "jprov:jprov_0001" and summary.details["to"] == FORMAT_VERSION
    info = inspect_archive(target)
    assert info["version"] == FORMAT_VERSION
    assert info["counts"]["nodes"] == 9
    with zipfile.ZipFile(target) as archive:
        metadata = json.loads(archive.read("metadata.json"))
        assert archive.infolist()[0].filename == "metadata.json"
    assert any("node_hash" in note for note in metadata["conversion_info"])
    with ArchiveReader(target) as archive:
        assert archive.format_version == FORMAT_VERSION
        assert archive.load_node(graph.folder.uuid).get_file("data/values.csv") == b"a,b\n1,2\n"
    with pytest.raises(ArchiveFormatError, match="exists already"):
        migrate_archive(old_archive, target)


def test_migrate_an_aiida_archive_to_ours(profile, tmp_path):
    source = AIIDA_ARCHIVES / "tutorial.aiida"
    if not source.exists():
        pytest.skip(f"{source} is not on this machine")
    target = tmp_path / "tutorial.jprov"
    migrate_archive(source, target)
    info = inspect_archive(target)
    assert info["format"] == "jprov" and info["counts"]["nodes"] == 55 and info["repository_objects"] == 23
    summary = import_archive(target)
    assert summary.counts["nodes"] == 55 and summary.counts["links"] == 56


def test_aiida_cores_own_extras_are_dropped_on_the_migrate_route_as_on_the_direct_one(profile, tmp_path):
    """_aiida_hash is aiida-core's caching hash: ``archive import`` dropped it, ``migrate`` then import kept it."""
    from jupyter_prov.orm import Node, QueryBuilder

    source = AIIDA_ARCHIVES / "tutorial.aiida"
    if not source.exists():
        pytest.skip(f"{source} is not on this machine")
    empty_profile_storage()
    with zipfile.ZipFile(source) as archive, archive.open("db.sqlite3") as db:  # the source really carries them
        (tmp_path / "db.sqlite3").write_bytes(db.read())
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM db_dbnode WHERE extras LIKE '%\"_aiida_hash\"%'").fetchone()[0] == 55
    target = tmp_path / "tutorial.jprov"
    migrate_archive(source, target)
    import_archive(target)
    extras = [e for (e,) in QueryBuilder().append(Node, project=["extras"]).iterall()]
    assert len(extras) == 55
    assert not [e for e in extras if any(key.startswith("_aiida_") for key in e)], "aiida-core's extras kept"
