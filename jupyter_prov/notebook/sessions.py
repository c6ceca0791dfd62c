"""The kernel session as the writer stores it: one session node, one (shared) environment node, the
notebook's identity, and the attributes every cell of the session carries.

Nothing here runs on the kernel's thread at ``%load_ext`` or per cell: :meth:`KernelSession.capture`
runs on the writer thread right after it opened the storage, :meth:`KernelSession.ensure_stored` when
the writer stores its first batch (it needs the first cell's id and the notebook's path).

Who a notebook is (:func:`notebook_id`) is :func:`jupyter_prov.views.notebook_identity.identify`, the
answer the lab extension writes into the notebook's metadata too (the id in the metadata, unless the file
is a copy; the latest session at the same path; recorded cells with the same cell ids; the same kernel);
when it knows none, the kernel makes a new id here.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime
from typing import Any

from ..orm import Dict
from ..views import sessions as session_views
from ..views.notebook_identity import identify, read_notebook
from .environment import environment_hash, git_state, local_module_folders, python_environment, session_facts


def notebook_file(path: str | None) -> tuple[str | None, list[str], dict[str, str]]:
    """``(id in the metadata, cell ids, {cell id: source})`` of the notebook file at ``path`` as saved on disk."""
    return read_notebook(path)


def notebook_id(path: str | None, cell_ids: list[str], kernel: str | None = None) -> str:
    """The notebook's stable id (see the module's docstring): a known one, or a new one."""
    return identify(path, cell_ids, kernel)["notebook_id"] or str(uuid.uuid4())


class KernelSession:
    """One kernel session of a notebook: captured once, stored once, named in every cell."""

    def __init__(self, session: str, started_at: datetime):
        self.session = session
        self.started_at = started_at
        self.environment: dict[str, Any] | None = None
        self.environment_hash: str | None = None
        self.facts: dict[str, Any] = {}
        #: seconds the capture took (on the writer thread)
        self.capture_seconds: float | None = None
        self.notebook_id: str | None = None
        self.notebook_path: str | None = None
        self.node: Dict | None = None
        self.environment_node: Dict | None = None
        self._modules: dict[str, dict[str, Any] | None] = {}

    def capture(self) -> None:
        """Read the environment and the session's facts (writer thread, before the first record)."""
        if self.environment is not None:
            return
        start = time.perf_counter()
        environment = python_environment()
        self.facts = session_facts(self.started_at)
        self.environment_hash = environment_hash(environment)
        self.environment = environment
        self.capture_seconds = time.perf_counter() - start

    def ensure_stored(self, notebook_path: str | None, cell_ids: list[str]) -> None:
        """Store the session (and its environment, unless an earlier session ran in the same one)."""
        if self.node is not None:
            return
        self.capture()
        assert self.environment is not None and self.environment_hash is not None
        self.notebook_path = notebook_path
        self.notebook_id = notebook_id(notebook_path, cell_ids, self.facts.get("kernel_id"))
        env = session_views.environment_node(self.environment_hash)
        if env is None:
            env = Dict(
                {**self.environment, "hash": self.environment_hash}, label=session_views.ENVIRONMENT_LABEL
            )
            env.store()
        self.environment_node = env
        folder = (
            os.path.dirname(notebook_path)
            if notebook_path and os.path.isabs(notebook_path)
            else self.facts["cwd"]
        )
        node = Dict(
            {
                "session": self.session,
                **self.facts,
                "notebook_id": self.notebook_id,
                "notebook_path": notebook_path,
                "environment": self.environment_hash,
                "python_version": self.environment["python_version"],
                "git": git_state(folder),
            },
            label=session_views.SESSION_LABEL,
        )
        node.store()
        self.node = node

    def cell_attributes(self) -> dict[str, Any]:
        """What every cell of the session carries: the notebook's id and the environment's hash."""
        if self.node is None:
            return {}
        return {"notebook_id": self.notebook_id, "environment": self.environment_hash}

    def local_modules(self, imports: list[str]) -> dict[str, Any]:
        """The git state of the user's own modules a cell imported (``{module: {root, commit, dirty…}}``);
        the first time a module is seen it is added to the session node's extras (``local_modules``)."""
        import sys

        wanted = {name.split(".")[0] for name in imports}
        folders = local_module_folders({name: sys.modules.get(name) for name in wanted})
        states: dict[str, Any] = {}
        added = False
        for name, folder in folders.items():
            if name not in self._modules:
                self._modules[name] = git_state(folder)
                added = True
            states[name] = self._modules[name]
        if added and self.node is not None:
            self.node.set_extra("local_modules", {k: v for k, v in self._modules.items()})
        return states
