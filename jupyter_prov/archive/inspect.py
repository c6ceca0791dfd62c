"""Inspect: what an archive holds, from ``metadata.json`` alone (a few kilobytes read, well under a second).

Our archives store ``metadata.json`` uncompressed as the first member, so it is read straight from
the first local header without parsing the central directory (which lists every repository file).
``database=True`` adds counts read from the database (the database member is extracted for that).
An AiiDA archive's ``metadata.json`` has no counts, so for it the database is always read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .format import FORMAT_NAME, ArchiveError, archive_format, open_zip, read_metadata, read_metadata_fast


def inspect_archive(path: str | Path, *, database: bool = False) -> dict[str, Any]:
    """Version, creation time, counts, users, computers and node types of the archive at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"archive {path} does not exist or is not a file")
    metadata = read_metadata_fast(path)
    repository_objects = None
    if metadata is None or database:
        with open_zip(path) as archive:
            metadata = read_metadata(archive, path)
            repository_objects = archive.key_count
    family, version = archive_format(metadata, path)
    info: dict[str, Any] = {
        "path": str(path),
        "size": path.stat().st_size,
        "format": family,
        "version": version,
        "ctime": metadata.get("ctime"),
        "written_by": metadata.get("jprov_version") if family == FORMAT_NAME else f"aiida-core {metadata.get('aiida_version')}",
        "compression": metadata.get("compression"),
        "creation_parameters": metadata.get("creation_parameters", {}),
        "repository_objects": repository_objects if repository_objects is not None
        else metadata.get("counts", {}).get("files"),
    }
    if family == FORMAT_NAME:
        info.update(counts=metadata.get("counts", {}), node_types=metadata.get("node_types", {}),
                    link_types=metadata.get("link_types", {}), users=metadata.get("users", []),
                    computers=[c.get("label") if isinstance(c, dict) else c for c in metadata.get("computers", [])])
    if database or family != FORMAT_NAME:
        from .source import OpenedArchive

        with OpenedArchive(path) as opened:
            summary = opened.database_counts()
            if info["repository_objects"] is None:
                info["repository_objects"] = opened.zip.key_count
        if family != FORMAT_NAME:
            info.update(counts=summary["counts"], node_types=summary["node_types"], link_types=summary["link_types"],
                        users=summary["users"], computers=summary["computers"])
        info["database"] = summary
    return info
