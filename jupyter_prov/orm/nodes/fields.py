"""The fields every node has, declared once for the modules that together make up :class:`~.node.Node`.

Node is one class split by concern (:mod:`.node`, :mod:`.node_files`, :mod:`.node_links`,
:mod:`.storing`); each part is a base class of Node that works on the same slots. This base only
*declares* them (annotations, no values, no slots of its own), so a type checker knows what each
part may use; Node itself holds the slots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TYPE_CHECKING

from ..links import LinkType


class NodeFields:
    """Declarations of the node's slots (set in ``Node.__init__`` and by :func:`.loading.node_from_row`)."""

    if not TYPE_CHECKING:  # no slots of its own (Node has them); hidden from mypy, which would want them here
        __slots__ = ()

    _pk: int | None
    _uuid: str
    _node_type: str
    _process_type: str | None
    _label: str
    _description: str
    _ctime: datetime
    _mtime: datetime
    _user_id: int | None
    _computer_id: int | None
    _attributes: dict[str, Any]
    _extras: dict[str, Any]
    _files: dict[str, Any]
    _hash: str | None
    #: pending incoming links of an unstored node: (source node, link type, label)
    _incoming: list[tuple[Any, LinkType, str]]
    _storage: Any
    #: small file contents held until the node is stored (repository key -> bytes)
    _file_bytes: dict[str, bytes] | None
    _updatable_attributes: ClassVar[frozenset[str]]

    if TYPE_CHECKING:  # defined by Node and Entity; declared here for the parts that call them
        @property
        def _backend(self) -> Any: ...

        @property
        def is_stored(self) -> bool: ...

        @property
        def pk(self) -> int | None: ...

        def _check_mutable(self, what: str) -> None: ...

        def compute_hash(self) -> str: ...

        def get_incoming(self, link_type: Any = None, link_label: str | None = None) -> list: ...
