"""Node: the vertex of the provenance graph — its identity and fields.

A node has a UUID, a type string, a label and description, attributes (immutable once stored),
extras (always mutable), files (a virtual tree of names to repository keys) and links. The class is
one concept split by concern, the way aiida-core keeps its Node readable, without its deep
``node.base.attributes`` indirection (the methods stay on the node):

- here: identity, label/description, attributes, extras, the content hash, :meth:`Node.clone`;
- :mod:`.node_files`: the file tree (``put_file``, ``get_file``, ...);
- :mod:`.node_links`: links (``add_incoming``, ``get_incoming``, ``inputs``/``outputs``, ancestry);
- :mod:`.storing`: ``store`` / :func:`store_all` (one transaction per batch, through ``storage/bulk.py``);
- :mod:`.loading`: ``load_node`` / ``load_nodes`` and rows into nodes; :mod:`.registry`: type strings to classes.

Those modules share the node's slots (one class); nothing outside ``orm/nodes`` reads them
(``tests/test_private_access.py``).
"""

from __future__ import annotations

import copy
import os
from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping

from sqlalchemy import select, update

from ...storage import schema
from .. import current, validation
from ..entity import Entity
from ..exceptions import ModificationNotAllowed, NotExistent, ValidationError
from ..hashing import make_hash
from ..json_values import clean_json, copy_json, frozen_view
from ..links import LinkType
from .loading import NODE_COLUMNS, load_node, load_nodes, node_from_row
from .node_files import DEFERRED_FILE_MAX, NodeFiles
from .node_links import LinkNamespace, NodeLinks
from .registry import register, registered_node_classes
from .storing import FEW_NODES, GC_PAUSE_MIN_NODES, NodeStoring, store_all

LABEL_MAX = schema.LABEL_LENGTH

__all__ = ["Node", "LinkNamespace", "load_node", "load_nodes", "store_all", "registered_node_classes",
           "DEFERRED_FILE_MAX", "FEW_NODES", "GC_PAUSE_MIN_NODES", "LABEL_MAX", "NODE_COLUMNS", "new_uuid"]


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


new_uuid = _uuid4


class Node(NodeFiles, NodeLinks, NodeStoring, Entity):
    """Base of every node. Use its subclasses: the data kinds and the process kinds."""

    _table = schema.nodes
    _entity_name = "node"
    _type_string: ClassVar[str] = "node"
    #: the type string rows of this class are stored with (``data.int``, ``process.workflow.workchain``)
    type_string: ClassVar[str] = "node"
    #: what the link rules call this kind of node (:data:`..links.RULES`): data, calculation, workflow, cell
    link_kind: ClassVar[str] = "node"
    #: attributes that may still change after storing while the node is not sealed (processes)
    _updatable_attributes: ClassVar[frozenset[str]] = frozenset()
    #: the same, public (read it, do not change it)
    updatable_attributes: ClassVar[frozenset[str]] = frozenset()

    __slots__ = (
        "_pk", "_uuid", "_node_type", "_process_type", "_label", "_description", "_ctime", "_mtime",
        "_user_id", "_computer_id", "_attributes", "_extras", "_files", "_hash", "_incoming", "_storage", "_file_bytes",
        "__weakref__",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_type_string" in cls.__dict__:
            register(cls)
        cls.updatable_attributes = cls._updatable_attributes
        cls.type_string = cls._type_string

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
    def uuid(self) -> str:
        return self._uuid

    @property
    def node_type(self) -> str:
        return self._node_type

    @property
    def process_type(self) -> str | None:
        return self._process_type

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

    # ---- content hash and copies ------------------------------------------------------------
    def _hash_payload(self) -> dict[str, Any]:
        updatable = self._updatable_attributes
        attributes = ({k: v for k, v in self._attributes.items() if k not in updatable} if updatable
                      else self._attributes)
        return {"type": self._node_type, "attributes": attributes, "files": self._files}

    def compute_hash(self) -> str:
        return make_hash(self._hash_payload())

    def clone(self) -> "Node":
        """A new, unstored node of the same kind with the same content: attributes, files, label, computer.

        Extras, links and the pk are not copied (a clone is a new node that records the same value).
        """
        klass = type(self)
        clone = klass.__new__(klass)
        Node.__init__(clone, label=self._label, description=self._description)
        clone._attributes = copy.deepcopy(self._attributes)
        clone._files = copy.deepcopy(self._files)
        clone._computer_id = self._computer_id  # a remote folder or code names its computer
        clone._process_type = self._process_type
        if self._file_bytes:
            clone._file_bytes = dict(self._file_bytes)
        return clone

    def reload(self) -> "Node":
        """Read the stored node's columns again (after a transaction that changed it rolled back)."""
        if self._pk is None:
            return self
        with self._backend.connection() as conn:
            row = conn.execute(select(*NODE_COLUMNS).where(schema.nodes.c.id == self._pk)).mappings().one()
        fresh = node_from_row(row, self._storage)
        for name in ("_label", "_description", "_mtime", "_attributes", "_extras", "_files", "_hash"):
            setattr(self, name, getattr(fresh, name))
        return self

    # ---- loading ------------------------------------------------------------------------------
    @classmethod
    def _from_row(cls, row: Mapping[str, Any], storage=None) -> "Node":
        """Entity's row hook (``Entity.find``) for nodes: :func:`.loading.node_from_row` (nodes keep slots, no ``_fields``)."""
        return node_from_row(row, storage)

    @classmethod
    def get(cls, identifier: int | str) -> "Node":  # type: ignore[override]  # one identifier, not filters
        """Load a node of this class (or a subclass) by pk, UUID or UUID prefix."""
        node = load_node(identifier)
        if not isinstance(node, cls):
            raise NotExistent(f"node {identifier!r} is a {type(node).__name__}, not a {cls.__name__}")
        return node
