"""How a new vertex joins one appended before it (``with_incoming='calc'``, ``with_group='g'``, ...).

=================  =========================  =========================================================
vertex kind        relationship (other kind)  meaning
=================  =========================  =========================================================
node               with_incoming (node)       this node has a link coming in from the other (its output)
node               with_outgoing (node)       this node has a link going out to the other (its input)
node               with_ancestors (node)      this node is a descendant of the other (data provenance)
node               with_descendants (node)    this node is an ancestor of the other (data provenance)
node               with_group (group)         this node is a member of the group
node               with_user (user)           this node belongs to the user
node               with_computer (computer)   this node ran on / refers to the computer
node               with_comment (comment)     the comment is about this node
node               with_log (log)             the log is about this node
group              with_node (node)           the group holds the node
group              with_user (user)           the group belongs to the user
user               with_node / with_group /   the user owns the node / group / comment
                   with_comment
computer           with_node (node)           the node refers to the computer
comment, log       with_node (node)           the comment / log is about the node
comment            with_user (user)           the user wrote the comment
=================  =========================  =========================================================

``with_incoming``/``with_outgoing`` go through one ``db_link`` row: the *edge*, which has its own tag
(``"<other>--<this>"`` by default), filters and projections (``type``, ``label``, ``id``...).
``with_ancestors``/``with_descendants`` follow ``input_calc`` and ``create`` links, as a recursive query
that starts only from the rows the other vertex's own filters allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select

from ...storage import schema
from ..links import DATA_LINKS
from .errors import QueryError


@dataclass(frozen=True)
class Relationship:
    other: str  # kind of the vertex joined to
    via: str  # link_in, link_out, descendants, ancestors, member, holder, this_fk, other_fk
    column: str | None = None

    @property
    def has_edge(self) -> bool:
        return self.via in ("link_in", "link_out")


RELATIONSHIPS: dict[str, dict[str, Relationship]] = {
    "node": {
        "with_incoming": Relationship("node", "link_in"),
        "with_outgoing": Relationship("node", "link_out"),
        "with_ancestors": Relationship("node", "descendants"),
        "with_descendants": Relationship("node", "ancestors"),
        "with_group": Relationship("group", "member"),
        "with_user": Relationship("user", "this_fk", "user_id"),
        "with_computer": Relationship("computer", "this_fk", "computer_id"),
        "with_comment": Relationship("comment", "other_fk", "node_id"),
        "with_log": Relationship("log", "other_fk", "node_id"),
    },
    "group": {
        "with_node": Relationship("node", "holder"),
        "with_user": Relationship("user", "this_fk", "user_id"),
    },
    "user": {
        "with_node": Relationship("node", "other_fk", "user_id"),
        "with_group": Relationship("group", "other_fk", "user_id"),
        "with_comment": Relationship("comment", "other_fk", "user_id"),
    },
    "computer": {"with_node": Relationship("node", "other_fk", "computer_id")},
    "comment": {
        "with_node": Relationship("node", "this_fk", "node_id"),
        "with_user": Relationship("user", "this_fk", "user_id"),
    },
    "log": {"with_node": Relationship("node", "this_fk", "node_id")},
}

ALL_KEYWORDS = sorted({keyword for table in RELATIONSHIPS.values() for keyword in table})


def lookup(kind: str, keyword: str) -> Relationship:
    table = RELATIONSHIPS[kind]
    if keyword not in table:
        raise QueryError(f"a {kind} cannot be joined {keyword}: known for {kind}: {', '.join(table)}")
    return table[keyword]


def closure_cte(start_ids, direction: str, name: str, *, single: bool = False):
    """(start, id) pairs: every node reachable from each start id along data-provenance links, each once.

    ``single``: the start is one node, so the pairs need no ``start`` column (a smaller recursion);
    the CTE then has ``id`` only.
    """
    links = schema.links
    types = [t.value for t in DATA_LINKS]
    near, far = (links.c.input_id, links.c.output_id) if direction == "forward" else (links.c.output_id, links.c.input_id)
    if single:
        base = select(far.label("id")).where(near.in_(start_ids), links.c.type.in_(types))
        cte = base.cte(name, recursive=True)
        return cte.union(select(far).where(near == cte.c.id, links.c.type.in_(types)))
    base = select(near.label("start"), far.label("id")).where(near.in_(start_ids), links.c.type.in_(types))
    cte = base.cte(name, recursive=True)
    step = select(cte.c.start, far).where(near == cte.c.id, links.c.type.in_(types))
    return cte.union(step)


def join(from_clause, relationship: Relationship, this, other, *, edge=None, start_ids=None, on=None,
         outer: bool = False, name: str = "closure", single_start: bool = False):
    """``from_clause`` joined to the alias ``this`` through ``relationship`` to the alias ``other``."""
    extra = [on] if on is not None else []
    via = relationship.via
    if via in ("link_in", "link_out"):
        source, target = (edge.c.input_id, edge.c.output_id) if via == "link_in" else (edge.c.output_id, edge.c.input_id)
        from_clause = from_clause.join(edge, source == other.c.id, isouter=outer)
        return from_clause.join(this, and_(this.c.id == target, *extra), isouter=outer)
    if via in ("descendants", "ancestors"):
        cte = closure_cte(start_ids, "forward" if via == "descendants" else "backward", name, single=single_start)
        # with a single start the other vertex is that node (its filters say so), so any row of the CTE pairs with it
        start_matches = cte.c.id.is_not(None) if single_start else cte.c.start == other.c.id
        from_clause = from_clause.join(cte, start_matches, isouter=outer)
        return from_clause.join(this, and_(this.c.id == cte.c.id, *extra), isouter=outer)
    if via in ("member", "holder"):
        membership = schema.group_nodes.alias(f"{name}_gn")
        near, far = (membership.c.group_id, membership.c.node_id) if via == "member" else (
            membership.c.node_id, membership.c.group_id)
        from_clause = from_clause.join(membership, near == other.c.id, isouter=outer)
        return from_clause.join(this, and_(this.c.id == far, *extra), isouter=outer)
    if via == "this_fk":
        return from_clause.join(this, and_(this.c[relationship.column] == other.c.id, *extra), isouter=outer)
    if via == "other_fk":
        return from_clause.join(this, and_(this.c.id == other.c[relationship.column], *extra), isouter=outer)
    raise QueryError(f"unknown join {via!r}")
