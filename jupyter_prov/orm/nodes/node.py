"""Node: the vertex of the provenance graph.

A node has a UUID, a type string, a label and description, attributes (immutable once stored),
extras (always mutable), files (a virtual tree of names to repository keys) and links. Unstored nodes
collect their incoming links and files; :func:`store_all` writes a batch of nodes and their links in
one transaction, so a failure leaves nothing behind.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import uuid as uuid_module
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, ClassVar, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError

from ...storage import bulk, schema
from ...storage.file_tree import MAX_NAME_BYTES, FileTreeError, iter_files, safe_join, split_path
from .. import current, validation
from ..exceptions import (
    LinkError,
    ModificationNotAllowed,
    MultipleObjectsError,
    NotExistent,
    StoringNotAllowed,
    ValidationError,
)
from ..hashing import make_hash
from ..json_values import clean_json, copy_json, frozen_view
from ..links import LinkTriple, LinkType, to_link_type, validate_label, validate_link

LABEL_MAX = schema.LABEL_LENGTH
#: files up to this size given as bytes wait in memory until the node is stored, then all files of a
#: batch go into one pack file: one fsync per batch instead of one per file (about 100x faster for
#: 10,000 small files, see docs/performance.md)
DEFERRED_FILE_MAX = 64 * 1024
#: store_all pauses the cyclic garbage collector for batches larger than this
GC_PAUSE_MIN_NODES = 1000
_registry: dict[str, type["Node"]] = {}


def registered_node_classes() -> dict[str, type["Node"]]:
    return _registry


def _uuid4() -> str:
    """A new random (version 4) node UUID as text, several times faster than ``str(uuid.uuid4())``.

    Random, not time-ordered: people identify nodes by a short UUID prefix (``jprov node show 3f2a9c``),
    and a time-ordered UUID (version 7) gives every node made in the same minute the same prefix. We tried
    version 7 for its faster index inserts and went back for this reason (see docs/performance.md).
    """
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class Node:
    """Base of every node. Use its subclasses: the data kinds and the process kinds."""

    _type_string: ClassVar[str] = "node"
    _link_kind: ClassVar[str] = "node"
    #: attributes that may still change after storing while the node is not sealed (processes)
    _updatable_attributes: ClassVar[frozenset[str]] = frozenset()

    __slots__ = (
        "_pk", "_uuid", "_node_type", "_process_type", "_label", "_description", "_ctime", "_mtime",
        "_user_id", "_computer_id", "_attributes", "_extras", "_files", "_hash", "_incoming", "_storage", "_file_bytes",
        "__weakref__",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_type_string" in cls.__dict__:
            _registry.setdefault(cls._type_string, cls)

    def __init__(self, *, label: str = "", description: str = "", computer: Any = None,
                 extras: Mapping[str, Any] | None = None):
        self._pk: int | None = None
        self._uuid = _uuid4()
        self._node_type = self._type_string
        self._process_type: str | None = None
        self._label = ""
        self._description = ""
        self._ctime = _now()
        self._mtime = self._ctime
        self._user_id: int | None = None
        self._computer_id: int | None = None
        self._attributes: dict[str, Any] = {}
        self._extras: dict[str, Any] = {}
        self._files: dict[str, Any] = {}
        self._hash: str | None = None
        self._incoming: list[tuple[Node, LinkType, str]] = []
        self._storage = None
        self._file_bytes: dict[str, bytes] | None = None
        if label:
            self.label = label
        if description:
            self.description = description
        if computer is not None:
            self.computer = computer
        if extras:
            self._extras = validation.check_attributes(dict(extras), what="extras")

    # ---- identity ---------------------------------------------------------------------------
    @property
    def pk(self) -> int | None:
        """The primary key in this profile's database (``None`` until stored)."""
        return self._pk

    @property
    def uuid(self) -> str:
        return self._uuid

    @property
    def node_type(self) -> str:
        return self._node_type

    @property
    def process_type(self) -> str | None:
        return self._process_type

    @property
    def is_stored(self) -> bool:
        return self._pk is not None

    @property
    def ctime(self) -> datetime:
        return self._ctime

    @property
    def mtime(self) -> datetime:
        return self._mtime

    @property
    def user(self):
        from ..users import User

        return User.get(self._storage, id=self._user_id) if self._user_id is not None else current.get_default_user()

    @property
    def computer(self):
        if self._computer_id is None:
            return None
        from ..computers import Computer

        return Computer.get(self._storage, id=self._computer_id)

    @computer.setter
    def computer(self, computer) -> None:
        self._check_mutable("computer")
        if computer is None:
            self._computer_id = None
            return
        if not getattr(computer, "is_stored", False):
            raise ValidationError(f"computer {computer!r} must be stored before a node refers to it")
        self._computer_id = computer.pk

    @property
    def _backend(self):
        """The storage this node belongs to: the one it was loaded from, else the loaded profile's."""
        return self._storage or current.get_storage()

    @property
    def node_hash(self) -> str | None:
        """The content hash (set when stored)."""
        return self._hash

    def __repr__(self) -> str:
        where = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<{type(self).__name__}: uuid={self._uuid[:8]} ({where})>"

    def _repr_html_(self) -> str:
        """A compact table of the node in a notebook."""
        from ..display import node_html

        return node_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        from ..display import node_html

        return {"text/html": node_html(self), "text/plain": repr(self)}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Node):
            return self._uuid == other._uuid
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._uuid)

    # ---- label and description (mutable, they describe, not define) --------------------------
    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, value: str) -> None:
        self._label = validation.check_label(value, what=f"label of {self!r}")
        if self.is_stored:
            self._update_columns(label=value)

    @property
    def description(self) -> str:
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._description = validation.check_description(value, what=f"description of {self!r}")
        if self.is_stored:
            self._update_columns(description=value)

    def _update_columns(self, **values: Any) -> None:
        self._mtime = _now()
        with self._backend.transaction() as conn:
            conn.execute(update(schema.nodes).where(schema.nodes.c.id == self._pk).values(mtime=self._mtime, **values))

    # ---- attributes -------------------------------------------------------------------------
    def _check_mutable(self, what: str) -> None:
        if self.is_stored:
            raise ModificationNotAllowed(f"{self!r} is stored: its {what} cannot change any more")

    @property
    def attributes(self) -> Mapping[str, Any]:
        """A read-only view of the attributes; nested lists and dicts in it are copies (changing them changes nothing)."""
        return frozen_view(self._attributes)

    def get_attribute(self, key: str, default: Any = ...) -> Any:
        """The value of attribute ``key`` (a list or dict: a copy)."""
        try:
            return copy_json(self._attributes[key])
        except KeyError:
            if default is ...:
                raise AttributeError(f"{self!r} has no attribute {key!r}") from None
            return default

    def set_attribute(self, key: str, value: Any) -> None:
        if self.is_stored:
            if key not in self._updatable_attributes or getattr(self, "is_sealed", False):
                raise ModificationNotAllowed(f"{self!r} is stored: attribute {key!r} cannot change any more")
            self._attributes[key] = clean_json(value, f"attribute {key!r} of {self!r}")
            self._write_attributes()
            return
        if not isinstance(key, str) or not key:
            raise ValidationError(f"attribute keys of {self!r} must be non-empty strings, got {key!r}")
        self._attributes[key] = clean_json(value, f"attribute {key!r} of {self!r}")

    def set_attribute_many(self, values: Mapping[str, Any]) -> None:
        if self.is_stored:
            for key in values:
                if key not in self._updatable_attributes or getattr(self, "is_sealed", False):
                    raise ModificationNotAllowed(f"{self!r} is stored: attribute {key!r} cannot change any more")
            self._attributes.update({k: clean_json(v, f"attribute {k!r} of {self!r}") for k, v in values.items()})
            self._write_attributes()
            return
        for key, value in values.items():
            self.set_attribute(key, value)

    def delete_attribute(self, key: str) -> None:
        if self.is_stored and (key not in self._updatable_attributes or getattr(self, "is_sealed", False)):
            raise ModificationNotAllowed(f"{self!r} is stored: attribute {key!r} cannot be deleted")
        self._attributes.pop(key, None)
        if self.is_stored:
            self._write_attributes()

    def _write_attributes(self) -> None:
        self._update_columns(attributes=validation.encode_json(self._attributes, what=f"attributes of {self!r}"))

    # ---- extras (always mutable) ------------------------------------------------------------
    @property
    def extras(self) -> dict[str, Any]:
        """A copy of the extras; change them with :meth:`set_extra` and friends."""
        return copy_json(self._extras)

    def get_extra(self, key: str, default: Any = ...) -> Any:
        try:
            return copy_json(self._extras[key])
        except KeyError:
            if default is ...:
                raise AttributeError(f"{self!r} has no extra {key!r}") from None
            return default

    def set_extra(self, key: str, value: Any) -> None:
        self.set_extra_many({key: value})

    def set_extra_many(self, values: Mapping[str, Any]) -> None:
        for key in values:
            if not isinstance(key, str) or not key:
                raise ValidationError(f"extra keys of {self!r} must be non-empty strings, got {key!r}")
        cleaned = {k: clean_json(v, f"extra {k!r} of {self!r}") for k, v in values.items()}
        if self.is_stored:
            self._write_extras(lambda extras: extras.update(cleaned))
        else:
            self._extras.update(cleaned)

    def delete_extra(self, key: str) -> None:
        if key not in self._extras:
            raise AttributeError(f"{self!r} has no extra {key!r}")
        if self.is_stored:
            self._write_extras(lambda extras: extras.pop(key, None))
        else:
            del self._extras[key]

    def clear_extras(self) -> None:
        if self.is_stored:
            self._write_extras(lambda extras: extras.clear())
        else:
            self._extras.clear()

    def _write_extras(self, change) -> None:
        """Read-modify-write of the extras in one transaction, so concurrent writers do not lose keys."""
        table = schema.nodes
        with self._backend.transaction() as conn:
            extras = conn.execute(select(table.c.extras).where(table.c.id == self._pk)).scalar_one()
            extras = dict(extras or {})
            change(extras)
            text = validation.encode_json(extras, what=f"extras of {self!r}")
            self._mtime = _now()
            conn.execute(update(table).where(table.c.id == self._pk).values(extras=text, mtime=self._mtime))
        self._extras = extras

    # ---- files --------------------------------------------------------------------------------
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
        """Add every file under the local folder ``source`` below ``path``."""
        self._check_mutable("files")
        source = Path(source)
        if not source.exists():
            raise ValidationError(f"cannot add {str(source)!r} to {self!r}: it does not exist")
        if not source.is_dir():
            raise ValidationError(f"cannot add {str(source)!r} to {self!r}: it is not a folder")
        for local in sorted(source.rglob("*")):
            if local.is_file():
                relative = local.relative_to(source).as_posix()
                self.put_file(f"{path.rstrip('/')}/{relative}" if path else relative, local)

    def delete_file(self, path: str) -> None:
        self._check_mutable("files")
        parts = _split_path(path, self)
        folder = self._files
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

    # ---- links ----------------------------------------------------------------------------------
    def add_incoming(self, source: "Node", link_type: LinkType | str, link_label: str) -> None:
        """Link ``source`` into this node. Written when this node is stored (``return`` links: at once)."""
        link_type = validate_link(source, self, link_type, link_label)
        if self.is_stored:  # only return links reach here (validate_link checked it)
            _insert_links([(source.pk, self._pk, link_label, link_type.value)], [(source, self, link_type, link_label)])
            return
        for other, other_type, other_label in self._incoming:
            if other_type is link_type and link_type is LinkType.CREATE:
                raise LinkError(f"{self!r} has a creator already ({other!r}); a datum has one creator")
            if other_type in (LinkType.CALL_CALC, LinkType.CALL_WORK) and link_type in (LinkType.CALL_CALC, LinkType.CALL_WORK):
                raise LinkError(f"{self!r} has a caller already ({other!r}); a process has one caller")
            if other_label == link_label and other_type is link_type and link_type in (LinkType.INPUT_CALC, LinkType.INPUT_WORK):
                raise LinkError(f"{self!r} has an input labelled {link_label!r} already; input labels are unique")
        self._incoming.append((source, link_type, link_label))

    def get_incoming(self, link_type: LinkType | str | Sequence[LinkType | str] | None = None,
                     link_label: str | None = None) -> list[LinkTriple]:
        """Links into this node (for an unstored node: the pending ones)."""
        types = _link_types(link_type)
        if not self.is_stored:
            return [LinkTriple(n, t, l) for n, t, l in self._incoming
                    if (types is None or t in types) and (link_label is None or l == link_label)]
        return _query_links(self._backend, self._pk, incoming=True, types=types, label=link_label)

    def get_outgoing(self, link_type: LinkType | str | Sequence[LinkType | str] | None = None,
                     link_label: str | None = None) -> list[LinkTriple]:
        """Links out of this node (stored nodes only)."""
        if not self.is_stored:
            return []
        return _query_links(self._backend, self._pk, incoming=False, types=_link_types(link_type), label=link_label)

    @property
    def inputs(self) -> "LinkNamespace":
        """Incoming nodes by link label: ``calc.inputs.x`` (input and call links)."""
        return LinkNamespace(self, incoming=True)

    @property
    def outputs(self) -> "LinkNamespace":
        """Outgoing nodes by link label: ``calc.outputs.result`` (create and return links)."""
        return LinkNamespace(self, incoming=False)

    @property
    def creator(self) -> "Node | None":
        """The calculation (or cell) that created this node, if any."""
        links = self.get_incoming(LinkType.CREATE)
        return links[0].node if links else None

    def ancestors(self, *, link_types=None, max_depth: int | None = None, node_types=None) -> list["Node"]:
        """Nodes this one derives from (default: along ``input_calc``/``create`` links), ordered by pk.

        See :func:`jupyter_prov.orm.traverse.ancestors` for the options.
        """
        from ..traverse import ancestors

        pks = ancestors(self._stored_pk("ancestors"), link_types=link_types, max_depth=max_depth,
                        node_types=node_types, storage=self._backend)
        return load_nodes(sorted(pks), storage=self._storage)

    def descendants(self, *, link_types=None, max_depth: int | None = None, node_types=None) -> list["Node"]:
        """Nodes derived from this one (default: along ``input_calc``/``create`` links), ordered by pk."""
        from ..traverse import descendants

        pks = descendants(self._stored_pk("descendants"), link_types=link_types, max_depth=max_depth,
                          node_types=node_types, storage=self._backend)
        return load_nodes(sorted(pks), storage=self._storage)

    def _stored_pk(self, what: str) -> int:
        if self._pk is None:
            raise ModificationNotAllowed(f"{self!r} is not stored: it has no {what} in the graph yet")
        return self._pk

    # ---- comments and logs ------------------------------------------------------------------
    def add_comment(self, content: str):
        from ..comments import Comment

        return Comment(self, content).store()

    def get_comments(self):
        from ..comments import Comment

        return Comment.for_node(self)

    def get_logs(self):
        from ..logs import Log

        return Log.for_node(self)

    # ---- storing ------------------------------------------------------------------------------
    def _validate(self) -> None:
        """Subclass hook: check the node is complete before it is stored."""

    def _hash_payload(self) -> dict[str, Any]:
        updatable = self._updatable_attributes
        attributes = ({k: v for k, v in self._attributes.items() if k not in updatable} if updatable
                      else self._attributes)
        return {"type": self._node_type, "attributes": attributes, "files": self._files}

    def compute_hash(self) -> str:
        return make_hash(self._hash_payload())

    def store(self) -> "Node":
        """Store the node and its pending incoming links in one transaction; returns the node."""
        if not self.is_stored:
            store_all([self])
        return self

    def _encoded_values(self, limit: int) -> tuple[Any, Any] | None:
        """Check the attributes and extras against the value rules (:mod:`..validation`); what the row stores.

        ``None``: the dicts themselves (small and flat: the backend encodes them); else the pair of
        values for the row, JSON text where it was encoded here.

        Checked again here, not only when set: engine and notebook code fill ``_attributes`` directly.
        """
        check = validation.check_json
        try:
            attributes = check(self._attributes, limit=limit)
            extras = check(self._extras, what="extras", limit=limit) if self._extras else None
        except ValidationError:  # again, to name the node (its repr is not built for every node stored)
            check(self._attributes, what=f"attributes of {self!r}", limit=limit)
            check(self._extras, what=f"extras of {self!r}", limit=limit)
            raise
        if self._process_type is not None:
            validation.check_process_type(self._process_type, what=f"process type of {self!r}")
        if attributes is None and extras is None:
            return None  # checked; the backend encodes them with the rest of the batch
        return (self._attributes if attributes is None else attributes,
                self._extras if extras is None else extras)

    def _to_row(self, user_id: int, encoded: tuple[Any, Any] | None = None) -> dict[str, Any]:
        attributes, extras = encoded or (self._attributes, self._extras)
        return {
            "uuid": self._uuid, "node_type": self._node_type, "process_type": self._process_type,
            "label": self._label, "description": self._description, "ctime": self._ctime, "mtime": self._mtime,
            "user_id": user_id, "computer_id": self._computer_id, "attributes": attributes,
            "extras": extras, "repository_metadata": self._files, "node_hash": self._hash,
        }

    # ---- loading ------------------------------------------------------------------------------
    @classmethod
    def _from_row(cls, row: Mapping[str, Any], storage=None) -> "Node":
        """A node from a ``db_node`` row; ``storage`` is where it came from (``None``: the loaded profile)."""
        from ..plugins import node_class_for

        node_class = node_class_for(row["node_type"]) or _fallback_class(row["node_type"])
        node = node_class.__new__(node_class)
        node._pk = row["id"]
        node._uuid = row["uuid"]
        node._node_type = row["node_type"]
        node._process_type = row["process_type"]
        node._label = row["label"]
        node._description = row["description"]
        node._ctime = _aware(row["ctime"])
        node._mtime = _aware(row["mtime"])
        node._user_id = row["user_id"]
        node._computer_id = row["computer_id"]
        node._attributes = row["attributes"] or {}
        node._extras = row["extras"] or {}
        node._files = row["repository_metadata"] or {}
        node._hash = row["node_hash"]
        node._incoming = []
        node._storage = storage
        node._file_bytes = None
        return node

    @classmethod
    def get(cls, identifier: int | str) -> "Node":
        """Load a node of this class (or a subclass) by pk, UUID or UUID prefix."""
        node = load_node(identifier)
        if not isinstance(node, cls):
            raise NotExistent(f"node {identifier!r} is a {type(node).__name__}, not a {cls.__name__}")
        return node


