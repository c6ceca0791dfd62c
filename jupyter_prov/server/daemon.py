"""``/daemon``: the served profile's daemon — status, start, stop, add or remove workers.

The daemon's own public functions (:mod:`jupyter_prov.daemon.lifecycle`) do the work, as ``jprov daemon``
does; the server only waits for them in its thread pool (starting waits for the workers to be ready,
stopping for running processes to reach a checkpoint: up to :data:`STOP_TIMEOUT` seconds). After each
change the event bridge reads the status at once, so subscribers get a ``daemon_status`` event.
"""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from . import params
from .base import ProvenanceHandler

#: workers one request may start or add at once
MAX_WORKERS = 32
#: seconds a stopping daemon's workers get to reach a checkpoint (then they are killed; see stop_daemon)
STOP_TIMEOUT = 30.0
#: seconds a request waits for starting workers
START_WAIT = 30.0


class DaemonStatusHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.query({})
        from ..daemon.lifecycle import daemon_status

        self.reply(await self.run(lambda: daemon_status(self.prov.loaded_profile())))


class DaemonHandler(ProvenanceHandler):
    """Base of the routes that change the daemon: the event bridge reads its status right after."""

    def _changed(self) -> None:
        if self.prov.bridge is not None:
            self.prov.bridge.check_daemon_soon()


class DaemonStartHandler(DaemonHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body({"workers": params.integer(1, MAX_WORKERS)})
        from ..daemon.lifecycle import start_daemon

        status = await self.run(lambda: start_daemon(self.prov.loaded_profile(), body.get("workers", 1),
                                                     wait=START_WAIT), within=START_WAIT + 15)
        self._changed()
        self.reply(status)


class DaemonStopHandler(DaemonHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        self.body({})
        from ..daemon.lifecycle import stop_daemon

        result = await self.run(lambda: stop_daemon(self.prov.loaded_profile(), timeout=STOP_TIMEOUT),
                                within=STOP_TIMEOUT + 30)
        self._changed()
        self.reply(result)


class DaemonWorkersHandler(DaemonHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body({"delta": params.integer(-MAX_WORKERS, MAX_WORKERS)}, required=("delta",))
        if body["delta"] == 0:
            raise tornado.web.HTTPError(400, "delta must be a non-zero number of workers to add (+) or remove (-)")
        from ..daemon.lifecycle import scale_daemon

        status = await self.run(lambda: scale_daemon(self.prov.loaded_profile(), body["delta"], wait=START_WAIT),
                                within=START_WAIT + 15)
        self._changed()
        self.reply(status)
