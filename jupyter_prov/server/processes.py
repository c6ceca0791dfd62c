"""``/processes``: the list (by state, roots only, paged), one process's detail, its call tree, its log report,
and control — pause, play, kill — through the daemon's public functions (``jupyter_prov.daemon``).

Control is POST only (XSRF applies) and answers what happened to each process in the daemon's words
(``killed``, ``kill requested from its worker``, ``already finished``); the state changes that follow
arrive as ``process_state`` events.
"""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from . import params
from .base import ProvenanceHandler

STATES = ("created", "running", "waiting", "finished", "excepted", "killed")
ACTIONS = ("pause", "play", "kill")
#: log lines one report returns at most (a work chain of 10,000 steps logs more than a page can show)
MAX_REPORT_LINES = 5000
#: processes one control request may name
MAX_CONTROL = 1000

LIST_PARAMETERS = {"states": params.text_list(len(STATES), 20), "root_only": params.boolean,
                   "offset": params.integer(0, 1_000_000), "limit": params.integer(1)}


def _pk(text: str) -> int:
    return params.integer(1)("process pk", text)


class ProcessListHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from ..views import processes

        args = self.query(LIST_PARAMETERS)
        unknown = [s for s in args.get("states", []) if s not in STATES]
        if unknown:
            raise tornado.web.HTTPError(400, f"states: unknown state {unknown[0]!r} (known: {', '.join(STATES)})")
        args["limit"] = self.page_limit(args.get("limit"))
        if "states" in args and not args["states"]:
            args["states"] = None
        self.reply(await self.run(processes.list_processes, **args))


class ProcessHandler(ProvenanceHandler):
    """Base of the routes of one process (``/processes/<pk>/...``)."""

    def process_pk(self, text: str) -> int:
        try:
            return _pk(text)
        except params.BadParameter as exc:
            raise tornado.web.HTTPError(400, str(exc)) from None


class ProcessDetailHandler(ProcessHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, pk: str) -> None:
        from ..views import processes

        self.query({})
        self.reply(await self.run(processes.detail, self.process_pk(pk)))


class ProcessTreeHandler(ProcessHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, pk: str) -> None:
        from ..views import processes

        args = self.query({"max_processes": params.integer(1, 5000)})
        self.reply(await self.run(processes.tree, self.process_pk(pk), **args))


class ProcessReportHandler(ProcessHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, pk: str) -> None:
        from ..views import processes

        args = self.query({"levelname": params.choice("DEBUG", "INFO", "REPORT", "WARNING", "ERROR", "CRITICAL"),
                           "limit": params.integer(1, MAX_REPORT_LINES)})
        limit = args.pop("limit", MAX_REPORT_LINES)
        report = await self.run(processes.report, self.process_pk(pk), **args)
        report["total"] = len(report["lines"])
        report["truncated"] = report["total"] > limit
        report["lines"] = report["lines"][:limit]
        self.reply(report)


def control(action: str, pks: list[int], message: str | None) -> dict[str, str]:
    from .. import daemon

    if action == "kill":
        result = daemon.kill(pks, message=message) if message else daemon.kill(pks)
    else:
        result = getattr(daemon, action)(pks)
    return {str(pk): text for pk, text in result.items()}


class ProcessActionHandler(ProcessHandler):
    """``POST /processes/<pk>/<pause|play|kill>`` (body: optional ``message`` for kill)."""

    @tornado.web.authenticated
    @authorized
    async def post(self, pk: str, action: str) -> None:
        body = self.body({"message": params.text(500)})
        self.reply({"action": action, "result": await self.run(control, action, [self.process_pk(pk)],
                                                                 body.get("message"))})


class ProcessControlHandler(ProvenanceHandler):
    """``POST /processes/control`` with ``{"action", "pks", "message"?}``: several processes at once."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body({"action": params.choice(*ACTIONS), "pks": params.integer_list(MAX_CONTROL),
                          "message": params.text(500)}, required=("action", "pks"))
        self.reply({"action": body["action"],
                    "result": await self.run(control, body["action"], body["pks"], body.get("message"))})