def _fallback_class(type_string: str) -> type[Node]:
    from .data import Data
    from .process import ProcessNode

    if type_string.startswith("process."):
        return ProcessNode
    return Data


def _split_path(path: str, node: Node) -> list[str]:
    """The checked components of a file path of ``node`` (the one name check: :mod:`storage.file_tree`)."""
    if type(path) is str and "/" not in path and path not in ("", ".", "..") and "\x00" not in path \
            and len(path) <= MAX_NAME_BYTES and path.isascii():
        return [path]  # the common case of a plain ASCII name
    try:
        return split_path(path, what=f"file path of {node!r}")
    except FileTreeError as exc:
        raise ValidationError(str(exc)) from None


def _link_types(link_type) -> frozenset[LinkType] | None:
    if link_type is None:
        return None
    if isinstance(link_type, (str, LinkType)):
        return frozenset({to_link_type(link_type)})
    return frozenset(to_link_type(t) for t in link_type)


_NODE_COLUMNS = [c for c in schema.nodes.c]


def _query_links(storage, pk: int, *, incoming: bool, types, label) -> list[LinkTriple]:
    links, nodes = schema.links, schema.nodes
    near, far = (links.c.output_id, links.c.input_id) if incoming else (links.c.input_id, links.c.output_id)
    # the link columns get their own names: ``label`` would otherwise shadow the node's label
    stmt = (select(links.c.type.label("_link_type"), links.c.label.label("_link_label"), *_NODE_COLUMNS)
            .join(nodes, nodes.c.id == far).where(near == pk))
    if types is not None:
        stmt = stmt.where(links.c.type.in_([t.value for t in types]))
    if label is not None:
        stmt = stmt.where(links.c.label == label)
    with storage.connection() as conn:
        rows = conn.execute(stmt.order_by(links.c.id)).mappings().all()
    return [LinkTriple(Node._from_row(row, storage), LinkType(row["_link_type"]), row["_link_label"]) for row in rows]


