"""The links of a node: adding incoming ones before storing, reading both directions, walking the graph.

An unstored node collects its incoming links; they are checked here against the rules that need no
database (:func:`..links.validate_link`) and against the degree rules of the pending ones (one
creator, one caller, unique input labels), and written with the node (:mod:`.storing`).
"""

from __future__ import annotations

from typing import Iterator, Sequence, TYPE_CHECKING

from ..exceptions import LinkError, ModificationNotAllowed
from ..links import LinkTriple, LinkType, to_link_type, validate_link
from .fields import NodeFields
from .loading import load_nodes, query_links
from .storing import insert_links


class NodeLinks(NodeFields):
    """The link methods of :class:`~.node.Node` (a base class of it; it has no state of its own)."""

    if not TYPE_CHECKING:  # no slots of its own (Node has them); hidden from mypy, which would want them here
        __slots__ = ()

    def add_incoming(self, source: "NodeLinks", link_type: LinkType | str, link_label: str) -> None:
        """Link ``source`` into this node. Written when this node is stored (``return`` links: at once)."""
        if not isinstance(source, NodeLinks):
            raise LinkError(f"{to_link_type(link_type).value} link {link_label!r}: both ends must be nodes, "
                            f"got {source!r} -> {self!r}")
        link_type = validate_link(source, self, link_type, link_label)
        if self.is_stored:  # only return links reach here (validate_link checked it)
            insert_links([(source.pk, self._pk, link_label, link_type.value)], [(source, self, link_type, link_label)])
            return
        for other, other_type, other_label in self._incoming:
            if other_type is link_type and link_type is LinkType.CREATE:
                raise LinkError(f"{self!r} has a creator already ({other!r}); a datum has one creator")
            if other_type in (LinkType.CALL_CALC, LinkType.CALL_WORK) and link_type in (LinkType.CALL_CALC, LinkType.CALL_WORK):
                raise LinkError(f"{self!r} has a caller already ({other!r}); a process has one caller")
            if other_label == link_label and other_type is link_type and link_type in (LinkType.INPUT_CALC, LinkType.INPUT_WORK):
                raise LinkError(f"{self!r} has an input labelled {link_label!r} already; input labels are unique")
        self._incoming.append((source, link_type, link_label))

    def get_incoming(self, link_type: LinkType | str | Sequence[LinkType | str] | None = None,
                     link_label: str | None = None) -> list[LinkTriple]:
        """Links into this node (for an unstored node: the pending ones)."""
        types = _link_types(link_type)
        if not self.is_stored:
            return [LinkTriple(n, t, l) for n, t, l in self._incoming
                    if (types is None or t in types) and (link_label is None or l == link_label)]
        return query_links(self._backend, self._pk, incoming=True, types=types, label=link_label)

    def get_outgoing(self, link_type: LinkType | str | Sequence[LinkType | str] | None = None,
                     link_label: str | None = None) -> list[LinkTriple]:
        """Links out of this node (stored nodes only)."""
        if not self.is_stored:
            return []
        return query_links(self._backend, self._pk, incoming=False, types=_link_types(link_type), label=link_label)

    def discard_pending_links(self, link_type: LinkType | str) -> None:
        """Drop the pending incoming links of ``link_type`` of this unstored node (stored links never change)."""
        self._check_mutable("links")
        link_type = to_link_type(link_type)
        self._incoming = [link for link in self._incoming if link[1] is not link_type]

    @property
    def inputs(self) -> LinkNamespace:
        """Incoming nodes by link label: ``calc.inputs.x`` (input and call links)."""
        return LinkNamespace(self, incoming=True)

    @property
    def outputs(self) -> LinkNamespace:
        """Outgoing nodes by link label: ``calc.outputs.result`` (create and return links)."""
        return LinkNamespace(self, incoming=False)

    @property
    def creator(self) -> "NodeLinks | None":
        """The calculation (or cell) that created this node, if any."""
        links = self.get_incoming(LinkType.CREATE)
        return links[0].node if links else None

    def ancestors(self, *, link_types=None, max_depth: int | None = None, node_types=None) -> list["NodeLinks"]:
        """Nodes this one derives from (default: along ``input_calc``/``create`` links), ordered by pk.

        See :func:`jupyter_prov.orm.traverse.ancestors` for the options.
        """
        from ..traverse import ancestors

        pks = ancestors(self._stored_pk("ancestors"), link_types=link_types, max_depth=max_depth,
                        node_types=node_types, storage=self._backend)
        return load_nodes(sorted(pks), storage=self._storage)

    def descendants(self, *, link_types=None, max_depth: int | None = None, node_types=None) -> list["NodeLinks"]:
        """Nodes derived from this one (default: along ``input_calc``/``create`` links), ordered by pk."""
        from ..traverse import descendants

        pks = descendants(self._stored_pk("descendants"), link_types=link_types, max_depth=max_depth,
                          node_types=node_types, storage=self._backend)
        return load_nodes(sorted(pks), storage=self._storage)

    def _stored_pk(self, what: str) -> int:
        if self._pk is None:
            raise ModificationNotAllowed(f"{self!r} is not stored: it has no {what} in the graph yet")
        return self._pk


def _link_types(link_type) -> frozenset[LinkType] | None:
    if link_type is None:
        return None
    if isinstance(link_type, (str, LinkType)):
        return frozenset({to_link_type(link_type)})
    return frozenset(to_link_type(t) for t in link_type)


class LinkNamespace:
    """Attribute and item access to the nodes at the other end of a node's links, by label."""

    def __init__(self, node: NodeLinks, incoming: bool):
        self._node = node
        self._incoming = incoming

    def _links(self) -> dict[str, NodeLinks]:
        if self._incoming:
            triples = self._node.get_incoming()
        else:
            triples = self._node.get_outgoing((LinkType.CREATE, LinkType.RETURN))
        return {t.link_label: t.node for t in triples}

    def __getitem__(self, label: str) -> NodeLinks:
        links = self._links()
        try:
            return links[label]
        except KeyError:
            side = "input" if self._incoming else "output"
            raise KeyError(f"{self._node!r} has no {side} labelled {label!r} (it has: {', '.join(sorted(links)) or 'none'})") from None

    def __getattr__(self, label: str) -> NodeLinks:
        if label.startswith("_"):
            raise AttributeError(label)
        try:
            return self[label]
        except KeyError as exc:
            raise AttributeError(exc.args[0]) from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._links()))

    def __contains__(self, label: object) -> bool:
        return label in self._links()

    def __len__(self) -> int:
        return len(self._links())

    def items(self):
        return sorted(self._links().items())

    def __dir__(self) -> list[str]:
        return sorted(self._links())

    def __repr__(self) -> str:
        return f"<{'inputs' if self._incoming else 'outputs'} of {self._node!r}: {', '.join(self)}>"
