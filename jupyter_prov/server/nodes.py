"""``/nodes``: search (filtered, sorted and paged by the database, capped), one node's detail, its neighbourhood.

All three are ``views.nodes``/``views.graph`` as they are for the CLI and the widgets; this module only
parses the request. Search parameters: ``node_type`` (a type prefix), ``label``, ``identifier`` (pk or UUID
prefix), ``since``/``until`` (ISO 8601), ``attributes`` (a JSON object of QueryBuilder filters),
``order_by``, ``descending``, ``offset``, ``limit`` (at most ``JupyterProvApp.page_size_limit``).
"""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from . import params
from .base import ProvenanceHandler
from .graph import GRAPH_PARAMETERS, neighbourhood_options, snapshot

ORDER_KEYS = ("ctime", "mtime", "pk", "label", "node_type")
#: offsets beyond this are refused: paging that deep is a query to narrow down (and costs a full scan)
MAX_OFFSET = 1_000_000

SEARCH_PARAMETERS = {
    "node_type": params.text(200), "label": params.text(500), "identifier": params.text(100),
    "since": params.timestamp, "until": params.timestamp, "attributes": params.json_object(),
    "order_by": params.choice(*ORDER_KEYS), "descending": params.boolean,
    "offset": params.integer(0, MAX_OFFSET), "limit": params.integer(1),
}
DETAIL_PARAMETERS = {"max_links": params.integer(0, 1000), "max_files": params.integer(0, 5000)}


def search_arguments(handler: ProvenanceHandler, args: dict[str, Any]) -> dict[str, Any]:
    """The ``views.nodes.search`` arguments: ``limit`` defaulted and capped, and the matches counted up to
    ``offset + JupyterProvApp.search_count_ahead`` (then ``total_capped``: the sidebar shows "250+").

    Why not the views' default of 1,000: counting reads every match up to the cap, and with an attribute
    filter each row's JSON is parsed: counting 1,001 of them was ~3/4 of a search's time on a 100k-node
    profile (``benchmarks/results/server.md``)."""
    args = dict(args)
    args["limit"] = handler.page_limit(args.get("limit"))
    ahead = handler.prov.search_count_ahead
    args["count_cap"] = max(ahead, args["limit"]) + args.get("offset", 0) if ahead > 0 else None
    return args


class NodeSearchHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from ..views import nodes

        args = search_arguments(self, self.query(SEARCH_PARAMETERS))
        self.reply(await self.run(nodes.search, **args))


class NodeDetailHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, identifier: str) -> None:
        from ..views import nodes

        args = self.query(DETAIL_PARAMETERS)
        self.reply(await self.run(nodes.detail, identifier, **args))


class NodeGraphHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, identifier: str) -> None:
        from ..views import nodes
        from ..views.graph import Neighbourhood

        args = self.query(GRAPH_PARAMETERS)
        options = neighbourhood_options(args, self.prov.graph_node_limit)

        def build():
            root = nodes.summary(identifier)["pk"]  # an unknown node: NotExistent, 404
            return snapshot(Neighbourhood([root], **options), args.get("format", "json"))

        self.reply_bytes(*await self.run(build))
