"""Checks of an archive against the profile it is merged into: nothing links into what the profile stores.

An archive that is valid on its own can still break the profile's graph once merged: a link into a
node the profile already stores gives a stored datum a (second) creator, adds an input to a sealed
calculation, a caller to a process that has one, or closes a cycle through the profile's own links.
The profile's invariant is that a stored node's incoming links never change, so the rule is:

    a link of the archive whose target node the profile already stores must already be in the
    profile, identical (same source, target, label and type); otherwise the import is refused.

And what a process created, returned or called is fixed once it is sealed, so a ``create``,
``return`` or call link from a process the profile stores to a node the archive adds is refused too
(a stored datum may of course become the input of a new process).

A node matched by UUID must also be the same kind of node (``node_type``) in both.

This rule is what makes the union of profile and archive acyclic and keeps one creator per datum,
without walking the profile's graph: every link that the import adds ends at a node that the archive
contributes (new to the profile). A path leaving a new node therefore only ever reaches new nodes
(an added link from a new node into a stored one is exactly what the rule refuses), so a cycle
through a new node lies entirely among the archive's new nodes and links, where
:func:`jupyter_prov.archive.validate.validate_archive_content` has already found none; and a cycle
among stored nodes only would be in the profile already. Likewise a datum's creators are either all
in the profile (stored datum: no link added) or all in the archive (new datum: at most one, checked).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..storage.archive_target import ImportTarget
from .format import ArchiveIntegrityError

_CHUNK = 5000


def _chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for offset in range(0, len(values), size):
        yield values[offset:offset + size]


def check_node_kinds(archive_path: Path | str, mismatches: list[tuple[str, str, str]]) -> None:
    """Refuse nodes matched by UUID whose type differs: ``(uuid, type in archive, type in profile)``."""
    if mismatches:
        uuid, theirs, ours = mismatches[0]
        more = f" (and {len(mismatches) - 1} more)" if len(mismatches) > 1 else ""
        raise ArchiveIntegrityError(
            f"archive {archive_path} cannot be merged into this profile, nothing was imported: db_node row uuid "
            f"{uuid}, column node_type: {theirs!r} in the archive, but this profile stores that node as {ours!r}{more}")


def check_links_into_stored(database: Path, archive_path: Path | str, target: ImportTarget,
                            node_map: dict[int, int]) -> None:
    """Refuse any archive link into a node the profile stores (``node_map``: archive id -> profile id) that
    the profile does not have already, identical; and any output or call link of a stored process to a
    node the archive adds (a sealed process does not gain outputs or children).
    """
    if not node_map:
        return
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        into_stored = []
        for row in conn.execute("SELECT id, input_id, output_id, label, type FROM db_link ORDER BY id"):
            if row[2] in node_map:
                into_stored.append(row)
            elif row[1] in node_map and row[4] in _FROM_A_PROCESS:
                link_id, input_id, output_id, label, link_type = row
                uuids = _uuids(database, (input_id, output_id))
                raise ArchiveIntegrityError(
                    f"archive {archive_path} cannot be merged into this profile, nothing was imported: db_link row "
                    f"id {link_id} is a {link_type} link {label!r} from the stored process {uuids.get(input_id)} to "
                    f"node {uuids.get(output_id)}, which the archive adds; what a stored process created, returned "
                    "or called never changes")
    finally:
        conn.close()
    if not into_stored:
        return
    for chunk in _chunks(into_stored):
        wanted = [row for row in chunk if row[1] in node_map]
        present: set[tuple] = set()
        if wanted:
            present = target.links_into(sorted({node_map[row[2]] for row in wanted}))
        for link_id, input_id, output_id, label, link_type in chunk:
            if input_id in node_map and (node_map[input_id], node_map[output_id], label, link_type) in present:
                continue
            source = "a node the archive adds" if input_id not in node_map else "a stored node"
            uuids = _uuids(database, (input_id, output_id))
            raise ArchiveIntegrityError(
                f"archive {archive_path} cannot be merged into this profile, nothing was imported: db_link row id "
                f"{link_id} is a {link_type} link {label!r} from {source} ({uuids.get(input_id)}) into node "
                f"{uuids.get(output_id)}, which this profile already stores without that link; the incoming links "
                f"of a stored node never change ({_consequence(link_type)})")


#: link types out of a process: its outputs and the processes it called, fixed once it is stored and sealed
_FROM_A_PROCESS = frozenset({"create", "return", "call_calc", "call_work"})


def _uuids(database: Path, ids: tuple[int, ...]) -> dict[int, str]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return dict(conn.execute(f"SELECT id, uuid FROM db_node WHERE id IN ({', '.join('?' for _ in ids)})", ids))
    finally:
        conn.close()


def _consequence(link_type: str) -> str:
    return {
        "create": "it would give a stored datum another creator",
        "input_calc": "it would add an input to a stored calculation",
        "input_work": "it would add an input to a stored workflow",
        "call_calc": "it would give a stored process another caller",
        "call_work": "it would give a stored process another caller",
        "return": "it would add a return link into a stored datum",
    }.get(link_type, "it would change a stored node")


def check_comments_stay_on_their_nodes(database: Path, archive_path: Path | str, target: ImportTarget,
                                       node_map: dict[int, int]) -> None:
    """Refuse a comment of the archive whose UUID the profile has on another node.

    An import updates a comment it matches by UUID (``comment_mode``); matched across nodes, an
    archive could rewrite any comment of the profile.
    """
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        comments = conn.execute("SELECT c.uuid, c.node_id, n.uuid FROM db_comment c JOIN db_node n ON n.id = c.node_id "
                                "ORDER BY c.id").fetchall()
    finally:
        conn.close()
    for chunk in _chunks(comments):
        found = target.comment_nodes([row[0] for row in chunk])
        for uuid, node_id, node_uuid in chunk:
            if uuid in found and node_map.get(node_id) != found[uuid]:
                raise ArchiveIntegrityError(
                    f"archive {archive_path} cannot be merged into this profile, nothing was imported: db_comment "
                    f"row uuid {uuid}, column node_id: the comment is on node {node_uuid} in the archive, but this "
                    "profile has a comment with that UUID on another node")
