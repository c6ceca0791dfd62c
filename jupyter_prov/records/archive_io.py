"""Records in archives: versions, aliases (with their history), derivations and validity events, as plain data.

An archive keeps its nodes' uuids, not their pks (an import gives them new ones), so everything here names a
node by uuid. :func:`export_records` gives the JSON-ready payload for the nodes an archive holds;
:func:`import_records` writes one into the loaded profile. The archive code calls the two hooks at the end:
``archive/create.py`` stores :func:`records_member` as the archive's ``records.json`` member, and
``archive/import_.py`` reads it with :func:`read_records_member` (parsed and checked before anything is
written) and writes it with :func:`write_records_member` in the import's own transaction.

Rules:

- a record comes with the versions whose nodes are exported (numbers kept; others are gaps), its alias moves
  that point at one of them (or remove the alias), and its tags;
- validity events of exported nodes come along and their *current* invalidity too, so an invalid result is
  still invalid — and never a cache source — after the import. An event whose root event was on a node not
  exported cannot be rooted here and is left out (counted in ``events_skipped``);
- importing **never queues or runs an action**: the invalidation happened elsewhere, its actions ran there;
- importing twice changes nothing (records by uuid, versions by number, moves and events by their fields);
  a version number that is another node here, or a name held by another record, is refused and nothing of the
  payload is written (nor, from an archive, anything of the archive);
- an archive's ``records.json`` is data from elsewhere: :func:`check_payload` holds it to the rules records
  made here obey (names, aliases, kinds, typed JSON tags, version numbers, each version revising the one
  before, events rooted in events of the payload, every node named one of the archive's) before any write.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from ..orm import record_queries as q
from ..orm.exceptions import ValidationError
from ..orm.validation import clean_json
from .model import ALIAS, KINDS, NAME, RESERVED_ALIASES, VERSION_KEY, RecordError

PAYLOAD_VERSION = 1
MEMBER = "records.json"
#: the largest records.json an import reads (a 100,000-node invalidation is about 30 MB)
MAX_MEMBER_SIZE = 1 * 2**30
EVENT_KINDS = ("invalidate", "revalidate", "affected")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch
_HASH = re.compile(r"[0-9a-f]{1,64}").fullmatch
_TEXT_LIMIT = 255


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# ---- export ---------------------------------------------------------------------------------------------
def export_records(node_pks: Iterable[int] | None, *, storage=None) -> dict[str, Any]:
    """The records payload of the nodes ``node_pks`` (``None``: every node; JSON-ready; empty lists when they
    touch no record)."""
    pks = None if node_pks is None else sorted(set(node_pks))
    rows = q.record_rows_of_nodes(pks, storage=storage)
    exported = None if pks is None else set(pks)
    numbers = {(v["record_id"], v["number"]) for v in rows["versions"]}
    roots = {e["id"] for e in rows["events"] if e["root_id"] == e["id"]}
    events = [e for e in rows["events"] if e["root_id"] in roots or e["root_id"] is None]
    named = {v["node_id"] for v in rows["versions"]} | {v["previous_node_id"] for v in rows["versions"] if v["previous_node_id"]}
    named |= {v["process_id"] for v in rows["versions"] if v["process_id"]}
    named |= {e["via_node_id"] for e in events if e["via_node_id"]} | {e["node_id"] for e in events}
    named |= {i["node_id"] for i in rows["invalid"]}
    named |= {d["source_id"] for d in rows["derivations"]} | {d["target_id"] for d in rows["derivations"]}
    uuids = q.node_uuids(named, storage=storage)
    return {
        "version": PAYLOAD_VERSION,
        "records": [{"id": r["id"], "uuid": r["uuid"], "name": r["name"], "uri": r["uri"], "kind": r["kind"],
                     "description": r["description"], "metadata": r["metadata"], "frozen": bool(r["frozen"]),
                     "ctime": _iso(r["ctime"])} for r in rows["records"]],
        "versions": [{"record": v["record_id"], "number": v["number"], "node": uuids[v["node_id"]],
                      "previous": uuids.get(v["previous_node_id"]) if v["previous_node_id"] else None,
                      "process": uuids.get(v["process_id"]) if v["process_id"] else None,
                      "content_hash": v["content_hash"], "ctime": _iso(v["ctime"]), "actor": v["actor"]}
                     for v in rows["versions"]],
        "aliases": [{"record": a["record_id"], "alias": a["alias"], "version": a["version_number"],
                     "time": _iso(a["time"]), "actor": a["actor"]} for a in rows["aliases"]
                    if a["version_number"] is None or (a["record_id"], a["version_number"]) in numbers],
        "derivations": [[uuids[d["source_id"]], uuids[d["target_id"]]] for d in rows["derivations"]
                        if exported is None or d["source_id"] in exported],
        "events": [{"id": e["id"], "kind": e["kind"], "node": uuids[e["node_id"]], "root": e["root_id"],
                    "parent": e["parent_id"], "via": uuids.get(e["via_node_id"]) if e["via_node_id"] else None,
                    "actor": e["actor"], "time": _iso(e["time"]), "cause": e["cause"]} for e in events],
        "events_skipped": len(rows["events"]) - len(events),
        "invalid": [[uuids[i["node_id"]], i["root_id"], i["event_id"]] for i in rows["invalid"] if i["root_id"] in roots],
    }


def records_member(storage, node_pks: Sequence[int] | None) -> dict[str, bytes]:
    """``{"records.json": bytes}`` for an archive of the nodes ``node_pks`` of ``storage`` (``None``: all of
    them); ``{}`` when none of them is a record version or carries a validity event (the archive code's hook)."""
    payload = export_records(node_pks, storage=storage)
    if not (payload["records"] or payload["events"] or payload["derivations"]):
        return {}
    return {MEMBER: json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")}


# ---- checks -----------------------------------------------------------------------------------------------
def _fail(where: str, what: str) -> RecordError:
    return RecordError(f"{where}: {what}")


def _fields(item: Any, where: str, names: Sequence[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _fail(where, f"is a {type(item).__name__}, not an object")
    missing = [n for n in names if n not in item]
    extra = sorted(set(item) - set(names))
    if missing or extra:
        raise _fail(where, f"fields {', '.join(missing)} missing" if missing else f"unknown fields {', '.join(extra[:3])}")
    return item


def _int(value: Any, where: str, *, low: int = 1, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if type(value) is not int or not low <= value < 2**31:
        raise _fail(where, f"{value!r:.60} is not an integer from {low} to 2**31-1")
    return value


def _text(value: Any, where: str, *, limit: int | None = _TEXT_LIMIT, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if type(value) is not str or "\x00" in value or (limit is not None and len(value) > limit):
        raise _fail(where, f"{value!r:.60} is not text{f' of at most {limit} characters' if limit else ''} (no NUL)")
    return value


def _moment(value: Any, where: str) -> None:
    if type(value) is not str or len(value) > 64:
        raise _fail(where, f"{value!r:.60} is not an ISO 8601 time")
    try:
        _time(value)
    except ValueError:
        raise _fail(where, f"{value!r:.60} is not an ISO 8601 time") from None


def _uuid(value: Any, where: str, known: set[str] | None, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if type(value) is not str or not _UUID(value):
        raise _fail(where, f"{value!r:.60} is not a node uuid")
    if known is not None and value not in known:
        raise _fail(where, f"node {value} is not in the archive")


def _uuids_named(payload: dict[str, Any]) -> set[str]:
    """The well-formed uuids the payload names (to look up in the archive at once)."""
    found: set[str] = set()
    for v in payload.get("versions") or []:
        if isinstance(v, dict):
            found.update(x for x in (v.get("node"), v.get("previous"), v.get("process")) if isinstance(x, str))
    for pair in payload.get("derivations") or []:
        if isinstance(pair, list):
            found.update(x for x in pair if isinstance(x, str))
    for e in payload.get("events") or []:
        if isinstance(e, dict):
            found.update(x for x in (e.get("node"), e.get("via")) if isinstance(x, str))
    for i in payload.get("invalid") or []:
        if isinstance(i, list) and i and isinstance(i[0], str):
            found.add(i[0])
    return {u for u in found if _UUID(u)}


def check_payload(payload: Any, known_nodes: Callable[[set[str]], set[str]] | None = None) -> None:
    """Raise :class:`RecordError` naming the first thing in ``payload`` a record made here could not be.

    ``known_nodes(uuids)``: which of ``uuids`` the archive holds as nodes (every version, derivation, event
    and invalid mark must name one; a version's ``previous``/``process`` may name a node not exported).
    """
    if not isinstance(payload, dict):
        raise _fail("the payload", f"is a {type(payload).__name__}, not an object")
    if payload.get("version") != PAYLOAD_VERSION:
        raise _fail("the payload", f"version {payload.get('version')!r:.40} is not {PAYLOAD_VERSION}")
    _fields(payload, "the payload", ("version", "records", "versions", "aliases", "derivations", "events",
                                     "events_skipped", "invalid"))
    for key in ("records", "versions", "aliases", "derivations", "events", "invalid"):
        if not isinstance(payload[key], list):
            raise _fail(key, "is not a list")
    _int(payload["events_skipped"], "events_skipped", low=0)
    known = None if known_nodes is None else set(known_nodes(_uuids_named(payload)))

    records: dict[int, dict[str, Any]] = {}
    names: set[str] = set()
    uuids: set[str] = set()
    for n, r in enumerate(payload["records"]):
        where = f"records[{n}]"
        _fields(r, where, ("id", "uuid", "name", "uri", "kind", "description", "metadata", "frozen", "ctime"))
        _int(r["id"], f"{where}.id")
        if r["id"] in records:
            raise _fail(where, f"id {r['id']} appears twice")
        if type(r["uuid"]) is not str or not _UUID(r["uuid"]) or r["uuid"] in uuids:
            raise _fail(f"{where}.uuid", f"{r['uuid']!r:.60} is not a uuid (or appears twice)")
        if type(r["name"]) is not str or not NAME.fullmatch(r["name"]) or r["name"] in names:
            raise _fail(f"{where}.name", f"{r['name']!r:.60} is not a record name (or appears twice)")
        _text(r["uri"], f"{where}.uri", limit=None, nullable=True)
        if r["kind"] not in KINDS:
            raise _fail(f"{where}.kind", f"{r['kind']!r:.40} is not a record kind ({', '.join(KINDS)})")
        _text(r["description"], f"{where}.description", limit=None)
        if not isinstance(r["metadata"], dict) or not isinstance(r["metadata"].get("tags", {}), dict):
            raise _fail(f"{where}.metadata", "is not an object with an object of tags")
        try:
            clean_json(r["metadata"], f"{where}.metadata")
        except ValidationError as exc:
            raise _fail(f"{where}.metadata", str(exc)) from None
        if type(r["frozen"]) is not bool:
            raise _fail(f"{where}.frozen", "is not true or false")
        _moment(r["ctime"], f"{where}.ctime")
        records[r["id"]] = r
        names.add(r["name"])
        uuids.add(r["uuid"])

    numbers: dict[int, dict[int, str]] = {}
    for n, v in enumerate(payload["versions"]):
        where = f"versions[{n}]"
        _fields(v, where, ("record", "number", "node", "previous", "process", "content_hash", "ctime", "actor"))
        if v["record"] not in records or type(v["record"]) is not int:
            raise _fail(f"{where}.record", f"{v['record']!r:.40} is not a record of the payload")
        _int(v["number"], f"{where}.number")
        of_record = numbers.setdefault(v["record"], {})
        if v["number"] in of_record:
            raise _fail(where, f"version {v['number']} of record {records[v['record']]['name']!r} appears twice")
        _uuid(v["node"], f"{where}.node", known)
        _uuid(v["previous"], f"{where}.previous", None, nullable=True)
        _uuid(v["process"], f"{where}.process", None, nullable=True)
        if type(v["content_hash"]) is not str or not _HASH(v["content_hash"]):
            raise _fail(f"{where}.content_hash", f"{v['content_hash']!r:.70} is not a hex hash")
        _moment(v["ctime"], f"{where}.ctime")
        _text(v["actor"], f"{where}.actor")
        of_record[v["number"]] = v["node"]
    for n, v in enumerate(payload["versions"]):  # each version revises the one before it (when both came along)
        before = numbers[v["record"]].get(v["number"] - 1)
        if v["number"] == 1 and v["previous"] is not None:
            raise _fail(f"versions[{n}].previous", "version 1 revises nothing")
        if before is not None and v["previous"] != before:
            raise _fail(f"versions[{n}].previous", f"version {v['number']} does not revise version {v['number'] - 1}")

    for n, a in enumerate(payload["aliases"]):
        where = f"aliases[{n}]"
        _fields(a, where, ("record", "alias", "version", "time", "actor"))
        if a["record"] not in records or type(a["record"]) is not int:
            raise _fail(f"{where}.record", f"{a['record']!r:.40} is not a record of the payload")
        alias = a["alias"]
        if type(alias) is not str or not ALIAS.fullmatch(alias) or VERSION_KEY.fullmatch(alias) or alias in RESERVED_ALIASES:
            raise _fail(f"{where}.alias", f"{alias!r:.60} is not an alias (a name starting with a letter, not latest or vN)")
        if a["version"] is not None and (type(a["version"]) is not int or a["version"] not in numbers.get(a["record"], {})):
            raise _fail(f"{where}.version", f"{a['version']!r:.40} is not a version of the payload's record")
        _moment(a["time"], f"{where}.time")
        _text(a["actor"], f"{where}.actor")

    for n, pair in enumerate(payload["derivations"]):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _fail(f"derivations[{n}]", "is not a [source, target] pair")
        _uuid(pair[0], f"derivations[{n}][0]", known)
        _uuid(pair[1], f"derivations[{n}][1]", known)
        if pair[0] == pair[1]:
            raise _fail(f"derivations[{n}]", "derives a node from itself")

    events: dict[int, dict[str, Any]] = {}
    for n, e in enumerate(payload["events"]):
        where = f"events[{n}]"
        _fields(e, where, ("id", "kind", "node", "root", "parent", "via", "actor", "time", "cause"))
        _int(e["id"], f"{where}.id")
        if e["id"] in events:
            raise _fail(where, f"event id {e['id']} appears twice")
        if e["kind"] not in EVENT_KINDS:
            raise _fail(f"{where}.kind", f"{e['kind']!r:.40} is not one of {', '.join(EVENT_KINDS)}")
        _uuid(e["node"], f"{where}.node", known)
        _uuid(e["via"], f"{where}.via", known, nullable=True)
        _int(e["root"], f"{where}.root", nullable=True)
        _int(e["parent"], f"{where}.parent", nullable=True)
        _text(e["actor"], f"{where}.actor")
        _moment(e["time"], f"{where}.time")
        _text(e["cause"], f"{where}.cause", limit=None)
        events[e["id"]] = e
    for n, e in enumerate(payload["events"]):
        for key in ("root", "parent"):
            if e[key] is not None and e[key] not in events:
                raise _fail(f"events[{n}].{key}", f"event {e[key]} is not in the payload")
        if e["root"] is not None and events[e["root"]]["root"] != e["root"]:
            raise _fail(f"events[{n}].root", f"event {e['root']} is not a root event")

    for n, mark in enumerate(payload["invalid"]):
        where = f"invalid[{n}]"
        if not isinstance(mark, list) or len(mark) != 3:
            raise _fail(where, "is not a [node, root event, event] triple")
        node, root, event = mark
        _uuid(node, f"{where}[0]", known)
        if type(root) is not int or root not in events or events[root]["kind"] != "invalidate" or events[root]["root"] != root:
            raise _fail(f"{where}[1]", f"{root!r:.40} is not an invalidation root event of the payload")
        if type(event) is not int or event not in events or events[event]["root"] != root or events[event]["node"] != node:
            raise _fail(f"{where}[2]", f"{event!r:.40} is not that invalidation's event on node {node}")


# ---- import -----------------------------------------------------------------------------------------------
def import_records(payload: dict[str, Any], *, storage=None, known_nodes=None) -> dict[str, int]:
    """Write a payload of :func:`export_records` into the loaded profile (or ``storage``; its nodes imported
    already): counts of the rows written. Checked first (:func:`check_payload`); one transaction (the caller's
    when one is open); never queues an action."""
    check_payload(payload, known_nodes)
    named = _uuids_named(payload)
    local = q.node_pks_by_uuid(named, storage=storage)
    missing = sorted({v["node"] for v in payload["versions"]} - set(local))
    if missing:
        raise RecordError(f"{len(missing)} version node(s) are not in this profile "
                          f"(import the archive's nodes first), e.g. {missing[0]}")
    records = [{**r, "ctime": _time(r["ctime"])} for r in payload["records"]]
    versions = [{"record_id": v["record"], "number": v["number"], "node_id": local[v["node"]],
                 "previous_node_id": local.get(v["previous"]) if v["previous"] else None,
                 "process_id": local.get(v["process"]) if v["process"] else None, "content_hash": v["content_hash"],
                 "ctime": _time(v["ctime"]), "actor": v["actor"]} for v in payload["versions"]]
    aliases = [{"record_id": a["record"], "alias": a["alias"], "version_number": a["version"], "time": _time(a["time"]),
                "actor": a["actor"]} for a in payload["aliases"]]
    derivations = [(local[s], local[t]) for s, t in payload["derivations"] if s in local and t in local]
    events = [{"id": e["id"], "kind": e["kind"], "node_id": local[e["node"]], "root_id": e["root"],
               "parent_id": e["parent"], "via_node_id": local.get(e["via"]) if e["via"] else None, "actor": e["actor"],
               "time": _time(e["time"]), "cause": e["cause"]} for e in payload["events"] if e["node"] in local]
    invalid = [(local[u], root, event) for u, root, event in payload["invalid"] if u in local]
    try:
        return q.import_record_rows(records, versions, aliases, derivations, events, invalid, storage=storage)
    except ValueError as exc:
        raise RecordError(str(exc)) from None


# ---- the archive's hooks ----------------------------------------------------------------------------------
def _refused(path: Any, reason: str) -> Exception:
    from ..archive.format import ArchiveIntegrityError

    return ArchiveIntegrityError(f"archive {path}: {MEMBER} is refused, nothing was imported: {reason}")


def read_records_member(opened: Any) -> dict[str, Any] | None:
    """The checked records payload of an opened archive (``archive.source.OpenedArchive``), ``None`` if it has
    no ``records.json``. Raises ``ArchiveIntegrityError`` (one line naming ``records.json``) if the member is
    not a payload records made here could be; nothing is written by this."""
    archive = opened.zip
    if MEMBER not in archive:
        return None
    from ..archive.format import read_member

    if archive.size(MEMBER) > MAX_MEMBER_SIZE:
        raise _refused(opened.path, f"{archive.size(MEMBER):,} bytes, more than {MAX_MEMBER_SIZE:,}")

    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not a JSON number")

    try:
        payload = json.loads(read_member(archive, opened.path, MEMBER), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _refused(opened.path, f"not valid JSON ({str(exc)[:120]})") from None
    try:
        check_payload(payload, lambda uuids: q.archive_node_uuids(opened.database, uuids))
    except RecordError as exc:
        raise _refused(opened.path, str(exc)) from None
    return payload


def write_records_member(opened: Any, payload: dict[str, Any] | None, storage) -> dict[str, int]:
    """Write a payload of :func:`read_records_member` into ``storage`` inside the import's open transaction
    (after its nodes): counts ``records``, ``record_versions``, ... Raises ``ArchiveIntegrityError`` naming
    ``records.json`` on a conflict with the profile (the caller's transaction then writes nothing)."""
    if payload is None:
        return {}
    try:
        counts = import_records(payload, storage=storage)
    except RecordError as exc:
        raise _refused(opened.path, str(exc)) from None
    return {("records" if key == "records" else f"record_{key}"): value for key, value in counts.items()}
