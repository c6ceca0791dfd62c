"""``put_folder`` adds a local folder to a node; a wrong path gets an error that says what is wrong with it."""

from __future__ import annotations

import pytest

from jupyter_prov.orm import Folder, Int
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
