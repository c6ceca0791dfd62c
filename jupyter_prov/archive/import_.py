"""Import: merge an archive into a profile, by UUID.

Order of work, so that bad input leaves the profile as it was:

1. open and check the archive (zip, metadata, database; :mod:`.validate`: link rules, references, files);
2. plan: which users, computers, nodes, groups exist already (matched by email / UUID);
3. stream the missing file objects from the zip into the repository, checking each one's bytes
   against its hash (objects added here are removed again if anything later fails);
4. one transaction: users, computers, nodes (new primary keys), links, groups and members, comments,
   logs, and the import group. Importing the same archive twice adds nothing the second time.

Extras of nodes new to the profile are imported (``extras_mode_new="import"``) or dropped (``"none"``);
for nodes that exist already ``extras_mode_existing`` is one of ``keep_existing`` (add keys the node
lacks), ``update_existing`` (archive values win), ``mirror`` (the archive's extras replace them) or
``none``. A comment that exists already is replaced by the archive's if it is newer
(``comment_mode="newest"``) or always (``"overwrite"``). From AiiDA archives, extras starting with
``_aiida_`` (AiiDA's own hashes) are dropped, as aiida-core does.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import uuid as uuid_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..engine.caching import CACHEABLE_EXTRA, NOT_A_CACHE_SOURCE
from ..engine.imported import imported_process_attributes
from ..orm import current
from ..records.archive_io import read_records_member, write_records_member
from ..storage import archive_db
from ..storage.archive_target import LABEL_LENGTH, NODE_COLUMNS, ImportTarget, refusal
from .format import REPO_PREFIX, ArchiveError, ArchiveIntegrityError, ArchiveReadOnlyError, ArchiveSummary
from .merge import check_comments_stay_on_their_nodes, check_links_into_stored, check_node_kinds
from .progress import phase
from .source import OpenedArchive
from .rows import NewNodeChecks, check_rows
from .validate import validate_archive_content

EXTRAS_MODES_NEW = ("import", "none")
EXTRAS_MODES_EXISTING = ("keep_existing", "update_existing", "mirror", "none")
COMMENT_MODES = ("newest", "overwrite")
IMPORT_GROUP_TYPE = "core.import"
_CHUNK = 5000
_SMALL_OBJECT = 4 * 2**20
_PACK_BATCH_BYTES = 16 * 2**20


@dataclass
class _Plan:
    user_map: dict[int, int] = field(default_factory=dict)
    new_users: list[dict] = field(default_factory=list)
    computer_map: dict[int, int] = field(default_factory=dict)
    new_computers: list[dict] = field(default_factory=list)
    node_map: dict[int, int] = field(default_factory=dict)  # archive id -> profile id, existing nodes only here
    existing_nodes: int = 0
    new_nodes: int = 0
    missing_keys: list[str] = field(default_factory=list)
    group_map: dict[int, int] = field(default_factory=dict)
    new_groups: list[dict] = field(default_factory=list)


def _chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for offset in range(0, len(values), size):
        yield values[offset:offset + size]


def import_archive(filename: str | Path, *, storage=None, import_group: bool = True, group_label: str | None = None,
                   extras_mode_new: str = "import", extras_mode_existing: str = "keep_existing",
                   comment_mode: str = "newest", test_run: bool = False, batch_size: int = 1000,
                   show_progress: bool = False) -> ArchiveSummary:
    """Import the archive ``filename`` (ours or an AiiDA archive) into the loaded profile (or ``storage``)."""
    for value, allowed, name in ((extras_mode_new, EXTRAS_MODES_NEW, "extras_mode_new"),
                                 (extras_mode_existing, EXTRAS_MODES_EXISTING, "extras_mode_existing"),
                                 (comment_mode, COMMENT_MODES, "comment_mode")):
        if value not in allowed:
            raise ArchiveError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    storage = storage or current.get_storage()
    if getattr(storage, "read_only", False):
        raise ArchiveReadOnlyError(f"cannot import {filename} into a read-only storage")
    with OpenedArchive(filename) as opened:
        if opened.family == "aiida":  # aiida-core's own extras (its hashes) go, as in migrate: this open's own copy
            from ..interop.aiida import drop_aiida_extras

            drop_aiida_extras(opened.database)
        checks = NewNodeChecks(opened.path)
        stored = _stored_nodes(opened, storage, checks, show_progress)
        # (the rows of stored nodes are not read: only their extras; a test run has no write that reads
        # the new nodes' rows, so their columns are checked here)
        keys = validate_archive_content(opened, stored, import_reads=not test_run)
        records = read_records_member(opened)  # records.json parsed and checked (records/archive_io.py)
        plan = _plan(opened, storage, stored, keys)
        counts = {"nodes": plan.new_nodes, "existing_nodes": plan.existing_nodes, "users": len(plan.new_users),
                  "computers": len(plan.new_computers), "groups": len(plan.new_groups), "files": len(plan.missing_keys)}
        if test_run:
            return ArchiveSummary(str(filename), counts, test_run=True)
        added: list[str] = []
        try:
            with storage.transaction() as conn:
                written = _write(opened, storage, conn, plan, checks, import_group=import_group, group_label=group_label,
                                 extras_mode_new=extras_mode_new, extras_mode_existing=extras_mode_existing,
                                 comment_mode=comment_mode, batch_size=batch_size, show_progress=show_progress)
                written["counts"].update(write_records_member(opened, records, storage))  # same transaction
                # the files after the rows (whose last checks run as they are written: a refused row
                # leaves no file behind) and before the commit (a committed node always has its files)
                added = _import_files(opened, storage, plan.missing_keys, show_progress)
        except BaseException as exc:
            _remove_objects(storage, added)
            refused = refusal(storage, exc) if isinstance(exc, Exception) else None
            if refused is None:
                raise
            kind, reason = refused
            if kind == "integrity":
                raise ArchiveIntegrityError(
                    f"archive {filename} cannot be merged into this profile, nothing was imported: a row breaks a "
                    f"rule of the provenance graph or of uniqueness ({reason})") from None
            raise ArchiveIntegrityError(  # refused by the database itself
                f"archive {filename} cannot be merged into this profile, nothing was imported: the database "
                f"refused a row ({reason})") from None
    counts.update(written["counts"])
    return ArchiveSummary(str(filename), counts, details=written["details"])


def _remove_objects(storage, keys: list[str]) -> None:
    if keys:
        try:
            storage.repository.delete(keys)
        except Exception:  # noqa: BLE001, S110 - unreferenced objects are also reclaimed by `jprov storage maintain`
            pass


# ---- plan --------------------------------------------------------------------------------------
def _match_rows(opened: OpenedArchive, target: ImportTarget, table: str, key: str, new_rows: list, id_map: dict) -> None:
    """Rows of ``table`` in the archive: matched by ``key`` to the profile's (id_map) or new (new_rows)."""
    for batch in archive_db.read_rows(opened.storage, table, _CHUNK):
        for row in batch:
            found = target.id_by_key(table, key, row[key])
            if found is None:
                new_rows.append(row)
            else:
                id_map[row["id"]] = found