class LinkNamespace:
    """Attribute and item access to the nodes at the other end of a node's links, by label."""

    def __init__(self, node: Node, incoming: bool):
        self._node = node
        self._incoming = incoming

    def _links(self) -> dict[str, Node]:
        if self._incoming:
            triples = self._node.get_incoming()
        else:
            triples = self._node.get_outgoing((LinkType.CREATE, LinkType.RETURN))
        return {t.link_label: t.node for t in triples}

    def __getitem__(self, label: str) -> Node:
        links = self._links()
        try:
            return links[label]
        except KeyError:
            side = "input" if self._incoming else "output"
            raise KeyError(f"{self._node!r} has no {side} labelled {label!r} (it has: {', '.join(sorted(links)) or 'none'})") from None

    def __getattr__(self, label: str) -> Node:
        if label.startswith("_"):
            raise AttributeError(label)
        try:
            return self[label]
        except KeyError as exc:
            raise AttributeError(exc.args[0]) from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._links()))

    def __contains__(self, label: object) -> bool:
        return label in self._links()

    def __len__(self) -> int:
        return len(self._links())

    def items(self):
        return sorted(self._links().items())

    def __dir__(self) -> list[str]:
        return sorted(self._links())

    def __repr__(self) -> str:
        return f"<{'inputs' if self._incoming else 'outputs'} of {self._node!r}: {', '.join(self)}>"


