"""Base of the stored entities: nodes, users, computers, groups, comments, logs, authinfos.

An entity is a row of one table with a pk, and knows the storage it was read from (``None``: the
loaded profile's). Nodes keep their columns in slots of their own (:mod:`.nodes.node`); the other
entities keep theirs in ``_fields``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Mapping, TYPE_CHECKING, TypeVar

from sqlalchemy import Table, delete, select, update

from . import current
from .exceptions import ModificationNotAllowed, MultipleObjectsError, NotExistent

E = TypeVar("E", bound="Entity")


class Entity:
    """A row of one table, with the columns in ``_fields`` (``id`` is ``pk``)."""

    _table: ClassVar[Table]
    _entity_name: ClassVar[str] = "entity"
    if not TYPE_CHECKING:  # Node keeps its fields in slots, the other entities in a __dict__ (hidden from mypy)
        __slots__ = ()

    def __init__(self, **fields: Any):
        self._pk: int | None = None
        self._fields: dict[str, Any] = fields
        self._storage = None

    @property
    def _backend(self):
        return self._storage or current.get_storage()

    def row(self) -> dict[str, Any]:
        """A copy of the entity's column values (not ``id``), as its row stores them; not for nodes (see ``Node``)."""
        return dict(self._fields)

    @property
    def pk(self) -> int | None:
        return self._pk

    @property
    def stored_pk(self) -> int:
        """The pk of a stored entity (:class:`ModificationNotAllowed` for one not stored yet): what code that
        only handles stored entities (queued processes, loaded nodes) passes on as an ``int``."""
        if self._pk is None:
            raise ModificationNotAllowed(f"{self!r} is not stored yet: it has no pk")
        return self._pk

    @property
    def is_stored(self) -> bool:
        return self._pk is not None

    def _validate(self) -> None:
        """Subclass hook run before storing."""

    def store(self: E) -> E:
        if self.is_stored:
            return self
        self._validate()
        with self._backend.transaction() as conn:
            self._pk = conn.execute(self._table.insert(), self._fields).inserted_primary_key[0]
        return self

    def _update(self, **values: Any) -> None:
        self._fields.update(values)
        if self.is_stored:
            with self._backend.transaction() as conn:
                conn.execute(update(self._table).where(self._table.c.id == self._pk).values(**values))

    @classmethod
    def _from_row(cls: type[E], row: Mapping[str, Any], storage=None) -> E:
        entity = cls.__new__(cls)
        entity._storage = storage
        entity._fields = {key: value for key, value in row.items() if key != "id"}
        entity._pk = row["id"]
        return entity

    @classmethod
    def find(cls: type[E], storage=None, **filters: Any) -> list[E]:
        """All stored entities whose columns equal the given values (``id`` for the pk).

        ``storage`` reads from another storage (an archive) instead of the loaded profile's.
        """
        own = current.foreign_storage(storage)
        storage = storage or current.get_storage()
        stmt = select(cls._table)
        for key, value in filters.items():
            stmt = stmt.where(cls._table.c[key] == value)
        with storage.connection() as conn:
            rows = conn.execute(stmt.order_by(cls._table.c.id)).mappings().all()
        return [cls._from_row(row, own) for row in rows]

    @classmethod
    def get(cls: type[E], storage=None, **filters: Any) -> E:
        """The one stored entity matching ``filters``; :class:`NotExistent` or :class:`MultipleObjectsError` otherwise."""
        found = cls.find(storage, **filters)
        described = ", ".join(f"{k}={v!r}" for k, v in filters.items())
        if not found:
            raise NotExistent(f"no {cls._entity_name} with {described}")
        if len(found) > 1:
            raise MultipleObjectsError(f"more than one {cls._entity_name} has {described}")
        return found[0]

    @classmethod
    def all(cls: type[E]) -> list[E]:
        return cls.find()

    @classmethod
    def iter_all(cls: type[E]) -> Iterator[E]:
        return iter(cls.find())

    @classmethod
    def delete_pk(cls, pk: int) -> None:
        with current.get_storage().transaction() as conn:
            if not conn.execute(delete(cls._table).where(cls._table.c.id == pk)).rowcount:
                raise NotExistent(f"no {cls._entity_name} with pk {pk}")

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self) and self.is_stored:
            return self._pk == other._pk
        return self is other

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._pk)) if self.is_stored else id(self)