#: the only form of UUID a stored node has (anything else matches none and is refused by the row checks)
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch


def _stored_nodes(opened: OpenedArchive, storage, checks: NewNodeChecks,
                  show_progress: bool) -> dict[int, tuple[int, str]]:
    """The archive's nodes the profile stores already, matched by UUID: archive id -> (profile id, node type).

    The first read of every node's UUID, so their check is here (``checks``): a malformed one is refused.
    """
    stored: dict[int, tuple[int, str]] = {}
    with storage.connection() as conn, phase("matching nodes", None, show=show_progress) as advance:
        target = ImportTarget(storage, conn)
        lookup = target.stores_nodes()  # (an empty profile stores none of them)
        for batch in _RawArchive(opened).batches("SELECT id, uuid FROM db_node ORDER BY id", _CHUNK,
                                                 on_decode_error=lambda: _refuse_undecodable(opened)):
            uuids = [uuid for _, uuid in batch if uuid.__class__ is str and _UUID_TEXT(uuid)]  # (no NUL for PostgreSQL)
            if len(uuids) != len(batch):
                for archive_id, uuid in batch:
                    checks.uuid(archive_id, uuid)
            found = target.nodes_by_uuid(uuids) if lookup else None
            if found:
                for archive_id, uuid in batch:
                    if uuid in found:
                        stored[archive_id] = found[uuid]
            advance(len(batch))
    return stored


