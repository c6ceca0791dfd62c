"""Fixtures of the server tests: a real jupyter_server (pytest-jupyter) with only our extension, auth enforced.

``jp_server_config`` turns ``allow_unauthenticated_access`` off, as the issue asks of every test of the
extension: a route that forgot its auth decorator then fails here, not in a deployment. The server runs
in the test's process, so it serves the profile the ``profile`` fixture loaded (SQLite or PostgreSQL).
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytest_jupyter", reason="pytest-jupyter is in the dev extras")

# the plugin's fixtures and hooks (jp_fetch, jp_serverapp, ...), for the tests of this folder only
from pytest_jupyter.jupyter_server import *

API = ("jupyter-prov", "api")


@pytest.fixture
def jp_server_config(jp_root_dir):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_prov.server": True},
                          "allow_unauthenticated_access": False}}


@pytest.fixture
def api(jp_fetch, profile):
    """``await api("nodes", params={...})`` → ``(status, JSON body)``; errors are returned, not raised."""
    from tornado.httpclient import HTTPClientError

    async def call(*path: str, method: str = "GET", params: dict | None = None, body=None, raw: bool = False,
                   headers: dict | None = None):
        kwargs = {"method": method, "params": params or {}, "headers": headers or {}}
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        elif method in ("POST", "PUT"):
            kwargs["body"] = "{}"
        try:
            response = await jp_fetch(*API, *path, **kwargs)
        except HTTPClientError as exc:
            response = exc.response
            if response is None:
                raise
        if raw:
            return response.code, response
        return response.code, json.loads(response.body) if response.body else None

    return call