# ---- batches ----------------------------------------------------------------------------------------
def _order_for_storing(nodes: Sequence[Node]) -> list[Node]:
    """The unstored nodes, each after the unstored sources of its links (the batch must be closed)."""
    pending = {id(n): n for n in nodes if not n.is_stored}
    ordered: list[Node] = []
    state: dict[int, int] = {}

    def visit(node: Node) -> None:
        stack = [(node, iter(node._incoming))]
        state[id(node)] = 1
        while stack:
            current_node, it = stack[-1]
            advanced = False
            for source, link_type, label in it:
                if source.is_stored:
                    continue
                if id(source) not in pending:
                    raise StoringNotAllowed(
                        f"cannot store {current_node!r}: its {link_type.value} link {label!r} comes from {source!r}, "
                        "which is not stored; store it first or in the same store_all batch"
                    )
                mark = state.get(id(source))
                if mark == 1:
                    raise LinkError(f"the links between {source!r} and {current_node!r} form a cycle")
                if mark is None:
                    state[id(source)] = 1
                    stack.append((source, iter(source._incoming)))
                    advanced = True
                    break
            if not advanced:
                state[id(current_node)] = 2
                ordered.append(current_node)
                stack.pop()

    for node in pending.values():
        if id(node) not in state:
            if not node._incoming:  # most nodes of a big batch: nothing to put first
                state[id(node)] = 2
                ordered.append(node)
            else:
                visit(node)
    return ordered


