"""Deleting nodes without leaving a provenance graph that lies.

``delete_nodes(pks)`` collects what the delete rules force to go along (see
:data:`~jupyter_prov.orm.traverse.DELETE_RULES`: the calculations that used a deleted datum and all
they made, the workflows that called a deleted process, ...). With ``dry_run=True`` (the default) it
only reports that set; otherwise it removes the nodes with their links, group memberships, comments
and logs in one transaction. File bytes stay in the repository until ``jprov storage maintain``
reclaims the ones no node refers to any more. A process that is not sealed (still running, or never
finished) cannot be deleted: its worker would write into a node that is gone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Column, delete, func, not_, or_, select

from ..storage import schema
from . import current
from .exceptions import OrmError
from .traverse import CHUNK_SIZE, DELETE_RULES, id_in, traverse_graph


class DeleteError(OrmError):
    """The nodes cannot be deleted (an unsealed process is among them); nothing was deleted."""


@dataclass
class DeleteResult:
    """What a delete removes (``dry_run``) or removed: node pks, and counts by node type."""

    pks: list[int]
    requested: list[int]
    dry_run: bool
    node_types: dict[str, int] = field(default_factory=dict)
    unsealed: list[int] = field(default_factory=list)
    rows_deleted: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pks)

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(self.node_types.items()))
        extra = len(self.pks) - len(set(self.requested))
        return f"{verb} {len(self.pks)} node(s) ({kinds}); {extra} of them because provenance requires it"


def _chunks(values: list[int]):
    for offset in range(0, len(values), CHUNK_SIZE):
        yield values[offset:offset + CHUNK_SIZE]


def _describe(conn, pks: list[int], dialect: str) -> tuple[Counter, list[int]]:
    """Node counts by type, and the unsealed processes among ``pks``: both counted in the database."""
    from .querybuilder.filters import JsonPath
    from .type_strings import node_type_condition

    nodes = schema.nodes
    sealed = JsonPath(nodes.c.attributes, ["sealed"], dialect, "attributes.sealed").equals(True)
    kinds: Counter = Counter()
    unsealed: list[int] = []
    for chunk in _chunks(pks):
        among = id_in(nodes.c.id, chunk, dialect)
        counts = conn.execute(select(nodes.c.node_type, func.count()).where(among).group_by(nodes.c.node_type))
        kinds.update(dict(counts.all()))
        unsealed += conn.execute(select(nodes.c.id).where(
            among, node_type_condition(nodes.c.node_type, "process", dialect=dialect),
            or_(sealed.is_(None), not_(sealed)))).scalars()
    return kinds, sorted(unsealed)



def delete_nodes(pks: int | Iterable[int], *, dry_run: bool = True, storage=None, **rules: bool) -> DeleteResult:
    """Delete ``pks`` and everything provenance forces to go with them (only report it if ``dry_run``).

    ``rules`` switch the toggleable delete rules (``create_forward``, ``call_calc_forward``,
    ``call_work_forward``). Raises :class:`DeleteError` if an unsealed process would be deleted, and
    :class:`~jupyter_prov.orm.traverse.TraversalError` for unknown pks or rules; then nothing changes.
    """
    storage = storage or current.get_storage()
    ruleset = DELETE_RULES.with_toggles(**rules)
    requested = [pks] if isinstance(pks, int) else list(pks)
    if dry_run:
        with storage.connection() as conn:
            return _plan(conn, requested, ruleset, storage, dry_run=True)
    with storage.transaction() as conn:
        result = _plan(conn, requested, ruleset, storage, dry_run=False)
        if result.unsealed:
            raise DeleteError(
                f"cannot delete: {len(result.unsealed)} process(es) are not sealed (running or never finished): "
                f"pk {result.unsealed[:20]}; wait for them to finish or kill them first. Nothing was deleted."
            )
        result.rows_deleted = _remove(conn, result.pks, storage.dialect)
    return result


def _plan(conn, requested: list[int], ruleset, storage, *, dry_run: bool) -> DeleteResult:
    if not requested:
        return DeleteResult([], [], dry_run)
    traversal = traverse_graph(requested, rules=ruleset, storage=storage, get_links=False)
    pks = sorted(traversal.nodes)
    kinds, unsealed = _describe(conn, pks, storage.dialect)
    return DeleteResult(pks, requested, dry_run, dict(kinds), unsealed)


def _node_references() -> list[tuple[str, Column]]:
    """(table name, column) of every column that refers to ``db_node.id``: links, memberships, comments, ..."""
    found: list[tuple[str, Column]] = []
    for table in schema.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column is schema.nodes.c.id for fk in column.foreign_keys):
                found.append((table.name, column))
    return found


def _remove(conn, pks: list[int], dialect: str) -> dict[str, int]:
    counts: Counter = Counter()
    references = _node_references()
    for chunk in _chunks(pks):
        for name, column in references:
            counts[name] += conn.execute(delete(column.table).where(id_in(column, chunk, dialect))).rowcount
    for chunk in _chunks(pks):
        counts["db_node"] += conn.execute(delete(schema.nodes).where(id_in(schema.nodes.c.id, chunk, dialect))).rowcount
    return dict(counts)
