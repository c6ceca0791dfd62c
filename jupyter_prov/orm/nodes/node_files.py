"""The files of a node: a virtual tree of names to repository keys (content hashes).

Bytes live in the profile's disk-objectstore repository, deduplicated by hash; the node's SQL row
only holds the tree. Small files given as bytes wait in memory until the node is stored, then all
files of a batch go into one pack file (:func:`.storing.store_all`): one fsync per batch instead of
one per file, about 100x faster for 10,000 small files (docs/performance.md).
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping, TYPE_CHECKING

from ...storage.file_tree import MAX_NAME_BYTES, FileTreeError, iter_files, safe_join, split_path
from .. import current
from ..exceptions import ValidationError
from ..json_values import frozen_view
from .fields import NodeFields

#: files up to this size given as bytes wait in memory until the node is stored, then all files of a
#: batch go into one pack file: one fsync per batch instead of one per file (about 100x faster for
#: 10,000 small files, see docs/performance.md)
DEFERRED_FILE_MAX = 64 * 1024


def put_packed(contents: list[bytes]) -> list[str]:
    """Put file contents into the loaded profile's repository as one pack; their keys (SHA-256), in order.

    For writers that build many nodes' files first and name them by key (the notebook's value capture).
    """
    return current.get_storage().repository.put_many_bytes(contents)


def put_large_stream(stream: BinaryIO) -> str:
    """Put a large file from a stream into the loaded profile's repository (a loose object); its key."""
    return current.get_storage().repository.put_large_stream(stream)