def _insert_links(rows: list[tuple], described: list[tuple]) -> None:
    storage = described[0][1]._backend
    try:
        with storage.transaction() as conn:
            conn.execute(schema.links.insert(), [
                {"input_id": i, "output_id": o, "label": l, "type": t} for i, o, l, t in rows
            ])
    except IntegrityError as exc:
        raise _link_integrity_error(described) from exc


def _link_integrity_error(described: list[tuple]) -> LinkError:
    names = "; ".join(f"{t.value} {l!r} {s!r} -> {n!r}" for s, n, t, l in described[:5])
    return LinkError(
        "a link breaks a degree rule of the provenance graph (a datum has one creator, a process one caller, "
        f"input and output labels are unique per process): {names}"
    )


#: rows of other tables to insert with the nodes: ``extra_rows(pk_of)`` gets a function giving a node's new pk
ExtraRows = Callable[[Callable[[Node], int]], Sequence[tuple[Table, Sequence[dict]]]]
#: batches up to this size are written on the database driver directly (see :func:`_store_few`)
FEW_NODES = 64


def store_all(nodes: Iterable[Node], *, batch_size: int = 5000, extra_rows: ExtraRows | None = None) -> list[Node]:
    """Store many nodes and their pending links in one transaction: all are stored, or none is.

    Nodes may link to each other; they are stored sources first. ``extra_rows`` adds rows of other
    tables that refer to the new nodes (e.g. the daemon's queue row of a submitted process) to the
    same transaction: it is called with a function mapping each of ``nodes`` to its new pk.
    """
    nodes = list(nodes)
    for node in nodes:
        if not isinstance(node, Node):
            raise StoringNotAllowed(f"store_all takes nodes, got {node!r}")
    ordered = _order_for_storing(nodes)
    if not ordered:
        return nodes
    storage = current.get_storage()
    for node in ordered:
        if node._storage is not None and node._storage is not storage:
            raise StoringNotAllowed(f"{node!r} belongs to another storage (an archive?); it cannot be stored here")
    user_id = current.get_default_user().pk
    # A big batch allocates many short-lived rows while all its nodes are alive, so the cyclic garbage
    # collector would traverse every node again and again; nothing here makes reference cycles.
    # Pausing it made a 100k-node store_all ~25 % faster (docs/performance.md).
    pause_gc = len(ordered) > GC_PAUSE_MIN_NODES and gc.isenabled()
    if pause_gc:
        gc.disable()
    limit = validation.max_json_bytes()
    try:
        encoded = []
        for node in ordered:
            node._validate()
            encoded.append(node._encoded_values(limit))
            node._hash = node.compute_hash()
            if node._user_id is None:
                node._user_id = user_id
        _write_deferred_files(storage, ordered)
        if len(ordered) <= FEW_NODES:
            pks = _store_few(storage, ordered, encoded, extra_rows)
        else:
            pks = _store_batch(storage, ordered, encoded, batch_size, extra_rows)
    except IntegrityError as exc:
        for node in ordered:
            node._hash = None
        raise StoringNotAllowed(f"storing {len(ordered)} node(s) failed, nothing was stored: {exc.orig}") from exc
    except BaseException:
        for node in ordered:
            node._hash = None
        raise
    finally:
        if pause_gc:
            gc.enable()
    for node, pk in zip(ordered, pks):
        node._pk = pk
        node._incoming = []
        node._file_bytes = None
        node._after_store()
    return nodes


