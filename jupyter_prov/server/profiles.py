"""``/status`` and ``/profiles``: what a front end asks first, and which profile this server serves.

``GET /status`` answers without loading a profile (so "server extension available" is cheap and cannot
fail on a broken database); ``GET /status?health=true`` adds the profile's health checks
(``views.health``). ``PUT /profiles/current`` switches the served profile (PUT: XSRF applies).
"""

from __future__ import annotations

from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from . import params
from .base import ProvenanceHandler


def profile_list(current_name: str | None) -> dict[str, Any]:
    from ..config import get_config
    from ..config.settings import mask_password

    config = get_config()
    return {"current": current_name, "default": config.default_profile,
            "profiles": [{"name": p.name, "backend": p.backend, "storage": mask_password(p.storage),
                          "broker": mask_password(p.broker), "default": p.name == config.default_profile,
                          "current": p.name == current_name}
                         for p in sorted(config.profiles.values(), key=lambda p: p.name)]}


def _served_name() -> str | None:
    from ..orm import current

    profile = current.get_profile()
    return profile.name if profile is not None else None


class StatusHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        args = self.query({"health": params.boolean})
        from .._version import __version__

        data: dict[str, Any] = {"version": __version__, "profile": _served_name(), "events": self.prov.event_mode(),
                                "limits": self.prov.settings_summary()}
        if args.get("health"):
            from ..views import health

            profile = await self.run(self.prov.loaded_profile)
            data["profile"] = profile.name
            data["health"] = await self.run(health.status, profile.name)
            data["events"] = self.prov.event_mode()
        self.reply(data)


class ProfilesHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.query({})
        self.reply(await self.run(lambda: profile_list(_served_name()), needs_profile=False))


class CurrentProfileHandler(ProvenanceHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.query({})
        profile = await self.run(self.prov.loaded_profile, needs_profile=False)
        self.reply({"name": profile.name, "backend": profile.backend})

    @tornado.web.authenticated
    @authorized
    async def put(self) -> None:
        body = self.body({"name": params.text(200)}, required=("name",))
        profile = await self.run(self.prov.switch_profile, body["name"], needs_profile=False)
        self.reply({"name": profile.name, "backend": profile.backend})
