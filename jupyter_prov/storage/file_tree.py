"""The virtual file tree that a node stores: nested objects of names, leaves are repository keys.

``{"in.txt": "<sha256>", "out": {"a.dat": "<sha256>"}}``: a string is a file, an object a folder.

A tree names files that are later written to disk (``copy_files_to``, the sandbox of a shell or calc
job), so its names are checked in one place, here, by every path that adds names (the ORM's
``put_file``, archive import): a name is one non-empty path component, not ``.`` or ``..``, without
``/`` or NUL, at most :data:`MAX_NAME_BYTES` bytes of UTF-8; a tree is at most :data:`MAX_DEPTH`
folders deep; a name occurs once per folder (JSON text with a repeated key is refused, where a JSON
parser would silently keep the last). Writing goes through :func:`safe_join`, which resolves the
result and refuses anything outside the destination folder (a symlink already in the destination
included), so even a tree that bypassed the checks cannot write elsewhere.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import RepositoryError

#: the longest file name most file systems take (ext4, XFS, APFS: 255 bytes)
MAX_NAME_BYTES = 255
#: folders nested deeper than this are refused (Linux PATH_MAX is 4096 bytes: 2 bytes per level at best)
MAX_DEPTH = 256
#: a repository key as the trees store it (disk-objectstore's sha256 hex digest)
KEY_PATTERN = re.compile(r"\A[0-9a-f]{64}\Z")  # \Z: "$" would also take a key followed by a newline


class FileTreeError(RepositoryError, ValueError):
    """A file tree or file name that cannot be stored or written: the message names it and why."""


def iter_keys(tree: dict) -> Iterator[str]:
    """Every repository key of ``tree`` (iterative: a deep tree does not exhaust the stack)."""
    stack = [tree]
    while stack:
        for value in stack.pop().values():
            if isinstance(value, str):
                yield value
            else:
                stack.append(value)


def iter_files(tree: dict, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(relative path, key) of every file, depth first, sorted by name."""
    for name in sorted(tree):
        value = tree[name]
        path = f"{prefix}{name}"
        if isinstance(value, str):
            yield path, value
        else:
            yield from iter_files(value, path + "/")


def check_name(name: Any, *, what: str) -> str:
    """``name`` if it is a valid single file or folder name, else :class:`FileTreeError` naming ``what``."""
    if not isinstance(name, str) or not name:
        raise FileTreeError(f"{what}: file name {name!r} must be a non-empty string")
    if name in (".", ".."):
        raise FileTreeError(f"{what}: file name {name!r} is not allowed (it would leave its folder)")
    if "/" in name or "\x00" in name:
        raise FileTreeError(f"{what}: file name {name!r} must not contain '/' or NUL")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise FileTreeError(f"{what}: file name {name!r} is not valid Unicode text") from None
    if size > MAX_NAME_BYTES:
        raise FileTreeError(f"{what}: file name of {size} bytes is too long (at most {MAX_NAME_BYTES})")
    return name


def split_path(path: Any, *, what: str) -> list[str]:
    """The components of the relative POSIX ``path`` (``.`` and repeated ``/`` dropped), each checked."""
    if not isinstance(path, str) or not path:
        raise FileTreeError(f"{what}: file paths must be non-empty strings, got {path!r}")
    if "\x00" in path:
        raise FileTreeError(f"{what}: file path {path!r} must not contain NUL")
    pure = PurePosixPath(path)
    parts = [part for part in pure.parts if part not in ("", ".")]
    if pure.is_absolute() or ".." in parts or not parts:
        raise FileTreeError(f"{what}: file path {path!r} must be relative and stay inside the node")
    if len(parts) > MAX_DEPTH:
        raise FileTreeError(f"{what}: file path is {len(parts)} folders deep (at most {MAX_DEPTH})")
    for part in parts:
        check_name(part, what=what)
    return parts


def check_tree(tree: Any, *, what: str) -> dict:
    """``tree`` if it is a valid file tree (names checked, leaves sha256 keys, depth bounded)."""
    _walk(tree, what)
    return tree


