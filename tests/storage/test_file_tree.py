"""File trees: one check of names (ORM and archive import), and writes that never leave their folder."""

from __future__ import annotations

import pytest

from jupyter_prov.storage.file_tree import FileTreeError, check_name, parse_tree, safe_join, split_path

KEY = "0" * 64


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "/abs", "a\x00b", "x" * 256, "é" * 128, "\udc80", 5, None])
def test_a_bad_name_is_refused(name):
    with pytest.raises(FileTreeError):
        check_name(name, what="test")


@pytest.mark.parametrize("name", ["a.txt", "with space", "ünïcode", "x" * 255, 'quote"d', "-rf", "..."])
def test_a_good_name_passes(name):
    assert check_name(name, what="test") == name


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "a/\x00/b", "", "./"])
def test_a_path_that_leaves_the_node_is_refused(path):
    with pytest.raises(FileTreeError):
        split_path(path, what="test")


@pytest.mark.parametrize("text", [
    f'{{"a":"{KEY}","a":"{KEY}"}}',
    f'{{ "a" : "{KEY}" , "a" : "{KEY}" }}',
    f'{{"d":{{"a":"{KEY}"}},"d":{{}}}}',
    f'{{"d":{{"a":"{KEY}","a":"{KEY}"}}}}',
    f'{{"\\u0061":"{KEY}","a":"{KEY}"}}',
])
def test_a_name_that_occurs_twice_in_one_folder_is_refused(text):
    with pytest.raises(FileTreeError, match="occurs twice"):
        parse_tree(text, what="test")


@pytest.mark.parametrize("text", [
    f'{{"a":"{KEY}","b":"{KEY}"}}',
    f'{{"x\\"y":"{KEY}","xy":"{KEY}"}}',
    f'{{"\\u0022\\u0022a":"{KEY}","a":"{KEY}"}}',
    f'{{"d":{{"a":"{KEY}"}},"e":{{"a":"{KEY}"}}}}',
])
def test_distinct_names_are_not_taken_for_duplicates(text):
    assert len(parse_tree(text, what="test")) == 2


def test_a_deep_tree_is_refused_without_recursion_error():
    text = '{"d":' * 5000 + "{}" + "}" * 5000
    with pytest.raises(FileTreeError):
        parse_tree(text, what="test")
    deep: dict = {}
    node = deep
    for _ in range(300):
        node["d"] = node = {}
    with pytest.raises(FileTreeError, match="folders deep"):
        parse_tree(deep, what="test")


def test_safe_join_stays_inside_even_through_a_symlink(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    assert safe_join(root, "a/b.txt") == root.resolve() / "a" / "b.txt"
    (root / "out").symlink_to(tmp_path)
    with pytest.raises(FileTreeError, match="outside"):
        safe_join(root, "out/escaped.txt")
    with pytest.raises(FileTreeError):
        safe_join(root, "../escaped.txt")
