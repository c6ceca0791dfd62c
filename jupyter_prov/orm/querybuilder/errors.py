"""The one exception a bad query raises."""

from __future__ import annotations

from ..exceptions import OrmError


class QueryError(OrmError, ValueError):
    """The query cannot be built: unknown tag, class, relationship, column or operator, or a wrong value type."""
