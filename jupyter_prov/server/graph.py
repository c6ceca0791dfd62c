"""Graph neighbourhoods over HTTP, in the widget's columnar format (``views.graph``): JSON or binary.

``format=json`` (default): ``{"version", "nodes": {column: [values]}, "links": {column: [values]}}`` — the
columns of ``views.graph.NODE_COLUMNS``/``LINK_COLUMNS`` as plain lists (strings in place, not indexed; an
unknown ``ctime`` is ``null``, as browsers refuse ``NaN`` in JSON).

``format=binary`` (``application/octet-stream``): the very chunks the widget gets over its comm
(``views.graph.encode``), framed for one HTTP body: for each part, a 4-byte little-endian length of a
JSON header, the header (the chunk's content plus ``buffer_lengths``), then its buffers in the order of
``header["buffers"]``. A 5k-node neighbourhood is ~4-5x smaller this way and the front end decodes it
with typed-array views, no per-node parse (the measurement is in ``views/graph.py``).
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

from . import params

#: query parameters of every graph route (``identifier`` comes from the URL or the query)
GRAPH_PARAMETERS = {"depth": params.integer(0, 10), "link_types": params.text_list(10, 40),
                    "max_nodes": params.integer(1), "page_size": params.integer(1, 1000),
                    "format": params.choice("json", "binary")}


def neighbourhood_options(args: dict[str, Any], node_limit: int) -> dict[str, Any]:
    """The ``Neighbourhood`` keyword arguments of the parsed query; ``max_nodes`` capped by the server."""
    from tornado.web import HTTPError

    max_nodes = args.get("max_nodes", min(500, node_limit))
    if max_nodes > node_limit:
        raise HTTPError(400, f"max_nodes must be at most {node_limit} (JupyterProvApp.graph_node_limit), "
                             f"got {max_nodes}")
    options: dict[str, Any] = {"depth": args.get("depth", 1), "max_new": max_nodes,
                               "page_size": args.get("page_size", 100)}
    if args.get("link_types"):
        options["link_types"] = args["link_types"]
    return options


def as_json(version: int, elements) -> dict[str, Any]:
    nodes = elements.nodes
    links = elements.links
    return {
        "version": version,
        "nodes": {"pk": [n.pk for n in nodes], "uuid": [n.uuid for n in nodes], "kind": [n.kind for n in nodes],
                  "type": [n.node_type for n in nodes], "label": [n.label for n in nodes],
                  "state": [n.state for n in nodes], "exit_status": [n.exit_status for n in nodes],
                  "caller": [n.caller for n in nodes],
                  "ctime": [None if math.isnan(n.ctime) else n.ctime for n in nodes],  # JSON has no NaN
                  "in_degree": [n.in_degree for n in nodes], "out_degree": [n.out_degree for n in nodes]},
        "links": {"source": [e.source for e in links], "target": [e.target for e in links],
                  "link_type": [e.link_type for e in links], "link_label": [e.link_label for e in links]},
    }


def as_binary(version: int, elements) -> bytes:
    from ..views.graph import encode

    out = bytearray()
    for content, buffers in encode(elements, version=version, kind="snapshot", max_bytes=1 << 30):
        header = json.dumps({**content, "buffer_lengths": [len(b) for b in buffers]}).encode()
        out += struct.pack("<I", len(header)) + header
        for buffer in buffers:
            out += buffer
    return bytes(out)


def snapshot(neighbourhood, fmt: str) -> tuple[str, bytes | dict]:
    """``(content type, body)`` of a neighbourhood's snapshot."""
    version, elements = neighbourhood.snapshot()
    if fmt == "binary":
        return "application/octet-stream", as_binary(version, elements)
    return "application/json", as_json(version, elements)


def decode_binary(body: bytes) -> list[tuple[dict, list[bytes]]]:
    """The inverse of the binary framing (tests and Python clients): ``[(header, buffers)]``."""
    parts = []
    offset = 0
    while offset < len(body):
        (length,) = struct.unpack_from("<I", body, offset)
        offset += 4
        header = json.loads(body[offset:offset + length])
        offset += length
        buffers = []
        for size in header["buffer_lengths"]:
            buffers.append(body[offset:offset + size])
            offset += size
        parts.append((header, buffers))
    return parts