def _plan(opened: OpenedArchive, storage, stored: dict[int, tuple[int, str]], keys: set[str] | None) -> _Plan:
    """``keys``: the repository keys of the new nodes' file trees (collected by the row checks)."""
    plan = _Plan()
    with storage.connection() as conn:
        target = ImportTarget(storage, conn)
        for table, key, new_rows, id_map in (
            ("db_user", "email", plan.new_users, plan.user_map),
            ("db_computer", "uuid", plan.new_computers, plan.computer_map),
            ("db_group", "uuid", plan.new_groups, plan.group_map),
        ):
            _match_rows(opened, target, table, key, new_rows, id_map)
        kinds_differ: list[tuple[str, str, str]] = []
        total = 0
        if stored:
            for batch in _RawArchive(opened).batches("SELECT id, uuid, node_type FROM db_node ORDER BY id", _CHUNK):
                total += len(batch)
                for archive_id, uuid, node_type in batch:
                    if archive_id in stored:
                        pk, ours = stored[archive_id]
                        plan.node_map[archive_id] = pk
                        if ours != node_type:
                            kinds_differ.append((uuid, node_type, ours))
        else:
            total = _RawArchive(opened).count("db_node")
        plan.existing_nodes = len(plan.node_map)
        plan.new_nodes = total - plan.existing_nodes
        check_node_kinds(opened.path, kinds_differ)
        check_links_into_stored(opened.database, opened.path, target, plan.node_map)
        check_comments_stay_on_their_nodes(opened.database, opened.path, target, plan.node_map)
    if plan.new_nodes and keys:
        plan.missing_keys = _missing_objects(storage.repository, sorted(keys))
    return plan


#: up to this many objects in the repository, listing them all is cheaper than asking for each key
_LIST_ALL_LIMIT = 300_000


def _missing_objects(repository, keys: list[str]) -> list[str]:
    """Those of ``keys`` the repository lacks; asking per key stats a loose file for each, so avoid it."""
    counts = repository.count_objects()
    total = counts["loose"] + counts["packed"]
    if total == 0:
        return keys
    if total <= _LIST_ALL_LIMIT:
        present = set(repository.list_keys())
        return [key for key in keys if key not in present]
    missing = []
    for chunk in _chunks(keys, 50_000):
        missing += [key for key, have in zip(chunk, repository.has(chunk)) if not have]
    return missing


# ---- files --------------------------------------------------------------------------------------
def _import_files(opened: OpenedArchive, storage, keys: list[str], show_progress: bool) -> list[str]:
    """Stream objects from the zip into the repository, each checked against its hash; returns the keys added."""
    repository = storage.repository
    added: list[str] = []
    batch: list[bytes] = []
    batch_keys: list[str] = []
    batch_bytes = 0

    def flush() -> None:
        nonlocal batch, batch_keys, batch_bytes
        if batch:
            repository.put_many_bytes(batch, fsync=True)  # a pack when nobody else uses the repository
            added.extend(batch_keys)
        batch, batch_keys, batch_bytes = [], [], 0

    try:
        with phase("importing files", len(keys), show=show_progress) as advance:
            for key, content, _ in opened.zip.iter_repository(keys, small=_SMALL_OBJECT):
                name = f"{REPO_PREFIX}{key}"
                if content is not None:
                    if hashlib.sha256(content).hexdigest() != key:
                        raise ArchiveIntegrityError(
                            f"archive {opened.path}: the bytes of {name} do not match its hash; the archive is "
                            "damaged or was tampered with, nothing was imported")
                    batch.append(content)
                    batch_keys.append(key)
                    batch_bytes += len(content)
                    if batch_bytes >= _PACK_BATCH_BYTES:
                        flush()
                else:  # checked while it streams: bytes that hash to another key never reach the repository
                    # (removing them afterwards by the key they hash to deleted the target's own object when
                    # it stored those bytes already: tests/archive/test_hostile_zip.py)
                    with opened.zip.open(name) as stream:
                        stored = repository.put_stream(_KeyChecked(stream, key, opened.path, name))
                    if stored != key:  # (the stream refused it already; kept as the last word)
                        raise ArchiveIntegrityError(f"archive {opened.path}: the bytes of {name} do not match its hash")
                    added.append(key)
                advance(1)
            flush()
    except BaseException:
        _remove_objects(storage, added)
        raise
    return added


