"""The zip reader and writer: readable by zipfile both ways, ZIP64 beyond 65,535 members, damage detected."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest

from jupyter_prov.archive.format import ArchiveFormatError
from jupyter_prov.archive.zipio import ZipReader, ZipWriter


def _key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_many_members_use_zip64_and_zipfile_reads_them(tmp_path):
    path = tmp_path / "many.zip"
    contents = [f"object {i}\n".encode() for i in range(70_000)]
    with ZipWriter(path, compression=1, front=("first.txt",)) as writer:
        for data in contents:
            writer.write_bytes(f"repo/{_key(data)}", data)
        writer.write_bytes("first.txt", b"listed first", compress=False)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert len(names) == 70_001 and names[0] == "first.txt"
        assert archive.read(f"repo/{_key(contents[123])}") == contents[123]
        assert archive.testzip() is None
    with ZipReader(path) as reader:
        assert reader.key_count == 70_000
        keys = [_key(data) for data in contents[:1000]]
        got = {key: data for key, data, _ in reader.iter_repository(keys, small=1 << 20)}
        assert all(got[_key(data)] == data for data in contents[:1000])
        assert reader.read("first.txt") == b"listed first"
        assert reader.missing_keys([keys[0], "0" * 64]) == ["0" * 64]
        assert sorted(reader.keys()) == list(reader.keys())


def test_streamed_members_and_zipfile_written_archives(tmp_path):
    big = os.urandom(3 * 2**20) + b"\x00" * 2**20
    path = tmp_path / "stream.zip"
    with ZipWriter(path) as writer:
        writer.write_stream(f"repo/{_key(big)}", io.BytesIO(big), len(big))
    with ZipReader(path) as reader, reader.open(f"repo/{_key(big)}") as stream:
        assert stream.read(10) == big[:10]
        assert stream.read() == big[10:]
    other = tmp_path / "zipfile.zip"
    with zipfile.ZipFile(other, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(f"repo/{_key(big)}", "w", force_zip64=True) as handle:  # data descriptor + ZIP64 extra
            handle.write(big)
        archive.writestr("metadata.json", b"{}")
    with ZipReader(other) as reader:
        assert reader.read(f"repo/{_key(big)}") == big
        assert reader.read("metadata.json") == b"{}"


def test_damaged_member_is_detected(tmp_path):
    path = tmp_path / "damaged.zip"
    data = b"hello world " * 100
    with ZipWriter(path, compression=0) as writer:
        writer.write_bytes(f"repo/{_key(data)}", data)
    raw = bytearray(path.read_bytes())
    at = raw.find(b"hello world")
    raw[at] = ord("J")
    path.write_bytes(bytes(raw))
    with ZipReader(path) as reader:
        with pytest.raises(ArchiveFormatError, match="CRC-32"):
            reader.read(f"repo/{_key(data)}")
        with pytest.raises(ArchiveFormatError, match="CRC-32"):
            list(reader.iter_repository([_key(data)], small=1 << 20))
