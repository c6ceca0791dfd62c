"""The archive file format: one zip holding ``metadata.json``, an SQLite database and the repository files.

Layout (see ``docs/archive-format.md``):

* ``metadata.json`` — first entry, stored uncompressed, so inspecting an archive reads a few kilobytes;
* ``db.sqlite3`` — the same tables as the main store (:mod:`jupyter_prov.storage.schema`), stamped
  with the Alembic revision of that schema;
* ``repo/<sha256>`` — one entry per distinct file content, named by the SHA-256 of its bytes.

Every archive read goes through :func:`open_zip`, which refuses what is not a safe archive
(not a zip, truncated, a zip bomb, entries with ``..`` or absolute paths, missing members)
before anything is extracted.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

#: the format family of archives jupyter-prov writes
FORMAT_NAME = "jprov"
#: versions of our format, oldest first; the last one is what :func:`create_archive` writes
FORMAT_VERSIONS = ("jprov_0001", "jprov_0002")
FORMAT_VERSION = FORMAT_VERSIONS[-1]
#: versions of aiida-core's archive format (``main_*``) that can be read
AIIDA_VERSIONS = ("main_0000", "main_0000a", "main_0000b", "main_0001")
AIIDA_WRITTEN_VERSION = "main_0001"

METADATA_NAME = "metadata.json"
DATABASE_NAME = "db.sqlite3"
REPO_PREFIX = "repo/"
KEY_FORMAT = "sha256"
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")

#: a member whose uncompressed size exceeds this many times its compressed size is refused (zip bomb)
MAX_COMPRESSION_RATIO = 1000
#: ... unless it is small: below this size any ratio is fine (a long run of zeros compresses well)
RATIO_CHECK_MIN_SIZE = 16 * 2**20
#: a declared uncompressed size beyond this is refused outright (1 TiB)
MAX_MEMBER_SIZE = 2**40
MAX_METADATA_SIZE = 64 * 2**20


class ArchiveError(Exception):
    """The archive cannot be read, written or imported; the message names the file and the problem."""


class ArchiveFormatError(ArchiveError):
    """The file is not a valid archive (damaged, unsafe, unknown version)."""


class ArchiveIntegrityError(ArchiveError):
    """The archive's content breaks a rule of the provenance graph or references something missing."""


class ArchiveReadOnlyError(ArchiveError):
    """An archive opened in place is read-only."""


@dataclass
class ArchiveSummary:
    """What an archive operation did (or, in a test run, would do)."""

    filename: str | None
    counts: dict[str, int] = field(default_factory=dict)
    test_run: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        what = ", ".join(f"{value} {name}" for name, value in self.counts.items())
        prefix = "test run, nothing written: " if self.test_run else ""
        return f"{prefix}{self.filename or ''}: {what}"


def is_repo_member(name: str) -> bool:
    return name.startswith(REPO_PREFIX) and len(name) > len(REPO_PREFIX)


def check_member_name(path: Path, name: str) -> None:
    """Refuse member names that could leave the extraction folder or that are not plain relative paths."""
    pure = PurePosixPath(name)
    if (not name or name.startswith(("/", "\\")) or pure.is_absolute() or ".." in pure.parts
            or "\\" in name or re.match(r"^[A-Za-z]:", name) or "\x00" in name):
        raise ArchiveFormatError(f"archive {path}: member {name!r} has an absolute path or '..'; refusing it")


