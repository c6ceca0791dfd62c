"""ArchiveReader: the archive as a read-only storage backend — nodes, files, groups, queries; no writes."""

from __future__ import annotations

import pytest

from jupyter_prov.archive import ArchiveError, ArchiveReader, ArchiveReadOnlyError, create_archive
from jupyter_prov.orm.nodes import Dict, Int
from jupyter_prov.storage.repository import RepositoryError


@pytest.fixture
def archive_path(graph, tmp_path):
    path = tmp_path / "all.jprov"
    create_archive(path, all=True)
    return path


def test_nodes_and_files_come_from_the_zip(archive_path, graph, storage):
    keys_before = set(storage.repository.list_keys())
    with ArchiveReader(archive_path) as archive:
        total = archive.load_node(graph.total.uuid)
        assert total.get_content() == "5\n"
        assert total._storage is archive.storage
        assert total.creator.uuid == graph.calc.uuid  # links are read from the archive too
        assert total.creator.inputs.x.value == 2
        folder = archive.load_node(graph.folder.uuid[:30])
        assert folder.list_files() == ["README.txt", "data/"]
        with folder.open("data/values.csv") as handle:
            assert handle.read() == "a,b\n1,2\n"
        assert archive.load_node(graph.remote.uuid).computer.label == "archive-test-host"
        assert archive.load_node(graph.total.uuid).get_comments()[0].content == "looks right"
        assert [g.label for g in archive.groups()] == ["archive-test-results"]
        assert archive.counts()["nodes"] == 9
        assert archive.storage.repository.has([graph.total.file_tree["total.txt"], "0" * 64]) == [True, False]
        with pytest.raises(RepositoryError, match="missing from archive"):
            archive.storage.repository.get_bytes("0" * 64)
    assert set(storage.repository.list_keys()) == keys_before


def test_querybuilder_on_the_archive(archive_path, graph):
    with ArchiveReader(archive_path) as archive:
        assert archive.querybuilder().append(Int).count() == 3
        rows = archive.querybuilder().append(Dict, filters={"attributes.mode": "sum"}, project="uuid").all(flat=True)
        assert rows == [graph.params.uuid]


def test_writes_raise_a_read_only_error(archive_path, graph):
    with ArchiveReader(archive_path) as archive:
        node = archive.load_node(graph.total.uuid)
        with pytest.raises(ArchiveReadOnlyError, match="read-only"):
            node.set_extra("changed", True)
        with pytest.raises(ArchiveReadOnlyError, match="read-only"):
            node.label = "renamed"
        with pytest.raises(ArchiveReadOnlyError, match="read-only"):
            archive.storage.repository.put_bytes(b"new")
        assert archive.load_node(graph.total.uuid).extras == {"checked": True}


def test_reader_must_be_open(archive_path):
    reader = ArchiveReader(archive_path)
    with pytest.raises(ArchiveError, match="not open"):
        reader.load_node(1)
    with reader:
        temp = reader._archive._temp
        assert temp.exists()
    assert not temp.exists()  # the extracted database is removed on close
