"""Checks of an archive's content before anything of it is imported.

An archive is data from elsewhere: before one row is written, every row must pass the ORM's value
rules (:mod:`jupyter_prov.archive.rows`: types, lengths, JSON, times, file-tree names), its database must describe a valid
provenance graph (the link rules of :mod:`jupyter_prov.orm.links`: which node kinds a link type joins,
one creator per datum, one caller per process, unique labels, no cycle in the data provenance or the
call tree), every reference must resolve inside the archive (links, group members, comments and logs
to nodes; nodes to users and computers), and every file a node names must be in the zip. Object bytes
are checked against their hash as they are streamed in (see :mod:`jupyter_prov.archive.import_`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from functools import cache

from ..orm.links import RULES, LinkType
from ..storage.file_tree import iter_keys
from .format import ArchiveIntegrityError
from .rows import check_rows
from .source import OpenedArchive

_MISSING_REFERENCES = [
    ("link {id} starts at node id {ref}, which is not in the archive",
     "SELECT id, input_id FROM db_link WHERE input_id NOT IN (SELECT id FROM db_node)"),
    ("link {id} ends at node id {ref}, which is not in the archive",
     "SELECT id, output_id FROM db_link WHERE output_id NOT IN (SELECT id FROM db_node)"),
    ("group membership {id} names node id {ref}, which is not in the archive",
     "SELECT id, node_id FROM db_group_node WHERE node_id NOT IN (SELECT id FROM db_node)"),
    ("group membership {id} names group id {ref}, which is not in the archive",
     "SELECT id, group_id FROM db_group_node WHERE group_id NOT IN (SELECT id FROM db_group)"),
    ("comment {id} is on node id {ref}, which is not in the archive",
     "SELECT uuid, node_id FROM db_comment WHERE node_id NOT IN (SELECT id FROM db_node)"),
    ("log {id} is on node id {ref}, which is not in the archive",
     "SELECT uuid, node_id FROM db_log WHERE node_id NOT IN (SELECT id FROM db_node)"),
    ("node {id} belongs to user id {ref}, which is not in the archive",
     "SELECT uuid, user_id FROM db_node WHERE user_id NOT IN (SELECT id FROM db_user)"),
    ("node {id} ran on computer id {ref}, which is not in the archive",
     "SELECT uuid, computer_id FROM db_node WHERE computer_id IS NOT NULL AND computer_id NOT IN (SELECT id FROM db_computer)"),
    ("group {id} belongs to user id {ref}, which is not in the archive",
     "SELECT uuid, user_id FROM db_group WHERE user_id NOT IN (SELECT id FROM db_user)"),
    ("comment {id} belongs to user id {ref}, which is not in the archive",
     "SELECT uuid, user_id FROM db_comment WHERE user_id NOT IN (SELECT id FROM db_user)"),
]

_DEGREE_RULES = [
    ("datum {node} has {n} creators (create links); a datum has at most one",
     "SELECT n.uuid, count(*) FROM db_link l JOIN db_node n ON n.id = l.output_id WHERE l.type = 'create' "
     "GROUP BY l.output_id HAVING count(*) > 1"),
    ("process {node} has {n} callers; a process has at most one",
     "SELECT n.uuid, count(*) FROM db_link l JOIN db_node n ON n.id = l.output_id "
     "WHERE l.type IN ('call_calc', 'call_work') GROUP BY l.output_id HAVING count(*) > 1"),
    ("process {node} has {n} inputs with the same label; input labels are unique per process",
     "SELECT n.uuid, count(*) FROM db_link l JOIN db_node n ON n.id = l.output_id "
     "WHERE l.type IN ('input_calc', 'input_work') GROUP BY l.output_id, l.label HAVING count(*) > 1"),
    ("process {node} has {n} outputs with the same label; output labels are unique per process",
     "SELECT n.uuid, count(*) FROM db_link l JOIN db_node n ON n.id = l.input_id "
     "WHERE l.type IN ('create', 'return') GROUP BY l.input_id, l.label HAVING count(*) > 1"),
    ("node {node} links to itself ({n} links)",
     "SELECT n.uuid, count(*) FROM db_link l JOIN db_node n ON n.id = l.input_id WHERE l.input_id = l.output_id "
     "GROUP BY l.input_id"),
]

#: link types whose graph must be acyclic: the data provenance and the call tree
ACYCLIC_TYPES = ("input_calc", "create", "call_calc", "call_work")


@cache
def link_kind_of(node_type: str) -> str:
    """The kind (``data``, ``calculation``, ``workflow``, ``cell``) the link rules know a node type as."""
    from ..orm.plugins import node_class_for

    if node_type == "data" or node_type.startswith("data."):
        return "data"
    if node_type.startswith("process.calculation"):
        return "calculation"
    if node_type.startswith("process.workflow"):
        return "workflow"
    node_class = node_class_for(node_type)
    return str(node_class.link_kind) if node_class is not None else "unknown"  # type: ignore[attr-defined]


def validate_archive_content(opened: OpenedArchive, stored: Collection[int] = (), *,
                             import_reads: bool = False) -> set[str]:
    """Raise :class:`ArchiveIntegrityError` naming the archive and the first problems found.

    Every row first passes the ORM's value rules (:func:`jupyter_prov.archive.rows.check_rows`), then
    the archive as a whole the graph rules below; the checks against the profile it is merged into
    are in :mod:`jupyter_prov.archive.merge`. ``stored``: ids of the archive's nodes that the target
    profile stores already; of those rows only what an import reads (UUID, node type, extras) is
    checked, and their files need not be in the archive (the profile has them). ``import_reads``: the
    columns the importer checks in its own read of each node row are left to it
    (:data:`jupyter_prov.archive.rows.IMPORT_READS`). Returns the repository keys of the checked file trees.
    """
    keys: set[str] = set()
    check_rows(opened.database, opened.path, keys, stored_nodes=stored, import_reads=import_reads)
    conn = sqlite3.connect(f"file:{opened.database}?mode=ro", uri=True)
    try:
        _check_references(conn, opened)
        _check_degrees(conn, opened)
        _check_link_kinds(conn, opened)
        _check_acyclic(conn, opened)
        _check_files(conn, opened, keys)
    except sqlite3.DatabaseError as exc:
        raise ArchiveIntegrityError(f"archive {opened.path}: its database cannot be read ({exc})") from None
    finally:
        conn.close()
    return keys


def _fail(opened: OpenedArchive, problems: list[str]) -> None:
    more = " (and more)" if len(problems) > 5 else ""
    raise ArchiveIntegrityError(f"archive {opened.path} is not consistent, nothing was imported: "
                                + "; ".join(problems[:5]) + more)


def _check_references(conn: sqlite3.Connection, opened: OpenedArchive) -> None:
    problems = []
    for message, sql in _MISSING_REFERENCES:
        for entity, ref in conn.execute(sql + " LIMIT 5"):
            problems.append(message.format(id=entity, ref=ref))
    if problems:
        _fail(opened, problems)


def _check_link_kinds(conn: sqlite3.Connection, opened: OpenedArchive) -> None:
    problems = []
    rows = conn.execute(
        "SELECT l.type, s.node_type, t.node_type, count(*), min(l.id) FROM db_link l "
        "JOIN db_node s ON s.id = l.input_id JOIN db_node t ON t.id = l.output_id GROUP BY 1, 2, 3")
    for link_type, source_type, target_type, count, example in rows:
        try:
            rule = RULES[LinkType(link_type)]
        except ValueError:
            problems.append(f"link {example} has the unknown type {link_type!r}")
            continue
        source_kind, target_kind = link_kind_of(source_type), link_kind_of(target_type)
        if source_kind not in rule.sources or target_kind not in rule.targets:
            problems.append(
                f"{count} {link_type} link(s) (e.g. link {example}) go from {source_type} to {target_type}; "
                f"a {link_type} link goes from {' or '.join(sorted(rule.sources))} to {' or '.join(sorted(rule.targets))}")
    if problems:
        _fail(opened, problems)


def _check_degrees(conn: sqlite3.Connection, opened: OpenedArchive) -> None:
    problems = []
    for message, sql in _DEGREE_RULES:
        for node, n in conn.execute(sql + " LIMIT 5"):
            problems.append(message.format(node=node, n=n))
    if problems:
        _fail(opened, problems)


def _check_acyclic(conn: sqlite3.Connection, opened: OpenedArchive) -> None:
    """Kahn's algorithm over the data-provenance and call links: what is never freed lies on a cycle."""
    placeholders = ", ".join("?" for _ in ACYCLIC_TYPES)
    successors: dict[int, list[int]] = {}
    indegree: dict[int, int] = {}
    for source, target in conn.execute(
            f"SELECT input_id, output_id FROM db_link WHERE type IN ({placeholders})", ACYCLIC_TYPES):
        successors.setdefault(source, []).append(target)
        indegree[target] = indegree.get(target, 0) + 1
        indegree.setdefault(source, 0)
    ready = [node for node, degree in indegree.items() if degree == 0]
    freed = 0
    while ready:
        node = ready.pop()
        freed += 1
        for target in successors.get(node, ()):
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    if freed < len(indegree):
        stuck = sorted(node for node, degree in indegree.items() if degree > 0)[:5]
        uuids = [row[0] for row in conn.execute(
            f"SELECT uuid FROM db_node WHERE id IN ({', '.join('?' for _ in stuck)})", stuck)]
        _fail(opened, [f"its links form a cycle in the data provenance or call tree (through nodes {', '.join(uuids)}); "
                       "provenance is acyclic"])


def _check_files(conn: sqlite3.Connection, opened: OpenedArchive, keys: set[str]) -> None:
    """Every file a node names is a member of the zip (``keys``: every key of every file tree, checked
    by :func:`~jupyter_prov.archive.rows.check_rows`, which parsed the trees); the nodes are looked up
    only when one is missing."""
    missing = set(opened.zip.missing_keys(sorted(keys)))
    if not missing:
        return
    problems = []
    for uuid, text in conn.execute("SELECT uuid, repository_metadata FROM db_node WHERE repository_metadata != '{}'"):
        for key in iter_keys(json.loads(text)):
            if key in missing:
                problems.append(f"node {uuid} has a file {key} that is missing from the archive")
                break
        if len(problems) > 5:
            break
    _fail(opened, problems)
