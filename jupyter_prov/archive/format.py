"""The archive file format: one zip holding ``metadata.json``, an SQLite database and the repository files.

Layout (see ``docs/archive-format.md``):

* ``metadata.json`` — first entry, stored uncompressed, so inspecting an archive reads a few kilobytes;
* ``db.sqlite3`` — the same tables as the main store (:mod:`jupyter_prov.storage.schema`), stamped
  with the Alembic revision of that schema;
* ``repo/<sha256>`` — one entry per distinct file content, named by the SHA-256 of its bytes.

Every archive read goes through :func:`open_zip`, which refuses what is not a safe archive
(not a zip, truncated, over the expansion budget, entries with ``..`` or absolute paths, names
listed twice, missing members) before anything is extracted.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ArchiveError
from .zipio import DEFAULT_EXPANSION_BUDGET, KEY_PREFIX, ArchiveFormatError, ZipReader, parse_size

__all__ = ["ArchiveError", "ArchiveFormatError"]  # (ArchiveFormatError is the zip reader's; re-exported)

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
REPO_PREFIX = KEY_PREFIX
KEY_FORMAT = "sha256"
KEY_PATTERN = re.compile(r"\A[0-9a-f]{64}\Z")

# zip bombs: the expansion budget and the checks while inflating are in zipio.py (no ratio limit)
MAX_METADATA_SIZE = 64 * 2**20


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


BUDGET_ENV = "JPROV_ARCHIVE_MAX_EXPANDED_SIZE"
BUDGET_OPTION = "archive_max_expanded_size"
RAISE_BUDGET = f"raise the budget with ${BUDGET_ENV} or the profile option {BUDGET_OPTION}"


def expansion_budget(value: int | str | None = None) -> int:
    """The most bytes the members of one archive may expand to together: ``value``, else
    ``$JPROV_ARCHIVE_MAX_EXPANDED_SIZE``, else the loaded profile's option ``archive_max_expanded_size``,
    else 256 GiB (see :mod:`jupyter_prov.archive.zipio`)."""
    if value is not None:
        return parse_size(value, "max_expanded_size")
    text = os.environ.get(BUDGET_ENV)
    if text:
        return parse_size(text, BUDGET_ENV)
    from ..orm import current

    profile = current.get_profile()
    if profile is not None and profile.options.get(BUDGET_OPTION) is not None:
        return parse_size(profile.options[BUDGET_OPTION], f"profile option {BUDGET_OPTION}")
    return DEFAULT_EXPANSION_BUDGET


def open_zip(path: str | Path, *, max_expanded_size: int | str | None = None) -> ZipReader:
    """Open an archive for reading after checking its central directory is sound and safe, within
    the expansion budget (:func:`expansion_budget`)."""
    path = Path(path)
    if not path.exists():
        raise ArchiveError(f"archive {path} does not exist")
    if not path.is_file():
        raise ArchiveError(f"archive {path} is not a file")
    try:
        archive = ZipReader(path, max_expanded_size=expansion_budget(max_expanded_size), budget_hint=RAISE_BUDGET)
    except OSError as exc:
        raise ArchiveFormatError(f"archive {path} cannot be read ({exc})") from None
    except ArchiveFormatError:
        _refuse_legacy(path)  # a legacy AiiDA archive may be a tar file
        raise
    try:
        for required in (METADATA_NAME, DATABASE_NAME):
            if required not in archive:
                _refuse_legacy(path)
                raise ArchiveFormatError(f"archive {path} has no {required}; it is not a jupyter-prov or AiiDA archive")
    except BaseException:
        archive.close()
        raise
    return archive


def _refuse_legacy(path: Path) -> None:
    """Raise the error that names a legacy (0.x) AiiDA archive and the command converting it, if it is one."""
    from ..interop.aiida_legacy import legacy_archive_message

    message = legacy_archive_message(path)
    if message:
        raise ArchiveFormatError(message)


def read_metadata_fast(path: str | Path) -> dict[str, Any] | None:
    """``metadata.json`` read from the first local header, without parsing the central directory.

    Works for archives whose first member is ``metadata.json`` stored uncompressed (ours); returns
    ``None`` otherwise (the caller then opens the zip fully). The end of the file must still hold
    the zip's end record, so a truncated archive is not taken for a good one.
    """
    import struct

    path = Path(path)
    try:
        with open(path, "rb") as handle:
            header = handle.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                return None
            _, _, flags, method, _, _, _, compressed, size, name_len, extra_len = struct.unpack("<4s5H3L2H", header)
            name = handle.read(name_len)
            if name != METADATA_NAME.encode() or method != 0 or flags & 0x8 or size != compressed:
                return None
            if size > MAX_METADATA_SIZE:
                return None
            handle.seek(extra_len, 1)
            content = handle.read(size)
            handle.seek(0, 2)
            end = handle.tell()
            handle.seek(max(0, end - 22 - 65535))
            if b"PK\x05\x06" not in handle.read():
                return None
    except OSError:
        return None
    if len(content) != size or zlib.crc32(content) != struct.unpack_from("<L", header, 14)[0]:
        return None
    try:
        metadata = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveFormatError(f"archive {path}: metadata.json is not valid JSON ({exc})") from None
    except (RecursionError, ValueError):  # nested thousands of levels deep; an int of more than 4,300 digits
        raise ArchiveFormatError(f"archive {path}: metadata.json is not valid metadata (nested too deep or "
                                 "a number too large)") from None
    if not isinstance(metadata, dict):
        raise ArchiveFormatError(f"archive {path}: metadata.json is not a JSON object")
    archive_format(metadata, path)
    return metadata


def read_metadata(archive: ZipReader, path: str | Path) -> dict[str, Any]:
    """The parsed ``metadata.json`` of an open archive, with its format version checked."""
    size = archive.size(METADATA_NAME)
    if size > MAX_METADATA_SIZE:
        raise ArchiveFormatError(f"archive {path}: metadata.json is {size} bytes, too large to be metadata")
    try:
        metadata = json.loads(read_member(archive, path, METADATA_NAME))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveFormatError(f"archive {path}: metadata.json is not valid JSON ({exc})") from None
    except (RecursionError, ValueError):  # nested thousands of levels deep; an int of more than 4,300 digits
        raise ArchiveFormatError(f"archive {path}: metadata.json is not valid metadata (nested too deep or "
                                 "a number too large)") from None
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
    if version.startswith("0."):
        _refuse_legacy(Path(path))
    raise ArchiveFormatError(
        f"archive {path} has unknown format version {version!r}; legacy AiiDA archives (0.x) are not supported")


def _is_newer(version: str, than: str) -> bool:
    try:
        return int(version.rsplit("_", 1)[1]) > int(than.rsplit("_", 1)[1])
    except (IndexError, ValueError):
        return False


def read_member(archive: ZipReader, path: str | Path, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise ArchiveFormatError(f"archive {path} has no member {name!r}") from None
    except (EOFError, OSError, ValueError) as exc:
        raise ArchiveFormatError(f"archive {path}: member {name!r} is damaged ({exc})") from None


def copy_member_to(archive: ZipReader, path: str | Path, name: str, target: Path) -> None:
    """Extract one member to the file ``target`` in chunks (CRC and size checked while reading)."""
    try:
        with archive.open(name) as source, open(target, "wb") as out:
            while chunk := source.read(4 * 2**20):
                out.write(chunk)
    except KeyError:
        raise ArchiveFormatError(f"archive {path} has no member {name!r}") from None
    except (EOFError, ValueError, zlib.error) as exc:
        raise ArchiveFormatError(f"archive {path}: member {name!r} is damaged or truncated ({exc})") from None
