"""Hostile archives, part two: the archive's SQLite database is data too, and so are its names.

The row checks (:mod:`jupyter_prov.archive.rows`) read each column once and the importer reads it
again later; between the two, the importer rewrites values to the ORM's form in its copy. Whatever
in the database could make the second read differ from the first (a view, a trigger, a virtual table,
a collation) or make the rewrite land on other rows (tables without rowid, other columns) is refused
before anything is read, on every path that opens an archive: import, read in place, migrate,
inspect. Each refusal is one line naming the archive and the object; the target is unchanged
(every table's digest and the repository's object list, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import sqlite3
import zipfile
from pathlib import Path

import pytest

from jupyter_prov.archive import (
    ArchiveError,
    ArchiveReader,
    import_archive,
    inspect_archive,
    migrate_archive,
)
from jupyter_prov.orm import load_node

from .hostile import assert_refused_unchanged, edit_archive, snapshot


def _columns_of(exported: Path, table: str) -> str:
    with zipfile.ZipFile(exported) as archive:
        conn = sqlite3.connect(":memory:")
        conn.deserialize(archive.read("db.sqlite3"))
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    return sql[sql.index("("):]


def _recreate(table: str, definition: str) -> list[str]:
    """SQL replacing ``table`` by one declared ``CREATE TABLE <table> <definition>``, rows kept."""
    return [f"ALTER TABLE {table} RENAME TO {table}_old", f"CREATE TABLE {table} {definition}",
            f"INSERT INTO {table} SELECT * FROM {table}_old", f"DROP TABLE {table}_old"]


# a time with an offset makes the row checks rewrite the row (to naive UTC): the write a trigger waits for
_REWRITTEN = "UPDATE db_node SET ctime = '2026-01-01T12:00:00+02:00' WHERE id = (SELECT min(id) FROM db_node)"

SCHEMAS = {
    "trigger rewriting checked rows": ([_REWRITTEN, "CREATE TRIGGER poison AFTER UPDATE ON db_node BEGIN "
                                        "UPDATE db_node SET attributes = '{not json', label = 'poisoned'; END"],
                                       "holds the trigger 'poison'"),
    "trigger on insert": (["CREATE TRIGGER spy AFTER INSERT ON db_link BEGIN SELECT 1; END"], "holds the trigger 'spy'"),
    "view shadowing a table": (["ALTER TABLE db_log RENAME TO db_log_real",
                                "CREATE VIEW db_log AS SELECT * FROM db_log_real WHERE random() % 2 = 0"],
                               "holds the view 'db_log'"),
    "view calling load_extension": (["CREATE VIEW evil AS SELECT load_extension('/tmp/evil.so') AS x"],
                                    "holds the view 'evil'"),
    "extra table": (["CREATE TABLE stowaway (payload BLOB)", "INSERT INTO stowaway VALUES (x'00')"],
                    "holds the table 'stowaway', which is not part of the schema"),
    "virtual table": (["CREATE VIRTUAL TABLE notes USING fts5(body)"], "virtual table"),
}


def _table_tricks(exported: Path) -> dict[str, tuple[list[str], str]]:
    nodes, links = _columns_of(exported, "db_node"), _columns_of(exported, "db_link")
    return {
        "WITHOUT ROWID table": (_recreate("db_link", links[: links.rindex(")") + 1] + " WITHOUT ROWID"),
                                "declares the table 'db_link' WITHOUT ROWID"),
        "column collation": (_recreate("db_node", nodes.replace("label VARCHAR(255) NOT NULL",
                                                                "label VARCHAR(255) NOT NULL COLLATE RTRIM")),
                             "declares a collation in the table 'db_node'"),
        "column of another type": (_recreate("db_node", nodes.replace("attributes JSON NOT NULL",
                                                                      "attributes INTEGER NOT NULL")),
                                   "declares the table 'db_node' with other columns than the schema's"),
        "generated column": (_recreate("db_node", nodes.replace("node_hash VARCHAR(64)",
                                                                "node_hash VARCHAR(64), shadow AS (label) VIRTUAL")),
                             "declares the table 'db_node' with other columns than the schema's"),
    }


@pytest.mark.parametrize("case", sorted(SCHEMAS) + ["WITHOUT ROWID table", "column collation",
                                                    "column of another type", "generated column"])
def test_a_database_with_more_than_the_schemas_tables_is_refused(exported, resident, tmp_path, case):
    sql, match = {**SCHEMAS, **_table_tricks(exported)}[case]
    path = edit_archive(exported, tmp_path / "schema.jprov", sql=sql)
    message = assert_refused_unchanged(resident, path, match)
    assert "db.sqlite3" in message and len(message) < 400, message


def test_a_trigger_never_runs_on_any_path_that_opens_the_archive(exported, resident, tmp_path):
    sql, match = SCHEMAS["trigger rewriting checked rows"]
    path = edit_archive(exported, tmp_path / "trigger.jprov", sql=sql)
    with pytest.raises(ArchiveError, match=match):
        ArchiveReader(path).open()
    with pytest.raises(ArchiveError, match=match):
        inspect_archive(path, database=True)
    target = tmp_path / "migrated.jprov"
    with pytest.raises(ArchiveError, match=match):
        migrate_archive(path, target)
    assert not target.exists()


def test_rows_the_import_refuses_are_refused_when_reading_in_place_and_migrating(exported, resident, graph, tmp_path):
    path = edit_archive(exported, tmp_path / "row.jprov", sql=[
        ("UPDATE db_node SET attributes = '{\"value\": NaN}' WHERE uuid = ?", (graph.calc.uuid,))])
    match = f"db_node row uuid {graph.calc.uuid}.*column attributes: NaN is not JSON"
    with pytest.raises(ArchiveError, match=match):
        ArchiveReader(path).open()
    target = tmp_path / "migrated.jprov"
    with pytest.raises(ArchiveError, match=match):
        migrate_archive(path, target)
    assert not target.exists()


@pytest.mark.parametrize("column, value, match", [
    ("uuid", "{uuid}\n", "must be a UUID"),
    ("node_type", "data.int\n", "dotted type string"),
    ("node_hash", "a" * 64 + "\n", "sha256 hex digest"),
    ("uuid", "{uuid}\x00tail", "must be a UUID"),
    ("node_hash", "a" * 63 + "\x00", "sha256 hex digest"),
])
def test_values_with_a_final_newline_or_a_nul_are_refused(exported, resident, graph, tmp_path, column, value, match):
    value = value.format(uuid=graph.total.uuid)
    path = edit_archive(exported, tmp_path / "newline.jprov", sql=[
        (f"UPDATE db_node SET {column} = ? WHERE uuid = ?", (value, graph.total.uuid))])
    message = assert_refused_unchanged(resident, path, match)
    assert f"column {column}:" in message, message


def test_a_file_key_with_a_final_newline_is_refused(exported, resident, graph, tmp_path):
    key = hashlib.sha256(b"5\n").hexdigest()  # total.txt
    path = edit_archive(exported, tmp_path / "key.jprov", sql=[
        ("UPDATE db_node SET repository_metadata = ? WHERE uuid = ?",
         ('{"total.txt": "' + key + '\\n"}', graph.total.uuid))])
    assert_refused_unchanged(resident, path, "not a sha256 hash")


def test_a_stored_uuid_with_other_attributes_and_files_changes_nothing_stored(exported, storage, graph, tmp_path):
    """A node the profile stores keeps its attributes, files and links: the archive's copy of it is not read."""
    stored = load_node(graph.total.pk)
    attributes, tree = dict(stored.attributes), dict(stored.file_tree)
    forged = tmp_path / "forged.jprov"
    other = b"forged bytes\n"
    key = hashlib.sha256(other).hexdigest()
    edit_archive(exported, forged, sql=[
        ("UPDATE db_node SET attributes = '{\"forged\":true}', repository_metadata = ?, label = 'forged' WHERE uuid = ?",
         ('{"total.txt":"' + key + '"}', graph.total.uuid))], add={f"repo/{key}": other})
    import_archive(forged)
    again = load_node(graph.total.pk)
    assert dict(again.attributes) == attributes and dict(again.file_tree) == tree and again.get_file("total.txt") == b"5\n"
    assert again.label != "forged"
    assert key not in set(storage.repository.list_keys())


def test_an_archive_of_an_older_schema_revision_is_read(exported, resident, graph, tmp_path):
    """An export made before the main store's newest migration (stamped with an older revision) imports."""
    from jupyter_prov.storage.migrations import head_revision, known_revisions

    older = sorted(revision for revision in known_revisions() if revision != head_revision())
    if not older:
        pytest.skip("the schema has one revision only")
    with zipfile.ZipFile(exported) as archive:
        conn = sqlite3.connect(":memory:")
        conn.deserialize(archive.read("db.sqlite3"))
    conn.execute("UPDATE alembic_version SET version_num = ?", (older[0],))
    with_older = conn.serialize()
    conn.close()
    path = edit_archive(exported, tmp_path / "older.jprov", replace={"db.sqlite3": with_older})
    before = snapshot(resident)
    summary = import_archive(path)
    assert summary.counts["nodes"] > 0 and snapshot(resident) != before
    assert load_node(graph.total.uuid).get_file("total.txt") == b"5\n"
