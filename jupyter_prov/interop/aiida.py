"""Interoperability with archives of aiida-core 2.x (archive format ``main_0001``).

Reading: the AiiDA database member is converted table by table into a database at our schema
(``db_dbnode`` → ``db_node`` ...), mapping node types (:data:`AIIDA_TO_JPROV`; a type with no
counterpart keeps its AiiDA type string and loads as a plain data or process node) and AiiDA's file
tree ``{"o": {name: {"k": key} | {"o": ...} | {}}}`` to ours ``{name: key | {...}}``. Link types,
groups, comments and logs map one to one. The repository members (``repo/<sha256>``) are the same in
both formats, so nothing else changes.

Writing (``create_archive(..., format="aiida")``): our archive database is converted the other way
into the tables aiida-core reads, so that aiida-core's own tools work on it:

==========================  =====================================================================
ours                        written for aiida-core as
==========================  =====================================================================
notebook cell               a ``CalculationNode`` with the cell's UUID, its ``input_calc`` and ``create``
                            links (the data provenance AiiDA's ``with_ancestors``/``with_descendants``
                            follow: the same sets as ours); if the cell called processes or returned
                            values, also a ``WorkflowNode`` (UUID derived from the cell's,
                            :func:`cell_workflow_uuid`) with the cell's inputs as ``input_work``, a
                            ``call_calc`` to the cell, the cell's ``call_*`` and ``return`` links
``Array``                   ``ArrayData`` (``array|<name>`` shapes added)
``Code``                    ``InstalledCode`` (``filepath_executable`` etc. added): ``verdi code list``
calc job                    ``CalcJobNode`` with AiiDA's option attributes added (``output_filename``
                            ``stdout`` when its retrieved folder has one, ``scheduler_stdout``...):
                            ``verdi calcjob outputcat`` and ``verdi process report`` work
process types               kept (``module:qualname``): aiida-core cannot load our classes, so
                            ``node.process_class`` and ``CalcJobNode.get_options()`` raise
                            ``ValueError`` there, as for any plugin that is not installed
==========================  =====================================================================

Our own kind is kept in the extra ``jprov_node_type`` and the attributes added for aiida-core are
named in ``jprov_added_attributes``, so reading the archive back gives exactly what was written.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import uuid as uuid_module
from pathlib import Path
from typing import Any

from ..archive.format import ArchiveFormatError, ArchiveIntegrityError

AIIDA_TO_JPROV: dict[str, str] = {
    "data.core.int.Int.": "data.int",
    "data.core.float.Float.": "data.float",
    "data.core.str.Str.": "data.str",
    "data.core.bool.Bool.": "data.bool",
    "data.core.dict.Dict.": "data.dict",
    "data.core.list.List.": "data.list",
    "data.core.singlefile.SinglefileData.": "data.file",
    "data.core.folder.FolderData.": "data.folder",
    "data.core.remote.RemoteData.": "data.remote_folder",
    "process.calculation.calcfunction.CalcFunctionNode.": "process.calculation.calcfunction",
    "process.calculation.calcjob.CalcJobNode.": "process.calculation.calcjob",
    "process.workflow.workfunction.WorkFunctionNode.": "process.workflow.workfunction",
    "process.workflow.workchain.WorkChainNode.": "process.workflow.workchain",
    "process.calculation.CalculationNode.": "process.calculation",
    "process.workflow.WorkflowNode.": "process.workflow",
}
JPROV_TO_AIIDA: dict[str, str] = {ours: theirs for theirs, ours in AIIDA_TO_JPROV.items()}
JPROV_TO_AIIDA.update({
    "data.array": "data.core.array.ArrayData.",
    "data.code": "data.core.code.installed.InstalledCode.",
    "process.cell": "process.calculation.CalculationNode.",
    "process.workflow.graph": "process.workflow.WorkflowNode.",
})
AIIDA_TABLES = ("db_dbuser", "db_dbcomputer", "db_dbnode", "db_dblink", "db_dbgroup", "db_dbgroup_dbnodes",
                "db_dbcomment", "db_dblog")


def jprov_node_type(aiida_type: str) -> str:
    """Our node type of an AiiDA one: a known counterpart, one of ours written as ``data.jprov.<ours>.Data.``
    (:func:`aiida_node_type`), else the AiiDA type string kept as is."""
    if aiida_type in AIIDA_TO_JPROV:
        return AIIDA_TO_JPROV[aiida_type]
    if aiida_type.startswith("data.jprov.") and aiida_type.endswith(".Data.") and len(aiida_type) > 17:
        return "data." + aiida_type[len("data.jprov."):-len(".Data.")]
    return aiida_type


def aiida_node_type(jprov_type: str) -> str:
    """The AiiDA node type of one of ours: a known counterpart, an AiiDA type kept as is, or a plain ``Data``."""
    if jprov_type in JPROV_TO_AIIDA:
        return JPROV_TO_AIIDA[jprov_type]
    if jprov_type.endswith("."):
        return jprov_type  # an AiiDA type string we kept
    if jprov_type.startswith("process.calculation"):
        return "process.calculation.CalculationNode."
    if jprov_type.startswith("process."):
        return "process.workflow.WorkflowNode."
    rest = jprov_type.removeprefix("data.")
    return f"data.jprov.{rest}.Data."


def tree_from_aiida(tree: Any) -> dict:
    """AiiDA's ``repository_metadata`` → our file tree."""
    if not tree:
        return {}
    if not isinstance(tree, dict):
        raise ValueError(f"repository_metadata must be an object, got {type(tree).__name__}")  # noqa: TRY004 - a bad value in an archive, not a caller's wrong type
    return _objects_from_aiida(tree.get("o", {}))


