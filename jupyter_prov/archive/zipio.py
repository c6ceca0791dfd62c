"""Reading and writing the zip container of an archive, with memory that stays flat in the number of files.

Why not :mod:`zipfile` alone: it keeps one ``ZipInfo`` object per member (about 500 bytes each) for the
whole life of the file, so an archive of 200,000 repository files costs ~100 MB of RAM to open and as
much again to write. Here the repository members ``repo/<sha256>`` are indexed in compact numpy
arrays (≈ 60 bytes per member, looked up by binary search), and the writer spools the central
directory to a temporary file instead of keeping it in memory. The result is a plain zip (ZIP64 when
needed) that every zip tool — and :mod:`zipfile`, and aiida-core — reads.

Safety checks happen while the central directory is parsed, before any member is read: member names
must be relative without ``..``, declared sizes and compression ratios must be sane (zip bombs), and
every member must lie inside the file (truncation). Reading a member checks its CRC-32 and never
produces more bytes than declared.
"""

from __future__ import annotations

import io
import re
import struct
import tempfile
import time
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import numpy as np

from .format import (
    MAX_COMPRESSION_RATIO,
    MAX_MEMBER_SIZE,
    RATIO_CHECK_MIN_SIZE,
    REPO_PREFIX,
    ArchiveFormatError,
)

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_SIG_EOCD, _SIG_LOCATOR, _SIG_EOCD64 = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"
_SIG_CENTRAL, _SIG_LOCAL = b"PK\x01\x02", b"PK\x03\x04"
_U32, _U16 = 0xFFFFFFFF, 0xFFFF
_KEY_NAME = re.compile(r"^repo/[0-9a-f]{64}$")
STORED, DEFLATED = 0, 8
CHUNK = 1 << 20


class _Record:
    """One member's place in the file (non-repository members only; those are few)."""

    __slots__ = ("compressed", "crc", "method", "name", "offset", "size")

    def __init__(self, name: str, offset: int, compressed: int, size: int, crc: int, method: int):
        self.name, self.offset, self.compressed, self.size, self.crc, self.method = name, offset, compressed, size, crc, method


def _check_name(path, name: str) -> None:
    pure = PurePosixPath(name)
    if (not name or name.startswith(("/", "\\")) or pure.is_absolute() or ".." in pure.parts
            or "\\" in name or re.match(r"^[A-Za-z]:", name) or "\x00" in name):
        raise ArchiveFormatError(f"archive {path}: member {name!r} has an absolute path or '..'; refusing it")


def _check_size(path, name: str, compressed: int, size: int) -> None:
    if size > MAX_MEMBER_SIZE:
        raise ArchiveFormatError(
            f"archive {path}: member {name!r} declares {size} bytes uncompressed (a zip bomb?); refusing it")
    if size > RATIO_CHECK_MIN_SIZE and size > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise ArchiveFormatError(
            f"archive {path}: member {name!r} expands {size / max(compressed, 1):.0f}-fold "
            f"(more than {MAX_COMPRESSION_RATIO}x: a zip bomb?); refusing it")