def _write_deferred_files(storage, nodes: list[Node]) -> None:
    """Put the small files the nodes hold in memory into the repository, as one pack, before the SQL rows.

    Written first so that no committed row ever names a missing object; if the SQL transaction then
    fails, the objects are merely unreferenced (``jprov storage maintain`` removes them).
    """
    contents: dict[str, bytes] = {}
    for node in nodes:
        pending = getattr(node, "_file_bytes", None)
        if pending:
            contents.update(pending)
    if not contents:
        return
    keys = list(contents)
    repository = storage.repository
    missing = [key for key, present in zip(keys, repository.has(keys)) if not present]
    if missing:
        written = repository.put_many_bytes([contents[key] for key in missing], fsync=True)
        if written != missing:
            raise StoringNotAllowed("the repository computed other hashes than expected; nothing was stored")


def _store_batch(storage, ordered: list[Node], encoded: list, batch_size: int,
                 extra_rows: ExtraRows | None = None) -> list[int]:
    """Insert the nodes (sources first) and their incoming links in one transaction; their pks in order."""
    index = {id(node): i for i, node in enumerate(ordered)}
    table = schema.nodes
    with storage.transaction() as conn:
        if len(ordered) == 1:
            node = ordered[0]
            pks = [conn.execute(table.insert(), node._to_row(node._user_id, encoded[0])).inserted_primary_key[0]]
        else:
            pks = storage.allocate_ids(conn, table, len(ordered))
            for start in range(0, len(ordered), batch_size):
                rows = []
                for node, pk, values in zip(ordered[start:start + batch_size], pks[start:start + batch_size],
                                            encoded[start:start + batch_size]):
                    row = node._to_row(node._user_id, values)
                    row["id"] = pk
                    rows.append(row)
                storage.insert_many(conn, table, rows)
        link_rows = []
        described = []
        for node, pk in zip(ordered, pks):
            for source, link_type, label in node._incoming:
                source_pk = source._pk if source.is_stored else pks[index[id(source)]]
                link_rows.append({"input_id": source_pk, "output_id": pk, "label": label, "type": link_type.value})
                described.append((source, node, link_type, label))
        if link_rows:
            try:
                if len(link_rows) > 20:
                    storage.insert_many(conn, schema.links, link_rows)
                else:
                    conn.execute(schema.links.insert(), link_rows)
            except IntegrityError as exc:
                raise _link_integrity_error(described) from exc
        if extra_rows is not None:
            for table, rows in extra_rows(lambda node: node._pk if node._pk is not None else pks[index[id(node)]]):
                if rows:
                    storage.insert_many(conn, table, list(rows))
    return pks


