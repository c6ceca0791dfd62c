"""Building hostile archives from honest ones, and checking that a refused import changed nothing.

An archive is edited as an attacker would: export, then change the archive's SQLite database (or
another member) in a copy and zip it again. :func:`snapshot` takes a digest of every table of the
profile and the list of its repository objects, so "nothing was imported" is checked as "nothing
at all changed", not as "no node was added".
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid as uuid_module
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from jupyter_prov.archive import ArchiveError, import_archive
from jupyter_prov.storage import schema

NODE_COLUMNS = ("node_type, process_type, label, description, ctime, mtime, user_id, computer_id, attributes, "
                "extras, repository_metadata, node_hash")


def edit_archive(source: Path, target: Path, *, sql: list[str | tuple[str, tuple]] = (), replace: dict | None = None,
                 drop: tuple = (), add: dict | None = None) -> Path:
    """A copy of ``source`` with SQL (``"..."`` or ``("...", params)``) run on its database, members replaced,
    dropped or added."""
    replace = dict(replace or {})
    with zipfile.ZipFile(source) as archive:
        if sql:
            db = target.with_suffix(".edit.sqlite3")
            db.write_bytes(archive.read("db.sqlite3"))
            conn = sqlite3.connect(db)
            for statement in sql:
                if isinstance(statement, tuple):
                    conn.execute(*statement)
                else:
                    conn.execute(statement)
            conn.commit()
            conn.close()
            replace["db.sqlite3"] = db.read_bytes()
            db.unlink()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                if info.filename in drop:
                    continue
                out.writestr(info.filename, replace.get(info.filename, archive.read(info.filename)))
            for name, content in (add or {}).items():
                out.writestr(name, content)
    return target


def copy_node(like_uuid: str, new_uuid: str | None = None, **columns) -> tuple[str, tuple]:
    """SQL adding a node to an archive, a copy of node ``like_uuid`` with a new UUID and ``columns`` changed."""
    names = [name.strip() for name in NODE_COLUMNS.split(",")]
    select_list = ", ".join("?" if name in columns else name for name in names)
    params = (new_uuid or str(uuid_module.uuid4()), *[columns[name] for name in names if name in columns], like_uuid)
    return (f"INSERT INTO db_node (uuid, {NODE_COLUMNS}) SELECT ?, {select_list} FROM db_node WHERE uuid = ?", params)


def link(source_uuid: str, target_uuid: str, label: str, link_type: str) -> tuple[str, tuple]:
    """SQL adding a link between two nodes of an archive, named by UUID."""
    return (("INSERT INTO db_link (input_id, output_id, label, type) SELECT s.id, t.id, ?, ? "
            "FROM db_node s, db_node t WHERE s.uuid = ? AND t.uuid = ?"), (label, link_type, source_uuid, target_uuid))


def keep_only(uuids: list[str]) -> list[tuple[str, tuple] | str]:
    """SQL removing every node of an archive except ``uuids`` (and every row that refers to a removed node)."""
    marks = ", ".join("?" for _ in uuids)
    keep = f"(SELECT id FROM db_node WHERE uuid IN ({marks}))"
    params = tuple(uuids)
    return [
        (f"DELETE FROM db_link WHERE input_id NOT IN {keep} OR output_id NOT IN {keep}", params + params),
        (f"DELETE FROM db_group_node WHERE node_id NOT IN {keep}", params),
        (f"DELETE FROM db_comment WHERE node_id NOT IN {keep}", params),
        (f"DELETE FROM db_log WHERE node_id NOT IN {keep}", params),
        (f"DELETE FROM db_node WHERE uuid NOT IN ({marks})", params),
    ]


def snapshot(storage) -> dict[str, str]:
    """A digest of every table of the profile (all rows, in primary-key order) and its repository object list."""
    digests = {}
    with storage.connection() as conn:
        for table in schema.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.c)
            digest = hashlib.sha256()
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            digests[table.name] = digest.hexdigest()
    digests["repository objects"] = ",".join(sorted(storage.repository.list_keys()))
    return digests


def assert_refused_unchanged(storage, path: Path, match: str, error: type[Exception] = ArchiveError) -> str:
    """Import ``path``: refused with one line naming the archive and matching ``match``; the profile unchanged."""
    before = snapshot(storage)
    with pytest.raises(error, match=match) as info:
        import_archive(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message, message
    assert snapshot(storage) == before
    return message
