"""Every route is behind Jupyter's auth: a CI check as in the extension template, and 403 for each route
called without a token, or with the login cookie but without the XSRF header on a state change.

``test_a_server_with_only_our_extension_has_no_unauthenticated_handler`` is the template's check: a
``ServerApp(allow_unauthenticated_access=False)`` with only our extension, with jupyter_server's
``JupyterServerAuthWarning`` (an extension handler without an auth decorator) turned into an error.
"""

from __future__ import annotations

import re
import warnings

import pytest
from jupyter_server.base.handlers import APIHandler

from jupyter_prov.server.base import AUTH_RESOURCE, ProvenanceHandler
from jupyter_prov.server.routes import routes

VERBS = ("get", "post", "put", "delete", "patch", "head")


def _verbs(handler) -> list[str]:
    return [verb for verb in VERBS if verb in vars(handler) or any(
        verb in vars(base) for base in handler.__mro__ if issubclass(base, ProvenanceHandler))]


def _example_url(pattern: str) -> str:
    return re.sub(r"\(\?P<action>[^)]*\)", "kill", re.sub(r"\(\?P<\w+>\[\^/\]\+\)", "1", pattern))


ROUTE_CALLS = [(pattern, handler, verb) for pattern, handler in routes() for verb in _verbs(handler)]


def test_every_route_has_verbs():
    assert len(ROUTE_CALLS) >= len(routes())
    assert all(_verbs(handler) for _, handler in routes())


@pytest.mark.parametrize(("pattern", "handler", "verb"), ROUTE_CALLS, ids=lambda v: getattr(v, "__name__", v))
def test_every_verb_is_authenticated_then_authorized_on_our_resource(pattern, handler, verb):
    assert issubclass(handler, APIHandler) and issubclass(handler, ProvenanceHandler)
    assert handler.auth_resource == AUTH_RESOURCE == "jupyter_prov"
    method = getattr(handler, verb)
    # tornado.web.authenticated outermost (jupyter_server checks the same way), then jupyter_server's authorized
    assert method.__code__.co_qualname.startswith("authenticated"), f"{verb} of {handler.__name__} lacks @authenticated"
    inner = method.__wrapped__
    assert inner.__code__.co_qualname.startswith("authorized."), f"{verb} of {handler.__name__} lacks @authorized"
    assert handler.__module__.startswith("jupyter_prov.server.")


