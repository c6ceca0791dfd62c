"""Versioned records: a stable name whose versions are ordinary immutable nodes.

Braid DB promised records that can be updated with every old version recoverable; its ``update()`` only
adds an edge. Here a version *is* a stored node (a model's weights file, a dataset folder, an array, a config
dict): nothing about a node changes when it becomes a version. What a record adds lives beside the graph,
in ``db_record*`` rows: the numbered versions (each revising the one before, PROV ``wasRevisionOf``), movable
aliases with their history (who moved them, when; ``latest`` is always the newest version and never stored),
and derivations (``derived_from``: PROV ``wasDerivedFrom``, followed by the invalidation cascade).

A new version is made only when the content hash changes (the node hash: type, attributes, file hashes), so
``update()`` of the same weights twice is one version. A version with the same content as an *older* version
is a new version pointing at that older node: the history says the record went back.

Kinds (:class:`Model`, :class:`Dataset`, :class:`Config`, :class:`Fact`) are the record kinds of the Braid
use cases; a record's kind is fixed at creation. Tags are typed JSON in the record's metadata and found by
key *and* value (:func:`find`).
"""

from __future__ import annotations

import os
import re
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from ..errors import RecordError as RecordErrorRoot
from ..orm import current
from ..orm import record_queries as q
from ..orm.nodes.data import to_data
from ..orm.nodes.node import Node, load_node, store_all

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,254}$")
ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,99}$")
VERSION_KEY = re.compile(r"^v(\d+)$")
RESERVED_ALIASES = frozenset({"latest"})


class RecordError(RecordErrorRoot, ValueError):
    """A record, version or alias that does not exist or cannot be made as asked."""


def _actor(by: Any = None) -> str:
    if isinstance(by, str) and by:
        return by[:255]
    try:
        return current.get_default_user().email
    except Exception:  # noqa: BLE001 - no user configured: the OS user names the actor
        return os.environ.get("USER", "")


@dataclass(frozen=True)
class Version:
    """Version ``number`` of ``record``: the node, when it was made, by whom, and what it revises."""

    record: "Record"
    number: int
    node_pk: int
    ctime: datetime
    actor: str
    content_hash: str
    previous_pk: int | None = None
    process_pk: int | None = None

    @property
    def node(self) -> Node:
        return load_node(pk=self.node_pk)

    @property
    def value(self) -> Any:
        """The Python value of a simple datum (``Int``, ``Dict``, ``Array`` …); the node itself otherwise."""
        node = self.node
        for name in ("value", "get_dict", "get_list", "get_array"):
            attribute = getattr(node, name, None)
            if attribute is not None:
                return attribute() if callable(attribute) else attribute
        return node

    @property
    def label(self) -> str:
        return f"{self.record.name}@v{self.number}"

    def aliases(self) -> list[str]:
        names = [alias for alias, number in self.record.aliases().items() if number == self.number]
        return names

    def __repr__(self) -> str:
        return f"<Version {self.label} node={self.node_pk}>"

    @classmethod
    def _from_row(cls, record: "Record", row: Mapping[str, Any]) -> "Version":
        return cls(record, row["number"], row["node_id"], row["ctime"], row["actor"], row["content_hash"],
                   row["previous_node_id"], row["process_id"])


_KINDS: dict[str, type["Record"]] = {}


