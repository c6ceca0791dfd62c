"""Hostile archives: an archive from someone else is data; it cannot break the profile it is imported into.

Each archive here is built the way an attacker would: export an honest graph, edit the archive's
database (or a member) in a copy. Every refusal is one line naming the archive and the row (table,
uuid or id, column), and leaves the target exactly as it was: every table's digest and the list of
repository objects are compared before and after (:func:`tests.archive.hostile.snapshot`).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid as uuid_module
import zipfile
from pathlib import Path

import pytest

from jupyter_prov.archive import ArchiveIntegrityError, create_archive, import_archive
from jupyter_prov.orm import load_node

from .conftest import AIIDA_ARCHIVES, empty_profile_storage
from .hostile import assert_refused_unchanged, copy_node, edit_archive, keep_only, link, snapshot

KEY = "a" * 64


# ---- processes ---------------------------------------------------------------------------------------
def test_process_in_created_state_is_imported_killed_and_sealed(exported, resident, graph, tmp_path):
    new = str(uuid_module.uuid4())
    attributes = json.dumps({"process_state": "created", "checkpoint": {"step": 0}})
    path = edit_archive(exported, tmp_path / "created.jprov", sql=[copy_node(graph.calc.uuid, new, attributes=attributes)])
    import_archive(path)
    node = load_node(new)
    assert node.get_attribute("process_state") == "killed"
    assert node.get_attribute("sealed") is True
    assert "checkpoint" not in node.attributes


def test_foreign_process_type_is_never_imported_as_code(exported, resident, graph, tmp_path, monkeypatch):
    marker = tmp_path / "imported-the-module"
    package = tmp_path / "pkgs"
    package.mkdir()
    (package / "hostile_marker_module.py").write_text(f"open({str(marker)!r}, 'w').close()\ndef run(): pass\n")
    monkeypatch.syspath_prepend(str(package))
    new = str(uuid_module.uuid4())
    path = edit_archive(exported, tmp_path / "foreign.jprov", sql=[
        copy_node(graph.calc.uuid, new, process_type="hostile_marker_module:run")])
    import_archive(path)
    node = load_node(new)
    assert node.process_type == "hostile_marker_module:run"
    repr(node), node.attributes, node.get_incoming()
    assert not marker.exists()
    assert "hostile_marker_module" not in sys.modules


@pytest.mark.parametrize("process_type, match", [
    ("os:system\x00", "column process_type: holds a NUL"),
    ("x" * 300, "column process_type: is 300 characters long"),
    ("os:system\n", "column process_type: must be printable"),
])
def test_malformed_process_type_is_refused(exported, resident, graph, tmp_path, process_type, match):
    path = edit_archive(exported, tmp_path / "ptype.jprov", sql=[
        ("UPDATE db_node SET process_type = ? WHERE uuid = ?", (process_type, graph.calc.uuid))])
    message = assert_refused_unchanged(resident, path, match, ArchiveIntegrityError)
    assert f"db_node row uuid {graph.calc.uuid}" in message


# ---- links into what the target stores -----------------------------------------------------------------
def _refused_into_stored(storage, path: Path, match: str, tmp_path: Path) -> None:
    assert_refused_unchanged(storage, path, match, ArchiveIntegrityError)
    # and the profile stays one that its own importer takes back
    again = tmp_path / "again.jprov"
    create_archive(again, all=True)
    empty_profile_storage()
    import_archive(again)


def test_archive_cannot_give_a_stored_datum_a_creator(graph, storage, tmp_path):
    # the archive holds the stored datum `unrelated` (no creator in the profile) and a new calculation creating it
    new = str(uuid_module.uuid4())
    source = tmp_path / "unrelated.jprov"
    create_archive(source, nodes=[graph.unrelated])
    sealed = json.dumps({"process_state": "finished", "exit_status": 0, "sealed": True})
    path = edit_archive(source, tmp_path / "creator.jprov", sql=[
        (("INSERT INTO db_node (uuid, node_type, process_type, label, description, ctime, mtime, user_id, attributes, "
         "extras, repository_metadata) SELECT ?, 'process.calculation.calcfunction', 'tests.forge', '', '', ctime, "
         "mtime, user_id, ?, '{}', '{}' FROM db_node"), (new, sealed)),
        link(new, graph.unrelated.uuid, "result", "create"),
    ])
    message = "another creator"
    _refused_into_stored(storage, path, message, tmp_path)


def test_archive_cannot_add_an_input_to_a_sealed_calculation(graph, exported, storage, tmp_path):
    extra = str(uuid_module.uuid4())
    path = edit_archive(exported, tmp_path / "input.jprov", sql=[
        copy_node(graph.x.uuid, extra),
        link(extra, graph.calc.uuid, "smuggled", "input_calc"),
    ])
    _refused_into_stored(storage, path, f"input_calc link 'smuggled'.*into node {graph.calc.uuid}", tmp_path)


def test_archive_cannot_give_a_process_a_second_caller(graph, exported, storage, tmp_path):
    # on its own valid: the archive's own call link into `calc` is removed and a new workflow calls it
    caller = str(uuid_module.uuid4())
    path = edit_archive(exported, tmp_path / "caller.jprov", sql=[
        "DELETE FROM db_link WHERE type = 'call_calc'",
        copy_node(graph.workflow.uuid, caller),
        link(caller, graph.calc.uuid, "CALL", "call_calc"),
    ])
    _refused_into_stored(storage, path, "another caller", tmp_path)


@pytest.mark.parametrize("link_type, label", [("create", "smuggled"), ("return", "smuggled")])
def test_archive_cannot_give_a_stored_process_another_output(graph, exported, storage, tmp_path, link_type, label):
    source = {"create": graph.calc, "return": graph.workflow}[link_type]
    extra = str(uuid_module.uuid4())
    path = edit_archive(exported, tmp_path / "output.jprov", sql=[
        copy_node(graph.unrelated.uuid, extra),
        link(source.uuid, extra, label, link_type),
    ])
    _refused_into_stored(storage, path, f"from the stored process {source.uuid}", tmp_path)


def test_archive_cannot_add_a_call_to_a_stored_workflow(graph, exported, storage, tmp_path):
    child = str(uuid_module.uuid4())
    path = edit_archive(exported, tmp_path / "call.jprov", sql=[
        copy_node(graph.calc.uuid, child),
        link(graph.workflow.uuid, child, "CALL_AGAIN", "call_calc"),
    ])
    _refused_into_stored(storage, path, f"call_calc link 'CALL_AGAIN' from the stored process {graph.workflow.uuid}",
                         tmp_path)


def test_a_stored_datum_may_become_the_input_of_a_new_calculation(graph, exported, storage, tmp_path):
    new = str(uuid_module.uuid4())
    path = edit_archive(exported, tmp_path / "reuse.jprov", sql=[
        copy_node(graph.calc.uuid, new),
        link(graph.total.uuid, new, "total", "input_calc"),
    ])
    summary = import_archive(path)
    assert summary.counts["nodes"] == 1
    assert [triple.node.uuid for triple in load_node(new).get_incoming()] == [graph.total.uuid]


def test_archive_cannot_add_a_link_between_two_stored_nodes(graph, exported, storage, tmp_path):
    path = edit_archive(exported, tmp_path / "between.jprov", sql=[link(graph.unrelated.uuid, graph.calc.uuid, "late", "input_calc")])
    _refused_into_stored(storage, path, f"from a stored node \\({graph.unrelated.uuid}\\)", tmp_path)


def test_archive_node_with_the_uuid_of_another_kind_of_node_is_refused(graph, exported, storage, tmp_path):
    path = edit_archive(exported, tmp_path / "kind.jprov", sql=[
        ("UPDATE db_node SET node_type = 'data.str' WHERE uuid = ?", (graph.x.uuid,))])
    assert_refused_unchanged(storage, path, f"db_node row uuid {graph.x.uuid}, column node_type: 'data.str'",
                             ArchiveIntegrityError)


def test_archive_cannot_rewrite_a_comment_of_another_node(graph, exported, storage, tmp_path):
    # the profile's comment on `total`, moved in the archive onto `x` and made newer
    path = edit_archive(exported, tmp_path / "comment.jprov", sql=[
        (("UPDATE db_comment SET node_id = (SELECT id FROM db_node WHERE uuid = ?), content = 'rewritten', "
         "mtime = '2099-01-01 00:00:00.000000'"), (graph.x.uuid,))])
    assert_refused_unchanged(storage, path, "db_comment row uuid .* on another node", ArchiveIntegrityError)


def test_the_same_archive_twice_is_not_refused(graph, exported, storage):
    before = snapshot(storage)
    summary = import_archive(exported)
    assert summary.counts["nodes"] == 0 and summary.counts["links"] == 0
    after = snapshot(storage)
    assert {k: v for k, v in after.items() if k not in ("db_group", "db_group_node")} == \
        {k: v for k, v in before.items() if k not in ("db_group", "db_group_node")}


def test_two_archives_each_valid_whose_union_is_cyclic(graph, exported, storage, tmp_path):
    """A1: x -> calc -> total. A2 (valid alone): total -> calc2 -> x. Union: x -> calc -> total -> calc2 -> x."""
    calc2 = str(uuid_module.uuid4())
    second = edit_archive(exported, tmp_path / "second.jprov", sql=[
        *keep_only([graph.x.uuid, graph.total.uuid]),
        copy_node(graph.x.uuid, calc2, node_type="process.calculation.calcfunction", process_type="tests.loop",
                  attributes=json.dumps({"process_state": "finished", "exit_status": 0, "sealed": True})),
        link(graph.total.uuid, calc2, "total", "input_calc"),
        link(calc2, graph.x.uuid, "result", "create"),
    ])
    empty_profile_storage()
    import_archive(second)  # valid on its own
    empty_profile_storage()
    import_archive(exported)
    assert_refused_unchanged(storage, second, f"into node {graph.x.uuid}, which this profile already stores",
                             ArchiveIntegrityError)


# ---- file trees --------------------------------------------------------------------------------------
BAD_TREES = {
    "dotdot": ({"../escaped.txt": KEY}, "file name '..'|leave|must not contain '/'"),
    "dotdot-folder": ({"..": {"escaped.txt": KEY}}, r"file name '\.\.' is not allowed"),
    "absolute": ({"/etc/cron.d/job": KEY}, "must not contain '/'"),
    "nul": ({"a\x00b": KEY}, "must not contain '/' or NUL"),
    "empty": ({"": KEY}, "must be a non-empty string"),
    "not-a-key": ({"a.txt": "../../etc/passwd"}, "not a sha256 hash"),
    "not-a-folder": ({"a.txt": 5}, "a file tree holds keys"),
    "too-long": ({"x" * 256: KEY}, "too long"),
}


@pytest.mark.parametrize("case", sorted(BAD_TREES))
def test_bad_file_tree_names_are_refused(exported, resident, graph, tmp_path, case):
    tree, match = BAD_TREES[case]
    path = edit_archive(exported, tmp_path / "tree.jprov", sql=[
        ("UPDATE db_node SET repository_metadata = ? WHERE uuid = ?", (json.dumps(tree), graph.total.uuid))],
        add={f"repo/{KEY}": b"planted"})
    message = assert_refused_unchanged(resident, path, match, ArchiveIntegrityError)
    assert f"db_node row uuid {graph.total.uuid}" in message and "column repository_metadata" in message


def test_duplicate_names_in_one_folder_are_refused(exported, resident, graph, tmp_path):
    key = graph.total.file_tree["total.txt"]
    text = f'{{"total.txt":"{key}","total.txt":"{KEY}"}}'
    path = edit_archive(exported, tmp_path / "dup.jprov", sql=[
        ("UPDATE db_node SET repository_metadata = ? WHERE uuid = ?", (text, graph.total.uuid))])
    assert_refused_unchanged(resident, path, "'total.txt' occurs twice", ArchiveIntegrityError)


def test_copy_files_to_never_writes_outside_its_destination(graph, storage, tmp_path):
    """Even a tree that reached the database some other way (a tampered row) is not written outside."""
    from sqlalchemy import update

    from jupyter_prov.orm.exceptions import ValidationError
    from jupyter_prov.storage import schema

    key = graph.total.file_tree["total.txt"]
    with storage.transaction() as conn:
        conn.execute(update(schema.nodes).where(schema.nodes.c.id == graph.total.pk)
                     .values(repository_metadata={"..": {"escaped.txt": key}}))
    destination = tmp_path / "out" / "inner"
    destination.mkdir(parents=True)
    with pytest.raises(ValidationError, match="outside|leave its folder|must be relative"):
        load_node(graph.total.pk).copy_files_to(destination)
    assert not (tmp_path / "out" / "escaped.txt").exists()
    # a symlink planted in the destination does not redirect a write either
    (destination / "link").symlink_to(tmp_path)
    with storage.transaction() as conn:
        conn.execute(update(schema.nodes).where(schema.nodes.c.id == graph.total.pk)
                     .values(repository_metadata={"link": {"escaped.txt": key}}))
    with pytest.raises(ValidationError, match="outside"):
        load_node(graph.total.pk).copy_files_to(destination)
    assert not (tmp_path / "escaped.txt").exists()


# ---- malformed rows of every column -------------------------------------------------------------------
DEEP = "[" * 10_000 + "]" * 10_000
# (table, column, row selector, value, what the error says)
MALFORMED = [
    ("db_node", "attributes", "calc", "{not json", "not JSON"),
    ("db_node", "attributes", "calc", "NaN", "NaN is not JSON"),
    ("db_node", "attributes", "calc", '{"value": NaN}', "NaN is not JSON"),
    ("db_node", "attributes", "calc", '{"value": 1e400}', "NaN and infinity"),
    ("db_node", "attributes", "calc", "[1, 2]", "a JSON object expected"),
    ("db_node", "attributes", "calc", '{"s": "a\\u0000b"}', "NUL"),
    ("db_node", "attributes", "calc", '{"big": 123456789012345678901234567890}', "64-bit"),
    ("db_node", "attributes", "calc", '{"deep": ' + DEEP + "}", "nested deeper"),
    ("db_node", "attributes", "calc", 42, "JSON text expected"),
    ("db_node", "extras", "total", "{not json", "not JSON"),
    ("db_node", "extras", "total", '{"v": Infinity}', "Infinity is not JSON"),
    ("db_node", "extras", "total", '{"deep": ' + DEEP + "}", "nested deeper"),
    ("db_node", "ctime", "total", "yesterday", "an ISO 8601 time expected, got 'yesterday'"),
    ("db_node", "ctime", "total", 1700000000, "an ISO 8601 time expected"),
    ("db_node", "mtime", "total", "2026-13-45 99:00:00.000000", "not a valid time"),
    ("db_node", "label", "total", "x" * (10 * 2**20), "column label: is 10,485,760 characters long"),
    ("db_node", "label", "total", "a\x00b", "NUL"),
    ("db_node", "label", "total", b"\xff\xfe", "must be a string"),
    ("db_node", "description", "total", "a\x00b", "NUL"),
    ("db_node", "uuid", "total", "not-a-uuid", "must be a UUID"),
    ("db_node", "uuid", "total", "ABCDEF01-0000-4000-8000-000000000000", "must be a UUID"),
    ("db_node", "node_type", "total", "data.int; DROP TABLE db_node", "dotted type string"),
    ("db_node", "node_type", "total", "", "dotted type string"),
    ("db_node", "node_hash", "calc", "not-a-hash", "sha256 hex digest"),
    ("db_node", "repository_metadata", "total", "{not json", "not valid JSON"),
    ("db_node", "repository_metadata", "total", "[]", "must be an object"),
    ("db_node", "repository_metadata", "total", 5, "JSON text expected"),
    ("db_node", "repository_metadata", "total", '{"d": ' + "{\"d\": " * 10_000 + "{}" + "}" * 10_001,
     "not valid JSON|nested|deep"),
    ("db_node", "user_id", "total", "one", "must be an int"),
    ("db_link", "label", "link", "not an identifier", "invalid link label"),
    ("db_link", "label", "link", "x" * 300, "invalid link label"),
    ("db_link", "type", "link", "teleport", "unknown link type 'teleport'"),
    ("db_user", "email", "user", "no-at-sign", "not an email address"),
    ("db_user", "first_name", "user", "x" * 300, "at most 254"),
    ("db_computer", "label", "computer", "", "must not be empty"),
    ("db_computer", "uuid", "computer", "1234", "must be a UUID"),
    ("db_computer", "metadata", "computer", '{"a": NaN}', "NaN is not JSON"),
    ("db_group", "label", "group", "x" * 300, "300 characters long"),
    ("db_group", "time", "group", "last week", "ISO 8601"),
    ("db_group", "extras", "group", "{not json", "not JSON"),
    ("db_comment", "content", "comment", "a\x00b", "NUL"),
    ("db_comment", "ctime", "comment", "tomorrow", "ISO 8601"),
    ("db_log", "metadata", "log", '{"deep": ' + DEEP + "}", "nested deeper"),
    ("db_log", "levelname", "log", "L" * 80, "at most 50"),
    ("db_log", "time", "log", "noon", "ISO 8601"),
]

_WHERE = {
    "calc": ("uuid = ?", lambda g: g.calc.uuid), "total": ("uuid = ?", lambda g: g.total.uuid),
    "link": ("id = (SELECT min(id) FROM db_link)", None), "user": ("id = (SELECT min(id) FROM db_user)", None),
    "computer": ("id = (SELECT min(id) FROM db_computer)", None), "group": ("id = (SELECT min(id) FROM db_group)", None),
    "comment": ("id = (SELECT min(id) FROM db_comment)", None), "log": ("id = (SELECT min(id) FROM db_log)", None),
}


@pytest.mark.parametrize("table, column, which, value, match", MALFORMED,
                         ids=[f"{t}.{c}-{i}" for i, (t, c, *_rest) in enumerate(MALFORMED)])
def test_malformed_row_is_refused_naming_table_row_and_column(exported, resident, graph, tmp_path, table, column,
                                                              which, value, match):
    where, param = _WHERE[which]
    params = (value,) + ((param(graph),) if param else ())
    statements = [(f"UPDATE {table} SET {column} = ? WHERE {where}", params)]
    path = edit_archive(exported, tmp_path / "row.jprov", sql=statements)
    message = assert_refused_unchanged(resident, path, match, ArchiveIntegrityError)
    assert f"{table} row " in message and f"column {column}:" in message, message
    assert len(message) < 600, message


def test_text_that_is_not_utf8_is_refused_naming_its_row(exported, resident, graph, tmp_path):
    path = edit_archive(exported, tmp_path / "latin1.jprov", sql=[
        ("UPDATE db_node SET description = CAST(X'66FF6F' AS TEXT) WHERE uuid = ?", (graph.total.uuid,))])
    message = assert_refused_unchanged(resident, path, "column description: must be a string", ArchiveIntegrityError)
    assert f"db_node row uuid {graph.total.uuid}" in message


def test_times_and_json_are_stored_as_the_orm_stores_them(exported, resident, graph, tmp_path):
    """Valid but unusual text (an offset, spaces in JSON, a repeated key) is imported in the ORM's own form."""
    path = edit_archive(exported, tmp_path / "unusual.jprov", sql=[
        ("UPDATE db_node SET ctime = ?, extras = ? WHERE uuid = ?",
         ("2026-01-02T03:04:05+02:00", '{ "checked" : false, "checked": true, "n": 1.5 }', graph.total.uuid))])
    import_archive(path)
    node = load_node(graph.total.uuid)
    assert node.ctime.isoformat() == "2026-01-02T01:04:05+00:00"
    assert node.extras == {"checked": True, "n": 1.5}
    from jupyter_prov.orm import QueryBuilder
    from jupyter_prov.orm.nodes.files import File

    found = QueryBuilder().append(File, filters={"extras.checked": True}, project="uuid").all(flat=True)
    assert found == [graph.total.uuid]


