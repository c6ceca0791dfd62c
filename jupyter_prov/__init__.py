"""jupyter-prov: a Jupyter-first provenance store and workflow engine.

The public API is small:

- ``load_profile(name=None)``: open a profile (the zero-config ``default`` one on SQLite if none exists).
- ``orm``: the provenance model: data kinds (``Int``, ``Float``, ``Str``, ``Bool``, ``Dict``, ``List``,
  ``Array``, ``File``, ``Folder``, ``RemoteFolder``), process nodes, ``Group``, ``Comment``, ``Log``,
  ``User``, ``Computer``; ``load_node``, ``store_all``, ``to_data``.
- the process engine: ``calcfunction``, ``workfunction``, ``WorkChain`` (with ``while_``, ``if_``,
  ``return_``, ``ToContext``), ``task``/``graph``, ``run``, ``run_get_node``, ``run_get_pk``,
  ``submit``, ``enable_caching``/``disable_caching`` (see ``docs/tutorial/processes.md``).

Everything not named here may change between versions.
"""

from . import orm
from .engine import (
    ToContext, WorkChain, calcfunction, disable_caching, enable_caching, graph, if_, return_, run, run_get_node,
    run_get_pk, submit, task, while_, workfunction,
)
from .orm import Node, load_node, load_profile, store_all, to_data

__version__ = "0.1.0"


def load_ipython_extension(shell) -> None:
    """``%load_ext jupyter_prov``: record this notebook's provenance (see :mod:`jupyter_prov.notebook`)."""
    from .notebook import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell) -> None:
    from .notebook import unload_ipython_extension as unload

    unload(shell)


__all__ = [
    "orm", "Node", "load_node", "load_profile", "store_all", "to_data", "__version__",
    "calcfunction", "workfunction", "WorkChain", "run", "run_get_node", "run_get_pk", "submit", "task", "graph",
    "while_", "if_", "return_", "ToContext", "enable_caching", "disable_caching",
]
