"""The provenance graph in other people's formats: graphviz DOT/SVG/PNG, networkx, W3C PROV.

All three start from the same :func:`~jupyter_prov.interop.subgraph.collect`: the nodes around one or
more centres (ancestors and descendants up to a depth, along chosen link types) and the links between them.
"""

from .subgraph import GraphTooLarge, Subgraph, collect

__all__ = ["GraphTooLarge", "Subgraph", "collect"]
