"""Query the provenance graph: :class:`QueryBuilder` (see :mod:`.builder`), errors as :class:`QueryError`."""

from .builder import QueryBuilder
from .errors import QueryError

__all__ = ["QueryBuilder", "QueryError"]
