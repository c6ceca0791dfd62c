"""``put_folder`` adds a local folder to a node; a wrong path gets an error that says what is wrong with it."""

from __future__ import annotations

import pytest

from jupyter_prov.orm import Folder, Int, load_node
from jupyter_prov.orm.exceptions import ValidationError


def test_a_missing_folder_is_reported_as_missing(tmp_path):
    node = Int(1)
    with pytest.raises(ValidationError, match=r"cannot add '.*results' to .*: it does not exist"):
        node.put_folder(tmp_path / "results")
    assert node.list_files() == []


def test_a_file_given_as_folder_is_reported_as_not_a_folder(tmp_path):
    (tmp_path / "results").write_text("a file")
    with pytest.raises(ValidationError, match="it is not a folder"):
        Folder.from_path(tmp_path / "results")


def test_every_file_of_the_folder_is_added_below_path(tmp_path):
    (tmp_path / "results" / "sub").mkdir(parents=True)
    (tmp_path / "results" / "a.txt").write_text("a")
    (tmp_path / "results" / "sub" / "b.txt").write_text("b")
    node = Int(1)
    node.put_folder(tmp_path / "results", path="out")
    assert node.get_file("out/a.txt") == b"a" and node.get_file("out/sub/b.txt") == b"b"


def test_folder_from_path_keeps_empty_folders(profile, tmp_path):
    """An empty directory is part of a folder (aiida-core keeps it too: a FolderData round-trips with it)."""
    (tmp_path / "src" / "data").mkdir(parents=True)
    (tmp_path / "src" / "data" / "values.csv").write_bytes(b"a,b\n")
    (tmp_path / "src" / "extra" / "empty_dir").mkdir(parents=True)
    (tmp_path / "src" / "scratch").mkdir()
    folder = Folder.from_path(tmp_path / "src").store()
    again = load_node(folder.pk)
    assert again.list_files() == ["data/", "extra/", "scratch/"]
    assert again.list_files("extra") == ["empty_dir/"] and again.list_files("extra/empty_dir") == []
    assert again.list_files("scratch") == []
    assert dict(again.walk_files()).keys() == {"data/values.csv"}