@dataclass(eq=False)
class Record:
    """A named, versioned record. Use :meth:`create` / :meth:`get`, or a kind: ``Model.create("bragg")``."""

    pk: int
    name: str
    kind_name: str
    uri: str | None = None
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    frozen: bool = False
    uuid: str = ""
    ctime: datetime | None = None

    kind: ClassVar[str] = "Record"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _KINDS[cls.kind] = cls

    # ---- creating and finding -------------------------------------------------------------------------
    @classmethod
    def create(cls, name: str, *, uri: str | None = None, description: str = "",
               tags: Mapping[str, Any] | None = None, exist_ok: bool = False) -> "Record":
        """A new record of this kind (``exist_ok``: the existing one of that name, if of this kind)."""
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise RecordError(f"record name {name!r} is not valid: letters, digits, '_', '.', '-', '/' "
                              "(starting with a letter or digit, at most 255)")
        existing = q.record_by_name(name)
        if existing is not None:
            if exist_ok:
                return cls._checked(_from_row(existing), name)
            raise RecordError(f"a record named {name!r} exists already (a {existing['kind']})")
        metadata = {"tags": dict(tags or {})}
        row = q.insert_record({"uuid": str(uuid_module.uuid4()), "name": name, "uri": uri, "kind": cls.kind,
                               "description": description, "metadata": metadata})
        return _from_row(row)

    @classmethod
    def get(cls, name: str) -> "Record":
        """The record named ``name`` (of this kind, when called on a kind)."""
        row = q.record_by_name(name) if isinstance(name, str) else None
        if row is None:
            raise RecordError(f"no record named {name!r}")
        return cls._checked(_from_row(row), name)

    @classmethod
    def _checked(cls, record: "Record", name: str) -> "Record":
        if cls is not Record and record.kind_name != cls.kind:
            raise RecordError(f"record {name!r} is a {record.kind_name}, not a {cls.kind}")
        return record

    def refresh(self) -> "Record":
        row = q.record_by_id(self.pk)
        if row is None:
            raise RecordError(f"record {self.name!r} was deleted")
        fresh = _from_row(row)
        self.metadata, self.frozen, self.description, self.uri = fresh.metadata, fresh.frozen, fresh.description, fresh.uri
        return self

    # ---- tags and freezing --------------------------------------------------------------------------------
    @property
    def tags(self) -> dict[str, Any]:
        return dict(self.metadata.get("tags", {}))

    def tag(self, **tags: Any) -> None:
        """Set tags (typed JSON values); ``None`` removes a tag."""
        merged = self.tags
        for key, value in tags.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        metadata = {**self.metadata, "tags": merged}
        q.update_record(self.pk, metadata=metadata)
        self.metadata = metadata

    def freeze(self, frozen: bool = True) -> None:
        """A frozen record is a boundary of the invalidation cascade: neither marked nor walked through."""
        q.update_record(self.pk, frozen=frozen)
        self.frozen = frozen

    # ---- versions -----------------------------------------------------------------------------------------
    def update(self, value: Any, *, derived_from: Iterable[Any] = (), by: Any = None,
               actor: str | None = None) -> Version:
        """Make ``value`` (a node, a Python value, a path) the newest version — unless its content hash equals
        the newest version's, which is then returned. ``derived_from`` (versions, nodes or pks) and ``by`` (the
        process that made it) are recorded as derivations, followed by the invalidation cascade. One transaction:
        if anything fails, neither the node nor the version is stored."""
        node = _as_node(value)
        sources = [_node_pk(item, "derived_from") for item in derived_from]
        process_pk = None
        if by is not None:
            process_pk = _node_pk(by, "by")
            process = load_node(pk=process_pk)
            if process.process_type is None and not process.node_type.startswith("process"):
                raise RecordError(f"by={by!r} is not a process node")
        digest = node.node_hash if node.is_stored and node.node_hash else node.compute_hash()
        # one write transaction for the read and the writes: one connection and one BEGIN per update (the read
        # in its own connection was a third of the cost), and two concurrent updates cannot take one number
        with q.write_transaction():
            latest, earlier = q.latest_and_match(self.pk, digest, self.uuid)
            if latest is not None and latest["content_hash"] == digest:
                return Version._from_row(self, latest)
            if not node.is_stored and earlier is not None:
                node = load_node(pk=earlier["node_id"])  # back to old content: that node again, not a copy
            if not node.is_stored:
                store_all([node])
            if process_pk is not None:
                creator = node.creator
                if creator is None or creator.pk != process_pk:
                    sources.append(process_pk)  # made by it, though the graph has no create link: a derivation
            row = q.insert_version({
                "record_id": self.pk, "number": (latest["number"] + 1) if latest else 1, "node_id": node.pk,
                "previous_node_id": latest["node_id"] if latest else None, "content_hash": digest,
                "actor": _actor(actor), "process_id": process_pk,
            }, derived_from=sources)
        return Version._from_row(self, row)

    def versions(self) -> list[Version]:
        return [Version._from_row(self, row) for row in q.versions(self.pk)]

    def version(self, number: int) -> Version:
        row = q.version(self.pk, int(number))
        if row is None:
            raise RecordError(f"record {self.name!r} has no version {number} (it has {self._count()})")
        return Version._from_row(self, row)

    @property
    def latest(self) -> Version:
        row = q.latest_version(self.pk)
        if row is None:
            raise RecordError(f"record {self.name!r} has no versions yet")
        return Version._from_row(self, row)

    def __getitem__(self, key: str | int) -> Version:
        """``record[3]``, ``record["v3"]``, ``record["latest"]``, ``record["production"]`` (an alias)."""
        if isinstance(key, int) and not isinstance(key, bool):
            return self.version(key)
        if not isinstance(key, str):
            raise RecordError(f"record {self.name!r}: {key!r} is not a version (v3, 3) or an alias")
        if key == "latest":
            return self.latest
        match = VERSION_KEY.fullmatch(key)
        if match:
            return self.version(int(match.group(1)))
        number = q.alias_target(self.pk, key)
        if number is None:
            known = ", ".join(sorted(self.aliases())) or "none"
            raise RecordError(f"record {self.name!r} has no alias {key!r} (aliases: {known}; versions: v1..v{self._count()})")
        return self.version(number)

    def __len__(self) -> int:
        return self._count()

    def _count(self) -> int:
        latest = q.latest_version(self.pk)
        return latest["number"] if latest else 0

    def as_of(self, moment: datetime) -> Version:
        """The version that was the newest at ``moment`` (naive datetimes are UTC)."""
        if not isinstance(moment, datetime):
            raise RecordError(f"as_of needs a datetime, got {moment!r}")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        row = q.version_as_of(self.pk, moment)
        if row is None:
            raise RecordError(f"record {self.name!r} had no version yet at {moment.isoformat()}")
        return Version._from_row(self, row)

    # ---- aliases ------------------------------------------------------------------------------------------
    def set_alias(self, alias: str, target: "Version | int | str", *, actor: str | None = None) -> Version:
        """Point ``alias`` (``production``, any name but ``latest``) at a version; the move is kept in the history."""
        if not isinstance(alias, str) or not ALIAS.fullmatch(alias) or VERSION_KEY.fullmatch(alias) or alias in RESERVED_ALIASES:
            raise RecordError(f"alias {alias!r} is not valid (a name starting with a letter, not 'latest' or vN)")
        version = target if isinstance(target, Version) else self[target]
        if version.record.pk != self.pk:
            raise RecordError(f"{version!r} is not a version of {self.name!r}")
        q.move_alias(self.pk, alias, version.number, _actor(actor))
        return version

    def remove_alias(self, alias: str, *, actor: str | None = None) -> None:
        if alias not in self.aliases():
            raise RecordError(f"record {self.name!r} has no alias {alias!r}")
        q.move_alias(self.pk, alias, None, _actor(actor))

    def aliases(self) -> dict[str, int]:
        """alias → version number now (``latest`` included)."""
        aliases = q.current_aliases(self.pk)
        count = self._count()
        if count:
            aliases["latest"] = count
        return aliases

    def alias_history(self) -> list[dict[str, Any]]:
        return [{"alias": m["alias"], "version": m["version_number"], "time": m["time"], "actor": m["actor"]}
                for m in q.alias_history(self.pk)]

    # ---- history and diff -----------------------------------------------------------------------------------
    def history(self) -> list[dict[str, Any]]:
        """Versions and alias moves, oldest first: ``{"event": "version"|"alias", ...}``."""
        events: list[dict[str, Any]] = []
        for version in self.versions():
            events.append({"event": "version", "version": version.number, "node": version.node_pk,
                           "time": version.ctime, "actor": version.actor, "revision_of": version.previous_pk})
        for move in self.alias_history():
            events.append({"event": "alias", **move})
        events.sort(key=lambda e: (e["time"], 0 if e["event"] == "version" else 1))
        return events

    def diff(self, a: "Version | int | str", b: "Version | int | str") -> dict[str, Any]:
        """Content summary and lineage difference of two versions (which record inputs changed)."""
        from .diff import diff_versions

        first = a if isinstance(a, Version) else self[a]
        second = b if isinstance(b, Version) else self[b]
        return diff_versions(first, second)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and other.pk == self.pk

    def __hash__(self) -> int:
        return hash(("record", self.pk))

    def __repr__(self) -> str:
        return f"<{self.kind_name} {self.name!r} ({self._count()} versions)>"


