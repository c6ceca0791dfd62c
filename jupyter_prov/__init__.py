"""jupyter-prov: a Jupyter-first provenance store and workflow engine.

The public API is small:

- ``load_profile(name=None)``: open a profile (the zero-config ``default`` one on SQLite if none exists).
- ``orm``: the provenance model: data kinds (``Int``, ``Float``, ``Str``, ``Bool``, ``Dict``, ``List``,
  ``Array``, ``File``, ``Folder``, ``RemoteFolder``), process nodes, ``Group``, ``Comment``, ``Log``,
  ``User``, ``Computer``; ``load_node``, ``store_all``, ``to_data``.

Everything not named here may change between versions.
"""

from . import orm
from .orm import Node, load_node, load_profile, store_all, to_data

__version__ = "0.1.0"


def load_ipython_extension(shell) -> None:
    """``%load_ext jupyter_prov``: record this notebook's provenance (see :mod:`jupyter_prov.notebook`)."""
    from .notebook import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell) -> None:
    from .notebook import unload_ipython_extension as unload

    unload(shell)


__all__ = ["orm", "Node", "load_node", "load_profile", "store_all", "to_data", "__version__"]
