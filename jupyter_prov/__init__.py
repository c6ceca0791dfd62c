"""jupyter-prov: a Jupyter-first provenance store and workflow engine.

The public API is small:

- ``load_profile(name=None)``: open a profile (the zero-config ``default`` one on SQLite if none exists).
- ``orm``: the provenance model: data kinds (``Int``, ``Float``, ``Str``, ``Bool``, ``Dict``, ``List``,
  ``Array``, ``File``, ``Folder``, ``RemoteFolder``), process nodes, ``Group``, ``Comment``, ``Log``,
  ``User``, ``Computer``; ``load_node``, ``store_all``, ``to_data``.
- the process engine: ``calcfunction``, ``workfunction``, ``WorkChain`` (with ``while_``, ``if_``,
  ``return_``, ``ToContext``), ``task``/``graph``, ``run``, ``run_get_node``, ``run_get_pk``,
  ``submit``, ``enable_caching``/``disable_caching`` (see ``docs/tutorial/processes.md``);
  ``submit_many(process, [inputs, ...])`` to submit a whole parameter sweep at once, and
  ``wait(node)`` for a submitted process (the daemon: ``docs/how-to/run-in-the-background.md``);
  ``launch_shell_job`` for a shell command on a computer (``docs/how-to/shell-jobs.md``).
- ``QueryBuilder``: questions to the provenance graph (``docs/how-to/querying.md``).
- archives: ``create_archive``, ``import_archive``, ``inspect_archive``, ``ArchiveReader``
  (``docs/archive-format.md``).
- ``%load_ext jupyter_prov``: record a notebook's provenance (``docs/tutorial/notebook-provenance.md``).

Everything not named here may change between versions.
"""

from . import orm
from .engine import (
    ToContext, WorkChain, calcfunction, disable_caching, enable_caching, graph, if_, return_, run, run_get_node,
    run_get_pk, submit, submit_many, task, while_, workfunction,
)
from .orm import Node, QueryBuilder, load_node, load_profile, store_all, to_data

# names whose modules pull in heavier dependencies (kombu, paramiko, zip handling) load on first use
_LAZY = {
    "wait": "jupyter_prov.daemon.events",
    "launch_shell_job": "jupyter_prov.engine.shell_jobs",
    "create_archive": "jupyter_prov.archive.create",
    "import_archive": "jupyter_prov.archive.import_",
    "inspect_archive": "jupyter_prov.archive.inspect",
    "ArchiveReader": "jupyter_prov.archive.reader",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'jupyter_prov' has no attribute {name!r}")

__version__ = "0.1.0"


def load_ipython_extension(shell) -> None:
    """``%load_ext jupyter_prov``: record this notebook's provenance (see :mod:`jupyter_prov.notebook`)."""
    from .notebook import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell) -> None:
    from .notebook import unload_ipython_extension as unload

    unload(shell)


__all__ = [
    "orm", "Node", "QueryBuilder", "load_node", "load_profile", "store_all", "to_data", "__version__",
    "wait", "launch_shell_job", "create_archive", "import_archive", "inspect_archive", "ArchiveReader",
    "calcfunction", "workfunction", "WorkChain", "run", "run_get_node", "run_get_pk", "submit", "submit_many", "task",
    "graph", "while_", "if_", "return_", "ToContext", "enable_caching", "disable_caching",
]