class ZipReader:
    """The members of a zip file, checked and indexed; repository members in compact arrays."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = open(self.path, "rb")
        try:
            self._file_size = self.path.stat().st_size
            self._others: dict[str, _Record] = {}
            self._read_central_directory()
        except BaseException:
            self._file.close()
            raise

    # ---- parsing ----------------------------------------------------------------------------
    def _not_a_zip(self, why: str) -> ArchiveFormatError:
        return ArchiveFormatError(f"archive {self.path} is not a zip file or is truncated ({why})")

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
        handle.seek(cd_offset)
        reader = io.BufferedReader(_Window(handle, cd_offset, cd_size), buffer_size=CHUNK)
        keys = bytearray()
        offsets, compressed_sizes, sizes = array("Q"), array("Q"), array("Q")
        crcs, methods = array("I"), array("B")
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
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            is_key = len(name) == 69 and _KEY_NAME.match(name) is not None
            if not is_key:
                _check_name(self.path, name)
            _check_size(self.path, name, compressed, usize)
            if offset + compressed > cd_offset:
                raise ArchiveFormatError(
                    f"archive {self.path} is truncated: member {name!r} extends past its data area")
            if method not in (STORED, DEFLATED):
                raise ArchiveFormatError(f"archive {self.path}: member {name!r} uses compression method {method}, "
                                         "only stored and deflate are supported")
            if flags & 0x1:
                raise ArchiveFormatError(f"archive {self.path}: member {name!r} is encrypted")
            total += usize
            if is_key:
                keys += bytes.fromhex(name[5:])
                offsets.append(offset)
                compressed_sizes.append(compressed)
                sizes.append(usize)
                crcs.append(crc)
                methods.append(method)
            else:
                self._others[name] = _Record(name, offset, compressed, usize, crc, method)
        if total > MAX_MEMBER_SIZE:
            raise ArchiveFormatError(f"archive {self.path} declares {total} bytes uncompressed in all (a zip bomb?)")
        key_array = np.frombuffer(bytes(keys), dtype="S32") if keys else np.empty(0, dtype="S32")
        order = np.argsort(key_array, kind="stable")
        self._keys = key_array[order]
        self._offsets = np.frombuffer(offsets, dtype=np.uint64)[order] if len(offsets) else np.empty(0, np.uint64)
        self._compressed = np.frombuffer(compressed_sizes, dtype=np.uint64)[order] if len(offsets) else np.empty(0, np.uint64)
        self._sizes = np.frombuffer(sizes, dtype=np.uint64)[order] if len(offsets) else np.empty(0, np.uint64)
        self._crcs = np.frombuffer(crcs, dtype=np.uint32)[order] if len(offsets) else np.empty(0, np.uint32)
        self._methods = np.frombuffer(methods, dtype=np.uint8)[order] if len(offsets) else np.empty(0, np.uint8)
        if len(self._keys) > 1 and (self._keys[1:] == self._keys[:-1]).any():
            raise ArchiveFormatError(f"archive {self.path} lists a repository member twice")

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

    def _record(self, name: str) -> _Record | None:
        if name in self._others:
            return self._others[name]
        if name.startswith(REPO_PREFIX):
            at = self._key_index(name[len(REPO_PREFIX):])
            if at is not None:
                return _Record(name, int(self._offsets[at]), int(self._compressed[at]), int(self._sizes[at]),
                               int(self._crcs[at]), int(self._methods[at]))
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

        Small members are read and inflated in one piece, their CRC-32 and size checked; read the
        others with :meth:`open`. A key that is not a member raises ``KeyError``.
        """
        positions, found = self._positions(keys)
        if not found.all():
            raise KeyError(REPO_PREFIX + keys[int(np.argmin(found))])
        order = np.argsort(self._offsets[positions], kind="stable")
        handle = self._file
        for at in order.tolist():
            position = int(positions[at])
            key, size = keys[at], int(self._sizes[position])
            if size > small:
                yield key, None, size
                continue
            offset, compressed = int(self._offsets[position]), int(self._compressed[position])
            handle.seek(offset)
            header = handle.read(_LOCAL.size)
            if len(header) < _LOCAL.size or header[:4] != _SIG_LOCAL:
                raise ArchiveFormatError(f"archive {self.path}: the local header of repo/{key} is damaged")
            name_len, extra_len = _LOCAL.unpack(header)[-2:]
            handle.seek(name_len + extra_len, 1)
            payload = handle.read(compressed)
            if len(payload) != compressed:
                raise ArchiveFormatError(f"archive {self.path} is truncated: repo/{key} extends past the end of the file")
            if int(self._methods[position]) == DEFLATED:
                inflate = zlib.decompressobj(-15)
                try:
                    data = inflate.decompress(payload, size + 1)
                except zlib.error as exc:
                    raise ArchiveFormatError(f"archive {self.path}: member repo/{key} is damaged ({exc})") from None
            else:
                data = payload
            if len(data) != size or zlib.crc32(data) != int(self._crcs[position]):
                raise ArchiveFormatError(f"archive {self.path}: member repo/{key} is damaged (size or CRC-32 mismatch)")
            yield key, data, size

    def other_names(self) -> list[str]:
        return list(self._others)

    # ---- reading --------------------------------------------------------------------------------
    def open(self, name: str) -> _MemberReader:
        record = self._require(name)
        self._file.seek(record.offset)
        header = self._file.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != _SIG_LOCAL:
            raise ArchiveFormatError(f"archive {self.path}: the local header of member {name!r} is damaged")
        name_len, extra_len = _LOCAL.unpack(header)[-2:]
        start = record.offset + _LOCAL.size + name_len + extra_len
        if start + record.compressed > self._file_size:
            raise ArchiveFormatError(f"archive {self.path} is truncated: member {name!r} extends past the end of the file")
        return _MemberReader(self, record, start)

    def read(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ZipReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _zip64_values(extra: bytes, usize: int, compressed: int, offset: int) -> tuple[int, int, int]:
    at = 0
    while at + 4 <= len(extra):
        header_id, length = struct.unpack_from("<2H", extra, at)
        if header_id == 1:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            if usize == _U32:
                usize = values.pop(0)
            if compressed == _U32:
                compressed = values.pop(0)
            if offset == _U32:
                offset = values.pop(0)
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


class _MemberReader(io.RawIOBase):
    """The uncompressed bytes of one member; checks the CRC-32 and the declared size at the end."""

    def __init__(self, reader: ZipReader, record: _Record, start: int):
        self._reader, self._record = reader, record
        self._position, self._left = start, record.compressed
        self._out = 0
        self._crc = 0
        self._inflate = zlib.decompressobj(-15) if record.method == DEFLATED else None
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _damaged(self, why: str) -> ArchiveFormatError:
        return ArchiveFormatError(f"archive {self._reader.path}: member {self._record.name!r} is damaged ({why})")

    def _fill(self, want: int) -> None:
        while len(self._pending) < want and not self._done:
            if self._left <= 0:
                if self._inflate is not None:
                    self._pending += self._inflate.flush()
                self._finish()
                break
            handle = self._reader._file
            handle.seek(self._position)
            raw = handle.read(min(CHUNK, self._left))
            if not raw:
                raise self._damaged("unexpected end of file")
            self._position += len(raw)
            self._left -= len(raw)
            if self._inflate is None:
                data = raw
            else:
                try:
                    data = self._inflate.decompress(raw, max(want, CHUNK) * 4)
                    while self._inflate.unconsumed_tail:
                        data += self._inflate.decompress(self._inflate.unconsumed_tail, CHUNK * 4)
                        if self._out + len(self._pending) + len(data) > self._record.size:
                            break
                except zlib.error as exc:
                    raise self._damaged(str(exc)) from None
            self._out += len(data)
            if self._out > self._record.size:
                raise self._damaged(f"it expands beyond its declared {self._record.size} bytes")
            self._crc = zlib.crc32(data, self._crc)
            self._pending += data

    def _finish(self) -> None:
        self._done = True
        if self._out != self._record.size:
            raise self._damaged(f"{self._out} bytes instead of the declared {self._record.size}")
        if self._crc != self._record.crc:
            raise self._damaged("CRC-32 mismatch")

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            self._fill(self._record.size + 1)
            data, self._pending = self._pending, b""
            return data
        self._fill(size)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class ZipWriter:
    """A zip written member by member; the central directory is spooled to a temporary file."""

    def __init__(self, path: str | Path, *, compression: int = 6, front: tuple[str, ...] = ()):
        """``front``: members listed first in the central directory, in this order, wherever their data lies."""
        if not 0 <= compression <= 9:
            raise ValueError(f"compression must be 0 (none) to 9, got {compression}")
        self.path = Path(path)
        self.compression = compression
        self._file = open(self.path, "wb")
        self._central = tempfile.TemporaryFile()
        self._front = {name: b"" for name in front}
        self._entries = 0
        now = time.localtime(time.time())
        self._dos_time = (now.tm_hour << 11) | (now.tm_min << 5) | (now.tm_sec // 2)
        self._dos_date = ((now.tm_year - 1980) << 9) | (now.tm_mon << 5) | now.tm_mday

    def write_bytes(self, name: str, data: bytes, *, compress: bool | None = None) -> None:
        """One member from bytes in memory (sizes known: no data descriptor needed)."""
        compress = self.compression > 0 if compress is None else compress
        crc = zlib.crc32(data)
        if compress:
            payload = zlib.compress(data, self.compression, wbits=-15)  # one call: no compressor object per file
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

    def __enter__(self) -> ZipWriter:
        return self

    def __exit__(self, kind, *exc) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