Node._after_store = lambda self: None  # subclass hook, run after the transaction committed


def _store_few(storage, ordered: list[Node], encoded: list, extra_rows: ExtraRows | None = None) -> list[int]:
    """Insert a few nodes, their incoming links (and ``extra_rows``) in one transaction, on the driver directly.

    The common cases (``node.store()`` in a notebook or a process, ``submit()`` storing a process with
    its inputs and its queue row) pay no SQLAlchemy statement overhead: this roughly doubled the
    one-by-one rate on SQLite, and makes ``submit()`` one short transaction (see docs/performance.md).
    """
    with storage.write_cursor() as cursor:
        return _insert_few(storage, cursor, ordered, encoded, extra_rows)


def _insert_few(storage, cursor, ordered: list[Node], encoded: list, extra_rows: ExtraRows | None) -> list[int]:
    dialect = storage.dialect
    pks: list[int] = []
    by_id: dict[int, int] = {}
    link_rows: list[dict] = []
    for node, values in zip(ordered, encoded):
        pk = bulk.insert_one(cursor, dialect, schema.nodes, node._to_row(node._user_id, values))
        pks.append(pk)
        by_id[id(node)] = pk
        for source, link_type, label in node._incoming:
            source_pk = source._pk if source._pk is not None else by_id[id(source)]
            link_rows.append({"input_id": source_pk, "output_id": pk, "label": label, "type": link_type.value})
    if link_rows:
        try:
            bulk.insert_few(cursor, dialect, schema.links, link_rows)
        except IntegrityError as exc:
            raise _link_integrity_error([(s, n, t, l) for n in ordered for s, t, l in n._incoming]) from exc
    if extra_rows is not None:
        for table, rows in extra_rows(lambda node: node._pk if node._pk is not None else by_id[id(node)]):
            if rows:
                bulk.insert_few(cursor, dialect, table, list(rows))
    return pks


