"""Versioned records and invalidation (issue #17): Braid DB's promise, on the immutable graph.

- :class:`Record` and its kinds :class:`Model`, :class:`Dataset`, :class:`Config`, :class:`Fact`
  (:mod:`.model`): a stable name whose versions are stored nodes; aliases with history; ``as_of``; ``diff``.
- :func:`invalidate` / :func:`revalidate` / :func:`status` / :func:`why` (:mod:`.validity`): append-only
  validity events and the cascade.
- :func:`trained_on`, :func:`versions_trained_on`, :func:`affected_by` (:mod:`.lineage`).
- :mod:`.versions`: the versions of a notebook's named values and files (the notebook writer's state).
"""

from .lineage import affected_by, stale_causes, trained_on, versions_trained_on
from .model import Config, Dataset, Fact, Model, Record, RecordError, Version, find, kind_class, resolve, versions_of
from .validity import invalidate, is_invalid, revalidate, status, why

__all__ = [
    "Config", "Dataset", "Fact", "Model", "Record", "RecordError", "Version", "affected_by", "find",
    "invalidate", "is_invalid", "kind_class", "resolve", "revalidate", "stale_causes", "status", "trained_on",
    "versions_of", "versions_trained_on", "why",
]