class _KeyChecked:
    """A member's stream that raises at its end, before the repository keeps the object, when the bytes do not
    hash to the member's key (one pass: the repository's writer discards its sandbox file on the error)."""

    def __init__(self, stream, key: str, archive, name: str):
        self._stream, self._key, self._archive, self._name = stream, key, archive, name
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if chunk:
            self._hash.update(chunk)
        elif size != 0 and self._hash.hexdigest() != self._key:
            raise ArchiveIntegrityError(
                f"archive {self._archive}: the bytes of {self._name} do not match its hash; the archive is "
                "damaged or was tampered with, nothing was imported")
        return chunk


# ---- rows ---------------------------------------------------------------------------------------
def _unique_label(target: ImportTarget, table: str, label: str, suffix: str, **where: Any) -> str:
    if not target.label_taken(table, label, **where):
        return label
    return f"{label}_{suffix}"[:LABEL_LENGTH]


def _merge_extras(existing: dict, incoming: dict, mode: str) -> dict | None:
    if mode == "none":
        return None
    if mode == "mirror":  # the archive's extras, but never without this profile's own "not a cache source" mark
        mirrored = dict(incoming)
        if CACHEABLE_EXTRA in existing:
            mirrored[CACHEABLE_EXTRA] = existing[CACHEABLE_EXTRA]
        return mirrored if mirrored != existing else None
    if mode == "keep_existing":
        merged = {**incoming, **existing}
    else:
        merged = {**existing, **incoming}
    return merged if merged != existing else None


