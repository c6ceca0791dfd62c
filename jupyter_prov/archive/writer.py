"""Writing the zip of an archive: ``metadata.json`` (stored, first), ``db.sqlite3``, then ``repo/<key>``.

The zip is written to a temporary name beside the target and renamed at the end, so a failed or
interrupted export never leaves a half-written archive under the target's name. File bytes are copied
in chunks from their source streams and the central directory is spooled to disk
(:class:`~jupyter_prov.archive.zipio.ZipWriter`), so memory does not grow with the number or size of files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from .format import DATABASE_NAME, METADATA_NAME, REPO_PREFIX
from .progress import phase
from .zipio import ZipWriter

SMALL = 1 << 20


def write_archive_zip(filename: Path, metadata: dict[str, Any], database: Path,
                      streams: Iterable[tuple[str, BinaryIO, int]], total_files: int, *,
                      compression: int = 6, show_progress: bool = False) -> int:
    """Write the archive; returns the number of repository files written."""
    filename = Path(filename)
    if not 0 <= compression <= 9:
        raise ValueError(f"compression must be 0 (none) to 9, got {compression}")
    filename.parent.mkdir(parents=True, exist_ok=True)
    partial = filename.with_name(f".{filename.name}.{os.getpid()}.partial")
    written = 0
    try:
        with ZipWriter(partial, compression=compression) as archive:
            archive.write_bytes(METADATA_NAME, json.dumps(metadata, indent=1, ensure_ascii=False).encode("utf-8"),
                                compress=False)
            with open(database, "rb") as source:
                archive.write_stream(DATABASE_NAME, source, database.stat().st_size)
            with phase("writing files", total_files, show=show_progress) as advance:
                for key, stream, size in streams:
                    if size <= SMALL:
                        archive.write_bytes(f"{REPO_PREFIX}{key}", stream.read())
                    else:
                        archive.write_stream(f"{REPO_PREFIX}{key}", stream, size)
                    written += 1
                    advance(1)
        os.replace(partial, filename)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written