def _objects_from_aiida(objects: dict) -> dict:
    result: dict[str, Any] = {}
    for name, entry in objects.items():
        if not isinstance(entry, dict):
            raise ValueError(f"repository entry {name!r} is not an object")  # noqa: TRY004 - a bad value in an archive
        if "k" in entry:
            result[name] = entry["k"]
        else:
            result[name] = _objects_from_aiida(entry.get("o", {}))
    return result


def _no_duplicate_names(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        names = [name for name, _ in pairs]
        raise ValueError(f"the name {next(n for n in names if names.count(n) > 1)!r} occurs twice in one folder")
    return result


#: the ``repository_metadata`` of a node without files, as aiida-core writes it (20,000 of 20,000 nodes of the
#: interop benchmark's archive): answered without a JSON round trip, which was ~0.15 ms per node of the import
_NO_FILES_AIIDA = frozenset({"{}", '{"o": {}}', '{"o":{}}'})


def _tree_text_from_aiida(text: str | None) -> str:
    """AiiDA's ``repository_metadata`` text → our file tree as text (its names are checked with every row later)."""
    if not text or text in _NO_FILES_AIIDA:
        return "{}"
    tree = json.loads(text, object_pairs_hook=_no_duplicate_names) if text else {}
    return json.dumps(tree_from_aiida(tree), separators=(",", ":"), ensure_ascii=False)


def _tree_text_to_aiida(text: str | None) -> str:
    """Our file tree as text → AiiDA's ``repository_metadata`` text (a node without files: no JSON round trip)."""
    if not text or text == "{}":
        return _NO_FILES_TO_AIIDA
    return json.dumps(tree_to_aiida(json.loads(text)))


def tree_to_aiida(tree: dict) -> dict:
    """Our file tree → AiiDA's ``repository_metadata``."""
    if not tree:
        return {}
    return {"o": {name: ({"k": value} if isinstance(value, str) else tree_to_aiida(value))
                  for name, value in tree.items()}}


_NO_FILES_TO_AIIDA = json.dumps(tree_to_aiida({}))


#: our kinds written as an AiiDA type that aiida-core uses as such, marked by the extra ``jprov_node_type``
#: so that they come back as ours (cells as calculations, graphs as workflows, arrays as ``ArrayData``,
#: codes as ``InstalledCode``)
_MARKED_KINDS = ("process.cell", "process.workflow.graph", "data.array", "data.code")
#: the namespace of :func:`cell_workflow_uuid`
_CELL_WORKFLOW_NAMESPACE = uuid_module.UUID("6c1b3f0e-2a4d-5e8f-9b7a-1d2c3e4f5a6b")
#: files of a calc job's retrieved folder that aiida-core finds through an option attribute
_RETRIEVED_OPTIONS = (("stdout", "output_filename"), ("_scheduler-stdout.txt", "scheduler_stdout"),
                      ("_scheduler-stderr.txt", "scheduler_stderr"))


def cell_workflow_uuid(cell_uuid: str) -> str:
    """The UUID of the ``WorkflowNode`` written beside a cell for aiida-core (the same at every export)."""
    return str(uuid_module.uuid5(_CELL_WORKFLOW_NAMESPACE, cell_uuid))


def _added_attributes(node_type: str, values: dict, retrieved_tree: str | None) -> dict:
    """The attributes aiida-core's classes read that one of our nodes holds under other names (or not at all)."""
    added: dict[str, Any] = {}
    if node_type == "data.array":  # aiida-core's ArrayData layout; ``arrays`` (which keeps the dtypes) stays
        for name, description in (values.get("arrays", {}) or {}).items():
            added[f"array|{name}"] = description.get("shape", [])
    elif node_type == "data.code":
        added = {"filepath_executable": values.get("executable", ""), "input_plugin": None,
                 "use_double_quotes": False, "wrap_cmdline_params": False}
    elif node_type == "process.calculation.calcjob":
        options = values.get("options")
        if isinstance(options, dict):
            added.update(options)
        retrieved = json.loads(retrieved_tree) if retrieved_tree else {}
        for filename, option in _RETRIEVED_OPTIONS:
            if isinstance(retrieved, dict) and isinstance(retrieved.get(filename), str):
                added.setdefault(option, filename)
    return {key: value for key, value in added.items() if key not in values}


#: the kinds :func:`_added_attributes` adds to
_ADDING_KINDS = ("data.array", "data.code", "process.calculation.calcjob")


@functools.lru_cache(maxsize=2)
def _aiida_attributes(node_type: str, attributes: str | None,
                      retrieved_tree: str | None) -> tuple[str, tuple[str, ...]]:
    """Attributes as aiida-core reads them (ours with :func:`_added_attributes`) and the names added.

    Asked for twice per row, by the attributes and the extras column of the same ``INSERT``: cached, so
    the attributes are parsed once."""
    if node_type not in _ADDING_KINDS or not attributes:
        return attributes or "{}", ()
    values = json.loads(attributes)
    added = _added_attributes(node_type, values, retrieved_tree)
    if not added:
        return attributes, ()
    return json.dumps({**values, **added}), tuple(sorted(added))


def _attributes_to_aiida(node_type: str, attributes: str | None, retrieved_tree: str | None = None) -> str:
    return _aiida_attributes(node_type, attributes, retrieved_tree)[0]


def _drop_added_attributes(attributes: str | None, names: str | None) -> str:
    """Attributes read back from an AiiDA archive without those we added for aiida-core (``names``: JSON list)."""
    values = json.loads(attributes) if attributes else {}
    dropped = json.loads(names) if names else []
    if not isinstance(values, dict) or not isinstance(dropped, list):
        return attributes or "{}"
    return json.dumps({key: value for key, value in values.items() if key not in dropped})


def _attributes_from_aiida(attributes: str | None) -> str:
    """The attributes of one of our arrays back from an AiiDA archive: without the ``array|`` shapes added for it."""
    values = json.loads(attributes) if attributes else {}
    return json.dumps({key: value for key, value in values.items() if not key.startswith("array|")})


def _extras_from_aiida(extras: str | None) -> str:
    """A node's extras without aiida-core's own ``_aiida_*`` keys (``_aiida_hash``: its caching hash, computed
    by rules we do not share; a profile hashes its nodes itself)."""
    if not extras or '"_aiida_' not in extras:
        return extras or "{}"
    values = json.loads(extras)
    if not isinstance(values, dict):
        return extras  # not an object: the row checks refuse it with its name
    return json.dumps({key: value for key, value in values.items() if not key.startswith("_aiida_")})


def drop_aiida_extras(database: Path) -> int:
    """Remove aiida-core's ``_aiida_*`` extras from a converted AiiDA database (``archive migrate``; the import
    drops them as it writes). Reading an AiiDA archive in place keeps them: there it shows the archive as it is.
    Returns the number of nodes changed."""
    conn = sqlite3.connect(database)
    try:
        conn.create_function("jp_extras", 1, _sql_function(_extras_from_aiida), deterministic=True)
        with conn:
            return conn.execute("""UPDATE db_node SET extras = jp_extras(extras)
                                   WHERE instr(extras, '"_aiida_') > 0""").rowcount
    finally:
        conn.close()


def _sql_function(function, errors: list[str] | None = None):
    """A Python function registered in SQLite: errors become SQL errors that name the value.

    SQLite reports only "user-defined function raised exception"; the message is kept in ``errors``.
    """
    def call(*args):
        try:
            return function(*args)
        except (ValueError, TypeError, RecursionError) as exc:  # json.JSONDecodeError is a ValueError
            message = f"{'nested too deep' if isinstance(exc, RecursionError) else exc} in value {str(args)[:200]}"
            if errors is not None:
                errors.append(message)
            raise sqlite3.DataError(message) from None
    return call


def convert_aiida_database(source: Path, target: Path, archive_path: Path | str) -> None:
    """Write the AiiDA archive database ``source`` as a database at our schema in ``target``."""
    from ..archive.database import create_archive_database, finish_archive_database

    check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        present = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise ArchiveFormatError(f"archive {archive_path}: db.sqlite3 is not readable ({exc})") from None
    finally:
        check.close()
    missing = [name for name in AIIDA_TABLES if name not in present]
    if missing:
        raise ArchiveFormatError(f"archive {archive_path}: the AiiDA database lacks the tables {', '.join(missing)}")
    finish_archive_database(create_archive_database(target))
    conn = sqlite3.connect(target, isolation_level=None)
    errors: list[str] = []
    conn.create_function("jp_type", 1, _sql_function(jprov_node_type, errors), deterministic=True)
    conn.create_function("jp_tree", 1, _sql_function(_tree_text_from_aiida, errors), deterministic=True)
    conn.create_function("jp_array_attributes", 1, _sql_function(_attributes_from_aiida, errors), deterministic=True)
    conn.create_function("jp_drop_added", 2, _sql_function(_drop_added_attributes, errors), deterministic=True)
    try:
        conn.execute("ATTACH DATABASE ? AS a", (str(source),))
        conn.executescript("""
            BEGIN;
            INSERT INTO db_user (id, email, first_name, last_name, institution)
                SELECT id, email, first_name, last_name, institution FROM a.db_dbuser;
            INSERT INTO db_computer (id, uuid, label, hostname, description, scheduler_type, transport_type, metadata)
                SELECT id, uuid, label, hostname, description, scheduler_type, transport_type, coalesce(metadata, '{}')
                FROM a.db_dbcomputer;
            INSERT INTO db_node (id, uuid, node_type, process_type, label, description, ctime, mtime, user_id,
                                 computer_id, attributes, extras, repository_metadata, node_hash)
                SELECT id, uuid, jp_type(node_type), process_type, label, description, ctime, mtime, user_id,
                       dbcomputer_id, coalesce(attributes, '{}'), coalesce(extras, '{}'), jp_tree(repository_metadata), NULL
                FROM a.db_dbnode;
            INSERT INTO db_link (id, input_id, output_id, label, type)
                SELECT id, input_id, output_id, label, type FROM a.db_dblink;
            INSERT INTO db_group (id, uuid, label, type_string, time, description, extras, user_id)
                SELECT id, uuid, label, type_string, time, description, coalesce(extras, '{}'), user_id FROM a.db_dbgroup;
            INSERT INTO db_group_node (id, group_id, node_id)
                SELECT id, dbgroup_id, dbnode_id FROM a.db_dbgroup_dbnodes;
            INSERT INTO db_comment (id, uuid, node_id, ctime, mtime, user_id, content)
                SELECT id, uuid, dbnode_id, ctime, mtime, user_id, content FROM a.db_dbcomment;
            INSERT INTO db_log (id, uuid, time, loggername, levelname, node_id, message, metadata)
                SELECT id, uuid, time, loggername, levelname, dbnode_id, message, coalesce(metadata, '{}') FROM a.db_dblog;
            -- the workflow part written beside a cell (write_aiida_database) goes back into the cell
            CREATE TEMP TABLE cell_wf AS
                SELECT w.id AS wf_id, c.id AS cell_id FROM db_node AS w
                JOIN db_node AS c ON c.uuid = json_extract(w.extras, '$.jprov_cell_workflow_of')
                WHERE w.node_type = 'process.workflow' AND json_type(w.extras, '$.jprov_cell_workflow_of') = 'text'
                  AND c.node_type = 'process.calculation'
                  AND json_extract(c.extras, '$.jprov_node_type') = 'process.cell';
            DELETE FROM db_link WHERE output_id IN (SELECT wf_id FROM cell_wf);
            DELETE FROM db_link WHERE type = 'call_calc' AND output_id IN (SELECT cell_id FROM cell_wf)
                AND input_id IN (SELECT wf_id FROM cell_wf);
            UPDATE db_link SET input_id = (SELECT cell_id FROM cell_wf WHERE wf_id = db_link.input_id)
                WHERE input_id IN (SELECT wf_id FROM cell_wf);
            UPDATE db_comment SET node_id = (SELECT cell_id FROM cell_wf WHERE wf_id = db_comment.node_id)
                WHERE node_id IN (SELECT wf_id FROM cell_wf);
            UPDATE db_log SET node_id = (SELECT cell_id FROM cell_wf WHERE wf_id = db_log.node_id)
                WHERE node_id IN (SELECT wf_id FROM cell_wf);
            DELETE FROM db_group_node WHERE node_id IN (SELECT wf_id FROM cell_wf);
            DELETE FROM db_node WHERE id IN (SELECT wf_id FROM cell_wf);
            DROP TABLE cell_wf;
            -- our own node kinds written as AiiDA types come back as they were (see write_aiida_database);
            -- cells written as workflows (before cells were calculations) too
            CREATE TEMP TABLE jprov_kinds AS
                SELECT id, json_extract(extras, '$.jprov_node_type') AS kind,
                       coalesce(json_extract(extras, '$.jprov_create_labels'), '[]') AS create_labels
                FROM db_node WHERE (node_type = 'process.workflow'
                  AND json_extract(extras, '$.jprov_node_type') IN ('process.cell', 'process.workflow.graph'))
                  OR (node_type = 'process.calculation' AND json_extract(extras, '$.jprov_node_type') = 'process.cell')
                  OR (node_type = 'data.core.code.installed.InstalledCode.'
                      AND json_extract(extras, '$.jprov_node_type') = 'data.code')
                  OR (node_type = 'data.core.array.ArrayData.' AND json_extract(extras, '$.jprov_node_type') = 'data.array'
                      AND json_type(attributes, '$.arrays') = 'object');
            UPDATE db_link SET type = 'input_calc' WHERE type = 'input_work'
                AND output_id IN (SELECT id FROM jprov_kinds WHERE kind = 'process.cell');
            UPDATE db_link SET type = 'create' WHERE type = 'return' AND EXISTS (
                SELECT 1 FROM jprov_kinds AS k, json_each(k.create_labels) AS c
                WHERE k.id = db_link.input_id AND k.kind = 'process.cell' AND c.value = db_link.label);
            UPDATE db_node SET attributes = jp_array_attributes(attributes)
                WHERE id IN (SELECT id FROM jprov_kinds WHERE kind = 'data.array');
            UPDATE db_node SET node_type = (SELECT kind FROM jprov_kinds WHERE jprov_kinds.id = db_node.id),
                extras = json_remove(extras, '$.jprov_node_type', '$.jprov_create_labels')
                WHERE id IN (SELECT id FROM jprov_kinds);
            DROP TABLE jprov_kinds;
            UPDATE db_node SET attributes = jp_drop_added(attributes, json_extract(extras, '$.jprov_added_attributes')),
                extras = json_remove(extras, '$.jprov_added_attributes')
                WHERE json_type(extras, '$.jprov_added_attributes') = 'array';
            COMMIT;
        """)
    except sqlite3.IntegrityError as exc:
        raise ArchiveIntegrityError(
            f"archive {archive_path}: its rows break a rule of the provenance graph or of uniqueness ({exc}); "
            "for example a datum with two creators or a process with two callers") from None
    except sqlite3.DatabaseError as exc:
        raise ArchiveFormatError(f"archive {archive_path}: its AiiDA database cannot be read "
                                 f"({errors[0] if errors else exc})") from None
    finally:
        conn.close()


# ---- writing ------------------------------------------------------------------------------------
_AIIDA_SCHEMA = """
CREATE TABLE db_dbuser (
    id INTEGER NOT NULL PRIMARY KEY, email VARCHAR(254) NOT NULL, first_name VARCHAR(254) NOT NULL,
    last_name VARCHAR(254) NOT NULL, institution VARCHAR(254) NOT NULL,
    CONSTRAINT uq_db_dbuser_email UNIQUE (email));
CREATE TABLE db_dbcomputer (
    id INTEGER NOT NULL PRIMARY KEY, uuid VARCHAR(32) NOT NULL, label VARCHAR(255) NOT NULL,
    hostname VARCHAR(255) NOT NULL, description TEXT NOT NULL, scheduler_type VARCHAR(255) NOT NULL,
    transport_type VARCHAR(255) NOT NULL, metadata JSON NOT NULL,
    CONSTRAINT uq_db_dbcomputer_uuid UNIQUE (uuid), CONSTRAINT uq_db_dbcomputer_label UNIQUE (label));
CREATE TABLE db_dbauthinfo (
    id INTEGER NOT NULL PRIMARY KEY,
    aiidauser_id INTEGER NOT NULL REFERENCES db_dbuser (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    dbcomputer_id INTEGER NOT NULL REFERENCES db_dbcomputer (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    metadata JSON NOT NULL, auth_params JSON NOT NULL, enabled BOOLEAN NOT NULL,
    CONSTRAINT uq_db_dbauthinfo_aiidauser_id_dbcomputer_id UNIQUE (aiidauser_id, dbcomputer_id));
CREATE TABLE db_dbnode (
    id INTEGER NOT NULL PRIMARY KEY, uuid VARCHAR(32) NOT NULL, node_type VARCHAR(255) NOT NULL,
    process_type VARCHAR(255), label VARCHAR(255) NOT NULL, description TEXT NOT NULL,
    ctime DATETIME NOT NULL, mtime DATETIME NOT NULL, attributes JSON, extras JSON,
    repository_metadata JSON NOT NULL,
    dbcomputer_id INTEGER REFERENCES db_dbcomputer (id) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED,
    user_id INTEGER NOT NULL REFERENCES db_dbuser (id) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT uq_db_dbnode_uuid UNIQUE (uuid));
CREATE TABLE db_dblink (
    id INTEGER NOT NULL PRIMARY KEY,
    input_id INTEGER NOT NULL REFERENCES db_dbnode (id) DEFERRABLE INITIALLY DEFERRED,
    output_id INTEGER NOT NULL REFERENCES db_dbnode (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    label VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL);
CREATE TABLE db_dbgroup (
    id INTEGER NOT NULL PRIMARY KEY, uuid VARCHAR(32) NOT NULL, label VARCHAR(255) NOT NULL,
    type_string VARCHAR(255) NOT NULL, time DATETIME NOT NULL, description TEXT NOT NULL, extras JSON NOT NULL,
    user_id INTEGER NOT NULL REFERENCES db_dbuser (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT uq_db_dbgroup_uuid UNIQUE (uuid), CONSTRAINT uq_db_dbgroup_label_type_string UNIQUE (label, type_string));
CREATE TABLE db_dbgroup_dbnodes (
    id INTEGER NOT NULL PRIMARY KEY,
    dbnode_id INTEGER NOT NULL REFERENCES db_dbnode (id) DEFERRABLE INITIALLY DEFERRED,
    dbgroup_id INTEGER NOT NULL REFERENCES db_dbgroup (id) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT uq_db_dbgroup_dbnodes_dbgroup_id_dbnode_id UNIQUE (dbgroup_id, dbnode_id));
CREATE TABLE db_dbcomment (
    id INTEGER NOT NULL PRIMARY KEY, uuid VARCHAR(32) NOT NULL,
    dbnode_id INTEGER NOT NULL REFERENCES db_dbnode (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    ctime DATETIME NOT NULL, mtime DATETIME NOT NULL,
    user_id INTEGER NOT NULL REFERENCES db_dbuser (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    content TEXT NOT NULL, CONSTRAINT uq_db_dbcomment_uuid UNIQUE (uuid));
CREATE TABLE db_dblog (
    id INTEGER NOT NULL PRIMARY KEY, uuid VARCHAR(32) NOT NULL, time DATETIME NOT NULL,
    loggername VARCHAR(255) NOT NULL, levelname VARCHAR(50) NOT NULL,
    dbnode_id INTEGER NOT NULL REFERENCES db_dbnode (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    message TEXT NOT NULL, metadata JSON NOT NULL, CONSTRAINT uq_db_dblog_uuid UNIQUE (uuid));
CREATE TABLE db_dbsetting (
    id INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(1024) NOT NULL, val JSON, description TEXT NOT NULL,
    time DATETIME NOT NULL, CONSTRAINT uq_db_dbsetting_key UNIQUE ("key"));
"""
_AIIDA_INDEXES = """
CREATE INDEX ix_db_dbnode_db_dbnode_node_type ON db_dbnode (node_type);
CREATE INDEX ix_db_dbnode_db_dbnode_process_type ON db_dbnode (process_type);
CREATE INDEX ix_db_dbnode_db_dbnode_label ON db_dbnode (label);
CREATE INDEX ix_db_dbnode_db_dbnode_ctime ON db_dbnode (ctime);
CREATE INDEX ix_db_dbnode_db_dbnode_mtime ON db_dbnode (mtime);
CREATE INDEX ix_db_dbnode_db_dbnode_user_id ON db_dbnode (user_id);
CREATE INDEX ix_db_dbnode_db_dbnode_dbcomputer_id ON db_dbnode (dbcomputer_id);
CREATE INDEX ix_db_dblink_db_dblink_input_id ON db_dblink (input_id);
CREATE INDEX ix_db_dblink_db_dblink_output_id ON db_dblink (output_id);
CREATE INDEX ix_db_dblink_db_dblink_type ON db_dblink (type);
CREATE INDEX ix_db_dblink_db_dblink_label ON db_dblink (label);
CREATE INDEX ix_db_dbgroup_db_dbgroup_label ON db_dbgroup (label);
CREATE INDEX ix_db_dbgroup_db_dbgroup_type_string ON db_dbgroup (type_string);
CREATE INDEX ix_db_dbgroup_db_dbgroup_user_id ON db_dbgroup (user_id);
CREATE INDEX ix_db_dbgroup_dbnodes_db_dbgroup_dbnodes_dbgroup_id ON db_dbgroup_dbnodes (dbgroup_id);
CREATE INDEX ix_db_dbgroup_dbnodes_db_dbgroup_dbnodes_dbnode_id ON db_dbgroup_dbnodes (dbnode_id);
CREATE INDEX ix_db_dbcomment_db_dbcomment_dbnode_id ON db_dbcomment (dbnode_id);
CREATE INDEX ix_db_dbcomment_db_dbcomment_user_id ON db_dbcomment (user_id);
CREATE INDEX ix_db_dblog_db_dblog_dbnode_id ON db_dblog (dbnode_id);
CREATE INDEX ix_db_dblog_db_dblog_levelname ON db_dblog (levelname);
CREATE INDEX ix_db_dblog_db_dblog_loggername ON db_dblog (loggername);
"""


def _extras_to_aiida(node_type: str, extras: str | None, attributes: str | None, retrieved_tree: str | None) -> str:
    marked = node_type in _MARKED_KINDS
    added = list(_aiida_attributes(node_type, attributes, retrieved_tree)[1])
    if not marked and not added:
        return extras or "{}"
    values = json.loads(extras) if extras else {}
    if marked:
        values["jprov_node_type"] = node_type
    if added:
        values["jprov_added_attributes"] = added
    return json.dumps(values)


def write_aiida_database(source: Path, target: Path) -> None:
    """Convert our archive database ``source`` into the tables aiida-core's archive reader expects."""
    conn = sqlite3.connect(target, isolation_level=None)
    conn.create_function("ai_type", 1, _sql_function(aiida_node_type), deterministic=True)
    conn.create_function("ai_tree", 1, _sql_function(_tree_text_to_aiida), deterministic=True)
    conn.create_function("ai_attributes", 3, _sql_function(_attributes_to_aiida), deterministic=True)
    conn.create_function("ai_extras", 4, _sql_function(_extras_to_aiida), deterministic=True)
    conn.create_function("ai_cell_workflow_uuid", 1, _sql_function(cell_workflow_uuid), deterministic=True)
    try:
        conn.executescript(_AIIDA_SCHEMA)
        conn.execute("ATTACH DATABASE ? AS j", (str(source),))
        conn.executescript("""
            BEGIN;
            INSERT INTO db_dbuser SELECT id, email, first_name, last_name, institution FROM j.db_user;
            INSERT INTO db_dbcomputer SELECT id, uuid, label, hostname, description, scheduler_type, transport_type,
                metadata FROM j.db_computer;
            INSERT INTO db_dbnode (id, uuid, node_type, process_type, label, description, ctime, mtime, attributes,
                                   extras, repository_metadata, dbcomputer_id, user_id)
                SELECT id, uuid, ai_type(node_type), process_type, label, description, ctime, mtime,
                       ai_attributes(node_type, attributes, r.tree), ai_extras(node_type, extras, attributes, r.tree),
                       ai_tree(repository_metadata), computer_id, user_id
                FROM j.db_node AS n LEFT JOIN (
                    SELECT l.input_id AS calc_id, o.repository_metadata AS tree FROM j.db_link AS l
                    JOIN j.db_node AS o ON o.id = l.output_id WHERE l.type = 'create' AND l.label = 'retrieved'
                ) AS r ON r.calc_id = n.id AND n.node_type = 'process.calculation.calcjob';
            INSERT INTO db_dblink SELECT id, input_id, output_id, label, type FROM j.db_link;
            -- a cell is a calculation for aiida-core; what it did as a workflow (called processes, returned
            -- values) is a WorkflowNode beside it, which calls the cell
            CREATE TEMP TABLE cell_parts AS
                SELECT n.id AS cell_id, n.uuid AS cell_uuid,
                       (SELECT coalesce(max(id), 0) FROM j.db_node) + row_number() OVER (ORDER BY n.id) AS wf_id
                FROM j.db_node AS n WHERE n.node_type = 'process.cell' AND EXISTS (
                    SELECT 1 FROM j.db_link AS l WHERE l.input_id = n.id AND l.type IN ('call_calc', 'call_work', 'return'));
            INSERT INTO db_dbnode (id, uuid, node_type, process_type, label, description, ctime, mtime, attributes,
                                   extras, repository_metadata, dbcomputer_id, user_id)
                SELECT p.wf_id, ai_cell_workflow_uuid(p.cell_uuid), 'process.workflow.WorkflowNode.', NULL, c.label,
                       'what notebook cell ' || p.cell_uuid || ' did as a workflow: the processes it called, the values it returned',
                       c.ctime, c.mtime,
                       json_object('process_label', 'CellWorkflow',
                                   'process_state', json_extract(c.attributes, '$.process_state'),
                                   'exit_status', json_extract(c.attributes, '$.exit_status'), 'sealed', json('true')),
                       json_object('jprov_cell_workflow_of', p.cell_uuid), '{}', NULL, c.user_id
                FROM cell_parts AS p JOIN j.db_node AS c ON c.id = p.cell_id;
            UPDATE db_dblink SET input_id = (SELECT wf_id FROM cell_parts WHERE cell_id = db_dblink.input_id)
                WHERE type IN ('call_calc', 'call_work', 'return') AND input_id IN (SELECT cell_id FROM cell_parts);
            INSERT INTO db_dblink (input_id, output_id, label, type)
                SELECT l.input_id, p.wf_id, l.label, 'input_work' FROM j.db_link AS l
                JOIN cell_parts AS p ON p.cell_id = l.output_id WHERE l.type = 'input_calc' ORDER BY l.id;
            INSERT INTO db_dblink (input_id, output_id, label, type)
                SELECT wf_id, cell_id, 'CALL', 'call_calc' FROM cell_parts ORDER BY cell_id;
            DROP TABLE cell_parts;
            INSERT INTO db_dbgroup SELECT id, uuid, label, type_string, time, description, extras, user_id FROM j.db_group;
            INSERT INTO db_dbgroup_dbnodes (id, dbnode_id, dbgroup_id) SELECT id, node_id, group_id FROM j.db_group_node;
            INSERT INTO db_dbcomment SELECT id, uuid, node_id, ctime, mtime, user_id, content FROM j.db_comment;
            INSERT INTO db_dblog SELECT id, uuid, time, loggername, levelname, node_id, message, metadata FROM j.db_log;
            COMMIT;
        """)
        conn.execute("DETACH DATABASE j")
        conn.executescript(_AIIDA_INDEXES)
    finally:
        conn.close()


def aiida_metadata(our_metadata: dict[str, Any]) -> dict[str, Any]:
    """``metadata.json`` of an AiiDA archive written from ours."""
    parameters = our_metadata.get("creation_parameters", {})
    return {
        "export_version": "main_0001",
        # aiida-core writes its own version here; this file was written by jupyter-prov (aiida-core 2.x reads
        # the field as text and only shows it: `verdi archive info`)
        "aiida_version": f"jupyter-prov {our_metadata.get('jprov_version') or 'unknown'} (not aiida-core)",
        "key_format": "sha256",
        "compression": our_metadata.get("compression", 6),
        "ctime": our_metadata.get("ctime"),
        "creation_parameters": {
            "entities_starting_set": parameters.get("entities_starting_set"),
            "include_authinfos": False,
            "include_comments": parameters.get("include_comments", True),
            "include_logs": parameters.get("include_logs", True),
            "graph_traversal_rules": parameters.get("graph_traversal_rules", {}),
        },
        "written_by": {"jupyter_prov": our_metadata.get("jprov_version")},
    }