# ---- loading --------------------------------------------------------------------------------------
def load_node(identifier: int | str | None = None, *, pk: int | None = None, uuid: str | None = None,
              label: str | None = None, storage=None) -> Node:
    """Load a stored node by pk, full UUID, unique UUID prefix (at least 4 characters) or unique label.

    ``storage`` reads from another storage (an archive) instead of the loaded profile's.
    """
    storage = storage or current.get_storage()
    table = schema.nodes
    if pk is None and uuid is None and label is None:
        if isinstance(identifier, int) and not isinstance(identifier, bool):
            pk = identifier
        elif isinstance(identifier, str) and identifier.isascii() and identifier.isdigit():
            pk = int(identifier)
        elif isinstance(identifier, str):
            uuid = identifier
        else:
            raise ValidationError(f"load_node needs a pk, a UUID or a label, got {identifier!r}")
    stmt = select(*_NODE_COLUMNS)
    if pk is not None:
        pk = _checked_pk(pk)
        stmt = stmt.where(table.c.id == pk)
        what = f"pk {pk}"
    elif uuid is not None:
        if not isinstance(uuid, str) or "\x00" in uuid:
            raise NotExistent(f"no node with UUID {validation.short_repr(uuid)} in profile {_profile_name()}")
        uuid = uuid.strip().lower()
        if len(uuid) < 4:
            raise ValidationError(f"UUID prefix {uuid!r} is too short (at least 4 characters)")
        stmt = stmt.where(table.c.uuid == uuid) if len(uuid) == 36 else stmt.where(table.c.uuid.startswith(uuid, autoescape=True))
        what = f"UUID {uuid!r}"
    else:
        if not isinstance(label, str) or "\x00" in label:
            raise NotExistent(f"no node with label {validation.short_repr(label)} in profile {_profile_name()}")
        stmt = stmt.where(table.c.label == label)
        what = f"label {label!r}"
    with storage.connection() as conn:
        rows = conn.execute(stmt.limit(2)).mappings().all()
    if not rows:
        raise NotExistent(f"no node with {what} in profile {_profile_name()}")
    if len(rows) > 1:
        raise MultipleObjectsError(f"more than one node has {what}; give more of the UUID")
    return Node._from_row(rows[0], storage if storage is not current._state["storage"] else None)


def load_nodes(pks: Iterable[int], *, storage=None) -> list[Node]:
    """Load many nodes by pk in one query, in the order given."""
    own = storage is not None and storage is not current._state["storage"]
    storage = storage or current.get_storage()
    pks = [_checked_pk(pk) for pk in pks]
    if not pks:
        return []
    from ..querybuilder.filters import many_in

    with storage.connection() as conn:
        condition = many_in(schema.nodes.c.id, pks, storage.dialect, "int")
        rows = conn.execute(select(*_NODE_COLUMNS).where(condition)).mappings().all()
    by_pk = {row["id"]: Node._from_row(row, storage if own else None) for row in rows}
    missing = [pk for pk in pks if pk not in by_pk]
    if missing:
        raise NotExistent(f"no nodes with pk {missing[:10]}")
    return [by_pk[pk] for pk in pks]


def _checked_pk(pk: Any) -> int:
    """``pk`` as an int the drivers can bind; a pk outside the range of the id column exists nowhere."""
    if isinstance(pk, int) and not isinstance(pk, bool) and not validation.PK_MIN <= pk <= validation.PK_MAX:
        raise NotExistent(f"no node with pk {validation.short_repr(pk)} in profile {_profile_name()}")
    return validation.check_pk(pk, what="node pk")


def _profile_name() -> str:
    profile = current.get_profile()
    return repr(profile.name) if profile else "(none loaded)"