def _walk(tree: Any, what: str) -> tuple[int, int]:
    """Check ``tree``; returns (number of strings in it: names and keys, ``"`` characters in its names)."""
    if not isinstance(tree, dict):
        raise FileTreeError(f"{what}: the file tree must be an object, got {type(tree).__name__}")
    strings = quotes = 0
    stack: list[tuple[dict, str, int]] = [(tree, "", 1)]
    while stack:
        folder, prefix, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FileTreeError(f"{what}: the file tree is more than {MAX_DEPTH} folders deep")
        for name, value in folder.items():
            # a short ASCII name without '/' or NUL passes check_name (fast path: most names)
            if not (name.__class__ is str and 0 < len(name) <= MAX_NAME_BYTES and name.isascii()
                    and "/" not in name and "\x00" not in name and name != "." and name != ".."):
                check_name(name, what=f"{what}, folder {prefix or '/'!r}")
            strings += 1
            if '"' in name:
                quotes += name.count('"')
            if value.__class__ is str:
                if not KEY_PATTERN.match(value):
                    raise FileTreeError(f"{what}: file {prefix + name!r} names the key {value[:80]!r}, "
                                        "which is not a sha256 hash")
                strings += 1
            elif isinstance(value, dict):
                stack.append((value, f"{prefix}{name}/", depth + 1))
            else:
                raise FileTreeError(f"{what}: entry {prefix + name!r} is a {type(value).__name__}; "
                                    "a file tree holds keys (files) and objects (folders)")
    return strings, quotes


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise FileTreeError(f"the name {name!r} occurs twice in one folder")
            seen.add(name)
    return result


#: the C scanner and encoder of :mod:`json`, called directly: the wrappers of ``json.loads``/``dumps``
#: build a decoder or an encoder per call, which costs as much as parsing a small tree
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set by __init__; typeshed omits it
_encode = c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, False)
_key = KEY_PATTERN.match


def _flat_tree(text: str) -> dict | None:
    """The tree of ``text`` if it is one folder of short ASCII names in compact JSON (most trees), else None.

    Exactly what :func:`parse_tree` returns for such text, in half the time: the text is the compact
    encoding of what it parses to (so no name occurs twice: a dropped duplicate would make the
    encoding shorter), every name passes :func:`check_name`, every leaf is a key. Anything else,
    None: the full parse decides (and names the problem).
    """
    try:
        tree, end = _scan(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    if end != len(text) or tree.__class__ is not dict:
        return None
    for name, key in tree.items():
        if not (key.__class__ is str and len(key) == 64 and _key(key) and 0 < len(name) <= MAX_NAME_BYTES
                and name.isascii() and "/" not in name and "\x00" not in name and name != "." and name != ".."):
            return None
    try:
        if "".join(_encode(tree, 0)) != text:
            return None
    except (ValueError, TypeError):
        return None
    return tree


def parse_tree(text: Any, *, what: str) -> dict:
    """The file tree stored as JSON ``text`` (or already parsed), checked; duplicate names are refused.

    ``json.loads`` keeps the last of two equal names silently. Finding them with an
    ``object_pairs_hook`` costs twice the parse, so it runs only when a cheaper count does not settle
    it: without ``\\u`` escapes, every string of the text is a name or a key of the parsed tree exactly
    when the text holds ``2 * strings + quotes in names`` quote characters; a dropped duplicate adds at
    least its name's two.
    """
    if text is None or text == "" or text == "{}":
        return {}
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return check_tree(text, what=what)
    flat = _flat_tree(text)
    if flat is not None:
        return flat
    if "\\u" not in text:
        try:
            tree = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise FileTreeError(f"{what}: the file tree is not valid JSON ({str(exc)[:120]})") from None
        strings, quotes = _walk(tree, what)
        if text.count('"') == 2 * strings + quotes:
            return tree
    try:
        tree = json.loads(text, object_pairs_hook=_no_duplicates)
    except FileTreeError as exc:
        raise FileTreeError(f"{what}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise FileTreeError(f"{what}: the file tree is not valid JSON ({str(exc)[:120]})") from None
    return check_tree(tree, what=what)


def safe_join(root: str | os.PathLike, relative: str, *, what: str = "file") -> Path:
    """``root / relative`` for a checked relative path, refused if it resolves outside ``root``.

    Resolving follows symlinks already on disk, so a link planted in the destination cannot redirect
    a write either.
    """
    parts = split_path(relative, what=what)
    base = Path(root).resolve()
    target = base.joinpath(*parts)
    resolved = target.resolve()
    if resolved != base and base not in resolved.parents:
        raise FileTreeError(f"{what}: {relative!r} would be written outside {str(base)!r}")
    return target
