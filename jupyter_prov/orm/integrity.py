"""Tamper detection: does the store still hold what it promised when each thing was written?

Two promises can be checked without trusting anything but the bytes themselves: a node's
``node_hash`` is the ORM's hash (:mod:`.hashing`) of its type, its content-defining attributes and
its file tree, computed when it was stored; a repository object's key is the SHA-256 of its bytes.
:func:`verify_storage` recomputes both and lists what differs: rows whose attributes (or file tree)
were changed behind the ORM's back, objects whose bytes changed in a pack or a loose file, and
objects that a node names but the repository lacks. ``jprov storage verify`` prints the report and
exits non-zero on any finding; ``jprov storage maintain`` runs a sampled check.

Hashing every node costs one load and one SHA-256 of canonical JSON per node (process nodes also read
their input links), and every object is read back in full, so by default a random sample of each is
checked (``sample``); ``sample=None`` checks everything. Missing objects are always looked for in
full (the key lists are cheap).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..storage import schema
from . import current

#: nodes and objects checked by default (each), a few seconds on a laptop
DEFAULT_SAMPLE = 1000
_BATCH = 500


@dataclass
class IntegrityReport:
    """What :func:`verify_storage` checked and found; ``findings`` counts the problems."""

    nodes_total: int = 0
    nodes_checked: int = 0
    nodes_without_hash: int = 0
    objects_total: int = 0
    objects_checked: int = 0
    tampered_nodes: list[dict[str, Any]] = field(default_factory=list)
    corrupt_objects: list[str] = field(default_factory=list)
    missing_objects: list[str] = field(default_factory=list)
    sampled: bool = True

    @property
    def findings(self) -> int:
        return len(self.tampered_nodes) + len(self.corrupt_objects) + len(self.missing_objects)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "findings": self.findings}


def verify_storage(*, sample: int | None = DEFAULT_SAMPLE, seed: int | None = None, storage=None) -> IntegrityReport:
    """Recompute node hashes and object hashes of ``storage`` (default: the loaded profile's).

    ``sample``: check that many nodes and that many objects, chosen at random (``None``: all).
    """
    storage = storage or current.get_storage()
    rng = random.Random(seed)
    report = IntegrityReport(sampled=sample is not None)
    table = schema.nodes
    with storage.connection() as conn:
        report.nodes_total = conn.execute(select(func.count()).select_from(table)).scalar_one()
        pks = conn.execute(select(table.c.id).where(table.c.node_hash.is_not(None)).order_by(table.c.id)).scalars().all()
    report.nodes_without_hash = report.nodes_total - len(pks)
    if sample is not None and sample < len(pks):
        pks = sorted(rng.sample(pks, sample))
    for start in range(0, len(pks), _BATCH):
        report.tampered_nodes += _check_nodes(pks[start:start + _BATCH], storage)
    report.nodes_checked = len(pks)

    repository = storage.repository
    # the names first, then the objects: an object is written before the row that names it, so a node
    # committed meanwhile by another process cannot look like one whose object is missing
    named = storage.referenced_object_keys()
    present = set(repository.list_keys()) if repository.is_initialised else set()
    report.objects_total = len(present)
    report.missing_objects = sorted(named - present)
    if present:
        checked = repository.verify_objects(present, sample=sample, seed=rng.randrange(2**32))
        report.objects_checked = checked["checked"]
        report.corrupt_objects = checked["corrupt"]
        report.missing_objects = sorted(set(report.missing_objects) | set(checked["missing"]))
    return report


def _check_nodes(pks: list[int], storage) -> list[dict[str, Any]]:
    """The nodes among ``pks`` whose stored hash is not the hash of what they hold now."""
    from .nodes.node import load_nodes

    found: list[dict[str, Any]] = []
    try:
        nodes = load_nodes(pks, storage=storage)
    except Exception:  # noqa: BLE001 - one unreadable row: find it by loading one at a time
        nodes = []
        for pk in pks:
            try:
                nodes += load_nodes([pk], storage=storage)
            except Exception as exc:  # noqa: BLE001 - a row the ORM cannot read is a finding, not a crash
                found.append({"pk": pk, "problem": f"the row cannot be read: {type(exc).__name__}: {exc}"[:300]})
    for node in nodes:
        try:
            computed = node.compute_hash()
        except Exception as exc:  # noqa: BLE001 - e.g. a NaN written into the attributes behind the ORM
            found.append({"pk": node.pk, "uuid": node.uuid,
                          "problem": f"cannot hash: {type(exc).__name__}: {exc}"[:300]})
            continue
        if computed != node.node_hash:
            found.append({"pk": node.pk, "uuid": node.uuid, "stored_hash": node.node_hash,
                          "computed_hash": computed, "problem": "its content does not match its stored hash"})
    return found
