"""``jprov archive migrate``: an archive (an older jupyter-prov format, or an AiiDA archive) written as a new
file at the newest format, checked as an import checks it.

The steps between versions are in :mod:`.versions` (the file operation here, the database steps
there, so that opening an archive, :mod:`.source`, needs only the steps).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .format import FORMAT_VERSION, ArchiveFormatError, ArchiveSummary


def migrate_archive(source: str | Path, target: str | Path, *, compression: int = 6, force: bool = False,
                    show_progress: bool = False) -> ArchiveSummary:
    """Write the archive ``source`` (an older jupyter-prov format, or an AiiDA archive) as ``target`` at the newest format."""
    from .source import open_archive
    from .validate import validate_archive_content
    from .writer import write_archive_zip

    source, target = Path(source), Path(target)
    if target.exists() and not force:
        raise ArchiveFormatError(f"archive {target} exists already; give another name or force=True")
    if target.resolve() == source.resolve():
        raise ArchiveFormatError(f"archive {target}: migrating writes a new file, not the source itself")
    with open_archive(source) as opened:
        validate_archive_content(opened)  # what an import refuses is not passed on in a new archive either
        if opened.family == "aiida":  # what an import of it would drop (opened.database is this open's own copy)
            from ..interop.aiida import drop_aiida_extras

            drop_aiida_extras(opened.database)
        metadata = dict(opened.metadata)
        notes = list(metadata.get("conversion_info") or []) + opened.conversion_info
        new_metadata = opened.normalized_metadata()
        new_metadata.update(
            export_version=FORMAT_VERSION, mtime=datetime.now(timezone.utc).isoformat(),
            conversion_info=notes, migrated_from=f"{opened.family}:{opened.version}",
        )
        keys = sorted(opened.repository_keys())
        write_archive_zip(target, new_metadata, opened.database,
                          opened.repository.iter_streams(keys), len(keys), compression=compression,
                          show_progress=show_progress)
    return ArchiveSummary(str(target), {"files": len(keys)}, details={"from": f"{opened.family}:{opened.version}",
                                                                       "to": FORMAT_VERSION, "conversion_info": notes})
