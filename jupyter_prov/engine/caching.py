"""Caching of calculations: run nothing when an identical calculation finished before.

The identity of a calculation is its node hash: process type, the recorded code version (source hash)
and the hashes of its inputs (see ``ProcessNode._hash_payload``). A *hit* stores a new process node
with the new inputs, copies of the original's outputs linked with the same labels, and the attribute
``cached_from`` (the original's UUID); the function is not executed.

Configuration is per profile (``options.caching`` of the profile in ``config.json``)::

    {"enabled": false, "enabled_for": ["mymodule:*"], "disabled_for": ["mymodule:slow_random"]}

and can be overridden for a block of code with :func:`enable_caching` / :func:`disable_caching`.
Knobs to invalidate: :func:`set_cacheable` (the extra ``_jprov_cacheable``) on a node stops it from
being used as a cache source; :func:`rehash` recomputes stored hashes (after a hashing change).

A hit trusts nothing it has not checked. Before a calculation is reused, its hash and the hashes of
its inputs and outputs are recomputed from their content and compared with the stored ``node_hash``
(:func:`verify_cache_source`): a row changed behind the ORM's back (an output edited to 999 in an
archive's database, or with SQL in the profile) no longer matches, is never reused, and is reported
with a warning naming it. That cannot catch a forger who also writes the hash their content has, so
calculations that come from an archive are not cache sources at all: the importer marks them
``_jprov_cacheable: false`` (:data:`NOT_A_CACHE_SOURCE`), and only ``set_cacheable(node, True)`` — the
user vouching for the archive — makes one reusable. Verifying costs a few hash computations per
hit; the figures are in ``benchmarks/results/caching.md``.

An **invalid** calculation (issue #17: it, or a node it created, is marked invalid by
:func:`jupyter_prov.records.invalidate`, directly or through the cascade) is never a cache source, and
neither is a cached copy of one (``cached_from`` names the original, which the cascade does not reach):
caching must not bring a bad result back. One indexed query per candidate
(:func:`jupyter_prov.orm.record_queries.is_invalid_cache_source`); a revalidated one is a source again.
"""

from __future__ import annotations

import contextvars
import fnmatch
import logging
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from ..config import get_config
from ..orm import Node, ProcessNode, ProcessState, current, load_node
from ..orm.links import INPUT_LINKS, LinkType
from ..orm.nodes.loading import find_by_hash
from ..orm.nodes.storing import rehash as rehash_nodes
from ..orm.record_queries import is_invalid_cache_source

log = logging.getLogger(__name__)

CACHEABLE_EXTRA = "_jprov_cacheable"
#: the extras the importer adds to every process node it brings in: no archive is trusted to say what a
#: calculation produced (``set_cacheable(node, True)`` vouches for one)
NOT_A_CACHE_SOURCE = {CACHEABLE_EXTRA: False}

_overrides: contextvars.ContextVar[tuple[tuple[bool, frozenset[str] | None], ...]] = contextvars.ContextVar(
    "jupyter_prov_caching", default=()
)


def _identifiers(identifiers: Iterable[Any]) -> frozenset[str] | None:
    names = set()
    for item in identifiers:
        if isinstance(item, str):
            names.add(item)
        else:
            from .kinds import process_class_of

            process_type = getattr(process_class_of(item), "process_type")  # a process class's classmethod
            names.add(process_type())
    return frozenset(names) or None


@contextmanager
def enable_caching(*identifiers: Any) -> Iterator[None]:
    """Use the cache inside this block: for all calculations, or for the given functions/classes/process types."""
    token = _overrides.set(_overrides.get() + ((True, _identifiers(identifiers)),))
    try:
        yield
    finally:
        _overrides.reset(token)


@contextmanager
def disable_caching(*identifiers: Any) -> Iterator[None]:
    """Never use the cache inside this block (for all, or for the given functions/classes/process types)."""
    token = _overrides.set(_overrides.get() + ((False, _identifiers(identifiers)),))
    try:
        yield
    finally:
        _overrides.reset(token)


def _matches(process_type: str, patterns: Iterable[str]) -> bool:
    return any(process_type == p or fnmatch.fnmatchcase(process_type, p) for p in patterns)


def get_caching_config() -> dict[str, Any]:
    profile = current.get_profile()
    options = profile.options.get("caching", {}) if profile is not None else {}
    return {"enabled": bool(options.get("enabled", False)), "enabled_for": list(options.get("enabled_for", [])),
            "disabled_for": list(options.get("disabled_for", []))}


def configure_caching(*, enabled: bool | None = None, enabled_for: list[str] | None = None,
                      disabled_for: list[str] | None = None) -> dict[str, Any]:
    """Change the caching configuration of the loaded profile (saved in ``config.json``); returns it."""
    profile = current.get_profile() or current.load_profile()
    config = get_config()
    stored = config.get_profile(profile.name)
    options = dict(stored.options.get("caching", {}))
    if enabled is not None:
        options["enabled"] = bool(enabled)
    if enabled_for is not None:
        options["enabled_for"] = list(enabled_for)
    if disabled_for is not None:
        options["disabled_for"] = list(disabled_for)
    stored.options["caching"] = options
    config.save()
    profile.options["caching"] = options
    return get_caching_config()


def is_caching_enabled(process_type: str) -> bool:
    """Whether a calculation of ``process_type`` may be taken from the cache here and now."""
    for enabled, names in reversed(_overrides.get()):
        if names is None or _matches(process_type, names):
            return enabled
    config = get_caching_config()
    if _matches(process_type, config["disabled_for"]):
        return False
    if _matches(process_type, config["enabled_for"]):
        return True
    return config["enabled"]


