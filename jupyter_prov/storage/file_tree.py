"""The virtual file tree that a node stores: nested objects of names, leaves are repository keys.

``{"in.txt": "<sha256>", "out": {"a.dat": "<sha256>"}}``: a string is a file, an object a folder.
"""

from __future__ import annotations

from typing import Iterator


def iter_keys(tree: dict) -> Iterator[str]:
    for value in tree.values():
        if isinstance(value, str):
            yield value
        else:
            yield from iter_keys(value)


def iter_files(tree: dict, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(relative path, key) of every file, depth first, sorted by name."""
    for name in sorted(tree):
        value = tree[name]
        path = f"{prefix}{name}"
        if isinstance(value, str):
            yield path, value
        else:
            yield from iter_files(value, path + "/")