def test_deep_metadata_json_is_refused(exported, resident, tmp_path):
    with zipfile.ZipFile(exported) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    text = json.dumps(metadata)[:-1] + ', "deep": ' + DEEP + "}"
    path = edit_archive(exported, tmp_path / "deepmeta.jprov", replace={"metadata.json": text})
    assert_refused_unchanged(resident, path, "metadata.json")


# ---- the AiiDA format goes through the same checks ---------------------------------------------------
def _edit_aiida(tmp_path: Path, sql: list) -> Path:
    return edit_archive(AIIDA_ARCHIVES / "tutorial.aiida", tmp_path / "hostile.aiida", sql=sql)


@pytest.mark.parametrize("sql, match", [
    ("UPDATE db_dbnode SET attributes = '{not json' WHERE id = 1", "db_node row uuid .*column attributes: not JSON"),
    ("UPDATE db_dbnode SET ctime = 'yesterday' WHERE id = 1", "column ctime: an ISO 8601 time expected"),
    (("UPDATE db_dbnode SET label = ? WHERE id = 1", ("x" * 300,)), "column label: is 300 characters long"),
    ("UPDATE db_dblink SET label = 'no spaces allowed' WHERE id = 1", "db_link row id 1, column label"),
    (f"""UPDATE db_dbnode SET repository_metadata = '{{"o": {{"../../evil": {{"k": "{KEY}"}}}}}}' WHERE id = 1""",
     "column repository_metadata: .*'\\.\\./\\.\\./evil'"),
])
def test_aiida_archive_rows_pass_the_same_checks(resident, tmp_path, sql, match):
    path = _edit_aiida(tmp_path, [sql])
    assert_refused_unchanged(resident, path, match, ArchiveIntegrityError)


