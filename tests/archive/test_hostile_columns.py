"""Hostile archives, part five: every column of every table an export fills, given a value of the wrong kind.

The cases are generated from the schema (:mod:`jupyter_prov.storage.schema`), so a column added later is
covered without anyone remembering to: an integer column gets text and a dangling reference, a JSON column
text that is not JSON, a time column ``yesterday``, a string column a NUL and one character more than its
length, a text column a NUL and one character more than the ORM allows. Each is refused with one line naming
the archive, the table's row and the column (a dangling reference: the id it points at), and leaves a target with data of
its own unchanged: every table's digest and the repository's object list, on SQLite and PostgreSQL.
(:mod:`tests.archive.test_hostile_archives` has the hand-picked values: NaN, deep nesting, 64-bit overflow,
non-UTF-8 text, ...)
"""

from __future__ import annotations


import pytest
from sqlalchemy import JSON, DateTime, Integer, String, Text

from jupyter_prov.archive import ArchiveIntegrityError
from jupyter_prov.orm.validation import DESCRIPTION_MAX
from jupyter_prov.storage import schema

from .hostile import assert_refused_unchanged, edit_archive

#: the tables an export of the test graph fills (settings, records and authinfos are empty in it)
TABLES = ("db_user", "db_computer", "db_node", "db_link", "db_group", "db_group_node", "db_comment", "db_log")


def _bad_values(column) -> list[tuple[str, object, bool]]:
    """(case id, value, whether the message names the row and column: a dangling reference is named by the
    id it points at) for a column of the schema."""
    kind = column.type
    if isinstance(kind, Integer):
        return [("text", "one", True), ("dangling", 987_654_321, False)]
    if isinstance(kind, JSON):
        return [("not-json", "{not json", True)]
    if isinstance(kind, DateTime):
        return [("not-a-time", "yesterday", True)]
    if isinstance(kind, Text):
        return [("nul", "a\x00b", True), ("too-long", "y" * (DESCRIPTION_MAX + 1), True)]
    if isinstance(kind, String):
        return [("nul", "a\x00b", True), ("too-long", "x" * ((kind.length or 255) + 1), True)]
    raise AssertionError(f"no bad value for {column.table.name}.{column.name} of type {kind!r}: add one here")


CASES = [(table.name, column.name, case, value, named)
         for table in schema.metadata.sorted_tables if table.name in TABLES
         for column in table.c if not column.primary_key
         for case, value, named in _bad_values(column)]


def test_every_table_of_the_export_is_covered(exported):
    import sqlite3
    import zipfile

    with zipfile.ZipFile(exported) as archive:
        conn = sqlite3.connect(":memory:")
        conn.deserialize(archive.read("db.sqlite3"))
    filled = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if name != "alembic_version" and conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]}
    conn.close()
    assert filled == set(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_a_wrong_kind_of_value_in_any_column_is_refused(exported, resident, tmp_path, table):
    """One test per table (building and exporting the graph is most of the time); every case is tried and
    every failure reported together."""
    problems = []
    for _table, column, case, value, named in [c for c in CASES if c[0] == table]:
        path = edit_archive(exported, tmp_path / f"{column}-{case}.jprov", sql=[
            (f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = (SELECT max(rowid) FROM "{table}")', (value,))])
        match = f"{table} row .*, column {column}:" if named else "id 987654321, which is not in the archive"
        try:
            message = assert_refused_unchanged(resident, path, match, ArchiveIntegrityError)
        except (Exception, pytest.fail.Exception) as exc:  # noqa: BLE001 - collected: one report per table
            problems.append(f"{table}.{column} ({case}): {type(exc).__name__}: {str(exc)[:300]}")
            continue
        if len(message) >= 600:
            problems.append(f"{table}.{column} ({case}): a message of {len(message)} characters")
        path.unlink()
    assert not problems, "\n".join(problems)
