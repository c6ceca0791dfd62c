"""Synthetic provenance graphs for tests and benchmarks.

A graph is first *described* (:class:`GraphSpec`: node kinds, attributes and links by index, in an
order where every link's source comes before its target), then written either through the ORM
(:func:`store_spec`: ``store_all``, link validation included; for tests) or straight into the tables
(:func:`write_spec`: ``insert_many``; a million nodes in well under a minute, for benchmarks).
Tests compare what the database answers with what :meth:`GraphSpec.to_networkx` computes.

Shapes: :func:`chains` (a root with chains of calculations hanging off it, the shape of the aiida-core
reference benchmark), :func:`mixed_graph` (chains, fan-in, fan-out and workflows calling calculations).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

DICT = "data.dict"
INT = "data.int"
CALC = "process.calculation.calcfunction"
WORK = "process.workflow.workchain"

_FINISHED = {"process_state": "finished", "exit_status": 0, "sealed": True}


@dataclass
class GraphSpec:
    """Nodes (type string, attributes) and links (source index, target index, type, label)."""

    types: list[str] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    links: list[tuple[int, int, str, str]] = field(default_factory=list)
    #: named node indexes worth querying (e.g. "root", "leaf")
    marks: dict[str, int] = field(default_factory=dict)
    #: pk of each node index once written
    pks: list[int] = field(default_factory=list)

    def add(self, type_string: str, attributes: dict[str, Any]) -> int:
        self.types.append(type_string)
        self.attributes.append(attributes)
        return len(self.types) - 1

    def link(self, source: int, target: int, link_type: str, label: str) -> None:
        self.links.append((source, target, link_type, label))

    def __len__(self) -> int:
        return len(self.types)

    def pk(self, mark_or_index: str | int) -> int:
        index = self.marks[mark_or_index] if isinstance(mark_or_index, str) else mark_or_index
        return self.pks[index]

    def to_networkx(self, link_types: set[str] | None = None):
        """The graph as a ``networkx.MultiDiGraph`` over node *pks* (after writing) with ``type`` on edges."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        ids = self.pks or list(range(len(self.types)))
        for index, type_string in enumerate(self.types):
            graph.add_node(ids[index], node_type=type_string)
        for source, target, link_type, label in self.links:
            if link_types is None or link_type in link_types:
                graph.add_edge(ids[source], ids[target], type=link_type, label=label)
        return graph


def _data(spec: GraphSpec, rng: random.Random, type_string: str = DICT, rich: bool = True) -> int:
    if type_string == INT:
        return spec.add(INT, {"value": rng.randrange(100)})
    if not rich:
        return spec.add(DICT, {"x": rng.randrange(10), "energy": round(rng.uniform(-6.0, 0.0), 3)})
    return spec.add(DICT, {"x": rng.randrange(10), "energy": round(rng.uniform(-6.0, 0.0), 3),
                           "tags": ["a", "b"][: rng.randrange(3)], "nested": {"k": rng.randrange(4)}})


def _calc(spec: GraphSpec, label: str = "relax") -> int:
    return spec.add(CALC, {"process_label": label, **_FINISHED})


