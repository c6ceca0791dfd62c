"""Zips written byte by byte, as an attacker writes them: any name twice, sizes and CRCs that lie, members
whose deflate stream is cut short or inflates past what is declared, central entries sharing local headers.

Deliberately independent of :mod:`jupyter_prov.archive.zipio` (whose writer refuses most of this): the
archive under test must not depend on the code under test.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

STORED, DEFLATED = 0, 8
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<IHHHHIIH")


def deflate(data: bytes, level: int = 6, *, finish: bool = True) -> bytes:
    """Raw deflate of ``data``; ``finish=False`` leaves the stream without its final block."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if finish else zlib.Z_SYNC_FLUSH)


@dataclass
class Member:
    """One member: ``data`` is what it should inflate to; every field the zip declares can be overridden."""

    name: str
    data: bytes
    payload: bytes | None = None  # the bytes stored in the zip (default: deflate(data))
    size: int | None = None  # declared uncompressed size (default: len(data))
    crc: int | None = None  # declared CRC-32 (default: the true one)
    method: int = DEFLATED
    local_name: str | None = None  # the name in the local header (default: name)

    def stored_bytes(self) -> bytes:
        if self.payload is not None:
            return self.payload
        return deflate(self.data) if self.method == DEFLATED else self.data


def write_zip(path: Path, members: list[Member], *, alias: dict[str, str] | None = None) -> Path:
    """Write ``members`` in order; ``alias`` adds central entries ``{new name: member name}`` that point at the
    local header of an existing member (two names, one set of bytes)."""
    out = bytearray()
    central = []
    offsets = []
    for member in members:
        payload = member.stored_bytes()
        size = len(member.data) if member.size is None else member.size
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        local = (member.local_name or member.name).encode()
        offsets.append((len(out), member, len(payload), size, crc))
        out += _LOCAL.pack(0x04034B50, 20, 0x800, member.method, 0, 0x21, crc, len(payload), size, len(local), 0)
        out += local + payload
    first = {member.name: at for at, member in reversed(list(enumerate(members)))}
    entries = [(member.name, at) for at, member in enumerate(members)]
    entries += [(name, first[of]) for name, of in (alias or {}).items()]
    for name, at in entries:
        offset, member, compressed, size, crc = offsets[at]
        raw = name.encode()
        central.append(_CENTRAL.pack(0x02014B50, (3 << 8) | 20, 20, 0x800, member.method, 0, 0x21, crc, compressed,
                                     size, len(raw), 0, 0, 0, 0, 0o100644 << 16, offset) + raw)
    start = len(out)
    for record in central:
        out += record
    out += _EOCD.pack(0x06054B50, 0, 0, len(central), len(central), len(out) - start, start, 0)
    path.write_bytes(bytes(out))
    return path


def members_of(archive: Path) -> list[Member]:
    """The members of an honest archive, to be edited and written again with :func:`write_zip`."""
    with zipfile.ZipFile(archive) as source:
        return [Member(info.filename, source.read(info.filename)) for info in source.infolist()]


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_with_key_after(prefix: bytes, at_least: str = "f") -> bytes:
    """``prefix`` plus a counter, the first whose sha256 key sorts after ``at_least`` (read after the others)."""
    counter = 0
    while True:
        data = prefix + str(counter).encode()
        if key_of(data) > at_least:
            return data
        counter += 1