class NodeFiles(NodeFields):
    """The file methods of :class:`~.node.Node` (a base class of it; it has no state of its own)."""

    if not TYPE_CHECKING:  # no slots of its own (Node has them); hidden from mypy, which would want them here
        __slots__ = ()

    def put_file(self, path: str, source: str | os.PathLike | bytes | BinaryIO) -> str:
        """Add a file at ``path`` (POSIX, relative) from a local path, bytes or a binary stream; returns its hash."""
        self._check_mutable("files")
        parts = _split_path(path, self)
        repository = self._backend.repository
        if isinstance(source, (bytes, bytearray, memoryview)):
            content = bytes(source)
            if len(content) <= DEFERRED_FILE_MAX and repository.container.hash_type == "sha256":
                key = hashlib.sha256(content).hexdigest()
                pending = getattr(self, "_file_bytes", None)
                if pending is None:
                    pending = self._file_bytes = {}
                pending[key] = content
            else:
                key = repository.put_bytes(content)
        elif isinstance(source, (str, os.PathLike)):
            local = Path(source)
            if not local.is_file():
                raise ValidationError(f"cannot add {str(local)!r} to {self!r}: it is not a file")
            with open(local, "rb") as handle:
                key = repository.put_stream(handle)
        elif hasattr(source, "read"):
            key = repository.put_stream(source)
        else:
            raise ValidationError(f"cannot add a file from a {type(source).__name__} to {self!r}")
        folder = self._files
        for part in parts[:-1]:
            child = folder.setdefault(part, {})
            if isinstance(child, str):
                raise ValidationError(f"cannot add {path!r} to {self!r}: {part!r} is a file, not a folder")
            folder = child
        if isinstance(folder.get(parts[-1]), dict):
            raise ValidationError(f"cannot add {path!r} to {self!r}: it is a folder")
        folder[parts[-1]] = key
        return key

    def put_folder(self, source: str | os.PathLike, path: str = "") -> None:
        """Add every file under the local folder ``source`` below ``path``, and its empty folders (as aiida-core
        keeps them: an archive's ``FolderData`` with an empty directory round-trips)."""
        self._check_mutable("files")
        source = Path(source)
        if not source.exists():
            raise ValidationError(f"cannot add {str(source)!r} to {self!r}: it does not exist")
        if not source.is_dir():
            raise ValidationError(f"cannot add {str(source)!r} to {self!r}: it is not a folder")
        for local in sorted(source.rglob("*")):
            relative = local.relative_to(source).as_posix()
            target = f"{path.rstrip('/')}/{relative}" if path else relative
            if local.is_file():
                self.put_file(target, local)
            elif local.is_dir() and not any(local.iterdir()):
                self.make_folder(target)

    def make_folder(self, path: str) -> None:
        """Add the (empty, unless files are added below it later) folder ``path``."""
        self._check_mutable("files")
        folder = self._files
        for part in _split_path(path, self):
            child = folder.setdefault(part, {})
            if isinstance(child, str):
                raise ValidationError(f"cannot add the folder {path!r} to {self!r}: {part!r} is a file")
            folder = child

    def delete_file(self, path: str) -> None:
        self._check_mutable("files")
        parts = _split_path(path, self)
        folder: Any = self._files
        for part in parts[:-1]:
            folder = folder.get(part)
            if not isinstance(folder, dict):
                raise FileNotFoundError(f"{self!r} has no file {path!r}")
        if parts[-1] not in folder:
            raise FileNotFoundError(f"{self!r} has no file {path!r}")
        del folder[parts[-1]]

    def _lookup(self, path: str) -> str | dict:
        if path in ("", ".", "/"):
            return self._files
        entry: Any = self._files
        for part in _split_path(path, self):
            if not isinstance(entry, dict) or part not in entry:
                raise FileNotFoundError(f"{self!r} has no file or folder {path!r}")
            entry = entry[part]
        return entry

    def list_files(self, path: str = "") -> list[str]:
        """Names in the folder ``path`` of this node (folders end with ``/``)."""
        entry = self._lookup(path)
        if isinstance(entry, str):
            raise NotADirectoryError(f"{path!r} of {self!r} is a file")
        return [name + ("/" if isinstance(value, dict) else "") for name, value in sorted(entry.items())]

    def walk_files(self) -> Iterator[tuple[str, str]]:
        """(path, content hash) of every file of the node."""
        return iter_files(self._files)

    @property
    def file_tree(self) -> Mapping[str, Any]:
        """A read-only view of the tree of names to content hashes (its folders are copies)."""
        return frozen_view(self._files)

    def get_file(self, path: str) -> bytes:
        """The bytes of the file at ``path``."""
        entry = self._lookup(path)
        if not isinstance(entry, str):
            raise IsADirectoryError(f"{path!r} of {self!r} is a folder")
        pending = getattr(self, "_file_bytes", None)
        if pending and entry in pending:
            return pending[entry]
        return self._backend.repository.get_bytes(entry)

    def open(self, path: str, mode: str = "r"):
        """Open a file of the node for reading (``"r"`` text, ``"rb"`` bytes)."""
        if mode not in ("r", "rb"):
            raise ValidationError(f"files of {self!r} open for reading only ('r' or 'rb'), not {mode!r}")
        content = self.get_file(path)
        stream = io.BytesIO(content)
        return io.TextIOWrapper(stream, encoding="utf-8") if mode == "r" else stream

    def copy_files_to(self, target: str | os.PathLike) -> None:
        """Write all files of the node under the local folder ``target``."""
        target = Path(target)
        repository = self._backend.repository
        pending = getattr(self, "_file_bytes", None) or {}
        for path, key in self.walk_files():
            try:
                destination = safe_join(target, path, what=f"file of {self!r}")
            except FileTreeError as exc:
                raise ValidationError(str(exc)) from None
            destination.parent.mkdir(parents=True, exist_ok=True)
            if key in pending:
                destination.write_bytes(pending[key])
                continue
            with repository.open(key) as stream, open(destination, "wb") as out:
                while chunk := stream.read(1 << 20):
                    out.write(chunk)


def _split_path(path: str, node: Any) -> list[str]:
    """The checked components of a file path of ``node`` (the one name check: :mod:`jupyter_prov.storage.file_tree`)."""
    if type(path) is str and "/" not in path and path not in ("", ".", "..") and "\x00" not in path \
            and len(path) <= MAX_NAME_BYTES and path.isascii():
        return [path]  # the common case of a plain ASCII name
    try:
        return split_path(path, what=f"file path of {node!r}")
    except FileTreeError as exc:
        raise ValidationError(str(exc)) from None
