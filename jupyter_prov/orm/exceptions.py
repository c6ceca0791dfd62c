"""The errors the ORM raises. Each message names the entity and what was wrong with it."""

from ..errors import OrmError  # the ORM's root, re-exported here


class NotExistent(OrmError, LookupError):
    """No entity matches the identifier."""


class MultipleObjectsError(OrmError, LookupError):
    """An identifier (a UUID prefix, a label) matches more than one entity."""


class ModificationNotAllowed(OrmError):
    """The entity is stored (or sealed) and this part of it is immutable."""


class StoringNotAllowed(OrmError):
    """The entity cannot be stored as it is."""


class ValidationError(OrmError, ValueError):
    """A value given to an entity is not acceptable (type, length, format)."""


class LinkError(OrmError):
    """A link breaks a rule of the provenance graph (see :mod:`jupyter_prov.orm.links`)."""
