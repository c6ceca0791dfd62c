"""The versions of a notebook's named values and files: name → its current data node, and every version seen.

A recorded session gives each variable (``x``) and each file a cell read or wrote (``file:<path>``) a
sequence of versions. A new value whose node hash equals an earlier version of the same name *is* that
earlier node again: unchanged values stay one node, so the graph does not grow when a cell rewrites
``x = 1``. This state used to be private fields of the notebook's writer thread; it lives here so that
other faces (the ``%provenance`` magics, the promotion of a notebook value to a versioned record) read
it through one object, and so that the writer's rollback of a failed batch is this object's business.

Memory: the history keeps a version as a node only while its batch is written, then only its pk (a
long session does not hold every value it ever saw; an earlier version is loaded again by pk when a
value comes back).

Writes are journalled: :meth:`begin` starts an undo log, :meth:`rollback` puts every mapping back as it
was (a failed batch leaves no trace), :meth:`commit` keeps the changes and shrinks the history to pks.
The cost of a rollback grows with the batch, not with the session.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..orm.nodes.node import Node, load_node

_MISSING = object()


class NamedVersions:
    """Current versions of names and files, and the hash-indexed history of every version seen."""

    def __init__(self) -> None:
        #: variable name → its current data node
        self.names: dict[str, Node] = {}
        #: file path → its current File node
        self.files: dict[str, Node] = {}
        #: (name or "file:" + path, node hash) → the node while its batch is written, then its pk
        self.by_hash: dict[tuple[str, str], Node | int] = {}
        self._undo: list[tuple[dict, Any, Any]] | None = None

    # ---- reading ---------------------------------------------------------------------------------
    def current(self, name: str) -> Node | None:
        """The current version of variable ``name`` (``None``: not recorded, or deleted)."""
        return self.names.get(name)

    def current_file(self, path: str) -> Node | None:
        """The current version of the file at ``path``."""
        return self.files.get(path)

    def earlier(self, name: str, digest: str, *, file: bool = False) -> Node | None:
        """An earlier version of ``name`` (or of the file at path ``name``) whose node hash is ``digest``."""
        key = ("file:" + name, digest) if file else (name, digest)
        existing = self.by_hash.get(key)
        if isinstance(existing, int):
            now = self.files.get(name) if file else self.names.get(name)
            if now is not None and now.pk == existing:
                return now
            return load_node(pk=existing)
        return existing

    # ---- writing (journalled while a batch is open) -----------------------------------------------
    def remember(self, name: str, digest: str, node: Node, *, file: bool = False) -> None:
        """``node`` is a new version of ``name`` with hash ``digest`` (found by :meth:`earlier` from now on)."""
        self._set(self.by_hash, ("file:" + name, digest) if file else (name, digest), node)

    def set_current(self, name: str, node: Node) -> None:
        self._set(self.names, name, node)

    def set_current_file(self, path: str, node: Node) -> None:
        self._set(self.files, path, node)

    def drop(self, name: str) -> None:
        """Variable ``name`` was deleted: it has no current version (its history stays)."""
        if name in self.names:
            self._set(self.names, name, _MISSING)
            del self.names[name]

    def begin(self) -> None:
        """Start journalling changes (a batch of records is planned)."""
        self._undo = []

    def rollback(self) -> None:
        """Undo every change since :meth:`begin`."""
        for mapping, key, old in reversed(self._undo or []):
            if old is _MISSING:
                mapping.pop(key, None)
            else:
                mapping[key] = old
        self._undo = None

    def commit(self) -> None:
        """The batch's nodes are stored: keep the changes; the history holds their pks only."""
        for mapping, key, _old in self._undo or []:
            if mapping is self.by_hash:
                node = mapping.get(key)
                if isinstance(node, Node) and node.is_stored:
                    mapping[key] = node.pk
        self._undo = None

    def _set(self, mapping: dict, key: Any, value: Any) -> None:
        if self._undo is not None:
            self._undo.append((mapping, key, mapping.get(key, _MISSING)))
        if value is not _MISSING:
            mapping[key] = value


class CurrentNames(Mapping[str, Node]):
    """A read-only mapping view of the current versions of names (what ``writer.versions`` shows)."""

    def __init__(self, versions: NamedVersions) -> None:
        self._versions = versions

    def __getitem__(self, name: str) -> Node:
        return self._versions.names[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._versions.names)

    def __len__(self) -> int:
        return len(self._versions.names)
