"""Moved to :mod:`.cell_records` (the name ``records`` belongs to :mod:`jupyter_prov.records`, versioned records).

Kept only until ``notebook/recorder.py`` imports ``.cell_records`` (requested in /work/notes/requests.md).
"""

from .cell_records import CellRecord, FileSnapshot

__all__ = ["CellRecord", "FileSnapshot"]
