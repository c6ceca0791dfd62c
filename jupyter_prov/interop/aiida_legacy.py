"""Legacy AiiDA archives (export versions 0.4–0.13, zip or tar): recognised and named, with the command that converts them.

Before aiida-core 2.0 an archive was a zip or a tar(.gz) of ``metadata.json`` (``export_version`` "0.x"),
``data.json`` (every row as JSON) and ``nodes/<uuid shards>/`` folders of files; aiida-core 2.x reads
them only after ``verdi archive migrate`` turns them into the SQLite-based ``main_0001``. jupyter-prov
reads ``main_0001`` and not the legacy layout: rather than a misleading "has no db.sqlite3", the error
says what the file is and gives the conversion command.

Only ``metadata.json`` is read (at most :data:`MAX_METADATA` bytes, as data: its version is shown, never
used as a path or evaluated).
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

MAX_METADATA = 1 << 20


def _version(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        metadata: Any = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    version = metadata.get("export_version") if isinstance(metadata, dict) else None
    return version if isinstance(version, str) and version[:2] == "0." and len(version) <= 10 else None


def _from_zip(path: Path) -> tuple[str | None, bool]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "metadata.json" not in names or "data.json" not in names:
            return None, False
        info = archive.getinfo("metadata.json")
        if info.file_size > MAX_METADATA:
            return None, True
        return _version(archive.read(info)), True


def _from_tar(path: Path) -> tuple[str | None, bool]:
    with tarfile.open(path) as archive:
        members = {}
        for member in archive:  # the legacy writer puts metadata.json and data.json first
            members[member.name.removeprefix("./")] = member
            if {"metadata.json", "data.json"} <= set(members) or len(members) > 10_000:
                break
        meta = members.get("metadata.json")
        if meta is None or "data.json" not in members:
            return None, False
        if not meta.isfile() or meta.size > MAX_METADATA:
            return None, True
        handle = archive.extractfile(meta)
        return _version(handle.read(MAX_METADATA) if handle else None), True


def legacy_archive_message(path: str | Path) -> str | None:
    """One line naming ``path`` as a legacy AiiDA archive with the command that converts it, else ``None``."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            version, legacy, kind = *_from_zip(path), "zip"
        elif tarfile.is_tarfile(path):
            version, legacy, kind = *_from_tar(path), "tar"
        else:
            return None
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError):
        return None
    if not legacy:
        return None
    what = f"export version {version}" if version else "an unreadable export version"
    converted = path.with_name(f"{path.stem}.main.aiida")
    return (f"archive {path} is a legacy AiiDA archive ({what}, {kind}), a layout jupyter-prov does not read: "
            f"convert it with aiida-core 2.x (`verdi archive migrate {path} {converted}`), then import {converted}")
