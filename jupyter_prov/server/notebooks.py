"""``/notebooks/identity``: who a notebook of the server's root folder is, for the lab extension to write
into the notebook's metadata (``metadata.jupyter_prov.notebook_id``).

``GET ?path=<notebook path in the root folder>[&notebook_id=<the id its metadata holds now>]`` answers
``{"path", "notebook_id", "how", "copy_of"}`` through :func:`jupyter_prov.views.notebook_identity.identify`,
the same rules the kernel follows when it stores a session, on the file's absolute path as the server
gives it to the notebook's kernel (``JPY_SESSION_NAME``). ``notebook_id`` is ``null`` until a kernel
recorded the notebook's first session (only the kernel makes a new id); ``copy_of`` names the id of the
notebook this file was copied from, which the front end removes from the copy's metadata. ``path`` is
checked like the archive routes check theirs (inside the root folder, not hidden, an existing ``.ipynb``).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import tornado.web
from jupyter_server.auth.decorator import authorized

from . import params
from .base import ProvenanceHandler


class NotebookIdentityHandler(ProvenanceHandler):
    def kernel_path(self, relative: str) -> str:
        """The notebook's absolute path as its kernel knows it; a path outside the root, hidden or missing is refused."""
        if not relative.strip():
            raise tornado.web.HTTPError(
                400, "path is empty: give the notebook's path in the server's root folder"
            )
        pure = PurePosixPath(relative.replace("\\", "/").lstrip("/"))
        if pure.suffix != ".ipynb":
            raise tornado.web.HTTPError(400, f"path {relative!r} is not a notebook (.ipynb)")
        contents = getattr(self.serverapp, "contents_manager", None) if self.serverapp else None
        if not getattr(contents, "allow_hidden", False) and any(
            part.startswith(".") and part not in (".", "..") for part in pure.parts
        ):
            raise tornado.web.HTTPError(
                403,
                f"path {relative!r} is hidden (it has a part starting with '.'); "
                "the server does not serve hidden files",
            )
        root = Path(self.settings["server_root_dir"]).expanduser().resolve()
        target = (root / pure).resolve()
        if root not in target.parents:
            raise tornado.web.HTTPError(403, f"path {relative!r} is outside the server's root folder")
        if not target.is_file():
            raise tornado.web.HTTPError(
                404, f"path {relative!r}: no such notebook in the server's root folder"
            )
        kernels = getattr(self.serverapp, "kernel_manager", None) if self.serverapp else None
        if kernels is not None and hasattr(kernels, "cwd_for_path"):
            # what jupyter_server's session manager sets JPY_SESSION_NAME to: the kernel's folder + the file's name
            return os.path.join(kernels.cwd_for_path(pure.as_posix()), pure.name)
        return os.path.join(
            os.path.abspath(os.path.expanduser(self.settings["server_root_dir"])), *pure.parts
        )

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from ..views import notebook_identity

        args = self.query({"path": params.text(4096), "notebook_id": params.text(200)}, required=("path",))
        path = self.kernel_path(args["path"])
        answer = await self.run(notebook_identity.identify, path, metadata_id=args.get("notebook_id") or None)
        self.reply({"path": args["path"], **answer})
