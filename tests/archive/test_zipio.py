"""The zip reader and writer: readable by zipfile both ways, ZIP64 beyond 65,535 members, nothing a zip declares
believed until its bytes confirm it, memory flat however well a member compresses."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from jupyter_prov.archive.format import BUDGET_ENV, ArchiveFormatError, expansion_budget
from jupyter_prov.archive.zipio import DEFLATED, ZipReader, ZipWriter


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
        assert list(reader.iter_repository([_key(big)], small=len(big))) == [(_key(big), big, len(big))]


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


# ---- what a zip declares is checked, and bounded while inflating ------------------------------------

MiB = 2**20


def _deflate(data: bytes, level: int = 6, *, finish: bool = True) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if finish else zlib.Z_SYNC_FLUSH)


def _zip_with(path, name: str, data: bytes, *, payload: bytes | None = None, size: int | None = None,
              crc: int | None = None, method: int = DEFLATED):
    """A zip of one member whose central directory and local header declare ``size`` and ``crc`` (default: true)."""
    payload = _deflate(data) if payload is None else payload
    with ZipWriter(path) as writer:
        writer.write_deflated(name, io.BytesIO(payload), crc=zlib.crc32(data) if crc is None else crc,
                              size=len(data) if size is None else size, compressed=len(payload), method=method)
    return path


def _read_in_chunks(path, name: str, chunk: int = MiB) -> int:
    total = 0
    with ZipReader(path) as reader, reader.open(name) as stream:
        while data := stream.read(chunk):
            total += len(data)
    return total


def test_a_member_that_inflates_beyond_its_declared_size_is_stopped_at_that_size(tmp_path):
    data = b"\x00" * (64 * MiB)
    key = _key(data)
    path = _zip_with(tmp_path / "bomb.zip", f"repo/{key}", data, size=MiB)  # declares 1 MiB, inflates to 64
    for chunk in (4096, MiB, 64 * MiB):
        tracemalloc.start()
        try:
            with pytest.raises(ArchiveFormatError, match=rf"repo/{key}.*more than its declared 1,048,576 bytes"):
                _read_in_chunks(path, f"repo/{key}", chunk)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * MiB + chunk
    with ZipReader(path) as reader, pytest.raises(ArchiveFormatError, match="more than its declared"):
        list(reader.iter_repository([key], small=2 * MiB))


def test_a_bomb_under_any_ratio_limit_is_bounded_by_the_expansion_budget(tmp_path, monkeypatch):
    data = b"\x00" * (64 * MiB)
    path = _zip_with(tmp_path / "bomb.zip", "db.sqlite3", data, payload=_deflate(data, level=1))  # 229-fold
    with pytest.raises(ArchiveFormatError, match=r"db\.sqlite3.*more than the budget of 33,554,432 bytes"):
        ZipReader(path, max_expanded_size="32MiB")
    monkeypatch.setenv(BUDGET_ENV, "48MiB")
    with pytest.raises(ArchiveFormatError, match="more than the budget of 50,331,648 bytes"):
        ZipReader(path, max_expanded_size=expansion_budget())
    monkeypatch.setenv(BUDGET_ENV, "80MiB")
    tracemalloc.start()
    try:
        assert _read_in_chunks(path, "db.sqlite3") == len(data)  # within the budget: read in flat memory
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB


def test_the_budget_is_a_profile_option_too(profile, tmp_path, monkeypatch):
    from jupyter_prov.orm import current

    data = b"\x00" * (2 * MiB)
    path = _zip_with(tmp_path / "two.zip", "db.sqlite3", data)
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    monkeypatch.setitem(current.get_profile().options, "archive_max_expanded_size", "1MiB")
    with pytest.raises(ArchiveFormatError, match="more than the budget of 1,048,576 bytes"):
        ZipReader(path, max_expanded_size=expansion_budget())
    with ZipReader(path, max_expanded_size=expansion_budget(4 * MiB)) as reader:  # an argument wins
        assert reader.read("db.sqlite3") == data


def test_declared_sizes_deflate_cannot_produce_are_refused_before_reading(tmp_path):
    data = b"\x00" * MiB
    payload = _deflate(data)
    path = _zip_with(tmp_path / "lie.zip", "db.sqlite3", data, payload=payload, size=2000 * len(payload))
    with pytest.raises(ArchiveFormatError, match=r"'db\.sqlite3' declares .* sizes are false"):
        ZipReader(path)


def test_honest_highly_compressible_members_are_read(tmp_path):
    zeros = np.zeros((2000, 2000)).tobytes()  # deflates 1026-fold
    path = _zip_with(tmp_path / "zeros.zip", "db.sqlite3", zeros)
    with ZipReader(path) as reader:
        assert reader.read("db.sqlite3") == zeros


def test_a_big_sparse_file_goes_through_export_and_import(profile, tmp_path):
    from jupyter_prov.archive import create_archive, import_archive
    from jupyter_prov.orm import load_node
    from jupyter_prov.orm.nodes.files import File

    from .conftest import empty_profile_storage

    zeros = b"\x00" * (64 * MiB)
    node = File(zeros, filename="zeros.bin").store()
    path = tmp_path / "sparse.jprov"
    create_archive(path, nodes=[node])
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(f"repo/{_key(zeros)}")
        assert info.file_size > 1000 * info.compress_size  # the ratio the old reader refused
    empty_profile_storage()
    import_archive(path)
    assert load_node(node.uuid).get_file("zeros.bin") == zeros


def test_a_name_listed_twice_is_refused(tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", b'{"export_version": "jprov_0002"}')
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("metadata.json", b'{"evil": true}')  # zipfile reads the last, unzip the first
    with pytest.raises(ArchiveFormatError, match="'metadata.json' is listed twice"):
        ZipReader(path)
    with ZipWriter(tmp_path / "ours.zip") as writer:
        writer.write_bytes("metadata.json", b"{}")
        with pytest.raises(ArchiveFormatError, match="written twice"):
            writer.write_bytes("metadata.json", b"{}")
    data = b"same key"
    with ZipWriter(path) as writer:
        writer.write_bytes(f"repo/{_key(data)}", data)
        writer.write_bytes(f"repo/{_key(data)}", b"other bytes")
    with pytest.raises(ArchiveFormatError, match=f"'repo/{_key(data)}' is listed twice"):
        ZipReader(path)


@pytest.mark.parametrize("name", ["../evil", "/etc/evil", "a/../../evil", "a/\x00b", "./db.sqlite3",
                                  "a//b", "C:/evil", "a\\..\\evil"])
def test_unsafe_member_names_are_refused(tmp_path, name):
    path = tmp_path / "names.zip"
    with ZipWriter(path) as writer:
        writer.write_bytes(name, b"x")
    with pytest.raises(ArchiveFormatError, match="is unsafe"):
        ZipReader(path)


def test_a_crc_mismatch_is_found_even_when_exactly_the_declared_bytes_are_read(tmp_path):
    data = os.urandom(3 * MiB)
    path = _zip_with(tmp_path / "crc.zip", "db.sqlite3", data, crc=zlib.crc32(data) ^ 1)
    crc_error = pytest.raises(ArchiveFormatError, match=r"'db\.sqlite3' is damaged \(CRC-32 mismatch\)")
    with ZipReader(path) as reader, reader.open("db.sqlite3") as stream, crc_error:
        stream.read(len(data))  # the caller stops at the size it knows: the check must not wait for EOF
    key = _key(data[:1000])
    path = _zip_with(tmp_path / "crc-small.zip", f"repo/{key}", data[:1000], crc=1)
    with ZipReader(path) as reader, pytest.raises(ArchiveFormatError, match="CRC-32 mismatch"):
        list(reader.iter_repository([key], small=MiB))


def test_a_deflate_stream_cut_short_is_truncated_even_with_the_right_size_and_crc(tmp_path):
    data = os.urandom(MiB) + b"\x00" * MiB
    for small in (0, 4 * MiB):
        key = _key(data)
        path = _zip_with(tmp_path / "cut.zip", f"repo/{key}", data, payload=_deflate(data, finish=False))
        with ZipReader(path) as reader, pytest.raises(ArchiveFormatError, match="cut short"):
            if small:
                list(reader.iter_repository([key], small=small))
            else:
                reader.read(f"repo/{key}")
    payload = _deflate(data)
    path = _zip_with(tmp_path / "short.zip", "db.sqlite3", data, payload=payload[: len(payload) // 2])
    with ZipReader(path) as reader, pytest.raises(ArchiveFormatError, match=r"db\.sqlite3"):
        reader.read("db.sqlite3")


def test_a_local_header_that_disagrees_with_the_central_directory_is_refused(tmp_path):
    path = tmp_path / "local.zip"
    with ZipWriter(path) as writer:
        writer.write_bytes("db.sqlite3", b"honest database")
    raw = bytearray(path.read_bytes())
    raw[30:40] = b"../evil.db"  # the local header's name; the central directory still says db.sqlite3
    path.write_bytes(bytes(raw))
    with ZipReader(path) as reader, pytest.raises(ArchiveFormatError, match="disagrees with the central directory"):
        reader.read("db.sqlite3")


def test_members_sharing_their_bytes_are_refused(tmp_path):
    data = b"\x00" * MiB
    path = _zip_with(tmp_path / "overlap.zip", "a.bin", data)
    raw = path.read_bytes()
    central = raw.rfind(b"PK\x01\x02")
    record = raw[central:raw.rfind(b"PK\x05\x06")]
    copy = record.replace(b"a.bin", b"b.bin")  # a second entry pointing at the same local header
    eocd = bytearray(raw[raw.rfind(b"PK\x05\x06"):])
    eocd[8:12] = (2).to_bytes(2, "little") * 2
    eocd[12:16] = (2 * len(record)).to_bytes(4, "little")
    path.write_bytes(raw[:central] + record + copy + bytes(eocd))
    with pytest.raises(ArchiveFormatError, match="overlapping members"):
        ZipReader(path)


def test_members_with_data_descriptors_are_read(tmp_path):
    """zipfile writing to a pipe defers sizes and CRC to a data descriptor after the data."""

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.chunks = []

        def writable(self):
            return True

        def write(self, data):
            self.chunks.append(bytes(data))
            return len(data)

    data = os.urandom(MiB) + b"\x00" * (3 * MiB)
    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("db.sqlite3", data)
    path = tmp_path / "descriptor.zip"
    path.write_bytes(b"".join(pipe.chunks))
    with ZipReader(path) as reader:
        assert reader.read("db.sqlite3") == data


@pytest.mark.parametrize("first, second", [("db.sqlite3", "DB.sqlite3"), ("metadata.json", "Metadata.JSON"),
                                           ("caf\u00e9.txt", "cafe\u0301.txt"),  # NFC beside NFD
                                           (f"repo/{'a' * 64}", f"repo/{'A' * 64}")])
def test_names_equal_up_to_case_or_unicode_form_are_refused(tmp_path, first, second):
    """Extracted on a case-insensitive or normalising file system (macOS, Windows), one would replace the other."""
    path = tmp_path / "case.zip"
    with ZipWriter(path) as writer:
        writer.write_bytes(first, b"one")
        writer.write_bytes(second, b"two")
    with pytest.raises(ArchiveFormatError, match="only in case or Unicode form"):
        ZipReader(path)


def test_a_symlink_member_is_read_as_its_bytes_never_followed(tmp_path):
    """A zip entry marked as a symlink is data: its "target" is the member's bytes, nothing is resolved."""
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("db.sqlite3")
        info.external_attr = (0o120777 << 16)  # S_IFLNK
        archive.writestr(info, "/etc/passwd")
    with ZipReader(path) as reader:
        assert reader.read("db.sqlite3") == b"/etc/passwd"


@pytest.mark.parametrize("python", [(3, 10, 13), (3, 11, 7)])
def test_members_written_in_memory_deflate_the_same_on_every_supported_python(tmp_path, monkeypatch, python):
    """zlib.compress takes wbits only from Python 3.11; requires-python is >= 3.10."""
    import types

    from jupyter_prov.archive import zipio

    monkeypatch.setattr(zipio, "sys", types.SimpleNamespace(version_info=python))
    data = b"provenance " * 10_000
    with ZipWriter(tmp_path / "a.zip", compression=6) as writer:
        writer.write_bytes("member.txt", data)
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        info = archive.getinfo("member.txt")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < len(data) // 50
        assert archive.read("member.txt") == data