def set_cacheable(node: Node, cacheable: bool) -> None:
    """Allow or forbid ``node`` to be the source of cache hits (an extra; survives export)."""
    if cacheable:
        if CACHEABLE_EXTRA in node.extras:
            node.delete_extra(CACHEABLE_EXTRA)
    else:
        node.set_extra(CACHEABLE_EXTRA, False)


def is_trusted_cache_source(node: Node) -> bool:
    """Whether ``node`` may be a cache source at all: not marked otherwise (imported nodes are marked)."""
    return node.get_extra(CACHEABLE_EXTRA, True) is not False


def is_valid_cache(node: ProcessNode) -> bool:
    if node.process_state is not ProcessState.FINISHED or not node.is_sealed:
        return False
    if not is_trusted_cache_source(node):
        return False
    if node.get_attribute("exit_status", 0) != 0 and node.get_attribute("invalidates_cache", False):
        return False
    return node.get_attribute("exit_status", 0) == 0


def verify_cache_source(node: ProcessNode) -> str | None:
    """Why the stored ``node`` must not be reused (its content and its stored hashes disagree), or ``None``.

    Checks the inputs (their hashes make the calculation's), the calculation itself and every output it
    created: each hash recomputed from the row's content against the stored ``node_hash``.
    """
    return _verify(node)[0]


def _verify(node: ProcessNode) -> tuple[str | None, list]:
    """(problem or ``None``, the outputs as link triples: the hit clones them without asking again)."""
    inputs = node.get_incoming(INPUT_LINKS)
    for triple in inputs:
        if triple.node.compute_hash() != triple.node.node_hash:
            return f"the content of its input {triple.link_label!r} ({triple.node.uuid}) does not match its hash", []
    if node.compute_hash_with_inputs(inputs) != node.node_hash:
        return "its own content does not match its hash", []
    outputs = node.get_outgoing(LinkType.CREATE)
    for triple in outputs:
        if triple.node.compute_hash() != triple.node.node_hash:
            return f"the content of its output {triple.link_label!r} ({triple.node.uuid}) does not match its hash", []
    return None, outputs


#: the outputs of the cache source found last in this context (pk, link triples), for store_from_cache
_verified_outputs: contextvars.ContextVar[tuple[int | None, list]] = contextvars.ContextVar(
    "jupyter_prov_cache_outputs", default=(None, []))


def find_cache_source(node: ProcessNode) -> ProcessNode | None:
    """The oldest valid, verified stored calculation with the hash of (unstored) ``node``, or ``None``."""
    digest = node.compute_hash()
    pks = find_by_hash(digest, node_type=node.node_type, process_type=node.process_type, limit=20)
    for pk in pks:
        candidate = load_node(pk)
        if not (isinstance(candidate, ProcessNode) and is_valid_cache(candidate)):
            continue
        if _invalid(candidate):
            continue
        problem, outputs = _verify(candidate)
        if problem is None:
            _verified_outputs.set((candidate.pk, outputs))
            return candidate
        log.warning("calculation %s (pk %s) is not reused from the cache: %s (changed after it was stored?)",
                    candidate.uuid, candidate.pk, problem)
    return None


def _invalid(candidate: ProcessNode) -> bool:
    """Whether ``candidate``, or the calculation it was cached from, is invalid now (never reused)."""
    if candidate.pk is not None and is_invalid_cache_source(candidate.pk):
        return True
    origin = candidate.get_attribute("cached_from", None)
    if not origin:
        return False
    try:
        source = load_node(origin)
    except Exception:  # noqa: BLE001 - the original is gone (deleted, not imported): nothing to ask
        return False
    return source.pk is not None and is_invalid_cache_source(source.pk)


def clone_data(node: Node) -> Node:
    """A new, unstored node of the same kind with the same content (attributes, files, label)."""
    return node.clone()


def store_from_cache(node: ProcessNode, source: ProcessNode) -> dict[str, Node]:
    """Finish ``node`` as a copy of the finished ``source``: outputs cloned and linked; returns them by label.

    ``node`` is unstored (a foreground call: stored here with its inputs) or stored in state ``created``
    (a submitted calculation), all in one transaction.
    """
    from ..orm import store_all
    from .states import set_state

    outputs: dict[str, Node] = {}
    verified_pk, triples = _verified_outputs.get()
    _verified_outputs.set((None, []))
    if verified_pk != source.pk or source.pk is None:
        triples = source.get_outgoing(LinkType.CREATE)
    for triple in triples:
        clone = clone_data(triple.node)
        clone.add_incoming(node, LinkType.CREATE, triple.link_label)
        outputs[triple.link_label] = clone
    finished = {"exit_status": 0, "exit_message": source.exit_message, "cached_from": source.uuid, "sealed": True}
    with current.get_storage().transaction():
        if node.is_stored:
            store_all(list(outputs.values()))
            set_state(node, ProcessState.FINISHED, **finished)
        else:
            node.set_attribute_many({"process_state": ProcessState.FINISHED.value, **finished})
            store_all([*(t.node for t in node.get_incoming() if not t.node.is_stored), node, *outputs.values()])
    return outputs


def rehash(nodes: Iterable[Node] | None = None) -> int:
    """Recompute and store the hash of the given stored nodes (all nodes if ``None``); returns how many changed."""
    return rehash_nodes(nodes)