def _write(opened: OpenedArchive, storage, conn, plan: _Plan, checks: NewNodeChecks, *, import_group: bool,
           group_label: str | None, extras_mode_new: str, extras_mode_existing: str, comment_mode: str,
           batch_size: int, show_progress: bool) -> dict[str, Any]:
    target = ImportTarget(storage, conn)
    counts: dict[str, int] = {}
    details: dict[str, Any] = {}
    target.defer_foreign_keys()

    # users and computers
    if plan.new_users:
        ids = target.allocate_ids("db_user", len(plan.new_users))
        rows = []
        for row, pk in zip(plan.new_users, ids):
            plan.user_map[row["id"]] = pk
            rows.append({**row, "id": pk})
        target.insert("db_user", rows)
    if plan.new_computers:
        ids = target.allocate_ids("db_computer", len(plan.new_computers))
        rows = []
        for row, pk in zip(plan.new_computers, ids):
            plan.computer_map[row["id"]] = pk
            label = _unique_label(target, "db_computer", row["label"], row["uuid"][:8])
            rows.append({**row, "id": pk, "label": label})
        target.insert("db_computer", rows)

    # nodes: each row read once, its remaining columns checked here (rows.IMPORT_READS)
    node_map = plan.node_map
    existing_ids = set(node_map)
    new_ids = iter(target.allocate_ids("db_node", plan.new_nodes))
    extras_updates: list[tuple[int, dict]] = []
    raw = _RawArchive(opened)
    node_columns = list(NODE_COLUMNS)
    incoming_extras: dict[str, dict] = {}  # (few distinct extras: each parsed once)
    marked_extras: dict[str, str] = {}
    only_new_keys = extras_mode_existing in ("keep_existing", "update_existing")
    with phase("importing nodes", plan.new_nodes + plan.existing_nodes, show=show_progress) as advance:
        for node_batch in raw.batches(f"SELECT {', '.join(node_columns)} FROM db_node ORDER BY id", batch_size,
                                 on_decode_error=lambda: _refuse_undecodable(opened)):
            node_rows = []
            for (archive_id, uuid, node_type, process_type, label, description, ctime, mtime, user_id,
                 computer_id, attributes, extras, tree, node_hash) in node_batch:
                extras = extras or "{}"
                if archive_id in existing_ids:
                    if extras_mode_existing != "none" and not (only_new_keys and extras == "{}"):
                        incoming = incoming_extras.get(extras)
                        if incoming is None:
                            incoming = incoming_extras[extras] = json.loads(extras)
                            incoming.pop(CACHEABLE_EXTRA, None)  # only this profile says what the cache reuses
                        if incoming or not only_new_keys:  # (no key to add: nothing changes)
                            extras_updates.append((node_map[archive_id], incoming))
                    continue
                ctime, mtime, attributes, parsed = checks.row(archive_id, uuid, ctime, mtime, attributes, node_hash)
                pk = next(new_ids)
                node_map[archive_id] = pk
                extras = extras if extras_mode_new == "import" else "{}"
                if node_type.startswith("process"):
                    settled = imported_process_attributes(parsed)  # a process from an archive never runs
                    if settled is not None:  # (engine/imported.py)
                        attributes = _dumps(settled)
                    marked = marked_extras.get(extras)  # not a cache source until the user vouches for it
                    if marked is None:  # (engine/caching.py: an archive can forge hashes)
                        loaded = _loads_or_none(extras)
                        marked = marked_extras[extras] = (_dumps({**loaded, **NOT_A_CACHE_SOURCE})
                                                          if isinstance(loaded, dict) else extras)
                    extras = marked
                node_rows.append((pk, uuid, node_type, process_type, label, description, ctime, mtime,
                             plan.user_map[user_id], None if computer_id is None else plan.computer_map[computer_id],
                             attributes, extras, tree or "{}", node_hash))
            target.insert_encoded("db_node", node_columns, node_rows)
            advance(len(node_batch))
    counts["nodes"] = plan.new_nodes
    updated = 0
    for chunk in _chunks(extras_updates):
        current_extras = target.node_extras([pk for pk, _ in chunk])
        now = datetime.now(timezone.utc)
        for pk, incoming in chunk:
            merged = _merge_extras(current_extras.get(pk) or {}, incoming, extras_mode_existing)
            if merged is not None:
                target.set_extras(pk, merged, now)
                updated += 1
    counts["extras_updated"] = updated

    # links
    new_links = 0
    with phase("importing links", None, show=show_progress) as advance:
        query = "SELECT input_id, output_id, label, type FROM db_link ORDER BY id"
        for link_batch in raw.batches(query, batch_size * 10):
            # a link into a stored node is in the profile already (merge.check_links_into_stored)
            links = [(node_map[input_id], node_map[output_id], label, link_type)
                     for input_id, output_id, label, link_type in link_batch if output_id not in existing_ids]
            if links:
                ids = target.allocate_ids("db_link", len(links))
                target.insert_encoded("db_link", ["id", "input_id", "output_id", "label", "type"],
                                      [(pk, *link) for pk, link in zip(ids, links)])
            new_links += len(links)
            advance(len(link_batch))
    counts["links"] = new_links

    # groups and their members
    if plan.new_groups:
        ids = target.allocate_ids("db_group", len(plan.new_groups))
        rows = []
        for row, pk in zip(plan.new_groups, ids):
            plan.group_map[row["id"]] = pk
            label = _unique_label(target, "db_group", row["label"], row["uuid"][:8], type_string=row["type_string"])
            rows.append(_utc({**row, "id": pk, "label": label, "user_id": plan.user_map[row["user_id"]]}))
        target.insert("db_group", rows)
    new_members = 0
    for batch in archive_db.read_rows(opened.storage, "db_group_node", _CHUNK):
        wanted = {(plan.group_map[row["group_id"]], node_map[row["node_id"]]) for row in batch}
        present = target.members_present((g for g, _ in wanted), (n for _, n in wanted))
        rows = [{"group_id": g, "node_id": n} for g, n in sorted(wanted - present)]
        if rows:
            ids = target.allocate_ids("db_group_node", len(rows))
            target.insert("db_group_node", [{**row, "id": pk} for row, pk in zip(rows, ids)])
        new_members += len(rows)
    counts["groups"] = len(plan.new_groups)
    counts["group_memberships"] = new_members

    # comments and logs
    for name, table in (("comments", "db_comment"), ("logs", "db_log")):
        added = updated = 0
        for batch in archive_db.read_rows(opened.storage, table, _CHUNK):
            found = target.rows_by_uuid(table, [row["uuid"] for row in batch])
            rows = []
            for row in batch:
                if row["uuid"] in found:
                    if name == "comments":
                        mine = found[row["uuid"]]
                        if comment_mode == "overwrite" or _later(row["mtime"], mine.mtime):
                            if row["content"] != mine.content or row["mtime"] != mine.mtime:
                                target.update_comment(mine.id, row["content"], _utc(dict(row))["mtime"])
                                updated += 1
                    continue
                new = _utc({**row, "node_id": node_map[row["node_id"]]})
                if "user_id" in new:
                    new["user_id"] = plan.user_map[row["user_id"]]
                rows.append(new)
            if rows:
                ids = target.allocate_ids(table, len(rows))
                target.insert(table, [{**row, "id": pk} for row, pk in zip(rows, ids)])
            added += len(rows)
        counts[name] = added
        if name == "comments":
            counts["comments_updated"] = updated

    # the import group
    if import_group and node_map:
        label = group_label or f"{Path(opened.path).name} import {datetime.now().strftime('%Y-%m-%d %H:%M:%S')}"
        label = _unique_label(target, "db_group", label[:LABEL_LENGTH], uuid_module.uuid4().hex[:8],
                              type_string=IMPORT_GROUP_TYPE)
        group_id = target.allocate_ids("db_group", 1)[0]
        target.insert("db_group", [{
            "id": group_id, "uuid": str(uuid_module.uuid4()), "label": label, "type_string": IMPORT_GROUP_TYPE,
            "time": datetime.now(timezone.utc), "description": f"nodes imported from {opened.path}",
            "extras": {}, "user_id": current.get_default_user().pk if storage is current.loaded_storage()
            else next(iter(plan.user_map.values())),
        }])
        for chunk in _chunks(sorted(set(node_map.values()))):
            ids = target.allocate_ids("db_group_node", len(chunk))
            target.insert("db_group_node", [{"id": pk, "group_id": group_id, "node_id": node}
                                            for pk, node in zip(ids, chunk)])
        details["import_group"] = label
    return {"counts": counts, "details": details}