def test_a_server_with_only_our_extension_has_no_unauthenticated_handler(tmp_path, jp_environ):
    """The extension template's CI check: no handler of ours without an auth decorator (or the server warns)."""
    from jupyter_server.serverapp import JupyterServerAuthWarning, ServerApp

    app = ServerApp(jpserver_extensions={"jupyter_prov.server": True}, allow_unauthenticated_access=False,
                    root_dir=str(tmp_path), port=0, open_browser=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", JupyterServerAuthWarning)
        try:
            app.initialize(argv=[], find_extensions=False, new_httpserver=False)
        except JupyterServerAuthWarning as warning:
            ours = [line for line in str(warning).splitlines() if "jupyter-prov" in line]
            assert not ours, "\n".join(ours)
    try:
        assert "jupyter_prov.server" in app.extension_manager.extensions
        rules = [pattern for pattern in _patterns(app.web_app.default_router) if "jupyter-prov" in pattern]
        assert len(rules) == len(routes()), rules
    finally:
        app.extension_manager.stop_all_extensions() if hasattr(app.extension_manager, "stop_all_extensions") else None
        ServerApp.clear_instance()


def _patterns(router) -> list[str]:
    found = []
    for rule in getattr(router, "rules", []):
        regex = getattr(rule.matcher, "regex", None)
        if regex is not None:
            found.append(regex.pattern)
        found += _patterns(rule.target)
    return found


async def test_every_route_refuses_a_request_without_a_token(http_server_client, jp_serverapp, jp_base_url):
    from tornado.httpclient import HTTPClientError

    refused = []
    for pattern, _handler, verb in ROUTE_CALLS:
        url = jp_base_url.rstrip("/") + _example_url(pattern) + ("?path=x.aiida" if "archives" in pattern else "")
        body = "{}" if verb in ("post", "put", "patch") else None
        try:
            response = await http_server_client.fetch(url, method=verb.upper(), body=body, raise_error=False)
        except HTTPClientError as exc:  # pragma: no cover - raise_error=False returns it
            response = exc.response
        if response.code != 403:
            refused.append(f"{verb.upper()} {pattern}: {response.code}")
    assert not refused, refused


async def test_a_state_change_with_the_cookie_but_without_the_xsrf_header_is_403(
        http_server_client, jp_serverapp, jp_base_url, jp_auth_header, jprov_home):
    """Logged in through the browser (login and ``_xsrf`` cookies), a POST/PUT without ``X-XSRFToken`` is refused;
    the same request with the header gets through (so the 403 is the XSRF check's, not a broken login)."""
    base = jp_base_url.rstrip("/")
    login = await http_server_client.fetch(base + "/jupyter-prov/api/status", headers=jp_auth_header,
                                           raise_error=False)
    page = await http_server_client.fetch(base + "/login", raise_error=False)  # renders a form: sets _xsrf
    assert login.code == 200 and page.code == 200
    cookies = dict(value.split(";", 1)[0].split("=", 1)
                   for response in (login, page) for value in response.headers.get_list("Set-Cookie"))
    assert "_xsrf" in cookies and any(name.startswith("username-") for name in cookies), cookies
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    ok = await http_server_client.fetch(base + "/jupyter-prov/api/status", headers={"Cookie": cookie},
                                        raise_error=False)
    assert ok.code == 200, ok.body  # the cookie is a real login
    checked = 0
    for pattern, _handler, verb in ROUTE_CALLS:
        if verb == "get":
            continue
        url = base + _example_url(pattern)
        response = await http_server_client.fetch(url, method=verb.upper(), body="{}",
                                                  headers={"Cookie": cookie}, raise_error=False)
        assert response.code == 403, f"{verb.upper()} {pattern}: {response.code} {response.body[:200]!r}"
        assert b"_xsrf" in response.body, response.body
        checked += 1
    assert checked == len([call for call in ROUTE_CALLS if call[2] != "get"]) >= 7
    with_header = await http_server_client.fetch(
        base + "/jupyter-prov/api/profiles/current", method="PUT", body='{"name": "no-such-profile"}',
        headers={"Cookie": cookie, "X-XSRFToken": cookies["_xsrf"]}, raise_error=False)
    assert with_header.code == 404, with_header.body


@pytest.fixture
def jp_server_authorizer():
    from jupyter_server.auth import Authorizer

    class _Deny(Authorizer):
        def is_authorized(self, handler, user, action, resource):
            return resource != AUTH_RESOURCE

    return _Deny


async def test_an_authorizer_refusing_jupyter_prov_refuses_every_route(jp_fetch, jp_server_authorizer, jp_serverapp):
    from tornado.httpclient import HTTPClientError

    jp_serverapp.web_app.settings["authorizer"] = jp_server_authorizer(parent=jp_serverapp,
                                                                       identity_provider=jp_serverapp.identity_provider)
    allowed = []
    for pattern, _handler, verb in ROUTE_CALLS:
        parts = _example_url(pattern).strip("/").split("/")
        try:
            response = await jp_fetch(*parts, method=verb.upper(), body="{}" if verb != "get" else None,
                                      params={"path": "x.aiida"} if "archives" in pattern else {})
            allowed.append(f"{verb.upper()} {pattern}: {response.code}")
        except HTTPClientError as exc:
            if exc.code != 403:
                allowed.append(f"{verb.upper()} {pattern}: {exc.code}")
    assert not allowed, allowed
    # and other resources stay allowed: the refusal is the resource's, not a broken server
    response = await jp_fetch("api", "status")
    assert response.code == 200
