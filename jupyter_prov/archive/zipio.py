"""Reading and writing the zip container of an archive: memory flat in the number of files, reading at
zlib's speed, and nothing a zip declares believed until its bytes confirm it.

Why not :mod:`zipfile`: it keeps one ``ZipInfo`` object (≈ 600 bytes) per member for the life of the
file. Measured on an archive of 200,000 repository files (Python 3.11, load ~1.4): opening it with
``zipfile.ZipFile`` holds 125 MB of RSS and takes 1.5 s; this reader holds 16 MB and takes 0.7 s,
because the repository members ``repo/<sha256>`` are indexed in compact numpy arrays (≈ 60 bytes per
member, looked up by binary search). Libraries that stream zips (``stream-unzip``) read forwards
only, and an archive opened in place needs random access. The writer spools the central directory to
a temporary file. The result is a plain zip (ZIP64 when needed) that every zip tool — :mod:`zipfile`,
aiida-core — reads.

Checked while the central directory is parsed, before any member is read:

* names are relative, without ``..``, ``.``, empty parts, NUL, backslashes or drive letters, and each
  is listed once (zip tools disagree about which of two copies wins, so duplicates are refused), also
  once up to case and Unicode normalisation (``DB.sqlite3`` beside ``db.sqlite3``: extracted on a
  case-insensitive file system, one replaces the other);
* sizes are possible: a stored member is as long as its data, a deflated one cannot expand more than
  deflate's limit of 1032-fold (a larger declared size is a lie), members lie inside the file and
  do not overlap (one block of data listed many times is the "non-recursive" zip bomb);
* the declared sizes together fit the **expansion budget** the caller passes (bytes, or a number with a
  unit: ``"64GiB"``, ``"500MB"``; 256 GiB if none is given; where an archive's budget comes from — an
  argument, ``$JPROV_ARCHIVE_MAX_EXPANDED_SIZE``, the profile — is the archive format's business,
  :func:`jupyter_prov.archive.format.expansion_budget`). The budget is fixed rather than relative to
  free disk: an archive read in place needs no disk, and an import that runs out of disk is undone
  like any failed import.

Self-contained: this module knows zips and that ``repo/<sha256>`` members are many; it imports
nothing of the package but the error root (its error, :class:`ArchiveFormatError`, derives from
:class:`~jupyter_prov.errors.ArchiveError`).

An honest file is never refused for compressing well (a 2000 × 2000 array of zeros deflates 1026-fold).

Checked while a member is read: its local header agrees with the central directory (name, method,
and sizes and CRC-32 unless deferred to a data descriptor); inflating is bounded (``max_length``) by
the bytes asked for and by the declared size, so one byte more than declared is an error naming the
member, whatever the file says; the deflate stream must end exactly where the member ends (cut short:
truncated; bytes after it: damaged); the CRC-32 is checked before the last byte is handed out.
Reading a 1 GiB member that deflated 1028-fold: see ``benchmarks/results/zip_read.md``.
"""

from __future__ import annotations

import io
import os
import re
import struct
import sys
import tempfile
import time
import unicodedata
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..errors import ArchiveError

if TYPE_CHECKING:
    from typing_extensions import Self

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_SIG_EOCD, _SIG_LOCATOR, _SIG_EOCD64 = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"
_SIG_CENTRAL, _SIG_LOCAL = b"PK\x01\x02", b"PK\x03\x04"
_U32, _U16 = 0xFFFFFFFF, 0xFFFF
_KEY_NAME = re.compile(r"\Arepo/[0-9a-f]{64}\Z")
STORED, DEFLATED = 0, 8
CHUNK = 1 << 20
#: compressed bytes handed to zlib at a time: small enough that ``unconsumed_tail`` copies stay cheap
_RAW_CHUNK = 1 << 18
#: deflate codes a 258-byte match in 2 bits at best; no stream expands more than this many times
DEFLATE_MAX_RATIO = 1032

#: the default expansion budget: the most bytes all members of one archive may declare together
DEFAULT_EXPANSION_BUDGET = 256 * 2**30
#: members named ``repo/<sha256 hex>`` are content-addressed objects, indexed compactly (the others are few)
KEY_PREFIX = "repo/"


