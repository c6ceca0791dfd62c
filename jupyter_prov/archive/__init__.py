"""Archives: a provenance-complete part of a profile in one zip file — create, inspect, read in place, import, migrate.

Our own format is described in ``docs/archive-format.md``; archives written by aiida-core 2.x
(format ``main_0001``) are read and written too (:mod:`jupyter_prov.interop.aiida`).
"""

from .create import create_archive
from .format import (
    FORMAT_VERSION,
    ArchiveError,
    ArchiveFormatError,
    ArchiveIntegrityError,
    ArchiveReadOnlyError,
    ArchiveSummary,
)
from .import_ import import_archive
from .inspect import inspect_archive
from .migrate import migrate_archive
from .reader import ArchiveReader

__all__ = [
    "FORMAT_VERSION", "ArchiveError", "ArchiveFormatError", "ArchiveIntegrityError", "ArchiveReadOnlyError",
    "ArchiveReader", "ArchiveSummary", "create_archive", "import_archive", "inspect_archive", "migrate_archive",
]
