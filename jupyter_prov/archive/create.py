"""Export: a provenance-complete part of a profile (or all of it) into one archive file.

The primary keys to export are gathered with the export traversal rules
(:data:`jupyter_prov.orm.traverse.EXPORT_RULES`: a node comes with its inputs and creator, a workflow
with its call tree, ...). Rows are then streamed in batches into a fresh SQLite database at the main
store's schema (primary keys kept, so links need no mapping), the file bytes are streamed from the
repository into the zip, and ``metadata.json`` (counts, users, computers, node types) is written first
so that inspecting an archive never opens the database. Process checkpoints are stripped and
authentication information is never exported.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..orm import current
from ..orm.traverse import EXPORT_RULES, traverse_graph
from ..records.archive_io import records_member
from ..storage import archive_db
from ..storage.archive_db import create_database, finish_database
from ..storage.file_tree import iter_keys
from .format import FORMAT_NAME, FORMAT_VERSION, KEY_FORMAT, ArchiveError, ArchiveSummary
from .progress import phase
from .writer import write_archive_zip

CHECKPOINT_ATTRIBUTE = "checkpoint"
_IN_CHUNK = 5000


def jprov_version() -> str:
    try:
        return version("jupyter-prov")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


def _node_pks(nodes: Iterable[Any], storage) -> list[int]:
    from ..orm.nodes.node import Node, load_node

    pks = []
    for item in nodes:
        if isinstance(item, Node):
            if not item.is_stored:
                raise ArchiveError(f"cannot export {item!r}: it is not stored")
            pks.append(item.stored_pk)
        elif isinstance(item, int) and not isinstance(item, bool):
            pks.append(item)
        elif isinstance(item, str):
            pks.append(load_node(item, storage=storage).stored_pk)
        else:
            raise ArchiveError(f"cannot export {item!r}: give nodes, pks or UUIDs")
    return pks


def _group_pks(groups: Iterable[Any], storage) -> list[int]:
    from ..orm.groups import Group

    pks = []
    for item in groups:
        if isinstance(item, Group):
            pks.append(item.stored_pk)
        elif isinstance(item, (int, str)) and not isinstance(item, bool):
            pks.append(Group.load(item).stored_pk)
        else:
            raise ArchiveError(f"cannot export group {item!r}: give groups, labels, pks or UUIDs")
    return pks


def _streams(repository, keys: list[str], chunk: int = 5000) -> Iterator:
    """The repository's streams of ``keys``, asked for in chunks so the object store's bookkeeping stays small."""
    for offset in range(0, len(keys), chunk):
        yield from repository.iter_streams(keys[offset:offset + chunk])


class _Selection:
    """What to export: all of a table, or the rows whose key is in a sorted list of pks."""

    def __init__(self, pks: list[int] | None):
        self.all = pks is None
        self.pks = pks or []
        self.lookup: set[int] = set(pks or ())

    def __contains__(self, pk: int) -> bool:
        return self.all or pk in self.lookup

    def __len__(self) -> int:
        return len(self.pks)

    @property
    def listed(self) -> list[int] | None:
        """The sorted pks, or ``None`` for all of a table (what :mod:`...storage.archive_db` reads take)."""
        return None if self.all else self.pks


def create_archive(filename: str | Path | None, *, nodes: Iterable[Any] | None = None,
                   groups: Iterable[Any] | None = None, all: bool = False, batch_size: int = 1000,
                   compression: int = 6, include_comments: bool = True, include_logs: bool = True,
                   test_run: bool = False, format: str = "jprov", overwrite: bool = False,
                   storage=None, show_progress: bool = False, **traversal_toggles: bool) -> ArchiveSummary:
    """Export nodes (with what provenance requires), groups, or everything into the archive ``filename``.

    ``nodes``: nodes, pks or UUIDs; ``groups``: groups, labels or pks (their members are exported);
    ``all``: the whole profile. ``traversal_toggles`` switch the toggleable export rules
    (``input_calc_forward``, ``create_backward``, ``return_backward``, ``input_work_forward``,
    ``call_calc_backward``, ``call_work_backward``). ``format="aiida"`` writes an archive aiida-core 2.x imports.
    ``test_run`` gathers and counts, writes nothing. Returns the counts of what was (or would be) exported.
    """
    if format not in (FORMAT_NAME, "aiida"):
        raise ArchiveError(f"unknown archive format {format!r}: use 'jprov' or 'aiida'")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ArchiveError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(compression, int) or not 0 <= compression <= 9:
        raise ArchiveError(f"compression must be an integer from 0 (none) to 9, got {compression!r}")
    storage = storage or current.get_storage()
    rules = EXPORT_RULES.with_toggles(**traversal_toggles)
    if filename is None:
        filename = Path(f"export-{datetime.now().strftime('%Y%m%d-%H%M%S')}.aiida" if format == "aiida"
                        else f"export-{datetime.now().strftime('%Y%m%d-%H%M%S')}.jprov")
    filename = Path(filename)
    if not test_run and filename.exists() and not overwrite:
        raise ArchiveError(f"archive {filename} exists already; choose another name or overwrite=True")

    # ---- gather ---------------------------------------------------------------------------------
    group_pks = _group_pks(groups or [], storage)
    start = _node_pks(nodes or [], storage)
    if all:
        node_selection = _Selection(None)
        group_pks = archive_db.group_ids(storage)
    else:
        if not start and not group_pks:
            raise ArchiveError("nothing to export: give nodes, groups, or all=True")
        if group_pks:
            start += archive_db.group_member_ids(storage, group_pks, _IN_CHUNK)
        with phase("gathering nodes", None, show=show_progress) as advance:
            reached = traverse_graph(start, rules=rules, storage=storage, get_links=False).nodes if start else set()
            advance(len(reached))
        node_selection = _Selection(sorted(reached))
    group_selection = _Selection(sorted(set(group_pks)))
    parameters = {
        "entities_starting_set": None if all else {"node": sorted(start), "group": sorted(set(group_pks))},
        "include_authinfos": False, "include_comments": include_comments, "include_logs": include_logs,
        "graph_traversal_rules": dict(rules),
    }

    with tempfile.TemporaryDirectory(prefix="jprov-export-") as temp:
        database = Path(temp) / "db.sqlite3"
        write = _write_database_sqlite if storage.dialect == "sqlite" else _write_database
        exported = write(storage, database, node_selection, group_selection, batch_size=batch_size,
                         include_comments=include_comments, include_logs=include_logs, show_progress=show_progress)
        counts = exported["counts"]
        if test_run:
            return ArchiveSummary(str(filename), counts, test_run=True,
                                  details={"node_types": exported["node_types"]})
        metadata = {
            "format": FORMAT_NAME,
            "export_version": FORMAT_VERSION,
            "jprov_version": jprov_version(),
            "db_schema_revision": exported["revision"],
            "key_format": KEY_FORMAT,
            "compression": compression,
            "ctime": datetime.now(timezone.utc).isoformat(),
            "creation_parameters": parameters,
            "counts": counts,
            "node_types": exported["node_types"],
            "link_types": exported["link_types"],
            "users": exported["users"],
            "computers": exported["computers"],
        }
        member = database
        if format == "aiida":
            from ..interop.aiida import aiida_metadata, write_aiida_database

            member = Path(temp) / "aiida.sqlite3"
            write_aiida_database(database, member)
            metadata = aiida_metadata(metadata)
        keys = exported["keys"]
        members = records_member(storage, None if node_selection.all else node_selection.pks) if format == FORMAT_NAME else {}
        write_archive_zip(filename, metadata, member, _streams(storage.repository, keys), len(keys),
                          compression=compression, show_progress=show_progress, extra_members=members)
    return ArchiveSummary(str(filename), counts, details={"node_types": exported["node_types"], "format": format})


def _write_database_sqlite(storage, database: Path, nodes: _Selection, groups: _Selection, *, batch_size: int,
                           include_comments: bool, include_logs: bool, show_progress: bool) -> dict[str, Any]:
    """The same as :func:`_write_database` for an SQLite profile, done inside SQLite: the profile's
    database is attached to the archive's and rows are copied with ``INSERT ... SELECT`` (JSON and
    timestamps stay the text they are; checkpoints are removed with ``json_remove``)."""
    import sqlite3

    from ..storage.migrations import head_revision

    finish_database(create_database(database))
    source = storage.engine.url.database
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("ATTACH DATABASE ? AS src", (source,))
        conn.execute("CREATE TEMP TABLE export_nodes (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TEMP TABLE export_groups (id INTEGER PRIMARY KEY)")
        conn.execute("BEGIN")
        if nodes.all:
            conn.execute("INSERT INTO export_nodes SELECT id FROM src.db_node")
        else:
            conn.executemany("INSERT INTO export_nodes VALUES (?)", ((pk,) for pk in nodes.pks))
        conn.executemany("INSERT INTO export_groups VALUES (?)", ((pk,) for pk in groups.pks))
        node_columns = archive_db.node_columns()
        columns = ", ".join(f'"{name}"' for name in node_columns)
        selected = ", ".join(
            "CASE WHEN node_type LIKE 'process%' AND json_type(attributes, '$.checkpoint') IS NOT NULL "
            "THEN json_remove(attributes, '$.checkpoint') ELSE attributes END" if name == "attributes" else f'"{name}"'
            for name in node_columns)
        with phase("exporting rows", None, show=show_progress):
            conn.execute(f"INSERT INTO db_node ({columns}) SELECT {selected} FROM src.db_node "
                         "WHERE id IN (SELECT id FROM export_nodes) ORDER BY id")
            conn.execute("INSERT INTO db_link SELECT * FROM src.db_link WHERE input_id IN (SELECT id FROM export_nodes) "
                         "AND output_id IN (SELECT id FROM export_nodes) ORDER BY id")
            conn.execute("INSERT INTO db_group SELECT * FROM src.db_group WHERE id IN (SELECT id FROM export_groups)")
            conn.execute("INSERT INTO db_group_node SELECT * FROM src.db_group_node WHERE group_id IN "
                         "(SELECT id FROM export_groups) AND node_id IN (SELECT id FROM export_nodes)")
            if include_comments:
                conn.execute("INSERT INTO db_comment SELECT * FROM src.db_comment "
                             "WHERE node_id IN (SELECT id FROM export_nodes)")
            if include_logs:
                conn.execute("INSERT INTO db_log SELECT * FROM src.db_log WHERE node_id IN (SELECT id FROM export_nodes)")
            conn.execute("INSERT INTO db_user SELECT * FROM src.db_user WHERE id IN (SELECT user_id FROM db_node "
                         "UNION SELECT user_id FROM db_group UNION SELECT user_id FROM db_comment)")
            conn.execute("INSERT INTO db_computer SELECT * FROM src.db_computer WHERE id IN "
                         "(SELECT computer_id FROM db_node WHERE computer_id IS NOT NULL)")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
        def count(table: str) -> int:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        counts = {"nodes": count("db_node"), "links": count("db_link"), "groups": count("db_group"),
                  "group_nodes": count("db_group_node"), "comments": count("db_comment"), "logs": count("db_log"),
                  "users": count("db_user"), "computers": count("db_computer")}
        keys = [row[0] for row in conn.execute(
            "SELECT DISTINCT j.value FROM db_node, json_tree(db_node.repository_metadata) AS j "
            "WHERE db_node.repository_metadata != '{}' AND j.type = 'text' ORDER BY 1")]
        counts["files"] = len(keys)
        node_types = dict(conn.execute("SELECT node_type, count(*) FROM db_node GROUP BY 1 ORDER BY 1").fetchall())
        link_types = dict(conn.execute("SELECT type, count(*) FROM db_link GROUP BY 1 ORDER BY 1").fetchall())
        users = [row[0] for row in conn.execute("SELECT email FROM db_user ORDER BY id")]
        computers = [{"label": label, "hostname": hostname, "uuid": uuid} for label, hostname, uuid in
                     conn.execute("SELECT label, hostname, uuid FROM db_computer ORDER BY id")]
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    return {"counts": counts, "node_types": node_types, "link_types": link_types, "users": users,
            "computers": computers, "keys": keys, "revision": head_revision()}


def _write_database(storage, database: Path, nodes: _Selection, groups: _Selection, *, batch_size: int,
                    include_comments: bool, include_logs: bool, show_progress: bool) -> dict[str, Any]:
    """Stream the selected rows of ``storage`` into a new archive database; returns counts and summaries."""
    from ..storage.migrations import head_revision

    archive = create_database(database)
    node_types: Counter = Counter()
    link_types: Counter = Counter()
    user_ids: set[int] = set()
    computer_ids: set[int] = set()
    keys: set[str] = set()
    counts: dict[str, int] = {}
    try:
        with storage.connection() as source, archive.transaction() as target:
            archive_db.defer_foreign_keys(target)
            n = 0
            names = archive_db.node_columns()
            at = {name: i for i, name in enumerate(names)}
            with phase("exporting nodes", None if nodes.all else len(nodes), show=show_progress) as advance, \
                    archive_db.node_tuple_writer(target) as write_nodes:
                for batch in archive_db.text_rows(source, "db_node", nodes.listed, batch_size):
                    for i, node_row in enumerate(batch):
                        node_type = node_row[at["node_type"]]
                        node_types[node_type] += 1
                        user_ids.add(node_row[at["user_id"]])
                        if node_row[at["computer_id"]] is not None:
                            computer_ids.add(node_row[at["computer_id"]])
                        tree = node_row[at["repository_metadata"]]
                        if tree and tree != "{}":
                            keys.update(iter_keys(json.loads(tree)))
                        attributes = node_row[at["attributes"]]
                        if attributes and '"checkpoint"' in attributes and node_type.startswith("process"):
                            values = json.loads(attributes)
                            values.pop(CHECKPOINT_ATTRIBUTE, None)
                            batch[i] = (*node_row[:at["attributes"]], json.dumps(values, separators=(",", ":")),
                                        *node_row[at["attributes"] + 1:])
                    write_nodes(batch)
                    n += len(batch)
                    advance(len(batch))
            counts["nodes"] = n
            n = 0
            with phase("exporting links", None, show=show_progress) as advance:
                for rows in archive_db.select_rows(source, "db_link", "input_id", nodes.listed, batch_size * 4):
                    if not nodes.all:
                        rows = [row for row in rows if row["output_id"] in nodes]
                    for row in rows:
                        link_types[row["type"]] += 1
                    archive_db.insert_rows(archive, target, "db_link", rows)
                    n += len(rows)
                    advance(len(rows))
            counts["links"] = n
            n = members = 0
            for rows in archive_db.select_rows(source, "db_group", "id", groups.listed, batch_size):
                user_ids.update(row["user_id"] for row in rows)
                archive_db.insert_rows(archive, target, "db_group", rows)
                n += len(rows)
            counts["groups"] = n
            for rows in archive_db.select_rows(source, "db_group_node", "group_id", groups.listed, batch_size * 4):
                rows = [row for row in rows if row["node_id"] in nodes]
                archive_db.insert_rows(archive, target, "db_group_node", rows)
                members += len(rows)
            counts["group_nodes"] = members
            for name, table, include in (("comments", "db_comment", include_comments),
                                         ("logs", "db_log", include_logs)):
                n = 0
                if include:
                    for rows in archive_db.select_rows(source, table, "node_id", nodes.listed, batch_size):
                        if name == "comments":
                            user_ids.update(row["user_id"] for row in rows)
                        archive_db.insert_rows(archive, target, table, rows)
                        n += len(rows)
                counts[name] = n
            users = archive_db.rows_by_id(source, "db_user", user_ids)
            computers = archive_db.rows_by_id(source, "db_computer", computer_ids)
            archive_db.insert_rows(archive, target, "db_user", users)
            archive_db.insert_rows(archive, target, "db_computer", computers)
            counts["users"] = len(users)
            counts["computers"] = len(computers)
            counts["files"] = len(keys)
    finally:
        finish_database(archive)
    return {
        "counts": counts, "node_types": dict(sorted(node_types.items())), "link_types": dict(sorted(link_types.items())),
        "users": [user["email"] for user in users],
        "computers": [{"label": c["label"], "hostname": c["hostname"], "uuid": c["uuid"]} for c in computers],
        "keys": sorted(keys), "revision": head_revision(),
    }