class ArchiveFormatError(ArchiveError):
    """The file is not a valid archive (damaged, unsafe, unknown version): raised by the zip reader and
    writer here and by the archive format's own checks (:mod:`jupyter_prov.archive.format`)."""

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6, "mib": 2**20,
          "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12, "tib": 2**40}


def parse_size(value: int | str, what: str = "size") -> int:
    """Bytes from an int or a text like ``"64GiB"``, ``"500 MB"``, ``"1e9"``."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)\s*([a-z]*)\s*", str(value).lower())
        if match is None or match.group(2) not in _UNITS:
            raise ValueError(f"{what}: {value!r} is not a size (bytes, or a number with a unit like 64GiB)")
        number = int(float(match.group(1)) * _UNITS[match.group(2)])
    if number <= 0:
        raise ValueError(f"{what}: {value!r} must be a positive number of bytes")
    return number


class _Record:
    """One member's place in the file (non-repository members only; those are few)."""

    __slots__ = ("compressed", "crc", "method", "name", "offset", "size")

    def __init__(self, name: str, offset: int, compressed: int, size: int, crc: int, method: int):
        self.name, self.offset, self.compressed, self.size, self.crc, self.method = (
            name, offset, compressed, size, crc, method)


def _folded(name: str) -> str:
    """``name`` as a case-insensitive, normalising file system sees it (APFS, NTFS)."""
    return unicodedata.normalize("NFC", name).casefold()


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a member name (``None``: it can)."""
    if not name or "\x00" in name:
        return "is empty or holds a NUL byte"
    if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return "is absolute or uses backslashes"
    parts = name[:-1].split("/") if name.endswith("/") else name.split("/")
    if ".." in parts:
        return "climbs out with '..'"
    if "" in parts or "." in parts:
        return "has an empty or '.' part"
    return None


class ZipReader:
    """The members of a zip file, checked and indexed; repository members in compact arrays.

    ``max_expanded_size``: the expansion budget (bytes or a text like ``"64GiB"``); ``budget_hint``: how
    to raise it, said when an archive is refused for it.
    """

    def __init__(self, path: str | Path, *, max_expanded_size: int | str = DEFAULT_EXPANSION_BUDGET,
                 budget_hint: str = "give a larger max_expanded_size"):
        self.path = Path(path)
        self.budget = parse_size(max_expanded_size, "max_expanded_size")
        self._budget_hint = budget_hint
        self._file = open(self.path, "rb")  # noqa: SIM115 - open for the reader's life, closed by close()
        try:
            self._file_size = os.fstat(self._file.fileno()).st_size
            self._others: dict[str, _Record] = {}
            self._read_central_directory()
        except BaseException:
            self._file.close()
            raise

    # ---- parsing ----------------------------------------------------------------------------
    def _not_a_zip(self, why: str) -> ArchiveFormatError:
        return ArchiveFormatError(f"archive {self.path} is not a zip file or is truncated ({why})")

    def _refuse(self, name: str, why: str) -> ArchiveFormatError:
        return ArchiveFormatError(f"archive {self.path}: member {name!r} {why}; refusing the archive")

    def _read_central_directory(self) -> None:
        handle, size = self._file, self._file_size
        tail_size = min(size, _EOCD.size + _U16)
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
        at = tail.rfind(_SIG_EOCD)
        if at < 0 or len(tail) - at < _EOCD.size:
            raise self._not_a_zip("no end-of-central-directory record")
        _, disk, _, _, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
        eocd_offset = size - tail_size + at
        if entries == _U16 or cd_size == _U32 or cd_offset == _U32:
            locator_at = at - _EOCD64_LOCATOR.size
            if locator_at < 0 or tail[locator_at:locator_at + 4] != _SIG_LOCATOR:
                raise self._not_a_zip("ZIP64 locator missing")
            _, _, eocd64_offset, _ = _EOCD64_LOCATOR.unpack_from(tail, locator_at)
            handle.seek(eocd64_offset)
            record = handle.read(_EOCD64.size)
            if len(record) < _EOCD64.size or record[:4] != _SIG_EOCD64:
                raise self._not_a_zip("ZIP64 end record missing")
            _, _, _, _, _, _, _, entries, cd_size, cd_offset = _EOCD64.unpack(record)
            eocd_offset = eocd64_offset
        if disk != 0:
            raise ArchiveFormatError(f"archive {self.path} spans several disks; that is not supported")
        if cd_offset + cd_size > eocd_offset:
            raise self._not_a_zip("the central directory lies outside the file")
        if entries * _CENTRAL.size > cd_size:
            raise self._not_a_zip(f"{entries} members cannot fit a central directory of {cd_size} bytes")
        handle.seek(cd_offset)
        reader = io.BufferedReader(_Window(handle, cd_offset, cd_size), buffer_size=CHUNK)
        keys = bytearray()
        offsets, compressed_sizes, sizes = array("Q"), array("Q"), array("Q")
        crcs, methods = array("I"), array("B")
        starts, ends = array("Q"), array("Q")  # every member: local header start, least possible end
        folded_others: dict[str, str] = {}  # the other names, case- and Unicode-folded
        total = 0
        for _ in range(entries):
            fixed = reader.read(_CENTRAL.size)
            if len(fixed) < _CENTRAL.size or fixed[:4] != _SIG_CENTRAL:
                raise self._not_a_zip("a central directory record is damaged")
            (_, _, _, flags, method, _, _, crc, compressed, usize, name_len, extra_len, comment_len, _, _, _,
             offset) = _CENTRAL.unpack(fixed)
            raw_name = reader.read(name_len)
            extra = reader.read(extra_len)
            if comment_len:
                reader.read(comment_len)
            if usize == _U32 or compressed == _U32 or offset == _U32:
                usize, compressed, offset = _zip64_values(extra, usize, compressed, offset)
            try:
                name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            except UnicodeDecodeError:
                raise ArchiveFormatError(
                    f"archive {self.path}: member name {raw_name[:100]!r} is not UTF-8") from None
            is_key = len(name) == 69 and _KEY_NAME.match(name) is not None
            if not is_key:
                problem = _name_problem(name)
                if problem:
                    raise self._refuse(name, f"is unsafe: it {problem} (no absolute path or '..' is allowed)")
            self._check_sizes(name, method, flags, compressed, usize)
            end = offset + _LOCAL.size + name_len + compressed
            if end > cd_offset:
                raise ArchiveFormatError(
                    f"archive {self.path} is truncated: member {name!r} extends past its data area")
            starts.append(offset)
            ends.append(end)
            total += usize
            if is_key:
                keys += bytes.fromhex(name[5:])
                offsets.append(offset)
                compressed_sizes.append(compressed)
                sizes.append(usize)
                crcs.append(crc)
                methods.append(method)
            elif name.endswith("/") and usize == 0:
                continue  # a directory entry
            elif name in self._others:
                raise self._refuse(name, "is listed twice (zip tools disagree about which copy counts)")
            else:
                folded = _folded(name)
                if folded in folded_others or _KEY_NAME.match(folded):
                    other = folded_others.get(folded, folded)
                    raise self._refuse(name, f"differs from {other!r} only in case or Unicode form (extracted "
                                              "on macOS or Windows, one would replace the other)")
                folded_others[folded] = name
                self._others[name] = _Record(name, offset, compressed, usize, crc, method)
        if total > self.budget:
            raise ArchiveFormatError(
                f"archive {self.path} expands to {total:,} bytes, more than the budget of {self.budget:,} "
                f"bytes (a zip bomb?); refusing it ({self._budget_hint})")
        self._check_overlaps(starts, ends)
        key_array = np.frombuffer(bytes(keys), dtype="S32") if keys else np.empty(0, dtype="S32")
        order = np.argsort(key_array, kind="stable")
        self._keys = key_array[order]

        def column(values: array, dtype) -> np.ndarray:
            return np.frombuffer(values, dtype=dtype)[order] if len(values) else np.empty(0, dtype)

        self._offsets = column(offsets, np.uint64)
        self._compressed = column(compressed_sizes, np.uint64)
        self._sizes = column(sizes, np.uint64)
        self._crcs = column(crcs, np.uint32)
        self._methods = column(methods, np.uint8)
        if len(self._keys) > 1:
            twice = np.flatnonzero(self._keys[1:] == self._keys[:-1])
            if len(twice):
                name = KEY_PREFIX + self._keys.tobytes()[32 * int(twice[0]):32 * int(twice[0]) + 32].hex()
                raise self._refuse(name, "is listed twice (zip tools disagree about which copy counts)")

    def _check_sizes(self, name: str, method: int, flags: int, compressed: int, size: int) -> None:
        if method not in (STORED, DEFLATED):
            raise self._refuse(name, f"uses compression method {method} (only stored and deflate are read)")
        if flags & 0x1:
            raise self._refuse(name, "is encrypted")
        if method == STORED and size != compressed:
            raise self._refuse(name, f"is stored uncompressed but declares {size} bytes from {compressed}")
        if method == DEFLATED and size > DEFLATE_MAX_RATIO * compressed + DEFLATE_MAX_RATIO:
            raise self._refuse(name, f"declares {size:,} bytes from {compressed:,} compressed bytes, more "
                                     f"than deflate can expand ({DEFLATE_MAX_RATIO}-fold): its sizes are false "
                                     "(a zip bomb?)")
        if size > self.budget:
            raise ArchiveFormatError(
                f"archive {self.path}: member {name!r} declares {size:,} bytes, more than the budget of "
                f"{self.budget:,} bytes (a zip bomb?); refusing it ({self._budget_hint})")

    def _check_overlaps(self, starts: array, ends: array) -> None:
        if len(starts) < 2:
            return
        start = np.frombuffer(starts, dtype=np.uint64)
        end = np.frombuffer(ends, dtype=np.uint64)
        order = np.argsort(start, kind="stable")
        start, end = start[order], end[order]
        clash = np.flatnonzero(end[:-1] > start[1:])
        if len(clash):
            raise ArchiveFormatError(
                f"archive {self.path}: two members share the bytes at offset {int(start[int(clash[0]) + 1])} "
                "(overlapping members: a zip bomb?); refusing the archive")

    # ---- lookup -------------------------------------------------------------------------------
    def _key_index(self, key: str) -> int | None:
        if len(key) != 64:
            return None
        try:
            needle = np.array(bytes.fromhex(key), dtype="S32")
        except ValueError:
            return None
        at = int(np.searchsorted(self._keys, needle))
        if at < len(self._keys) and self._keys[at] == needle:
            return at
        return None

    def _key_record(self, at: int, name: str) -> _Record:
        return _Record(name, int(self._offsets[at]), int(self._compressed[at]), int(self._sizes[at]),
                       int(self._crcs[at]), int(self._methods[at]))

    def _record(self, name: str) -> _Record | None:
        if name in self._others:
            return self._others[name]
        if name.startswith(KEY_PREFIX):
            at = self._key_index(name[len(KEY_PREFIX):])
            if at is not None:
                return self._key_record(at, name)
        return None

    def __contains__(self, name: str) -> bool:
        return self._record(name) is not None

    def has_key(self, key: str) -> bool:
        return self._key_index(key) is not None

    def size(self, name: str) -> int:
        return self._require(name).size

    def _require(self, name: str) -> _Record:
        record = self._record(name)
        if record is None:
            raise KeyError(name)
        return record

    @property
    def key_count(self) -> int:
        return len(self._keys)

    def keys(self) -> Iterator[str]:
        """The repository keys, sorted."""
        raw = self._keys.tobytes()  # not .tolist(): numpy drops trailing zero bytes of "S32" items
        return (raw[at:at + 32].hex() for at in range(0, len(raw), 32))

    def _positions(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Index of each key in the sorted arrays, and whether it is there at all (vectorised)."""
        if not keys or not len(self._keys):
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        needles = np.frombuffer(b"".join(bytes.fromhex(key) for key in keys), dtype="S32")
        positions = np.minimum(np.searchsorted(self._keys, needles), len(self._keys) - 1)
        return positions, self._keys[positions] == needles

    def missing_keys(self, keys: list[str]) -> list[str]:
        """Those of ``keys`` (64 hex digits each) that are not repository members."""
        _, found = self._positions(keys)
        return [key for key, ok in zip(keys, found.tolist()) if not ok]

    def iter_repository(self, keys: list[str], *, small: int) -> Iterator[tuple[str, bytes | None, int]]:
        """(key, bytes, size) of each repository member in file order; bytes ``None`` above ``small`` bytes.

        Small members are read and inflated in one piece, with every check of :meth:`open`; read the
        others with :meth:`open`. A key that is not a member raises ``KeyError``.
        """
        positions, found = self._positions(keys)
        if not found.all():
            raise KeyError(KEY_PREFIX + keys[int(np.argmin(found))])
        order = np.argsort(self._offsets[positions], kind="stable")
        chosen = positions[order]
        columns = zip(order.tolist(), self._offsets[chosen].tolist(), self._compressed[chosen].tolist(),
                      self._sizes[chosen].tolist(), self._crcs[chosen].tolist(), self._methods[chosen].tolist())
        handle, local, header_size = self._file, _LOCAL.unpack_from, _LOCAL.size
        for at, offset, compressed, size, crc, method in columns:
            key = keys[at]
            if size > small:
                yield key, None, size
                continue
            name = KEY_PREFIX + key
            handle.seek(offset)
            blob = handle.read(header_size + 69 + compressed)  # as our writer lays it out: no extra field
            fields = local(blob) if len(blob) == header_size + 69 + compressed else None
            if (fields is not None and fields[0] == _SIG_LOCAL and not fields[2] & 0x8 and fields[3] == method
                    and fields[6:] == (crc, compressed, size, 69, 0)
                    and blob[header_size:header_size + 69] == name.encode()):
                payload = blob[header_size + 69:]
                record = None
            else:  # another writer's layout (extra fields, data descriptors) or damage: the full checks
                record = _Record(name, offset, compressed, size, crc, method)
                handle.seek(self._data_start(record))
                payload = handle.read(compressed)
                if len(payload) != compressed:
                    raise self._damaged(name, "the file ends inside it (truncated)")
            if method == DEFLATED:
                data = self._inflate_whole(record or _Record(name, offset, compressed, size, crc, method), payload)
            else:
                data = payload
            if zlib.crc32(data) != crc:
                raise self._damaged(name, "CRC-32 mismatch")
            yield key, data, size

    def _inflate_whole(self, record: _Record, payload: bytes) -> bytes:
        if not payload and record.size == 0:
            return b""  # an empty member some writers store as "deflated" without a stream
        inflate = zlib.decompressobj(-15)
        try:
            data = inflate.decompress(payload, record.size + 1)
            if not inflate.eof and not inflate.unconsumed_tail and len(data) <= record.size:
                data += inflate.decompress(b"", record.size + 1 - len(data))
        except zlib.error as exc:
            raise self._damaged(record.name, str(exc)) from None
        if len(data) > record.size:
            raise self._damaged(record.name, f"it expands to more than its declared {record.size:,} bytes")
        if not inflate.eof:
            raise self._damaged(record.name, "its deflate stream is cut short (truncated)")
        if inflate.unused_data:
            raise self._damaged(record.name, "bytes follow the end of its deflate stream")
        if len(data) != record.size:
            raise self._damaged(record.name,
                                f"it holds {len(data):,} bytes, not the declared {record.size:,}")
        return data

    def _damaged(self, name: str, why: str) -> ArchiveFormatError:
        return ArchiveFormatError(f"archive {self.path}: member {name!r} is damaged ({why})")

    def _data_start(self, record: _Record) -> int:
        """Where the data of ``record`` begins; its local header checked against the central directory."""
        handle = self._file
        handle.seek(record.offset)
        header = handle.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != _SIG_LOCAL:
            raise self._damaged(record.name, "its local header is missing")
        _, _, flags, method, _, _, crc, compressed, size, name_len, extra_len = _LOCAL.unpack(header)
        rest = handle.read(name_len + extra_len)
        try:
            name = rest[:name_len].decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            name = None
        if name != record.name or method != record.method:
            raise self._damaged(record.name, f"its local header names {rest[:name_len][:100]!r}, method "
                                             f"{method}: it disagrees with the central directory")
        if not flags & 0x8:
            if size == _U32 or compressed == _U32:
                size, compressed, _ = _zip64_values(rest[name_len:], size, compressed, 0)
            if (size, compressed, crc) != (record.size, record.compressed, record.crc):
                raise self._damaged(
                    record.name, f"its local header declares {size:,} bytes ({compressed:,} compressed, CRC "
                                 f"{crc:08x}), the central directory {record.size:,} ({record.compressed:,}, "
                                 f"{record.crc:08x})")
        start = record.offset + _LOCAL.size + name_len + extra_len
        if start + record.compressed > self._file_size:
            raise self._damaged(record.name, "it extends past the end of the file (truncated)")
        return start

    def other_names(self) -> list[str]:
        return list(self._others)

    # ---- reading --------------------------------------------------------------------------------
    def open(self, name: str) -> _MemberReader:
        """A stream of the member's bytes (read in any chunk size; memory stays at ~one chunk)."""
        record = self._require(name)
        return _MemberReader(self, record, self._data_start(record))

    def read(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _zip64_values(extra: bytes, usize: int, compressed: int, offset: int) -> tuple[int, int, int]:
    at = 0
    while at + 4 <= len(extra):
        header_id, length = struct.unpack_from("<2H", extra, at)
        if header_id == 1:
            values = list(struct.unpack_from(f"<{min(length, len(extra) - at - 4) // 8}Q", extra, at + 4))
            try:
                if usize == _U32:
                    usize = values.pop(0)
                if compressed == _U32:
                    compressed = values.pop(0)
                if offset == _U32:
                    offset = values.pop(0)
            except IndexError:
                break
            return usize, compressed, offset
        at += 4 + length
    raise ArchiveFormatError("a ZIP64 member lacks its ZIP64 extra field")


class _Window(io.RawIOBase):
    """A read-only window ``[start, start + length)`` of an open file."""

    def __init__(self, handle: BinaryIO, start: int, length: int):
        self._handle, self._position, self._end = handle, start, start + length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self._end - self._position)
        if count <= 0:
            return 0
        self._handle.seek(self._position)
        data = self._handle.read(count)
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)