def _refuse_undecodable(opened: OpenedArchive) -> None:
    """A row's text is not UTF-8 (its read failed): the full row checks find and name it."""
    check_rows(opened.database, opened.path)
    raise ArchiveIntegrityError(f"archive {opened.path}: its database holds text that is not UTF-8; nothing was imported")


def _loads_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:  # not JSON: left to the row checks, which name it
        return None


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class _RawArchive:
    """Rows of the archive's database as the text SQLite stores (no JSON or datetime round trip)."""

    def __init__(self, opened: OpenedArchive):
        self.database = opened.database

    def count(self, table: str) -> int:
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()

    def batches(self, sql: str, size: int, on_decode_error: Callable[[], None] | None = None) -> Iterator[list[tuple]]:
        """``on_decode_error``: called (to raise a clear error) if a text value is not UTF-8."""
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            cursor = conn.execute(sql)
            while True:
                try:
                    batch = cursor.fetchmany(size)
                except sqlite3.OperationalError as exc:
                    if on_decode_error is None or "decode" not in str(exc).lower():
                        raise
                    on_decode_error()
                    raise
                if not batch:
                    break
                yield batch
        finally:
            conn.close()


def _utc(row: dict) -> dict:
    """Datetimes read from the archive's SQLite are naive UTC; make them aware for PostgreSQL's COPY."""
    for key in ("ctime", "mtime", "time"):
        value = row.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            row[key] = value.replace(tzinfo=timezone.utc)
    return row


def _later(left: datetime | None, right: datetime | None) -> bool:
    if left is None or right is None:
        return False
    if left.tzinfo is None:
        left = left.replace(tzinfo=timezone.utc)
    if right.tzinfo is None:
        right = right.replace(tzinfo=timezone.utc)
    return left > right