def test_aiida_file_tree_with_a_repeated_name_is_refused(resident, tmp_path):
    tree = json.dumps({"o": {"a.txt": {"k": KEY}}})[:-2] + f', "a.txt": {{"k": "{"b" * 64}"}}}}}}'
    path = _edit_aiida(tmp_path, [("UPDATE db_dbnode SET repository_metadata = ? WHERE id = 1", (tree,))])
    assert_refused_unchanged(resident, path, "'a.txt' occurs twice in one folder")


def test_real_aiida_archive_still_imports(resident):
    summary = import_archive(AIIDA_ARCHIVES / "tutorial.aiida")
    assert summary.counts["nodes"] == 55


# ---- the command line ------------------------------------------------------------------------------------
def test_cli_refuses_with_one_line_and_no_traceback(exported, resident, graph, tmp_path, subprocess_env):
    path = edit_archive(exported, tmp_path / "cli.jprov", sql=[
        ("UPDATE db_node SET attributes = '{not json' WHERE uuid = ?", (graph.calc.uuid,))])
    before = snapshot(resident)
    result = subprocess.run([sys.executable, "-m", "jupyter_prov.cli", "archive", "import", str(path)],
                            check=False, capture_output=True, text=True, env=subprocess_env, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and f"db_node row uuid {graph.calc.uuid}" in errors[0], result.stderr
    assert snapshot(resident) == before


def test_broken_database_member_is_a_clear_error(exported, resident, tmp_path):
    with zipfile.ZipFile(exported) as archive:
        db = tmp_path / "db.sqlite3"
        db.write_bytes(archive.read("db.sqlite3"))
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE db_link")
    conn.commit()
    conn.close()
    path = edit_archive(exported, tmp_path / "nolinks.jprov", replace={"db.sqlite3": db.read_bytes()})
    assert_refused_unchanged(resident, path, "lacks the table 'db_link'")