class _MemberReader(io.BufferedIOBase):
    """The bytes of one member, inflated as they are asked for; checks every limit while it goes.

    ``read(n)`` returns ``n`` bytes unless the member ends first; zlib is asked for at most the bytes
    wanted (and never for more than one byte beyond the declared size), so memory stays at one chunk
    however well the member compresses. The CRC-32 and the end of the deflate stream are checked
    before the last byte is returned.
    """

    def __init__(self, reader: ZipReader, record: _Record, start: int):
        super().__init__()
        self._reader, self._record = reader, record
        self._position, self._left = start, record.compressed
        self._remaining = record.size
        self._crc = 0
        self._inflate = zlib.decompressobj(-15) if record.method == DEFLATED and record.compressed else None
        self._input = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _damaged(self, why: str) -> ArchiveFormatError:
        return self._reader._damaged(self._record.name, why)

    def _raw(self, count: int) -> bytes:
        handle = self._reader._file
        handle.seek(self._position)
        data = handle.read(min(count, self._left))
        if not data:
            raise self._damaged("the file ends inside it (truncated)")
        self._position += len(data)
        self._left -= len(data)
        return data

    def _produce(self, limit: int) -> bytes:
        """Between 1 and ``limit`` bytes of the member, or ``b""`` at the end of its data."""
        inflate = self._inflate
        if inflate is None:
            return self._raw(limit) if self._left else b""
        while True:
            if not self._input and self._left:
                self._input = self._raw(_RAW_CHUNK)
            try:
                data = inflate.decompress(self._input, limit)
            except zlib.error as exc:
                raise self._damaged(str(exc)) from None
            self._input = inflate.unconsumed_tail
            if inflate.eof and (inflate.unused_data or self._left):
                raise self._damaged("bytes follow the end of its deflate stream")
            if data or inflate.eof:
                return data
            if not self._input and not self._left:
                raise self._damaged("its deflate stream is cut short (truncated)")

    def _take(self, data: bytes) -> None:
        self._remaining -= len(data)
        if self._remaining < 0:
            raise self._damaged(f"it expands to more than its declared {self._record.size:,} bytes")
        self._crc = zlib.crc32(data, self._crc)

    def _finish(self) -> None:
        """The member's end: nothing beyond the declared size, every byte there, the CRC-32 right."""
        if self._remaining == 0 and self._produce(1):
            raise self._damaged(f"it expands to more than its declared {self._record.size:,} bytes")
        self._done = True
        if self._remaining:
            raise self._damaged(f"it holds {self._record.size - self._remaining:,} bytes, not the declared "
                                f"{self._record.size:,}")
        if self._crc != self._record.crc:
            raise self._damaged("CRC-32 mismatch")

    def read(self, size: int | None = -1) -> bytes:
        if self._done:
            return b""
        if size is None or size < 0:
            size = self._remaining + 1
        parts: list[bytes] = []
        got = 0
        while got < size:
            data = self._produce(min(size - got, self._remaining + 1))
            if not data:
                self._finish()
                break
            self._take(data)
            parts.append(data)
            got += len(data)
            if self._remaining == 0:
                self._finish()
                break
        return parts[0] if len(parts) == 1 else b"".join(parts)

    read1 = read

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        memoryview(buffer).cast("B")[:len(data)] = data
        return len(data)


