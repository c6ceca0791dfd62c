"""Writing the zip of an archive: ``metadata.json`` (stored, first), ``db.sqlite3``, then ``repo/<key>``.

The zip is written to a temporary name beside the target and renamed at the end, so a failed or
interrupted export never leaves a half-written archive under the target's name. File bytes are copied
in chunks from their source streams, so memory does not grow with the size of the files.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any, BinaryIO, Iterable

from .format import DATABASE_NAME, METADATA_NAME, REPO_PREFIX
from .progress import phase

CHUNK = 1 << 20
ZIP64_LIMIT = (1 << 31) - 1


def _info(name: str, compression: int, date_time: tuple) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED if compression > 0 else zipfile.ZIP_STORED
    if compression > 0:
        if hasattr(info, "compress_level"):  # Python >= 3.13
            info.compress_level = compression
        else:
            info._compresslevel = compression
    info.external_attr = 0o644 << 16
    return info


def write_archive_zip(filename: Path, metadata: dict[str, Any], database: Path,
                      streams: Iterable[tuple[str, BinaryIO, int]], total_files: int, *,
                      compression: int = 6, show_progress: bool = False) -> int:
    """Write the archive; returns the number of repository files written."""
    filename = Path(filename)
    if not 0 <= compression <= 9:
        raise ValueError(f"compression must be 0 (none) to 9, got {compression}")
    filename.parent.mkdir(parents=True, exist_ok=True)
    partial = filename.with_name(f".{filename.name}.{os.getpid()}.partial")
    date_time = time.localtime(time.time())[:6]
    written = 0
    try:
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            info = _info(METADATA_NAME, 0, date_time)
            archive.writestr(info, json.dumps(metadata, indent=1, ensure_ascii=False).encode("utf-8"))
            info = _info(DATABASE_NAME, compression, date_time)
            with open(database, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, CHUNK)
            with phase("writing files", total_files, show=show_progress) as advance:
                for key, stream, size in streams:
                    info = _info(f"{REPO_PREFIX}{key}", compression, date_time)
                    info.file_size = size
                    with archive.open(info, "w", force_zip64=size > ZIP64_LIMIT) as target:
                        if size <= CHUNK:
                            target.write(stream.read())
                        else:
                            shutil.copyfileobj(stream, target, CHUNK)
                    written += 1
                    advance(1)
        os.replace(partial, filename)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written
