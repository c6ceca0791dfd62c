"""Errors every layer may raise and every face may catch, defined in the base layer.

A face (the CLI, the notebook) turns these into one line for the user; defining them here lets it name them
without importing storage/ (and SQLAlchemy with it), which the layer rules forbid.
"""

from __future__ import annotations


class StorageError(Exception):
    """The storage cannot be opened or used."""


class RepositoryError(Exception):
    """A repository object is missing or the repository folder is not usable."""