class ZipWriter:
    """A zip written member by member; the central directory is spooled to a temporary file."""

    def __init__(self, path: str | Path, *, compression: int = 6, front: tuple[str, ...] = ()):
        """``front``: members listed first in the central directory, in this order, wherever their data lies."""
        if not 0 <= compression <= 9:
            raise ValueError(f"compression must be 0 (none) to 9, got {compression}")
        self.path = Path(path)
        self.compression = compression
        self._file = open(self.path, "wb")  # noqa: SIM115 - open for the writer's life, closed by close()
        self._central = tempfile.TemporaryFile()  # noqa: SIM115 - likewise
        self._front = {name: b"" for name in front}
        self._names: set[str] = set()  # names other than repo/<key> (few; the exporter's keys are distinct)
        self._entries = 0
        now = time.localtime(time.time())
        self._dos_time = (now.tm_hour << 11) | (now.tm_min << 5) | (now.tm_sec // 2)
        self._dos_date = ((now.tm_year - 1980) << 9) | (now.tm_mon << 5) | now.tm_mday

    def write_bytes(self, name: str, data: bytes, *, compress: bool | None = None) -> None:
        """One member from bytes in memory (sizes known: no data descriptor needed)."""
        compress = self.compression > 0 if compress is None else compress
        crc = zlib.crc32(data)
        if compress:
            if sys.version_info >= (3, 11):  # one call: no compressor object per file
                payload = zlib.compress(data, self.compression, wbits=-15)
            else:  # zlib.compress has no wbits before Python 3.11
                packer = zlib.compressobj(self.compression, zlib.DEFLATED, -15)
                payload = packer.compress(data) + packer.flush()
            method = DEFLATED
        else:
            payload, method = data, STORED
        offset = self._file.tell()
        self._write_local(name, method, crc, len(payload), len(data))
        self._file.write(payload)
        self._add_central(name, method, crc, len(payload), len(data), offset)

    def write_stream(self, name: str, stream: BinaryIO, size: int, *, compress: bool | None = None) -> None:
        """One member copied in chunks from ``stream`` (``size`` bytes); the local header is patched afterwards."""
        compress = self.compression > 0 if compress is None else compress
        method = DEFLATED if compress else STORED
        zip64 = size * 1.05 + 1024 > _U32
        offset = self._file.tell()
        self._write_local(name, method, 0, 0, size, zip64=zip64)
        compressor = zlib.compressobj(self.compression, zlib.DEFLATED, -15) if compress else None
        crc, written, read = 0, 0, 0
        while chunk := stream.read(CHUNK):
            read += len(chunk)
            crc = zlib.crc32(chunk, crc)
            out = compressor.compress(chunk) if compressor else chunk
            self._file.write(out)
            written += len(out)
        if compressor:
            out = compressor.flush()
            self._file.write(out)
            written += len(out)
        if read != size:
            raise ArchiveFormatError(f"writing {self.path}: {name} gave {read} bytes, {size} were expected")
        end = self._file.tell()
        self._file.seek(offset)
        self._write_local(name, method, crc, written, size, zip64=zip64)
        self._file.seek(end)
        self._add_central(name, method, crc, written, size, offset)

    def _write_local(self, name: str, method: int, crc: int, compressed: int, size: int, *, zip64: bool = False) -> None:
        raw_name = name.encode("utf-8")
        extra = struct.pack("<2H2Q", 1, 16, size, compressed) if zip64 else b""
        self._file.write(_LOCAL.pack(
            _SIG_LOCAL, 45 if zip64 else 20, 0x800, method, self._dos_time, self._dos_date, crc,
            _U32 if zip64 else compressed, _U32 if zip64 else size, len(raw_name), len(extra)))
        self._file.write(raw_name)
        self._file.write(extra)

    def _add_central(self, name: str, method: int, crc: int, compressed: int, size: int, offset: int) -> None:
        if not (len(name) == 69 and _KEY_NAME.match(name)):
            if name in self._names:
                raise ArchiveFormatError(f"writing {self.path}: member {name!r} written twice")
            self._names.add(name)
        raw_name = name.encode("utf-8")
        values = []
        if size >= _U32:
            values.append(size)
        if compressed >= _U32:
            values.append(compressed)
        if offset >= _U32:
            values.append(offset)
        extra = struct.pack(f"<2H{len(values)}Q", 1, 8 * len(values), *values) if values else b""
        needs = 45 if values else 20
        record = _CENTRAL.pack(
            _SIG_CENTRAL, (3 << 8) | needs, needs, 0x800, method, self._dos_time, self._dos_date, crc,
            min(compressed, _U32), min(size, _U32), len(raw_name), len(extra), 0, 0, 0, 0o100644 << 16,
            min(offset, _U32)) + raw_name + extra
        if name in self._front:
            self._front[name] = record
        else:
            self._central.write(record)
        self._entries += 1

    def write_deflated(self, name: str, deflated: BinaryIO, *, crc: int, size: int, compressed: int,
                       method: int = DEFLATED) -> None:
        """One member whose data was compressed elsewhere (raw deflate in ``deflated``, ``compressed`` bytes)."""
        zip64 = size >= _U32 or compressed >= _U32
        offset = self._file.tell()
        self._write_local(name, method, crc, compressed, size, zip64=zip64)
        copied = 0
        while chunk := deflated.read(CHUNK):
            self._file.write(chunk)
            copied += len(chunk)
        if copied != compressed:
            raise ArchiveFormatError(f"writing {self.path}: {name} has {copied} compressed bytes, {compressed} expected")
        self._add_central(name, method, crc, compressed, size, offset)

    def close(self) -> None:
        if self._file.closed:
            return
        cd_offset = self._file.tell()
        for name, record in self._front.items():
            if not record:
                raise ArchiveFormatError(f"writing {self.path}: member {name} was never written")
            self._file.write(record)
        self._central.seek(0)
        while chunk := self._central.read(CHUNK):
            self._file.write(chunk)
        cd_size = self._file.tell() - cd_offset
        self._central.close()
        if self._entries >= _U16 or cd_offset >= _U32 or cd_size >= _U32:
            eocd64_offset = self._file.tell()
            self._file.write(_EOCD64.pack(_SIG_EOCD64, 44, 45, 45, 0, 0, self._entries, self._entries, cd_size, cd_offset))
            self._file.write(_EOCD64_LOCATOR.pack(_SIG_LOCATOR, 0, eocd64_offset, 1))
        self._file.write(_EOCD.pack(_SIG_EOCD, 0, 0, min(self._entries, _U16), min(self._entries, _U16),
                                    min(cd_size, _U32), min(cd_offset, _U32), 0))
        self._file.close()

    def abort(self) -> None:
        self._central.close()
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, *exc) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
