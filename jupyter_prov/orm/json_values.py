"""Attribute and extra values: JSON only, checked and normalised before they reach the database.

The rules themselves live in :mod:`jupyter_prov.orm.validation` (one place for the ORM and the archive
importer); this module keeps the name the rest of the package imports.
"""

from __future__ import annotations

from .validation import clean_json

__all__ = ["clean_json"]
