"""The one base class of our handlers: Jupyter's auth, database work off the IO loop, errors as clean JSON.

Every handler subclasses :class:`ProvenanceHandler` (an ``APIHandler``: JSON errors, no redirect to the
login page, XSRF checked on every verb but GET/HEAD/OPTIONS) and decorates every verb with
``@tornado.web.authenticated`` then ``@authorized`` (resource :data:`AUTH_RESOURCE`), so a deployment's
authorizer can grant or refuse jupyter-prov as a whole. ``tests/server/test_auth.py`` fails on a verb
without both. State changes are POST, PUT or DELETE only. No CORS header is set here: the server's own
``allow_origin`` setting (empty by default) is the only one.

Errors: a :class:`~jupyter_prov.errors.JprovError` becomes its status (not found → 404, bad input → 400,
conflict → 409, timeout → 504, broker or database unreachable → 503) with ``{"message": one line}``;
anything else is a bug and gives 500 with the traceback in the server log only.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado.web import HTTPError

from ..errors import ArchiveError, ConfigError, DaemonError, JprovError, StorageError
from .params import BadParameter, Parser, parse_all

#: the authorization resource of every jupyter-prov route (an ``Authorizer`` sees it in ``is_authorized``)
AUTH_RESOURCE = "jupyter_prov"


def status_for(exc: JprovError) -> int:
    """The HTTP status that says what went wrong, for an error of the package."""
    from ..archive.format import ArchiveReadOnlyError
    from ..config import ProfileLockedError, ProfileNotFound
    from ..orm.exceptions import MultipleObjectsError

    if isinstance(exc, MultipleObjectsError):
        return 400  # an ambiguous identifier (a UUID prefix, a label) is a bad input
    if isinstance(exc, (LookupError, ProfileNotFound)):
        return 404
    if isinstance(exc, TimeoutError):
        return 504
    if isinstance(exc, (ConnectionError, StorageError)):
        return 503
    if isinstance(exc, (ProfileLockedError, ArchiveReadOnlyError, DaemonError)):
        return 409
    if isinstance(exc, (ValueError, ArchiveError, ConfigError)):
        return 400
    return 400


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:1000]


class ProvenanceHandler(APIHandler):
    """Base of every jupyter-prov route (see the module docstring for the rules it enforces)."""

    auth_resource = AUTH_RESOURCE

    @property
    def prov(self):
        """The :class:`~jupyter_prov.server.app.JupyterProvApp` of this server."""
        return self.settings["jupyter_prov"]

    # ---- input --------------------------------------------------------------------------------
    def query(self, spec: Mapping[str, Parser], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """The query arguments parsed by ``spec``; a bad, unknown or repeated one is a 400 naming it."""
        raw: dict[str, str] = {}
        for name, values in self.request.query_arguments.items():
            if name.isdigit() and values == [b""]:
                continue  # JupyterLab's ServerConnection appends ?<time in ms> to every request (cache: 'no-store')
            if len(values) > 1:
                raise HTTPError(400, f"query parameter {name!r} is given {len(values)} times")
            raw[name] = values[0].decode("utf-8", "replace")
        try:
            return parse_all(raw, spec, required=required)
        except BadParameter as exc:
            raise HTTPError(400, str(exc)) from None

    def body(self, spec: Mapping[str, Parser], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """The JSON object of the request body parsed by ``spec`` (an empty body is ``{}``)."""
        for name, values in self.request.query_arguments.items():
            if not (name.isdigit() and values == [b""]):  # JupyterLab's cache buster (see query) is not a parameter
                raise HTTPError(400, f"unknown query parameter {name!r}: this request takes a JSON body")
        data: Any = {}
        if self.request.body:
            try:
                data = json.loads(self.request.body)
            except ValueError as exc:
                raise HTTPError(400, f"the request body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise HTTPError(400, f"the request body must be a JSON object, got {type(data).__name__}")
        try:
            return parse_all(data, spec, where="body field", required=required)
        except BadParameter as exc:
            raise HTTPError(400, str(exc)) from None

    def page_limit(self, value: int | None, default: int = 50) -> int:
        """``limit``, defaulted and refused beyond the server's cap (``JupyterProvApp.page_size_limit``)."""
        cap = self.prov.page_size_limit
        if value is None:
            return min(default, cap)
        if value > cap:
            raise HTTPError(400, f"limit must be at most {cap} (JupyterProvApp.page_size_limit), got {value}")
        return value

    # ---- work ---------------------------------------------------------------------------------
    async def run(self, function: Callable[..., Any], *args: Any, needs_profile: bool = True,
                  within: float | None = None, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` in the thread pool, within ``request_timeout`` (or ``within``) seconds.

        The profile is loaded first unless ``needs_profile`` is false; errors become statuses.
        """
        app = self.prov
        limit = within if within is not None else app.request_timeout
        if app.loop is None:
            app.loop = asyncio.get_running_loop()

        def call():
            if needs_profile:
                app.loaded_profile()
            return function(*args, **kwargs)

        future = app.executor.submit(call)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), limit)
        except JprovError as exc:
            raise HTTPError(status_for(exc), one_line(exc)) from None
        except ValueError as exc:
            if not type(exc).__module__.startswith("jupyter_prov."):
                raise
            raise HTTPError(400, one_line(exc)) from None  # a package's own ValueError outside the tree: bad input
        except (TimeoutError, asyncio.TimeoutError):
            raise HTTPError(504, f"the request took longer than {limit:g} s "
                                 "(JupyterProvApp.request_timeout); narrow it down") from None

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        try:
            text = json.dumps(data, default=str, allow_nan=False)
        except ValueError:  # a NaN or infinity somewhere: JSON has none and browsers refuse them
            text = json.dumps(finite(data), default=str, allow_nan=False)
        self.finish(text)

    def reply_bytes(self, content_type: str, body: bytes | dict) -> None:
        """A body that is JSON (a dict) or bytes of ``content_type`` (a binary graph)."""
        if isinstance(body, dict):
            self.reply(body)
        else:
            self.finish(body, set_content_type=content_type)