def check_member_size(path: Path, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_MEMBER_SIZE:
        raise ArchiveFormatError(
            f"archive {path}: member {info.filename!r} declares {info.file_size} bytes uncompressed "
            "(a zip bomb?); refusing it")
    if info.file_size > RATIO_CHECK_MIN_SIZE and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise ArchiveFormatError(
            f"archive {path}: member {info.filename!r} expands {info.file_size / max(info.compress_size, 1):.0f}-fold "
            f"(more than {MAX_COMPRESSION_RATIO}x: a zip bomb?); refusing it")


def open_zip(path: str | Path) -> zipfile.ZipFile:
    """Open an archive for reading after checking its central directory is sound and safe."""
    path = Path(path)
    if not path.exists():
        raise ArchiveError(f"archive {path} does not exist")
    if not path.is_file():
        raise ArchiveError(f"archive {path} is not a file")
    try:
        archive = zipfile.ZipFile(path, "r")
    except zipfile.BadZipFile as exc:
        raise ArchiveFormatError(f"archive {path} is not a zip file or is truncated ({exc})") from None
    except (OSError, EOFError, ValueError) as exc:
        raise ArchiveFormatError(f"archive {path} cannot be read as a zip file ({exc})") from None
    try:
        size = path.stat().st_size
        total = 0
        for info in archive.infolist():
            check_member_name(path, info.filename)
            check_member_size(path, info)
            if info.header_offset + info.compress_size > size:
                raise ArchiveFormatError(
                    f"archive {path} is truncated: member {info.filename!r} extends past the end of the file")
            total += info.file_size
        if total > MAX_MEMBER_SIZE:
            raise ArchiveFormatError(f"archive {path} declares {total} bytes uncompressed in all (a zip bomb?)")
        for required in (METADATA_NAME, DATABASE_NAME):
            try:
                archive.getinfo(required)
            except KeyError:
                raise ArchiveFormatError(f"archive {path} has no {required}; it is not a jupyter-prov or AiiDA archive") from None
    except BaseException:
        archive.close()
        raise
    return archive


def read_metadata(archive: zipfile.ZipFile, path: str | Path) -> dict[str, Any]:
    """The parsed ``metadata.json`` of an open archive, with its format version checked."""
    info = archive.getinfo(METADATA_NAME)
    if info.file_size > MAX_METADATA_SIZE:
        raise ArchiveFormatError(f"archive {path}: metadata.json is {info.file_size} bytes, too large to be metadata")
    try:
        metadata = json.loads(read_member(archive, path, METADATA_NAME))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveFormatError(f"archive {path}: metadata.json is not valid JSON ({exc})") from None
    if not isinstance(metadata, dict):
        raise ArchiveFormatError(f"archive {path}: metadata.json is not a JSON object")
    archive_format(metadata, path)
    return metadata


def archive_format(metadata: dict[str, Any], path: str | Path) -> tuple[str, str]:
    """(family, version) of an archive: ``("jprov", "jprov_0002")`` or ``("aiida", "main_0001")``."""
    version = metadata.get("export_version")
    if not isinstance(version, str):
        raise ArchiveFormatError(f"archive {path}: metadata.json has no export_version")
    if metadata.get("format") == FORMAT_NAME or version.startswith("jprov_"):
        if version in FORMAT_VERSIONS:
            return FORMAT_NAME, version
        if _is_newer(version, FORMAT_VERSION):
            raise ArchiveFormatError(
                f"archive {path} has format version {version}, newer than {FORMAT_VERSION} that this jupyter-prov "
                "reads; upgrade jupyter-prov")
        raise ArchiveFormatError(f"archive {path} has unknown format version {version!r} (known: {', '.join(FORMAT_VERSIONS)})")
    if version in AIIDA_VERSIONS:
        return "aiida", version
    if version.startswith("main_"):
        raise ArchiveFormatError(
            f"archive {path} is an AiiDA archive of format version {version}, unknown here "
            f"(readable: {', '.join(AIIDA_VERSIONS)}); migrate it with a matching aiida-core first")
    raise ArchiveFormatError(
        f"archive {path} has unknown format version {version!r}; legacy AiiDA archives (0.x) are not supported")


def _is_newer(version: str, than: str) -> bool:
    try:
        return int(version.rsplit("_", 1)[1]) > int(than.rsplit("_", 1)[1])
    except (IndexError, ValueError):
        return False


def read_member(archive: zipfile.ZipFile, path: str | Path, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise ArchiveFormatError(f"archive {path} has no member {name!r}") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ArchiveFormatError(f"archive {path}: member {name!r} is damaged ({exc})") from None


def copy_member_to(archive: zipfile.ZipFile, path: str | Path, name: str, target: Path) -> None:
    """Extract one member to the file ``target`` in chunks (CRC and size checked by zipfile)."""
    try:
        with archive.open(name) as source, open(target, "wb") as out:
            while chunk := source.read(4 * 2**20):
                out.write(chunk)
    except KeyError:
        raise ArchiveFormatError(f"archive {path} has no member {name!r}") from None
    except (zipfile.BadZipFile, EOFError, ValueError, zlib.error) as exc:
        raise ArchiveFormatError(f"archive {path}: member {name!r} is damaged or truncated ({exc})") from None
