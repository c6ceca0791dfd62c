"""Groups: named, user-curated sets of nodes. Membership may change at any time."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, cast

from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError

from ..storage import schema
from . import current
from .entity import Entity
from .exceptions import NotExistent, StoringNotAllowed, ValidationError
from .json_values import clean_json
from .nodes.loading import NODE_COLUMNS, node_from_row
from .nodes.node import Node


class Group(Entity):
    """A set of nodes with a label (unique per ``type_string``)."""

    _table = schema.groups
    _entity_name = "group"

    def __init__(self, label: str, description: str = "", *, type_string: str = "core"):
        if not isinstance(label, str) or not label.strip() or len(label) > schema.LABEL_LENGTH:
            raise ValidationError(f"group label {label!r} must be a non-empty string of at most 255 characters")
        super().__init__(uuid=str(uuid_module.uuid4()), label=label, type_string=type_string,
                         time=datetime.now(timezone.utc), description=description, extras={}, user_id=None)

    def store(self) -> "Group":
        if self._fields.get("user_id") is None:
            self._fields["user_id"] = current.get_default_user().pk
        try:
            return super().store()
        except IntegrityError:
            raise StoringNotAllowed(f"a group labelled {self.label!r} exists already") from None

    @classmethod
    def load(cls, identifier: str | int) -> "Group":
        """By label, pk or UUID."""
        if isinstance(identifier, int):
            return cls.get(id=identifier)
        found = cls.find(label=identifier) or cls.find(uuid=identifier)
        if not found and identifier.isdigit():
            found = cls.find(id=int(identifier))
        if not found:
            raise NotExistent(f"no group {identifier!r} (use `jprov group list`)")
        return found[0]

    @classmethod
    def get(  # type: ignore[override]  # Entity.get(storage) positional is Group.get(identifier) here
            cls, identifier: Any = None, /, storage=None, **filters: Any) -> "Group":
        """``Group.get("x")``: by label, pk or UUID, like :meth:`load`; ``Group.get(label=..., ...)``: by columns."""
        if isinstance(identifier, (str, int)) and not isinstance(identifier, bool):
            if filters or storage is not None:
                raise TypeError("Group.get takes an identifier or keyword filters, not both")
            return cls.load(identifier)
        return super().get(storage if identifier is None else identifier, **filters)

    @classmethod
    def get_or_create(cls, label: str, **kwargs: Any) -> tuple["Group", bool]:
        found = cls.find(label=label, type_string=kwargs.get("type_string", "core"))
        if found:
            return found[0], False
        return cls(label, **kwargs).store(), True

    uuid = property(lambda self: self._fields["uuid"])
    type_string = property(lambda self: self._fields["type_string"])
    time = property(lambda self: self._fields["time"])

    @property
    def label(self) -> str:
        return self._fields["label"]

    @label.setter
    def label(self, value: str) -> None:
        self._update(label=value)

    @property
    def description(self) -> str:
        return self._fields["description"]

    @description.setter
    def description(self, value: str) -> None:
        self._update(description=value)

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self._fields["extras"])

    def set_extra(self, key: str, value: Any) -> None:
        self._update(extras={**self.extras, key: clean_json(value, f"extra {key!r} of group {self.label!r}")})

    def _require_stored(self) -> None:
        if not self.is_stored:
            raise StoringNotAllowed(f"group {self.label!r} must be stored first")

    def add_nodes(self, nodes: Node | Iterable[Node]) -> None:
        """Add nodes (stored ones); nodes already in the group are left as they are."""
        self._require_stored()
        nodes = [nodes] if isinstance(nodes, Node) else list(nodes)
        for node in nodes:
            if not isinstance(node, Node) or not node.is_stored:
                raise ValidationError(f"only stored nodes can be added to group {self.label!r}, got {node!r}")
        table = schema.group_nodes
        with self._backend.transaction() as conn:
            pks = {n.pk for n in nodes if n.pk is not None}  # all stored: checked above
            present = set(conn.execute(select(table.c.node_id).where(
                and_(table.c.group_id == self.pk, table.c.node_id.in_(pks)))).scalars()) if len(pks) < 30000 else set()
            rows = [{"group_id": self.pk, "node_id": pk} for pk in sorted(pks - present)]
            if rows:
                conn.execute(table.insert(), rows)

    def remove_nodes(self, nodes: Node | Iterable[Node]) -> None:
        self._require_stored()
        nodes = [nodes] if isinstance(nodes, Node) else list(nodes)
        table = schema.group_nodes
        with self._backend.transaction() as conn:
            conn.execute(delete(table).where(and_(table.c.group_id == self.pk, table.c.node_id.in_([n.pk for n in nodes]))))

    def clear(self) -> None:
        self._require_stored()
        with self._backend.transaction() as conn:
            conn.execute(delete(schema.group_nodes).where(schema.group_nodes.c.group_id == self.pk))

    @property
    def storage(self) -> Any:
        """The storage this group was loaded from (an archive read in place), or ``None``: the loaded profile's."""
        return self._storage

    @property
    def nodes(self) -> Iterator[Node]:
        """The member nodes, oldest first, loaded in batches."""
        self._require_stored()
        stmt = (select(*NODE_COLUMNS).join(schema.group_nodes, schema.group_nodes.c.node_id == schema.nodes.c.id)
                .where(schema.group_nodes.c.group_id == self.pk).order_by(schema.nodes.c.id))
        with self._backend.connection() as conn:
            rows = conn.execute(stmt).mappings().all()
        return (node_from_row(row, self._storage) for row in rows)

    def count(self) -> int:
        self._require_stored()
        with self._backend.connection() as conn:
            return conn.execute(select(func.count()).where(schema.group_nodes.c.group_id == self.pk)).scalar_one()

    def __len__(self) -> int:
        return self.count()

    def _repr_html_(self) -> str:
        """The group's first members as a compact table in a notebook."""
        from .display import group_html

        return group_html(self)

    def __contains__(self, node: Node) -> bool:
        table = schema.group_nodes
        with self._backend.connection() as conn:
            return conn.execute(select(table.c.id).where(
                and_(table.c.group_id == self.pk, table.c.node_id == node.pk))).first() is not None

    def delete(self) -> None:
        """Delete the group (its nodes stay)."""
        self._require_stored()
        self.delete_pk(cast(int, self.pk))
        self._pk = None

    def __repr__(self) -> str:
        return f"<Group: {self.label!r} [{self.type_string}]>"
