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
- notebook widgets (the ``widgets`` extra): ``ProvenanceGraph``, ``ProcessMonitor``, ``ArchiveBrowser``
  (``docs/tutorial/see-your-provenance.md``).

Everything not named here may change between versions.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# The one table of public names, each with the module it loads from on first use: ``import jupyter_prov`` costs
# ~1 ms, while eager imports cost ~0.85 s CPU per `jprov` call (SQLAlchemy, numpy, disk-objectstore;
# benchmarks/results/startup.md). A module itself (``orm``) maps to None. tests/test_public_api.py checks that
# __all__ and the TYPE_CHECKING imports below name exactly these (and __version__).
_LAZY: dict[str, str | None] = {
    "orm": None,
    **dict.fromkeys(["Node", "QueryBuilder", "load_node", "load_profile", "store_all", "to_data"], "jupyter_prov.orm"),
    **dict.fromkeys(["ToContext", "WorkChain", "calcfunction", "disable_caching", "enable_caching", "graph", "if_",
                     "return_", "run", "run_get_node", "run_get_pk", "submit", "submit_many", "task", "while_",
                     "workfunction"], "jupyter_prov.engine"),
    "wait": "jupyter_prov.daemon.events",
    "launch_shell_job": "jupyter_prov.engine.shell_jobs",
    "create_archive": "jupyter_prov.archive.create",
    "import_archive": "jupyter_prov.archive.import_",
    "inspect_archive": "jupyter_prov.archive.inspect",
    "ArchiveReader": "jupyter_prov.archive.reader",
    **dict.fromkeys(["ArchiveBrowser", "ProcessMonitor", "ProvenanceGraph"], "jupyter_prov.widgets"),
}

if TYPE_CHECKING:  # what type checkers and IDEs see
    from . import orm
    from .archive.create import create_archive
    from .archive.import_ import import_archive
    from .archive.inspect import inspect_archive
    from .archive.reader import ArchiveReader
    from .daemon.events import wait
    from .engine import (
        ToContext,
        WorkChain,
        calcfunction,
        disable_caching,
        enable_caching,
        graph,
        if_,
        return_,
        run,
        run_get_node,
        run_get_pk,
        submit,
        submit_many,
        task,
        while_,
        workfunction,
    )
    from .engine.shell_jobs import launch_shell_job
    from .orm import Node, QueryBuilder, load_node, load_profile, store_all, to_data
    from .widgets import ArchiveBrowser, ProcessMonitor, ProvenanceGraph


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'jupyter_prov' has no attribute {name!r}")
    source = _LAZY[name]
    module = importlib.import_module(source or f"jupyter_prov.{name}")
    value = module if source is None else getattr(module, name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext jupyter_prov``: record this notebook's provenance (see :mod:`jupyter_prov.notebook`)."""
    from .notebook import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: Any) -> None:
    """``%unload_ext jupyter_prov``: stop recording."""
    from .notebook import unload_ipython_extension as unload

    unload(shell)


__all__ = [
    "ArchiveBrowser",
    "ArchiveReader",
    "Node",
    "ProcessMonitor",
    "ProvenanceGraph",
    "QueryBuilder",
    "ToContext",
    "WorkChain",
    "__version__",
    "calcfunction",
    "create_archive",
    "disable_caching",
    "enable_caching",
    "graph",
    "if_",
    "import_archive",
    "inspect_archive",
    "launch_shell_job",
    "load_node",
    "load_profile",
    "orm",
    "return_",
    "run",
    "run_get_node",
    "run_get_pk",
    "store_all",
    "submit",
    "submit_many",
    "task",
    "to_data",
    "wait",
    "while_",
    "workfunction",
]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the lab extension (`jupyter labextension develop .`); pip installs it as shared data."""
    return [{"src": "labextension", "dest": "jupyter-prov"}]
