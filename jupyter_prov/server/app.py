"""The ``jupyter_prov`` server extension app: settings, the profile it serves, the thread pool, the event bridge.

One server serves one profile at a time (``--JupyterProvApp.profile=NAME``, else ``JPROV_PROFILE``, else the
configured default); ``PUT /jupyter-prov/api/profiles/current`` switches it. The ORM keeps the loaded
profile per Python process, so switching is for everybody using this server (a personal Jupyter server:
one person).

Database work never runs on the IO loop: handlers hand it to a bounded thread pool and wait at most
``request_timeout`` seconds (then 504; the query finishes in its thread and its result is dropped).
A profile is loaded on the first request that needs one, never at server start: installing
jupyter-prov must not create a profile for somebody who never opens the provenance panel.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Int, Unicode

from .events import EventBridge, register_schemas


class JupyterProvApp(ExtensionApp):
    """Provenance REST API and events for JupyterLab."""

    name = "jupyter_prov"
    load_other_extensions = True

    profile = Unicode(None, allow_none=True, help="The jupyter-prov profile to serve (default: JPROV_PROFILE "
                      "or the configured default profile).").tag(config=True)
    page_size_limit = Int(500, help="Largest page of a node or process list one request may ask for.").tag(config=True)
    graph_node_limit = Int(5000, help="Most nodes one graph request may return.").tag(config=True)
    request_timeout = Float(30.0, help="Seconds a request may spend on the database before it gets 504.").tag(config=True)
    search_count_ahead = Int(250, help="A node search counts its matches up to this many past the page's offset, "
                             "then says 'more than' (total_capped): an exact count reads every match, and a "
                             "search answers a keystroke.").tag(config=True)
    threads = Int(4, help="Threads for database work (requests beyond this wait their turn).").tag(config=True)

    def initialize_settings(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=max(1, self.threads), thread_name_prefix="jupyter-prov")
        self._profile_lock = threading.Lock()
        self.bridge: EventBridge | None = None
        self.loop = None
        register_schemas(self._event_logger())
        self.settings["jupyter_prov"] = self

    def initialize_handlers(self) -> None:
        from .routes import routes

        self.handlers.extend(routes())

    async def stop_extension(self) -> None:
        if self.bridge is not None:
            bridge, self.bridge = self.bridge, None
            await asyncio.get_running_loop().run_in_executor(None, bridge.stop)
        self.executor.shutdown(wait=False, cancel_futures=True)

    # ---- the profile (called in the pool's threads) ---------------------------------------------
    def loaded_profile(self):
        """The profile this server serves, loaded on first use; starts the event bridge for it."""
        from ..orm import current

        with self._profile_lock:
            wanted = self.profile or os.environ.get("JPROV_PROFILE") or None
            loaded = current.get_profile()
            if loaded is None or (wanted is not None and loaded.name != wanted):
                loaded = current.load_profile(wanted)
            self._ensure_bridge(loaded)
            return loaded

    def switch_profile(self, name: str):
        from ..config import get_config
        from ..orm import current

        with self._profile_lock:
            profile = get_config().get_profile(name)  # ProfileNotFound (404) before anything changes
            loaded = current.load_profile(profile.name)
            self.profile = loaded.name
            self._ensure_bridge(loaded)
            return loaded

    def _ensure_bridge(self, profile) -> None:
        if self.bridge is not None and self.bridge.profile.name == profile.name:
            return
        if self.bridge is not None:
            self.bridge.stop()
        self.bridge = EventBridge(profile, self._emit_from_thread)
        self.bridge.start()

    def _emit_from_thread(self, schema_id: str, payloads: list[dict]) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._emit, schema_id, payloads)
        except RuntimeError:  # the loop closed meanwhile (server shutting down)
            pass

    def _emit(self, schema_id: str, payloads: list[dict]) -> None:
        event_logger = self._event_logger()
        for data in payloads:
            try:
                event_logger.emit(schema_id=schema_id, data=data)
            except Exception as exc:  # noqa: BLE001 - one bad event must not stop the others
                self.log.warning("jupyter-prov: event not emitted (%s): %s", exc, data)

    def _event_logger(self):
        serverapp = self.serverapp
        if serverapp is None or serverapp.event_logger is None:
            raise RuntimeError("the jupyter_prov extension runs inside a Jupyter server (it has no event bus)")
        return serverapp.event_logger

    def event_mode(self) -> str:
        return self.bridge.mode if self.bridge is not None else "not started"

    def settings_summary(self) -> dict[str, Any]:
        return {"page_size_limit": self.page_size_limit, "graph_node_limit": self.graph_node_limit,
                "request_timeout": self.request_timeout, "search_count_ahead": self.search_count_ahead}
