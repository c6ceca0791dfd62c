"""``/archives``: an archive file of the server's root folder — inspected, its nodes read in place, a node's
neighbourhood inside it, and imported into the served profile (``dry_run`` first: what would be added).

``path`` is a path relative to the server's root folder, as the file browser shows it (``data/run.aiida``).
It is resolved (symlinks followed) and refused with 403 if the result is outside the root folder, and
refused like the contents API refuses it when a part of it is hidden (``.name``) unless the contents
manager allows hidden files. Only then is the file opened, read-only, through ``views.archives``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import tornado.web
from jupyter_server.auth.decorator import authorized

from . import params
from .base import ProvenanceHandler
from .graph import GRAPH_PARAMETERS, neighbourhood_options, snapshot
from .nodes import DETAIL_PARAMETERS, SEARCH_PARAMETERS, search_arguments

PATH = {"path": params.text(4096)}


class ArchiveHandler(ProvenanceHandler):
    """Base of the archive routes: the ``path`` parameter, checked against the server's root folder."""

    def archive_path(self, relative: str) -> Path:
        if not relative.strip():
            raise tornado.web.HTTPError(400, "path is empty: give the archive's path in the server's root folder")
        root = Path(self.settings["server_root_dir"]).expanduser().resolve()
        pure = PurePosixPath(relative.replace("\\", "/").lstrip("/"))
        contents = getattr(self.serverapp, "contents_manager", None) if self.serverapp else None
        if not getattr(contents, "allow_hidden", False) and any(
                part.startswith(".") and part not in (".", "..") for part in pure.parts):
            raise tornado.web.HTTPError(403, f"path {relative!r} is hidden (it has a part starting with '.'); "
                                             "the server does not serve hidden files")
        target = (root / pure).resolve()
        if target != root and root not in target.parents:
            raise tornado.web.HTTPError(403, f"path {relative!r} is outside the server's root folder")
        if not target.is_file():
            raise tornado.web.HTTPError(404, f"path {relative!r}: no such file in the server's root folder")
        return target


class ArchiveInspectHandler(ArchiveHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from ..views import archives

        args = self.query({**PATH, "database": params.boolean}, required=("path",))
        path = self.archive_path(args["path"])
        info = await self.run(archives.inspect, path, database=args.get("database", False), needs_profile=False)
        info["path"] = args["path"]  # the path as the client knows it, not where the server keeps it
        self.reply(info)


class ArchiveNodesHandler(ArchiveHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from ..views import archives

        args = self.query({**PATH, **SEARCH_PARAMETERS}, required=("path",))
        path = self.archive_path(args.pop("path"))
        self.reply(await self.run(archives.search, path, needs_profile=False, **search_arguments(self, args)))


class ArchiveNodeHandler(ArchiveHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, identifier: str) -> None:
        from ..views import archives

        args = self.query({**PATH, **DETAIL_PARAMETERS}, required=("path",))
        path = self.archive_path(args.pop("path"))
        self.reply(await self.run(archives.detail, path, identifier, needs_profile=False, **args))


class ArchiveGraphHandler(ArchiveHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, identifier: str) -> None:
        from ..views import archives

        args = self.query({**PATH, **GRAPH_PARAMETERS}, required=("path",))
        path = self.archive_path(args.pop("path"))
        options = neighbourhood_options(args, self.prov.graph_node_limit)

        def build():
            pk = archives.detail(path, identifier, max_links=0, max_files=0)["pk"]  # unknown: 404
            return snapshot(archives.neighbourhood(path, pk, **options), args.get("format", "json"))

        self.reply_bytes(*await self.run(build, needs_profile=False))


class ArchiveImportHandler(ArchiveHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        from ..views import archives

        body = self.body({**PATH, "dry_run": params.boolean}, required=("path",))
        path = self.archive_path(body["path"])
        result = await self.run(archives.import_into_profile, path, dry_run=body.get("dry_run", True),
                                within=max(self.prov.request_timeout, 600.0))
        result["path"] = body["path"]
        self.reply(result)
