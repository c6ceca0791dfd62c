"""The rules of the provenance graph, in one place.

=============  ==========================  ===========================  ==========================================
link type      source                      target                       rule
=============  ==========================  ===========================  ==========================================
input_calc     data (stored)               calculation or cell (new)    input labels unique per process
create         calculation or cell         data (new)                   a datum has at most one creator
input_work     data (stored)               workflow (new)               input labels unique per process
return         workflow or cell            data (already stored)        output labels unique per process
call_calc      workflow or cell            calculation (new)            a process has at most one caller
call_work      workflow or cell            workflow (new)               a process has at most one caller
=============  ==========================  ===========================  ==========================================

Common to all: the source is stored (or stored in the same batch, before the target), and a process
that is the source of a new link is not sealed. Links into a node are written when the node is stored and
never change after; the one exception is ``return``, which a workflow adds to data that exists already
(the datum's creator, and so the data provenance, stays as it was). Because ``input_*``/``create`` links
only ever point into a node as it is stored, the data-provenance graph cannot get a cycle.
A *cell* is a notebook cell execution: it computes (creates new values) and orchestrates (calls
processes, returns values that processes made), so it may be the source of every outgoing type.
Degree and label-uniqueness rules are also enforced by unique indexes in the database.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from .exceptions import LinkError

LINK_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LINK_LABEL_MAX = 255


class LinkType(str, enum.Enum):
    INPUT_CALC = "input_calc"
    CREATE = "create"
    INPUT_WORK = "input_work"
    RETURN = "return"
    CALL_CALC = "call_calc"
    CALL_WORK = "call_work"

    def __str__(self) -> str:
        return self.value


DATA_LINKS = (LinkType.INPUT_CALC, LinkType.CREATE)
INPUT_LINKS = (LinkType.INPUT_CALC, LinkType.INPUT_WORK)
OUTPUT_LINKS = (LinkType.CREATE, LinkType.RETURN)
CALL_LINKS = (LinkType.CALL_CALC, LinkType.CALL_WORK)


@dataclass(frozen=True)
class LinkRule:
    sources: frozenset[str]
    targets: frozenset[str]
    target_stored: bool  # True: the target exists already (return); False: it is being stored now
    one_per_target: bool  # at most one link of this kind into a target (creator / caller)
    unique_label: str | None  # "target" (incoming labels unique) or "source" (outgoing labels unique)


_CALC = frozenset({"calculation", "cell"})
_WORK = frozenset({"workflow", "cell"})
_DATA = frozenset({"data"})

RULES: dict[LinkType, LinkRule] = {
    LinkType.INPUT_CALC: LinkRule(_DATA, _CALC, False, False, "target"),
    LinkType.CREATE: LinkRule(_CALC, _DATA, False, True, "source"),
    LinkType.INPUT_WORK: LinkRule(_DATA, frozenset({"workflow"}), False, False, "target"),
    LinkType.RETURN: LinkRule(_WORK, _DATA, True, False, "source"),
    LinkType.CALL_CALC: LinkRule(_WORK, frozenset({"calculation"}), False, True, None),
    LinkType.CALL_WORK: LinkRule(_WORK, frozenset({"workflow"}), False, True, None),
}


class LinkTriple(NamedTuple):
    """One link seen from one end: the node at the other end, the link type and the label."""

    node: Any  # a Node (this module sits below the node classes)
    link_type: LinkType
    link_label: str


def validate_label(label: str) -> str:
    if not isinstance(label, str) or not LINK_LABEL.fullmatch(label) or len(label) > LINK_LABEL_MAX:
        raise LinkError(
            f"invalid link label {label!r}: use a Python identifier of at most {LINK_LABEL_MAX} characters "
            "(namespaces are joined with '__')"
        )
    return label


def to_link_type(link_type: LinkType | str) -> LinkType:
    try:
        return LinkType(link_type)
    except ValueError:
        known = ", ".join(t.value for t in LinkType)
        raise LinkError(f"unknown link type {link_type!r} (known: {known})") from None


def validate_link(source: Any, target: Any, link_type: LinkType | str, label: str) -> LinkType:
    """Check a link between two nodes against the rules that need no database query; raise :class:`LinkError` naming both ends.

    The nodes are known by their ``link_kind`` (this module sits below the node classes and does not import them).
    """
    link_type = to_link_type(link_type)
    validate_label(label)
    if not isinstance(getattr(source, "link_kind", None), str) or not isinstance(getattr(target, "link_kind", None), str):
        raise LinkError(f"{link_type.value} link {label!r}: both ends must be nodes, got {source!r} -> {target!r}")
    rule = RULES[link_type]
    where = f"{link_type.value} link {label!r} from {source!r} to {target!r}"
    if source.link_kind not in rule.sources or target.link_kind not in rule.targets:
        raise LinkError(
            f"{where}: a {link_type.value} link goes from {' or '.join(sorted(rule.sources))} "
            f"to {' or '.join(sorted(rule.targets))}, not from {source.link_kind} to {target.link_kind}"
        )
    if source is target or (source.is_stored and source.pk == target.pk):
        raise LinkError(f"{where}: a node cannot link to itself")
    if rule.target_stored and not target.is_stored:
        raise LinkError(f"{where}: a {link_type.value} link points at data that is stored already; store it first")
    if not rule.target_stored and target.is_stored:
        raise LinkError(f"{where}: the target is stored, and links into a stored node never change")
    if getattr(source, "is_sealed", False):
        raise LinkError(f"{where}: the source process is sealed (terminal), it takes no new links")
    if getattr(target, "is_sealed", False):
        raise LinkError(f"{where}: the target process is sealed (terminal), it takes no new links")
    if link_type is LinkType.RETURN and not source.is_stored:
        raise LinkError(f"{where}: the workflow must be stored before it returns data")
    return link_type