def chains(n_nodes: int = 20_000, *, root_descendants: int | None = None, steps: int = 10, fanout: int = 42,
           seed: int = 0) -> GraphSpec:
    """The aiida-core reference shape: a root ``Int`` with chains of ``steps`` (calculation, Int) pairs.

    The root has ``root_descendants`` descendants (default 42 % of ``n_nodes`` in whole chains); more
    roots with ``fanout`` chains each and single ``Int`` nodes fill the graph to exactly ``n_nodes``.
    """
    rng = random.Random(seed)
    spec = GraphSpec()
    per_chain = 2 * steps
    if root_descendants is None:
        root_descendants = int(0.42 * n_nodes) // per_chain * per_chain
    if root_descendants + 1 > n_nodes:
        raise ValueError("root_descendants must be smaller than n_nodes")

    def add_chain(start: int) -> int:
        data = start
        for _ in range(steps):
            calc = _calc(spec)
            spec.link(data, calc, "input_calc", "x")
            data = _data(spec, rng, INT)
            spec.link(calc, data, "create", "result")
        return data

    spec.marks["root"] = _data(spec, rng, INT)
    for _ in range(root_descendants // per_chain):
        spec.marks["leaf"] = add_chain(spec.marks["root"])
    while len(spec) + 1 + per_chain <= n_nodes:
        other = _data(spec, rng, INT)
        for _ in range(fanout):
            if len(spec) + per_chain > n_nodes:
                break
            add_chain(other)
    while len(spec) < n_nodes:
        _data(spec, rng, INT)
    return spec


def mixed_graph(n_nodes: int = 1000, *, components: int = 1, seed: int = 0, workflow_every: int = 3,
                fan_in: float = 0.3, fan_out: float = 0.3, rich: bool = True) -> GraphSpec:
    """``components`` independent graphs of about ``n_nodes / components`` nodes each.

    Each grows from a root ``Dict``: a calculation takes a recent datum (a chain) and, with probability
    ``fan_in``, a second one from anywhere before it; it creates one output, or two with probability
    ``fan_out``. Every ``workflow_every``-th calculation is called by a work chain that takes the same
    inputs and returns the first output. Marks: ``root`` (of the first component), ``leaf`` (its last datum).
    Data are ``Dict`` nodes with ``x`` (0-9) and ``energy``; ``rich`` adds a list and a nested dict.
    """
    rng = random.Random(seed)
    spec = GraphSpec()
    per_component = max(2, n_nodes // components)
    for component in range(components):
        target = n_nodes if component == components - 1 else len(spec) + per_component
        root = _data(spec, rng, rich=rich)
        data = [root]
        if component == 0:
            spec.marks["root"] = root
        step = 0
        while len(spec) < target:
            step += 1
            inputs = [data[-1 - rng.randrange(min(len(data), 20))]]
            if len(data) > 1 and rng.random() < fan_in:
                other = data[rng.randrange(len(data))]
                if other != inputs[0]:
                    inputs.append(other)
            workflow = None
            if workflow_every and step % workflow_every == 0:
                workflow = spec.add(WORK, {"process_label": "pipeline", **_FINISHED})
                for k, source in enumerate(inputs):
                    spec.link(source, workflow, "input_work", f"x{k}")
            calc = _calc(spec, "relax" if step % 2 else "scf")
            for k, source in enumerate(inputs):
                spec.link(source, calc, "input_calc", f"x{k}")
            if workflow is not None:
                spec.link(workflow, calc, "call_calc", "step")
            outputs = [_data(spec, rng, rich=rich) for _ in range(2 if rng.random() < fan_out else 1)]
            for k, output in enumerate(outputs):
                spec.link(calc, output, "create", f"result{k}")
            if workflow is not None:
                spec.link(workflow, outputs[0], "return", "result")
            data.extend(outputs)
        if component == 0:
            spec.marks["leaf"] = data[-1]
    return spec


def store_spec(spec: GraphSpec) -> list:
    """Write ``spec`` through the ORM (``store_all`` and ``add_incoming``: every link rule checked); returns nodes."""
    from ..orm.nodes.node import store_all
    from ..orm.nodes.registry import class_for

    nodes = []
    for type_string, attributes in zip(spec.types, spec.attributes):
        node = class_for(type_string)()
        node.set_attribute_many({k: v for k, v in attributes.items() if k != "sealed"})
        nodes.append(node)
    returns = []
    for source, target, link_type, label in spec.links:
        if link_type == "return":
            returns.append((source, target, label))
        else:
            nodes[target].add_incoming(nodes[source], link_type, label)
    store_all(nodes)
    for source, target, label in returns:
        nodes[target].add_incoming(nodes[source], "return", label)
    for node, attributes in zip(nodes, spec.attributes):
        if attributes.get("sealed"):
            node.seal()
    spec.pks = [node.pk for node in nodes]
    return nodes


def write_spec(spec: GraphSpec, storage=None, *, batch_size: int = 50_000) -> GraphSpec:
    """Write ``spec`` straight into the tables in one transaction (no ORM objects, no link checks)."""
    from ..orm import current
    from ..orm.nodes.node import new_uuid

    storage = storage or current.get_storage()
    user_id = current.get_default_user().pk
    now = datetime.now(timezone.utc)

    def rows():
        for type_string, attributes in zip(spec.types, spec.attributes):
            yield {
                "uuid": new_uuid(), "node_type": type_string,
                "process_type": None if type_string.startswith("data") else type_string,
                "label": "", "description": "", "ctime": now, "mtime": now, "user_id": user_id,
                "computer_id": None, "attributes": attributes, "extras": {},
                "repository_metadata": {}, "node_hash": None,
            }

    spec.pks = storage.write_graph(len(spec), rows(), spec.links, batch_size=batch_size)
    return spec