class Model(Record):
    """A trained model (weights file, folder, or value)."""

    kind: ClassVar[str] = "Model"


class Dataset(Record):
    """A dataset (a folder, a file, an array, a table)."""

    kind: ClassVar[str] = "Dataset"


class Config(Record):
    """A configuration (a dict, a phil/json file)."""

    kind: ClassVar[str] = "Config"


class Fact(Record):
    """An independent fact, e.g. an experimental configuration: derived from nothing recorded."""

    kind: ClassVar[str] = "Fact"


_KINDS["Record"] = Record
KINDS = ("Model", "Dataset", "Config", "Fact", "Record")


def _from_row(row: Mapping[str, Any]) -> Record:
    cls = _KINDS.get(row["kind"], Record)
    return cls(pk=row["id"], name=row["name"], kind_name=row["kind"], uri=row.get("uri"),
               description=row.get("description") or "", metadata=dict(row.get("metadata") or {}),
               frozen=bool(row.get("frozen")), uuid=row.get("uuid", ""), ctime=row.get("ctime"))


def kind_class(kind: str) -> type[Record]:
    for name, cls in _KINDS.items():
        if name.lower() == str(kind).lower():
            return cls
    raise RecordError(f"unknown record kind {kind!r} (known: {', '.join(KINDS)})")


