"""Bad archives: each is refused with an error naming the file and the problem, and nothing is written."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jupyter_prov.archive import (
    ArchiveError,
    ArchiveFormatError,
    ArchiveIntegrityError,
    create_archive,
    import_archive,
    inspect_archive,
)
from jupyter_prov.storage import schema

from .conftest import empty_profile_storage


@pytest.fixture
def good_archive(graph, tmp_path) -> Path:
    path = tmp_path / "good.jprov"
    create_archive(path, all=True)
    return path


def rewrite(source: Path, target: Path, *, replace: dict | None = None, drop: tuple = (), add: dict | None = None,
            sql: list[str] | None = None) -> Path:
    """A copy of ``source`` with members replaced, dropped or added, or SQL run on its database."""
    replace = dict(replace or {})
    with zipfile.ZipFile(source) as archive:
        if sql:
            db = target.with_suffix(".sqlite3")
            db.write_bytes(archive.read("db.sqlite3"))
            conn = sqlite3.connect(db)
            for statement in sql:
                conn.execute(statement)
            conn.commit()
            conn.close()
            replace["db.sqlite3"] = db.read_bytes()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                if info.filename in drop:
                    continue
                out.writestr(info.filename, replace.get(info.filename, archive.read(info.filename)))
            for name, content in (add or {}).items():
                out.writestr(name, content)
    return target


def assert_nothing_imported(storage, path: Path, match: str, error=ArchiveError) -> None:
    with pytest.raises(error, match=match) as info:
        import_archive(path)
    assert str(path) in str(info.value)
    with storage.connection() as conn:
        assert conn.execute(select(func.count()).select_from(schema.nodes)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(schema.groups)).scalar_one() == 0
    assert list(storage.repository.list_keys()) == []


@pytest.fixture
def empty(good_archive, storage):
    empty_profile_storage()
    return storage


def test_not_a_zip(empty, tmp_path):
    path = tmp_path / "plain.jprov"
    path.write_text("this is not a zip file")
    assert_nothing_imported(empty, path, "not a zip file", ArchiveFormatError)
    with pytest.raises(ArchiveFormatError, match="not a zip"):
        inspect_archive(path)


def test_missing_file(empty, tmp_path):
    assert_nothing_imported(empty, tmp_path / "nowhere.jprov", "does not exist")


def test_truncated_zip(empty, good_archive, tmp_path):
    path = tmp_path / "truncated.jprov"
    data = good_archive.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_nothing_imported(empty, path, "not a zip file or is truncated", ArchiveFormatError)


def test_truncated_member_data(empty, good_archive, tmp_path):
    # central directory intact, but the bytes of the members before it are cut out
    data = bytearray(good_archive.read_bytes())
    with zipfile.ZipFile(good_archive) as archive:
        info = archive.getinfo("db.sqlite3")
    start = info.header_offset + 30 + len(info.filename) + 10
    data[start:start + 200] = b"\x00" * 200
    path = tmp_path / "damaged.jprov"
    path.write_bytes(bytes(data))
    assert_nothing_imported(empty, path, "damaged|truncated|not a readable", ArchiveFormatError)


def test_zip_bomb_over_the_expansion_budget(empty, good_archive, tmp_path, monkeypatch):
    # a ratio alone refuses nothing (honest zeros deflate 1028-fold); what all members declare must fit the budget
    path = rewrite(good_archive, tmp_path / "bomb.jprov", add={"repo/" + "0" * 64: b"\x00" * (40 * 2**20)})
    monkeypatch.setenv("JPROV_ARCHIVE_MAX_EXPANDED_SIZE", "32MiB")
    assert_nothing_imported(empty, path, "more than the budget .* zip bomb", ArchiveFormatError)


def test_zip_bomb_by_declared_size(empty, good_archive, tmp_path):
    # a central directory that declares an absurd uncompressed size for one member
    data = bytearray(good_archive.read_bytes())
    with zipfile.ZipFile(good_archive) as archive:
        info = archive.infolist()[-1]
    central = data.rfind(b"PK\x01\x02")
    assert data[central + 46: central + 46 + len(info.filename)] == info.filename.encode()
    data[central + 24: central + 28] = (0xFFFFFFF0).to_bytes(4, "little")  # uncompressed size
    path = tmp_path / "declared.jprov"
    path.write_bytes(bytes(data))
    assert_nothing_imported(empty, path, "zip bomb", ArchiveFormatError)


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "repo/../../evil"])
def test_entries_with_dotdot_or_absolute_paths(empty, good_archive, tmp_path, name):
    path = tmp_path / "escape.jprov"
    rewrite(good_archive, path, add={"placeholder": b"x"})
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as out:
        for info, content in members:
            if info.filename == "placeholder":
                info.filename = name  # zipfile would sanitise the name if given as a string
            out.writestr(info, content)
    assert_nothing_imported(empty, path, "absolute path or '..'", ArchiveFormatError)


@pytest.mark.parametrize("member", ["metadata.json", "db.sqlite3"])
def test_missing_metadata_or_database(empty, good_archive, tmp_path, member):
    path = rewrite(good_archive, tmp_path / "missing.jprov", drop=(member,))
    assert_nothing_imported(empty, path, f"has no {member}", ArchiveFormatError)


@pytest.mark.parametrize("version, match", [("jprov_0099", "newer"), ("jprov_x", "unknown format version"),
                                            ("0.13", "unknown format version")])
def test_unknown_or_newer_version(empty, good_archive, tmp_path, version, match):
    with zipfile.ZipFile(good_archive) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    metadata["export_version"] = version
    path = rewrite(good_archive, tmp_path / "version.jprov", replace={"metadata.json": json.dumps(metadata)})
    assert_nothing_imported(empty, path, match, ArchiveFormatError)


def test_metadata_not_json(empty, good_archive, tmp_path):
    path = rewrite(good_archive, tmp_path / "meta.jprov", replace={"metadata.json": b"{not json"})
    assert_nothing_imported(empty, path, "not valid JSON", ArchiveFormatError)


def test_corrupted_sqlite(empty, good_archive, tmp_path):
    with zipfile.ZipFile(good_archive) as archive:
        db = bytearray(archive.read("db.sqlite3"))
    db[100:4096] = b"\xff" * (4096 - 100)  # the schema page
    path = rewrite(good_archive, tmp_path / "corrupt.jprov", replace={"db.sqlite3": bytes(db)})
    assert_nothing_imported(empty, path, "db.sqlite3", ArchiveFormatError)
    path = rewrite(good_archive, tmp_path / "garbage.jprov", replace={"db.sqlite3": b"garbage" * 1000})
    assert_nothing_imported(empty, path, "not a readable SQLite database", ArchiveFormatError)


def test_datum_with_two_creators(empty, good_archive, tmp_path, graph):
    path = rewrite(good_archive, tmp_path / "two-creators.jprov", sql=[
        "DROP INDEX uq_db_link_one_creator",
        f"INSERT INTO db_link (input_id, output_id, label, type) VALUES ({graph.calc.pk}, {graph.total.pk}, 'again', 'create')",
    ])
    assert_nothing_imported(empty, path, "2 creators", ArchiveIntegrityError)


def test_cycle_in_data_provenance(empty, good_archive, tmp_path, graph):
    # total (created by calc) becomes an input of calc: calc -> total -> calc
    path = rewrite(good_archive, tmp_path / "cycle.jprov", sql=[
        f"INSERT INTO db_link (input_id, output_id, label, type) VALUES ({graph.total.pk}, {graph.calc.pk}, 'loop', 'input_calc')",
    ])
    assert_nothing_imported(empty, path, "cycle", ArchiveIntegrityError)


def test_link_between_wrong_kinds(empty, good_archive, tmp_path, graph):
    path = rewrite(good_archive, tmp_path / "kinds.jprov", sql=[
        f"INSERT INTO db_link (input_id, output_id, label, type) VALUES ({graph.x.pk}, {graph.y.pk}, 'bad', 'input_calc')",
    ])
    assert_nothing_imported(empty, path, "a input_calc link goes from data", ArchiveIntegrityError)


def test_object_bytes_do_not_match_hash(empty, good_archive, tmp_path, graph):
    key = graph.total.file_tree["total.txt"]
    path = rewrite(good_archive, tmp_path / "tampered.jprov", replace={f"repo/{key}": b"6\n"})
    assert_nothing_imported(empty, path, "do not match its hash", ArchiveIntegrityError)


def test_missing_repository_object(empty, good_archive, tmp_path, graph):
    key = graph.total.file_tree["total.txt"]
    path = rewrite(good_archive, tmp_path / "no-object.jprov", drop=(f"repo/{key}",))
    assert_nothing_imported(empty, path, "missing from the archive", ArchiveIntegrityError)


def test_reference_to_node_missing_from_archive(empty, good_archive, tmp_path, graph):
    path = rewrite(good_archive, tmp_path / "dangling.jprov", sql=[
        f"INSERT INTO db_link (input_id, output_id, label, type) VALUES (424242, {graph.calc.pk}, 'ghost', 'input_calc')",
    ])
    assert_nothing_imported(empty, path, "node id 424242, which is not in the archive", ArchiveIntegrityError)
    path = rewrite(good_archive, tmp_path / "dangling-group.jprov", sql=[
        "INSERT INTO db_group_node (group_id, node_id) VALUES ((SELECT min(id) FROM db_group), 777777)",
    ])
    assert_nothing_imported(empty, path, "node id 777777", ArchiveIntegrityError)


def test_failed_database_step_removes_added_objects(empty, good_archive, tmp_path, graph, monkeypatch):
    """Objects streamed in before a failing database step are removed again."""
    from jupyter_prov.archive import import_ as import_module

    def broken_write(*args, **kwargs):
        raise RuntimeError("simulated failure in the database step")

    monkeypatch.setattr(import_module, "_write", broken_write)
    with pytest.raises(RuntimeError, match="simulated"):
        import_archive(good_archive)
    assert list(empty.repository.list_keys()) == []