def find(kind: str | None = None, *, tags: Mapping[str, Any] | None = None, name: str | None = None) -> list[Record]:
    """Records of a kind, with these tags (key and value, typed), whose name matches a ``*`` pattern."""
    kind_name = kind_class(kind).kind if kind else None
    like = name.replace("*", "%") if name else None
    rows = q.find_records(kind_name, dict(tags or {}), like)
    if name:
        # LIKE is only a first sieve: its '_' matches any character, and SQLite compares ASCII letters without
        # case (PostgreSQL with): the pattern itself decides, '*' its only wildcard, the same on both backends
        pattern = re.compile(".*".join(re.escape(part) for part in name.split("*")), re.DOTALL)
        rows = [row for row in rows if pattern.fullmatch(row["name"])]
    # by code point on both backends (a PostgreSQL database created with a language's collation sorts otherwise)
    return [_from_row(row) for row in sorted(rows, key=lambda row: row["name"])]


def versions_of(node: Node | int) -> list[Version]:
    """The record versions a node is."""
    pk = _node_pk(node, "node")
    found = []
    for row in q.versions_of_nodes([pk]).get(pk, []):
        record = q.record_by_id(row["record_id"])
        if record is not None:
            found.append(Version._from_row(_from_row(record), row))
    return found


def _as_node(value: Any) -> Node:
    if isinstance(value, Version):
        return value.node
    if isinstance(value, Node):
        return value
    if isinstance(value, (str, Path)) and isinstance(value, Path):
        if value.is_dir():
            from ..orm.nodes.files import Folder

            folder = Folder()
            folder.put_folder(value)
            folder.label = value.name[:255]
            return folder
        if not value.exists():
            raise RecordError(f"path {str(value)!r} does not exist")
    try:
        return to_data(value)
    except Exception as exc:  # noqa: BLE001 - named, one line
        raise RecordError(f"cannot make a version of {type(value).__name__} value: {exc}") from None


def _node_pk(item: Any, what: str) -> int:
    if isinstance(item, Version):
        return item.node_pk
    if isinstance(item, Record):
        return item.latest.node_pk
    if isinstance(item, Node):
        if not item.is_stored or item.pk is None:
            raise RecordError(f"{what}: {item!r} is not stored")
        return item.pk
    if isinstance(item, int) and not isinstance(item, bool):
        load_node(pk=item)  # raises NotExistent naming it
        return item
    if isinstance(item, str) and "@" in item:
        name, _, key = item.partition("@")
        return Record.get(name)[key].node_pk
    if isinstance(item, str):
        return load_node(item).pk
    raise RecordError(f"{what}: {item!r} is not a node, a version or a pk")


def resolve(spec: str | int | Node | Version | Record) -> int:
    """A node pk from ``name@v3`` / ``name@production`` / ``name`` (its latest) / pk / uuid / node / version."""
    if isinstance(spec, str) and "@" not in spec and q.record_by_name(spec) is not None:
        return Record.get(spec).latest.node_pk
    return _node_pk(spec, "node")


__all__: Sequence[str] = ("Config", "Dataset", "Fact", "Model", "Record", "RecordError", "Version", "find",
                          "kind_class", "resolve", "versions_of")
